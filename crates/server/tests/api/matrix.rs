//! Every endpoint × every role (and anonymous), including partner A's editor acting on partner B. The test also
//! checks that the table covers every operation in the OpenAPI document, so a new endpoint cannot slip past it.

use crate::common::*;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use twincast_store::Role;

struct Caller {
    name: &'static str,
    session: Option<Session>,
    anon: Client,
    base: String,
}

impl Caller {
    fn req(&self, m: Method, path: &str) -> RequestBuilder {
        match &self.session {
            Some(s) => s.req(m, path),
            None => self.anon.request(m, format!("{}{}", self.base, path)),
        }
    }
}

enum Body {
    None,
    Json(Value),
    Upload(String, Vec<u8>),
    Calendar(String),
    Chunk(Vec<u8>),
    Xml(String),
    /// A tus request: its headers (Tus-Resumable is added) and body.
    Tus(Vec<(&'static str, String)>, Vec<u8>),
}

/// Expected status per caller: anonymous, viewer, partner-editor of `pa`, operator, admin.
type Expect = [u16; 5];

#[tokio::test]
async fn authorization_matrix() {
    // Many accounts log in from one address here; the login rate limit has its own test (auth.rs).
    let s = TestServer::with(|c| {
        c.login_attempts_per_minute = 1000;
        c.interests_per_minute = 1000;
    })
    .await;
    s.partner("pa").await;
    s.partner("pb").await;
    let anon = Client::new();
    let callers = [
        Caller {
            name: "anonymous",
            session: None,
            anon: anon.clone(),
            base: s.base.clone(),
        },
        Caller {
            name: "viewer",
            session: Some(s.user("viewer", Role::Viewer, &[]).await),
            anon: anon.clone(),
            base: s.base.clone(),
        },
        Caller {
            name: "editor-a",
            session: Some(s.user("editor", Role::PartnerEditor, &["pa"]).await),
            anon: anon.clone(),
            base: s.base.clone(),
        },
        Caller {
            name: "operator",
            session: Some(s.user("operator", Role::Operator, &[]).await),
            anon: anon.clone(),
            base: s.base.clone(),
        },
        Caller {
            name: "admin",
            session: Some(s.user("admin", Role::Admin, &[]).await),
            anon: anon.clone(),
            base: s.base.clone(),
        },
    ];
    let admin = callers[4].session.as_ref().unwrap();
    // Fixtures.
    let loc: Value = admin
        .post_json("/api/v1/locations", json!({"slug": "airport", "name": "Airport", "kind": "airport", "lat": 31.5, "lon": 120.4, "tz": "Asia/Shanghai"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(loc["slug"], "airport");
    let screen: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 1", "location": "airport", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen_id = screen["id"].as_str().unwrap().to_string();
    let admin_token: Value = admin
        .post_json("/api/v1/tokens", json!({"name": "a"}))
        .await
        .json()
        .await
        .unwrap();
    let admin_token_id = admin_token["id"].as_str().unwrap().to_string();
    // Schedule fixtures: a campaign of each partner, a screen group, an alert.
    let campaign_of = |slug: &str| {
        json!({"name": "C", "partner": slug,
            "recurrence": {"dtstart": "2026-01-01T08:00:00", "rrule": "FREQ=DAILY", "duration_ms": 3_600_000},
            "items": [{"kind": "html", "template": "partner_card", "data": {"city": slug}}]})
    };
    let new_campaign = |slug: &str| {
        let body = campaign_of(slug);
        async move {
            let v: Value = admin
                .post_json("/api/v1/campaigns", body)
                .await
                .json()
                .await
                .unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    let campaign_a = new_campaign("pa").await;
    let campaign_b = new_campaign("pb").await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260101T090000\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let group = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "gates", "name": "Gates", "screens": [screen_id]}),
        )
        .await;
    assert_eq!(group.status(), 201);
    let new_alert = |n: u32| async move {
        let v: Value = admin
            .post_json(
                "/api/v1/alerts",
                json!({"id": format!("fixture-{n}"), "headline": "Test"}),
            )
            .await
            .json()
            .await
            .unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    let alert_id = new_alert(0).await;
    let locations: Value = admin.get("/api/v1/locations").await.json().await.unwrap();
    let location_id = locations["items"][0]["id"].as_str().unwrap().to_string();
    let location_id = location_id.as_str();
    // News fixtures: a fresh story by the admin in the state a row needs (`draft`, `in_review`, `published`,
    // `withdrawn`). The desk's own roles have their matrix in news.rs.
    let new_story = |n: u32, state: &'static str| async move {
        let body = json!({"rubric": "world", "versions": {"en": {"headline": format!("Matrix {n}"), "short_headline": "M"}}});
        let v: Value = admin
            .post_json("/api/v1/news/articles", body)
            .await
            .json()
            .await
            .unwrap();
        let id = v["id"].as_str().unwrap().to_string();
        let steps: &[&str] = match state {
            "in_review" => &["submit"],
            "published" => &["publish"],
            "withdrawn" => &["publish", "withdraw"],
            _ => &[],
        };
        for step in steps {
            let res = admin
                .post_json(&format!("/api/v1/news/articles/{id}/{step}"), json!({}))
                .await;
            assert_eq!(res.status(), 200, "{step}");
        }
        id
    };
    let new_ticker = |n: u32| async move {
        let v: Value = admin
            .post_json(
                "/api/v1/news/tickers",
                json!({"name": format!("Matrix ticker {n}")}),
            )
            .await
            .json()
            .await
            .unwrap();
        v["id"].as_str().unwrap().to_string()
    };
    // Account fixtures: one account every row about "another account" acts on.
    s.user("target", Role::Viewer, &[]).await;
    let target_id = s.state.store.user_by_name("target").await.unwrap().id;
    // Moderation fixtures: items awaiting review, submitted by partner A's editor or partner B's editor.
    let editor_a = callers[2].session.as_ref().unwrap();
    let editor_b = s.user("editor-b", Role::PartnerEditor, &["pb"]).await;
    let pending_campaign = |b: bool| {
        let (who, slug) = if b {
            (&editor_b, "pb")
        } else {
            (editor_a, "pa")
        };
        let body = campaign_of(slug);
        async move {
            let res = who.post_json("/api/v1/campaigns", body).await;
            assert_eq!(res.status(), 201);
            let v: Value = res.json().await.unwrap();
            assert_eq!(v["moderation"]["state"], "pending");
            v["id"].as_str().unwrap().to_string()
        }
    };
    let pending_media = |b: bool, n: u32| {
        let (who, slug) = if b {
            (&editor_b, "pb")
        } else {
            (editor_a, "pa")
        };
        async move {
            let res = who
                .req(Method::POST, "/api/v1/media")
                .multipart(multipart(slug, "p.png", png(900 + n, 10)))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
            let v: Value = res.json().await.unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    // An upload session of partner pb (b) or pa, by the admin; `fill` sends its whole content.
    let new_upload = |b: bool, n: u32, fill: bool| {
        let slug = if b { "pb" } else { "pa" };
        async move {
            let file = png(700 + n, 10);
            let res = admin
                .post_json(
                    "/api/v1/uploads",
                    json!({"partner": slug, "file_name": "u.png", "size": file.len()}),
                )
                .await;
            assert_eq!(res.status(), 201);
            let v: Value = res.json().await.unwrap();
            let url = v["url"].as_str().unwrap().to_string();
            if fill {
                let res = admin
                    .req(Method::PATCH, &url)
                    .header("upload-offset", "0")
                    .body(file.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
            }
            (url, file)
        }
    };
    let command: Value = admin
        .post_json(
            &format!("/api/v1/screens/{screen_id}/commands"),
            json!({"command": "identify"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let command_id = command["id"].as_str().unwrap().to_string();
    // Proof of play: one logged play of pb and one of pa, and a checkpoint of them.
    let play_of = |partner: &str, event: &str| twincast_core::proof::PlayRecord {
        v: 1,
        reference: twincast_store::new_id(),
        event: event.into(),
        screen: screen_id.clone(),
        location: "airport".into(),
        device: None,
        partner: Some(partner.into()),
        campaign: None,
        item: None,
        alert: None,
        media: None,
        started_at: 1_764_000_000_000,
        utc_offset_s: 28_800,
        planned_ms: Some(1_000),
        actual_ms: 1_000,
        policy: "count-v1".into(),
        counted: true,
        reason: None,
        received_at: 1_764_000_001_000,
        batch: None,
    };
    let (play_b, play_a) = (play_of("pb", "mx-b"), play_of("pa", "mx-a"));
    s.state
        .store
        .append_plays("none", None, &[play_b.clone(), play_a.clone()], 0)
        .await
        .unwrap();
    s.state.app.sign_checkpoint(None).await.unwrap();
    let layout_of = |slug: &str| {
        json!({"slug": slug, "name": "Matrix", "orientation": "landscape",
            "zones": [{"name": "main", "x": 0, "y": 0, "w": 100, "h": 100}]})
    };
    assert_eq!(
        admin
            .post_json("/api/v1/layouts", layout_of("matrix"))
            .await
            .status(),
        201
    );

    // Cooperation fixtures: a project of partner `pa`, an expression of interest, the catalogue as IATI XML.
    let project_body = |slug: &str| {
        crate::cooperation::project_json(slug, "binhu", &["DE"], &["training"], "active")
    };
    let res = admin
        .post_json("/api/v1/projects", project_body("mx"))
        .await;
    assert_eq!(res.status(), 201);
    let project_id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (interest, _) = s
        .state
        .store
        .submit_interest(
            &project_id,
            "matrix-key",
            &serde_json::from_value(json!({"organisation": "O", "country": "DE", "name": "N",
                "email": "n@example.test", "message": "M", "consent": true}))
            .unwrap(),
            0,
            i64::MAX / 2,
            &twincast_store::Outbox::default(),
        )
        .await
        .unwrap();
    let iati_xml = admin
        .get("/api/v1/iati/activities")
        .await
        .text()
        .await
        .unwrap();
    let mut covered: BTreeSet<(String, String)> = BTreeSet::new();
    let mut failures = vec![];
    let mut seed = 0u32;
    let rows: Vec<(Method, &str, Expect)> = vec![
        (
            Method::POST,
            "/api/v1/auth/login",
            [401, 401, 401, 401, 401],
        ),
        (Method::GET, "/api/v1/auth/me", [401, 200, 200, 200, 200]),
        (Method::GET, "/api/v1/users", [401, 403, 403, 403, 200]),
        (Method::POST, "/api/v1/users", [401, 403, 403, 403, 201]),
        (Method::GET, "/api/v1/users/{id}", [401, 403, 403, 403, 200]),
        (
            Method::PATCH,
            "/api/v1/users/{id}",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/users/{id}",
            [401, 403, 403, 403, 204],
        ),
        (
            Method::POST,
            "/api/v1/users/{id}/disable",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/users/{id}/enable",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/users/{id}/password",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/auth/password",
            [401, 200, 200, 200, 200],
        ),
        (Method::GET, "/api/v1/audit", [401, 403, 200, 200, 200]),
        (
            Method::GET,
            "/api/v1/audit/export",
            [401, 403, 200, 200, 200],
        ),
        (Method::GET, "/api/v1/tokens", [401, 200, 200, 200, 200]),
        (
            Method::GET,
            "/api/v1/tokens/{id}",
            [401, 404, 404, 404, 200],
        ),
        (Method::POST, "/api/v1/tokens", [401, 201, 201, 201, 201]),
        (
            Method::DELETE,
            "/api/v1/tokens/{id}",
            [401, 404, 404, 404, 204],
        ),
        (Method::GET, "/api/v1/partners", [200, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/partners", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/partners/{slug}",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/partners/{slug}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/partners/{slug}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/partners/{slug}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/partners/{slug}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/partners/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/partners/{slug}/limits",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/partners/{slug}/limits",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/moderation/pending",
            [401, 403, 200, 200, 200],
        ),
        (Method::GET, "/api/v1/locations", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/locations", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/locations/{slug}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/locations/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/locations/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::PATCH,
            "/api/v1/screens/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/screens/{id}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::PATCH,
            "/api/v1/screen-groups/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (Method::GET, "/api/v1/screens", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/screens", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/screens/{id}",
            [401, 200, 200, 200, 200],
        ),
        // Player protocol, operator side (device-token endpoints under /api/v1/player/ are tested in player.rs).
        (
            Method::POST,
            "/api/v1/pairings/{code}/claim",
            [401, 403, 403, 404, 404],
        ),
        (
            Method::POST,
            "/api/v1/screens/{id}/commands",
            [401, 403, 403, 202, 202],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/commands",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/commands/{command_id}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/screens/{id}/device",
            [401, 403, 403, 404, 404],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/status",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/screenshot",
            [401, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            "/api/v1/plays/summary",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/plays/aggregates",
            [401, 200, 200, 200, 200],
        ),
        // Airtime charts and fairness: every signed-in role reads; partner-editors only their partners (#b names
        // pb); the settings are the operators'. Public figures are off by default (404 for everyone).
        (
            Method::GET,
            "/api/v1/airtime/daily",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/airtime/daily#b",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/airtime/places",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/airtime/hours#b",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/airtime/fairness",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/airtime/settings",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/airtime",
            [404, 404, 404, 404, 404],
        ),
        (
            Method::PUT,
            "/api/v1/airtime/settings",
            [401, 403, 403, 200, 200],
        ),
        // The transparency log: hashes and signed checkpoints are public; a play's record is for the signed-in,
        // and partner-editors see only their partners' plays.
        (Method::GET, "/api/v1/proof/key", [200, 200, 200, 200, 200]),
        (
            Method::GET,
            "/api/v1/proof/checkpoint",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/proof/checkpoints",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/proof/inclusion",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/consistency",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/plays/{reference}",
            [401, 200, 404, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/plays/{reference}#own",
            [401, 200, 200, 200, 200],
        ),
        // Reports per partner: operators and admins every partner's, partner-editors their partners' only; the
        // key that checks their signatures is public.
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}#own",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}/minisig",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}/minisig#own",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}/proof",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/reports/{partner}/proof#own",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/proof/report-key",
            [200, 200, 200, 200, 200],
        ),
        (Method::GET, "/api/v1/layouts", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/layouts", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/layouts/{slug}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/layouts/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/layouts/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/layouts/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/layout",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/screens/{id}/layout",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/screen-groups/{slug}/layout",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/notifications",
            [401, 403, 403, 200, 200],
        ),
        (Method::GET, "/api/v1/media", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/media", [401, 403, 201, 201, 201]),
        (Method::POST, "/api/v1/media#b", [401, 403, 403, 201, 201]),
        (Method::GET, "/api/v1/media/{id}", [401, 200, 200, 200, 200]),
        (
            Method::PATCH,
            "/api/v1/media/{id}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/media/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/media/{id}/approve",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/media/{id}/approve#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/media/{id}/reject",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/media/{id}/reject#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/media/{id}",
            [401, 403, 204, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/media/{id}#b",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::POST,
            "/api/v1/jobs/{id}/cancel",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/jobs/{id}/cancel#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/jobs/{id}/retry",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/jobs/{id}/retry#b",
            [401, 403, 403, 200, 200],
        ),
        (Method::POST, "/api/v1/uploads", [401, 403, 201, 201, 201]),
        (Method::POST, "/api/v1/uploads#b", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/uploads/{id}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/uploads/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/uploads/{id}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/uploads/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/uploads/{id}/complete",
            [401, 403, 201, 201, 201],
        ),
        (
            Method::POST,
            "/api/v1/uploads/{id}/complete#b",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::DELETE,
            "/api/v1/uploads/{id}",
            [401, 403, 204, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/uploads/{id}#b",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/media/{id}/captions",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/media/{id}/captions/{lang}",
            [401, 403, 201, 201, 201],
        ),
        (
            Method::PUT,
            "/api/v1/media/{id}/captions/{lang}#b",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::DELETE,
            "/api/v1/media/{id}/captions/{lang}",
            [401, 403, 204, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/media/{id}/captions/{lang}#b",
            [401, 403, 403, 204, 204],
        ),
        (Method::OPTIONS, "/api/v1/tus", [204, 204, 204, 204, 204]),
        (Method::POST, "/api/v1/tus", [401, 403, 201, 201, 201]),
        (Method::POST, "/api/v1/tus#b", [401, 403, 403, 201, 201]),
        (Method::HEAD, "/api/v1/tus/{id}", [401, 403, 200, 200, 200]),
        (
            Method::HEAD,
            "/api/v1/tus/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (Method::PATCH, "/api/v1/tus/{id}", [401, 403, 204, 204, 204]),
        (
            Method::PATCH,
            "/api/v1/tus/{id}#b",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/tus/{id}",
            [401, 403, 204, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/tus/{id}#b",
            [401, 403, 403, 204, 204],
        ),
        (Method::GET, "/api/v1/campaigns", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/campaigns", [401, 403, 201, 201, 201]),
        (
            Method::POST,
            "/api/v1/campaigns#b",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/campaigns/{id}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/campaigns/{id}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/campaigns/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/campaigns/{id}",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/campaigns/{id}#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/approve",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/approve#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/reject",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/reject#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/campaigns/{id}",
            [401, 403, 204, 204, 204],
        ),
        (
            Method::DELETE,
            "/api/v1/campaigns/{id}#b",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/campaigns/{id}/schedule.ics",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/schedule.ics",
            [401, 403, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/campaigns/{id}/schedule.ics#b",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/screen-groups",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/screen-groups",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/screen-groups/{slug}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/screen-groups/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/screen-groups/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/explain",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/screens/{id}/simulate",
            [401, 200, 200, 200, 200],
        ),
        // What-if with a draft change to partner A's campaign, then to partner B's.
        (Method::POST, "/api/v1/simulate", [401, 403, 200, 200, 200]),
        (
            Method::POST,
            "/api/v1/simulate#b",
            [401, 403, 403, 200, 200],
        ),
        (Method::POST, "/api/v1/explain", [401, 403, 200, 200, 200]),
        (Method::POST, "/api/v1/explain#b", [401, 403, 403, 200, 200]),
        (Method::GET, "/api/v1/alerts", [401, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/alerts", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/alerts/{id}",
            [401, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/alerts/{id}/cancel",
            [401, 403, 403, 200, 200],
        ),
        // CAP subscriptions and geocode mapping (alerts_cap.rs): admins and operators; viewers read.
        (
            Method::GET,
            "/api/v1/alerts/sources",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/alerts/sources",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/alerts/sources/{id}",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/alerts/sources/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/alerts/sources/{id}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::POST,
            "/api/v1/alerts/sources/{id}/poll",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/alerts/sources/{id}/entries",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/alerts/{id}/approve",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/alerts/geocodes",
            [401, 200, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/alerts/geocodes",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::DELETE,
            "/api/v1/alerts/geocodes/{id}",
            [401, 403, 403, 204, 204],
        ),
        // The news desk (contributors and news editors: news.rs).
        (
            Method::GET,
            "/api/v1/news/articles",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/news/articles/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/news/articles/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/news/articles/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/news/articles/{id}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/submit",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/send-back",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/schedule",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/publish",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/withdraw",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/articles/{id}/reopen",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/news/rubrics",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/news",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/news/headlines",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/public/news/{id}/ninjs",
            [200, 200, 200, 200, 200],
        ),
        // The desk's tickers (news editors too: news_tickers.rs).
        (
            Method::GET,
            "/api/v1/news/tickers",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/tickers",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::GET,
            "/api/v1/news/tickers/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/news/tickers/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::PATCH,
            "/api/v1/news/tickers/{id}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/news/tickers/{id}",
            [401, 403, 403, 204, 204],
        ),
        // The wire sources: news editors and admins only (news_wire.rs has the desk's roles).
        (
            Method::GET,
            "/api/v1/news/sources",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/v1/news/sources",
            [401, 403, 403, 403, 201],
        ),
        (
            Method::GET,
            "/api/v1/news/sources/{id}",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::PUT,
            "/api/v1/news/sources/{id}",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/news/sources/{id}",
            [401, 403, 403, 403, 204],
        ),
        (
            Method::POST,
            "/api/v1/news/sources/{id}/poll",
            [401, 403, 403, 403, 200],
        ),
        (
            Method::GET,
            "/api/v1/news/sources/{id}/items",
            [401, 403, 403, 403, 200],
        ),
        // The cooperation catalogue (cooperation.rs).
        (Method::GET, "/api/v1/projects", [200, 200, 200, 200, 200]),
        (Method::POST, "/api/v1/projects", [401, 403, 403, 201, 201]),
        (
            Method::GET,
            "/api/v1/projects/{slug}",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/projects/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/projects/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/project-fields",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/project-fields",
            [401, 403, 403, 201, 201],
        ),
        (
            Method::PUT,
            "/api/v1/project-fields/{slug}",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::DELETE,
            "/api/v1/project-fields/{slug}",
            [401, 403, 403, 204, 204],
        ),
        (
            Method::GET,
            "/api/v1/iati/activities",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/iati/activities",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/projects/{slug}/interest-form",
            [200, 200, 200, 200, 200],
        ),
        // Public, and refused here for its form token (the form's own test sends good ones).
        (
            Method::POST,
            "/api/v1/projects/{slug}/interests",
            [400, 400, 400, 400, 400],
        ),
        (Method::GET, "/api/v1/interests", [401, 403, 403, 200, 200]),
        (
            Method::PUT,
            "/api/v1/interests/{id}/status",
            [401, 403, 403, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/auth/logout",
            [204, 204, 204, 204, 204],
        ),
        (Method::GET, "/api/v1/system", [200, 200, 200, 200, 200]),
        // The portal's public operations: the same answer for everyone.
        (Method::GET, "/api/v1/search", [200, 200, 200, 200, 200]),
        (
            Method::GET,
            "/api/v1/public/views",
            [200, 200, 200, 200, 200],
        ),
        (
            Method::POST,
            "/api/v1/public/videos/{id}/views",
            [404, 404, 404, 404, 404],
        ),
    ];
    for (method, template, expect) in &rows {
        let (path_t, variant) = template.split_once('#').unwrap_or((template, ""));
        covered.insert((method.as_str().to_lowercase(), path_t.to_string()));
        // Logout ends sessions: run it for each caller last (it is the second-to-last row; system is public).
        for (i, c) in callers.iter().enumerate() {
            seed += 1;
            let (path, body) = match (method.as_str(), path_t, variant) {
                ("GET", "/api/v1/airtime/daily" | "/api/v1/airtime/hours", "b") => {
                    (format!("{path_t}?partner=pb"), Body::None)
                }
                ("PUT", "/api/v1/airtime/settings", _) => (
                    path_t.to_string(),
                    Body::Json(json!({"public_figures": false, "fairness_threshold_pp": 10})),
                ),
                ("GET", "/api/v1/proof/inclusion", _) => {
                    ("/api/v1/proof/inclusion?index=0&size=2".into(), Body::None)
                }
                ("GET", "/api/v1/proof/consistency", _) => {
                    ("/api/v1/proof/consistency?from=1&to=2".into(), Body::None)
                }
                ("GET", "/api/v1/proof/plays/{reference}", v) => (
                    path_t.replace(
                        "{reference}",
                        if v == "own" {
                            &play_a.reference
                        } else {
                            &play_b.reference
                        },
                    ),
                    Body::None,
                ),
                ("GET", p, v) if p.starts_with("/api/v1/proof/reports/{partner}") => (
                    format!(
                        "{}?from=2025-11-24&to=2025-11-25",
                        p.replace("{partner}", if v == "own" { "pa" } else { "pb" })
                    ),
                    Body::None,
                ),
                ("POST", "/api/v1/auth/login", _) => (
                    "/api/v1/auth/login".to_string(),
                    Body::Json(json!({"username": "viewer", "password": "wrong-password"})),
                ),
                ("POST", "/api/v1/users", _) => (
                    path_t.to_string(),
                    Body::Json(
                        json!({"username": format!("u{seed}"), "password": "password123", "role": "viewer"}),
                    ),
                ),
                ("POST", "/api/v1/tokens", _) => {
                    (path_t.to_string(), Body::Json(json!({"name": "t"})))
                }
                ("DELETE", "/api/v1/tokens/{id}", _) | ("GET", "/api/v1/tokens/{id}", _) => {
                    (format!("/api/v1/tokens/{admin_token_id}"), Body::None)
                }
                ("GET", "/api/v1/users/{id}", _)
                | ("POST", "/api/v1/users/{id}/disable", _)
                | ("POST", "/api/v1/users/{id}/enable", _) => {
                    (path_t.replace("{id}", &target_id), Body::None)
                }
                ("PATCH", "/api/v1/users/{id}", _) => (
                    format!("/api/v1/users/{target_id}"),
                    Body::Json(json!({"role": "viewer"})),
                ),
                ("POST", "/api/v1/users/{id}/password", _) => (
                    format!("/api/v1/users/{target_id}/password"),
                    Body::Json(json!({"password": format!("one-time-{seed}")})),
                ),
                ("DELETE", "/api/v1/users/{id}", _) => {
                    let id = s
                        .state
                        .store
                        .create_user(
                            &format!("gone-{seed}"),
                            "not-a-hash",
                            Role::Viewer,
                            &[],
                            &twincast_store::AuditEntry::by_system("user.create", "", 0),
                        )
                        .await
                        .unwrap()
                        .id;
                    (format!("/api/v1/users/{id}"), Body::None)
                }
                ("POST", "/api/v1/auth/password", _) => (
                    path_t.to_string(),
                    Body::Json(json!({"current": "password123", "new": format!("changed-{seed}")})),
                ),
                ("POST", "/api/v1/partners", _) => (
                    path_t.to_string(),
                    Body::Json(
                        serde_json::to_value(partner_input(&format!("new-{seed}"))).unwrap(),
                    ),
                ),
                ("GET", "/api/v1/partners/{slug}", _) => ("/api/v1/partners/pa".into(), Body::None),
                ("PUT", "/api/v1/partners/{slug}", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    (
                        format!("/api/v1/partners/{slug}"),
                        Body::Json(serde_json::to_value(partner_input(slug)).unwrap()),
                    )
                }
                ("PATCH", "/api/v1/partners/{slug}", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    (
                        format!("/api/v1/partners/{slug}"),
                        Body::Json(json!({"description": format!("changed {seed}")})),
                    )
                }
                ("DELETE", "/api/v1/partners/{slug}", _) => {
                    let slug = format!("gone-{seed}");
                    s.partner(&slug).await;
                    (format!("/api/v1/partners/{slug}"), Body::None)
                }
                ("POST", "/api/v1/locations", _) => (
                    path_t.to_string(),
                    Body::Json(
                        json!({"slug": format!("loc-{seed}"), "name": "L", "kind": "metro", "tz": "Asia/Shanghai"}),
                    ),
                ),
                ("POST", "/api/v1/screens", _) => (
                    path_t.to_string(),
                    Body::Json(
                        json!({"name": format!("S{seed}"), "location": "airport", "width": 1080, "height": 1920}),
                    ),
                ),
                ("GET", "/api/v1/screens/{id}", _) => {
                    (format!("/api/v1/screens/{screen_id}"), Body::None)
                }
                ("PATCH", "/api/v1/screens/{id}", _) => (
                    format!("/api/v1/screens/{screen_id}"),
                    Body::Json(json!({"name": format!("Gate 1 ({seed})")})),
                ),
                ("DELETE", "/api/v1/screens/{id}", _) => {
                    let v: Value = admin
                        .post_json(
                            "/api/v1/screens",
                            json!({"name": format!("Retire {seed}"), "location": "airport", "width": 1920, "height": 1080}),
                        )
                        .await
                        .json()
                        .await
                        .unwrap();
                    (
                        format!("/api/v1/screens/{}", v["id"].as_str().unwrap()),
                        Body::None,
                    )
                }
                ("GET", "/api/v1/locations/{slug}", _) => {
                    ("/api/v1/locations/airport".into(), Body::None)
                }
                ("PATCH", "/api/v1/locations/{slug}", _) => (
                    "/api/v1/locations/airport".into(),
                    Body::Json(json!({"name": format!("Airport {seed}")})),
                ),
                ("DELETE", "/api/v1/locations/{slug}", _) => {
                    let slug = format!("empty-{seed}");
                    let res = admin
                        .post_json(
                            "/api/v1/locations",
                            json!({"slug": slug, "name": "Empty", "kind": "street", "tz": "Asia/Shanghai"}),
                        )
                        .await;
                    assert_eq!(res.status(), 201);
                    (format!("/api/v1/locations/{slug}"), Body::None)
                }
                ("PATCH", "/api/v1/screen-groups/{slug}", _) => (
                    "/api/v1/screen-groups/gates".into(),
                    Body::Json(json!({"name": format!("Gates {seed}")})),
                ),
                ("POST", "/api/v1/media", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    (
                        path_t.to_string(),
                        Body::Upload(slug.into(), png(10 + seed, 10)),
                    )
                }
                ("GET" | "PATCH", "/api/v1/partners/{slug}/limits", _) => {
                    ("/api/v1/partners/pa/limits".into(), Body::None)
                }
                ("PUT", "/api/v1/partners/{slug}/limits", _) => (
                    "/api/v1/partners/pa/limits".into(),
                    Body::Json(json!({"priority_ceiling": 1000 + seed})),
                ),
                ("POST", "/api/v1/media/{id}/approve" | "/api/v1/media/{id}/reject", v) => {
                    let id = pending_media(v == "b", seed).await;
                    let verb = path_t.rsplit('/').next().unwrap();
                    (
                        format!("/api/v1/media/{id}/{verb}"),
                        Body::Json(json!({"reason": "matrix"})),
                    )
                }
                ("POST", "/api/v1/campaigns/{id}/approve" | "/api/v1/campaigns/{id}/reject", v) => {
                    let id = pending_campaign(v == "b").await;
                    let verb = path_t.rsplit('/').next().unwrap();
                    (
                        format!("/api/v1/campaigns/{id}/{verb}"),
                        Body::Json(json!({"reason": "matrix"})),
                    )
                }
                ("POST", "/api/v1/uploads", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    (
                        path_t.to_string(),
                        Body::Json(json!({"partner": slug, "file_name": "u.png", "size": 100})),
                    )
                }
                ("GET" | "DELETE", "/api/v1/uploads/{id}", v) => {
                    (new_upload(v == "b", seed, false).await.0, Body::None)
                }
                ("PATCH", "/api/v1/uploads/{id}", v) => {
                    let (url, file) = new_upload(v == "b", seed, false).await;
                    (url, Body::Chunk(file))
                }
                ("POST", "/api/v1/uploads/{id}/complete", v) => {
                    let (url, _) = new_upload(v == "b", seed, true).await;
                    (format!("{url}/complete"), Body::None)
                }
                (_, "/api/v1/media/{id}/captions" | "/api/v1/media/{id}/captions/{lang}", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    let video = std::fs::read(format!(
                        "{}/../media/tests/fixtures/h264.mp4",
                        env!("CARGO_MANIFEST_DIR")
                    ))
                    .unwrap();
                    let m: Value = admin
                        .req(Method::POST, "/api/v1/media")
                        .multipart(multipart(slug, "v.mp4", video))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let id = m["id"].as_str().unwrap().to_string();
                    // A language of its own per request: `x` and two letters from the seed.
                    let lang = format!(
                        "x{}{}",
                        (b'a' + (seed / 26 % 26) as u8) as char,
                        (b'a' + (seed % 26) as u8) as char
                    );
                    let srt = "1\n00:00:01,000 --> 00:00:02,000\nmatrix\n";
                    let path = path_t.replace("{id}", &id).replace("{lang}", &lang);
                    if *method == Method::DELETE {
                        let res = admin
                            .req(Method::PUT, &path)
                            .body(srt)
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(res.status(), 201);
                    }
                    let body = if *method == Method::PUT {
                        Body::Xml(srt.to_string())
                    } else {
                        Body::None
                    };
                    (path, body)
                }
                ("POST", "/api/v1/tus", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    let meta = twincast_core::tus::encode_metadata([
                        ("filename", "t.png"),
                        ("partner", slug),
                    ]);
                    (
                        path_t.to_string(),
                        Body::Tus(
                            vec![("upload-length", "100".into()), ("upload-metadata", meta)],
                            Vec::new(),
                        ),
                    )
                }
                ("HEAD" | "DELETE" | "PATCH", "/api/v1/tus/{id}", v) => {
                    let (url, file) = new_upload(v == "b", seed, false).await;
                    let id = url.rsplit('/').next().unwrap().to_string();
                    let body = if *method == Method::PATCH {
                        Body::Tus(
                            vec![
                                ("upload-offset", "0".into()),
                                ("content-type", "application/offset+octet-stream".into()),
                            ],
                            file,
                        )
                    } else {
                        Body::Tus(Vec::new(), Vec::new())
                    };
                    (format!("/api/v1/tus/{id}"), body)
                }
                ("PATCH", "/api/v1/campaigns/{id}", v) => {
                    let id = if v == "b" { &campaign_b } else { &campaign_a };
                    (
                        format!("/api/v1/campaigns/{id}"),
                        Body::Json(json!({"name": format!("C{seed}")})),
                    )
                }
                ("GET" | "PATCH" | "DELETE", "/api/v1/media/{id}", _) => {
                    let slug = if variant == "b" { "pb" } else { "pa" };
                    let form = multipart(slug, "m.png", png(500 + seed, 10));
                    let m: Value = admin
                        .req(Method::POST, "/api/v1/media")
                        .multipart(form)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let body = if *method == Method::PATCH {
                        Body::Json(json!({"original_name": format!("n{seed}.png")}))
                    } else {
                        Body::None
                    };
                    (format!("/api/v1/media/{}", m["id"].as_str().unwrap()), body)
                }
                ("POST", "/api/v1/jobs/{id}/cancel" | "/api/v1/jobs/{id}/retry", v) => {
                    // A job of a medium of partner pa (or pb), due in an hour (no worker takes it meanwhile);
                    // cancelled already when the request retries it.
                    let slug = if v == "b" { "pb" } else { "pa" };
                    let form = multipart(slug, "j.png", png(700 + seed, 10));
                    let m: Value = admin
                        .req(Method::POST, "/api/v1/media")
                        .multipart(form)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let store = &s.state.store;
                    let later = twincast_store::now_ms() + 3_600_000;
                    let j = store
                        .enqueue_job_after("matrix", m["id"].as_str(), 1, 0, later)
                        .await
                        .unwrap();
                    let verb = path_t.rsplit('/').next().unwrap();
                    if verb == "retry" {
                        let e = twincast_store::AuditEntry::by_system("job.cancel", &j.id, later);
                        store.cancel_job(&j.id, &e).await.unwrap().unwrap();
                    }
                    (format!("/api/v1/jobs/{}/{verb}", j.id), Body::None)
                }
                ("POST", "/api/v1/campaigns", v) => {
                    let slug = if v == "b" { "pb" } else { "pa" };
                    (path_t.to_string(), Body::Json(campaign_of(slug)))
                }
                ("GET", "/api/v1/campaigns/{id}", _) => {
                    (format!("/api/v1/campaigns/{campaign_b}"), Body::None)
                }
                ("PUT", "/api/v1/campaigns/{id}", v) => {
                    let (id, slug) = if v == "b" {
                        (&campaign_b, "pb")
                    } else {
                        (&campaign_a, "pa")
                    };
                    (
                        format!("/api/v1/campaigns/{id}"),
                        Body::Json(campaign_of(slug)),
                    )
                }
                ("DELETE", "/api/v1/campaigns/{id}", v) => {
                    let id = new_campaign(if v == "b" { "pb" } else { "pa" }).await;
                    (format!("/api/v1/campaigns/{id}"), Body::None)
                }
                ("GET", "/api/v1/campaigns/{id}/schedule.ics", _) => (
                    format!("/api/v1/campaigns/{campaign_b}/schedule.ics"),
                    Body::None,
                ),
                ("POST", "/api/v1/campaigns/{id}/schedule.ics", v) => {
                    let id = if v == "b" { &campaign_b } else { &campaign_a };
                    (
                        format!("/api/v1/campaigns/{id}/schedule.ics"),
                        Body::Calendar(ics.into()),
                    )
                }
                ("POST", "/api/v1/screen-groups", _) => (
                    path_t.to_string(),
                    Body::Json(json!({"slug": format!("g-{seed}"), "name": "G"})),
                ),
                ("GET", "/api/v1/screen-groups/{slug}", _) => {
                    ("/api/v1/screen-groups/gates".into(), Body::None)
                }
                ("PUT", "/api/v1/screen-groups/{slug}", _) => (
                    "/api/v1/screen-groups/gates".into(),
                    Body::Json(
                        json!({"slug": "gates", "name": format!("Gates {seed}"), "screens": [screen_id]}),
                    ),
                ),
                ("DELETE", "/api/v1/screen-groups/{slug}", _) => {
                    let slug = format!("gone-{seed}");
                    let res = admin
                        .post_json("/api/v1/screen-groups", json!({"slug": slug, "name": "G"}))
                        .await;
                    assert_eq!(res.status(), 201);
                    (format!("/api/v1/screen-groups/{slug}"), Body::None)
                }
                ("POST", "/api/v1/simulate", v) => {
                    let id = if v == "b" { &campaign_b } else { &campaign_a };
                    (
                        path_t.to_string(),
                        Body::Json(
                            json!({"draft": {"update": {"id": id, "changes": {"weight": 2}}},
                            "from": "2026-06-01T04:00:00Z", "days": 1}),
                        ),
                    )
                }
                ("POST", "/api/v1/explain", v) => {
                    let id = if v == "b" { &campaign_b } else { &campaign_a };
                    (
                        path_t.to_string(),
                        Body::Json(json!({"draft": {"delete": {"id": id}}, "screen": screen_id,
                            "at": "2026-06-01T04:00:00Z"})),
                    )
                }
                ("GET", "/api/v1/screens/{id}/explain", _) => (
                    format!("/api/v1/screens/{screen_id}/explain?at=2026-06-01T04:00:00Z"),
                    Body::None,
                ),
                ("GET", "/api/v1/screens/{id}/simulate", _) => (
                    format!(
                        "/api/v1/screens/{screen_id}/simulate?from=2026-06-01T04:00:00Z&days=1"
                    ),
                    Body::None,
                ),
                ("POST", "/api/v1/alerts", _) => (
                    path_t.to_string(),
                    Body::Json(json!({"id": format!("a-{seed}"), "headline": "Matrix"})),
                ),
                ("GET", "/api/v1/alerts/{id}", _) => {
                    (format!("/api/v1/alerts/{alert_id}"), Body::None)
                }
                ("POST", "/api/v1/alerts/{id}/cancel", _) => {
                    let id = new_alert(seed).await;
                    (format!("/api/v1/alerts/{id}/cancel"), Body::None)
                }
                ("POST", "/api/v1/alerts/sources", _) => (
                    path_t.to_string(),
                    Body::Json(cap_source(&format!("M {seed}"))),
                ),
                (_, p, _) if p.starts_with("/api/v1/alerts/sources/{id}") => {
                    let res = admin
                        .post_json("/api/v1/alerts/sources", cap_source(&format!("F {seed}")))
                        .await;
                    assert_eq!(res.status(), 201);
                    let v: Value = res.json().await.unwrap();
                    let body = if method == Method::PUT {
                        Body::Json(cap_source(&format!("G {seed}")))
                    } else {
                        Body::None
                    };
                    (p.replace("{id}", v["id"].as_str().unwrap()), body)
                }
                ("POST", "/api/v1/alerts/{id}/approve", _) => {
                    let res = admin
                        .post_json("/api/v1/alerts/sources", cap_source(&format!("H {seed}")))
                        .await;
                    let src: Value = res.json().await.unwrap();
                    let src = src["id"].as_str().unwrap();
                    let form: twincast_core::AlertForm = serde_json::from_value(
                        json!({"id": format!("held-{seed}"), "sent": "2026-06-01T00:00:00Z", "headline": "Held"}),
                    )
                    .unwrap();
                    let alert = twincast_core::Alert::from_form(form).unwrap();
                    let id = twincast_store::new_id();
                    let entry = twincast_store::AlertSourceEntry {
                        source_id: src.to_string(),
                        entry_id: format!("e-{seed}"),
                        outcome: "held".into(),
                        code: String::new(),
                        alert_id: None,
                        fetched_at: 0,
                    };
                    let audit = twincast_store::AuditEntry::by_system("alert.hold", "", 0);
                    s.state
                        .store
                        .import_alert(
                            &id,
                            &alert,
                            "{}",
                            src,
                            true,
                            &entry,
                            &audit,
                            &Default::default(),
                        )
                        .await
                        .unwrap();
                    (format!("/api/v1/alerts/{id}/approve"), Body::None)
                }
                ("POST", "/api/v1/alerts/geocodes", _) => (
                    path_t.to_string(),
                    Body::Json(
                        json!({"value_name": "EMMA_ID", "value": format!("M{seed}"), "location_id": location_id}),
                    ),
                ),
                ("DELETE", "/api/v1/alerts/geocodes/{id}", _) => {
                    let v: Value = admin
                        .post_json(
                            "/api/v1/alerts/geocodes",
                            json!({"value_name": "EMMA_ID", "value": format!("D{seed}"), "location_id": location_id}),
                        )
                        .await
                        .json()
                        .await
                        .unwrap();
                    (
                        format!("/api/v1/alerts/geocodes/{}", v["id"].as_str().unwrap()),
                        Body::None,
                    )
                }
                ("POST", "/api/v1/pairings/{code}/claim", _) => (
                    "/api/v1/pairings/ZZZZZZ/claim".into(),
                    Body::Json(json!({"screen_id": screen_id})),
                ),
                ("POST", "/api/v1/layouts", _) => (
                    path_t.to_string(),
                    Body::Json(layout_of(&format!("lay-{seed}"))),
                ),
                ("GET", "/api/v1/layouts/{slug}", _) => {
                    ("/api/v1/layouts/landscape".into(), Body::None)
                }
                ("PUT", "/api/v1/layouts/{slug}", _) => (
                    "/api/v1/layouts/matrix".into(),
                    Body::Json(layout_of("matrix")),
                ),
                ("PATCH", "/api/v1/layouts/{slug}", _) => (
                    "/api/v1/layouts/matrix".into(),
                    Body::Json(json!({"name": format!("M {seed}")})),
                ),
                ("DELETE", "/api/v1/layouts/{slug}", _) => {
                    let slug = format!("gone-{seed}");
                    let res = admin.post_json("/api/v1/layouts", layout_of(&slug)).await;
                    assert_eq!(res.status(), 201);
                    (format!("/api/v1/layouts/{slug}"), Body::None)
                }
                ("PUT", "/api/v1/screens/{id}/layout", _) => (
                    format!("/api/v1/screens/{screen_id}/layout"),
                    Body::Json(json!({"layout": "matrix"})),
                ),
                ("PUT", "/api/v1/screen-groups/{slug}/layout", _) => (
                    "/api/v1/screen-groups/gates/layout".into(),
                    Body::Json(json!({"layout": "landscape"})),
                ),
                ("GET", "/api/v1/screens/{id}/commands/{command_id}", _) => (
                    format!("/api/v1/screens/{screen_id}/commands/{command_id}"),
                    Body::None,
                ),
                ("POST", "/api/v1/screens/{id}/commands", _) => (
                    format!("/api/v1/screens/{screen_id}/commands"),
                    Body::Json(json!({"command": "identify"})),
                ),
                (_, p, _) if p.starts_with("/api/v1/screens/{id}/") => {
                    (p.replace("{id}", &screen_id), Body::None)
                }
                ("GET", "/api/v1/search", _) => ("/api/v1/search?q=city".into(), Body::None),
                ("POST", "/api/v1/projects", _) => (
                    path_t.to_string(),
                    Body::Json(project_body(&format!("new-{seed}"))),
                ),
                ("GET", "/api/v1/projects/{slug}", _)
                | ("GET", "/api/v1/projects/{slug}/interest-form", _) => {
                    (path_t.replace("{slug}", "mx"), Body::None)
                }
                ("PUT", "/api/v1/projects/{slug}", _) => {
                    ("/api/v1/projects/mx".into(), Body::Json(project_body("mx")))
                }
                ("DELETE", "/api/v1/projects/{slug}", _) => {
                    let slug = format!("gone-{seed}");
                    let res = admin
                        .post_json("/api/v1/projects", project_body(&slug))
                        .await;
                    assert_eq!(res.status(), 201);
                    (format!("/api/v1/projects/{slug}"), Body::None)
                }
                ("POST", "/api/v1/project-fields", _) => (
                    path_t.to_string(),
                    Body::Json(
                        json!({"slug": format!("f{seed}"), "names": {"ru": "П", "en": "F", "zh": "领"}, "dac": [11330], "sdg": [4]}),
                    ),
                ),
                ("PUT", "/api/v1/project-fields/{slug}", _) => (
                    "/api/v1/project-fields/tourism".into(),
                    Body::Json(
                        json!({"slug": "tourism", "names": {"ru": "Туризм", "en": "Tourism", "zh": "旅游"}, "dac": [33210], "sdg": [8]}),
                    ),
                ),
                ("DELETE", "/api/v1/project-fields/{slug}", _) => {
                    let slug = format!("gone-{seed}");
                    let res = admin
                        .post_json("/api/v1/project-fields", json!({"slug": slug, "names": {"ru": "П", "en": "F", "zh": "领"}, "dac": [], "sdg": []}))
                        .await;
                    assert_eq!(res.status(), 201);
                    (format!("/api/v1/project-fields/{slug}"), Body::None)
                }
                ("POST", "/api/v1/iati/activities", _) => {
                    (path_t.to_string(), Body::Xml(iati_xml.clone()))
                }
                ("POST", "/api/v1/projects/{slug}/interests", _) => (
                    "/api/v1/projects/mx/interests".into(),
                    Body::Json(
                        json!({"organisation": "O", "country": "DE", "name": "N", "email": "n@example.test",
                        "message": "M", "consent": true, "token": "1.2.3", "website": ""}),
                    ),
                ),
                ("PUT", "/api/v1/interests/{id}/status", _) => (
                    format!("/api/v1/interests/{}/status", interest.id),
                    Body::Json(json!({"status": "forwarded"})),
                ),
                ("GET", "/api/v1/public/views", _) => (
                    "/api/v1/public/views?from=2026-01-01&to=2026-01-31".into(),
                    Body::None,
                ),
                ("POST", "/api/v1/news/articles", _) | ("PUT", "/api/v1/news/articles/{id}", _) => {
                    let body = json!({"rubric": "city", "versions": {"en": {"headline": format!("M {seed}"), "short_headline": "M"}}});
                    let path = if method == Method::PUT {
                        path_t.replace("{id}", &new_story(seed, "draft").await)
                    } else {
                        path_t.to_string()
                    };
                    (path, Body::Json(body))
                }
                ("PATCH", "/api/v1/news/articles/{id}", _) => (
                    path_t.replace("{id}", &new_story(seed, "draft").await),
                    Body::Json(json!({"rubric": "culture"})),
                ),
                ("POST", "/api/v1/news/articles/{id}/schedule", _) => (
                    path_t.replace("{id}", &new_story(seed, "draft").await),
                    Body::Json(json!({"at": "2099-01-01T00:00:00Z"})),
                ),
                (_, p, _) if p.starts_with("/api/v1/news/articles/{id}") => {
                    let state = match p.rsplit('/').next() {
                        Some("send-back") => "in_review",
                        Some("withdraw") => "published",
                        Some("reopen") => "withdrawn",
                        _ => "draft",
                    };
                    (p.replace("{id}", &new_story(seed, state).await), Body::None)
                }
                ("POST", "/api/v1/news/tickers", _) => (
                    path_t.to_string(),
                    Body::Json(json!({"name": format!("T {seed}")})),
                ),
                (m, p, _) if p.starts_with("/api/v1/news/tickers/{id}") => (
                    p.replace("{id}", &new_ticker(seed).await),
                    match m {
                        "PUT" => Body::Json(json!({"name": format!("T {seed}"), "max_items": 3})),
                        "PATCH" => Body::Json(json!({"enabled": false})),
                        _ => Body::None,
                    },
                ),
                ("POST", "/api/v1/news/sources", _) => (
                    path_t.to_string(),
                    Body::Json(wire_source(&format!("M {seed}"))),
                ),
                (_, p, _) if p.starts_with("/api/v1/news/sources/{id}") => {
                    let res = admin
                        .post_json("/api/v1/news/sources", wire_source(&format!("F {seed}")))
                        .await;
                    assert_eq!(res.status(), 201);
                    let v: Value = res.json().await.unwrap();
                    let body = if method == Method::PUT {
                        Body::Json(wire_source(&format!("G {seed}")))
                    } else {
                        Body::None
                    };
                    (p.replace("{id}", v["id"].as_str().unwrap()), body)
                }
                ("GET", "/api/v1/public/news", _) => {
                    ("/api/v1/public/news?lang=en".into(), Body::None)
                }
                ("GET", "/api/v1/public/news/headlines", _) => (
                    "/api/v1/public/news/headlines?lang=zh&tags=forum".into(),
                    Body::None,
                ),
                ("GET", "/api/v1/public/news/{id}/ninjs", _) => (
                    format!(
                        "/api/v1/public/news/{}/ninjs",
                        new_story(seed, "published").await
                    ),
                    Body::None,
                ),
                ("POST", "/api/v1/public/videos/{id}/views", _) => (
                    "/api/v1/public/videos/no-such-video/views".into(),
                    Body::None,
                ),
                _ => (path_t.to_string(), Body::None),
            };
            let mut rb = c.req(method.clone(), &path);
            rb = match body {
                Body::None => rb,
                Body::Json(v) => rb.json(&v),
                Body::Upload(slug, bytes) => rb.multipart(multipart(&slug, "u.png", bytes)),
                Body::Calendar(text) => rb.header("content-type", "text/calendar").body(text),
                Body::Chunk(bytes) => rb.header("upload-offset", "0").body(bytes),
                Body::Xml(text) => rb.header("content-type", "application/xml").body(text),
                Body::Tus(headers, bytes) => {
                    let mut rb = rb.header("tus-resumable", "1.0.0");
                    for (k, v) in headers {
                        rb = rb.header(k, v);
                    }
                    rb.body(bytes)
                }
            };
            let got = rb.send().await.unwrap().status().as_u16();
            if got != expect[i] {
                failures.push(format!(
                    "{method} {template} as {}: expected {}, got {got}",
                    c.name, expect[i]
                ));
            }
            // Admin's token is revoked once; recreate for the next callers is not needed (others get 404 anyway).
            let _ = i;
        }
    }
    assert!(
        failures.is_empty(),
        "authorization matrix mismatches:\n{}",
        failures.join("\n")
    );

    // Every documented operation is in the table.
    let doc: Value = Client::new()
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            // Device-token endpoints of players are covered by their own tests (player.rs).
            if path.starts_with("/api/v1/player/") {
                continue;
            }
            if ["get", "post", "put", "delete", "patch"].contains(&m.as_str()) {
                documented.insert((m.clone(), path.clone()));
            }
        }
    }
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "operations missing from the authorization matrix: {missing:?}"
    );
}

/// A wire source whose feed is a closed loopback port: a poll of it fails fast and is still a 200.
fn cap_source(name: &str) -> Value {
    json!({"name": name, "url": "http://127.0.0.1:9/cap.xml", "moderation": "hold", "enabled": false})
}

fn wire_source(name: &str) -> Value {
    json!({"name": name, "url": "http://127.0.0.1:9/feed.xml", "rubric": "world", "moderation": "review", "enabled": false})
}
