//! The news desk's console pages: a contributor writes a story in ru/en/zh and submits it, but is shown no
//! editor's step and is refused one posted anyway; an editor publishes and withdraws; bad input comes back with
//! the error next to its field and writes nothing; a stale form keeps what was typed (412). The browser walk is
//! e2e/console_news.test.mjs.

use crate::common::{post_form, Session, TestServer};
use reqwest::StatusCode;
use serde_json::Value;
use twincast_store::Role;

async fn html(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.get(path).await;
    (res.status(), res.text().await.unwrap())
}

fn story_form<'a>(csrf: &'a str, en_short: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("versions.ru.headline", "Форум открылся в Уси"),
        ("versions.ru.short_headline", "Открылся форум"),
        ("versions.ru.body", "Делегации из **14 стран**."),
        ("versions.en.headline", "Forum opens in Wuxi"),
        ("versions.en.short_headline", en_short),
        ("versions.en.lead", "The forum opened."),
        (
            "versions.en.body",
            "Delegations from **14 countries** met.\n\n<script>alert(1)</script>",
        ),
        ("versions.en.dateline_place", "Wuxi"),
        ("versions.zh.headline", "论坛在无锡开幕"),
        ("versions.zh.short_headline", "论坛开幕"),
        ("rubric", "world"),
        ("tags", "forum, cooperation"),
        ("dateline_date", "2026-11-28"),
        ("source.kind", "own"),
        ("do", "save"),
    ]
}

async fn article(s: &Session, id: &str) -> Value {
    s.get(&format!("/api/v1/news/articles/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

async fn count(s: &Session) -> usize {
    let v: Value = s.get("/api/v1/news/articles").await.json().await.unwrap();
    v["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_contributor_writes_and_submits_and_an_editor_publishes_from_the_console() {
    let s = TestServer::start().await;
    let writer = s.user("wen", Role::Contributor, &[]).await;
    let editor = s.user("ed", Role::NewsEditor, &[]).await;
    let viewer = s.user("vic", Role::Viewer, &[]).await;

    // The desk is in the navigation of its roles only; others are refused.
    let (status, page) = html(&writer, "/console/news").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/console/news\""), "nav entry");
    assert!(
        !page.contains("href=\"/console/projects\""),
        "no catalogue for contributors"
    );
    let (status, page) = html(&viewer, "/console").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("href=\"/console/news\""));
    assert_eq!(
        viewer.get("/console/news").await.status(),
        StatusCode::FORBIDDEN
    );

    // Bad input: the error is next to its field, what was typed stays, nothing is written.
    let long = "x".repeat(81);
    let res = post_form(&writer, "/console/news", &story_form(&writer.csrf, &long)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("id=\"versions-en-short_headline-error\""),
        "{page}"
    );
    assert!(page
        .contains("aria-invalid=\"true\" aria-describedby=\"versions-en-short_headline-error\""));
    assert!(
        page.contains("value=\"Форум открылся в Уси\""),
        "typed text kept"
    );
    assert_eq!(count(&writer).await, 0, "nothing was written");
    // A bad time is the form's own error.
    let mut bad = story_form(&writer.csrf, "Forum opens");
    bad.push(("embargo_until", "tomorrow"));
    let res = post_form(&writer, "/console/news", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("id=\"embargo_until-error\""));
    // A forged form is refused.
    let res = post_form(
        &writer,
        "/console/news",
        &story_form("forged", "Forum opens"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&writer).await, 0);

    // Preview renders the Markdown, sanitised, and saves nothing.
    let mut preview = story_form(&writer.csrf, "Forum opens");
    preview.retain(|(k, _)| *k != "do");
    preview.push(("do", "preview"));
    let res = post_form(&writer, "/console/news", &preview).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("<strong>14 countries</strong>"), "{page}");
    assert!(!page.contains("<script>alert(1)</script>"), "sanitised");
    assert_eq!(count(&writer).await, 0);

    // Saved as a draft in three languages.
    let res = post_form(
        &writer,
        "/console/news",
        &story_form(&writer.csrf, "Forum opens"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let path = res.url().path().to_string();
    let id = path.strip_prefix("/console/news/").unwrap().to_string();
    let a = article(&writer, &id).await;
    assert_eq!(a["state"], "draft");
    assert_eq!(a["versions"]["zh"]["short_headline"], "论坛开幕");
    assert_eq!(a["tags"], serde_json::json!(["cooperation", "forum"]));
    let v = a["version"].as_i64().unwrap().to_string();

    // The contributor is offered submit, never publish; a publish posted anyway is refused and changes nothing.
    let (_, page) = html(&writer, &path).await;
    assert!(page.contains("name=\"action\" value=\"submit\""), "{page}");
    assert!(!page.contains("name=\"action\" value=\"publish\""));
    let res = post_form(
        &writer,
        &format!("{path}/act"),
        &[
            ("csrf", &writer.csrf),
            ("action", "publish"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(article(&writer, &id).await["state"], "draft");
    let res = post_form(
        &writer,
        &format!("{path}/act"),
        &[
            ("csrf", &writer.csrf),
            ("action", "submit"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a = article(&writer, &id).await;
    assert_eq!(a["state"], "in_review");
    let (_, page) = html(&writer, &path).await;
    assert!(
        !page.contains("name=\"action\""),
        "no step left for the writer"
    );

    // The editor sees it waiting: on the dashboard, and on the list filtered by state and headline text.
    let (_, page) = html(&editor, "/console").await;
    assert!(
        page.contains("href=\"/console/news?state=in_review\"><span class=\"big\">1</span> story waiting for review"),
        "{page}"
    );
    let (_, page) = html(&editor, "/console/news?state=in_review&q=Forum").await;
    assert!(
        page.contains(&format!("href=\"/console/news/{id}\"")),
        "{page}"
    );
    let (_, page) = html(&editor, "/console/news?q=nothing-like-it").await;
    assert!(!page.contains(&format!("href=\"/console/news/{id}\"")));
    let (_, page) = html(&editor, &path).await;
    for step in ["publish", "send-back", "schedule"] {
        assert!(page.contains(&format!("value=\"{step}\"")), "{step}");
    }
    // A schedule in the past is refused next to the step.
    let v = a["version"].as_i64().unwrap().to_string();
    let res = post_form(
        &editor,
        &format!("{path}/act"),
        &[
            ("csrf", &editor.csrf),
            ("action", "schedule"),
            ("at", "2001-01-01T10:00"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"act-error\""));
    let res = post_form(
        &editor,
        &format!("{path}/act"),
        &[
            ("csrf", &editor.csrf),
            ("action", "publish"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(article(&editor, &id).await["state"], "published");
    let public: Value = editor
        .get("/api/v1/public/news?lang=zh")
        .await
        .json()
        .await
        .unwrap();
    assert!(public.to_string().contains(&id), "{public}");

    // Withdrawn, it leaves the public list.
    let v = article(&editor, &id).await["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let res = post_form(
        &editor,
        &format!("{path}/act"),
        &[
            ("csrf", &editor.csrf),
            ("action", "withdraw"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let public: Value = editor
        .get("/api/v1/public/news?lang=zh")
        .await
        .json()
        .await
        .unwrap();
    assert!(!public.to_string().contains(&id));
}

#[tokio::test]
async fn a_stale_story_form_keeps_what_was_typed_and_changes_nothing() {
    let s = TestServer::start().await;
    let editor = s.user("ed", Role::NewsEditor, &[]).await;
    let res = post_form(
        &editor,
        "/console/news",
        &story_form(&editor.csrf, "Forum opens"),
    )
    .await;
    let path = res.url().path().to_string();
    let id = path.strip_prefix("/console/news/").unwrap().to_string();
    let v1 = article(&editor, &id).await["version"]
        .as_i64()
        .unwrap()
        .to_string();

    let mut first = story_form(&editor.csrf, "Forum opens today");
    first.push(("version", &v1));
    let res = post_form(&editor, &path, &first).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut second = story_form(&editor.csrf, "A stale short headline");
    second.push(("version", &v1));
    let res = post_form(&editor, &path, &second).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("value=\"A stale short headline\""),
        "typed text kept"
    );
    let a = article(&editor, &id).await;
    assert_eq!(a["versions"]["en"]["short_headline"], "Forum opens today");
    // The form now carries the current version: saving again replaces deliberately.
    let now = a["version"].as_i64().unwrap();
    assert!(page.contains(&format!("name=\"version\" value=\"{now}\"")));

    // A step posted from a stale page is refused too.
    let res = post_form(
        &editor,
        &format!("{path}/act"),
        &[
            ("csrf", &editor.csrf),
            ("action", "publish"),
            ("version", &v1),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(article(&editor, &id).await["state"], "draft");

    // Scheduled at a local time of the site's zone (UTC here), shown back in it.
    let v = article(&editor, &id).await["version"]
        .as_i64()
        .unwrap()
        .to_string();
    let res = post_form(
        &editor,
        &format!("{path}/act"),
        &[
            ("csrf", &editor.csrf),
            ("action", "schedule"),
            ("at", "2099-01-01T10:00"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a = article(&editor, &id).await;
    assert_eq!(a["state"], "scheduled");
    assert_eq!(a["publish_at"], 4_070_944_800_000i64, "2099-01-01T10:00Z");
    let page = res.text().await.unwrap();
    assert!(page.contains("2099-01-01 10:00 (UTC)"), "{page}");
    assert!(page.contains("value=\"withdraw\"") && page.contains("value=\"send-back\""));
}
