//! Moderation and the campaign/media lifecycle over HTTP: editors' writes wait for review and never reach a
//! screen's manifest before approval (an approved campaign keeps playing its approved version meanwhile), stale
//! `If-Match` → 412, reviewers and limits → 403, media in use → 409 naming the campaigns.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

/// A location of kind `metro` with one screen, paired; returns (screen id, device token).
async fn paired_screen(s: &TestServer, admin: &Session) -> (String, String) {
    let id = screens(s, admin, 1).await.remove(0);
    let token = pair(s, admin, &id).await;
    (id, token)
}

async fn manifest(s: &TestServer, token: &str) -> String {
    get(s, "/api/v1/player/manifest", token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn card(partner: &str, marker: &str) -> Value {
    json!({"name": marker, "partner": partner, "targets": {"location_kinds": ["metro"]},
        "items": [{"kind": "html", "template": "partner_card", "data": {"title": marker}}]})
}

async fn send(
    who: &Session,
    m: Method,
    path: &str,
    if_match: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = who.req(m, path);
    if let Some(v) = if_match {
        r = r.header("if-match", v);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn editor_changes_reach_screens_only_after_approval() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let operator = s.user("operator", Role::Operator, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    let editor_b = s.user("editor-b", Role::PartnerEditor, &["pb"]).await;
    let (_screen, token) = paired_screen(&s, &admin).await;
    let mut ws = ws_connect(&s, &token).await;
    assert!(next_of(&mut ws, "hello").await.is_some(), "socket closed");

    // An admin publishes at once.
    let res = admin
        .post_json("/api/v1/campaigns", card("pa", "approved-v1"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v1 = etag(&res);
    let c: Value = res.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["moderation"]["state"], "approved");
    assert!(pushed_manifest_with(&mut ws, &s, &token, "approved-v1")
        .await
        .contains("approved-v1"));

    // The editor reads it (ETag) and changes it: pending.
    let path = format!("/api/v1/campaigns/{id}");
    let res = editor.get(&path).await;
    assert_eq!(etag(&res), v1);
    let res = send(&editor, Method::PATCH, &path, Some(&v1),
        Some(json!({"items": [{"kind": "html", "template": "partner_card", "data": {"title": "draft-v2"}}]}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v2 = etag(&res);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["moderation"]["state"], "pending");
    assert_eq!(c["approved_version"]["name"], "approved-v1");
    // A stale If-Match changes nothing.
    let res = send(
        &editor,
        Method::PATCH,
        &path,
        Some(&v1),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = send(&editor, Method::DELETE, &path, Some(&v1), None).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    // Another change that does reach the screen: once its push arrives, the hub has seen the editor's change too.
    let res = admin
        .post_json("/api/v1/campaigns", card("pa", "sync-1"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = pushed_manifest_with(&mut ws, &s, &token, "sync-1").await;
    assert!(m.contains("sync-1") && m.contains("approved-v1"), "{m}");
    assert!(
        !m.contains("draft-v2"),
        "a pending change reached the screen"
    );

    // The editor cannot approve it, partner B's editor cannot touch it.
    let approve = format!("{path}/approve");
    let res = send(&editor, Method::POST, &approve, None, None).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = send(
        &editor_b,
        Method::PATCH,
        &path,
        None,
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = send(&editor_b, Method::DELETE, &path, None, None).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Reviewers see it in the queue, with who submitted it.
    let q: Value = operator
        .get("/api/v1/moderation/pending")
        .await
        .json()
        .await
        .unwrap();
    let items = q["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{q}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["submitted_by_name"], "editor");
    let q: Value = editor_b
        .get("/api/v1/moderation/pending")
        .await
        .json()
        .await
        .unwrap();
    assert!(q["items"].as_array().unwrap().is_empty());

    // A stale review is refused; the current one is approved and reaches the screen.
    let res = send(&operator, Method::POST, &approve, Some(&v1), None).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = send(&operator, Method::POST, &approve, Some(&v2), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let m = pushed_manifest_with(&mut ws, &s, &token, "draft-v2").await;
    assert!(m.contains("draft-v2") && !m.contains("approved-v1"), "{m}");

    // Limits: operators set them; editors are bound by them.
    let res = send(
        &editor,
        Method::PUT,
        "/api/v1/partners/pa/limits",
        None,
        Some(json!({"priority_ceiling": 9})),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = send(
        &operator,
        Method::PUT,
        "/api/v1/partners/pa/limits",
        None,
        Some(json!({"priority_ceiling": 1, "allowed_targets": {"location_kinds": ["metro"]}})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let limits: Value = editor
        .get("/api/v1/partners/pa/limits")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(limits["priority_ceiling"], 1);
    let mut high = card("pa", "high");
    high["priority"] = json!(5);
    let res = editor.post_json("/api/v1/campaigns", high).await;
    assert_problem(res, StatusCode::FORBIDDEN, "priority-above-ceiling").await;
    let mut away = card("pa", "away");
    away["targets"] = json!({"location_kinds": ["airport"]});
    let res = editor.post_json("/api/v1/campaigns", away).await;
    assert_problem(res, StatusCode::FORBIDDEN, "target-not-allowed").await;

    // A new campaign of the editor: pending, never on screen until approved; rejection needs a reason.
    let res = editor
        .post_json("/api/v1/campaigns", card("pa", "editor-new"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["moderation"]["state"], "pending");
    let new_id = c["id"].as_str().unwrap().to_string();
    let reject = format!("/api/v1/campaigns/{new_id}/reject");
    let res = send(
        &operator,
        Method::POST,
        &reject,
        None,
        Some(json!({"reason": ""})),
    )
    .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "missing-reason").await;
    let res = send(
        &operator,
        Method::POST,
        &reject,
        None,
        Some(json!({"reason": "wrong logo"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let q: Value = editor
        .get("/api/v1/moderation/pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["items"][0]["moderation"]["reason"], "wrong logo", "{q}");
    let res = send(
        &operator,
        Method::POST,
        &format!("/api/v1/campaigns/{new_id}/approve"),
        None,
        None,
    )
    .await;
    assert_problem(res, StatusCode::CONFLICT, "not-pending").await;
    let res = admin
        .post_json("/api/v1/campaigns", card("pa", "sync-2"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let m = pushed_manifest_with(&mut ws, &s, &token, "sync-2").await;
    assert!(m.contains("sync-2") && !m.contains("editor-new"), "{m}");
}

#[tokio::test]
async fn media_lifecycle_review_and_in_use() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let operator = s.user("operator", Role::Operator, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    let editor_b = s.user("editor-b", Role::PartnerEditor, &["pb"]).await;
    let res = editor
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("pa", "card.png", png(40, 30)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["moderation"]["state"], "pending");
    let mid = m["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/media/{mid}");
    let v1 = etag(&editor.get(&path).await);
    // The uploader cannot approve it; an operator can.
    let res = send(
        &editor,
        Method::POST,
        &format!("{path}/approve"),
        None,
        None,
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let q: Value = operator
        .get("/api/v1/moderation/pending")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(q["items"][0]["kind"], "media", "{q}");
    let res = send(
        &operator,
        Method::POST,
        &format!("{path}/approve"),
        Some(&v1),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v2 = etag(&res);
    // A campaign uses it: it cannot be deleted nor moved to another partner.
    let res = admin
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "Uses the card", "partner": "pa",
            "items": [{"kind": "image", "media_id": mid}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let cid = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = send(&editor, Method::DELETE, &path, None, None).await;
    let body = assert_problem(res, StatusCode::CONFLICT, "media-in-use").await;
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("Uses the card") && detail.contains(&cid),
        "{detail}"
    );
    assert_eq!(
        body["campaigns"],
        json!([{"id": cid, "name": "Uses the card"}]),
        "{body}"
    );
    let res = send(
        &operator,
        Method::PATCH,
        &path,
        None,
        Some(json!({"partner": "pb"})),
    )
    .await;
    let body = assert_problem(res, StatusCode::CONFLICT, "media-in-use").await;
    assert_eq!(body["campaigns"][0]["id"], cid.as_str(), "{body}");
    // Renaming: its editor may, partner B's editor may not, and only operators move it.
    let res = send(
        &editor,
        Method::PATCH,
        &path,
        Some(&v2),
        Some(json!({"original_name": "renamed.png"})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v3 = etag(&res);
    assert_eq!(
        res.json::<Value>().await.unwrap()["original_name"],
        "renamed.png"
    );
    let res = send(
        &editor_b,
        Method::PATCH,
        &path,
        None,
        Some(json!({"original_name": "x.png"})),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = send(
        &editor,
        Method::PATCH,
        &path,
        None,
        Some(json!({"partner": "pb"})),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // Unused: a stale delete is refused, the current one deletes.
    let res = send(
        &admin,
        Method::DELETE,
        &format!("/api/v1/campaigns/{cid}"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = send(&editor, Method::DELETE, &path, Some(&v2), None).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = send(&editor, Method::DELETE, &path, Some(&v3), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(editor.get(&path).await.status(), StatusCode::NOT_FOUND);
}

/// The screen's manifest after the push that brought `want`: pushes of earlier changes may still be in flight
/// when a test makes its next change, so a push is followed by a fetch until the manifest holds `want` (at most
/// five pushes; the caller's assertion then names what the manifest holds).
async fn pushed_manifest_with(ws: &mut Ws, s: &TestServer, token: &str, want: &str) -> String {
    let mut m = String::new();
    for _ in 0..5 {
        assert!(
            next_of(ws, "manifest_changed").await.is_some(),
            "socket closed"
        );
        m = manifest(s, token).await;
        if m.contains(want) {
            break;
        }
    }
    m
}
