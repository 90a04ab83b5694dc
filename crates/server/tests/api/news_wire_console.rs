//! The console's wire sources page (`/console/news/sources`) over HTTP: the list in three languages, the form's
//! field errors, adding a source, "poll now" with the outcome and the error shown on the list, and the roles.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::Value;
use twincast_store::Role;

async fn html(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.get(path).await;
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_sources_page_lists_adds_polls_and_shows_errors() {
    // A feed server that is not there: a closed loopback port.
    let s = TestServer::start().await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    for (lang, title) in [
        ("en", "Wire sources"),
        ("ru", "Источники ленты"),
        ("zh", "稿源"),
    ] {
        editor
            .get(&format!("/console/lang?to={lang}&next=/console"))
            .await;
        let (status, page) = html(&editor, "/console/news/sources").await;
        assert_eq!(status, 200);
        assert!(page.contains(title), "{lang}");
        assert!(page.contains("href=\"/console/news/sources/new\""));
    }
    editor.get("/console/lang?to=en&next=/console").await;
    let good = |url: &'static str| {
        vec![
            ("name", "Loopback"),
            ("url", url),
            ("format", "auto"),
            ("lang", "en"),
            ("rubric", "world"),
            ("tags", "wire, forum"),
            ("moderation", "review"),
            ("interval_min", "15"),
        ]
    };
    // A bad address: the form again, the error beside the field, nothing stored.
    let mut bad = good("ftp://example.org/feed");
    bad.push(("csrf", &editor.csrf));
    let res = post_form(&editor, "/console/news/sources", &bad).await;
    assert_eq!(res.status(), 400);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"url-error\""), "{page}");
    assert!(page.contains("Give an http or https address."));
    assert!(page.contains("value=\"ftp://example.org/feed\""));
    let mut bad = good("http://127.0.0.1:9/feed.xml");
    bad.push(("csrf", &editor.csrf));
    bad[7] = ("interval_min", "soon");
    let res = post_form(&editor, "/console/news/sources", &bad).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("id=\"interval-error\""));
    let list: Value = editor
        .get("/api/v1/news/sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    // A good one (not enabled: only the button polls it).
    let mut ok = good("http://127.0.0.1:9/feed.xml");
    ok.push(("csrf", &editor.csrf));
    let res = post_form(&editor, "/console/news/sources", &ok).await;
    assert_eq!(res.status(), 200);
    assert!(res
        .url()
        .as_str()
        .ends_with("/console/news/sources?saved=1"));
    let list: Value = editor
        .get("/api/v1/news/sources")
        .await
        .json()
        .await
        .unwrap();
    let src = &list["items"][0];
    assert_eq!(src["tags"], serde_json::json!(["wire", "forum"]));
    assert_eq!(src["interval_secs"], 900);
    assert_eq!(src["enabled"], false);
    let id = src["id"].as_str().unwrap();
    // A second source of the same name is refused beside the name.
    let res = post_form(&editor, "/console/news/sources", &ok).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("id=\"name-error\""));
    // Poll now: the refused fetch is shown with its code.
    let res = post_form(
        &editor,
        &format!("/console/news/sources/{id}/poll"),
        &[("csrf", &editor.csrf)],
    )
    .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("data-outcome=\"failed\""), "{page}");
    assert!(page.contains("data-code=\"fetch-failed\""));
    // The edit form reads it back.
    let (status, page) = html(&editor, &format!("/console/news/sources/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"wire, forum\""));
    // Other roles may not.
    for role in [Role::Operator, Role::Contributor, Role::Viewer] {
        let who = s.user(&format!("u-{}", role.as_str()), role, &[]).await;
        let (status, _) = html(&who, "/console/news/sources").await;
        assert_eq!(status, 403, "{role:?}");
    }
}
