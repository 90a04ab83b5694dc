//! Caption tracks (`api::captions`): an SRT file is converted to WebVTT and a WebVTT file made by ffmpeg is kept;
//! both are listed and served, and the portal's player offers them as `<track>` elements; replacing a language's
//! track retires the old file; bad files and tags are refused with their codes; roles hold.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

const SRT: &str = "1\r\n00:00:00,500 --> 00:00:02,000\r\nДобро пожаловать в Акаси\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\nПорт и пролив\r\n";

/// WebVTT written by ffmpeg from an SRT file (an independent converter).
fn vtt_by_ffmpeg(dir: &std::path::Path) -> Vec<u8> {
    let srt = dir.join("en.srt");
    std::fs::write(
        &srt,
        "1\n00:00:00,500 --> 00:00:02,000\nWelcome to Akashi\n\n",
    )
    .unwrap();
    let out = dir.join("en.vtt");
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error", "-i"])
        .arg(&srt)
        .arg(&out)
        .status()
        .expect("ffmpeg runs");
    assert!(st.success());
    std::fs::read(out).unwrap()
}

async fn put(s: &Session, media: &str, lang: &str, body: &[u8]) -> reqwest::Response {
    s.req(
        Method::PUT,
        &format!("/api/v1/media/{media}/captions/{lang}"),
    )
    .header("content-type", "text/vtt")
    .body(body.to_vec())
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn caption_tracks_are_checked_stored_and_offered_by_the_portal() {
    let s = TestServer::with(|c| c.transcode = false).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"}, "country": "JP",
                   "continent": "asia", "lat": 34.64, "lon": 135.0, "since": 1981, "description": "A port city."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    s.partner("pb").await;
    let res = admin
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "akashi.mp4", fixture("h264.mp4")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let video = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // SRT in Russian: converted.
    let res = put(&admin, &video, "RU", SRT.as_bytes()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let ru: Value = res.json().await.unwrap();
    assert_eq!(ru["lang"], "ru");
    assert_eq!(ru["cues"], 2);
    assert_eq!(ru["converted"], true);
    let ru_url = ru["url"].as_str().unwrap().to_string();
    let res = admin.get(&ru_url).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/vtt"));
    let text = res.text().await.unwrap();
    assert!(text.starts_with("WEBVTT\n"), "{text}");
    assert!(text.contains("00:00:00.500 --> 00:00:02.000\nДобро пожаловать в Акаси\n"));

    // WebVTT made by ffmpeg, in English: kept; a second one replaces it (200) and the first file goes.
    let dir = tempfile::tempdir().unwrap();
    let vtt = vtt_by_ffmpeg(dir.path());
    let res = put(&admin, &video, "en", &vtt).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["converted"], false);
    let mut second = String::from_utf8(vtt).unwrap();
    second.push_str("\n00:00:03.000 --> 00:00:04.000\nThe harbour\n");
    let res = put(&admin, &video, "en", second.as_bytes()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let en: Value = res.json().await.unwrap();
    assert_eq!(en["replaced"], true);
    assert_ne!(en["url"], first["url"]);
    assert_eq!(
        admin.get(first["url"].as_str().unwrap()).await.status(),
        404
    );
    let list: Value = admin
        .get(&format!("/api/v1/media/{video}/captions"))
        .await
        .json()
        .await
        .unwrap();
    let langs: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["lang"].as_str().unwrap())
        .collect();
    assert_eq!(langs, ["en", "ru"]);

    // The portal's player offers both as tracks.
    let page = reqwest::get(s.url("/en/cities/akashi"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (lang, url) in [("ru", ru_url.as_str()), ("en", en["url"].as_str().unwrap())] {
        assert!(
            page.contains(&format!(
                "<track kind=\"captions\" src=\"{url}\" srclang=\"{lang}\""
            )),
            "the {lang} track is on the page"
        );
    }

    // Bad files and tags, with their codes; nothing changes.
    let code = |body: &'static [u8], lang: &'static str| {
        let admin = &admin;
        let video = &video;
        async move {
            let res = put(admin, video, lang, body).await;
            let p: Value = res.json().await.unwrap();
            p["code"].as_str().unwrap().to_string()
        }
    };
    assert_eq!(
        code(SRT.as_bytes(), "english").await,
        "invalid-language-tag"
    );
    assert_eq!(
        code(b"<html>no</html>", "fr").await,
        "caption-unknown-format"
    );
    assert_eq!(
        code(
            b"WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nbackwards\n",
            "fr"
        )
        .await,
        "caption-bad-cue"
    );
    assert_eq!(code(b"\xff\xfe\x00", "fr").await, "caption-not-utf8");
    assert_eq!(code(b"WEBVTT\n", "fr").await, "caption-empty");
    // Only videos have tracks; an editor of another partner may not touch them.
    let res = admin
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "card.png", png(20, 10)))
        .send()
        .await
        .unwrap();
    let image = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = put(&admin, &image, "fr", SRT.as_bytes()).await;
    assert_problem(res, StatusCode::CONFLICT, "captions-need-video").await;
    let other = s.user("ed", Role::PartnerEditor, &["pb"]).await;
    assert_eq!(
        put(&other, &video, "fr", SRT.as_bytes()).await.status(),
        403
    );

    // Removing a track: 204, then 404; the page no longer offers it.
    let url = format!("/api/v1/media/{video}/captions/ru");
    assert_eq!(
        admin
            .req(Method::DELETE, &url)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let res = admin.req(Method::DELETE, &url).send().await.unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "caption-not-found").await;
    assert_eq!(admin.get(&ru_url).await.status(), 404);
    let page = reqwest::get(s.url("/en/cities/akashi"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("srclang=\"ru\""));
    assert!(page.contains("srclang=\"en\""));
}
