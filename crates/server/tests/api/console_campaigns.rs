//! The console's campaigns and moderation queue (pages under `/console/campaigns` and `/console/moderation`): the
//! editor's form (create, refused input kept and nothing written, stale `If-Match`, partner limits), the week
//! calendar, partner-editors' isolation (URL guessing → 404), and reviews with and without a reason. The browser
//! walks (axe-core, what-if, the player) are in e2e/console_campaigns.test.mjs.

use crate::common::{form, Session, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

async fn post_form(s: &Session, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let mut all = pairs.to_vec();
    all.push(("csrf", &s.csrf));
    s.client
        .post(format!("{}{}", s.base, path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&all))
        .send()
        .await
        .unwrap()
}

/// A metro location (UTC) with one screen; returns the location id.
async fn place(admin: &Session) -> String {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "metro-1", "name": "Metro 1", "kind": "metro", "tz": "UTC"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let loc: Value = res.json().await.unwrap();
    let res = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Platform", "location": "metro-1", "width": 1920, "height": 1080}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    loc["id"].as_str().unwrap().to_string()
}

async fn campaigns(s: &Session) -> Vec<Value> {
    let v: Value = s.get("/api/v1/campaigns").await.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

/// The editor's fields of a weekly campaign for partner `partner` (Mondays and Wednesdays 09:00 for an hour).
fn weekly<'a>(name: &'a str, partner: &'a str, location: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("partner", partner),
        ("zone", "main"),
        ("priority", "0"),
        ("weight", "2.5"),
        ("freq", "weekly"),
        ("interval", "1"),
        ("day", "MO"),
        ("day", "WE"),
        ("start_date", "2026-11-01"),
        ("times", "09:00"),
        ("duration_min", "60"),
        ("until", "2027-12-31"),
        ("location", location),
        ("tags", ""),
        ("item0_kind", "html"),
        ("item0_template", "headline"),
        ("item0_data", r#"{"headline":"Hello"}"#),
        ("item0_duration", "10"),
    ]
}

#[tokio::test]
async fn a_campaign_is_made_in_the_editor_and_bad_input_writes_nothing() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let loc = place(&admin).await;
    let res = admin.get("/console/campaigns/new").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("name=\"freq\"") && !html.contains('⟦'),
        "{html}"
    );

    // Unreadable priority, a blank name: the form comes back as typed, nothing is written.
    let mut bad = weekly("", "pa", &loc);
    bad.retain(|(k, _)| *k != "priority");
    bad.push(("priority", "high"));
    bad.push(("action", "save"));
    let res = post_form(&admin, "/console/campaigns/new", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"priority-error\""), "{html}");
    assert!(html.contains("value=\"high\"") && html.contains("value=\"2.5\""));
    assert!(html.contains("id=\"day-WE\" name=\"day\" value=\"WE\" checked"));
    // A rule of the app (blank name) also comes back on its field.
    let mut blank = weekly("", "pa", &loc);
    blank.push(("action", "save"));
    let res = post_form(&admin, "/console/campaigns/new", &blank).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"name-error\""));
    assert!(campaigns(&admin).await.is_empty(), "nothing was written");

    // Reordering and the what-if do not save either.
    let mut whatif = weekly("Morning", "pa", &loc);
    whatif.push(("action", "whatif"));
    let res = post_form(&admin, "/console/campaigns/new", &whatif).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"whatif-network\""), "{html}");
    assert!(html.contains("<th scope=\"row\">pa</th>"));
    assert!(campaigns(&admin).await.is_empty(), "what-if writes nothing");

    let mut good = weekly("Morning", "pa", &loc);
    good.push(("action", "save"));
    let res = post_form(&admin, "/console/campaigns/new", &good).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "followed to the saved campaign"
    );
    assert!(res.url().query().unwrap_or("").contains("saved=1"));
    let all = campaigns(&admin).await;
    assert_eq!(all.len(), 1);
    let c = &all[0];
    assert_eq!(c["name"], "Morning");
    assert_eq!(c["weight"], 2.5);
    assert_eq!(c["targets"]["locations"][0], loc.as_str());
    assert_eq!(c["items"][0]["duration_ms"], 10_000);
    assert_eq!(c["items"][0]["data"]["headline"], "Hello");
    assert_eq!(
        c["recurrence"]["rrule"],
        "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231T235959Z"
    );
    assert_eq!(c["recurrence"]["dtstart"], "2026-11-01T09:00:00");
    assert_eq!(c["moderation"]["state"], "approved", "an admin publishes");

    // The list and the week calendar (week 49 of 2026: Monday 30 November).
    let html = admin
        .get("/console/campaigns?q=morn")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Morning") && !html.contains('⟦'));
    let html = admin
        .get("/console/campaigns?q=evening")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(">Morning<"), "the text filter applies");
    let res = admin
        .get("/console/campaigns?view=week&week=2026-W49&tz=UTC")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert_eq!(html.matches("<li>09:00–10:00</li>").count(), 2, "{html}");
    // The stored rule comes back into the builder.
    let id = c["id"].as_str().unwrap();
    let html = admin
        .get(&format!("/console/campaigns/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<option value=\"weekly\" selected>"));
    assert!(html.contains("id=\"day-MO\" name=\"day\" value=\"MO\" checked"));
    // .ics export of the stored recurrence.
    let res = admin
        .get(&format!("/console/campaigns/{id}/calendar.ics"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("RRULE:FREQ=WEEKLY"));
}

#[tokio::test]
async fn a_stale_version_keeps_the_form_and_changes_nothing() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let loc = place(&admin).await;
    let mut good = weekly("First", "pa", &loc);
    good.push(("action", "save"));
    post_form(&admin, "/console/campaigns/new", &good).await;
    let c = campaigns(&admin).await.remove(0);
    let id = c["id"].as_str().unwrap().to_string();
    let v = c["version"].as_i64().unwrap().to_string();
    // Someone else changes it.
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/campaigns/{id}"))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "Theirs"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut mine = weekly("Mine", "pa", &loc);
    mine.push(("version", &v));
    mine.push(("action", "save"));
    let res = post_form(&admin, &format!("/console/campaigns/{id}"), &mine).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"notice\"") && html.contains("value=\"Mine\""));
    let now: Value = admin
        .get(&format!("/api/v1/campaigns/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["name"], "Theirs");
}

#[tokio::test]
async fn editors_are_held_to_their_limits_and_their_partners() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let loc = place(&admin).await;
    let editor = s.user("eve", Role::PartnerEditor, &["pa"]).await;
    let res = admin
        .req(Method::PUT, "/api/v1/partners/pa/limits")
        .json(&json!({"priority_ceiling": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = editor
        .get("/console/campaigns/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"priority-help\""));
    assert!(html.contains(" 1</p>"), "the ceiling is shown: {html}");
    assert!(!html.contains("value=\"pb\""), "only its own partners");
    let mut high = weekly("Loud", "pa", &loc);
    high.retain(|(k, _)| *k != "priority");
    high.push(("priority", "5"));
    high.push(("action", "save"));
    let res = post_form(&editor, "/console/campaigns/new", &high).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"priority-error\"") && html.contains("value=\"Loud\""));
    assert!(campaigns(&admin).await.is_empty());

    // Another partner's campaign: not in the list, not by URL, not by post, not as a calendar.
    let mut other = weekly("Other city", "pb", &loc);
    other.push(("action", "save"));
    post_form(&admin, "/console/campaigns/new", &other).await;
    let id = campaigns(&admin).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let html = editor.get("/console/campaigns").await.text().await.unwrap();
    assert!(!html.contains("Other city"));
    let html = editor
        .get("/console/campaigns?view=week")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Other city"));
    for path in [
        format!("/console/campaigns/{id}"),
        format!("/console/campaigns/{id}/calendar.ics"),
    ] {
        assert_eq!(editor.get(&path).await.status(), StatusCode::NOT_FOUND);
    }
    let mut take = weekly("Taken", "pa", &loc);
    take.push(("action", "save"));
    let res = post_form(&editor, &format!("/console/campaigns/{id}"), &take).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(campaigns(&admin).await[0]["name"], "Other city");
    // A viewer reads the list but may not open the editor for a new one.
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    assert_eq!(
        viewer.get("/console/campaigns").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        viewer.get("/console/campaigns/new").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer.get("/console/moderation").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn operators_approve_and_reject_with_a_reason_in_the_queue() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let loc = place(&admin).await;
    let editor = s.user("eve", Role::PartnerEditor, &["pa"]).await;
    let operator = s.user("otto", Role::Operator, &[]).await;
    let mut first = weekly("Version one", "pa", &loc);
    first.push(("action", "save"));
    let res = post_form(&editor, "/console/campaigns/new", &first).await;
    assert_eq!(res.status(), StatusCode::OK);
    let c = campaigns(&admin).await.remove(0);
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["moderation"]["state"], "pending");

    // The dashboard's card leads to the queue; the queue shows it to the operator with the review forms.
    let html = operator.get("/console").await.text().await.unwrap();
    assert!(html.contains("href=\"/console/moderation\""));
    let html = operator
        .get("/console/moderation")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version one") && !html.contains('⟦'));
    assert!(html.contains(&format!("/console/moderation/campaign/{id}/approve")));
    // The editor sees its item's state, without review forms.
    let html = editor
        .get("/console/moderation")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Version one") && html.contains("mod pending"));
    assert!(!html.contains("/approve\""));
    let res = post_form(
        &editor,
        &format!("/console/moderation/campaign/{id}/approve"),
        &[],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = post_form(
        &operator,
        &format!("/console/moderation/campaign/{id}/approve"),
        &[("version", &c["version"].as_i64().unwrap().to_string())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = admin
        .get(&format!("/api/v1/campaigns/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["moderation"]["state"], "approved");

    // The editor changes it: the queue shows the change against the approved version.
    let v = c["version"].as_i64().unwrap().to_string();
    let mut second = weekly("Version two", "pa", &loc);
    second.push(("version", &v));
    second.push(("action", "save"));
    let res = post_form(&editor, &format!("/console/campaigns/{id}"), &second).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = operator
        .get("/console/moderation")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<del>Version one</del>") && html.contains("<ins>Version two</ins>"),
        "{html}"
    );
    // A rejection needs a reason: without one, the field says so and nothing changes.
    let path = format!("/console/moderation/campaign/{id}/reject");
    let res = post_form(&operator, &path, &[("reason", "  ")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"reason-{id}-error\"")),
        "{html}"
    );
    let c: Value = admin
        .get(&format!("/api/v1/campaigns/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["moderation"]["state"], "pending");
    let res = post_form(&operator, &path, &[("reason", "Wrong logo")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = admin
        .get(&format!("/api/v1/campaigns/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(c["moderation"]["state"], "rejected");
    assert_eq!(c["moderation"]["reason"], "Wrong logo");
    let html = editor
        .get("/console/moderation")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Wrong logo"), "the editor reads the reason");
}
