//! Remote commands over real HTTP and WebSocket: queued for an offline screen, delivered when it connects (to
//! this or another server process on the same database), answered over the socket or HTTP; refused input,
//! expiry by the application clock, keyset pages, the audit entry of the sending.

use crate::common::*;
use futures::SinkExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use twincast_protocol::{Command, CommandOutcome, CommandResult, PlayerMessage, Push};
use twincast_store::Role;

async fn send(admin: &Session, screen: &str, body: Value) -> reqwest::Response {
    admin
        .post_json(&format!("/api/v1/screens/{screen}/commands"), body)
        .await
}

async fn read(admin: &Session, screen: &str, id: &str) -> Value {
    let res = admin
        .get(&format!("/api/v1/screens/{screen}/commands/{id}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Reads the command until it leaves `from` (the socket's answer is recorded after the frame is read); bounded
/// so a lost answer fails the test instead of hanging it.
async fn read_until_not(admin: &Session, screen: &str, id: &str, from: &str) -> Value {
    for _ in 0..1200 {
        let c = read(admin, screen, id).await;
        if c["state"] != from {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("command {id} stayed {from}");
}

async fn next_command(ws: &mut Ws) -> (String, Command, Option<Value>) {
    match next_of(ws, "command").await {
        Some(Push::Command {
            id, command, args, ..
        }) => (id, command, args),
        other => panic!("expected a command, got {other:?}"),
    }
}

#[tokio::test]
async fn offline_screen_gets_its_command_at_connect_and_answers_it() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let token = pair(&s, &admin, &ids[0]).await;

    // Sent while the screen has no socket: accepted and queued.
    let res = send(
        &admin,
        &ids[0],
        json!({"command": "identify", "args": {"seconds": 20}}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let sent: Value = res.json().await.unwrap();
    let id = sent["id"].as_str().unwrap().to_string();
    assert_eq!(sent["state"], "queued");
    assert_eq!(sent["command"], "identify");
    assert_eq!(sent["created_by"], "admin");
    assert_eq!(read(&admin, &ids[0], &id).await["state"], "queued");

    // Sending is in the audit log.
    let audit = s
        .state
        .store
        .list_audit(
            &twincast_store::AuditFilter {
                action: Some("screen.command".into()),
                resource_id: Some(ids[0].clone()),
                ..Default::default()
            },
            &twincast_store::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].actor, "admin");
    assert_eq!(audit.items[0].changes["command_id"][1], id.as_str());

    // The screen connects: hello, then the queued command with its args; it is delivered.
    let mut ws = ws_connect(&s, &token).await;
    assert!(matches!(
        next_of(&mut ws, "hello").await,
        Some(Push::Hello { .. })
    ));
    let (got, command, args) = next_command(&mut ws).await;
    assert_eq!((got.as_str(), command), (id.as_str(), Command::Identify));
    assert_eq!(args, Some(json!({"seconds": 20})));
    let delivered = read(&admin, &ids[0], &id).await;
    assert_eq!(delivered["state"], "delivered");
    assert!(delivered["delivered_at"].as_i64().is_some());

    // Answered over the socket: done, with its result.
    let answer = PlayerMessage::CommandResult {
        id: id.clone(),
        result: CommandResult {
            status: CommandOutcome::Done,
            result: Some("shown for 20 s".into()),
            error: None,
        },
    };
    ws.send(Message::Text(
        serde_json::to_string(&answer).unwrap().into(),
    ))
    .await
    .unwrap();
    let done = read_until_not(&admin, &ids[0], &id, "delivered").await;
    assert_eq!(done["state"], "done");
    assert_eq!(done["result"], "shown for 20 s");
    assert!(done["done_at"].as_i64().is_some());

    // A live socket gets a new command at once; answered over HTTP as failed.
    let res = send(&admin, &ids[0], json!({"command": "screenshot"})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let shot: Value = res.json().await.unwrap();
    let shot_id = shot["id"].as_str().unwrap();
    let (got, command, args) = next_command(&mut ws).await;
    assert_eq!(
        (got.as_str(), command, args),
        (shot_id, Command::Screenshot, None)
    );
    let failed = json!({"status": "failed", "error": "no canvas"});
    let res = post(
        &s,
        &format!("/api/v1/player/commands/{shot_id}/result"),
        &token,
    )
    .json(&failed)
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v["state"].as_str(), v["error"].as_str()),
        (Some("failed"), Some("no canvas"))
    );
    // Answered once; not another screen's command; not without a device token; no unknown fields.
    let res = post(
        &s,
        &format!("/api/v1/player/commands/{shot_id}/result"),
        &token,
    )
    .json(&failed)
    .send()
    .await
    .unwrap();
    assert_problem(res, StatusCode::CONFLICT, "command-answered").await;
    let other = send(&admin, &ids[1], json!({"command": "reload"})).await;
    let other: Value = other.json().await.unwrap();
    let other_id = other["id"].as_str().unwrap();
    let res = post(
        &s,
        &format!("/api/v1/player/commands/{other_id}/result"),
        &token,
    )
    .json(&failed)
    .send()
    .await
    .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "command-not-found").await;
    let res = reqwest::Client::new()
        .post(s.url(&format!("/api/v1/player/commands/{other_id}/result")))
        .json(&failed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = post(
        &s,
        &format!("/api/v1/player/commands/{other_id}/result"),
        &token,
    )
    .json(&json!({"status": "done", "colour": "red"}))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // The list: newest first, by state, in keyset pages.
    let list: Value = admin
        .get(&format!("/api/v1/screens/{}/commands?limit=1", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], shot_id);
    let cursor = list["next_cursor"].as_str().unwrap();
    let next: Value = admin
        .get(&format!(
            "/api/v1/screens/{}/commands?limit=1&cursor={cursor}",
            ids[0]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["id"], id.as_str());
    assert!(next["next_cursor"].is_null());
    let done: Value = admin
        .get(&format!("/api/v1/screens/{}/commands?state=done", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["items"].as_array().unwrap().len(), 1);
    assert_problem(
        admin
            .get(&format!("/api/v1/screens/{}/commands?state=lost", ids[0]))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-command-state",
    )
    .await;
    assert_problem(
        admin
            .get(&format!("/api/v1/screens/{}/commands/{other_id}", ids[0]))
            .await,
        StatusCode::NOT_FOUND,
        "command-not-found",
    )
    .await;
    let _ = get;
}

#[tokio::test]
async fn bad_commands_are_refused() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    for (body, code) in [
        (json!({"command": "explode"}), "invalid-command"),
        (
            json!({"command": "identify", "args": [1]}),
            "invalid-command-args",
        ),
        (
            json!({"command": "identify", "args": {"x": "y".repeat(5000)}}),
            "invalid-command-args",
        ),
        (
            json!({"command": "reload", "expires_in_secs": 0}),
            "invalid-command-expiry",
        ),
        (
            json!({"command": "reload", "expires_in_secs": 8 * 86_400}),
            "invalid-command-expiry",
        ),
    ] {
        assert_problem(
            send(&admin, &ids[0], body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    let res = send(&admin, &ids[0], json!({"command": "reload", "colour": 1})).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = send(&admin, "no-such-screen", json!({"command": "reload"})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let list: Value = admin
        .get(&format!("/api/v1/screens/{}/commands", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
}

#[tokio::test]
async fn an_undelivered_command_expires_and_is_never_delivered() {
    let clock = twincast_app::ManualClock::new(twincast_store::now_ms());
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let res = send(
        &admin,
        &ids[0],
        json!({"command": "reload", "expires_in_secs": 60}),
    )
    .await;
    let stale: Value = res.json().await.unwrap();
    let stale_id = stale["id"].as_str().unwrap();
    assert_eq!(
        stale["expires_at"].as_i64().unwrap(),
        stale["created_at"].as_i64().unwrap() + 60_000
    );
    clock.advance(60_000);
    assert_eq!(read(&admin, &ids[0], stale_id).await["state"], "expired");
    // Connecting now delivers only what has not expired: the first command the socket sees is a fresh one.
    let mut ws = ws_connect(&s, &token).await;
    assert!(next_of(&mut ws, "hello").await.is_some());
    let res = send(&admin, &ids[0], json!({"command": "identify"})).await;
    let fresh: Value = res.json().await.unwrap();
    let (got, _, _) = next_command(&mut ws).await;
    assert_eq!(got, fresh["id"].as_str().unwrap());
    assert_eq!(read(&admin, &ids[0], stale_id).await["state"], "expired");
    let expired: Value = admin
        .get(&format!(
            "/api/v1/screens/{}/commands?state=expired",
            ids[0]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["items"][0]["id"], stale_id);
    assert_eq!(expired["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_command_sent_through_one_process_reaches_a_screen_on_another() {
    let a = TestServer::start().await;
    // B shares A's database (and data directory, where SQLite's file is when no URL is configured).
    let (url, dir) = (
        a.state.config.database_url.clone(),
        a._data.path().to_path_buf(),
    );
    let b = TestServer::with(|c| {
        c.database_url = url;
        c.data_dir = dir;
    })
    .await;
    let admin = a.user("admin", Role::Admin, &[]).await;
    let ids = screens(&a, &admin, 2).await;
    let token0 = pair(&a, &admin, &ids[0]).await;
    let token1 = pair(&a, &admin, &ids[1]).await;

    // Screen 0 is connected to B when the command is sent through A: B's periodic pass delivers it.
    let mut ws0 = ws_connect(&b, &token0).await;
    assert!(next_of(&mut ws0, "hello").await.is_some());
    let res = send(&admin, &ids[0], json!({"command": "clear_cache"})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let c0: Value = res.json().await.unwrap();
    let (got, command, _) = next_command(&mut ws0).await;
    assert_eq!(
        (got.as_str(), command),
        (c0["id"].as_str().unwrap(), Command::ClearCache)
    );

    // Screen 1 is offline when the command is sent through A and connects to B: delivered after its hello.
    let res = send(&admin, &ids[1], json!({"command": "reload"})).await;
    let c1: Value = res.json().await.unwrap();
    let c1_id = c1["id"].as_str().unwrap();
    let mut ws1 = ws_connect(&b, &token1).await;
    assert!(next_of(&mut ws1, "hello").await.is_some());
    let (got, command, _) = next_command(&mut ws1).await;
    assert_eq!((got.as_str(), command), (c1_id, Command::Reload));
    // Answered to B over HTTP; A reads it done.
    let res = post(
        &b,
        &format!("/api/v1/player/commands/{c1_id}/result"),
        &token1,
    )
    .json(&json!({"status": "done", "result": "reloading"}))
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done = read(&admin, &ids[1], c1_id).await;
    assert_eq!(
        (done["state"].as_str(), done["result"].as_str()),
        (Some("done"), Some("reloading"))
    );
}

#[tokio::test]
async fn a_retired_screen_takes_no_commands() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let res = send(&admin, &ids[0], json!({"command": "reload"})).await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let res = admin
        .req(
            reqwest::Method::DELETE,
            &format!("/api/v1/screens/{}", ids[0]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for command in ["reload", "screenshot", "identify", "clear_cache"] {
        let res = send(&admin, &ids[0], json!({"command": command})).await;
        assert_problem(res, StatusCode::CONFLICT, "screen-retired").await;
    }
    // Its history stays readable; nothing was queued after the retirement.
    let res = admin
        .get(&format!("/api/v1/screens/{}/commands", ids[0]))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
    // An unknown screen is still 404.
    let res = send(&admin, "no-such-screen", json!({"command": "reload"})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
