//! The wire import over HTTP against a local feed server started in the test (axum on a loopback port): good RSS,
//! Atom, JSON Feed and ninjs sources import with provenance and are deduplicated on the next poll (the RSS feed
//! answers `If-None-Match` with 304); review versus auto-publish; an item changed at its source updates its story
//! only while no person has touched it; every hostile feed is refused with its code on its own source while a
//! good source beside it still imports and the stories imported before stay; the roles and field errors.

use crate::common::*;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use twincast_store::Role;

#[derive(Default)]
struct Feeds {
    /// (path, If-None-Match, If-Modified-Since) of every request.
    requests: Vec<(String, Option<String>, Option<String>)>,
    /// The title of the item of `/mutable.xml`.
    mutable_title: String,
}

type Shared = Arc<Mutex<Feeds>>;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire EN</title><link>https://wire.example/</link><description>d</description><language>en</language>
<item><guid isPermaLink="false">rss-1</guid><title>Forum opens in Wuxi</title><link>https://wire.example/rss-1</link>
<description>&lt;p&gt;Delegations from &lt;b&gt;14 countries&lt;/b&gt; met.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description>
<category>Cooperation</category><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">rss-2</guid><title>Training programme announced</title><link>https://wire.example/rss-2</link>
<description>Second item.</description></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN"><title>Wire ZH</title><id>urn:wire:zh</id><updated>2026-11-30T00:00:00Z</updated>
<entry><id>urn:wire:zh:1</id><title>论坛在无锡开幕</title><updated>2026-11-30T10:00:00Z</updated>
<link rel="alternate" href="https://wire.example/zh/1"/><summary>来自14个国家的代表团。</summary>
<content type="html">&lt;p&gt;正文&lt;/p&gt;</content></entry></feed>"#;

const JSON_FEED: &str = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Wire RU", "language": "ru",
 "items": [{"id": "jf-1", "url": "https://wire.example/ru/1", "title": "Форум открылся", "content_html": "<p>Текст</p>",
 "date_published": "2026-11-29T09:00:00Z", "tags": ["Экономика"]}]}"#;

const NINJS: &str = r#"[{"uri": "urn:ninjs:1", "standard": {"name": "ninjs", "version": "3.3"}, "type": "text",
 "language": "en", "headlines": [{"value": "ninjs story", "role": "main"}], "descriptions": [{"value": "Its lead", "role": "summary"}],
 "bodies": [{"value": "<p>Its body</p>", "contentType": "text/html"}], "versionCreated": "2026-11-28T12:00:00Z"}]"#;

fn xml(body: impl Into<String>) -> Response {
    ([(header::CONTENT_TYPE, "application/rss+xml")], body.into()).into_response()
}

async fn feed(State(st): State<Shared>, Path(name): Path<String>, h: HeaderMap) -> Response {
    let get = |n: header::HeaderName| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let inm = get(header::IF_NONE_MATCH);
    st.lock()
        .unwrap()
        .requests
        .push((name.clone(), inm.clone(), get(header::IF_MODIFIED_SINCE)));
    let item = |id: &str, title: &str, body: &str| {
        format!(
            "<item><guid>{id}</guid><title>{title}</title><description>{body}</description></item>"
        )
    };
    let channel = |items: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title><language>en</language>{items}</channel></rss>"#
        )
    };
    match name.as_str() {
        "rss.xml" => {
            if inm.as_deref() == Some("\"v1\"") {
                return AxStatus::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
                    (header::ETAG, "\"v1\""),
                    (header::LAST_MODIFIED, "Mon, 30 Nov 2026 08:00:00 GMT"),
                ],
                RSS,
            )
                .into_response()
        }
        "atom.xml" => ([(header::CONTENT_TYPE, "application/atom+xml")], ATOM).into_response(),
        "feed.json" => {
            ([(header::CONTENT_TYPE, "application/feed+json")], JSON_FEED).into_response()
        }
        "ninjs.json" => ([(header::CONTENT_TYPE, "application/ninjs+json")], NINJS).into_response(),
        "mutable.xml" => {
            let title = st.lock().unwrap().mutable_title.clone();
            xml(channel(&item("m-1", &title, "Body")))
        }
        "malformed.xml" => xml(channel("<item><guid>x</guid><title>Unclosed</item>")),
        "laughs.xml" => xml(
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<rss version="2.0"><channel><title>&lol2;</title><item><guid>l</guid><title>&lol2;</title></item></channel></rss>"#,
        ),
        "xxe.xml" => xml(
            r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>t</title><item><guid>x</guid><title>&x;</title></item></channel></rss>"#,
        ),
        "big.xml" => xml(channel(&item("b", "Big", &"x".repeat(5 * 1024 * 1024)))),
        "big-chunked.xml" => {
            let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
            let stream = futures::stream::iter(
                std::iter::once(Ok::<_, std::io::Error>(bytes::Bytes::from(
                    channel("").replace("</channel></rss>", ""),
                )))
                .chain((0..100).map(move |_| Ok(chunk.clone()))),
            );
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                axum::body::Body::from_stream(stream),
            )
                .into_response()
        }
        "huge-item.xml" => xml(channel(&format!(
            "{}{}",
            item("huge", "Huge", &"y".repeat(150_000)),
            item("fine", "A fine item beside a huge one", "ok")
        ))),
        "cp1251-as-utf8.xml" => {
            let doc = channel(&item("c", "Новости", "Текст"));
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&doc);
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                bytes.into_owned(),
            )
                .into_response()
        }
        "cp1251.xml" => {
            let doc = channel(&item("c1251", "Новости города", "Текст"))
                .replace("encoding=\"UTF-8\"", "encoding=\"windows-1251\"")
                .replace("<language>en</language>", "<language>ru</language>");
            let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&doc);
            (
                [(header::CONTENT_TYPE, "application/xml")],
                bytes.into_owned(),
            )
                .into_response()
        }
        "page.html" => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html><body>Not a feed</body></html>",
        )
            .into_response(),
        "slow.xml" => {
            tokio::time::sleep(Duration::from_secs(4)).await;
            xml(channel(&item("s", "Slow", "s")))
        }
        "gone.xml" => AxStatus::NOT_FOUND.into_response(),
        _ => AxStatus::NOT_FOUND.into_response(),
    }
}

/// The feed server; its base URL and its shared state.
async fn feed_server() -> (String, Shared) {
    let st: Shared = Arc::default();
    st.lock().unwrap().mutable_title = "First title".into();
    let app = axum::Router::new()
        .route("/{name}", axum::routing::get(feed))
        .route(
            "/redirect/{n}",
            axum::routing::get(|Path(n): Path<u32>| async move {
                axum::response::Redirect::temporary(&format!("/redirect/{}", n + 1))
            }),
        )
        .with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), st)
}

fn source(name: &str, url: &str, moderation: &str) -> Value {
    json!({"name": name, "url": url, "format": "auto", "lang": "", "rubric": "world", "tags": ["wire"],
           "moderation": moderation, "interval_secs": 3600, "enabled": false})
}

async fn add(s: &Session, body: Value) -> String {
    let res = s.post_json("/api/v1/news/sources", body).await;
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn poll(s: &Session, id: &str) -> Value {
    let res = s
        .post_json(&format!("/api/v1/news/sources/{id}/poll"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every story on the desk, as `(source.original_id, story)`.
async fn desk(s: &Session) -> Vec<(String, Value)> {
    let v: Value = s
        .get("/api/v1/news/articles?limit=500")
        .await
        .json()
        .await
        .unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["source"]["original_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                a.clone(),
            )
        })
        .collect()
}

fn story<'a>(all: &'a [(String, Value)], id: &str) -> &'a Value {
    &all.iter()
        .find(|(k, _)| k == id)
        .unwrap_or_else(|| panic!("no story from item {id}"))
        .1
}

#[tokio::test]
async fn good_sources_import_with_provenance_and_dedup() {
    let (feeds, st) = feed_server().await;
    let s = TestServer::start().await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let rss = add(
        &editor,
        source("Wire EN", &format!("{feeds}/rss.xml"), "review"),
    )
    .await;
    let mut atom_src = source("Wire ZH", &format!("{feeds}/atom.xml"), "auto-publish");
    atom_src["format"] = json!("atom");
    let atom = add(&editor, atom_src).await;
    let jf = add(
        &editor,
        source("Wire RU", &format!("{feeds}/feed.json"), "auto-publish"),
    )
    .await;
    let mut ninjs_src = source("Wire ninjs", &format!("{feeds}/ninjs.json"), "review");
    ninjs_src["format"] = json!("ninjs");
    let ninjs = add(&editor, ninjs_src).await;
    let mut cp_src = source("Wire 1251", &format!("{feeds}/cp1251.xml"), "review");
    cp_src["lang"] = json!("en");
    let cp = add(&editor, cp_src).await;

    for (id, created) in [(&rss, 2), (&atom, 1), (&jf, 1), (&ninjs, 1), (&cp, 1)] {
        let v = poll(&editor, id).await;
        assert_eq!(v["last_outcome"], "ok", "{v}");
        assert_eq!(v["last_error"], Value::Null, "{v}");
        assert_eq!(v["counts"]["created"], created, "{v}");
        assert_eq!(v["counts"]["imported"], created, "{v}");
        assert!(v["last_poll_at"].as_i64().is_some());
    }
    let all = desk(&editor).await;
    assert_eq!(all.len(), 6);
    // Review sources: in review; the RSS item kept with its provenance, its HTML as the body.
    let a = story(&all, "rss-1");
    assert_eq!(a["state"], "in_review");
    assert_eq!(
        a["source"],
        json!({"kind": "wire", "name": "Wire EN", "original_id": "rss-1", "url": "https://wire.example/rss-1"})
    );
    assert_eq!(a["rubric"], "world");
    assert_eq!(a["tags"], json!(["cooperation", "wire"]));
    assert_eq!(a["dateline_date"], "2026-11-30");
    assert_eq!(a["versions"]["en"]["headline"], "Forum opens in Wuxi");
    assert_eq!(
        a["versions"]["en"]["lead"],
        "Delegations from 14 countries met."
    );
    assert_eq!(a["visible"], false);
    assert_eq!(
        story(&all, "urn:ninjs:1")["versions"]["en"]["lead"],
        "Its lead"
    );
    assert_eq!(story(&all, "urn:ninjs:1")["state"], "in_review");
    // The declared windows-1251 feed is decoded.
    assert_eq!(
        story(&all, "c1251")["versions"]["ru"]["headline"],
        "Новости города"
    );
    // Auto-publish sources: published at once, in the feed's language.
    let z = story(&all, "urn:wire:zh:1");
    assert_eq!(
        (z["state"].as_str(), z["visible"].as_bool()),
        (Some("published"), Some(true))
    );
    assert_eq!(z["versions"]["zh"]["headline"], "论坛在无锡开幕");
    assert_eq!(
        story(&all, "jf-1")["versions"]["ru"]["headline"],
        "Форум открылся"
    );
    let public: Value = reqwest::get(s.url("/api/v1/public/news?lang=zh"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public[0]["id"], z["id"], "{public}");
    // The body is sanitised when shown: the feed's script never reaches the portal page.
    let rss1_id = a["id"].as_str().unwrap();
    let res = editor
        .post_json(
            &format!("/api/v1/news/articles/{rss1_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = reqwest::get(s.url(&format!("/en/news/{rss1_id}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("14 countries"));
    assert!(!page.contains("alert(1)"), "the script was rendered");

    // Provenance.
    let items: Value = editor
        .get(&format!("/api/v1/news/sources/{rss}/items"))
        .await
        .json()
        .await
        .unwrap();
    let items = items["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let i1 = items.iter().find(|i| i["original_id"] == "rss-1").unwrap();
    assert_eq!(i1["article_id"], a["id"]);
    assert_eq!(i1["url"], "https://wire.example/rss-1");
    assert!(i1["first_fetched_at"].as_i64().unwrap() > 0);

    // The second poll creates nothing; the RSS feed is asked conditionally and answers 304.
    for id in [&rss, &atom, &jf, &ninjs] {
        let v = poll(&editor, id).await;
        assert_eq!(v["counts"]["created"], 0, "{v}");
        assert_eq!(
            v["counts"]["imported"],
            if id == &rss { 2 } else { 1 },
            "{v}"
        );
        if id == &rss {
            assert_eq!(v["last_outcome"], "not-modified");
        } else {
            assert_eq!(v["last_outcome"], "ok");
        }
    }
    assert_eq!(desk(&editor).await.len(), 6);
    let reqs = st.lock().unwrap().requests.clone();
    let rss_reqs: Vec<_> = reqs.iter().filter(|r| r.0 == "rss.xml").collect();
    assert_eq!(rss_reqs.len(), 2);
    assert_eq!(rss_reqs[0].1, None);
    assert_eq!(rss_reqs[1].1.as_deref(), Some("\"v1\""));
    assert_eq!(
        rss_reqs[1].2.as_deref(),
        Some("Mon, 30 Nov 2026 08:00:00 GMT")
    );
    // Each import is in the audit log, by the system.
    let audit: Value = s
        .user("auditor", Role::Admin, &[])
        .await
        .get("/api/v1/audit?action=news.import")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(6), "{audit}");
    // "Poll now" is the editor's, with its outcome.
    let polls: Value = s
        .user("auditor2", Role::Admin, &[])
        .await
        .get("/api/v1/audit?action=news.source.poll&limit=200")
        .await
        .json()
        .await
        .unwrap();
    let polls = polls["items"].as_array().unwrap();
    assert_eq!(polls.len(), 9);
    assert!(polls.iter().all(|e| e["actor"] == "desk"));
    assert!(polls
        .iter()
        .any(|e| e["resource_id"] == rss.as_str()
            && e["changes"]["last_outcome"][1] == "not-modified"));
}

#[tokio::test]
async fn a_changed_item_updates_its_story_only_while_no_person_touched_it() {
    let (feeds, st) = feed_server().await;
    let s = TestServer::start().await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let id = add(
        &editor,
        source("Mutable", &format!("{feeds}/mutable.xml"), "review"),
    )
    .await;
    assert_eq!(poll(&editor, &id).await["counts"]["created"], 1);
    let headline = |all: &[(String, Value)]| {
        story(all, "m-1")["versions"]["en"]["headline"]
            .as_str()
            .unwrap()
            .to_string()
    };
    st.lock().unwrap().mutable_title = "Second title".into();
    let v = poll(&editor, &id).await;
    assert_eq!(
        (
            v["counts"]["created"].as_i64(),
            v["counts"]["updated"].as_i64()
        ),
        (Some(0), Some(1))
    );
    let all = desk(&editor).await;
    assert_eq!(all.len(), 1);
    assert_eq!(headline(&all), "Second title");
    // A person publishes it: the desk's word wins from now on.
    let story_id = story(&all, "m-1")["id"].as_str().unwrap().to_string();
    let res = editor
        .post_json(
            &format!("/api/v1/news/articles/{story_id}/publish"),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    st.lock().unwrap().mutable_title = "Third title".into();
    let v = poll(&editor, &id).await;
    assert_eq!(v["counts"]["updated"], 0, "{v}");
    assert_eq!(v["last_outcome"], "ok");
    let all = desk(&editor).await;
    assert_eq!(headline(&all), "Second title");
    assert_eq!(story(&all, "m-1")["state"], "published");
    // A story a person deleted is not imported again.
    editor
        .post_json(
            &format!("/api/v1/news/articles/{story_id}/withdraw"),
            json!({}),
        )
        .await;
    let res = editor
        .req(Method::DELETE, &format!("/api/v1/news/articles/{story_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    st.lock().unwrap().mutable_title = "Fourth title".into();
    let v = poll(&editor, &id).await;
    assert_eq!(
        (
            v["counts"]["created"].as_i64(),
            v["counts"]["updated"].as_i64()
        ),
        (Some(0), Some(0))
    );
    assert!(desk(&editor).await.is_empty());
}

#[tokio::test]
async fn hostile_feeds_are_refused_on_their_source_and_nothing_else_is_affected() {
    let (feeds, _st) = feed_server().await;
    let s = TestServer::with(|c| c.news_wire_timeout_secs = 1).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let good = add(
        &editor,
        source("Good", &format!("{feeds}/atom.xml"), "auto-publish"),
    )
    .await;
    assert_eq!(poll(&editor, &good).await["counts"]["created"], 1);
    let before = desk(&editor).await;
    let cases = [
        ("malformed.xml", "failed", "malformed-feed"),
        ("laughs.xml", "failed", "dtd-refused"),
        ("xxe.xml", "failed", "dtd-refused"),
        ("big.xml", "failed", "too-large"),
        ("big-chunked.xml", "failed", "too-large"),
        ("cp1251-as-utf8.xml", "failed", "bad-encoding"),
        ("page.html", "failed", "not-a-feed"),
        ("slow.xml", "failed", "timeout"),
        ("gone.xml", "failed", "http-status"),
        ("redirect/0", "failed", "redirect-refused"),
        ("huge-item.xml", "partial", "item-too-large"),
    ];
    for (n, (path, outcome, code)) in cases.iter().enumerate() {
        let id = add(
            &editor,
            source(
                &format!("Hostile {n}"),
                &format!("{feeds}/{path}"),
                "auto-publish",
            ),
        )
        .await;
        let v = poll(&editor, &id).await;
        assert_eq!(v["last_outcome"], *outcome, "{path}: {v}");
        assert_eq!(v["last_error"]["code"], *code, "{path}: {v}");
        assert!(
            v["last_error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{path}: {v}"
        );
        // Read back from the list too: the error is recorded on the source.
        let listed: Value = editor
            .get(&format!("/api/v1/news/sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["last_error"]["code"], *code, "{path}");
        // The good source beside it still polls, and nothing imported before is gone.
        let g = poll(&editor, &good).await;
        assert_eq!(
            (g["last_outcome"].as_str(), g["last_error"].as_object()),
            (Some("ok"), None),
            "after {path}"
        );
    }
    let after = desk(&editor).await;
    // The huge item's feed imported its fine item only.
    assert_eq!(after.len(), before.len() + 1);
    assert!(after.iter().any(|(k, _)| k == "fine"));
    assert!(!after.iter().any(|(k, _)| k == "huge"));
    for (k, v) in &before {
        let now = story(&after, k);
        assert_eq!(now["version"], v["version"], "{k} changed");
    }
    assert_eq!(
        reqwest::get(s.url("/api/v1/system"))
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn the_poller_polls_enabled_sources_on_their_schedule() {
    let (feeds, _st) = feed_server().await;
    let s = TestServer::start().await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let mut src = source("Scheduled", &format!("{feeds}/feed.json"), "auto-publish");
    src["enabled"] = json!(true);
    let id = add(&editor, src).await;
    let mut v = Value::Null;
    for _ in 0..150 {
        v = editor
            .get(&format!("/api/v1/news/sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        if v["last_outcome"] != "never" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(v["last_outcome"], "ok", "{v}");
    assert_eq!(v["counts"]["imported"], 1);
    let next = v["next_poll_at"].as_i64().unwrap();
    let last = v["last_poll_at"].as_i64().unwrap();
    assert_eq!(next - last, 3_600_000);
}

#[tokio::test]
async fn sources_by_role_with_field_errors_and_versions() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let good = source("Roles", "https://wire.example/feed.xml", "review");
    let id = add(&editor, good.clone()).await;
    // Only news editors and admins.
    for (name, role) in [
        ("op", Role::Operator),
        ("view", Role::Viewer),
        ("writer", Role::Contributor),
        ("pe", Role::PartnerEditor),
    ] {
        let who = s.user(name, role, &[]).await;
        for (m, path) in [
            (Method::GET, "/api/v1/news/sources".to_string()),
            (Method::POST, "/api/v1/news/sources".to_string()),
            (Method::GET, format!("/api/v1/news/sources/{id}")),
            (Method::PUT, format!("/api/v1/news/sources/{id}")),
            (Method::DELETE, format!("/api/v1/news/sources/{id}")),
            (Method::POST, format!("/api/v1/news/sources/{id}/poll")),
            (Method::GET, format!("/api/v1/news/sources/{id}/items")),
        ] {
            let res = who.req(m.clone(), &path).json(&good).send().await.unwrap();
            assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    let anon = reqwest::get(s.url("/api/v1/news/sources")).await.unwrap();
    assert_eq!(anon.status(), 401);
    let list: Value = admin
        .get("/api/v1/news/sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["name"], "Roles");
    assert_eq!(list["items"][0]["last_outcome"], "never");
    // Field errors, and nothing stored.
    for (field, value, code) in [
        ("url", json!("ftp://wire.example/feed"), "invalid-url"),
        ("url", json!("not a url"), "invalid-url"),
        ("format", json!("csv"), "invalid-format"),
        ("lang", json!("de"), "invalid-language"),
        ("rubric", json!("sports"), "invalid-rubric"),
        ("moderation", json!("never"), "invalid-moderation"),
        ("interval_secs", json!(5), "invalid-interval"),
        ("name", json!(""), "invalid-text"),
    ] {
        let mut body = source("Bad", "https://wire.example/x", "review");
        body[field] = value;
        let res = admin.post_json("/api/v1/news/sources", body).await;
        let p = assert_problem(res, StatusCode::BAD_REQUEST, code).await;
        assert_eq!(p["field"], field);
    }
    let mut body = source("Bad", "https://wire.example/x", "review");
    body["tags"] = json!(["ok", "Not A Tag"]);
    let p = assert_problem(
        admin.post_json("/api/v1/news/sources", body).await,
        StatusCode::BAD_REQUEST,
        "invalid-tag",
    )
    .await;
    assert_eq!(p["field"], "tags[1]");
    assert_problem(
        admin.post_json("/api/v1/news/sources", good.clone()).await,
        StatusCode::CONFLICT,
        "duplicate-source",
    )
    .await;
    let list: Value = admin
        .get("/api/v1/news/sources")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Versions: a stale If-Match is refused.
    let res = admin.get(&format!("/api/v1/news/sources/{id}")).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let mut changed = good.clone();
    changed["interval_secs"] = json!(600);
    let res = admin
        .req(Method::PUT, &format!("/api/v1/news/sources/{id}"))
        .header("if-match", &etag)
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["interval_secs"], 600);
    let res = admin
        .req(Method::DELETE, &format!("/api/v1/news/sources/{id}"))
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = admin
        .req(Method::DELETE, &format!("/api/v1/news/sources/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = admin.get(&format!("/api/v1/news/sources/{id}")).await;
    assert_problem(res, StatusCode::NOT_FOUND, "source-not-found").await;
}
