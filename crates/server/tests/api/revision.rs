//! Versions and the audit log: `ETag`/`If-Match` on updates (412 on a stale version), merge patches, and one
//! audit entry per change written with it.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::{AuditFilter, PageRequest, Role};

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag header")
        .to_string()
}

#[tokio::test]
async fn stale_if_match_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;

    let res = op.get("/api/v1/partners/pa").await;
    assert_eq!(res.status(), 200);
    let v1 = etag(&res);
    assert_eq!(v1, "\"1\"");

    // The editor changes the description with the version it read: accepted, new version.
    let res = ed
        .req(Method::PATCH, "/api/v1/partners/pa")
        .header("if-match", &v1)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"description": "editor's text"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["description"], "editor's text");
    assert_eq!(body["version"], 2);

    // The operator, still holding version 1, is refused: 412, and the editor's text stays.
    let mut input = partner_input("pa");
    input.description = "operator's text".into();
    let res = op
        .req(Method::PUT, "/api/v1/partners/pa")
        .header("if-match", &v1)
        .json(&input)
        .send()
        .await
        .unwrap();
    let p = assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    assert!(p["detail"].as_str().unwrap().contains("version 2"), "{p}");
    let now: Value = op.get("/api/v1/partners/pa").await.json().await.unwrap();
    assert_eq!(now["description"], "editor's text");
    // A stale delete is refused too.
    let res = op
        .req(Method::DELETE, "/api/v1/partners/pa")
        .header("if-match", &v1)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    // A malformed If-Match is a 400, not a silent overwrite.
    let res = op
        .req(Method::PUT, "/api/v1/partners/pa")
        .header("if-match", "yesterday")
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-if-match").await;
    // A patch naming an unknown field or a wrong type is refused with the field's error.
    let res = op
        .req(Method::PATCH, "/api/v1/partners/pa")
        .json(&json!({"colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-patch").await;
    let res = op
        .req(Method::PATCH, "/api/v1/partners/pa")
        .json(&json!({"country": "Germany"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-country").await;
    // The editor may not rename through a patch either.
    let res = ed
        .req(Method::PATCH, "/api/v1/partners/pa")
        .json(&json!({"slug": "pa2"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // With the current version the operator's change goes through.
    let res = op
        .req(Method::PUT, "/api/v1/partners/pa")
        .header("if-match", "\"2\"")
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"3\"");

    // The audit log holds exactly the two accepted changes (newest first), who made them, how, and what changed.
    let entries = s
        .state
        .store
        .list_audit(
            &AuditFilter {
                action: Some("partner.update".into()),
                ..Default::default()
            },
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0].actor, "op");
    assert_eq!(entries[0].via, "session");
    assert_eq!(entries[0].partner.as_deref(), Some("pa"));
    assert_eq!(
        entries[0].changes,
        json!({"description": ["editor's text", "operator's text"]})
    );
    assert_eq!(entries[1].actor, "ed");
    assert_eq!(entries[1].changes["description"][1], json!("editor's text"));
}
