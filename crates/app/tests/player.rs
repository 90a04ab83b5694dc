//! The player protocol's operations on a real SQLite store and local object storage, with a manual clock:
//! pairing (once only, expiry), device tokens (expiry by the clock, even when cached; revocation), proof of play
//! (idempotent), heartbeats, commands and screenshots.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use twincast_app::player::{
    CommandInput, DeviceCache, Heartbeat, NoDeviceCache, PairingPoll, PairingRequest,
};
use twincast_app::{Actor, App, AppError, Clock, ManualClock, Settings};
use twincast_store::{Device, LocationInput, PlayEvent, Role, Screen, Store};

const HOUR: i64 = 3_600_000;
const PAIRING_TTL: i64 = 15 * 60_000;
const TOKEN_TTL: i64 = 24 * HOUR;

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    operator: Actor,
    screen_id: String,
    _dir: tempfile::TempDir,
}

/// A landscape screen of location `location_id` in Berlin.
fn platform(location_id: &str, name: &str) -> Screen {
    Screen {
        id: String::new(),
        name: name.into(),
        location_id: location_id.into(),
        lat: None,
        lon: None,
        tz: "Europe/Berlin".into(),
        width: 1920,
        height: 1080,
        orientation: "landscape".into(),
        tags: vec![],
        language: "en".into(),
        last_seen_at: None,
    }
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    let storage = twincast_media::Storage::open("", dir.path()).await.unwrap();
    let clock = ManualClock::new(1_800_000_000_000);
    let app = App::new(store.clone(), storage, Settings::default()).with_clock(clock.clone());
    let user = store
        .create_user(
            "op",
            "not-a-real-hash",
            Role::Operator,
            &[],
            &twincast_store::AuditEntry::by_system("user.create", "", 0),
        )
        .await
        .unwrap();
    let location = store
        .create_location(
            &LocationInput {
                slug: "metro-1".into(),
                name: "Metro 1".into(),
                kind: "metro".into(),
                lat: Some(52.5),
                lon: Some(13.4),
                tz: "Europe/Berlin".into(),
            },
            &twincast_store::AuditEntry::by_system("location.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let screen = store
        .create_screen(
            &platform(&location.id, "Platform 1"),
            &twincast_store::AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    Fixture {
        app,
        clock,
        operator: Actor::new(user),
        screen_id: screen.screen.id,
        _dir: dir,
    }
}

/// A cache that keeps whatever it is given (like the hub's, but never stale by wall time).
#[derive(Default)]
struct MapCache(Mutex<HashMap<String, Device>>);

impl DeviceCache for MapCache {
    fn cached(&self, token_hash: &str) -> Option<Device> {
        self.0.lock().unwrap().get(token_hash).cloned()
    }
    fn remember(&self, token_hash: &str, device: &Device) {
        self.0
            .lock()
            .unwrap()
            .insert(token_hash.to_string(), device.clone());
    }
}

/// Pairs a player with the fixture's screen; returns the device and its token.
async fn pair(f: &Fixture) -> (Device, String) {
    let p = f
        .app
        .create_pairing(&PairingRequest::default(), PAIRING_TTL)
        .await
        .unwrap();
    f.app
        .claim_pairing(&f.operator, &p.code, &f.screen_id, TOKEN_TTL)
        .await
        .unwrap();
    match f.app.poll_pairing(&p.pairing_id, &p.poll_secret).await {
        Ok(PairingPoll::Paired { device, token }) => (device, token),
        other => panic!("expected a paired answer, got {other:?}"),
    }
}

fn code_of<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    r.expect_err("expected an error").code()
}

fn play(id: &str, start: i64) -> PlayEvent {
    PlayEvent {
        id: id.into(),
        campaign: Some("c1".into()),
        item: Some("i1".into()),
        partner: Some("acme".into()),
        alert: None,
        started_at: start,
        ended_at: start + 10_000,
        media: None,
        planned_ms: None,
    }
}

#[tokio::test]
async fn device_token_expires_when_the_clock_passes_its_lifetime() {
    let f = fixture().await;
    let (device, token) = pair(&f).await;
    assert_eq!(device.screen_id, f.screen_id);
    assert_eq!(device.token_expires_at, f.clock.now_ms() + TOKEN_TTL);
    let cache = MapCache::default();
    let d = f.app.authenticate_device(&token, &cache).await.unwrap();
    assert_eq!(d.id, device.id);
    assert!(cache
        .cached(&twincast_app::secrets::secret_hash(&token))
        .is_some());

    f.clock.advance(TOKEN_TTL - 1);
    assert_eq!(
        f.app
            .authenticate_device(&token, &NoDeviceCache)
            .await
            .unwrap()
            .id,
        device.id
    );
    f.clock.advance(1);
    // Expired by the application clock, in the database and in the cache alike.
    assert_eq!(
        code_of(f.app.authenticate_device(&token, &NoDeviceCache).await),
        "device-token-expired"
    );
    assert_eq!(
        code_of(f.app.authenticate_device(&token, &cache).await),
        "device-token-expired"
    );
}

#[tokio::test]
async fn malformed_and_unknown_tokens_are_refused() {
    let f = fixture().await;
    assert_eq!(
        code_of(
            f.app
                .authenticate_device("tc_api-token", &NoDeviceCache)
                .await
        ),
        "invalid-device-token"
    );
    let long = format!("tcd_{}", "a".repeat(300));
    assert_eq!(
        code_of(f.app.authenticate_device(&long, &NoDeviceCache).await),
        "invalid-device-token"
    );
    let forged = twincast_app::secrets::new_device_token();
    assert_eq!(
        code_of(f.app.authenticate_device(&forged, &NoDeviceCache).await),
        "invalid-device-token"
    );
}

#[tokio::test]
async fn a_pairing_code_is_claimed_once_and_its_token_delivered_once() {
    let f = fixture().await;
    let p = f
        .app
        .create_pairing(
            &PairingRequest {
                player_version: Some("test-1".into()),
                ..Default::default()
            },
            PAIRING_TTL,
        )
        .await
        .unwrap();
    assert_eq!(p.code.len(), twincast_app::player::CODE_LEN);
    assert_eq!(
        p.expires_at,
        f.clock.now_ms() + PAIRING_TTL,
        "expiry from the app clock"
    );
    match f.app.poll_pairing(&p.pairing_id, &p.poll_secret).await {
        Ok(PairingPoll::Pending { expires_at }) => assert_eq!(expires_at, p.expires_at),
        other => panic!("expected pending, got {other:?}"),
    }
    assert_eq!(
        code_of(f.app.poll_pairing(&p.pairing_id, "wrong secret").await),
        "pairing-not-found"
    );

    // A viewer may not claim; the operator may, with the code typed loosely.
    let viewer_user = f
        .app
        .store
        .create_user(
            "viewer",
            "x",
            Role::Viewer,
            &[],
            &twincast_store::AuditEntry::by_system("user.create", "", 0),
        )
        .await
        .unwrap();
    assert_eq!(
        code_of(
            f.app
                .claim_pairing(&Actor::new(viewer_user), &p.code, &f.screen_id, TOKEN_TTL)
                .await
        ),
        "forbidden"
    );
    let typed = format!("{}-{}", &p.code[..3].to_ascii_lowercase(), &p.code[3..]);
    let claimed = f
        .app
        .claim_pairing(&f.operator, &typed, &f.screen_id, TOKEN_TTL)
        .await
        .unwrap();
    assert!(claimed.replaced.is_empty());
    assert_eq!(
        code_of(
            f.app
                .claim_pairing(&f.operator, &p.code, &f.screen_id, TOKEN_TTL)
                .await
        ),
        "pairing-already-claimed"
    );

    let Ok(PairingPoll::Paired { device, token }) =
        f.app.poll_pairing(&p.pairing_id, &p.poll_secret).await
    else {
        panic!("the first poll after the claim delivers the token")
    };
    assert_eq!(device.id, claimed.device.id);
    assert!(token.starts_with(twincast_app::player::DEVICE_TOKEN_PREFIX));
    assert_eq!(
        code_of(f.app.poll_pairing(&p.pairing_id, &p.poll_secret).await),
        "pairing-consumed"
    );

    // Pairing again replaces (and revokes) the first device.
    let (second, _) = pair(&f).await;
    assert_ne!(second.id, device.id);
    assert_eq!(
        code_of(f.app.authenticate_device(&token, &NoDeviceCache).await),
        "device-token-revoked"
    );
}

#[tokio::test]
async fn unknown_codes_screens_and_expired_pairings() {
    let f = fixture().await;
    assert_eq!(
        code_of(
            f.app
                .claim_pairing(&f.operator, "0OI1L!", &f.screen_id, TOKEN_TTL)
                .await
        ),
        "pairing-not-found"
    );
    let p = f
        .app
        .create_pairing(&PairingRequest::default(), PAIRING_TTL)
        .await
        .unwrap();
    assert_eq!(
        code_of(
            f.app
                .claim_pairing(&f.operator, &p.code, "no-such-screen", TOKEN_TTL)
                .await
        ),
        "screen-not-found"
    );
    assert_eq!(
        code_of(
            f.app
                .create_pairing(
                    &PairingRequest {
                        user_agent: Some("bad\u{7}agent".into()),
                        ..Default::default()
                    },
                    PAIRING_TTL
                )
                .await
        ),
        "invalid-text"
    );
    f.clock.advance(PAIRING_TTL);
    assert_eq!(
        code_of(f.app.poll_pairing(&p.pairing_id, &p.poll_secret).await),
        "pairing-expired"
    );
    assert_eq!(
        code_of(
            f.app
                .claim_pairing(&f.operator, &p.code, &f.screen_id, TOKEN_TTL)
                .await
        ),
        "pairing-not-found",
        "an expired code cannot be claimed"
    );
}

#[tokio::test]
async fn a_duplicate_play_batch_is_recorded_once() {
    let f = fixture().await;
    let (device, _) = pair(&f).await;
    let t = f.clock.now_ms();
    let batch = vec![play("p-1", t - 30_000), play("p-2", t - 20_000)];
    let first = f.app.record_plays(&device, &batch).await.unwrap();
    assert_eq!((first.accepted, first.duplicates), (2, 0));
    assert_eq!(first.received_at, t);
    f.clock.advance(5_000);
    let again = f.app.record_plays(&device, &batch).await.unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 2));
    assert_eq!(again.received_at, t + 5_000);

    let summary = f
        .app
        .plays_summary(&f.operator, &Default::default())
        .await
        .unwrap();
    assert_eq!(summary.total, 2, "the repeated batch added nothing");
    assert_eq!(summary.seconds, 20.0);
    assert_eq!(summary.by_partner.len(), 1);
    assert_eq!(summary.by_partner[0].slug, "acme");

    // A partner-editor of another partner sees nothing of acme, and may not ask for it.
    let mut editor = f.operator.user.clone();
    editor.role = Role::PartnerEditor;
    editor.partners = vec!["other".into()];
    let editor = Actor::new(editor);
    let theirs = f
        .app
        .plays_summary(&editor, &Default::default())
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);
    let acme = twincast_app::player::PlayReportQuery {
        partner: Some("acme".into()),
        ..Default::default()
    };
    assert_eq!(
        code_of(f.app.plays_summary(&editor, &acme).await),
        "forbidden"
    );
}

#[tokio::test]
async fn invalid_play_batches_store_nothing() {
    let f = fixture().await;
    let (device, _) = pair(&f).await;
    let t = f.clock.now_ms();
    assert_eq!(
        code_of(f.app.record_plays(&device, &[]).await),
        "empty-batch"
    );
    let many: Vec<PlayEvent> = (0..=twincast_app::player::MAX_BATCH)
        .map(|i| play(&format!("e{i}"), t))
        .collect();
    assert_eq!(
        code_of(f.app.record_plays(&device, &many).await),
        "too-many-events"
    );
    let mut bad_id = play("ok-1", t);
    bad_id.id = "has space".into();
    let mut too_long = play("ok-2", t);
    too_long.ended_at = t + 86_400_001;
    let mut unnamed = play("ok-3", t);
    unnamed.campaign = None;
    for bad in [bad_id, too_long, unnamed] {
        assert_eq!(
            code_of(f.app.record_plays(&device, &[play("fine", t), bad]).await),
            "invalid-play-event"
        );
    }
    let summary = f
        .app
        .plays_summary(&f.operator, &Default::default())
        .await
        .unwrap();
    assert_eq!(
        summary.total, 0,
        "a refused batch stores none of its events"
    );
}

#[tokio::test]
async fn heartbeats_take_the_clock_offset_from_the_app_clock() {
    let f = fixture().await;
    let (device, _) = pair(&f).await;
    let t = f.clock.now_ms();
    let hb: Heartbeat = serde_json::from_value(serde_json::json!({
        "player_version": "test-1",
        "device_time": t - 1_500,
        "errors": [{"code": "media-failed", "message": "decode error"}]
    }))
    .unwrap();
    let record = f.app.accept_heartbeat(&device, &hb).unwrap();
    assert_eq!(record.at, t);
    assert_eq!(record.clock_offset_ms, Some(1_500));
    assert_eq!(record.screen_id, f.screen_id);
    assert!(record.body.contains("media-failed"));

    let mut noisy = hb.clone();
    noisy.errors = (0..=twincast_app::player::MAX_HEARTBEAT_ERRORS)
        .map(|_| hb.errors[0].clone())
        .collect();
    assert_eq!(
        code_of(f.app.accept_heartbeat(&device, &noisy)),
        "too-many-errors"
    );
    let mut control = hb.clone();
    control.player_version = Some("1\u{0}".into());
    assert_eq!(
        code_of(f.app.accept_heartbeat(&device, &control)),
        "invalid-text"
    );
}

#[tokio::test]
async fn commands_are_checked_and_revocation_ends_the_token() {
    let f = fixture().await;
    let (_, token) = pair(&f).await;
    let mut events = f.app.events.subscribe();
    let identify = CommandInput::named("identify");
    let sent = f
        .app
        .send_command(&f.operator, &f.screen_id, &identify)
        .await
        .unwrap();
    assert_eq!(sent.command, "identify");
    assert_eq!(sent.state, "queued");
    assert_eq!(sent.screen_id, f.screen_id);
    assert_eq!(
        events.try_recv().unwrap(),
        twincast_app::ServerEvent::Command {
            id: sent.id.clone(),
            screen_id: f.screen_id.clone(),
        },
        "the command is announced with the id the operator gets"
    );
    let again = f
        .app
        .send_command(&f.operator, &f.screen_id, &identify)
        .await
        .unwrap();
    assert_ne!(sent.id, again.id, "every command has its own id");
    let mut viewer = f.operator.user.clone();
    viewer.role = Role::Viewer;
    assert_eq!(
        code_of(
            f.app
                .send_command(
                    &Actor::new(viewer),
                    &f.screen_id,
                    &CommandInput::named("reload")
                )
                .await
        ),
        "forbidden"
    );
    for (input, code) in [
        (CommandInput::named("explode"), "invalid-command"),
        (
            CommandInput {
                args: Some(serde_json::json!([1])),
                ..CommandInput::named("identify")
            },
            "invalid-command-args",
        ),
        (
            CommandInput {
                expires_in_secs: Some(0),
                ..CommandInput::named("identify")
            },
            "invalid-command-expiry",
        ),
    ] {
        assert_eq!(
            code_of(f.app.send_command(&f.operator, &f.screen_id, &input).await),
            code
        );
    }
    assert_eq!(
        code_of(
            f.app
                .send_command(&f.operator, "nope", &CommandInput::named("reload"))
                .await
        ),
        "not-found"
    );

    let revoked = f
        .app
        .revoke_device(&f.operator, &f.screen_id)
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        code_of(f.app.authenticate_device(&token, &NoDeviceCache).await),
        "device-token-revoked"
    );
    assert_eq!(
        code_of(f.app.revoke_device(&f.operator, &f.screen_id).await),
        "no-device"
    );
    let status = f
        .app
        .screen_status(&f.operator, &f.screen_id)
        .await
        .unwrap();
    assert!(status.device.is_none());
    assert_eq!(status.status, twincast_app::places::ScreenStatus::NeverSeen);
}

#[tokio::test]
async fn screenshots_are_png_or_jpeg_and_the_latest_is_kept() {
    let f = fixture().await;
    let (device, _) = pair(&f).await;
    assert_eq!(
        code_of(f.app.screenshot(&f.operator, &f.screen_id).await),
        "no-screenshot"
    );
    assert_eq!(
        code_of(f.app.save_screenshot(&device, b"GIF89a....").await),
        "unsupported-media-type"
    );
    let png = b"\x89PNG\r\n\x1a\nrest-of-a-png".to_vec();
    f.app.save_screenshot(&device, &png).await.unwrap();
    let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
    f.clock.advance(1_000);
    f.app.save_screenshot(&device, &jpeg).await.unwrap();
    let shot = f.app.screenshot(&f.operator, &f.screen_id).await.unwrap();
    assert_eq!(shot.mime, "image/jpeg");
    assert_eq!(shot.data, jpeg);
    assert_eq!(shot.taken_at, f.clock.now_ms());
}

#[tokio::test]
async fn commands_are_queued_delivered_answered_or_expire() {
    use twincast_protocol::{CommandOutcome, CommandResult};
    let f = fixture().await;
    let (_, token) = pair(&f).await;
    let device = f
        .app
        .authenticate_device(&token, &NoDeviceCache)
        .await
        .unwrap();
    let shot = f
        .app
        .send_command(
            &f.operator,
            &f.screen_id,
            &CommandInput {
                args: Some(serde_json::json!({"note": "gate"})),
                ..CommandInput::named("screenshot")
            },
        )
        .await
        .unwrap();
    assert_eq!(shot.expires_at, f.clock.now_ms() + 3_600_000);
    assert_eq!(shot.created_by, "op");
    // Sending is audited in the queue's transaction.
    let audit = f
        .app
        .store
        .list_audit(
            &twincast_app::audit::AuditFilter {
                action: Some("screen.command".into()),
                ..Default::default()
            },
            &twincast_store::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].resource_id, f.screen_id);
    assert_eq!(audit.items[0].changes["command_id"][1], shot.id.as_str());

    // Queued until a socket takes it; the push carries the args.
    let due = f
        .app
        .commands_to_deliver(Some(std::slice::from_ref(&f.screen_id)))
        .await
        .unwrap();
    assert_eq!(due.iter().map(|c| &c.id).collect::<Vec<_>>(), [&shot.id]);
    let push = twincast_app::player::command_push(&due[0], 5).unwrap();
    assert_eq!(
        push,
        twincast_protocol::Push::Command {
            id: shot.id.clone(),
            command: twincast_protocol::Command::Screenshot,
            args: Some(serde_json::json!({"note": "gate"})),
            server_time: 5
        }
    );
    f.clock.advance(1000);
    assert_eq!(
        f.app
            .commands_delivered(std::slice::from_ref(&shot.id))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        f.app
            .commands_delivered(std::slice::from_ref(&shot.id))
            .await
            .unwrap(),
        0
    );
    assert!(f
        .app
        .commands_to_deliver(Some(std::slice::from_ref(&f.screen_id)))
        .await
        .unwrap()
        .is_empty());
    let read = f
        .app
        .screen_command(&f.operator, &f.screen_id, &shot.id)
        .await
        .unwrap();
    assert_eq!(read.state, "delivered");
    assert_eq!(read.delivered_at, Some(f.clock.now_ms()));

    // The player answers once.
    let done = CommandResult {
        status: CommandOutcome::Done,
        result: Some("1920x1080 png, video frame at 3.20 s".into()),
        error: None,
    };
    let finished = f
        .app
        .finish_command(&device, &shot.id, &done)
        .await
        .unwrap();
    assert_eq!(finished.state, "done");
    assert_eq!(finished.result.as_deref(), done.result.as_deref());
    assert_eq!(
        code_of(f.app.finish_command(&device, &shot.id, &done).await),
        "command-answered"
    );
    assert_eq!(
        code_of(f.app.finish_command(&device, "nope", &done).await),
        "command-not-found"
    );
    let long = CommandResult {
        result: Some("x".repeat(2001)),
        ..done.clone()
    };
    assert_eq!(
        code_of(f.app.finish_command(&device, &shot.id, &long).await),
        "invalid-command-result"
    );

    // Not delivered before its expiry: expired, never delivered, listed as expired.
    let short = f
        .app
        .send_command(
            &f.operator,
            &f.screen_id,
            &CommandInput {
                expires_in_secs: Some(60),
                ..CommandInput::named("reload")
            },
        )
        .await
        .unwrap();
    f.clock.advance(60_000);
    assert!(f
        .app
        .commands_to_deliver(Some(std::slice::from_ref(&f.screen_id)))
        .await
        .unwrap()
        .is_empty());
    let page = twincast_store::PageRequest {
        limit: 10,
        cursor: None,
    };
    let expired = f
        .app
        .screen_commands(&f.operator, &f.screen_id, Some("expired"), &page)
        .await
        .unwrap();
    assert_eq!(
        expired.items.iter().map(|c| &c.id).collect::<Vec<_>>(),
        [&short.id]
    );
    let all = f
        .app
        .screen_commands(&f.operator, &f.screen_id, None, &page)
        .await
        .unwrap();
    assert_eq!(
        all.items
            .iter()
            .map(|c| (c.id.as_str(), c.state.as_str()))
            .collect::<Vec<_>>(),
        [(short.id.as_str(), "expired"), (shot.id.as_str(), "done")],
        "newest first"
    );
    assert_eq!(
        code_of(
            f.app
                .screen_commands(&f.operator, &f.screen_id, Some("lost"), &page)
                .await
        ),
        "invalid-command-state"
    );
    assert_eq!(
        code_of(f.app.screen_command(&f.operator, "other", &shot.id).await),
        "command-not-found"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hellos_arriving_together_mark_every_screen_seen_and_get_only_their_own_commands() {
    let f = Arc::new(fixture().await);
    let location = f
        .app
        .store
        .screen(&f.screen_id)
        .await
        .unwrap()
        .screen
        .location_id;
    // 300 screens say hello at once; one of them has a command queued.
    let mut screens = vec![f.screen_id.clone()];
    for i in 0..299 {
        let s = f
            .app
            .store
            .create_screen(
                &platform(&location, &format!("Platform {}", i + 2)),
                &twincast_store::AuditEntry::by_system("screen.create", "", 0),
            )
            .await
            .unwrap();
        screens.push(s.screen.id);
    }
    let cmd = f
        .app
        .send_command(&f.operator, &screens[7], &CommandInput::named("identify"))
        .await
        .unwrap();
    let hellos = screens.iter().cloned().map(|id| {
        let f = f.clone();
        tokio::spawn(async move {
            f.app.screen_seen(&id).await.unwrap();
            (id.clone(), f.app.queued_commands(&id).await.unwrap())
        })
    });
    let answers = futures::future::join_all(hellos).await;
    let now = f.clock.now_ms();
    for a in answers {
        let (id, commands) = a.unwrap();
        let want: Vec<&str> = if id == screens[7] {
            vec![cmd.id.as_str()]
        } else {
            vec![]
        };
        assert_eq!(
            commands.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            want,
            "{id}"
        );
        assert_eq!(
            f.app.store.screen(&id).await.unwrap().screen.last_seen_at,
            Some(now),
            "{id}"
        );
    }
    // A command past its lifetime is not handed out.
    f.clock.advance(3_600_000);
    assert!(f.app.queued_commands(&screens[7]).await.unwrap().is_empty());
}
