//! Tickers from the desk over HTTP: a desk editor targets screens by location kind; a published story's short
//! headline reaches the ticker of every targeted screen in the screen's language (and no other screen), with a
//! push; withdrawn, or expired, it leaves; bad settings are 400 naming the field; only desk editors, operators and
//! admins set tickers up.

use crate::common::*;
use crate::news::story;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use twincast_protocol::Manifest;
use twincast_store::Role;

/// The headlines of the ticker zone in `token`'s manifest, in order.
async fn ticker(s: &TestServer, token: &str) -> Vec<String> {
    let m: Manifest = get(s, "/api/v1/player/manifest", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    m.shared
        .ticker
        .iter()
        .map(|it| {
            assert_eq!(it.template.as_deref(), Some("headline"), "{it:?}");
            it.data.as_ref().unwrap()["headline"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Waits (bounded: 60 s, against a hang, not a speed requirement) until the ticker of `token` is `want`.
async fn ticker_becomes(s: &TestServer, token: &str, want: &[&str]) {
    let mut last = Vec::new();
    for _ in 0..600 {
        last = ticker(s, token).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ticker stayed {last:?}, wanted {want:?}");
}

async fn status_json(res: reqwest::Response, want: StatusCode) -> Value {
    let code = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(code, want, "{body}");
    body
}

async fn published(editor: &Session, headline: &str, extra: Value) -> String {
    let mut body = story(headline);
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let a = status_json(
        editor.post_json("/api/v1/news/articles", body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = a["id"].as_str().unwrap().to_string();
    status_json(
        editor
            .req(Method::POST, &format!("/api/v1/news/articles/{id}/publish"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    id
}

#[tokio::test]
async fn published_headlines_reach_targeted_tickers_in_the_screens_language_and_leave_again() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    // Two metro screens (one reads Russian) and an airport screen.
    let metro = screens(&s, &admin, 2).await;
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/screens/{}", metro[0]))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"language": "ru"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(status_json(res, StatusCode::OK).await["language"], "ru");
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/screens/{}", metro[1]))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"language": "de"}).to_string())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-language").await;
    assert_eq!(
        status_json(
            admin
                .post_json("/api/v1/locations", json!({"slug": "arrivals", "name": "Arrivals", "kind": "airport", "lat": 52.4, "lon": 13.5, "tz": "Europe/Berlin"}))
                .await,
            StatusCode::CREATED
        )
        .await["slug"],
        "arrivals"
    );
    let airport = status_json(
        admin
            .post_json("/api/v1/screens", json!({"name": "Gate A", "location": "arrivals", "width": 1920, "height": 1080, "language": "zh"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(airport["language"], "zh");
    let tokens = [
        pair(&s, &admin, &metro[0]).await,
        pair(&s, &admin, &metro[1]).await,
        pair(&s, &admin, airport["id"].as_str().unwrap()).await,
    ];
    for t in &tokens {
        assert!(ticker(&s, t).await.is_empty());
    }

    // Who may set tickers up, and bad settings named by field.
    let writer = s.user("writer", Role::Contributor, &[]).await;
    let metro_ticker =
        json!({"name": "Metro news", "targets": {"location_kinds": ["metro"]}, "tags": ["forum"]});
    assert_problem(
        writer
            .post_json("/api/v1/news/tickers", metro_ticker.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for (bad, code) in [
        (json!({"name": "x", "max_items": 0}), "invalid-range"),
        (json!({"name": "x", "item_ms": 5}), "invalid-range"),
        (
            json!({"name": "x", "rubrics": ["gossip"]}),
            "invalid-rubric",
        ),
        (json!({"name": "x", "tags": ["Not A Tag"]}), "invalid-tag"),
        (json!({"name": " "}), "invalid-text"),
        (
            json!({"name": "x", "targets": {"groups": ["nowhere"]}}),
            "unknown-group",
        ),
    ] {
        assert_problem(
            editor.post_json("/api/v1/news/tickers", bad).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    assert!(
        status_json(editor.get("/api/v1/news/tickers").await, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    let t = status_json(
        editor.post_json("/api/v1/news/tickers", metro_ticker).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (t["max_items"].as_i64(), t["enabled"].as_bool()),
        (Some(10), Some(true))
    );
    let ticker_id = t["id"].as_str().unwrap().to_string();

    // Published: each metro screen in its language, the airport screen nothing; a push announces it.
    let mut ws = ws_connect(&s, &tokens[1]).await;
    next_of(&mut ws, "hello").await.unwrap();
    let first = published(&editor, "Forum opens in Wuxi", json!({})).await;
    next_of(&mut ws, "manifest_changed").await.unwrap();
    ticker_becomes(&s, &tokens[0], &["Открылся форум"]).await;
    ticker_becomes(&s, &tokens[1], &["Forum opens"]).await;
    assert!(ticker(&s, &tokens[2]).await.is_empty());

    // A newer story comes first; one without the ticker's tag never shows.
    let mut second = story("Second story");
    second["versions"]["en"]["short_headline"] = json!("Training starts");
    second["source"]["original_id"] = json!("wd-second");
    let a = status_json(
        editor.post_json("/api/v1/news/articles", second).await,
        StatusCode::CREATED,
    )
    .await;
    let second_id = a["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(5)).await;
    status_json(
        editor
            .req(
                Method::POST,
                &format!("/api/v1/news/articles/{second_id}/publish"),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    published(
        &editor,
        "Untagged",
        json!({"tags": [], "source": {"kind": "own"}}),
    )
    .await;
    ticker_becomes(&s, &tokens[1], &["Training starts", "Forum opens"]).await;

    // Withdrawn: it leaves every screen.
    status_json(
        editor
            .req(
                Method::POST,
                &format!("/api/v1/news/articles/{first}/withdraw"),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    ticker_becomes(&s, &tokens[1], &["Training starts"]).await;
    ticker_becomes(&s, &tokens[0], &["Открылся форум"]).await;

    // Switched off: nothing anywhere; on again with the airport added.
    let res = editor
        .req(Method::PATCH, &format!("/api/v1/news/tickers/{ticker_id}"))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"enabled": false}).to_string())
        .send()
        .await
        .unwrap();
    status_json(res, StatusCode::OK).await;
    ticker_becomes(&s, &tokens[1], &[]).await;
    let res = editor
        .req(Method::PATCH, &format!("/api/v1/news/tickers/{ticker_id}"))
        .header("content-type", "application/merge-patch+json")
        .body(
            json!({"enabled": true, "targets": {"location_kinds": ["metro", "airport"]}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    status_json(res, StatusCode::OK).await;
    ticker_becomes(&s, &tokens[2], &["论坛开幕"]).await;

    // Expiry: a story that expires in a moment leaves by itself (nobody touches anything).
    let soon = twincast_store::now_ms() + 3_000;
    let mut brief = story("Brief");
    brief["versions"]["en"]["short_headline"] = json!("Brief notice");
    brief["source"]["original_id"] = json!("wd-brief");
    brief["expires_at"] = json!(soon);
    let a = status_json(
        editor.post_json("/api/v1/news/articles", brief).await,
        StatusCode::CREATED,
    )
    .await;
    let brief_id = a["id"].as_str().unwrap().to_string();
    status_json(
        editor
            .req(
                Method::POST,
                &format!("/api/v1/news/articles/{brief_id}/publish"),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(
        twincast_store::now_ms() < soon,
        "the machine took 3 s to publish; the expiry check below would prove nothing"
    );
    ticker_becomes(&s, &tokens[1], &["Brief notice", "Training starts"]).await;
    ticker_becomes(&s, &tokens[1], &["Training starts"]).await;
    assert!(twincast_store::now_ms() >= soon);

    // Deleted: gone; the audit names every change.
    let res = editor
        .req(Method::DELETE, &format!("/api/v1/news/tickers/{ticker_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    ticker_becomes(&s, &tokens[1], &[]).await;
    let audit: Value = admin
        .get(&format!("/api/v1/audit?resource_id={ticker_id}"))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    for want in [
        "news_ticker.create",
        "news_ticker.update",
        "news_ticker.delete",
    ] {
        assert!(actions.contains(&want), "{want} missing in {audit}");
    }
}

#[tokio::test]
async fn the_console_sets_tickers_up_with_field_errors_and_stale_versions() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let writer = s.user("writer", Role::Contributor, &[]).await;
    screens(&s, &admin, 1).await;
    for lang in ["ru", "en", "zh"] {
        editor
            .get(&format!("/console/lang?to={lang}&next=/console"))
            .await;
        for path in ["/console/news/tickers", "/console/news/tickers/new"] {
            let res = editor.get(path).await;
            assert_eq!(res.status(), StatusCode::OK, "{path} in {lang}");
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{html}");
        }
    }
    editor.get("/console/lang?to=en&next=/console").await;
    assert_eq!(
        writer.get("/console/news/tickers").await.status(),
        StatusCode::FORBIDDEN
    );
    let mut f = vec![
        ("csrf", editor.csrf.as_str()),
        ("name", "Metro headlines"),
        ("location_kinds", "metro"),
        ("rubrics", "world"),
        ("rubrics", "city"),
        ("tags", "Bad Tag"),
        ("max_items", "ten"),
        ("seconds", "6"),
        ("enabled", "1"),
    ];
    // A number that does not read, then a tag the desk refuses: each next to its field, values kept, nothing saved.
    let res = post_form(&editor, "/console/news/tickers", &f).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"max_items-error\""), "{html}");
    assert!(html.contains("value=\"Metro headlines\"") && html.contains("value=\"ten\""));
    f[6] = ("max_items", "5");
    let res = post_form(&editor, "/console/news/tickers", &f).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"tags-error\""), "{html}");
    assert!(
        status_json(editor.get("/api/v1/news/tickers").await, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    f[5] = ("tags", "forum");
    let res = post_form(&editor, "/console/news/tickers", &f).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "redirected to the saved ticker"
    );
    let list = status_json(editor.get("/api/v1/news/tickers").await, StatusCode::OK).await;
    let t = &list[0];
    assert_eq!(t["targets"]["location_kinds"], json!(["metro"]));
    assert_eq!(t["rubrics"], json!(["city", "world"]));
    assert_eq!(
        (t["max_items"].as_i64(), t["item_ms"].as_i64()),
        (Some(5), Some(6000))
    );
    let id = t["id"].as_str().unwrap().to_string();
    let list_html = editor
        .get("/console/news/tickers")
        .await
        .text()
        .await
        .unwrap();
    assert!(list_html.contains("Metro headlines"));
    // Saved at an old version after someone else's change: 412, the typed values kept, then saved deliberately.
    let res = editor
        .req(Method::PATCH, &format!("/api/v1/news/tickers/{id}"))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"max_items": 7}).to_string())
        .send()
        .await
        .unwrap();
    status_json(res, StatusCode::OK).await;
    let mut g = f.clone();
    g.push(("version", "1"));
    g[1] = ("name", "Metro headlines, renamed");
    let path = format!("/console/news/tickers/{id}");
    let res = post_form(&editor, &path, &g).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let html = res.text().await.unwrap();
    assert!(html.contains("Metro headlines, renamed") && html.contains("value=\"2\""));
    g[9] = ("version", "2");
    assert_eq!(post_form(&editor, &path, &g).await.status(), StatusCode::OK);
    let t = status_json(
        editor.get(&format!("/api/v1/news/tickers/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(t["name"], "Metro headlines, renamed");
    let res = post_form(
        &editor,
        &format!("/console/news/tickers/{id}/delete"),
        &[("csrf", editor.csrf.as_str()), ("version", "3")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        editor
            .get(&format!("/api/v1/news/tickers/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
