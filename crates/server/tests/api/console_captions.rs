//! The console's caption form on a video's page (`console::media_captions`): a track attached through the form is
//! listed with its state on screens; a bad language tag or a bad file is shown next to its field, in the page's
//! language, with what was entered kept and nothing stored; a track is removed; another partner's editor and a
//! forged token are refused.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use twincast_store::Role;

const SRT: &str = "1\r\n00:00:00,500 --> 00:00:02,000\r\nДобро пожаловать в Акаси\r\n";

fn form(csrf: &str, lang: &str, file: &[u8]) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .text("lang", lang.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file.to_vec()).file_name("captions.srt"),
        )
}

async fn attach(
    s: &TestServer,
    who: &Session,
    media: &str,
    f: reqwest::multipart::Form,
) -> (StatusCode, String) {
    let res = who
        .client
        .post(s.url(&format!("/console/media/{media}/captions")))
        .multipart(f)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn tracks(who: &Session, media: &str) -> Vec<Value> {
    let v: Value = who
        .get(&format!("/api/v1/media/{media}/captions"))
        .await
        .json()
        .await
        .unwrap();
    v.as_array().unwrap().clone()
}

#[tokio::test]
async fn the_caption_form_attaches_shows_refusals_by_their_field_and_removes() {
    let s = TestServer::with(|c| c.transcode = false).await;
    s.partner("pa").await;
    s.partner("pb").await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let other = s.user("other", Role::PartnerEditor, &["pb"]).await;
    let fixture = std::fs::read(format!(
        "{}/../media/tests/fixtures/h264.mp4",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let res = ed
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("pa", "promo.mp4", fixture))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let media = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = ed
        .get(&format!("/console/media/{media}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="captions-none""#) && page.contains(r#"id="caption-form""#),
        "{page}"
    );

    // Attached: listed, and marked as portal-only on a server without ffmpeg.
    let (status, page) = attach(&s, &ed, &media, form(&ed.csrf, "RU", SRT.as_bytes())).await;
    assert_eq!(status, StatusCode::OK, "the item's page after the redirect");
    assert!(
        page.contains(r#"data-lang="ru" data-screens="portal""#),
        "{page}"
    );
    assert_eq!(tracks(&ed, &media).await.len(), 1);

    // A bad tag: shown at the language field with the entered value kept; nothing stored.
    let (status, page) = attach(
        &s,
        &ed,
        &media,
        form(&ed.csrf, "english please", SRT.as_bytes()),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains(r#"id="cap-lang-error""#) && page.contains("This is not a language tag"),
        "{page}"
    );
    assert!(page.contains(r#"value="english please""#) && page.contains(r#"aria-invalid="true""#));
    assert!(!page.contains(r#"id="cap-file-error""#));
    // A bad cue, on a page in Russian: shown at the file field, naming the line.
    let res = ed
        .client
        .post(s.url(&format!("/console/media/{media}/captions")))
        .header("accept-language", "ru")
        .multipart(form(
            &ed.csrf,
            "en",
            b"1\n00:00:03,000 --> 00:00:01,000\nBackwards\n",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(r#"id="cap-file-error""#) && page.contains("Строка 2 файла"),
        "{page}"
    );
    // An empty file.
    let (status, page) = attach(&s, &ed, &media, form(&ed.csrf, "en", b"")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("The file holds no caption."), "{page}");
    assert_eq!(
        tracks(&ed, &media).await.len(),
        1,
        "nothing stored by a refusal"
    );

    // Another partner's editor, or a forged token: refused, nothing stored.
    let (status, _) = attach(&s, &other, &media, form(&other.csrf, "en", SRT.as_bytes())).await;
    assert!(
        matches!(status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{status}"
    );
    let (status, _) = attach(&s, &ed, &media, form("forged", "en", SRT.as_bytes())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(tracks(&ed, &media).await.len(), 1);

    // Removed.
    let res = post_form(
        &ed,
        &format!("/console/media/{media}/captions/ru/delete"),
        &[("csrf", &ed.csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        !page.contains(r#"data-lang="ru""#) && page.contains(r#"id="captions-none""#),
        "{page}"
    );
    assert!(tracks(&ed, &media).await.is_empty());
}
