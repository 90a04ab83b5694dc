//! What a node behind a load balancer owes the others: a drain on SIGTERM (`drain_secs`) and media handed to the
//! object store by presigned redirects (`media_redirect_secs`).

use crate::common::*;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use twincast_store::Role;

/// Told to stop, a node with `drain_secs` first answers `/readyz` with 503 while still serving, refuses new screen
/// sockets with `node-draining`, then closes the open ones with 1001 (going away) so their players reconnect
/// elsewhere.
#[tokio::test]
async fn a_stopping_node_drains_before_it_stops() {
    let mut s = TestServer::with(|c| c.drain_secs = 2).await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let mut ws = ws_connect(&s, &token).await;
    assert!(next_of(&mut ws, "hello").await.is_some());
    let c = reqwest::Client::new();
    assert_eq!(
        c.get(s.url("/readyz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    s.stop();
    let t0 = Instant::now();
    // Draining: not ready, but everything is still served.
    let deadline = Instant::now() + Duration::from_secs(1);
    let ready = loop {
        let r = c.get(s.url("/readyz")).send().await.unwrap();
        if r.status() == StatusCode::SERVICE_UNAVAILABLE || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["draining"], true);
    let res = admin.get("/api/v1/screens").await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "requests are served while draining"
    );
    let plays = post(&s, "/api/v1/player/heartbeat", &token)
        .json(&serde_json::json!({"player_version": "test-1"}))
        .send()
        .await
        .unwrap();
    assert!(plays.status().is_success(), "{}", plays.status());
    // A new socket goes to another node.
    let url = format!(
        "{}/api/v1/player/ws?token={token}",
        s.base.replace("http://", "ws://")
    );
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status().as_u16(), 503);
            let body: Value = serde_json::from_slice(r.body().as_deref().unwrap_or(b"{}")).unwrap();
            assert_eq!(body["code"], "node-draining");
        }
        other => panic!("a socket was opened on a draining node: {other:?}"),
    }
    // The open socket is closed with 1001 once the drain is over, not before.
    let close = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Close(f))) => return f,
                Some(Ok(_)) => {}
                other => panic!("socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("the socket was not closed within 10 s")
    .expect("a close frame with a code");
    assert_eq!(u16::from(close.code), 1001);
    assert!(
        t0.elapsed() >= Duration::from_millis(1900),
        "closed after {:?}, before the 2 s drain ended",
        t0.elapsed()
    );
}

/// With S3 storage and `media_redirect_secs`, committed media and renditions are answered with a 307 to a
/// presigned URL that serves the same bytes (ranges too); unsigned links are refused by the store; nothing
/// uncommitted is redirected; the storage URL's `public_endpoint` is where clients are sent.
#[tokio::test]
async fn media_are_redirected_to_presigned_urls() {
    let Ok(s3) = std::env::var("TWINCAST_TEST_S3_URL") else {
        assert_ne!(
            std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
            Ok("1"),
            "TWINCAST_TEST_S3_URL is required when TWINCAST_TEST_REQUIRE_SERVICES=1"
        );
        eprintln!(
            "DID NOT RUN: media_are_redirected_to_presigned_urls (TWINCAST_TEST_S3_URL unset)"
        );
        return;
    };
    // Clients reach the store as `localhost` (the public endpoint); the node talks to it at 127.0.0.1.
    let endpoint = reqwest::Url::parse(&s3)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "endpoint")
        .map(|(_, v)| v.into_owned())
        .expect("the S3 test URL names its endpoint");
    let public = endpoint.replace("127.0.0.1", "localhost");
    let storage_url = format!("{s3}&public_endpoint={public}");
    let s = TestServer::with(|c| {
        c.storage_url = storage_url.clone();
        c.media_redirect_secs = 600;
    })
    .await;
    s.state.storage.create_bucket_if_missing().await.unwrap();
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    let bytes = unique_png();
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "r.png", bytes.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    let path = m["url"].as_str().unwrap().to_string();
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = manual.get(s.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(
        r.headers()["cache-control"].to_str().unwrap(),
        "private, max-age=300"
    );
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&public) && location.contains("X-Amz-Signature="),
        "{location}"
    );
    // The store serves the same bytes, and ranges, at the presigned URL.
    let follow = reqwest::Client::new();
    let got = follow.get(s.url(&path)).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &bytes[..]);
    let got = follow
        .get(s.url(&path))
        .header("range", "bytes=8-15")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &bytes[8..16]);
    // Without its signature the link is refused: the bucket stays private.
    let bare = location.split('?').next().unwrap();
    let r = follow.get(bare).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // Nothing uncommitted is redirected.
    let unknown = format!("/media/{}.png", "ab".repeat(32));
    let r = manual.get(s.url(&unknown)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// A PNG no earlier run put into the shared bucket.
fn unique_png() -> Vec<u8> {
    let mut bytes = png(48, 48);
    let marker = twincast_store::new_id();
    bytes.truncate(bytes.len() - 12);
    bytes.extend_from_slice(&(marker.len() as u32).to_be_bytes());
    bytes.extend_from_slice(b"tEXt");
    bytes.extend_from_slice(marker.as_bytes());
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    bytes
}

/// Behind a load balancer every request comes from its address: with `trusted_proxies`, the login limit counts
/// the client its `X-Forwarded-For` names; without, the header is the client's own claim and changes nothing.
#[tokio::test]
async fn rate_limits_count_the_client_behind_a_trusted_proxy() {
    async fn failed_logins(s: &TestServer, forwarded_for: &str, n: usize) -> Vec<u16> {
        let c = reqwest::Client::new();
        let mut out = vec![];
        for _ in 0..n {
            let r = c
                .post(s.url("/api/v1/auth/login"))
                .header("x-forwarded-for", forwarded_for)
                .json(&serde_json::json!({"username": "nobody", "password": "wrong-password"}))
                .send()
                .await
                .unwrap();
            out.push(r.status().as_u16());
        }
        out
    }
    let behind = TestServer::with(|c| {
        c.login_attempts_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.0/8".into()];
    })
    .await;
    assert_eq!(
        failed_logins(&behind, "198.51.100.1", 4).await,
        [401, 401, 401, 429]
    );
    // Another client behind the same balancer is not locked out by the first.
    assert_eq!(failed_logins(&behind, "198.51.100.2", 1).await, [401]);
    // A client cannot pick its address: only the hop the trusted balancer saw counts.
    assert_eq!(
        failed_logins(&behind, "198.51.100.99, 198.51.100.1", 1).await,
        [429]
    );
    let direct = TestServer::with(|c| c.login_attempts_per_minute = 3).await;
    assert_eq!(
        failed_logins(&direct, "198.51.100.1", 3).await,
        [401, 401, 401]
    );
    assert_eq!(failed_logins(&direct, "198.51.100.2", 1).await, [429]);
}

/// Behind a balancer a screen's manifest GET may reach a node other than the one holding its socket, which pushed
/// `manifest_changed` after reading the new schedule. The node answering the GET may not have heard of that change
/// yet; it still answers with the new schedule, not the one it last knew (which would be a `304` for the old ETag,
/// and the screen would keep the old programme until the next change).
#[tokio::test]
async fn a_manifest_get_sees_a_change_this_node_has_not_heard_of() {
    let s = TestServer::start().await;
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let etag_now = || async {
        let res = get(&s, "/api/v1/player/manifest", &token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        (etag, res.text().await.unwrap())
    };
    let (before, body) = etag_now().await;
    assert!(!body.contains("Elsewhere"));
    // Another node: the same database and storage, its own application, whose events reach nobody here.
    let app = &s.state.app;
    let other = twincast_app::App::new(
        s.state.store.clone(),
        app.storage.clone(),
        (*app.settings).clone(),
    );
    let user = s.state.store.user_by_name("admin").await.unwrap();
    other
        .create_campaign(
            &twincast_app::Actor::new(user),
            serde_json::from_value(serde_json::json!({"name": "elsewhere", "partner": "akashi",
                "items": [{"kind": "html", "template": "partner_card", "data": {"city": "Elsewhere"}}]}))
            .unwrap(),
        )
        .await
        .unwrap();
    let (after, body) = etag_now().await;
    assert_ne!(
        after, before,
        "the GET was answered from the schedule this node knew"
    );
    assert!(body.contains("Elsewhere"), "{body}");
}
