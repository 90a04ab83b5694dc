//! Two nodes on one database (docs/scale-out.md): on PostgreSQL a node whose change listener lost its connection
//! listens again and resynchronises, so a screen on it hears a change made through the other node within a second
//! (the version poll would take up to 5 s). On SQLite there is one node: events stay in the process.

use crate::common::*;
use futures::StreamExt;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;
use twincast_store::{Backend, Role};

/// The backends of the change listeners connected to the test's database.
async fn listeners(s: &TestServer) -> i64 {
    use sqlx::Row;
    sqlx::query(
        "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_one(s.state.store.pool())
    .await
    .unwrap()
    .try_get("n")
    .unwrap()
}

async fn wait_for_listeners(s: &TestServer, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while listeners(s).await < n {
        assert!(Instant::now() < deadline, "fewer than {n} change listeners");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_lost_change_listener_listens_again_and_resynchronises() {
    let a = TestServer::start().await;
    if a.state.store.backend() == Backend::Sqlite {
        // One node: App::emit sends nothing out of the process.
        assert!(a.state.app.fanout.get().is_none());
        return;
    }
    let url = a.state.config.database_url.clone();
    let b = TestServer::with(|c| c.database_url = url).await;
    assert!(a.state.app.fanout.get().is_some());
    a.partner("akashi").await;
    let admin = a.user("admin", Role::Admin, &[]).await;
    let ids = screens(&a, &admin, 1).await;
    let token = pair(&b, &admin, &ids[0]).await;
    let mut ws = ws_connect(&b, &token).await;
    assert!(next_of(&mut ws, "hello").await.is_some());
    wait_for_listeners(&a, 2).await;

    // Both nodes' listening connections are cut; a campaign is made through A at once.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .execute(a.state.store.pool())
    .await
    .unwrap();
    let res = admin
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "card", "partner": "akashi",
                "items": [{"kind": "html", "template": "partner_card", "data": {"city": "Akashi"}}]}),
        )
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    // Either the notification (B listening again in time: `manifest_changed`) or B's resynchronisation (which
    // announces as `alert`, applied at once) tells the screen; the 5 s poll would be too late.
    let told = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "manifest_changed" || v["type"] == "alert" {
                        return v;
                    }
                }
                Some(Ok(_)) => {}
                other => panic!("socket ended: {other:?}"),
            }
        }
    })
    .await;
    assert!(told.is_ok(), "the change reached B's screen within 1 s");
    // Both listen again.
    wait_for_listeners(&a, 2).await;
}
