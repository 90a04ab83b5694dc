//! A database that stops answering (issue 17): every request that needs it is a 503 problem with `Retry-After`,
//! never a 401 or a bare 500; liveness stays 200 and readiness says 503. (The real outages — PostgreSQL stopped
//! and started, S3 unreachable, a full disk — are the drills of scripts/drills.sh.)

use crate::common::*;
use reqwest::StatusCode;
use serde_json::json;
use twincast_store::Role;

#[tokio::test]
async fn a_database_that_does_not_answer_is_503_with_retry_after() {
    let s = TestServer::start().await;
    s.partner("akashi").await;
    let op = s.user("op", Role::Operator, &[]).await;
    assert_eq!(op.get("/api/v1/screens").await.status(), StatusCode::OK);
    // Every connection of the pool is gone and no new one will be made: what a database that went away looks like
    // to a request once reconnecting has failed.
    s.state.store.close().await;
    for res in [
        op.get("/api/v1/screens").await,
        op.post_json(
            "/api/v1/locations",
            json!({"slug": "m", "name": "M", "kind": "metro", "tz": "UTC"}),
        )
        .await,
    ] {
        assert_eq!(
            res.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
        assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, "database-unavailable").await;
    }
    let c = reqwest::Client::new();
    assert_eq!(
        c.get(s.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        c.get(s.url("/readyz")).send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}
