//! The health store's contract on SQLite and PostgreSQL (`TWINCAST_TEST_DATABASE_URL`): a transition and its outbox
//! rows are one write, recorded once; the outbox claims each due row once, keeps its backoff, pages newest first.

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
        Err(_) => eprintln!("note: PostgreSQL contract not run (TWINCAST_TEST_DATABASE_URL unset)"),
    }
    out
}

async fn screen(s: &Store) -> String {
    let l = s
        .create_location(
            &LocationInput {
                slug: "t2".into(),
                name: "Terminal 2".into(),
                kind: "airport".into(),
                lat: None,
                lon: None,
                tz: "UTC".into(),
            },
            &AuditEntry::by_system("location.create", "", now_ms()),
        )
        .await
        .unwrap();
    s.create_screen(
        &Screen {
            id: String::new(),
            name: "Gate 7".into(),
            location_id: l.id,
            lat: None,
            lon: None,
            tz: "UTC".into(),
            width: 1920,
            height: 1080,
            orientation: "landscape".into(),
            tags: vec![],
            language: "en".into(),
            last_seen_at: None,
        },
        &AuditEntry::by_system("screen.create", "", now_ms()),
    )
    .await
    .unwrap()
    .screen
    .id
}

fn transition(id: &str, from: Option<&str>, state: &str, at: i64) -> HealthTransition {
    HealthTransition {
        screen_id: id.into(),
        from: from.map(String::from),
        state: state.into(),
        last_seen_at: Some(at - 5_000),
        at,
        event: format!("screen.{state}"),
        event_id: new_id(),
    }
}

fn audit(id: &str) -> AuditEntry {
    AuditEntry::by_system("screen.offline", id, 1)
}

fn outbox() -> Vec<NewNotification> {
    ["https://a.example/h", "https://b.example/h"]
        .iter()
        .map(|u| NewNotification {
            channel: "webhook".into(),
            target: u.to_string(),
            payload: serde_json::json!({"event": "screen.offline", "n": 1}),
        })
        .collect()
}

#[tokio::test]
async fn transitions_and_the_outbox() {
    for (s, _d) in backends().await {
        let id = screen(&s).await;
        s.touch_screen(&id, 1_000).await.unwrap();
        let watched = s.watched_screens().await.unwrap();
        assert_eq!(watched.len(), 1);
        assert_eq!(watched[0].location, "Terminal 2");
        assert_eq!(watched[0].location_slug, "t2");
        assert_eq!(watched[0].last_seen_at, Some(1_000));
        assert_eq!(watched[0].state, None);

        let first = transition(&id, None, "online", 10_000);
        assert_eq!(
            s.record_health(&first, &[], &audit(&id)).await.unwrap(),
            HealthChange::Initial
        );
        assert_eq!(
            s.record_health(&first, &[], &audit(&id)).await.unwrap(),
            HealthChange::Unchanged
        );
        let off = transition(&id, Some("online"), "offline", 20_000);
        assert_eq!(
            s.record_health(&off, &outbox(), &audit(&id)).await.unwrap(),
            HealthChange::Changed
        );
        assert_eq!(
            s.record_health(&off, &outbox(), &audit(&id)).await.unwrap(),
            HealthChange::Unchanged
        );
        assert_eq!(
            s.screen_health(&id).await.unwrap(),
            Some(("offline".to_string(), 20_000))
        );
        assert_eq!(
            s.watched_screens().await.unwrap()[0].state.as_deref(),
            Some("offline")
        );

        let all = PageRequest {
            limit: 1,
            cursor: None,
        };
        let p1 = s.list_notifications(None, &all).await.unwrap();
        assert_eq!(p1.items.len(), 1);
        let p2 = s
            .list_notifications(
                None,
                &PageRequest {
                    limit: 1,
                    cursor: p1.next_cursor.clone(),
                },
            )
            .await
            .unwrap();
        assert_eq!(p2.items.len(), 1);
        assert!(p2.next_cursor.is_none());
        assert!(p1.items[0].id > p2.items[0].id, "newest first");
        assert_eq!(p1.items[0].event_id, off.event_id);
        assert_eq!(p1.items[0].payload["n"], 1);
        assert_eq!(p1.items[0].status, "queued");
        assert!(matches!(
            s.list_notifications(Some("bogus"), &all).await,
            Err(StoreError::Invalid(_))
        ));

        // Claims: each due row once; a lease hides it; failures keep their backoff; delivered rows are done.
        assert_eq!(s.next_notification_due().await.unwrap(), Some(20_000));
        assert!(s.claim_notification(19_999, 0).await.unwrap().is_none());
        let a = s
            .claim_notification(20_000, 140_000)
            .await
            .unwrap()
            .unwrap();
        let b = s
            .claim_notification(20_000, 140_000)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(a.id, b.id);
        assert!(s
            .claim_notification(20_000, 140_000)
            .await
            .unwrap()
            .is_none());
        s.notification_failed(&a.id, "refused", Some(21_000))
            .await
            .unwrap();
        s.notification_delivered(&b.id, 20_500).await.unwrap();
        let a2 = s.notification(&a.id).await.unwrap();
        assert_eq!(
            (
                a2.status.as_str(),
                a2.attempts,
                a2.next_attempt_at,
                a2.last_error.as_deref()
            ),
            ("queued", 1, 21_000, Some("refused"))
        );
        let b2 = s.notification(&b.id).await.unwrap();
        assert_eq!(
            (b2.status.as_str(), b2.attempts, b2.delivered_at),
            ("delivered", 1, Some(20_500))
        );
        assert_eq!(s.next_notification_due().await.unwrap(), Some(21_000));
        let again = s
            .claim_notification(21_000, 141_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.id, a.id);
        s.notification_failed(&a.id, "refused again", None)
            .await
            .unwrap();
        let a3 = s.notification(&a.id).await.unwrap();
        assert_eq!((a3.status.as_str(), a3.attempts), ("failed", 2));
        assert_eq!(s.next_notification_due().await.unwrap(), None);
        let failed = s.list_notifications(Some("failed"), &all).await.unwrap();
        assert_eq!(failed.items.len(), 1);

        // A screen that is gone is not recorded.
        let gone = transition("nope", Some("offline"), "online", 30_000);
        assert_eq!(
            s.record_health(&gone, &outbox(), &audit(&id))
                .await
                .unwrap(),
            HealthChange::Gone
        );
    }
}

#[tokio::test]
async fn a_batch_records_each_transition_once() {
    for (s, _d) in backends().await {
        let id = screen(&s).await;
        let rec = |from: Option<&str>, state: &str, outbox: Vec<NewNotification>| HealthRecord {
            transition: transition(&id, from, state, 50_000),
            outbox,
            audit: audit(&id),
        };
        let changes = s
            .record_health_batch(&[
                rec(None, "online", vec![]),
                rec(Some("online"), "offline", outbox()),
                // Stale: the screen is no longer online by now.
                rec(Some("online"), "offline", outbox()),
            ])
            .await
            .unwrap();
        assert_eq!(
            changes,
            [
                HealthChange::Initial,
                HealthChange::Changed,
                HealthChange::Unchanged
            ]
        );
        let all = PageRequest {
            limit: 100,
            cursor: None,
        };
        assert_eq!(
            s.list_notifications(None, &all).await.unwrap().items.len(),
            2
        );
        let audit = s
            .list_audit(
                &AuditFilter {
                    resource_id: Some(id.clone()),
                    action: Some("screen.offline".into()),
                    ..Default::default()
                },
                &all,
            )
            .await
            .unwrap();
        assert_eq!(audit.items.len(), 1, "one entry for the one change");
    }
}

#[tokio::test]
async fn retired_screens_are_not_watched() {
    for (s, _d) in backends().await {
        let id = screen(&s).await;
        s.touch_screen(&id, 1_000).await.unwrap();
        assert_eq!(
            s.record_health(&transition(&id, None, "online", 2_000), &[], &audit(&id))
                .await
                .unwrap(),
            HealthChange::Initial
        );
        sqlx::query("UPDATE screens SET retired_at = $1 WHERE id = $2")
            .bind(3_000i64)
            .bind(&id)
            .execute(s.pool())
            .await
            .unwrap();
        assert!(s.watched_screens().await.unwrap().is_empty());
        let off = transition(&id, Some("online"), "offline", 4_000);
        assert_eq!(
            s.record_health(&off, &outbox(), &audit(&id)).await.unwrap(),
            HealthChange::Gone
        );
        let all = PageRequest {
            limit: 10,
            cursor: None,
        };
        assert!(s
            .list_notifications(None, &all)
            .await
            .unwrap()
            .items
            .is_empty());
    }
}
