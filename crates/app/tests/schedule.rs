//! The schedule operations against a real SQLite store and a temp-dir object store: validation before any
//! write, role and partner rules, change events, and time from the injected clock.

use serde_json::json;
use std::collections::BTreeMap;
use tokio::sync::broadcast::Receiver;
use twincast_app::schedule::{CampaignInput, IcsExport, ScreenGroupInput};
use twincast_app::{Actor, App, AppError, ManualClock, ServerEvent, Settings};
use twincast_store::{LocationInput, PartnerInput, Role, Screen, Store, User};

struct Fixture {
    app: App,
    clock: std::sync::Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// 2026-06-01T04:00:00Z.
const T0: i64 = 1_780_286_400_000;

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let storage = twincast_media::Storage::open("", &dir.path().join("data"))
        .await
        .unwrap();
    let clock = ManualClock::new(T0);
    let app = App::new(store, storage, Settings::default()).with_clock(clock.clone());
    for slug in ["pa", "pb"] {
        app.store
            .create_partner(
                &PartnerInput {
                    slug: slug.into(),
                    names: BTreeMap::from([("en".to_string(), "City".to_string())]),
                    country: "DE".into(),
                    continent: "europe".into(),
                    lat: None,
                    lon: None,
                    since: None,
                    description: String::new(),
                    descriptions: Default::default(),
                    logo_media_id: None,
                },
                &twincast_store::AuditEntry::by_system("partner.create", "", T0),
            )
            .await
            .unwrap();
    }
    Fixture {
        app,
        clock,
        _dir: dir,
    }
}

fn actor(role: Role, partners: &[&str]) -> Actor {
    Actor::new(User {
        id: String::new(),
        username: "someone".into(),
        role,
        partners: partners.iter().map(|p| p.to_string()).collect(),
        ..User::default()
    })
}

fn campaign(v: serde_json::Value) -> CampaignInput {
    serde_json::from_value(v).unwrap()
}

fn card(partner: &str) -> CampaignInput {
    campaign(json!({"name": "Card", "partner": partner,
        "items": [{"kind": "html", "template": "partner_card", "data": {"title": "Hi"}}]}))
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

fn drained(events: &mut Receiver<ServerEvent>) -> Vec<ServerEvent> {
    std::iter::from_fn(|| events.try_recv().ok()).collect()
}

async fn screen(app: &App) -> String {
    let l = app
        .store
        .create_location(
            &LocationInput {
                slug: "airport".into(),
                name: "Airport".into(),
                kind: "airport".into(),
                lat: Some(31.5),
                lon: Some(120.4),
                tz: "Asia/Shanghai".into(),
            },
            &twincast_store::AuditEntry::by_system("location.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let s = app
        .store
        .create_screen(
            &Screen {
                id: String::new(),
                name: "Gate 1".into(),
                location_id: l.id,
                lat: None,
                lon: None,
                tz: "Asia/Shanghai".into(),
                width: 1920,
                height: 1080,
                orientation: "landscape".into(),
                tags: vec![],
                language: "en".into(),
                last_seen_at: None,
            },
            &twincast_store::AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    s.screen.id
}

#[tokio::test]
async fn refused_campaigns_write_nothing_and_announce_nothing() {
    let f = fixture().await;
    let admin = App::local_admin();
    let mut events = f.app.events.subscribe();
    let version = f.app.store.schedule_version().await.unwrap();
    let bad = [
        (
            json!({"name": "x", "partner": "pa", "weight": -1.0}),
            "invalid",
        ),
        (json!({"name": "x"}), "invalid"),
        (json!({"name": "x\u{7}", "partner": "pa"}), "invalid-text"),
        (
            json!({"name": "x", "partner": "nowhere"}),
            "unknown-partner",
        ),
        (
            json!({"name": "x", "partner": "pa", "items": [{"kind": "video", "media_id": "nope"}]}),
            "unknown-media",
        ),
        (
            json!({"name": "x", "partner": "pa", "targets": {"groups": ["nope"]}}),
            "unknown-group",
        ),
        (
            json!({"name": "x", "partner": "pa", "items": [{"kind": "web", "url": "file:///etc/passwd"}]}),
            "invalid",
        ),
    ];
    for (body, want) in bad {
        let r = f.app.create_campaign(&admin, campaign(body.clone())).await;
        assert_eq!(code(r), want, "{body}");
    }
    assert!(f
        .app
        .list_campaigns(&admin, None, None)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(f.app.store.schedule_version().await.unwrap(), version);
    assert!(drained(&mut events).is_empty());
}

#[tokio::test]
async fn campaign_changes_follow_partner_scope_and_announce() {
    let f = fixture().await;
    let admin = App::local_admin();
    let editor = actor(Role::PartnerEditor, &["pa"]);
    let viewer = actor(Role::Viewer, &[]);
    let mut events = f.app.events.subscribe();

    assert_eq!(
        code(f.app.create_campaign(&viewer, card("pa")).await),
        "forbidden"
    );
    assert_eq!(
        code(f.app.create_campaign(&editor, card("pb")).await),
        "forbidden"
    );
    let ticker = campaign(json!({"name": "News", "zone": "ticker",
        "items": [{"kind": "html", "template": "headline"}]}));
    assert_eq!(
        code(f.app.create_campaign(&editor, ticker.clone()).await),
        "forbidden"
    );
    assert!(drained(&mut events).is_empty());

    let c = f.app.create_campaign(&editor, card("pa")).await.unwrap();
    assert_eq!(c.items[0].id, "i1");
    assert_eq!(c.items[0].duration_ms, Some(10_000));
    assert_eq!(
        drained(&mut events),
        vec![ServerEvent::ScheduleChanged { screens: None }]
    );
    f.app.create_campaign(&admin, ticker).await.unwrap();
    assert_eq!(drained(&mut events).len(), 1);

    // Moving pa's campaign to pb is refused for pa's editor; the campaign stays.
    let r = f
        .app
        .update_campaign(&editor, &c.id, card("pb"), None)
        .await;
    assert_eq!(code(r), "forbidden");
    assert_eq!(
        f.app
            .campaign(&viewer, &c.id)
            .await
            .unwrap()
            .partner
            .as_deref(),
        Some("pa")
    );
    let mut changed = card("pa");
    changed.priority = 3;
    let c2 = f
        .app
        .update_campaign(&editor, &c.id, changed, None)
        .await
        .unwrap();
    assert_eq!(c2.priority, 3);
    assert_eq!(drained(&mut events).len(), 1);

    assert_eq!(
        code(f.app.delete_campaign(&viewer, &c.id, None).await),
        "forbidden"
    );
    f.app.delete_campaign(&editor, &c.id, None).await.unwrap();
    assert_eq!(code(f.app.campaign(&viewer, &c.id).await), "not-found");
    assert_eq!(drained(&mut events).len(), 1);
}

#[tokio::test]
async fn groups_check_members_and_tell_them() {
    let f = fixture().await;
    let admin = App::local_admin();
    let s = screen(&f.app).await;
    let mut events = f.app.events.subscribe();
    let group = |slug: &str, screens: &[&str]| ScreenGroupInput {
        slug: slug.into(),
        name: "Gates".into(),
        screens: screens.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        code(f.app.create_group(&admin, group("gates", &["nope"])).await),
        "unknown-screen"
    );
    assert_eq!(
        code(f.app.create_group(&admin, group("a_b", &[])).await),
        "invalid-slug"
    );
    assert_eq!(
        code(
            f.app
                .create_group(&actor(Role::Viewer, &[]), group("gates", &[]))
                .await
        ),
        "forbidden"
    );
    assert!(drained(&mut events).is_empty());
    let g = f
        .app
        .create_group(&admin, group("gates", &[&s]))
        .await
        .unwrap();
    assert_eq!(g.screens, vec![s.clone()]);
    assert_eq!(
        drained(&mut events),
        vec![ServerEvent::ScheduleChanged {
            screens: Some(vec![s.clone()])
        }]
    );
    assert_eq!(
        code(
            f.app
                .update_group(&admin, "gates", group("other", &[]), None)
                .await
        ),
        "slug-immutable"
    );
    // Leaving members hear of the change too.
    f.app
        .update_group(&admin, "gates", group("gates", &[]), None)
        .await
        .unwrap();
    assert_eq!(
        drained(&mut events),
        vec![ServerEvent::ScheduleChanged {
            screens: Some(vec![s.clone()])
        }]
    );
    // A campaign may now target the group.
    let mut c = card("pa");
    c.targets.groups = vec!["gates".into()];
    f.app.create_campaign(&admin, c).await.unwrap();
}

#[tokio::test]
async fn alerts_take_time_from_the_clock() {
    let f = fixture().await;
    let admin = App::local_admin();
    let mut events = f.app.events.subscribe();
    let body = br#"{"headline": "Storm", "severity": "Severe"}"#;
    assert_eq!(
        code(
            f.app
                .issue_alert(
                    &actor(Role::PartnerEditor, &["pa"]),
                    "application/json",
                    body
                )
                .await
        ),
        "forbidden"
    );
    assert_eq!(
        code(f.app.issue_alert(&admin, "text/plain", body).await),
        "unsupported-content-type"
    );
    assert_eq!(
        code(
            f.app
                .issue_alert(&admin, "application/json", b"{\"bogus\": 1}")
                .await
        ),
        "invalid-body"
    );
    assert!(drained(&mut events).is_empty());
    let a = f
        .app
        .issue_alert(&admin, "application/json", body)
        .await
        .unwrap();
    assert_eq!(a.sent, T0, "`sent` defaults to the app's now");
    assert_eq!(drained(&mut events), vec![ServerEvent::AlertsChanged]);

    f.clock.set(T0 + 60_000);
    let c = f.app.cancel_alert(&admin, &a.id).await.unwrap();
    assert_eq!(c.cancelled_at, Some(T0 + 60_000));
    f.clock.set(T0 + 120_000);
    let c = f.app.cancel_alert(&admin, &a.id).await.unwrap();
    assert_eq!(c.cancelled_at, Some(T0 + 60_000), "the first time is kept");
    assert_eq!(drained(&mut events).len(), 2);
    assert_eq!(f.app.list_alerts(&admin).await.unwrap().items.len(), 1);
}

#[tokio::test]
async fn explain_defaults_to_the_clock_and_ics_round_trips() {
    let f = fixture().await;
    let admin = App::local_admin();
    let s = screen(&f.app).await;
    let c = f.app.create_campaign(&admin, card("pa")).await.unwrap();
    let e = f.app.explain(&admin, &s, None).await.unwrap();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["at"], T0);
    assert_eq!(v["playing"]["campaign"], c.id.as_str());
    assert_eq!(
        code(f.app.explain(&admin, &s, Some("yesterday")).await),
        "invalid-time"
    );
    assert_eq!(code(f.app.explain(&admin, "nope", None).await), "not-found");
    assert_eq!(
        code(f.app.simulate(&admin, &s, None, Some("15")).await),
        "invalid-days"
    );

    assert_eq!(
        f.app.export_ics(&admin, &c.id, None).await.unwrap(),
        IcsExport::NoRecurrence
    );
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART:20260302T073000\r\n\
               DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let editor_b = actor(Role::PartnerEditor, &["pb"]);
    assert_eq!(
        code(
            f.app
                .import_ics(&editor_b, &c.id, "text/calendar", ics.as_bytes())
                .await
        ),
        "forbidden"
    );
    assert_eq!(
        code(
            f.app
                .import_ics(&admin, &c.id, "application/json", ics.as_bytes())
                .await
        ),
        "expected-calendar"
    );
    let mut events = f.app.events.subscribe();
    let c2 = f
        .app
        .import_ics(&admin, &c.id, "text/calendar", ics.as_bytes())
        .await
        .unwrap();
    assert!(c2.recurrence.is_some());
    assert_eq!(drained(&mut events).len(), 1);
    let IcsExport::Calendar(text) = f.app.export_ics(&admin, &c.id, None).await.unwrap() else {
        panic!("a recurrence exports");
    };
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=MO"), "{text}");
}

#[tokio::test]
async fn an_alert_preview_counts_targeted_screens_per_location_and_writes_nothing() {
    let f = fixture().await;
    let admin = App::local_admin();
    let s = screen(&f.app).await;
    let loc = f.app.location("airport").await.unwrap();
    let mut events = f.app.events.subscribe();
    let body = json!({"headline": "Storm", "severity": "Severe", "location_kinds": ["airport"]})
        .to_string();
    let p = f
        .app
        .preview_alert(&admin, "application/json", body.as_bytes())
        .await
        .unwrap();
    assert!(p.displayable);
    assert_eq!(p.screens, 1);
    assert_eq!(p.by_location.len(), 1);
    assert_eq!(p.by_location[0].slug, "airport");
    assert_eq!((p.by_location[0].screens, p.by_location[0].of), (1, 1));
    // Elsewhere: no location reached.
    let body = json!({"headline": "Storm", "location_kinds": ["metro"]}).to_string();
    let p = f
        .app
        .preview_alert(&admin, "application/json", body.as_bytes())
        .await
        .unwrap();
    assert_eq!(p.screens, 0);
    assert!(p.by_location.is_empty());
    // By location id, the engine's own targeting.
    let body = json!({"headline": "Storm", "locations": [loc.id]}).to_string();
    let p = f
        .app
        .preview_alert(&admin, "application/json", body.as_bytes())
        .await
        .unwrap();
    assert_eq!(p.screens, 1, "screen {s}");
    // Same refusals as issuing; the role too.
    let refused = code(
        f.app
            .issue_alert(&admin, "application/cap+xml", b"<alert>")
            .await,
    );
    assert_eq!(
        code(
            f.app
                .preview_alert(&admin, "application/cap+xml", b"<alert>")
                .await
        ),
        refused
    );
    assert_eq!(
        code(
            f.app
                .preview_alert(
                    &actor(Role::Viewer, &[]),
                    "application/json",
                    body.as_bytes()
                )
                .await
        ),
        "forbidden"
    );
    assert!(
        drained(&mut events).is_empty(),
        "a preview announces nothing"
    );
    assert!(f.app.list_alerts(&admin).await.unwrap().items.is_empty());
}
