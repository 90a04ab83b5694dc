//! The outbound guard on wire sources: with the default settings, a source on loopback (by address or by a name
//! that resolves to it) is refused with `address-refused` and never asked; a public-looking feed that redirects to
//! the cloud metadata address is refused at the redirect; the network the operator allows is fetched.

use crate::common::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use twincast_store::Role;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Local</title><id>urn:local</id><updated>2026-12-01T10:00:00Z</updated>
<entry><title>Local story</title><id>urn:local:1</id><updated>2026-12-01T10:00:00Z</updated>
<content type="text">Body</content></entry></feed>"#;

/// A feed server on loopback that counts the requests it gets.
async fn local_feed() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = axum::Router::new()
        .route(
            "/feed.xml",
            axum::routing::get(|| async { ([("content-type", "application/atom+xml")], ATOM) }),
        )
        .route(
            "/to-metadata",
            axum::routing::get(|| async {
                axum::response::Redirect::temporary("http://169.254.169.254/latest/meta-data/")
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                h.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("{port}"), hits)
}

async fn poll_source(s: &Session, name: &str, url: &str) -> Value {
    let res = s
        .post_json(
            "/api/v1/news/sources",
            json!({"name": name, "url": url, "format": "auto", "lang": "en", "rubric": "world", "tags": [],
                   "moderation": "review", "interval_secs": 3600, "enabled": false}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = s
        .post_json(&format!("/api/v1/news/sources/{id}/poll"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn sources_on_private_addresses_are_refused_unless_their_network_is_allowed() {
    let (port, hits) = local_feed().await;
    let closed = TestServer::with(|c| c.fetch_allow_networks.clear()).await;
    let editor = closed.user("desk", Role::NewsEditor, &[]).await;
    for (name, url) in [
        ("Address", format!("http://127.0.0.1:{port}/feed.xml")),
        ("Name", format!("http://localhost:{port}/feed.xml")),
        (
            "Mapped",
            format!("http://[::ffff:127.0.0.1]:{port}/feed.xml"),
        ),
    ] {
        let v = poll_source(&editor, name, &url).await;
        assert_eq!(v["last_outcome"], "failed", "{name}: {v}");
        assert_eq!(v["last_error"]["code"], "address-refused", "{name}: {v}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a refused source was asked");

    // Loopback allowed (the test harness's default): fetched; a redirect to the metadata address is refused.
    let open = TestServer::start().await;
    let editor = open.user("desk", Role::NewsEditor, &[]).await;
    let v = poll_source(
        &editor,
        "Allowed",
        &format!("http://127.0.0.1:{port}/feed.xml"),
    )
    .await;
    assert_eq!(
        (v["last_outcome"].as_str(), v["counts"]["created"].as_i64()),
        (Some("ok"), Some(1)),
        "{v}"
    );
    let v = poll_source(
        &editor,
        "Hop",
        &format!("http://127.0.0.1:{port}/to-metadata"),
    )
    .await;
    assert_eq!(v["last_error"]["code"], "address-refused", "{v}");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}
