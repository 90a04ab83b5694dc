//! Layouts as data over HTTP: CRUD with If-Match and audit, refused zones, assignment to a screen (its own wins)
//! and a group (same orientation only), the manifest carrying the assigned layout and the push that announces it.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_protocol::{Manifest, Push};
use twincast_store::Role;

fn side_panel(slug: &str) -> Value {
    json!({"slug": slug, "name": "Main and side panel", "orientation": "landscape", "zones": [
        {"name": "main", "x": 0, "y": 0, "w": 75, "h": 100},
        {"name": "side", "x": 75, "y": 0, "w": 25, "h": 100},
        {"name": "clock", "x": 80, "y": 2, "w": 15, "h": 8, "overlay": true}]})
}

async fn manifest(s: &TestServer, token: &str) -> Manifest {
    get(s, "/api/v1/player/manifest", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn layouts_crud_with_versions_and_refused_zones() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    // The migration seeds today's two.
    let list: Value = admin.get("/api/v1/layouts").await.json().await.unwrap();
    let slugs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["landscape", "portrait"]);
    let res = admin.post_json("/api/v1/layouts", side_panel("side")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["zones"][2]["overlay"], true);
    let res = admin.post_json("/api/v1/layouts", side_panel("side")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let portrait: Value = admin
        .get("/api/v1/layouts?orientation=portrait")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(portrait["items"].as_array().unwrap().len(), 1);

    // Refused zones, each with its code.
    let zones =
        |z: Value| json!({"slug": "bad", "name": "Bad", "orientation": "landscape", "zones": z});
    for (body, code) in [
        (
            zones(json!([{"name": "main", "x": 0, "y": 0, "w": 100, "h": 101}])),
            "zone-outside-screen",
        ),
        (
            zones(json!([{"name": "main", "x": -1, "y": 0, "w": 10, "h": 10}])),
            "zone-outside-screen",
        ),
        (
            zones(
                json!([{"name": "main", "x": 0, "y": 0, "w": 60, "h": 100}, {"name": "side", "x": 50, "y": 0, "w": 50, "h": 100}]),
            ),
            "zones-overlap",
        ),
        (
            zones(json!([{"name": "side", "x": 0, "y": 0, "w": 60, "h": 100}])),
            "main-zone-count",
        ),
        (
            zones(
                json!([{"name": "main", "x": 0, "y": 0, "w": 50, "h": 100}, {"name": "main", "x": 50, "y": 0, "w": 50, "h": 100}]),
            ),
            "duplicate-zone",
        ),
        (
            zones(json!([{"name": "Main!", "x": 0, "y": 0, "w": 50, "h": 100}])),
            "invalid-zone-name",
        ),
        (
            json!({"slug": "bad", "name": "Bad", "orientation": "sideways", "zones": []}),
            "invalid-orientation",
        ),
    ] {
        assert_problem(
            admin.post_json("/api/v1/layouts", body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }

    // Update with If-Match: the current version passes, a stale one is 412; orientation is fixed.
    let mut changed = side_panel("side");
    changed["name"] = json!("Side panel");
    let res = admin
        .req(Method::PUT, "/api/v1/layouts/side")
        .header("if-match", "\"1\"")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let res = admin
        .req(Method::PATCH, "/api/v1/layouts/side")
        .header("if-match", "\"1\"")
        .json(&json!({"name": "Late"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = admin
        .req(Method::PATCH, "/api/v1/layouts/side")
        .json(&json!({"orientation": "portrait"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT, "layout-orientation").await;

    // Every change is audited.
    let audit = s
        .state
        .store
        .list_audit(
            &twincast_store::AuditFilter {
                resource: Some("layout".into()),
                ..Default::default()
            },
            &twincast_store::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["layout.update", "layout.create"]);
    assert_eq!(
        audit.items[0].changes["name"],
        json!(["Main and side panel", "Side panel"])
    );

    let res = admin
        .req(Method::DELETE, "/api/v1/layouts/side")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        admin.get("/api/v1/layouts/side").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assigned_layouts_reach_the_manifest_screen_before_group() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let token1 = pair(&s, &admin, &ids[1]).await;
    assert_eq!(
        admin
            .post_json("/api/v1/layouts", side_panel("side"))
            .await
            .status(),
        StatusCode::CREATED
    );

    // Nothing assigned: the built-in layout (no ticker content: fullscreen).
    let m = manifest(&s, &token).await;
    assert_eq!(m.shared.layout.name, "fullscreen");
    let choice: Value = admin
        .get(&format!("/api/v1/screens/{}/layout", ids[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(choice["source"], "builtin");

    // A group layout reaches every member of its orientation; the socket is told.
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "gates", "name": "Gates", "screens": ids}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut ws = ws_connect(&s, &token).await;
    let Some(Push::Hello {
        etag: Some(before), ..
    }) = next_of(&mut ws, "hello").await
    else {
        panic!("no hello");
    };
    let res = admin
        .req(Method::PUT, "/api/v1/screen-groups/gates/layout")
        .json(&json!({"layout": "landscape"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The socket is told the new ETag. (A push still in flight from the group's creation may repeat the ETag
    // the hello carried — harmless, the player's conditional GET answers 304 — so wait for the new one.)
    let mut told = vec![];
    loop {
        let Some(Push::ManifestChanged { etag, .. }) = next_of(&mut ws, "manifest_changed").await
        else {
            panic!("no manifest_changed with a new ETag; told {told:?}");
        };
        // A new ETag may still be the group's creation (its refresh can land after the hello); the layout's
        // own push follows it.
        if etag != before && manifest(&s, &token).await.shared.layout.name == "landscape" {
            break;
        }
        told.push(etag);
        assert!(
            told.len() < 4,
            "no push led to the assigned layout: {told:?}"
        );
    }
    for t in [&token, &token1] {
        let m = manifest(&s, t).await;
        assert_eq!(m.shared.layout.name, "landscape");
        let names: Vec<&str> = m
            .shared
            .layout
            .zones
            .iter()
            .map(|z| z.name.as_str())
            .collect();
        assert_eq!(names, ["main", "ticker", "clock"]);
        assert!(
            (m.shared.layout.zones[0].h - 0.9).abs() < 1e-9,
            "zones are fractions"
        );
    }

    // The screen's own layout wins over the group's, for that screen only.
    let res = admin
        .req(Method::PUT, &format!("/api/v1/screens/{}/layout", ids[0]))
        .json(&json!({"layout": "side"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let choice: Value = res.json().await.unwrap();
    assert_eq!(
        (choice["source"].as_str(), choice["layout"]["slug"].as_str()),
        (Some("screen"), Some("side"))
    );
    assert!(matches!(
        next_of(&mut ws, "manifest_changed").await,
        Some(Push::ManifestChanged { .. })
    ));
    let m = manifest(&s, &token).await;
    assert_eq!(m.shared.layout.name, "side");
    let side = &m.shared.layout.zones[1];
    assert_eq!(side.name, "side");
    assert!((side.x - 0.75).abs() < 1e-9 && (side.w - 0.25).abs() < 1e-9);
    assert_eq!(manifest(&s, &token1).await.shared.layout.name, "landscape");
    let choice: Value = admin
        .get(&format!("/api/v1/screens/{}/layout", ids[1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (choice["source"].as_str(), choice["group"].as_str()),
        (Some("group"), Some("gates"))
    );

    // An assigned layout cannot be deleted; a portrait layout does not fit; unknown layouts are refused.
    assert_problem(
        admin
            .req(Method::DELETE, "/api/v1/layouts/side")
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "layout-in-use",
    )
    .await;
    let res = admin
        .req(Method::PUT, &format!("/api/v1/screens/{}/layout", ids[0]))
        .json(&json!({"layout": "portrait"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT, "layout-orientation").await;
    let res = admin
        .req(Method::PUT, &format!("/api/v1/screens/{}/layout", ids[0]))
        .json(&json!({"layout": "nope"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "unknown-layout").await;

    // Editing the layout reaches the screen; clearing falls back to the group's.
    let mut wider = side_panel("side");
    wider["zones"] = json!([{"name": "main", "x": 0, "y": 0, "w": 70, "h": 100}, {"name": "side", "x": 70, "y": 0, "w": 30, "h": 100}]);
    let res = admin
        .req(Method::PUT, "/api/v1/layouts/side")
        .json(&wider)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(matches!(
        next_of(&mut ws, "manifest_changed").await,
        Some(Push::ManifestChanged { .. })
    ));
    assert!((manifest(&s, &token).await.shared.layout.zones[1].w - 0.3).abs() < 1e-9);
    let res = admin
        .req(Method::PUT, &format!("/api/v1/screens/{}/layout", ids[0]))
        .json(&json!({"layout": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(manifest(&s, &token).await.shared.layout.name, "landscape");
    let audit = s
        .state
        .store
        .list_audit(
            &twincast_store::AuditFilter {
                action: Some("screen.layout".into()),
                ..Default::default()
            },
            &twincast_store::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 2);
    assert_eq!(audit.items[0].changes["layout"], json!(["side", null]));
}

/// Content in free layout zones: a campaign names the free zone it plays in; the manifest of a screen whose layout
/// has that zone carries its items under `zone_items` (with their media); a screen without it does not play the
/// campaign, and explain says why.
#[tokio::test]
async fn campaigns_of_free_zones_reach_only_screens_whose_layout_has_the_zone() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let token = pair(&s, &admin, &ids[0]).await;
    let token1 = pair(&s, &admin, &ids[1]).await;
    let res = admin.post_json("/api/v1/layouts", side_panel("side")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = admin
        .req(Method::PUT, &format!("/api/v1/screens/{}/layout", ids[0]))
        .json(&json!({"layout": "side"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("pa", "poster.png", png(40, 30)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let media: Value = res.json().await.unwrap();
    let zoned = |name: &str, zone: &str| {
        json!({"name": name, "partner": "pa", "zone": zone, "targets": {"location_kinds": ["metro"]},
            "items": [{"kind": "image", "media_id": media["id"], "duration_ms": 5000},
                      {"kind": "html", "template": "headline", "data": {"title": name}}]})
    };
    // A zone a layout could not have, or the clock's, is refused.
    for bad in ["clock", "Side Panel", ""] {
        let res = admin
            .post_json("/api/v1/campaigns", zoned("bad", bad))
            .await;
        assert_problem(res, StatusCode::BAD_REQUEST, "invalid").await;
    }
    let side: Value = admin
        .post_json("/api/v1/campaigns", zoned("Side news", "side"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(side["zone"], "side");
    let weather: Value = admin
        .post_json("/api/v1/campaigns", zoned("Weather", "weather"))
        .await
        .json()
        .await
        .unwrap();
    let (side_id, weather_id) = (
        side["id"].as_str().unwrap(),
        weather["id"].as_str().unwrap(),
    );

    // The screen with the side panel: the side campaign's items (and their media), nothing for `weather`, and
    // nothing of either in the main zone.
    let m = manifest(&s, &token).await;
    assert_eq!(m.shared.layout.name, "side");
    let zones: Vec<&String> = m.shared.zone_items.keys().collect();
    assert_eq!(zones, ["side"]);
    let items = &m.shared.zone_items["side"];
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.campaign == side_id));
    assert_eq!(items[0].media.as_deref(), media["id"].as_str());
    assert!(m
        .shared
        .media
        .iter()
        .any(|x| Some(x.id.as_str()) == media["id"].as_str()));
    assert!(m.shared.items.is_empty() && m.shared.ticker.is_empty());
    let raw: Value = get(&s, "/api/v1/player/manifest", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(raw["zone_items"]["side"][1]["template"], "headline");
    // The screen with the built-in layout plays neither, and its body has no `zone_items` at all.
    let raw1: Value = get(&s, "/api/v1/player/manifest", &token1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(raw1.get("zone_items").is_none(), "{raw1}");
    assert!(raw1["media"].as_array().unwrap().is_empty(), "{raw1}");

    // Explain names each free-zone campaign and why it does (not) play.
    let why = |id: &str| {
        let admin = &admin;
        let path = format!("/api/v1/screens/{id}/explain");
        async move {
            let v: Value = admin.get(&path).await.json().await.unwrap();
            v["zones"].as_array().cloned().unwrap_or_default()
        }
    };
    let z0 = why(&ids[0]).await;
    let of = |zs: &[Value], id: &str| zs.iter().find(|z| z["campaign"] == id).cloned().unwrap();
    assert_eq!(of(&z0, side_id)["plays"], true);
    assert_eq!(of(&z0, side_id)["zone"], "side");
    assert_eq!(of(&z0, weather_id)["plays"], false);
    assert_eq!(of(&z0, weather_id)["reason"], "zone_not_in_layout");
    let z1 = why(&ids[1]).await;
    assert_eq!(of(&z1, side_id)["reason"], "zone_not_in_layout");
    // A draft in a free zone is explained the same way.
    let res = admin
        .post_json(
            "/api/v1/explain",
            json!({"draft": {"create": zoned("Draft side", "side")}, "screen": ids[0]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let e: Value = res.json().await.unwrap();
    let draft = e["zones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|z| z["campaign"] == "draft")
        .cloned()
        .unwrap();
    assert_eq!(draft["plays"], true);
}
