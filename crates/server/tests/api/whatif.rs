//! What-if over HTTP: `POST /api/v1/simulate` and `POST /api/v1/explain` with a draft; refusals are problems with
//! the codes of the campaign operations.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use twincast_store::Role;

fn card(partner: &str) -> Value {
    json!({"name": "Card", "partner": partner,
        "items": [{"kind": "html", "template": "partner_card", "data": {"city": partner}}]})
}

#[tokio::test]
async fn drafts_are_simulated_and_explained_without_being_saved() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "airport", "name": "Airport", "kind": "airport", "lat": 31.5, "lon": 120.4, "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let screen: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 1", "location": "airport", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen = screen["id"].as_str().unwrap().to_string();
    let a: Value = admin
        .post_json("/api/v1/campaigns", card("pa"))
        .await
        .json()
        .await
        .unwrap();
    let a = a["id"].as_str().unwrap().to_string();

    // A new campaign of pb halves pa's airtime on the one screen.
    let res = editor
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"create": card("pa")}, "days": 1, "from": "2026-06-01T04:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"create": card("pb")}, "days": 1, "from": "2026-06-01T04:00:00Z",
                "screens": {"location_kinds": ["airport"]}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let w: Value = res.json().await.unwrap();
    assert_eq!(w["screens"], 1);
    assert_eq!(w["classes"][0]["screens"], json!([screen]));
    assert_eq!(w["classes"][0]["time_zone"], "Asia/Shanghai");
    let pa = &w["network"]["partners"][0];
    assert_eq!(pa["slug"], "pa");
    assert!(
        (pa["before_share"].as_f64().unwrap() - 1.0).abs() < 0.01,
        "{pa}"
    );
    assert!(
        (pa["after_share"].as_f64().unwrap() - 0.5).abs() < 0.01,
        "{pa}"
    );
    assert_eq!(w["by_location_kind"][0]["location_kind"], "airport");
    // A change (partial) and a deletion.
    let res = admin
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"update": {"id": a, "changes": {"valid_until": 1}}}, "days": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let w: Value = res.json().await.unwrap();
    assert_eq!(w["network"]["after_seconds"], 0.0, "expired in 1970: {w}");
    let res = admin
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"update": {"id": a, "changes": {"weight": -1}}}, "days": 1}),
        )
        .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid").await;
    let res = admin
        .post_json("/api/v1/simulate", json!({"draft": {"delete": {"id": a}}}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let w: Value = res.json().await.unwrap();
    assert_eq!(w["days"], 7);
    assert_eq!(w["network"]["after_seconds"], 0.0);
    // Explain with a draft: the new campaign outranks `a`.
    let mut urgent = card("pb");
    urgent["priority"] = json!(3);
    let res = admin
        .post_json(
            "/api/v1/explain",
            json!({"draft": {"create": urgent}, "screen": screen, "at": "2026-06-01T04:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["playing"]["campaign"], "draft");
    assert_eq!(e["not_playing"][0]["campaign"], json!(a));
    assert_eq!(e["not_playing"][0]["reason"], "outranked");
    // Nothing was saved.
    let list: Value = admin.get("/api/v1/campaigns").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_drafts_are_problems_with_the_codes_of_create() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    for body in [
        json!({"name": "x", "partner": "pa", "weight": -1.0}),
        json!({"name": "x", "partner": "nowhere"}),
        json!({"name": "x", "partner": "pa", "items": [{"kind": "video", "media_id": "nope"}]}),
        json!({"name": "x", "partner": "pa", "targets": {"groups": ["nope"]}}),
    ] {
        let created = admin.post_json("/api/v1/campaigns", body.clone()).await;
        assert_eq!(created.status(), StatusCode::BAD_REQUEST);
        let want: Value = created.json().await.unwrap();
        let res = admin
            .post_json("/api/v1/simulate", json!({"draft": {"create": body}}))
            .await;
        let got =
            assert_problem(res, StatusCode::BAD_REQUEST, want["code"].as_str().unwrap()).await;
        assert_eq!(got["detail"], want["detail"]);
    }
    let cases = [
        (
            json!({"draft": {"create": card("pa")}, "days": 0}),
            "invalid-days",
        ),
        (
            json!({"draft": {"create": card("pa")}, "days": 15}),
            "invalid-days",
        ),
        (
            json!({"draft": {"create": card("pa")}, "from": "soon"}),
            "invalid-time",
        ),
        (
            json!({"draft": {"create": card("pa")}, "colour": "red"}),
            "invalid-body",
        ),
        (json!({"draft": {"publish": card("pa")}}), "invalid-body"),
        (
            json!({"draft": {"create": card("pa")}, "screens": {"geofence": {"type": "circle", "center": {"lat": 95.0, "lon": 0.0}, "radius_km": 1.0}}}),
            "invalid-geofence",
        ),
    ];
    for (body, want) in cases {
        let res = admin.post_json("/api/v1/simulate", body.clone()).await;
        assert_problem(res, StatusCode::BAD_REQUEST, want).await;
    }
    let res = admin
        .req(reqwest::Method::POST, "/api/v1/simulate")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-json").await;
    let res = admin
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"delete": {"id": "nope"}}}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = admin
        .post_json(
            "/api/v1/explain",
            json!({"draft": {"create": card("pa")}, "screen": "nope"}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    // Partner A's editor drafting for partner B.
    let res = editor
        .post_json("/api/v1/simulate", json!({"draft": {"create": card("pb")}}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = editor
        .post_json(
            "/api/v1/explain",
            json!({"draft": {"create": card("pb")}, "screen": "nope"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

/// A partner-editor's draft is bound by its partner's limits exactly as the real create/update is: the same 403
/// and code (priority above the ceiling, targets outside the allowed set); an operator's draft is not limited.
#[tokio::test]
async fn drafts_of_an_editor_obey_the_partner_limits() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "m1", "name": "Metro 1", "kind": "metro", "lat": 31.5, "lon": 120.4, "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let screen: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "P1", "location": "m1", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen = screen["id"].as_str().unwrap().to_string();
    let mut ok = card("pa");
    ok["targets"] = json!({"location_kinds": ["metro"]});
    let existing: Value = admin
        .post_json("/api/v1/campaigns", ok.clone())
        .await
        .json()
        .await
        .unwrap();
    let existing = existing["id"].as_str().unwrap().to_string();
    let res = admin
        .req(reqwest::Method::PUT, "/api/v1/partners/pa/limits")
        .json(&json!({"priority_ceiling": 1, "allowed_targets": {"location_kinds": ["metro"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let mut high = ok.clone();
    high["priority"] = json!(5);
    let mut away = ok.clone();
    away["targets"] = json!({"location_kinds": ["airport"]});
    let mut everywhere = ok.clone();
    everywhere["targets"] = json!({});
    let creates = [
        (high, "priority-above-ceiling"),
        (away, "target-not-allowed"),
        (everywhere, "target-not-allowed"),
    ];
    let updates = [
        (json!({"priority": 5}), "priority-above-ceiling"),
        (json!({"targets": {"tags": ["x"]}}), "target-not-allowed"),
    ];
    for (body, code) in creates {
        // The real create answers this…
        let real = editor.post_json("/api/v1/campaigns", body.clone()).await;
        let want = assert_problem(real, StatusCode::FORBIDDEN, code).await;
        // …and so do both what-if operations with it as a draft.
        let draft = json!({"create": body});
        let res = editor
            .post_json("/api/v1/simulate", json!({"draft": draft, "days": 1}))
            .await;
        let got = assert_problem(res, StatusCode::FORBIDDEN, code).await;
        assert_eq!(got["detail"], want["detail"]);
        let res = editor
            .post_json("/api/v1/explain", json!({"draft": draft, "screen": screen}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, code).await;
        // An operator is not limited.
        let res = admin
            .post_json("/api/v1/simulate", json!({"draft": draft, "days": 1}))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    for (changes, code) in updates {
        let real = editor
            .req(
                reqwest::Method::PATCH,
                &format!("/api/v1/campaigns/{existing}"),
            )
            .header("content-type", "application/merge-patch+json")
            .body(changes.to_string())
            .send()
            .await
            .unwrap();
        let want = assert_problem(real, StatusCode::FORBIDDEN, code).await;
        let draft = json!({"update": {"id": existing, "changes": changes}});
        let res = editor
            .post_json("/api/v1/simulate", json!({"draft": draft, "days": 1}))
            .await;
        let got = assert_problem(res, StatusCode::FORBIDDEN, code).await;
        assert_eq!(got["detail"], want["detail"]);
        let res = editor
            .post_json("/api/v1/explain", json!({"draft": draft, "screen": screen}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, code).await;
    }
    // Within the limits the editor's draft is answered.
    let res = editor
        .post_json(
            "/api/v1/simulate",
            json!({"draft": {"create": ok}, "days": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}
