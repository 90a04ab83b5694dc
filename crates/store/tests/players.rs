//! Player records (pairings, devices, heartbeats, proof of play) on SQLite and on PostgreSQL
//! (`TWINCAST_TEST_DATABASE_URL`).

use serde_json::json;
use twincast_store::*;

async fn backends() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let mut out = vec![(Store::connect(&url).await.unwrap(), Some(dir))];
    match std::env::var("TWINCAST_TEST_DATABASE_URL") {
        Ok(admin) => {
            let url = Store::create_scratch_database(&admin).await.unwrap();
            out.push((Store::connect(&url).await.unwrap(), None));
        }
        Err(_) if std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("TWINCAST_TEST_DATABASE_URL is not set but TWINCAST_TEST_REQUIRE_SERVICES=1")
        }
        Err(_) => eprintln!("note: PostgreSQL not run (TWINCAST_TEST_DATABASE_URL unset)"),
    }
    out
}

async fn screen(s: &Store) -> ScreenView {
    let l = s
        .create_location(
            &LocationInput {
                slug: "bus-1".into(),
                name: "Bus".into(),
                kind: "bus_terminal".into(),
                lat: Some(1.0),
                lon: Some(2.0),
                tz: "Europe/Paris".into(),
            },
            &twincast_store::AuditEntry::by_system("location.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    s.create_screen(
        &Screen {
            id: String::new(),
            name: "Bay 1".into(),
            location_id: l.id,
            lat: None,
            lon: None,
            tz: "Europe/Paris".into(),
            width: 1920,
            height: 1080,
            orientation: "landscape".into(),
            tags: vec![],
            last_seen_at: None,
        },
        &twincast_store::AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
    )
    .await
    .unwrap()
}

fn ev(id: &str, partner: Option<&str>, start: i64) -> PlayEvent {
    PlayEvent {
        id: id.into(),
        campaign: Some("c".into()),
        item: Some("i".into()),
        partner: partner.map(str::to_string),
        alert: None,
        started_at: start,
        ended_at: start + 2000,
    }
}

#[tokio::test]
async fn pairing_devices_and_plays() {
    for (s, _dir) in backends().await {
        let sc = screen(&s).await;
        let id = sc.screen.id.as_str();
        let now = now_ms();
        let p = s
            .create_pairing("ABC234", "h1", &json!({}), now, 60_000)
            .await
            .unwrap();
        assert!(matches!(
            s.create_pairing("ABC234", "h2", &json!({}), now, 60_000)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let pair = AuditEntry::by_system("screen.pair", id, now);
        let screen_log = AuditFilter {
            resource: Some("screen".into()),
            resource_id: Some(id.to_string()),
            ..Default::default()
        };
        let all = PageRequest {
            limit: 100,
            cursor: None,
        };
        assert!(matches!(
            s.claim_pairing("ZZZ999", id, 1000, &pair).await,
            Err(StoreError::NotFound)
        ));
        let (d, replaced) = s.claim_pairing("ABC234", id, 10_000, &pair).await.unwrap();
        assert!(replaced.is_empty());
        assert!(matches!(
            s.claim_pairing("ABC234", id, 1000, &pair).await,
            Err(StoreError::Conflict(_))
        ));
        // Exactly one entry: the refused claims wrote none; the claim names the new device.
        let log: Vec<_> = (s.list_audit(&screen_log, &all).await.unwrap().items)
            .into_iter()
            .filter(|e| e.action != "screen.create") // the fixture's creation of the screen
            .collect();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "screen.pair");
        assert_eq!(log[0].changes, json!({"device": [null, d.id]}));
        let got = s.deliver_pairing(&p.id, "tok", now).await.unwrap();
        assert_eq!(got.id, d.id);
        assert!(matches!(
            s.deliver_pairing(&p.id, "tok2", now).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.device_by_token("tok", now).await.unwrap(),
            Ok(got.clone())
        );
        assert_eq!(
            s.device_by_token("tok", now + 10_000).await.unwrap(),
            Err(TokenState::Expired)
        );
        assert_eq!(
            s.device_by_token("nope", now).await.unwrap(),
            Err(TokenState::Unknown)
        );
        let unpair = AuditEntry::by_system("screen.unpair", id, now);
        assert_eq!(
            s.revoke_devices(id, &unpair).await.unwrap(),
            vec![d.id.clone()]
        );
        assert!(s.revoke_devices(id, &unpair).await.unwrap().is_empty());
        let log: Vec<_> = (s.list_audit(&screen_log, &all).await.unwrap().items)
            .into_iter()
            .filter(|e| e.action != "screen.create")
            .collect();
        assert_eq!(log.len(), 2, "a revocation of nothing writes no entry");
        assert_eq!(log[0].action, "screen.unpair");
        assert_eq!(log[0].changes, json!({"device": [[d.id], null]}));
        assert_eq!(
            s.device_by_token("tok", now).await.unwrap(),
            Err(TokenState::Revoked)
        );
        assert!(s.active_device(id).await.unwrap().is_none());

        let beat = |v: i64, clock_offset_ms: Option<i64>, at: i64| HeartbeatRecord {
            screen_id: id.to_string(),
            device_id: d.id.clone(),
            body: json!({ "v": v }).to_string(),
            clock_offset_ms,
            at,
        };
        s.record_heartbeats(&[beat(1, Some(5), now)]).await.unwrap();
        s.record_heartbeats(&[beat(2, None, now + 1)])
            .await
            .unwrap();
        let st = s.screen_status(id).await.unwrap().unwrap();
        assert_eq!(st.heartbeat, json!({"v": 2}));
        assert_eq!(
            s.screen(id).await.unwrap().screen.last_seen_at,
            Some(now + 1)
        );

        let day = 1_764_000_000_000;
        let r = s
            .record_plays(
                id,
                &d.id,
                &[ev("a", Some("x"), day), ev("b", None, day)],
                now,
            )
            .await
            .unwrap();
        assert_eq!((r.accepted, r.duplicates), (2, 0));
        let r = s
            .record_plays(
                id,
                &d.id,
                &[ev("b", None, day), ev("c", Some("x"), day - 86_400_000)],
                now,
            )
            .await
            .unwrap();
        assert_eq!((r.accepted, r.duplicates), (1, 1));
        let by = s
            .play_aggregates(&PlayFilter::default(), PlayGrouping::Partner)
            .await
            .unwrap();
        let keys: Vec<(Option<String>, i64)> =
            by.iter().map(|r| (r.key.clone(), r.plays)).collect();
        assert!(
            keys.contains(&(Some("x".into()), 2)) && keys.contains(&(None, 1)),
            "{keys:?}"
        );
        let days = s
            .play_aggregates(
                &PlayFilter {
                    partner: Some("x".into()),
                    ..Default::default()
                },
                PlayGrouping::Day,
            )
            .await
            .unwrap();
        assert_eq!(days.len(), 2);
        assert_eq!(days[1].key.as_deref(), Some("2025-11-24"));
        assert_eq!(days[1].seconds, 2.0);
        s.save_screenshot(id, "image/png", b"\x89PNG..", now)
            .await
            .unwrap();
        assert_eq!(
            s.screenshot(id).await.unwrap().unwrap().1,
            b"\x89PNG..".to_vec()
        );
    }
}
