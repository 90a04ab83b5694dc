//! The player protocol over real HTTP and WebSocket: pairing, device tokens (forged, expired, revoked, another
//! screen's), manifest ETag/304, push after a campaign change, commands, heartbeat/status and proof of play.

use crate::common::*;
use futures::SinkExt;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use twincast_protocol::{
    Command, Format, Heartbeat, HeartbeatAnswer, Manifest, PlayBatch, PlayBatchAnswer, PlayEvent,
    PlayRef, PlayerError, PlayerMessage, Push,
};
use twincast_store::Role;

#[tokio::test]
async fn pairing_flow_and_manifest_etag() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let c = Client::new();

    // Unpaired player: a code and a poll secret; an empty body is fine too.
    let p: Value = c
        .post(s.url("/api/v1/player/pairings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = p["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    let poll = format!(
        "/api/v1/player/pairings/{}?secret={}",
        p["pairing_id"].as_str().unwrap(),
        p["poll_secret"].as_str().unwrap()
    );
    let pending: Value = c
        .get(s.url(&poll))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(pending["status"], "pending");
    assert!(pending.get("token").is_none());
    // Wrong secret: indistinguishable from an unknown pairing.
    let wrong = format!(
        "/api/v1/player/pairings/{}?secret=nope",
        p["pairing_id"].as_str().unwrap()
    );
    assert_problem(
        c.get(s.url(&wrong)).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "pairing-not-found",
    )
    .await;
    // Bad input.
    let bad = c
        .post(s.url("/api/v1/player/pairings"))
        .header("content-type", "application/json")
        .body("{\"colour\": 1}")
        .send()
        .await
        .unwrap();
    assert_problem(bad, StatusCode::BAD_REQUEST, "invalid-body").await;

    // Only operators and admins claim; codes are forgiving about case and hyphens.
    let typed = format!("{}-{}", &code[..3], &code[3..]).to_lowercase();
    let res = viewer
        .post_json(
            &format!("/api/v1/pairings/{typed}/claim"),
            json!({"screen_id": ids[0]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .post_json(
            &format!("/api/v1/pairings/{typed}/claim"),
            json!({"screen_id": "no-such-screen"}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "screen-not-found").await;
    let res = admin
        .post_json(
            &format!("/api/v1/pairings/{typed}/claim"),
            json!({"screen_id": ids[0]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let claimed: Value = res.json().await.unwrap();
    assert_eq!(claimed["screen_id"], ids[0].as_str());
    let res = admin
        .post_json(
            &format!("/api/v1/pairings/{code}/claim"),
            json!({"screen_id": ids[0]}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "pairing-already-claimed").await;
    let res = admin
        .post_json(
            "/api/v1/pairings/ZZZZZZ/claim",
            json!({"screen_id": ids[0]}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "pairing-not-found").await;

    // The token is delivered exactly once.
    let paired: Value = c
        .get(s.url(&poll))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paired["status"], "paired");
    assert_eq!(paired["device_id"], claimed["device_id"]);
    let token = paired["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("tcd_"));
    assert_problem(
        c.get(s.url(&poll)).send().await.unwrap(),
        StatusCode::GONE,
        "pairing-consumed",
    )
    .await;

    // Manifest with a strong ETag; If-None-Match gives 304.
    let res = get(&s, "/api/v1/player/manifest", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    let m: Manifest = res.json().await.unwrap();
    assert_eq!(m.head.etag, etag);
    assert_eq!(m.head.screen.id, ids[0]);
    assert_eq!(m.head.horizon.to - m.head.horizon.from, 48 * 3_600_000);
    assert_eq!(m.shared.layout.zones[0].name, "main");
    let res = get(&s, "/api/v1/player/manifest", &token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let res = get(&s, "/api/v1/player/manifest", &token)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = get(&s, "/api/v1/player/manifest?hours=0", &token)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-hours").await;
    let short: Manifest = get(&s, "/api/v1/player/manifest?hours=2", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(short.head.etag, m.head.etag);
    assert_eq!(
        short.head.horizon.to - short.head.horizon.from,
        2 * 3_600_000
    );
}

#[tokio::test]
async fn forged_expired_revoked_and_foreign_tokens() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let token_a = pair(&s, &admin, &ids[0]).await;
    let token_b = pair(&s, &admin, &ids[1]).await;

    let res = Client::new()
        .get(s.url("/api/v1/player/manifest"))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "missing-device-token").await;
    let forged = format!("tcd_{}", "A".repeat(43));
    let res = get(&s, "/api/v1/player/manifest", &forged)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid-device-token").await;
    // A user API token is no device token, and a device token opens no operator endpoint.
    let user_token: Value = admin
        .post_json("/api/v1/tokens", json!({"name": "ops"}))
        .await
        .json()
        .await
        .unwrap();
    let ut = user_token["token"].as_str().unwrap();
    let res = get(&s, "/api/v1/player/manifest", ut).send().await.unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid-device-token").await;
    let res = get(&s, "/api/v1/screens", &token_a).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = get(&s, &format!("/api/v1/screens/{}/status", ids[1]), &token_a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A token only ever yields its own screen: the manifest and the plays it sends are screen A's.
    let m: Manifest = get(&s, "/api/v1/player/manifest", &token_a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m.head.screen.id, ids[0]);
    let res = post(&s, "/api/v1/player/plays", &token_a)
        .json(
            &json!({"events": [{"id": "e1", "alert": "x", "started_at": 1000, "ended_at": 2000}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let b: Value = admin
        .get(&format!("/api/v1/plays/summary?screen={}", ids[1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["total"], 0);
    let a: Value = admin
        .get(&format!("/api/v1/plays/summary?screen={}", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["total"], 1);
    // Unknown query parameters (e.g. trying to pick a screen) are refused.
    let res = get(
        &s,
        &format!("/api/v1/player/manifest?screen={}", ids[1]),
        &token_a,
    )
    .send()
    .await
    .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-query").await;

    // Expired.
    let expired = format!("tcd_{}", "E".repeat(43));
    let now = twincast_store::now_ms();
    s.state
        .store
        .provision_device(
            &ids[1],
            &twincast_server::auth::secret_hash(&expired),
            None,
            now - 10_000,
            now - 1,
        )
        .await
        .unwrap();
    let res = get(&s, "/api/v1/player/manifest", &expired)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "device-token-expired").await;
    // Provisioning replaced B's paired device.
    let res = get(&s, "/api/v1/player/manifest", &token_b)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "device-token-revoked").await;

    // Revoked by an operator: the socket hears it and closes; the token is dead at once (even if cached).
    let mut ws = ws_connect(&s, &token_a).await;
    let Some(Push::Hello { screen_id, .. }) = next_of(&mut ws, "hello").await else {
        panic!("no hello");
    };
    assert_eq!(screen_id, ids[0]);
    let res = admin
        .req(
            reqwest::Method::DELETE,
            &format!("/api/v1/screens/{}/device", ids[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(matches!(
        next_of(&mut ws, "revoked").await,
        Some(Push::Revoked { .. })
    ));
    let res = get(&s, "/api/v1/player/manifest", &token_a)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "device-token-revoked").await;
    let res = admin
        .req(
            reqwest::Method::DELETE,
            &format!("/api/v1/screens/{}/device", ids[0]),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "no-device").await;
    // The WebSocket refuses bad tokens before upgrading.
    let url = format!(
        "{}/api/v1/player/ws?token={forged}",
        s.base.replace("http://", "ws://")
    );
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

fn event(id: &str, campaign: &str, partner: &str, start: i64, secs: i64) -> PlayEvent {
    PlayEvent {
        id: id.into(),
        campaign: Some(campaign.into()),
        item: Some("i1".into()),
        partner: Some(partner.into()),
        alert: None,
        started_at: start,
        ended_at: start + secs * 1000,
        media: None,
        planned_ms: None,
    }
}

#[tokio::test]
async fn proof_of_play_is_idempotent_and_bounded() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let ids = screens(&s, &admin, 1).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let day = 1_764_000_000_000i64; // 2025-11-24
    let batch1: Vec<PlayEvent> = (0..3)
        .map(|i| event(&format!("a{i}"), "c1", "pa", day + i * 10_000, 10))
        .collect();
    let batch2: Vec<PlayEvent> = (0..2)
        .map(|i| {
            event(
                &format!("b{i}"),
                "c2",
                "pb",
                day - 86_400_000 + i * 10_000,
                5,
            )
        })
        .collect();

    let send = |events: Vec<PlayEvent>| {
        post(&s, "/api/v1/player/plays", &token)
            .json(&PlayBatch { events })
            .send()
    };
    let r: PlayBatchAnswer = send(batch1.clone()).await.unwrap().json().await.unwrap();
    assert_eq!((r.accepted, r.duplicates), (3, 0));
    // The same batch again (a retry after a lost answer), then an older batch, then a mix out of order.
    let r: PlayBatchAnswer = send(batch1.clone()).await.unwrap().json().await.unwrap();
    assert_eq!((r.accepted, r.duplicates), (0, 3));
    let r: PlayBatchAnswer = send(batch2.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(r.accepted, 2);
    let mut mixed = vec![
        batch1[2].clone(),
        event("c0", "c1", "pa", day + 100_000, 10),
        batch2[0].clone(),
    ];
    mixed.reverse();
    let r: PlayBatchAnswer = send(mixed).await.unwrap().json().await.unwrap();
    assert_eq!((r.accepted, r.duplicates), (1, 2));
    assert!(r.received_at > day);

    let sum: Value = admin
        .get(&format!("/api/v1/plays/summary?screen={}", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sum["total"], 6, "{sum}");
    assert_eq!(
        sum["by_partner"],
        json!([{"slug": "pa", "plays": 4, "seconds": 40.0}, {"slug": "pb", "plays": 2, "seconds": 10.0}])
    );
    let by_day: Value = admin
        .get("/api/v1/plays/aggregates?by=day")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        by_day["rows"],
        json!([{"key": "2025-11-23", "plays": 2, "seconds": 10.0}, {"key": "2025-11-24", "plays": 4, "seconds": 40.0}])
    );
    let by_loc: Value = admin
        .get("/api/v1/plays/aggregates?by=location")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_loc["rows"][0]["plays"], 6);
    let res = admin.get("/api/v1/plays/aggregates?by=week").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-grouping").await;
    // A partner editor sees only its partner.
    let ed: Value = editor
        .get("/api/v1/plays/summary")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ed["total"], 4);
    assert_eq!(ed["by_partner"].as_array().unwrap().len(), 1);
    assert_eq!(
        editor
            .get("/api/v1/plays/summary?partner=pb")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Bounds and bad input: nothing of a refused batch is stored.
    let big: Vec<PlayEvent> = (0..501)
        .map(|i| event(&format!("x{i}"), "c1", "pa", day, 1))
        .collect();
    assert_problem(
        send(big).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "too-many-events",
    )
    .await;
    assert_problem(
        send(vec![]).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "empty-batch",
    )
    .await;
    let huge = json!({"events": [{"id": "h", "campaign": "c".repeat(1 << 20), "started_at": 0, "ended_at": 1}]});
    let res = post(&s, "/api/v1/player/plays", &token)
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
    let bad = vec![
        event("ok-1", "c1", "pa", day, 1),
        event("bad id!", "c1", "pa", day, 1),
    ];
    assert_problem(
        send(bad).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-play-event",
    )
    .await;
    let backwards = vec![PlayEvent {
        started_at: 10,
        ended_at: 5,
        ..event("z", "c1", "pa", 0, 0)
    }];
    assert_problem(
        send(backwards).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-play-event",
    )
    .await;
    let res = post(&s, "/api/v1/player/plays", &token)
        .json(&json!({"events": [{"id": "u", "campaign": "c", "started_at": 0, "ended_at": 1, "bogus": 1}]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-body").await;
    assert_eq!(s.state.store.play_count(&ids[0]).await.unwrap(), 6);
}

/// The gzip manifest is assembled from a per-screen part and a shared, once-compressed part: it must decode to
/// exactly the plain body, with the same ETag, a correct Content-Length and `Vary: accept-encoding`.
#[tokio::test]
async fn gzip_manifest_decodes_to_the_plain_body() {
    use std::io::Read;
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let input: twincast_store::CampaignInput = serde_json::from_value(json!({
        "name": "Everywhere", "partner": "pa",
        "items": [{"kind": "html", "template": "partner_card", "data": {"city": "A"}, "duration_ms": 10000},
                  {"kind": "html", "template": "headline", "data": {"text": "B"}, "duration_ms": 15000}]}))
    .unwrap();
    s.state.store.create_campaign(&input, None).await.unwrap();
    let mut bodies = vec![];
    for id in &ids {
        let token = pair(&s, &admin, id).await;
        // reqwest here has no decoder: it hands over the bytes as sent.
        let plain = get(&s, "/api/v1/player/manifest", &token)
            .send()
            .await
            .unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        assert_eq!(plain.headers()["vary"], "accept-encoding");
        let etag = plain.headers()["etag"].to_str().unwrap().to_string();
        let plain = plain.bytes().await.unwrap();
        for accept in ["gzip", "br, gzip;q=0.5", "*"] {
            let res = get(&s, "/api/v1/player/manifest", &token)
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(res.headers()["content-encoding"], "gzip", "{accept}");
            assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
            let len: usize = res.headers()["content-length"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            let gz = res.bytes().await.unwrap();
            assert_eq!(gz.len(), len);
            assert!(
                gz.len() < plain.len(),
                "compressed: {} < {}",
                gz.len(),
                plain.len()
            );
            let mut decoded = Vec::new();
            flate2::read::GzDecoder::new(&gz[..])
                .read_to_end(&mut decoded)
                .expect("a valid gzip member (CRC and length checked)");
            assert_eq!(decoded, plain.to_vec(), "{accept}");
        }
        for refused in ["identity", "gzip;q=0", "br", "*;q=0"] {
            let res = get(&s, "/api/v1/player/manifest", &token)
                .header("accept-encoding", refused)
                .send()
                .await
                .unwrap();
            assert!(res.headers().get("content-encoding").is_none(), "{refused}");
            assert_eq!(res.bytes().await.unwrap(), plain, "{refused}");
        }
        let res = get(&s, "/api/v1/player/manifest", &token)
            .header("accept-encoding", "gzip")
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let m: Manifest = serde_json::from_slice(&plain).unwrap();
        assert!(m.shared.plays.plays.len() > 1000, "48 h of 10-15 s items");
        // The body is exactly what the wire types write for it.
        assert_eq!(m.to_body().unwrap(), plain.to_vec());
        bodies.push(m);
    }
    // Two screens of one location share everything but the screen part.
    assert_eq!(bodies[0].shared, bodies[1].shared);
    assert_ne!(bodies[0].head.etag, bodies[1].head.etag);
}

/// Heartbeats are group-committed: many at once are all stored and all answered.
#[tokio::test]
async fn concurrent_heartbeats_are_all_stored() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 12).await;
    let now = twincast_store::now_ms();
    let mut tokens = vec![];
    for (i, id) in ids.iter().enumerate() {
        let t = format!("tcd_{}", format!("H{i:02}").repeat(15));
        s.state
            .store
            .provision_device(
                id,
                &twincast_server::auth::secret_hash(&t),
                None,
                now,
                now + 3_600_000,
            )
            .await
            .unwrap();
        tokens.push(t);
    }
    let mut tasks = vec![];
    for round in 0..4 {
        for (i, t) in tokens.iter().enumerate() {
            let req = post(&s, "/api/v1/player/heartbeat", t).json(&Heartbeat {
                player_version: Some(format!("v{round}-{i}")),
                ..Heartbeat::default()
            });
            tasks.push(tokio::spawn(
                async move { req.send().await.unwrap().status() },
            ));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    for id in &ids {
        let st: Value = admin
            .get(&format!("/api/v1/screens/{id}/status"))
            .await
            .json()
            .await
            .unwrap();
        let v = st["heartbeat"]["player_version"].as_str().unwrap_or("");
        assert!(v.starts_with('v'), "{st}");
    }
}

#[tokio::test]
async fn heartbeat_status_commands_and_push() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let token = pair(&s, &admin, &ids[0]).await;

    // Heartbeat → server time; the screen is online, the other one is not.
    let hb: Heartbeat = serde_json::from_value(
        json!({"player_version": "web-1", "current": {"campaign": "c", "item": "i", "started_at": 5},
               "cache": {"items_total": 3, "items_cached": 2, "bytes_cached": 1000},
               "storage_free_bytes": 10, "errors": [{"at": 1, "code": "decode", "message": "x"}],
               "device_time": twincast_store::now_ms() - 5000}),
    )
    .unwrap();
    let res = post(&s, "/api/v1/player/heartbeat", &token)
        .json(&hb)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let a: HeartbeatAnswer = res.json().await.unwrap();
    assert!(a.server_time > 0);
    assert!(a.manifest_etag.is_some());
    assert_eq!(a.next_heartbeat_ms, 30_000);
    let online: Value = admin
        .get("/api/v1/screens?status=online")
        .await
        .json()
        .await
        .unwrap();
    let online: Vec<&str> = online["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(online, vec![ids[0].as_str()]);
    // The other screen was never heard from: `never_seen`, not `offline` (heard from, not recently).
    let offline: Value = admin
        .get("/api/v1/screens?status=never_seen")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offline["items"][0]["id"], ids[1].as_str());
    assert_problem(
        admin.get("/api/v1/screens?status=sleepy").await,
        StatusCode::BAD_REQUEST,
        "invalid-status",
    )
    .await;
    let st: Value = admin
        .get(&format!("/api/v1/screens/{}/status", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["status"], "online");
    assert_eq!(st["heartbeat"]["cache"]["items_cached"], 2);
    assert!(st["heartbeat"]["clock_offset_ms"].as_i64().unwrap() >= 5000);
    let too_many = Heartbeat {
        errors: vec![
            PlayerError {
                code: "x".into(),
                ..PlayerError::default()
            };
            51
        ],
        ..Heartbeat::default()
    };
    let res = post(&s, "/api/v1/player/heartbeat", &token)
        .json(&too_many)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "too-many-errors").await;

    // Push: hello, then manifest_changed with the new ETag after a campaign change.
    let mut ws = ws_connect(&s, &token).await;
    let Some(Push::Hello {
        etag: Some(first), ..
    }) = next_of(&mut ws, "hello").await
    else {
        panic!("no hello with an etag");
    };
    let input: twincast_store::CampaignInput = serde_json::from_value(json!({
        "name": "Hello", "partner": "pa", "targets": {"screens": [ids[0]]},
        "items": [{"kind": "html", "template": "partner_card", "data": {"city": "A"}, "duration_ms": 10000}]}))
    .unwrap();
    s.state.store.create_campaign(&input, None).await.unwrap();
    let _ = s
        .state
        .events
        .send(twincast_server::events::ServerEvent::ScheduleChanged {
            screens: Some(vec![ids[0].clone()]),
        });
    let Some(Push::ManifestChanged { etag, .. }) = next_of(&mut ws, "manifest_changed").await
    else {
        panic!("no manifest_changed");
    };
    assert_ne!(etag, first);
    let res = get(&s, "/api/v1/player/manifest", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["etag"].to_str().unwrap(), etag);
    let body = res.bytes().await.unwrap();
    let m: Manifest = serde_json::from_slice(&body).unwrap();
    assert_eq!(m.head.format, Format::V2);
    let plays = &m.shared.plays.plays;
    assert!(!plays.is_empty());
    let PlayRef::Item(first_item) = plays[0].what else {
        panic!("the first play is an alert");
    };
    assert_eq!(m.shared.items[first_item].partner.as_deref(), Some("pa"));
    // Contiguous, non-overlapping sequence covering the horizon: in format 2 every entry but an explicit first
    // one omits its start.
    let raw: Value = serde_json::from_slice(&body).unwrap();
    let raw = raw["plays"].as_array().unwrap();
    assert!(raw[1..].iter().all(|p| p.as_array().unwrap().len() <= 3));
    let mut t = 0;
    for p in plays {
        assert_eq!(p.offset_ms, t);
        t += p.duration_ms;
    }
    assert_eq!(t, 48 * 3_600_000);

    // Commands reach the socket; bad commands are refused.
    let res = admin
        .post_json(
            &format!("/api/v1/screens/{}/commands", ids[0]),
            json!({"command": "identify"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let sent: Value = res.json().await.unwrap();
    let Some(Push::Command { id, command, .. }) = next_of(&mut ws, "command").await else {
        panic!("no command");
    };
    assert_eq!(command, Command::Identify);
    assert_eq!(id, sent["id"].as_str().unwrap());
    let res = admin
        .post_json(
            &format!("/api/v1/screens/{}/commands", ids[0]),
            json!({"command": "explode"}),
        )
        .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-command").await;

    // Pong answers are accepted; screenshot upload and read-back.
    let pong = serde_json::to_string(&PlayerMessage::Pong { server_time: None }).unwrap();
    ws.send(Message::Text(pong.into())).await.unwrap();
    let png = png(8, 8);
    let res = post(&s, "/api/v1/player/screenshot", &token)
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = admin
        .get(&format!("/api/v1/screens/{}/screenshot", ids[0]))
        .await;
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    let res = post(&s, "/api/v1/player/screenshot", &token)
        .body("GIF89a")
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
}
