//! Accounts (disable, role change, password reset, If-Match), tokens, and the audit log's query and export API.

use crate::common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::{AuditEntry, Role};

async fn id_of(s: &TestServer, name: &str) -> String {
    s.state.store.user_by_name(name).await.unwrap().id
}

async fn audit_count(s: &TestServer) -> usize {
    let page = twincast_store::PageRequest {
        limit: 500,
        cursor: None,
    };
    s.state
        .store
        .list_audit(&Default::default(), &page)
        .await
        .unwrap()
        .items
        .len()
}

async fn audit(who: &Session, query: &str) -> Vec<AuditEntry> {
    let res = who.get(&format!("/api/v1/audit?limit=500{query}")).await;
    assert_eq!(res.status(), 200, "GET /api/v1/audit{query}");
    let body: Value = res.json().await.unwrap();
    assert!(body["next_cursor"].is_null());
    serde_json::from_value(body["items"].clone()).unwrap()
}

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag header")
        .to_string()
}

#[tokio::test]
async fn disabled_accounts_sessions_and_tokens_are_refused_at_the_next_request() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/users",
            json!({"username": "vic", "password": "password123", "role": "operator"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(etag(&res), "\"1\"");
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let vic = s.login("vic", "password123").await;
    let token: Value = vic
        .post_json("/api/v1/tokens", json!({"name": "ci"}))
        .await
        .json()
        .await
        .unwrap();
    let secret = token["token"].as_str().unwrap().to_string();
    let bearer = |m: Method, p: &str| Client::new().request(m, s.url(p)).bearer_auth(&secret);
    assert_eq!(vic.get("/api/v1/screens").await.status(), 200);
    assert_eq!(
        bearer(Method::GET, "/api/v1/screens")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let res = admin
        .post_json(&format!("/api/v1/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["disabled"], true);
    // The session that was live a moment ago, and the token, are refused now.
    assert_problem(
        vic.get("/api/v1/screens").await,
        StatusCode::UNAUTHORIZED,
        "session-expired",
    )
    .await;
    assert_problem(
        bearer(Method::GET, "/api/v1/screens").send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "account-disabled",
    )
    .await;
    let res = Client::new()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "vic", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Enabled again: the unrevoked token works again; the ended session stays ended.
    let res = admin
        .post_json(&format!("/api/v1/users/{id}/enable"), json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        bearer(Method::GET, "/api/v1/screens")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(vic.get("/api/v1/screens").await.status(), 401);
    let actions: Vec<String> = audit(&admin, &format!("&resource=user&resource_id={id}"))
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["user.enable", "user.disable", "user.create"]);
}

#[tokio::test]
async fn a_role_change_applies_to_the_next_request_of_a_live_session() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let v = s.user("val", Role::Viewer, &[]).await;
    let id = id_of(&s, "val").await;
    let loc =
        |slug: &str| json!({"slug": slug, "name": "L", "kind": "metro", "tz": "Asia/Shanghai"});
    assert_problem(
        v.post_json("/api/v1/locations", loc("m1")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/users/{id}"))
        .json(&json!({"role": "operator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
    assert_eq!(
        v.post_json("/api/v1/locations", loc("m2")).await.status(),
        201
    );
    // A scope that does not fit the role is refused; an unknown partner too.
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/users/{id}"))
        .json(&json!({"partners": ["pa"]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-scope").await;
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/users/{id}"))
        .json(&json!({"role": "partner-editor", "partners": ["nowhere"]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "unknown-partner").await;
    // The entry records the change, and nothing else.
    let log = audit(&admin, &format!("&action=user.update&resource_id={id}")).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].changes, json!({"role": ["viewer", "operator"]}));
    assert_eq!(log[0].actor, "root");
    assert_eq!(log[0].via, "session");
}

#[tokio::test]
async fn a_reset_password_must_be_changed_before_anything_else() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let old = s.user("pat", Role::Operator, &[]).await;
    let id = id_of(&s, "pat").await;
    let res = admin
        .post_json(
            &format!("/api/v1/users/{id}/password"),
            json!({"password": "one-time-pass"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["must_change_password"],
        true
    );
    // The account's sessions ended.
    assert_eq!(old.get("/api/v1/auth/me").await.status(), 401);
    // The old password no longer logs in; the one-time password does, and says a change is required.
    let c = Client::new();
    let login = |p: &str| {
        c.post(s.url("/api/v1/auth/login"))
            .json(&json!({"username": "pat", "password": p}))
            .send()
    };
    assert_eq!(login("password123").await.unwrap().status(), 401);
    let res = login("one-time-pass").await.unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["password_change_required"], true);
    assert!(me["user"]["last_login_at"].as_i64().is_some());
    let pat = s.login("pat", "one-time-pass").await;
    for path in ["/api/v1/screens", "/api/v1/tokens", "/api/v1/audit"] {
        assert_problem(
            pat.get(path).await,
            StatusCode::FORBIDDEN,
            "password-change-required",
        )
        .await;
    }
    assert_problem(
        pat.post_json("/api/v1/tokens", json!({"name": "sneaky"}))
            .await,
        StatusCode::FORBIDDEN,
        "password-change-required",
    )
    .await;
    assert_eq!(pat.get("/api/v1/auth/me").await.status(), 200);
    // A wrong current password, or the same one again, changes nothing.
    assert_problem(
        pat.post_json(
            "/api/v1/auth/password",
            json!({"current": "nope-nope", "new": "my-own-secret"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "wrong-password",
    )
    .await;
    assert_problem(
        pat.post_json(
            "/api/v1/auth/password",
            json!({"current": "one-time-pass", "new": "one-time-pass"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "password-unchanged",
    )
    .await;
    let before = audit_count(&s).await;
    let res = pat
        .post_json(
            "/api/v1/auth/password",
            json!({"current": "one-time-pass", "new": "my-own-secret"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(audit_count(&s).await, before + 1);
    // The same session goes on, now unrestricted; the new password logs in, the one-time one no longer.
    assert_eq!(pat.get("/api/v1/screens").await.status(), 200);
    let me: Value = pat.get("/api/v1/auth/me").await.json().await.unwrap();
    assert_eq!(me["password_change_required"], false);
    assert_eq!(login("one-time-pass").await.unwrap().status(), 401);
    assert_eq!(login("my-own-secret").await.unwrap().status(), 200);

    // The log shows both changes with markers, never a hash.
    let log = audit(&admin, &format!("&resource_id={id}")).await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.change-password", "user.reset-password", "user.create"]
    );
    assert_eq!(log[0].changes["password"], json!(["(set)", "(set)"]));
    assert_eq!(log[0].changes["must_change_password"], json!([true, false]));
    assert_eq!(log[0].actor, "pat");
    let export = admin
        .get("/api/v1/audit/export?format=jsonl")
        .await
        .text()
        .await
        .unwrap();
    assert!(!export.contains("argon2"), "no password hash in the log");
}

#[tokio::test]
async fn stale_if_match_is_412_for_accounts_and_tokens() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    s.user("sam", Role::Viewer, &[]).await;
    let id = id_of(&s, "sam").await;
    let res = admin.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(res.status(), 200);
    let v1 = etag(&res);
    let patch = |tag: &str, body: Value| {
        admin
            .req(Method::PATCH, &format!("/api/v1/users/{id}"))
            .header("if-match", tag)
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
    };
    assert_eq!(
        patch(&v1, json!({"role": "operator"}))
            .await
            .unwrap()
            .status(),
        200
    );
    let before = audit_count(&s).await;
    assert_problem(
        patch(&v1, json!({"disabled": true})).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "stale-version",
    )
    .await;
    assert_problem(
        admin
            .req(Method::POST, &format!("/api/v1/users/{id}/disable"))
            .header("if-match", &v1)
            .send()
            .await
            .unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "stale-version",
    )
    .await;
    assert_eq!(
        audit_count(&s).await,
        before,
        "refused changes write no entry"
    );
    let now: Value = admin
        .get(&format!("/api/v1/users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (now["disabled"].clone(), now["version"].clone()),
        (json!(false), json!(2))
    );

    // Tokens: GET shows the version and last use; a stale revoke is refused, a current one accepted.
    let t: Value = admin
        .post_json("/api/v1/tokens", json!({"name": "t"}))
        .await
        .json()
        .await
        .unwrap();
    let tid = t["id"].as_str().unwrap();
    let res = admin.get(&format!("/api/v1/tokens/{tid}")).await;
    assert_eq!(etag(&res), "\"1\"");
    let body: Value = res.json().await.unwrap();
    assert!(body["last_used_at"].is_null());
    assert!(
        body.get("token").is_none(),
        "the secret is shown only at creation"
    );
    let revoke = |tag: &'static str| {
        admin
            .req(Method::DELETE, &format!("/api/v1/tokens/{tid}"))
            .header("if-match", tag)
            .send()
    };
    assert_problem(
        revoke("\"7\"").await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "stale-version",
    )
    .await;
    assert_eq!(revoke("\"1\"").await.unwrap().status(), 204);
    let listed: Value = admin.get("/api/v1/tokens").await.json().await.unwrap();
    assert!(listed["items"][0]["revoked_at"].as_i64().is_some());
    let unrevoked: Value = admin
        .get("/api/v1/tokens?include_revoked=false")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unrevoked["items"], json!([]));
}

#[tokio::test]
async fn accounts_with_history_and_the_last_admin_are_kept() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let root_id = id_of(&s, "root").await;
    let worker = s.user("wes", Role::Operator, &[]).await;
    s.user("quiet", Role::Viewer, &[]).await;
    let res = worker
        .post_json("/api/v1/tokens", json!({"name": "mine"}))
        .await;
    assert_eq!(res.status(), 201);
    let wes = id_of(&s, "wes").await;
    let quiet = id_of(&s, "quiet").await;
    assert_problem(
        admin
            .req(Method::DELETE, &format!("/api/v1/users/{wes}"))
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "user-has-history",
    )
    .await;
    assert_eq!(
        admin
            .req(Method::DELETE, &format!("/api/v1/users/{quiet}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        admin.get(&format!("/api/v1/users/{quiet}")).await.status(),
        404
    );
    // An admin cannot lock itself out; the last enabled admin is kept even against the local command.
    assert_problem(
        admin
            .post_json(&format!("/api/v1/users/{root_id}/disable"), json!({}))
            .await,
        StatusCode::CONFLICT,
        "own-account",
    )
    .await;
    let last = s
        .state
        .app
        .set_user_disabled(&twincast_app::App::local_admin(), &root_id, true, None)
        .await
        .unwrap_err();
    assert_eq!(last.code(), "last-admin");
    // Lists: filters and the keyset.
    let list: Value = admin
        .get("/api/v1/users?role=operator")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["username"], "wes");
    let first: Value = admin
        .get("/api/v1/users?limit=1&sort=-username")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"][0]["username"], "wes");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = admin
        .get(&format!(
            "/api/v1/users?limit=1&sort=-username&cursor={cursor}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["username"], "root");
    assert_problem(
        admin.get("/api/v1/users?sort=sideways").await,
        StatusCode::BAD_REQUEST,
        "invalid-query",
    )
    .await;
}

#[tokio::test]
async fn audit_is_scoped_to_a_partner_editors_partners_and_filtered() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    let op = s.user("olga", Role::Operator, &[]).await;
    let viewer = s.user("vera", Role::Viewer, &[]).await;
    for slug in ["pa", "pb"] {
        let res = op
            .post_json(
                "/api/v1/partners",
                serde_json::to_value(partner_input(slug)).unwrap(),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    let ed_a = s.user("eda", Role::PartnerEditor, &["pa"]).await;
    let res = ed_a
        .req(Method::PATCH, "/api/v1/partners/pa")
        .json(&json!({"description": "by the editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = op
        .req(Method::PATCH, "/api/v1/partners/pb")
        .json(&json!({"description": "by the operator"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let alert = op
        .post_json(
            "/api/v1/alerts",
            json!({"id": "flood-1", "headline": "Flood"}),
        )
        .await;
    assert_eq!(alert.status(), 201);

    // Partner A's editor sees only entries of partner A, whatever it asks for.
    let mine = audit(&ed_a, "").await;
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(mine.iter().all(|e| e.partner.as_deref() == Some("pa")));
    assert!(audit(&ed_a, "&resource=alert").await.is_empty());
    let pb = s.state.app.partner("pb").await.unwrap();
    assert!(audit(&ed_a, &format!("&resource_id={}", pb.id))
        .await
        .is_empty());
    let csv = ed_a.get("/api/v1/audit/export").await.text().await.unwrap();
    assert!(!csv.contains("pb"), "{csv}");
    // Viewers see nothing; operators and admins everything.
    assert_problem(
        viewer.get("/api/v1/audit").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        viewer.get("/api/v1/audit/export").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Four accounts made by the test (as Twincast itself), two partners created and updated, one alert.
    let everything = audit(&op, "").await;
    assert_eq!(everything.len(), 4 + 4 + 1, "{everything:?}");
    assert_eq!(audit(&admin, "").await, everything);
    // Newest first.
    assert!(everything.windows(2).all(|w| w[0].id > w[1].id));
    assert_eq!(everything[0].action, "alert.create");
    assert_eq!(everything[0].changes["headline"], json!([null, "Flood"]));
    // Filters: action, resource, actor (name and id), time range.
    assert_eq!(audit(&op, "&action=partner.update").await.len(), 2);
    assert_eq!(audit(&op, "&resource=partner").await.len(), 4);
    assert_eq!(audit(&op, "&actor=eda").await.len(), 1);
    let eda_id = id_of(&s, "eda").await;
    assert_eq!(audit(&op, &format!("&actor_id={eda_id}")).await.len(), 1);
    let t = everything[2].at;
    let from = audit(&op, &format!("&from={t}")).await;
    assert!(from.iter().all(|e| e.at >= t) && from.len() >= 3);
    let until = audit(&op, &format!("&until={t}")).await;
    assert!(until.iter().all(|e| e.at < t));
    assert_eq!(from.len() + until.len(), everything.len());
    let iso = jiff::Timestamp::from_millisecond(t).unwrap().to_string();
    assert_eq!(audit(&op, &format!("&from={iso}")).await, from);
    assert_problem(
        op.get("/api/v1/audit?from=yesterday").await,
        StatusCode::BAD_REQUEST,
        "invalid-time",
    )
    .await;
    // Paging: one at a time, the same entries in the same order.
    let mut paged = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let q = cursor
            .as_ref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default();
        let body: Value = op
            .get(&format!("/api/v1/audit?limit=2{q}"))
            .await
            .json()
            .await
            .unwrap();
        let items: Vec<AuditEntry> = serde_json::from_value(body["items"].clone()).unwrap();
        paged.extend(items);
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, everything);
    // No API edits or deletes an entry.
    let id = &everything[0].id;
    for m in [Method::DELETE, Method::PUT, Method::PATCH, Method::POST] {
        let res = admin
            .req(m.clone(), &format!("/api/v1/audit/{id}"))
            .send()
            .await
            .unwrap();
        assert!(
            res.status() == 404 || res.status() == 405,
            "{m} → {}",
            res.status()
        );
        let res = admin.req(m.clone(), "/api/v1/audit").send().await.unwrap();
        assert!(
            res.status() == 404 || res.status() == 405,
            "{m} /api/v1/audit → {}",
            res.status()
        );
    }
    assert_eq!(audit(&op, "").await, everything);
}

#[tokio::test]
async fn csv_and_jsonl_exports_parse_back_to_the_listed_entries() {
    let s = TestServer::start().await;
    let admin = s.user("root", Role::Admin, &[]).await;
    s.partner("pa").await;
    // Entries with awkward text: quotes, commas, new lines, non-ASCII.
    let mut input = partner_input("pa");
    input.description = "Say \"hi\", then\nleave; 城市 ✓".into();
    let res = admin
        .req(Method::PUT, "/api/v1/partners/pa")
        .json(&input)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = admin
        .post_json(
            "/api/v1/alerts",
            json!({"id": "a,1", "headline": "Comma, \"quote\""}),
        )
        .await;
    assert_eq!(res.status(), 201);
    for i in 0..3 {
        let res = admin
            .post_json("/api/v1/tokens", json!({"name": format!("t{i}")}))
            .await;
        assert_eq!(res.status(), 201);
    }
    let listed = audit(&admin, "").await;
    assert!(listed.len() >= 6);

    let res = admin.get("/api/v1/audit/export?format=jsonl").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/jsonl");
    let cd = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cd.starts_with("attachment; filename=\"twincast-audit-") && cd.ends_with(".jsonl\""),
        "{cd}"
    );
    let text = res.text().await.unwrap();
    let from_jsonl: Vec<AuditEntry> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(from_jsonl, listed);

    let res = admin.get("/api/v1/audit/export?format=csv").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".csv\""));
    let text = res.text().await.unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        header,
        twincast_app::audit_query::CSV_HEADER.map(str::to_string)
    );
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let from_csv: Vec<AuditEntry> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let at: i64 = rec[1].parse().unwrap();
            assert_eq!(
                jiff::Timestamp::from_millisecond(at).unwrap().to_string(),
                &rec[2]
            );
            AuditEntry {
                id: rec[0].to_string(),
                at,
                actor_id: opt(&rec[3]),
                actor: rec[4].to_string(),
                via: rec[5].to_string(),
                via_id: opt(&rec[6]),
                action: rec[7].to_string(),
                resource: rec[8].to_string(),
                resource_id: rec[9].to_string(),
                partner: opt(&rec[10]),
                changes: serde_json::from_str(&rec[11]).unwrap(),
            }
        })
        .collect();
    assert_eq!(from_csv, listed);
    // The same filters as the list.
    let res = admin
        .get("/api/v1/audit/export?format=jsonl&resource=token")
        .await;
    let n = res.text().await.unwrap().lines().count();
    assert_eq!(n, 3);
    assert_problem(
        admin.get("/api/v1/audit/export?format=xml").await,
        StatusCode::BAD_REQUEST,
        "invalid-format",
    )
    .await;
}

#[tokio::test]
async fn pairing_claims_and_device_revocations_are_audited() {
    let s = TestServer::start().await;
    let op = s.user("olga", Role::Operator, &[]).await;
    let loc = op
        .post_json(
            "/api/v1/locations",
            json!({"slug": "airport", "name": "Airport", "kind": "airport", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(loc.status(), 201);
    let screen: Value = op
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 1", "location": "airport", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen_id = screen["id"].as_str().unwrap();
    let pairing: Value = Client::new()
        .post(s.url("/api/v1/player/pairings"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = pairing["code"].as_str().unwrap();
    let before = audit_count(&s).await;
    // A refused claim (unknown code) and a refused revocation (no device) write nothing.
    let res = op
        .post_json(
            "/api/v1/pairings/ZZZZZZ/claim",
            json!({"screen_id": screen_id}),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = op
        .req(
            Method::DELETE,
            &format!("/api/v1/screens/{screen_id}/device"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(audit_count(&s).await, before);
    let res = op
        .post_json(
            &format!("/api/v1/pairings/{code}/claim"),
            json!({"screen_id": screen_id}),
        )
        .await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = op
        .req(
            Method::DELETE,
            &format!("/api/v1/screens/{screen_id}/device"),
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    // (Other entries of the screen, such as its creation, are not this test's.)
    let log: Vec<AuditEntry> = audit(&op, &format!("&resource=screen&resource_id={screen_id}"))
        .await
        .into_iter()
        .filter(|e| e.action.ends_with("pair"))
        .collect();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["screen.unpair", "screen.pair"]);
    assert_eq!(log[1].actor, "olga");
    assert_eq!(log[0].changes["device"][1], Value::Null);
    assert_eq!(log[1].changes["device"][0], Value::Null);
    assert_eq!(log[0].changes["device"][0][0], log[1].changes["device"][1]);
}
