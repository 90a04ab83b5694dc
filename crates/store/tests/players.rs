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
            language: "en".into(),
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
        media: None,
        planned_ms: None,
    }
}

#[tokio::test]
async fn pairing_devices_and_plays() {
    for (s, _dir) in backends().await {
        let sc = screen(&s).await;
        let id = sc.screen.id.as_str();
        let now = now_ms();
        let p = s
            .create_pairing("ABC234", "h1", &json!({}), None, now, 60_000)
            .await
            .unwrap();
        assert!(matches!(
            s.create_pairing("ABC234", "h2", &json!({}), None, now, 60_000)
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
        assert_eq!(
            s.valid_devices(now).await.unwrap(),
            vec![("tok".to_string(), got.clone())]
        );
        assert!(
            s.valid_devices(now + 10_000).await.unwrap().is_empty(),
            "expired"
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
        assert!(s.valid_devices(now).await.unwrap().is_empty(), "revoked");

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
        // Two of one screen in a group: the later one is kept.
        s.record_heartbeats(&[beat(3, Some(1), now + 2), beat(4, Some(2), now + 3)])
            .await
            .unwrap();
        let st = s.screen_status(id).await.unwrap().unwrap();
        assert_eq!(
            (st.heartbeat, st.clock_offset_ms),
            (json!({"v": 4}), Some(2))
        );
        assert_eq!(
            s.screen(id).await.unwrap().screen.last_seen_at,
            Some(now + 3)
        );

        let day = 1_764_000_000_000;
        let ctx = s.play_context(id, &Default::default()).await.unwrap();
        let rec = |e: PlayEvent| twincast_core::proof::PlayRecord {
            v: 1,
            reference: new_id(),
            event: e.id.clone(),
            screen: id.to_string(),
            location: ctx.location_id.clone(),
            device: Some(d.id.clone()),
            partner: e.partner.clone(),
            campaign: e.campaign.clone(),
            item: e.item.clone(),
            alert: None,
            media: None,
            started_at: e.started_at,
            utc_offset_s: 0,
            planned_ms: None,
            actual_ms: e.ended_at - e.started_at,
            policy: "count-v1".into(),
            counted: false,
            reason: Some("planned-unknown".into()),
            received_at: now,
            batch: None,
        };
        let first = [rec(ev("a", Some("x"), day)), rec(ev("b", None, day))];
        let r = s.append_plays(&d.id, None, &first, now).await.unwrap();
        assert_eq!(r.indexes, vec![Some(0), Some(1)]);
        let again = [
            rec(ev("b", None, day)),
            rec(ev("c", Some("x"), day - 86_400_000)),
        ];
        let r = s.append_plays(&d.id, None, &again, now).await.unwrap();
        assert_eq!(r.indexes, vec![None, Some(2)]);
        assert_eq!(s.log_size().await.unwrap(), 3);
        // The stored record is the one appended, byte for byte.
        let (back, index) = s.play_record(&first[1].reference).await.unwrap();
        assert_eq!((back.leaf_bytes(), index), (first[1].leaf_bytes(), Some(1)));
        let leaves = s
            .log_nodes(&[(0, 0), (0, 1), (1, 0)].into_iter().collect())
            .await
            .unwrap();
        assert_eq!(leaves[&(0, 1)], first[1].leaf_hash());
        assert_eq!(
            leaves[&(1, 0)],
            twincast_core::proof::merkle::node_hash(&leaves[&(0, 0)], &leaves[&(0, 1)])
        );
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

        // A batch longer than one multi-row statement, with an event twice and one stored before: each new
        // record gets the next index, the repeats none, and the stored log is the one built in memory.
        let mut long: Vec<_> = (0..130)
            .map(|i| rec(ev(&format!("long-{i}"), None, day + i)))
            .collect();
        long.insert(7, long[3].clone());
        long.push(first[0].clone());
        let r = s.append_plays(&d.id, None, &long, now).await.unwrap();
        let want: Vec<Option<u64>> = (0..130u64)
            .map(|i| Some(3 + i))
            .take(7)
            .chain([None])
            .chain((7..130u64).map(|i| Some(3 + i)))
            .chain([None])
            .collect();
        assert_eq!(r.indexes, want);
        assert_eq!(s.log_size().await.unwrap(), 133);
        let mut built = twincast_core::proof::Frontier::default();
        for leaf in first
            .iter()
            .chain([&again[1]])
            .chain(long.iter().take(7))
            .chain(long.iter().skip(8).take(123))
        {
            built.append(leaf.leaf_hash());
        }
        let stored = s
            .log_nodes(
                &twincast_core::proof::Frontier::ids(133)
                    .into_iter()
                    .collect(),
            )
            .await
            .unwrap();
        assert_eq!(stored.into_iter().collect::<Vec<_>>(), {
            let mut b = built.nodes.clone();
            b.sort();
            b
        });

        // A group: one transaction for several batches; a replayed one fails alone, a repeat across the group's
        // batches is stored once.
        let batch = |id: &str, seq| BatchRow {
            id: id.into(),
            seq,
            payload: "e30=".into(),
            signature: "sig".into(),
        };
        let item =
            |b: Option<BatchRow>, records: Vec<twincast_core::proof::PlayRecord>| PlayAppend {
                device_id: d.id.clone(),
                batch: b,
                records,
                received_at: now,
            };
        let g1 = rec(ev("g1", None, day));
        let out = s
            .append_plays_group(&[
                item(Some(batch("b5", 5)), vec![g1.clone()]),
                item(Some(batch("b5-again", 5)), vec![rec(ev("g2", None, day))]),
                item(None, vec![g1.clone(), rec(ev("g3", None, day))]),
            ])
            .await
            .unwrap();
        assert_eq!(out[0].as_ref().unwrap().indexes, vec![Some(133)]);
        assert!(matches!(&out[1], Err(StoreError::Conflict(c)) if c == "batch-replayed"));
        assert_eq!(out[2].as_ref().unwrap().indexes, vec![None, Some(134)]);
        assert_eq!(s.log_size().await.unwrap(), 135);
    }
}

#[tokio::test]
async fn commands_queue_deliver_finish_and_expire() {
    for (s, _dir) in backends().await {
        let sc = screen(&s).await;
        let id = sc.screen.id.clone();
        let new = |cmd: &str, expires_at: i64| NewScreenCommand {
            id: new_id(),
            screen_id: id.clone(),
            command: cmd.into(),
            args: json!({"seconds": 5}),
            created_by: "op".into(),
            expires_at,
        };
        let a = new("identify", 10_000);
        let audit = AuditEntry::by_system("screen.command", &id, 1_000);
        let queued = s.queue_command(&a, &audit).await.unwrap();
        assert_eq!(
            (
                queued.state.as_str(),
                queued.created_at,
                queued.args.clone()
            ),
            ("queued", 1_000, json!({"seconds": 5}))
        );
        let entries = s
            .list_audit(
                &AuditFilter {
                    action: Some("screen.command".into()),
                    ..Default::default()
                },
                &PageRequest {
                    limit: 10,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(entries.items.len(), 1, "queued with its audit entry");
        // An unknown screen is refused by the reference, and writes no audit entry.
        let mut stray = new("reload", 10_000);
        stray.screen_id = "nope".into();
        assert!(s.queue_command(&stray, &audit).await.is_err());

        let b = new("reload", 5_000);
        s.queue_command(&b, &AuditEntry::by_system("screen.command", &id, 2_000))
            .await
            .unwrap();
        let due = s
            .commands_to_deliver(Some(std::slice::from_ref(&id)), 3_000)
            .await
            .unwrap();
        assert_eq!(
            due.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            [a.id.as_str(), b.id.as_str()],
            "oldest first"
        );
        assert!(s
            .commands_to_deliver(Some(&["other".into()]), 3_000)
            .await
            .unwrap()
            .is_empty());
        // b expires at 5 000: from then on it reads expired and is not due; a is delivered.
        assert_eq!(
            s.commands_to_deliver(None, 5_000)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            [a.id.as_str()]
        );
        assert_eq!(
            s.screen_command(&b.id, 5_000).await.unwrap().state,
            "expired"
        );
        assert_eq!(
            s.screen_command(&b.id, 4_999).await.unwrap().state,
            "queued"
        );
        assert_eq!(
            s.mark_commands_delivered(std::slice::from_ref(&a.id), 4_000)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.mark_commands_delivered(std::slice::from_ref(&a.id), 4_500)
                .await
                .unwrap(),
            0
        );
        let fin = AuditEntry::by_system("command.done", &a.id, 6_000);
        let done = s
            .finish_command(&a.id, &id, "done", Some("ok"), None, &fin)
            .await
            .unwrap();
        assert_eq!(
            (
                done.state.as_str(),
                done.delivered_at,
                done.done_at,
                done.result.as_deref()
            ),
            ("done", Some(4_000), Some(6_000), Some("ok"))
        );
        assert!(matches!(
            s.finish_command(&a.id, &id, "failed", None, Some("x"), &fin)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.finish_command(&a.id, "other", "done", None, None, &fin)
                .await,
            Err(StoreError::NotFound)
        ));
        // Pages, newest first; the state filter sees the computed state.
        let page = |cursor: Option<String>| PageRequest { limit: 1, cursor };
        let p1 = s
            .list_screen_commands(&id, None, 7_000, &page(None))
            .await
            .unwrap();
        assert_eq!(p1.items[0].id, b.id);
        let p2 = s
            .list_screen_commands(&id, None, 7_000, &page(p1.next_cursor.clone()))
            .await
            .unwrap();
        assert_eq!(p2.items[0].id, a.id);
        assert!(p2.next_cursor.is_none());
        let expired = s
            .list_screen_commands(&id, Some("expired"), 7_000, &page(None))
            .await
            .unwrap();
        assert_eq!(expired.items.len(), 1);
        assert_eq!(expired.items[0].id, b.id);
    }
}

#[tokio::test]
async fn layouts_round_trip_and_assignments() {
    use twincast_core::zones::ZoneSpec;
    for (s, _dir) in backends().await {
        let seeded = s
            .list_layouts(
                None,
                &PageRequest {
                    limit: 10,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(seeded.items.len(), 2);
        assert_eq!(
            seeded.items[0].zones,
            twincast_core::zones::builtin_zones(twincast_core::screen::Orientation::Landscape),
            "the seeded landscape layout is today's"
        );
        let input = LayoutInput {
            slug: "side".into(),
            name: "Side".into(),
            orientation: "landscape".into(),
            zones: vec![ZoneSpec {
                name: "main".into(),
                x: 0.0,
                y: 0.0,
                w: 75.0,
                h: 100.0,
                overlay: false,
            }],
        };
        let l = s
            .create_layout(&input, &AuditEntry::by_system("layout.create", "", 5))
            .await
            .unwrap();
        assert_eq!((l.version, l.created_at), (1, 5));
        let sc = screen(&s).await;
        let v0 = s.schedule_version().await.unwrap();
        s.set_screen_layout(
            &sc.screen.id,
            Some(&l.id),
            &AuditEntry::by_system("screen.layout", &sc.screen.id, 6),
        )
        .await
        .unwrap();
        assert!(
            s.schedule_version().await.unwrap() > v0,
            "an assignment changes manifests"
        );
        let a = s.layout_assignments().await.unwrap();
        assert_eq!(a.screens[&sc.screen.id].slug, "side");
        assert!(matches!(
            s.delete_layout(&l.id, 0, &AuditEntry::by_system("layout.delete", &l.id, 7))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.update_layout(
                &l.id,
                &input,
                9,
                &AuditEntry::by_system("layout.update", &l.id, 7)
            )
            .await,
            Err(StoreError::Stale { current: 1 })
        ));
    }
}

#[tokio::test]
async fn hellos_of_many_screens_mark_them_seen_and_read_their_commands_together() {
    for (s, _dir) in backends().await {
        let a = screen(&s).await.screen;
        let mut b = a.clone();
        b.name = "Bay 2".into();
        let b = s
            .create_screen(&b, &AuditEntry::by_system("screen.create", "", 1))
            .await
            .unwrap()
            .screen;
        // Seen together; a screen named twice keeps its latest time, whatever the order.
        s.mark_screens_seen(&[
            (b.id.clone(), 7_000),
            (a.id.clone(), 5_000),
            (b.id.clone(), 6_000),
        ])
        .await
        .unwrap();
        assert_eq!(
            s.screen(&a.id).await.unwrap().screen.last_seen_at,
            Some(5_000)
        );
        assert_eq!(
            s.screen(&b.id).await.unwrap().screen.last_seen_at,
            Some(7_000)
        );
        s.mark_screens_seen(&[]).await.unwrap();

        // More commands queued for b than one read returns, then one for a: a list of screens naming a still
        // gets a's, beyond the first 200 ids of the list.
        let cmd = |screen: &str| NewScreenCommand {
            id: new_id(),
            screen_id: screen.to_string(),
            command: "identify".into(),
            args: json!({}),
            created_by: "op".into(),
            expires_at: 10_000,
        };
        for _ in 0..1_001 {
            s.queue_command(
                &cmd(&b.id),
                &AuditEntry::by_system("screen.command", &b.id, 1_000),
            )
            .await
            .unwrap();
        }
        let for_a = cmd(&a.id);
        s.queue_command(
            &for_a,
            &AuditEntry::by_system("screen.command", &a.id, 1_000),
        )
        .await
        .unwrap();
        let mut ids: Vec<String> = (0..249).map(|i| format!("absent-{i}")).collect();
        ids.push(a.id.clone());
        let due = s.commands_to_deliver(Some(&ids), 2_000).await.unwrap();
        assert_eq!(
            due.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            [for_a.id.as_str()]
        );
        let both = s
            .commands_to_deliver(Some(&[a.id.clone(), b.id.clone()]), 2_000)
            .await
            .unwrap();
        assert_eq!(both.len(), 1_000, "at most 1,000 at a time");
        assert!(both.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
        assert!(s
            .commands_to_deliver(Some(&[]), 2_000)
            .await
            .unwrap()
            .is_empty());
        assert!(
            s.commands_to_deliver(Some(&ids), 10_000)
                .await
                .unwrap()
                .is_empty(),
            "expired"
        );
    }
}
