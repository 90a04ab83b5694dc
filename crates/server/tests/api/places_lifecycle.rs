//! The lifecycle of screens, locations and screen groups: `If-Match` (412 on a stale version, nothing changes),
//! merge patches that reach a connected player, retirement (device token dead, sockets closed, out of lists and
//! the schedule, plays kept), locations in use, and the filtered, sorted keyset lists.

use crate::common::*;
use futures::StreamExt;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use twincast_protocol::{PairingCreated, PairingRequest, PairingStatus, Push};
use twincast_store::{AuditFilter, PageRequest, Role};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn etag(res: &reqwest::Response) -> String {
    res.headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag header")
        .to_string()
}

async fn location(admin: &Session, slug: &str, kind: &str, tz: &str) -> Value {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": slug, "name": slug.to_uppercase(), "kind": kind, "lat": 52.5, "lon": 13.4, "tz": tz}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn screen(admin: &Session, name: &str, loc: &str, tags: &[&str]) -> String {
    let res = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": name, "location": loc, "width": 1920, "height": 1080, "tags": tags}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(etag(&res), "\"1\"");
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn claim(
    s: &TestServer,
    admin: &Session,
    screen_id: &str,
) -> (reqwest::Response, PairingCreated) {
    let p: PairingCreated = Client::new()
        .post(s.url("/api/v1/player/pairings"))
        .json(&PairingRequest::default())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = admin
        .post_json(
            &format!("/api/v1/pairings/{}/claim", p.code),
            json!({"screen_id": screen_id}),
        )
        .await;
    (res, p)
}

async fn pair(s: &TestServer, admin: &Session, screen_id: &str) -> String {
    let (res, p) = claim(s, admin, screen_id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: PairingStatus = Client::new()
        .get(s.url(&format!(
            "/api/v1/player/pairings/{}?secret={}",
            p.pairing_id, p.poll_secret
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    got.token.unwrap()
}

async fn ws_connect(s: &TestServer, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/player/ws?token={token}",
        s.base.replace("http://", "ws://")
    );
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next push of type `kind` (others skipped); `None` when the socket closes first. The 120 s bound only
/// keeps a broken push from hanging the suite.
async fn next_of(ws: &mut Ws, kind: &str) -> Option<Push> {
    let wait = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return Some(serde_json::from_value::<Push>(v).unwrap());
                    }
                }
                Some(Ok(Message::Close(_))) | None => return None,
                Some(Ok(_)) => {}
                Some(Err(_)) => return None,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} message"))
}

async fn patch(
    sess: &Session,
    path: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut r = sess
        .req(Method::PATCH, path)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(v) = if_match {
        r = r.header("if-match", v);
    }
    r.send().await.unwrap()
}

async fn delete(sess: &Session, path: &str, if_match: Option<&str>) -> reqwest::Response {
    let mut r = sess.req(Method::DELETE, path);
    if let Some(v) = if_match {
        r = r.header("if-match", v);
    }
    r.send().await.unwrap()
}

async fn audit_actions(s: &TestServer, resource_id: &str) -> Vec<String> {
    s.state
        .store
        .list_audit(
            &AuditFilter {
                resource_id: Some(resource_id.into()),
                ..Default::default()
            },
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn screen_patch_with_if_match_reaches_the_connected_player() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    location(&admin, "metro-1", "metro", "Europe/Berlin").await;
    location(&admin, "airport", "airport", "Asia/Shanghai").await;
    let id = screen(&admin, "Platform 1", "metro-1", &["indoor"]).await;
    let path = format!("/api/v1/screens/{id}");
    let token = pair(&s, &admin, &id).await;
    let mut ws = ws_connect(&s, &token).await;
    assert!(matches!(
        next_of(&mut ws, "hello").await,
        Some(Push::Hello { .. })
    ));
    let before = Client::new()
        .get(s.url("/api/v1/player/manifest"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let manifest_etag = etag(&before);

    let res = admin.get(&path).await;
    assert_eq!(etag(&res), "\"1\"");
    // A stale version is refused and changes nothing.
    let res = patch(&admin, &path, Some("\"7\""), json!({"name": "Renamed"})).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let now: Value = admin.get(&path).await.json().await.unwrap();
    assert_eq!(now["name"], "Platform 1");
    assert_eq!(now["version"], 1);
    // Bad values are the create's errors.
    let res = patch(&admin, &path, None, json!({"width": 0})).await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-resolution").await;
    let res = patch(&admin, &path, None, json!({"location": "nowhere"})).await;
    assert_problem(res, StatusCode::BAD_REQUEST, "unknown-location").await;

    // Turned to portrait and retagged with the current version: the player is told its new manifest.
    let res = patch(
        &admin,
        &path,
        Some("\"1\""),
        json!({"width": 1080, "height": 1920, "tags": ["outdoor"]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag(&res), "\"2\"");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["orientation"], "portrait");
    assert_eq!(v["tags"], json!(["outdoor"]));
    let Some(Push::ManifestChanged { etag: pushed, .. }) =
        next_of(&mut ws, "manifest_changed").await
    else {
        panic!("no manifest_changed after the screen changed");
    };
    assert_ne!(pushed, manifest_etag);

    // Moving it to another location takes that location's zone (it had the old one's).
    let res = patch(&admin, &path, None, json!({"location": "airport"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["location_slug"], "airport");
    assert_eq!(v["tz"], "Asia/Shanghai");
    assert_eq!(v["version"], 3);
    assert!(matches!(
        next_of(&mut ws, "manifest_changed").await,
        Some(Push::ManifestChanged { .. })
    ));
    assert_eq!(
        audit_actions(&s, &id).await,
        vec![
            "screen.update",
            "screen.update",
            "screen.pair",
            "screen.create"
        ]
    );
}

#[tokio::test]
async fn retired_screen_loses_its_token_and_lists_but_keeps_its_plays() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    location(&admin, "metro-1", "metro", "Europe/Berlin").await;
    let id = screen(&admin, "Platform 1", "metro-1", &[]).await;
    let other = screen(&admin, "Platform 2", "metro-1", &[]).await;
    let path = format!("/api/v1/screens/{id}");
    let token = pair(&s, &admin, &id).await;
    let res = Client::new()
        .post(s.url("/api/v1/player/plays"))
        .bearer_auth(&token)
        .json(
            &json!({"events": [{"id": "e1", "alert": "x", "started_at": 1000, "ended_at": 2000}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut ws = ws_connect(&s, &token).await;
    assert!(matches!(
        next_of(&mut ws, "hello").await,
        Some(Push::Hello { .. })
    ));

    // Stale: refused, nothing changes.
    let res = delete(&admin, &path, Some("\"5\"")).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = Client::new()
        .get(s.url("/api/v1/player/manifest"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let res = delete(&admin, &path, Some("\"1\"")).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // The socket is told and closed; the token is dead at once.
    assert!(matches!(
        next_of(&mut ws, "revoked").await,
        Some(Push::Revoked { .. })
    ));
    let res = Client::new()
        .get(s.url("/api/v1/player/manifest"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "device-token-revoked").await;
    // The row stays, with its plays; default lists leave it out, ?retired=true lists it.
    let v: Value = admin.get(&path).await.json().await.unwrap();
    assert!(v["retired_at"].as_i64().is_some(), "{v}");
    let sum: Value = admin
        .get(&format!("/api/v1/plays/summary?screen={id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sum["total"], 1, "{sum}");
    let list: Value = admin.get("/api/v1/screens").await.json().await.unwrap();
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![other.as_str()]);
    let list: Value = admin
        .get("/api/v1/screens?retired=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    // Out of the schedule catalog the hub loads.
    let all = s.state.store.all_core_screens().await.unwrap();
    assert!(all.iter().all(|(_, sc)| sc.id != id));
    // It cannot be changed, retired again, paired again or put in a group.
    let res = patch(&admin, &path, None, json!({"name": "Back"})).await;
    assert_problem(res, StatusCode::CONFLICT, "screen-retired").await;
    let res = delete(&admin, &path, None).await;
    assert_problem(res, StatusCode::CONFLICT, "screen-retired").await;
    let (res, _) = claim(&s, &admin, &id).await;
    assert_problem(res, StatusCode::CONFLICT, "screen-retired").await;
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "g", "name": "G", "screens": [id]}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "screen-retired").await;
    assert_eq!(
        audit_actions(&s, &id).await,
        vec!["screen.retire", "screen.pair", "screen.create"]
    );
}

#[tokio::test]
async fn location_patch_delete_and_in_use() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    location(&admin, "metro-1", "metro", "Europe/Berlin").await;
    let id = screen(&admin, "Platform 1", "metro-1", &[]).await;

    let res = viewer.get("/api/v1/locations/metro-1").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag(&res), "\"1\"");
    let res = patch(
        &viewer,
        "/api/v1/locations/metro-1",
        None,
        json!({"name": "X"}),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = patch(
        &admin,
        "/api/v1/locations/metro-1",
        Some("\"2\""),
        json!({"tz": "Europe/Paris"}),
    )
    .await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let v: Value = admin
        .get(&format!("/api/v1/screens/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["tz"], "Europe/Berlin");

    // A new zone: the screen that had the location's zone follows it.
    let res = patch(
        &admin,
        "/api/v1/locations/metro-1",
        Some("\"1\""),
        json!({"tz": "Europe/Paris", "name": "Metro One"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(etag(&res), "\"2\"");
    let v: Value = admin
        .get(&format!("/api/v1/screens/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["tz"], "Europe/Paris");
    assert_eq!(v["location"], "Metro One");
    assert_eq!(v["version"], 2);
    let res = patch(
        &admin,
        "/api/v1/locations/metro-1",
        None,
        json!({"tz": "not a zone"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // In use (even once the screen is retired): 409 naming the screen.
    let p = assert_problem(
        delete(&admin, "/api/v1/locations/metro-1", None).await,
        StatusCode::CONFLICT,
        "location-in-use",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("Platform 1"), "{p}");
    assert_eq!(
        delete(&admin, &format!("/api/v1/screens/{id}"), None)
            .await
            .status(),
        204
    );
    assert_problem(
        delete(&admin, "/api/v1/locations/metro-1", None).await,
        StatusCode::CONFLICT,
        "location-in-use",
    )
    .await;

    // An empty location: stale delete refused, then deleted.
    let l = location(&admin, "empty", "street", "Asia/Shanghai").await;
    let res = delete(&admin, "/api/v1/locations/empty", Some("\"3\"")).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    assert_eq!(
        delete(&admin, "/api/v1/locations/empty", Some("\"1\""))
            .await
            .status(),
        204
    );
    assert_eq!(admin.get("/api/v1/locations/empty").await.status(), 404);
    assert_eq!(
        audit_actions(&s, l["id"].as_str().unwrap()).await,
        vec!["location.delete", "location.create"]
    );
}

#[tokio::test]
async fn group_if_match_and_membership_push() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    location(&admin, "metro-1", "metro", "Europe/Berlin").await;
    let id = screen(&admin, "Platform 1", "metro-1", &[]).await;
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "gates", "name": "Gates"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(etag(&res), "\"1\"");
    let token = pair(&s, &admin, &id).await;
    let mut ws = ws_connect(&s, &token).await;
    assert!(matches!(
        next_of(&mut ws, "hello").await,
        Some(Push::Hello { .. })
    ));

    let res = admin
        .req(Method::PUT, "/api/v1/screen-groups/gates")
        .header("if-match", "\"4\"")
        .json(&json!({"slug": "gates", "name": "Gates", "screens": [id]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let g: Value = admin
        .get("/api/v1/screen-groups/gates")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["screens"], json!([]));

    // A campaign targets the group: joining it changes what the screen shows, and the screen is told.
    s.partner("pa").await;
    let res = admin
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "C", "partner": "pa", "targets": {"groups": ["gates"]},
                "items": [{"kind": "html", "template": "partner_card", "data": {"city": "x"}}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = patch(
        &admin,
        "/api/v1/screen-groups/gates",
        Some("\"1\""),
        json!({"screens": [id]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(etag(&res), "\"2\"");
    assert!(matches!(
        next_of(&mut ws, "manifest_changed").await,
        Some(Push::ManifestChanged { .. })
    ));
    let res = delete(&admin, "/api/v1/screen-groups/gates", Some("\"1\"")).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    assert_eq!(
        delete(&admin, "/api/v1/screen-groups/gates", Some("\"2\""))
            .await
            .status(),
        204
    );
}

/// Every id of a walk of `path` (with `&limit=3&cursor=…`), in order; fails on a repeat.
async fn walk(sess: &Session, path: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            None => format!("{path}&limit=3"),
            Some(c) => format!("{path}&limit=3&cursor={c}"),
        };
        let res = sess.get(&url).await;
        assert_eq!(res.status(), 200, "{url}");
        let page: Value = res.json().await.unwrap();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let ids: BTreeSet<&str> = out.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), out.len(), "a screen repeated in {path}");
    out
}

#[tokio::test]
async fn screen_lists_filter_sort_and_walk_every_screen_once() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    location(&admin, "airport", "airport", "Asia/Shanghai").await;
    location(&admin, "metro-1", "metro", "Europe/Berlin").await;
    let mut all = vec![];
    for i in 0..11 {
        // Names run against creation order, and two share a name (the id breaks the tie).
        let name = if i == 5 {
            "screen04".to_string()
        } else {
            format!("screen{:02}", 20 - i)
        };
        let (loc, tags): (&str, &[&str]) = if i % 2 == 0 {
            ("airport", &["indoor"])
        } else {
            ("metro-1", &["outdoor"])
        };
        all.push(screen(&admin, &name, loc, tags).await);
    }
    s.state
        .store
        .touch_screen(&all[3], twincast_store::now_ms())
        .await
        .unwrap();
    let every: BTreeSet<String> = all.iter().cloned().collect();
    for (sort, order) in [
        ("created", "asc"),
        ("created", "desc"),
        ("name", "asc"),
        ("name", "desc"),
    ] {
        let got = walk(
            &admin,
            &format!("/api/v1/screens?sort={sort}&order={order}"),
        )
        .await;
        let ids: BTreeSet<String> = got
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, every, "{sort} {order}");
        let keys: Vec<(Value, String)> = got
            .iter()
            .map(|v| {
                let k = if sort == "name" {
                    v["name"].clone()
                } else {
                    v["created_at"].clone()
                };
                (k, v["id"].as_str().unwrap().to_string())
            })
            .collect();
        for w in keys.windows(2) {
            let ord = match (&w[0].0, &w[1].0) {
                (Value::String(a), Value::String(b)) => a.cmp(b),
                (a, b) => a.as_i64().cmp(&b.as_i64()),
            }
            .then(w[0].1.cmp(&w[1].1));
            let want = if order == "asc" {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            };
            assert_eq!(ord, want, "{sort} {order}: {w:?}");
        }
    }
    let count = |path: &'static str| {
        let admin = &admin;
        async move { walk(admin, path).await.len() }
    };
    assert_eq!(count("/api/v1/screens?location=airport").await, 6);
    assert_eq!(count("/api/v1/screens?location_kind=metro").await, 5);
    assert_eq!(count("/api/v1/screens?tag=outdoor").await, 5);
    assert_eq!(
        count("/api/v1/screens?tag=outdoor&location=airport").await,
        0
    );
    assert_eq!(count("/api/v1/screens?q=SCREEN1").await, 9);
    assert_eq!(count("/api/v1/screens?q=_").await, 0);
    assert_eq!(count("/api/v1/screens?status=online").await, 1);
    assert_eq!(count("/api/v1/screens?status=never_seen").await, 10);
    assert_eq!(count("/api/v1/screens?status=offline").await, 0);
    let res = admin.get("/api/v1/screens?sort=size").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-sort").await;
    let res = admin.get("/api/v1/screens?status=asleep").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-status").await;
    // Locations and groups page too.
    let locs = walk(&admin, "/api/v1/locations?q=metro").await;
    assert_eq!(locs.len(), 1);
    for g in ["a", "b", "c", "d"] {
        let res = admin
            .post_json(
                "/api/v1/screen-groups",
                json!({"slug": g, "name": g, "screens": if g == "c" { vec![all[0].clone()] } else { vec![] }}),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    assert_eq!(walk(&admin, "/api/v1/screen-groups?q=").await.len(), 4);
    let with = walk(&admin, &format!("/api/v1/screen-groups?screen={}", all[0])).await;
    assert_eq!(with.len(), 1);
    // The screen list filtered by group: members only, combined with other filters.
    let members = walk(&admin, "/api/v1/screens?group=c").await;
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["id"], all[0].as_str());
    assert_eq!(count("/api/v1/screens?group=c&location=metro-1").await, 0);
    assert_eq!(count("/api/v1/screens?group=a").await, 0);
    let res = admin.get("/api/v1/screens?group=Not%20a%20slug").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-slug").await;
}
