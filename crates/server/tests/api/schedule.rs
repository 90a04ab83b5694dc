//! Campaigns, screen groups, `.ics`, CAP alerts, explain and simulate over real HTTP.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_server::events::ServerEvent;
use twincast_store::Role;

/// An airport location (Asia/Shanghai) with one landscape screen; returns the screen id.
async fn airport(admin: &Session) -> String {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "airport", "name": "Airport", "kind": "airport",
            "lat": 31.5, "lon": 120.4, "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let screen: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 1", "location": "airport", "width": 1920,
            "height": 1080, "tags": ["gate"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    screen["id"].as_str().unwrap().to_string()
}

fn card(partner: &str) -> Value {
    json!({"name": format!("{partner} card"), "partner": partner,
        "items": [{"kind": "html", "template": "partner_card", "data": {"city": partner}}]})
}

async fn explain_at(who: &Session, screen: &str, at: &str) -> Value {
    let res = who
        .get(&format!("/api/v1/screens/{screen}/explain?at={at}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn create_campaign(who: &Session, body: Value) -> String {
    let res = who.post_json("/api/v1/campaigns", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn send(who: &Session, m: Method, path: &str, body: Option<Value>) -> reqwest::Response {
    let mut rb = who.req(m, path);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

async fn post_xml(who: &Session, xml: &str) -> reqwest::Response {
    who.req(Method::POST, "/api/v1/alerts")
        .header("content-type", "application/cap+xml")
        .body(xml.to_string())
        .send()
        .await
        .unwrap()
}

/// A CAP 1.2 message; `info` is inserted verbatim.
fn cap(id: &str, sent: &str, msg_type: &str, references: &str, info: &str) -> String {
    let refs = if references.is_empty() {
        String::new()
    } else {
        format!("<references>{references}</references>")
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{id}</identifier><sender>ops@city</sender><sent>{sent}</sent>
  <status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}
  {info}
</alert>"#
    )
}

fn info(headline: &str) -> String {
    format!(
        r#"<info><category>Met</category><event>Flood</event><urgency>Immediate</urgency><severity>Severe</severity>
  <certainty>Observed</certainty><headline>{headline}</headline>
  <effective>2026-06-01T00:00:00+00:00</effective><expires>2026-06-02T00:00:00+00:00</expires>
  <area><areaDesc>Airport</areaDesc><geocode><valueName>location_kind</valueName><value>airport</value></geocode></area>
</info>"#
    )
}

#[tokio::test]
async fn campaign_crud_validation_and_events() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let mut events = s.state.events.subscribe();

    let res = editor.post_json("/api/v1/campaigns", card("pa")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["partner"], "pa");
    assert_eq!(c["items"][0]["duration_ms"], 10_000);
    assert_eq!(
        events.try_recv().unwrap(),
        ServerEvent::ScheduleChanged { screens: None }
    );

    let got: Value = editor
        .get(&format!("/api/v1/campaigns/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got, c);
    let list: Value = editor
        .get("/api/v1/campaigns?partner=pa")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list: Value = editor
        .get("/api/v1/campaigns?partner=pb")
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    let mut changed = card("pa");
    changed["priority"] = json!(3);
    let res = send(
        &editor,
        Method::PUT,
        &format!("/api/v1/campaigns/{id}"),
        Some(changed),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["priority"], 3);
    assert!(events.try_recv().is_ok());

    // Partner A's editor cannot move its campaign to partner B, nor create or touch B's campaigns.
    let res = send(
        &editor,
        Method::PUT,
        &format!("/api/v1/campaigns/{id}"),
        Some(card("pb")),
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(
        editor.post_json("/api/v1/campaigns", card("pb")).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let b: Value = admin
        .post_json("/api/v1/campaigns", card("pb"))
        .await
        .json()
        .await
        .unwrap();
    let b_id = b["id"].as_str().unwrap();
    let res = send(
        &editor,
        Method::DELETE,
        &format!("/api/v1/campaigns/{b_id}"),
        None,
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // A network campaign (no partner) is for operators only.
    let ticker = json!({"name": "News", "zone": "ticker", "items": [{"kind": "html", "template": "headline"}]});
    assert_problem(
        editor.post_json("/api/v1/campaigns", ticker.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        admin.post_json("/api/v1/campaigns", ticker).await.status(),
        StatusCode::CREATED
    );

    // Validation errors are 400 problems naming the field.
    let bad = [
        (
            json!({"name": "x", "partner": "pa", "weight": -1.0}),
            "invalid",
            "weight",
        ),
        (
            json!({"name": "x", "partner": "pa", "bogus": 1}),
            "invalid-body",
            "bogus",
        ),
        (
            json!({"name": "x", "partner": "nowhere"}),
            "unknown-partner",
            "unknown partner",
        ),
        (json!({"name": "x"}), "invalid", "partner is required"),
        (
            json!({"name": "x", "partner": "pa", "items": [{"kind": "web", "url": "file:///etc/passwd"}]}),
            "invalid",
            "url",
        ),
        (
            json!({"name": "x", "partner": "pa", "items": [{"kind": "video", "media_id": "nope"}]}),
            "unknown-media",
            "unknown media",
        ),
        (
            json!({"name": "x", "partner": "pa", "targets": {"groups": ["nope"]}}),
            "unknown-group",
            "unknown group",
        ),
        (
            json!({"name": "x", "partner": "pa", "recurrence": {"dtstart": "2026-01-01T00:00:00", "rrule": "FREQ=NEVER", "duration_ms": 1000}}),
            "invalid",
            "recurrence",
        ),
        (
            json!({"name": "x", "partner": "pa", "valid_from": 10, "valid_until": 5}),
            "invalid",
            "valid_until",
        ),
    ];
    for (body, code, needle) in bad {
        let res = admin.post_json("/api/v1/campaigns", body.clone()).await;
        let p = assert_problem(res, StatusCode::BAD_REQUEST, code).await;
        assert!(
            p["detail"].as_str().unwrap().contains(needle),
            "{body}: {p}"
        );
    }
    assert_problem(
        editor.get("/api/v1/campaigns?bogus=1").await,
        StatusCode::BAD_REQUEST,
        "invalid-query",
    )
    .await;
    assert_problem(
        editor.get("/api/v1/campaigns/nope").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    let res = send(
        &editor,
        Method::DELETE,
        &format!("/api/v1/campaigns/{id}"),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        editor.get(&format!("/api/v1/campaigns/{id}")).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn screen_groups_target_campaigns() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let screen = airport(&admin).await;
    let mut events = s.state.events.subscribe();
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "gates", "name": "Gates", "screens": [screen]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        events.try_recv().unwrap(),
        ServerEvent::ScheduleChanged {
            screens: Some(vec![screen.clone()])
        }
    );
    assert_problem(
        admin
            .post_json(
                "/api/v1/screen-groups",
                json!({"slug": "gates", "name": "Again"}),
            )
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_problem(
        admin
            .post_json(
                "/api/v1/screen-groups",
                json!({"slug": "Bad Slug", "name": "x"}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-slug",
    )
    .await;
    assert_problem(
        admin
            .post_json(
                "/api/v1/screen-groups",
                json!({"slug": "x", "name": "x", "screens": ["nope"]}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "unknown-screen",
    )
    .await;
    let res = send(
        &admin,
        Method::PUT,
        "/api/v1/screen-groups/gates",
        Some(json!({"slug": "other", "name": "G"})),
    )
    .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "slug-immutable").await;

    // A campaign targeting the group plays there; after the screen leaves the group it is not targeted.
    let mut c = card("pa");
    c["targets"] = json!({"groups": ["gates"]});
    let c: Value = admin
        .post_json("/api/v1/campaigns", c)
        .await
        .json()
        .await
        .unwrap();
    let e = explain_at(&admin, &screen, "2026-06-01T04:00:00Z").await;
    assert_eq!(e["playing"]["campaign"], c["id"]);
    let res = send(
        &admin,
        Method::PUT,
        "/api/v1/screen-groups/gates",
        Some(json!({"slug": "gates", "name": "G", "screens": []})),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let e = explain_at(&admin, &screen, "2026-06-01T04:00:00Z").await;
    assert!(e["playing"].is_null());
    assert_eq!(e["not_playing"][0]["reason"], "not_targeted");
    let g: Value = admin
        .get("/api/v1/screen-groups")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["items"][0]["name"], "G");
    assert_eq!(
        send(&admin, Method::DELETE, "/api/v1/screen-groups/gates", None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        admin.get("/api/v1/screen-groups/gates").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn ics_round_trip_and_errors() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let mut c = card("pa");
    c["recurrence"] = json!({"dtstart": "2026-03-02T07:30:00", "rrule": "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "exdates": ["2026-03-04T07:30:00"], "duration_ms": 5_400_000});
    let a: Value = admin
        .post_json("/api/v1/campaigns", c)
        .await
        .json()
        .await
        .unwrap();
    let b: Value = admin
        .post_json("/api/v1/campaigns", card("pa"))
        .await
        .json()
        .await
        .unwrap();
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());

    assert_problem(
        admin
            .get(&format!("/api/v1/campaigns/{b_id}/schedule.ics"))
            .await,
        StatusCode::NOT_FOUND,
        "no-recurrence",
    )
    .await;
    let res = admin
        .get(&format!(
            "/api/v1/campaigns/{a_id}/schedule.ics?tz=Europe/Berlin"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = res.text().await.unwrap();
    assert!(
        text.contains("DTSTART;TZID=Europe/Berlin:20260302T073000"),
        "{text}"
    );
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"), "{text}");
    assert_problem(
        admin
            .get(&format!(
                "/api/v1/campaigns/{a_id}/schedule.ics?tz=Mars/Base"
            ))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-time-zone",
    )
    .await;

    let import = |id: &str, ct: &str, body: String| {
        admin
            .req(
                Method::POST,
                &format!("/api/v1/campaigns/{id}/schedule.ics"),
            )
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let res = import(b_id, "text/calendar", text.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let b2: Value = res.json().await.unwrap();
    assert_eq!(
        b2["recurrence"], a["recurrence"],
        "round trip keeps RRULE, EXDATE, duration"
    );
    let res = import(b_id, "application/json", text.clone())
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected-calendar").await;
    for bad in [
        "not a calendar".to_string(),
        text.replace("FREQ=WEEKLY", "FREQ=FORTNIGHTLY"),
        text.replace("DTSTART", "XDTSTART"),
    ] {
        let res = import(b_id, "text/calendar", bad).await.unwrap();
        assert_problem(res, StatusCode::BAD_REQUEST, "invalid-ics").await;
    }
}

#[tokio::test]
async fn cap_alerts_validation_update_cancel_and_explain() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let screen = airport(&admin).await;
    let at = "2026-06-01T04:00:00Z"; // 12:00 in Shanghai
    let mut top = card("pa");
    top["priority"] = json!(5);
    let top = create_campaign(&admin, top).await;
    let low = create_campaign(&admin, card("pb")).await;
    let mut expired = card("pb");
    expired["valid_until"] = json!(1_700_000_000_000i64);
    let expired = create_campaign(&admin, expired).await;
    let mut elsewhere = card("pb");
    elsewhere["targets"] = json!({"location_kinds": ["metro"]});
    let elsewhere = create_campaign(&admin, elsewhere).await;
    let mut night = card("pb");
    night["priority"] = json!(9);
    night["recurrence"] =
        json!({"dtstart": "2026-01-01T02:00:00", "rrule": "FREQ=DAILY", "duration_ms": 3_600_000});
    let night = create_campaign(&admin, night).await;

    let reason = |e: &Value, id: &str| -> String {
        e["not_playing"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["campaign"] == id)
            .map(|n| n["reason"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{id} not in {e}"))
    };
    let e = explain_at(&admin, &screen, at).await;
    assert_eq!(e["playing"]["campaign"], top.as_str());
    assert_eq!(e["playing"]["partner"], "pa");
    assert!(e["playing"]["alert"].is_null());
    assert_eq!(reason(&e, &low), "outranked");
    assert_eq!(reason(&e, &expired), "expired");
    assert_eq!(reason(&e, &elsewhere), "not_targeted");
    assert_eq!(reason(&e, &night), "outside_recurrence");

    // Bad CAP documents: 400 naming what is wrong; nothing stored.
    let good = cap(
        "A1",
        "2026-06-01T00:00:00+00:00",
        "Alert",
        "",
        &info("Flood at the airport"),
    );
    let mut events = s.state.events.subscribe();
    let bad = [
        (good.replace("</alert>", ""), "invalid-xml", "malformed"),
        (
            good.replace(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
            )
            .replace("Flood at the airport", "&x;"),
            "dtd-not-allowed",
            "DOCTYPE",
        ),
        (good.replace("cap:1.2", "cap:1.3"), "not-cap", "namespace"),
        (cap("A0", "2026-06-01T00:00:00+00:00", "Alert", "", ""), "cap-missing-element", "<info>"),
        (good.replace("<areaDesc>Airport</areaDesc>", ""), "cap-missing-element", "<areaDesc>"),
        (good.replace("<sender>ops@city</sender>", ""), "cap-missing-element", "<sender>"),
        (good.replace("<severity>Severe</severity>", "<severity>Apocalyptic</severity>"), "cap-bad-value", "severity"),
        (cap("A9", "2026-06-01T00:00:00+00:00", "Cancel", "", ""), "cap-missing-element", "<references>"),
    ];
    for (xml, code, needle) in bad {
        let p = assert_problem(post_xml(&admin, &xml).await, StatusCode::BAD_REQUEST, code).await;
        assert!(
            p["detail"].as_str().unwrap().contains(needle),
            "{code}: {p}"
        );
    }
    let res = admin
        .req(Method::POST, "/api/v1/alerts")
        .header("content-type", "text/plain")
        .body(good.clone())
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-content-type",
    )
    .await;
    assert!(
        events.try_recv().is_err(),
        "refused alerts announce nothing"
    );
    let list: Value = admin.get("/api/v1/alerts").await.json().await.unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());

    // A good alert preempts everything on the screen.
    let res = post_xml(&admin, &good).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let a1: Value = res.json().await.unwrap();
    assert!(a1["id"].as_str().is_some_and(|i| !i.is_empty()));
    assert_eq!(
        (a1["identifier"].as_str(), a1["msg_type"].as_str()),
        (Some("A1"), Some("Alert"))
    );
    assert_eq!(events.try_recv().unwrap(), ServerEvent::AlertsChanged);
    assert_problem(
        post_xml(&admin, &good).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let e = explain_at(&admin, &screen, at).await;
    assert_eq!(e["playing"]["alert"], "A1");
    assert_eq!(e["playing"]["headline"], "Flood at the airport");
    assert_eq!(reason(&e, &top), "alert_active");

    // Update replaces its content; Cancel ends it.
    let update = cap(
        "A2",
        "2026-06-01T01:00:00+00:00",
        "Update",
        "ops@city,A1,2026-06-01T00:00:00+00:00",
        &info("Flood: use gate 4"),
    );
    assert_eq!(
        post_xml(&admin, &update).await.status(),
        StatusCode::CREATED
    );
    let e = explain_at(&admin, &screen, at).await;
    assert_eq!(e["playing"]["alert"], "A2");
    assert_eq!(e["playing"]["headline"], "Flood: use gate 4");
    let cancel = cap(
        "A3",
        "2026-06-01T02:00:00+00:00",
        "Cancel",
        "ops@city,A2,2026-06-01T01:00:00+00:00",
        "",
    );
    assert_eq!(
        post_xml(&admin, &cancel).await.status(),
        StatusCode::CREATED
    );
    let e = explain_at(&admin, &screen, at).await;
    assert!(e["playing"]["alert"].is_null(), "{e}");
    assert_eq!(e["playing"]["campaign"], top.as_str());
    assert_eq!(
        admin
            .get("/api/v1/alerts")
            .await
            .json::<Value>()
            .await
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    assert_problem(
        admin
            .get(&format!("/api/v1/screens/{screen}/explain?at=yesterday"))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-time",
    )
    .await;
    assert_problem(
        admin.get("/api/v1/screens/nope/explain").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn json_alerts_and_operator_cancel() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let screen = airport(&admin).await;
    admin.post_json("/api/v1/campaigns", card("pa")).await;
    let res = admin
        .post_json(
            "/api/v1/alerts",
            json!({"headline": "Evacuate terminal", "severity": "Extreme",
            "areas": [{"circle": {"lat": 31.5, "lon": 120.4, "radius_km": 5.0}}]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["source_format"], "json");
    let id = a["id"].as_str().unwrap();
    let now = || jiff::Timestamp::now().to_string();
    let e: Value = admin
        .get(&format!("/api/v1/screens/{screen}/explain?at={}", now()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["playing"]["headline"], "Evacuate terminal");
    let got: Value = admin
        .get(&format!("/api/v1/alerts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], id);

    let res = send(
        &admin,
        Method::POST,
        &format!("/api/v1/alerts/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    assert!(c["cancelled_at"].as_i64().is_some());
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1)).to_string();
    let e: Value = admin
        .get(&format!("/api/v1/screens/{screen}/explain?at={later}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(e["playing"]["alert"].is_null(), "{e}");
    assert_eq!(e["playing"]["partner"], "pa");
    assert_problem(
        send(&admin, Method::POST, "/api/v1/alerts/nope/cancel", None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    for (body, code) in [
        (json!({"severity": "Severe"}), "cap-missing-element"),
        (json!({"headline": "x", "bogus": true}), "invalid-body"),
        (
            json!({"headline": "x", "severity": "Catastrophic"}),
            "invalid-body",
        ),
        (
            json!({"headline": "x", "msg_type": "Cancel"}),
            "cap-missing-element",
        ),
        (json!([1, 2]), "invalid-body"),
    ] {
        assert_problem(
            admin.post_json("/api/v1/alerts", body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    let res = admin
        .req(Method::POST, "/api/v1/alerts")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-json").await;
}

#[tokio::test]
async fn simulate_shares_are_fair_and_params_checked() {
    let s = TestServer::start().await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let screen = airport(&admin).await;
    // Demo-like: 29 partners, one campaign each on every screen, items of different lengths.
    let n = 29;
    for i in 0..n {
        let slug = format!("p{i:02}");
        s.partner(&slug).await;
        let mut c = card(&slug);
        if i % 3 == 0 {
            c["items"]
                .as_array_mut()
                .unwrap()
                .push(json!({"kind": "web", "url": "https://example.org/", "duration_ms": 15_000 + i * 1000}));
        }
        assert_eq!(
            admin.post_json("/api/v1/campaigns", c).await.status(),
            StatusCode::CREATED
        );
    }
    let res = admin
        .get(&format!(
            "/api/v1/screens/{screen}/simulate?from=2026-06-01T04:00:00Z&days=2"
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let r: Value = res.json().await.unwrap();
    let partners = r["partners"].as_array().unwrap();
    assert_eq!(partners.len(), n as usize);
    let (mut sum_t, mut sum_a) = (0.0, 0.0);
    for p in partners {
        let (t, a) = (
            p["target_share"].as_f64().unwrap(),
            p["achieved_share"].as_f64().unwrap(),
        );
        assert!((t - 1.0 / n as f64).abs() < 1e-9, "{p}");
        assert!((a - t).abs() <= 0.02, "{p}");
        sum_t += t;
        sum_a += a;
    }
    assert!(
        (sum_t - 1.0).abs() < 1e-6 && (sum_a - 1.0).abs() < 1e-6,
        "{sum_t} {sum_a}"
    );

    for q in ["days=0", "days=15", "days=two", "from=soon", "bogus=1"] {
        let res = admin
            .get(&format!("/api/v1/screens/{screen}/simulate?{q}"))
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    assert_problem(
        admin.get("/api/v1/screens/nope/simulate?days=1").await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
