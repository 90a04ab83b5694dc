//! Airtime from actual plays over HTTP (docs/airtime.md): charts by the screens' local day and hour (plays whose
//! local day is not their UTC day), partner-editors' scope, fairness notices raised and cleared, and the public
//! figures off (404) and on.

use crate::common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use twincast_store::Role;

/// 2025-11-24 20:00 UTC: 2025-11-25 04:00 in Shanghai (+8), 2025-11-24 21:00 in Berlin (+1).
const EVENING: i64 = 1_764_014_400_000;
/// 2025-11-24 02:00 UTC: 10:00 in Shanghai, 03:00 in Berlin — the same day everywhere.
const MORNING: i64 = 1_763_949_600_000;
const MIN: i64 = 60_000;

async fn place(admin: &Session, slug: &str, tz: &str) -> String {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": slug, "name": format!("Place {slug}"), "kind": "airport", "lat": 31.5, "lon": 120.4, "tz": tz}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": format!("Screen {slug}"), "location": slug, "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// Sends unsigned plays `(id, partner, start, ms, planned ms)` from a paired device.
async fn plays(s: &TestServer, token: &str, events: &[(&str, &str, i64, i64, i64)]) {
    let events: Vec<Value> = events
        .iter()
        .map(|(id, partner, start, ms, planned)| {
            json!({"id": id, "partner": partner, "campaign": "c-unknown", "item": "i1", "started_at": start,
                "ended_at": start + ms, "planned_ms": planned})
        })
        .collect();
    let res = post(s, "/api/v1/player/plays", token)
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
}

fn close(v: &Value, want: f64) -> bool {
    (v.as_f64().unwrap_or(f64::NAN) - want).abs() < 1e-9
}

fn partner<'a>(v: &'a Value, slug: &str) -> &'a Value {
    v["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner"] == slug)
        .unwrap_or_else(|| panic!("no {slug} in {v}"))
}

#[tokio::test]
async fn airtime_is_summed_by_the_screens_local_day_hour_and_place() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pa"]).await;
    let east = place(&admin, "east", "Asia/Shanghai").await;
    let west = place(&admin, "west", "Europe/Berlin").await;
    let t_east = pair(&s, &admin, &east).await;
    let t_west = pair(&s, &admin, &west).await;
    plays(
        &s,
        &t_east,
        &[
            ("e1", "pa", EVENING, 10 * MIN, 10 * MIN),
            // Cut short: kept, never counted.
            ("e2", "pa", EVENING + 10 * MIN, MIN, 10 * MIN),
        ],
    )
    .await;
    plays(&s, &t_west, &[("w1", "pb", EVENING, 5 * MIN, 5 * MIN)]).await;

    // The UTC day puts both plays on the 24th; the screens' local days do not.
    let utc: Value = admin
        .get("/api/v1/plays/aggregates?by=day")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(utc["rows"].as_array().unwrap().len(), 1, "{utc}");
    let d: Value = admin
        .get("/api/v1/airtime/daily?from=2025-11-24&to=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["days"], json!(["2025-11-24", "2025-11-25"]));
    let pa = partner(&d, "pa");
    assert!(
        close(&pa["hours"][0], 0.0) && close(&pa["hours"][1], 10.0 / 60.0),
        "{d}"
    );
    assert_eq!(pa["plays"], 1, "the cut-short play is not counted");
    let pb = partner(&d, "pb");
    assert!(
        close(&pb["hours"][0], 5.0 / 60.0) && close(&pb["hours"][1], 0.0),
        "{d}"
    );
    assert!(close(&pa["share"], 2.0 / 3.0), "{d}");

    // A range of the 25th alone holds the Shanghai play only.
    let d25: Value = admin
        .get("/api/v1/airtime/daily?from=2025-11-25&to=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d25["partners"].as_array().unwrap().len(), 1, "{d25}");

    // Local hour of day: 04:00 in Shanghai, 21:00 in Berlin.
    let h: Value = admin
        .get("/api/v1/airtime/hours?from=2025-11-24&to=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    let rows = h["rows"].as_array().unwrap();
    let row = |p: &str| rows.iter().find(|r| r["partner"] == p).unwrap().clone();
    assert!(close(&row("pa")["hours"][4], 10.0 / 60.0), "{h}");
    assert!(close(&row("pb")["hours"][21], 5.0 / 60.0), "{h}");

    let p: Value = admin
        .get("/api/v1/airtime/places?from=2025-11-24&to=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Place east", "Place west"], "{p}");

    // A partner-editor sees its partner only and may not name another.
    let mine: Value = editor
        .get("/api/v1/airtime/daily?from=2025-11-24&to=2025-11-25")
        .await
        .json()
        .await
        .unwrap();
    let slugs: Vec<&Value> = mine["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["partner"])
        .collect();
    assert_eq!(slugs, [&json!("pa")], "{mine}");
    assert_problem(
        editor.get("/api/v1/airtime/places?partner=pb").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        admin
            .get("/api/v1/airtime/daily?from=2025-11-26&to=2025-11-24")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-range",
    )
    .await;
    assert_problem(
        admin.get("/api/v1/airtime/hours?from=24.11.2025").await,
        StatusCode::BAD_REQUEST,
        "invalid-range",
    )
    .await;

    // The console page draws the same figures in its tables.
    let html = admin
        .get("/console/airtime?from=2025-11-24&to=2025-11-25")
        .await;
    assert_eq!(html.status(), StatusCode::OK);
    let html = html.text().await.unwrap();
    assert!(
        html.contains("id=\"table-heat\"") && html.contains("Place east"),
        "{html}"
    );
    assert!(!html.contains('⟦'), "a message is missing");
}

#[tokio::test]
async fn fairness_notices_come_and_go_and_public_figures_follow_the_setting() {
    // Noon UTC on the plays' day: "today" for the fairness notice and the public figures' months.
    let clock = twincast_app::ManualClock::new(MORNING + 10 * 3_600_000);
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("editor", Role::PartnerEditor, &["pb"]).await;
    let screen = place(&admin, "east", "Asia/Shanghai").await;
    for p in ["pa", "pb"] {
        let res = admin
            .post_json(
                "/api/v1/campaigns",
                json!({"name": format!("Card {p}"), "partner": p,
                    "items": [{"kind": "html", "template": "partner_card", "data": {"city": p}}]}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let token = pair(&s, &admin, &screen).await;
    // pa had all the airtime the schedule splits evenly with pb: 50 points off.
    plays(&s, &token, &[("f1", "pa", MORNING, 10 * MIN, 10 * MIN)]).await;
    let f: Value = admin
        .get("/api/v1/airtime/fairness?day=2025-11-24")
        .await
        .json()
        .await
        .unwrap();
    let net = f["network"].as_array().unwrap();
    assert_eq!(net.len(), 2, "{f}");
    assert!(
        close(&net[0]["planned_share"], 0.5) && close(&net[0]["achieved_share"], 1.0),
        "{f}"
    );
    assert_eq!(f["notice"]["partners"], json!(["pa", "pb"]), "{f}");
    assert_eq!(f["notice"]["screens"], 1, "{f}");
    assert_eq!(f["screens"].as_array().unwrap().len(), 2, "{f}");
    let dash = admin.get("/console").await.text().await.unwrap();
    assert!(
        dash.contains("id=\"fairness-notice\""),
        "the dashboard shows the notice"
    );
    // A partner-editor sees its partner's rows only.
    let fb: Value = editor
        .get("/api/v1/airtime/fairness?day=2025-11-24")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        fb["network"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["partner"] == "pb"),
        "{fb}"
    );

    // pb catches up: the notice is gone.
    plays(
        &s,
        &token,
        &[("f2", "pb", MORNING + 10 * MIN, 10 * MIN, 10 * MIN)],
    )
    .await;
    let f: Value = admin
        .get("/api/v1/airtime/fairness")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(f["day"], "2025-11-24");
    assert!(f["notice"].is_null(), "{f}");
    // Plays are a player's, not a person's change: the dashboard read before them may be kept for up to 2 s
    // (`read_cache_ms`, by the wall clock and the app's), then shows them.
    clock.advance(2_000);
    let dash = admin.get("/console").await.text().await.unwrap();
    assert!(!dash.contains("id=\"fairness-notice\""));
    let page = admin
        .get("/console/airtime/fairness?day=2025-11-24")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"fairness-ok\""), "{page}");

    // Public figures: off by default — no page, no data.
    assert_problem(
        reqwest::get(s.url("/api/v1/public/airtime")).await.unwrap(),
        StatusCode::NOT_FOUND,
        "public-figures-off",
    )
    .await;
    let off = reqwest::get(s.url("/en/airtime")).await.unwrap();
    assert_eq!(off.status(), StatusCode::NOT_FOUND);
    // Editors may not change the settings; a bad threshold is refused; operators turn them on.
    assert_problem(
        editor
            .req(reqwest::Method::PUT, "/api/v1/airtime/settings")
            .json(&json!({"public_figures": true, "fairness_threshold_pp": 10}))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        admin
            .req(reqwest::Method::PUT, "/api/v1/airtime/settings")
            .json(&json!({"public_figures": true, "fairness_threshold_pp": 0}))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-threshold",
    )
    .await;
    let on = admin
        .req(reqwest::Method::PUT, "/api/v1/airtime/settings")
        .header("If-Match", "\"1\"")
        .json(&json!({"public_figures": true, "fairness_threshold_pp": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(on.status(), StatusCode::OK);
    assert_eq!(on.headers()["etag"], "\"2\"");
    let stale = admin
        .req(reqwest::Method::PUT, "/api/v1/airtime/settings")
        .header("If-Match", "\"1\"")
        .json(&json!({"public_figures": false, "fairness_threshold_pp": 5}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let figures: Value = reqwest::get(s.url("/api/v1/public/airtime"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        figures["months"].as_array().unwrap().last().unwrap(),
        "2025-11"
    );
    assert!(
        close(
            figures["partners"]["pa"]
                .as_array()
                .unwrap()
                .last()
                .unwrap(),
            10.0 / 60.0
        ),
        "{figures}"
    );
    for lang in ["en", "ru", "zh"] {
        let res = reqwest::get(s.url(&format!("/{lang}/airtime")))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let etag = res.headers()["etag"].clone();
        let html = res.text().await.unwrap();
        assert!(
            html.contains("id=\"airtime-figures\"") && html.contains("2025-11"),
            "{html}"
        );
        assert!(!html.contains('⟦'), "a message is missing in {lang}");
        let again = reqwest::Client::new()
            .get(s.url(&format!("/{lang}/airtime")))
            .header("If-None-Match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
}
