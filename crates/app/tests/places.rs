//! Places in the application layer: roles, audit entries (actor, partner None), `If-Match`, retirement, and the
//! change events that make the hub push (a screen change names the screen; a location change its screens).

use serde_json::json;
use tokio::sync::broadcast::Receiver;
use twincast_app::places::{NewLocation, NewScreen};
use twincast_app::{Actor, App, AppError, ManualClock, ServerEvent, Settings};
use twincast_store::{AuditFilter, PageRequest, Role, Store, User};

/// 2026-06-01T04:00:00Z.
const T0: i64 = 1_780_286_400_000;

async fn app() -> (App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("db.sqlite").display()
    );
    let store = Store::connect(&url).await.unwrap();
    let storage = twincast_media::Storage::open("", &dir.path().join("data"))
        .await
        .unwrap();
    let app = App::new(store, storage, Settings::default()).with_clock(ManualClock::new(T0));
    (app, dir)
}

fn viewer() -> Actor {
    Actor::new(User {
        id: String::new(),
        username: "viewer".into(),
        role: Role::Viewer,
        partners: vec![],
        disabled: false,
        created_at: 0,
        password_hash: String::new(),
        ..User::default()
    })
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

fn drained(events: &mut Receiver<ServerEvent>) -> Vec<ServerEvent> {
    std::iter::from_fn(|| events.try_recv().ok()).collect()
}

fn new_location(slug: &str) -> NewLocation {
    NewLocation {
        slug: slug.into(),
        name: "Metro".into(),
        kind: "metro".into(),
        lat: Some(52.5),
        lon: Some(13.4),
        tz: "Europe/Berlin".into(),
    }
}

#[tokio::test]
async fn places_lifecycle_in_the_app() {
    let (app, _dir) = app().await;
    let admin = App::local_admin();
    assert_eq!(
        code(app.create_location(&viewer(), new_location("m1")).await),
        "forbidden"
    );
    let l = app
        .create_location(&admin, new_location("m1"))
        .await
        .unwrap();
    assert_eq!((l.created_at, l.version), (T0, 1));
    let s = app
        .create_screen(
            &admin,
            NewScreen {
                name: "P1".into(),
                location: "m1".into(),
                lat: None,
                lon: None,
                tz: None,
                width: 1920,
                height: 1080,
                tags: vec![],
                language: None,
            },
        )
        .await
        .unwrap();
    let id = s.view.screen.id.clone();
    assert_eq!(s.view.screen.tz, "Europe/Berlin");
    let mut events = app.events.subscribe();

    // Roles, versions, and the event naming the screen.
    assert_eq!(
        code(
            app.patch_screen(&viewer(), &id, &json!({"name": "x"}), None)
                .await
        ),
        "forbidden"
    );
    assert_eq!(
        code(
            app.patch_screen(&admin, &id, &json!({"name": "x"}), Some(4))
                .await
        ),
        "stale-version"
    );
    assert_eq!(
        code(
            app.patch_screen(&admin, &id, &json!({"name": ""}), None)
                .await
        ),
        "invalid-name"
    );
    let s = app
        .patch_screen(
            &admin,
            &id,
            &json!({"tags": ["outdoor"], "height": 2000}),
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(s.view.screen.orientation, "portrait");
    assert_eq!(s.view.updated_at, T0);
    assert_eq!(
        drained(&mut events),
        vec![ServerEvent::ScheduleChanged {
            screens: Some(vec![id.clone()])
        }]
    );
    // A location change names its screens.
    app.patch_location(&admin, "m1", &json!({"kind": "airport"}), Some(1))
        .await
        .unwrap();
    assert_eq!(
        drained(&mut events),
        vec![ServerEvent::ScheduleChanged {
            screens: Some(vec![id.clone()])
        }]
    );
    assert_eq!(
        code(app.delete_location(&admin, "m1", None).await),
        "location-in-use"
    );
    // Retired: no more changes; the audit holds who did what, with no partner.
    assert_eq!(
        code(app.retire_screen(&viewer(), &id, None).await),
        "forbidden"
    );
    app.retire_screen(&admin, &id, Some(2)).await.unwrap();
    assert_eq!(
        code(
            app.patch_screen(&admin, &id, &json!({"name": "y"}), None)
                .await
        ),
        "screen-retired"
    );
    assert_eq!(
        code(app.retire_screen(&admin, &id, None).await),
        "screen-retired"
    );
    let entries = app
        .store
        .list_audit(
            &AuditFilter {
                resource_id: Some(id.clone()),
                ..Default::default()
            },
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["screen.retire", "screen.update", "screen.create"]
    );
    assert!(entries.iter().all(|e| e.partner.is_none() && e.at == T0));
    assert_eq!(entries[0].changes["retired_at"], json!([null, T0]));
    assert_eq!(entries[1].changes["tags"], json!([[], ["outdoor"]]));
}
