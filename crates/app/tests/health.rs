//! Screen health on a real SQLite store with a manual clock: transitions are recorded once each, never-seen
//! screens do not alert, a transition and its outbox rows are one write, and the notifier retries a receiver that
//! is down with persisted exponential backoff until it gives up.

use std::sync::Arc;
use twincast_app::health::{HealthWatch, Notifier, NotifySettings, BACKOFF_BASE_MS, MAX_ATTEMPTS};
use twincast_app::places::ScreenStatus;
use twincast_app::{Actor, App, AppError, Clock, ManualClock, Settings};
use twincast_store::{
    AuditEntry, HealthChange, HealthTransition, LocationInput, PageRequest, Role, Screen, Store,
};

const SILENCE: i64 = 2_000;

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    store: Store,
    screens: Vec<String>,
    _dir: tempfile::TempDir,
    _closed: tokio::net::TcpSocket,
}

/// A loopback port held by a bound socket that does not listen: connections are refused, and nothing else can
/// take the port while the socket lives.
fn closed_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

async fn fixture(n: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    let storage = twincast_media::Storage::open("", dir.path()).await.unwrap();
    let clock = ManualClock::new(1_800_000_000_000);
    let (closed, port) = closed_port();
    let settings = Settings {
        offline_after_ms: SILENCE,
        notify: NotifySettings {
            webhook_urls: vec![format!("http://127.0.0.1:{port}/hook")],
            webhook_secret: "s3cret".into(),
            smtp_url: format!("smtp://127.0.0.1:{port}"),
            smtp_from: "Twincast <noc@example.org>".into(),
            smtp_to: vec!["ops@example.org".into()],
        },
        ..Settings::default()
    };
    settings.notify.check().unwrap();
    let app = App::new(store.clone(), storage, settings).with_clock(clock.clone());
    let location = store
        .create_location(
            &LocationInput {
                slug: "airport".into(),
                name: "Airport".into(),
                kind: "airport".into(),
                lat: None,
                lon: None,
                tz: "Asia/Shanghai".into(),
            },
            &AuditEntry::by_system("location.create", "", clock.now_ms()),
        )
        .await
        .unwrap();
    let mut screens = vec![];
    for i in 0..n {
        let s = store
            .create_screen(
                &Screen {
                    id: String::new(),
                    name: format!("Gate {i}"),
                    location_id: location.id.clone(),
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
                &AuditEntry::by_system("screen.create", "", clock.now_ms()),
            )
            .await
            .unwrap();
        screens.push(s.screen.id);
    }
    Fixture {
        app,
        clock,
        store,
        screens,
        _dir: dir,
        _closed: closed,
    }
}

/// The fixture's application as two live nodes, `node-a` (the lowest id: it records) and `node-b`.
async fn two_nodes(f: &Fixture) -> (App, App) {
    let mut a = f.app.clone();
    a.node_id = "node-a".into();
    let mut b = f.app.clone();
    b.node_id = "node-b".into();
    a.renew_lease().await.unwrap();
    b.renew_lease().await.unwrap();
    (a, b)
}

fn page() -> PageRequest {
    PageRequest {
        limit: 500,
        cursor: None,
    }
}

fn audit() -> twincast_store::AuditEntry {
    twincast_store::AuditEntry::by_system("screen.offline", "x", 1)
}

fn watch(f: &Fixture) -> HealthWatch {
    HealthWatch::new(f.app.clone(), Arc::new(tokio::sync::Notify::new()))
}

#[tokio::test]
async fn transitions_are_recorded_once_each_and_never_seen_screens_do_not_alert() {
    let f = fixture(2).await;
    let (a, b) = (f.screens[0].clone(), f.screens[1].clone());
    let mut w = watch(&f);

    // Never seen: counted, not recorded, no event.
    let r = w.pass().await.unwrap();
    assert!(r.transitions.is_empty() && r.first_seen == 0, "{r:?}");
    assert_eq!(r.counts[&("airport".to_string(), "never_seen")], 2);
    assert_eq!(f.store.screen_health(&a).await.unwrap(), None);

    // First contact: recorded as online without an event.
    f.store.touch_screen(&a, f.clock.now_ms()).await.unwrap();
    let r = w.pass().await.unwrap();
    assert_eq!(r.first_seen, 1);
    assert!(r.transitions.is_empty(), "{r:?}");
    assert_eq!(
        f.store.screen_health(&a).await.unwrap().unwrap().0,
        "online"
    );
    assert_eq!(r.counts[&("airport".to_string(), "online")], 1);
    assert_eq!(r.counts[&("airport".to_string(), "never_seen")], 1);

    // Just under the silence: still online.
    f.clock.advance(SILENCE - 1);
    assert!(w.pass().await.unwrap().transitions.is_empty());

    // The silence reached: offline, once, with a webhook and an e-mail queued in the same write.
    f.clock.advance(1);
    let r = w.pass().await.unwrap();
    assert_eq!(r.transitions, vec![(a.clone(), ScreenStatus::Offline)]);
    let (state, changed_at) = f.store.screen_health(&a).await.unwrap().unwrap();
    assert_eq!((state.as_str(), changed_at), ("offline", f.clock.now_ms()));
    f.clock.advance(60_000);
    assert!(w.pass().await.unwrap().transitions.is_empty());
    // A second watch (another server process) sees the recorded state and records nothing more.
    assert!(watch(&f).pass().await.unwrap().transitions.is_empty());
    let rows = f
        .store
        .list_notifications(None, &page())
        .await
        .unwrap()
        .items;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|n| n.event == "screen.offline"
        && n.status == "queued"
        && n.attempts == 0
        && n.screen_id.as_deref() == Some(a.as_str())));
    let mut channels: Vec<&str> = rows.iter().map(|n| n.channel.as_str()).collect();
    channels.sort();
    assert_eq!(channels, ["email", "webhook"]);
    assert_eq!(
        rows[0].event_id, rows[1].event_id,
        "one event, two deliveries"
    );
    let p = &rows[0].payload;
    assert_eq!(p["event"], "screen.offline");
    assert_eq!(p["id"], rows[0].event_id.as_str());
    assert_eq!(p["screen"]["id"], a.as_str());
    assert_eq!(p["screen"]["name"], "Gate 0");
    assert_eq!(p["screen"]["location"], "Airport");
    assert_eq!(p["at"], "2027-01-15T08:00:02Z");
    assert_eq!(p["last_seen_at"], "2027-01-15T08:00:00Z");

    // Heard from again: online, once.
    f.store.touch_screen(&a, f.clock.now_ms()).await.unwrap();
    let r = w.pass().await.unwrap();
    assert_eq!(r.transitions, vec![(a.clone(), ScreenStatus::Online)]);
    assert!(w.pass().await.unwrap().transitions.is_empty());
    let online = f
        .store
        .list_notifications(None, &page())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|n| n.event == "screen.online")
        .count();
    assert_eq!(online, 2);

    // Each transition is in the audit log, by the system, with the state change.
    let audit = f
        .store
        .list_audit(
            &twincast_store::AuditFilter {
                resource_id: Some(a.clone()),
                ..Default::default()
            },
            &page(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.action != "screen.create") // the fixture's own creation of the screen
        .collect::<Vec<_>>();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["screen.online", "screen.offline"], "newest first");
    assert!(audit
        .iter()
        .all(|e| e.actor == "system" && e.via == "system"));
    assert_eq!(
        audit[1].changes["health"],
        serde_json::json!(["online", "offline"])
    );

    // The never-seen screen never alerted.
    let all = f.store.list_notifications(None, &page()).await.unwrap();
    assert!(all
        .items
        .iter()
        .all(|n| n.screen_id.as_deref() != Some(b.as_str())));
}

#[tokio::test]
async fn a_stale_transition_writes_nothing() {
    let f = fixture(1).await;
    let a = f.screens[0].clone();
    let t = |from: Option<&str>, state: &str| HealthTransition {
        screen_id: a.clone(),
        from: from.map(String::from),
        state: state.into(),
        last_seen_at: Some(1),
        at: 2,
        event: format!("screen.{state}"),
        event_id: twincast_store::new_id(),
    };
    let outbox = f
        .app
        .settings
        .notify
        .outbox(&serde_json::json!({"event": "x"}));
    assert_eq!(
        f.store
            .record_health(&t(None, "online"), &[], &audit())
            .await
            .unwrap(),
        HealthChange::Initial
    );
    assert_eq!(
        f.store
            .record_health(&t(Some("online"), "offline"), &outbox, &audit())
            .await
            .unwrap(),
        HealthChange::Changed
    );
    // Another process that still believes the screen is online is too late: no second event.
    assert_eq!(
        f.store
            .record_health(&t(Some("online"), "offline"), &outbox, &audit())
            .await
            .unwrap(),
        HealthChange::Unchanged
    );
    // A screen that no longer exists.
    let mut gone = t(Some("online"), "offline");
    gone.screen_id = "no-such-screen".into();
    assert_eq!(
        f.store
            .record_health(&gone, &outbox, &audit())
            .await
            .unwrap(),
        HealthChange::Gone
    );
    assert_eq!(
        f.store
            .list_notifications(None, &page())
            .await
            .unwrap()
            .items
            .len(),
        outbox.len()
    );
}

#[tokio::test]
async fn a_receiver_that_is_down_is_retried_with_persisted_backoff_then_given_up() {
    let f = fixture(1).await;
    let a = f.screens[0].clone();
    let mut w = watch(&f);
    f.store.touch_screen(&a, f.clock.now_ms()).await.unwrap();
    w.pass().await.unwrap();
    f.clock.advance(SILENCE);
    assert_eq!(w.pass().await.unwrap().transitions.len(), 1);
    let mut n = Notifier::new(f.app.clone(), Arc::new(tokio::sync::Notify::new())).unwrap();

    // Both receivers (webhook and SMTP) refuse connections: each row is attempted and queued again.
    assert!(n.deliver_one().await.unwrap());
    assert!(n.deliver_one().await.unwrap());
    assert!(
        !n.deliver_one().await.unwrap(),
        "nothing is due before the backoff"
    );
    let rows = f
        .store
        .list_notifications(None, &page())
        .await
        .unwrap()
        .items;
    for r in &rows {
        assert_eq!((r.status.as_str(), r.attempts), ("queued", 1), "{r:?}");
        assert_eq!(r.next_attempt_at, f.clock.now_ms() + BACKOFF_BASE_MS);
        let err = r.last_error.as_deref().unwrap_or_default();
        assert!(!err.is_empty(), "{r:?}");
    }
    // A new notifier (a restart) finds the same schedule: the backoff is in the database.
    let mut n = Notifier::new(f.app.clone(), Arc::new(tokio::sync::Notify::new())).unwrap();
    assert!(!n.deliver_one().await.unwrap());
    f.clock.advance(BACKOFF_BASE_MS);
    assert!(n.deliver_one().await.unwrap());
    let r = f
        .store
        .list_notifications(Some("queued"), &page())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.attempts == 2)
        .expect("one row attempted twice");
    assert_eq!(r.next_attempt_at, f.clock.now_ms() + 2 * BACKOFF_BASE_MS);

    // Keep failing: after MAX_ATTEMPTS every row is `failed`, and nothing is queued any more.
    for _ in 0..(2 * MAX_ATTEMPTS) {
        f.clock.advance(24 * 3_600_000);
        while n.deliver_one().await.unwrap() {}
    }
    let failed = f
        .store
        .list_notifications(Some("failed"), &page())
        .await
        .unwrap()
        .items;
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().all(|r| r.attempts == MAX_ATTEMPTS));
    assert!(f
        .store
        .list_notifications(Some("queued"), &page())
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn only_admins_and_operators_read_the_outbox_and_the_status_filter_is_checked() {
    let f = fixture(0).await;
    for (role, allowed) in [
        (Role::Admin, true),
        (Role::Operator, true),
        (Role::Viewer, false),
        (Role::PartnerEditor, false),
    ] {
        let user = f
            .store
            .create_user(
                &format!("u-{}", role.as_str()),
                "x",
                role,
                &[],
                &AuditEntry::by_system("user.create", "", 0),
            )
            .await
            .unwrap();
        let got = f
            .app
            .list_notifications(&Actor::new(user), None, &page())
            .await;
        assert_eq!(got.is_ok(), allowed, "{role:?}");
    }
    let admin = f
        .store
        .create_user(
            "admin2",
            "x",
            Role::Admin,
            &[],
            &AuditEntry::by_system("user.create", "", 0),
        )
        .await
        .unwrap();
    let err = f
        .app
        .list_notifications(&Actor::new(admin), Some("sent"), &page())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Invalid {
                code: "invalid-status",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn settings_are_checked() {
    let ok = NotifySettings {
        webhook_urls: vec!["https://hooks.example.org/x".into()],
        webhook_secret: "k".into(),
        smtp_url: "smtps://u:p@mail.example.org:465".into(),
        smtp_from: "noc@example.org".into(),
        smtp_to: vec!["Ops <ops@example.org>".into()],
    };
    assert_eq!(ok.check(), Ok(()));
    assert_eq!(NotifySettings::default().check(), Ok(()));
    let bad = |f: &dyn Fn(&mut NotifySettings)| {
        let mut s = ok.clone();
        f(&mut s);
        s.check().unwrap_err()
    };
    assert!(bad(&|s| s.webhook_secret.clear()).contains("webhook_secret"));
    assert!(bad(&|s| s.webhook_urls = vec!["ftp://x".into()]).contains("webhook_urls"));
    assert!(bad(&|s| s.smtp_url = "mailto:x".into()).contains("smtp_url"));
    assert!(bad(&|s| s.smtp_from = "not an address".into()).contains("smtp_from"));
    assert!(bad(&|s| s.smtp_to.clear()).contains("smtp_to"));
}

/// Nodes sharing a database: every node counts the screens, only the live node with the lowest id records the
/// transitions (a fleet coming online at once is written once, not by every node); when its lease runs out, the
/// next one does.
#[tokio::test]
async fn of_several_nodes_one_records_the_transitions() {
    let f = fixture(1).await;
    let (a, b) = two_nodes(&f).await;
    f.store
        .touch_screen(&f.screens[0], f.clock.now_ms())
        .await
        .unwrap();
    let notify = || Arc::new(tokio::sync::Notify::new());
    let (mut wa, mut wb) = (
        HealthWatch::new(a, notify()),
        HealthWatch::new(b.clone(), notify()),
    );

    let r = wb.pass().await.unwrap();
    assert_eq!(r.first_seen, 0, "node-b recorded while node-a lives: {r:?}");
    assert_eq!(r.counts[&("airport".to_string(), "online")], 1);
    assert_eq!(f.store.screen_health(&f.screens[0]).await.unwrap(), None);
    let r = wa.pass().await.unwrap();
    assert_eq!(r.first_seen, 1, "{r:?}");

    // node-a stops renewing; once its lease has run out, node-b records.
    f.clock.advance(b.node_lease_ms().max(SILENCE) + 1);
    b.renew_lease().await.unwrap();
    assert_eq!(
        f.store.live_nodes(f.clock.now_ms()).await.unwrap(),
        vec!["node-b".to_string()]
    );
    let r = wb.pass().await.unwrap();
    assert_eq!(
        r.transitions,
        vec![(f.screens[0].clone(), ScreenStatus::Offline)]
    );
}

/// A node that does not record the transitions counts the screens for its gauges in the database: the same counts
/// as the recording node's, at the edges of the silence too.
#[tokio::test]
async fn a_node_that_does_not_record_counts_like_the_one_that_does() {
    let f = fixture(6).await;
    let (a, b) = two_nodes(&f).await;
    let now = f.clock.now_ms();
    // 0 never seen; 1 silent exactly as long as allowed (offline); 2 a millisecond less (online); 3 and 4 just
    // now; 5 retired.
    f.store
        .mark_screens_seen(&[
            (f.screens[1].clone(), now - SILENCE),
            (f.screens[2].clone(), now - SILENCE + 1),
            (f.screens[3].clone(), now),
            (f.screens[4].clone(), now),
        ])
        .await
        .unwrap();
    f.store
        .retire_screen(
            &f.screens[5],
            0,
            &AuditEntry::by_system("screen.retire", &f.screens[5], now),
        )
        .await
        .unwrap();
    let notify = || Arc::new(tokio::sync::Notify::new());
    let mut wa = HealthWatch::new(a, notify());
    let mut wb = HealthWatch::new(b, notify());
    let counted = wb.pass().await.unwrap();
    assert_eq!(counted.first_seen, 0, "node-b does not record: {counted:?}");
    let recorded = wa.pass().await.unwrap();
    assert_eq!(recorded.first_seen, 4, "{recorded:?}");
    let airport = |status: &'static str| ("airport".to_string(), status);
    assert_eq!(
        recorded.counts,
        [
            (airport("never_seen"), 1),
            (airport("offline"), 1),
            (airport("online"), 3)
        ]
        .into()
    );
    assert_eq!(counted.counts, recorded.counts);
}
