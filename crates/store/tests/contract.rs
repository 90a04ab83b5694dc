//! The store's contract: every test runs against SQLite and against PostgreSQL (`TWINCAST_TEST_DATABASE_URL`).
//! With `TWINCAST_TEST_REQUIRE_SERVICES=1` (set by the test command) a missing PostgreSQL is a failure.

use std::collections::BTreeMap;
use twincast_store::*;

/// Fresh, empty databases: one SQLite file, and one new PostgreSQL database when configured.
async fn backends() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let mut out = vec![(Store::connect(&url).await.unwrap(), Some(dir))];
    match std::env::var("TWINCAST_TEST_DATABASE_URL") {
        Ok(admin) => out.push((fresh_pg(&admin).await, None)),
        Err(_) if std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("TWINCAST_TEST_DATABASE_URL is not set but TWINCAST_TEST_REQUIRE_SERVICES=1")
        }
        Err(_) => eprintln!("note: PostgreSQL contract not run (TWINCAST_TEST_DATABASE_URL unset)"),
    }
    out
}

/// Creates a new database next to the one in `admin_url` and connects to it.
pub async fn fresh_pg(admin_url: &str) -> Store {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("t_{}", uuid_like());
    let mut conn = sqlx::AnyConnection::connect(admin_url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').unwrap().0;
    Store::connect(&format!("{base}/{name}")).await.unwrap()
}

fn uuid_like() -> String {
    new_id().replace('-', "")
}

fn partner(slug: &str, continent: &str) -> PartnerInput {
    PartnerInput {
        slug: slug.into(),
        names: BTreeMap::from([
            ("en".into(), format!("{slug} city")),
            ("ru".into(), "Город".into()),
            ("zh".into(), "城市".into()),
        ]),
        country: "DE".into(),
        continent: continent.into(),
        lat: Some(51.03),
        lon: Some(6.98),
        since: Some(1999),
        description: "desc".into(),
        descriptions: Default::default(),
        logo_media_id: None,
    }
}

fn media(partner: &str, sha: &str) -> Media {
    Media {
        id: String::new(),
        partner_id: String::new(),
        partner: partner.into(),
        sha256: sha.into(),
        kind: "image".into(),
        media_type: "png".into(),
        mime: "image/png".into(),
        object_key: format!("media/{sha}.png"),
        size: 10,
        width: Some(4),
        height: Some(3),
        duration_ms: None,
        codec: None,
        original_name: "a.png".into(),
        created_by: None,
        created_at: 0,
        updated_at: 0,
        version: 1,
        moderation: Default::default(),
    }
}

#[tokio::test]
async fn migrations_are_idempotent_and_versioned() {
    for (s, _d) in backends().await {
        assert_eq!(s.schema_version().await.unwrap(), SCHEMA_VERSION);
        assert_eq!(s.migrate().await.unwrap(), SCHEMA_VERSION);
        s.ping().await.unwrap();
    }
}

#[tokio::test]
async fn partners_round_trip_with_pagination_and_filters() {
    for (s, _d) in backends().await {
        for i in 0..7 {
            s.create_partner(
                &partner(&format!("p{i}"), if i % 2 == 0 { "Europe" } else { "Asia" }),
                &sys("partner.create"),
            )
            .await
            .unwrap();
        }
        let p = s.partner_by_slug("p3").await.unwrap();
        assert_eq!(p.names["zh"], "城市");
        assert_eq!(p.lat, Some(51.03));
        assert_eq!(p.since, Some(1999));
        // Duplicate slug is a conflict, not a generic error, and its message is the same stable text on every
        // backend (never the database's own).
        match s
            .create_partner(&partner("p3", "Asia"), &sys("partner.create"))
            .await
        {
            Err(StoreError::Conflict(m)) => assert_eq!(m, UNIQUE_CONFLICT),
            r => panic!("expected a conflict, got {r:?}"),
        }
        assert_eq!(UNIQUE_CONFLICT, "already exists");
        // Pages of 3 walk all 7, in slug order, without repeats.
        let mut seen = vec![];
        let mut req = PageRequest {
            limit: 3,
            cursor: None,
        };
        loop {
            let page = s.list_partners(None, None, &req).await.unwrap();
            seen.extend(page.items.iter().map(|p| p.slug.clone()));
            match page.next_cursor {
                Some(c) => req.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, (0..7).map(|i| format!("p{i}")).collect::<Vec<_>>());
        let asia = s
            .list_partners(
                Some("Asia"),
                None,
                &PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(asia.items.len(), 3);
        let bad = s
            .list_partners(
                None,
                None,
                &PageRequest {
                    limit: 3,
                    cursor: Some("%%%".into()),
                },
            )
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid(_))));
        let mut changed = partner("p3-renamed", "Asia");
        changed.description = "new".into();
        let p3 = s.partner_by_slug("p3").await.unwrap();
        let p = s
            .update_partner(&p3.id, &changed, p3.version, &sys("partner.update"))
            .await
            .unwrap();
        assert_eq!(p.version, p3.version + 1);
        // A second writer that read the old version is refused, and writes nothing (no audit entry either).
        let before = s
            .list_audit(
                &AuditFilter::default(),
                &PageRequest {
                    limit: 500,
                    cursor: None,
                },
            )
            .await
            .unwrap()
            .items
            .len();
        match s
            .update_partner(&p3.id, &changed, p3.version, &sys("partner.update"))
            .await
        {
            Err(StoreError::Stale { current }) => assert_eq!(current, p.version),
            r => panic!("expected a stale version, got {r:?}"),
        }
        let after = s
            .list_audit(
                &AuditFilter::default(),
                &PageRequest {
                    limit: 500,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            after.items.len(),
            before,
            "a refused update writes no audit entry"
        );
        assert_eq!(after.items[0].action, "partner.update");
        assert_eq!(
            after.items.len(),
            8,
            "7 creates and 1 update, each with its entry"
        );
        assert_eq!(p.slug, "p3-renamed");
        assert!(matches!(
            s.partner_by_slug("p3").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.update_partner("nope", &changed, 0, &sys("partner.update"))
                .await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn users_sessions_and_tokens() {
    for (s, _d) in backends().await {
        s.create_partner(&partner("a", "Europe"), &sys("partner.create"))
            .await
            .unwrap();
        let u = s
            .create_user(
                "ed",
                "hash1",
                Role::PartnerEditor,
                &["a".into()],
                &sys("user.create"),
            )
            .await
            .unwrap();
        assert_eq!(u.partners, vec!["a".to_string()]);
        assert!(matches!(
            s.create_user("ed", "h", Role::Viewer, &[], &sys("user.create"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        // Unknown partner: nothing is written.
        assert!(matches!(
            s.create_user(
                "ghost",
                "h",
                Role::PartnerEditor,
                &["zzz".into()],
                &sys("user.create")
            )
            .await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.user_by_name("ghost").await,
            Err(StoreError::NotFound)
        ));

        s.create_session(
            &Session {
                id_hash: "sh".into(),
                user_id: u.id.clone(),
                csrf_token: "c".into(),
                expires_at: now_ms() + 60_000,
            },
            now_ms(),
        )
        .await
        .unwrap();
        s.create_session(
            &Session {
                id_hash: "old".into(),
                user_id: u.id.clone(),
                csrf_token: "c".into(),
                expires_at: now_ms() - 1,
            },
            now_ms(),
        )
        .await
        .unwrap();
        assert!(s.session("sh").await.unwrap().is_some());
        assert!(
            s.session("old").await.unwrap().is_none(),
            "expired sessions are not live"
        );
        // A new password ends every session.
        s.set_password(&u.id, "hash2", false, None, 0, &sys("user.set-password"))
            .await
            .unwrap();
        assert!(s.session("sh").await.unwrap().is_none());
        assert_eq!(s.user_by_name("ed").await.unwrap().password_hash, "hash2");

        let t = s
            .create_token(
                &u.id,
                "ci",
                "th",
                &["read".into()],
                None,
                &sys("token.create"),
            )
            .await
            .unwrap();
        assert!(s.token_by_hash("th").await.unwrap().is_some());
        s.revoke_token(&t.id, 0, &sys("token.revoke"))
            .await
            .unwrap();
        assert!(s.token_by_hash("th").await.unwrap().is_none());
        let expired = s
            .create_token(
                &u.id,
                "old",
                "th2",
                &[],
                Some(now_ms() - 1),
                &sys("token.create"),
            )
            .await
            .unwrap();
        assert!(s.token_by_hash("th2").await.unwrap().is_none());
        let mine = TokenFilter {
            user_id: Some(u.id.clone()),
            include_revoked: true,
        };
        let page = PageRequest {
            limit: 10,
            cursor: None,
        };
        assert_eq!(s.list_tokens(&mine, &page).await.unwrap().items.len(), 2);
        assert_eq!(s.token_by_id(&expired.id).await.unwrap().name, "old");
    }
}

#[tokio::test]
async fn screens_by_location_kind() {
    for (s, _d) in backends().await {
        let mut ids = vec![];
        for (slug, kind) in [("airport", "airport"), ("m1", "metro"), ("m2", "metro")] {
            let l = s
                .create_location(
                    &LocationInput {
                        slug: slug.into(),
                        name: slug.to_uppercase(),
                        kind: kind.into(),
                        lat: Some(31.5),
                        lon: Some(120.3),
                        tz: "Asia/Shanghai".into(),
                    },
                    &twincast_store::AuditEntry::by_system(
                        "location.create",
                        "",
                        twincast_store::now_ms(),
                    ),
                )
                .await
                .unwrap();
            for n in 0..2 {
                let v = s
                    .create_screen(
                        &Screen {
                            id: String::new(),
                            name: format!("{slug}-{n}"),
                            location_id: l.id.clone(),
                            lat: Some(31.5),
                            lon: Some(120.3),
                            tz: "Asia/Shanghai".into(),
                            width: 1920,
                            height: 1080,
                            orientation: "landscape".into(),
                            tags: vec!["indoor".into()],
                            language: "en".into(),
                            last_seen_at: None,
                        },
                        &twincast_store::AuditEntry::by_system(
                            "screen.create",
                            "",
                            twincast_store::now_ms(),
                        ),
                    )
                    .await
                    .unwrap();
                ids.push(v.screen.id);
            }
        }
        let all = PageRequest {
            limit: 100,
            cursor: None,
        };
        let metro = s
            .list_screens(
                &ScreenFilter {
                    location_kind: Some("metro".into()),
                    ..Default::default()
                },
                &all,
            )
            .await
            .unwrap();
        assert_eq!(metro.items.len(), 4);
        assert!(metro.items.iter().all(|v| v.location_kind == "metro"));
        assert_eq!(
            s.list_screens(&ScreenFilter::default(), &all)
                .await
                .unwrap()
                .items
                .len(),
            6
        );
        let one = s.screen(&ids[0]).await.unwrap();
        assert_eq!(one.location, "AIRPORT");
        assert_eq!(one.screen.tags, vec!["indoor".to_string()]);
        assert_eq!(
            s.list_locations(
                &LocationFilter {
                    kind: Some("metro".into()),
                    ..Default::default()
                },
                &all
            )
            .await
            .unwrap()
            .items
            .len(),
            2
        );
    }
}

#[tokio::test]
async fn media_dedup_scoping_and_deletion() {
    for (s, _d) in backends().await {
        s.create_partner(&partner("a", "Europe"), &sys("partner.create"))
            .await
            .unwrap();
        s.create_partner(&partner("b", "Asia"), &sys("partner.create"))
            .await
            .unwrap();
        let (m1, created) = s
            .add_media(&media("a", "aa"), &sys("media.create"))
            .await
            .unwrap();
        assert!(created);
        let (again, created) = s
            .add_media(&media("a", "aa"), &sys("media.create"))
            .await
            .unwrap();
        assert!(!created);
        assert_eq!(again.id, m1.id);
        let (m2, created) = s
            .add_media(&media("b", "aa"), &sys("media.create"))
            .await
            .unwrap();
        assert!(
            created,
            "another partner holding the same content gets its own row"
        );
        s.add_media(&media("b", "bb"), &sys("media.create"))
            .await
            .unwrap();
        let all = PageRequest {
            limit: 100,
            cursor: None,
        };
        let f = MediaFilter {
            partner: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(s.list_media(&f, &all).await.unwrap().items.len(), 2);
        let within = MediaFilter {
            within: Some(vec!["a".into()]),
            ..Default::default()
        };
        assert_eq!(s.list_media(&within, &all).await.unwrap().items.len(), 1);
        let none = MediaFilter {
            within: Some(vec![]),
            ..Default::default()
        };
        assert!(s.list_media(&none, &all).await.unwrap().items.is_empty());
        // A partner that owns media cannot be deleted.
        let r = s
            .delete_partner(
                &s.partner_by_slug("a").await.unwrap().id,
                0,
                &sys("partner.delete"),
            )
            .await;
        match r {
            Err(StoreError::Conflict(m)) => assert_eq!(m, "referenced row missing or still in use"),
            r => panic!("expected a conflict, got {r:?}"),
        }
        s.add_rendition(&m1.id, "thumbnail", "thumb/aa.jpg", "image/jpeg", 5)
            .await
            .unwrap();
        s.add_rendition(&m1.id, "thumbnail", "thumb/aa.jpg", "image/jpeg", 5)
            .await
            .unwrap();
        assert_eq!(s.renditions(&m1.id).await.unwrap().len(), 1);
        // Deleting a's copy frees only the thumbnail: b still references the content.
        let orphans = s
            .delete_media(&m1.id, 0, &sys("media.delete"))
            .await
            .unwrap();
        assert_eq!(
            orphans,
            MediaDeletion::Deleted(vec!["thumb/aa.jpg".to_string()])
        );
        let orphans = s
            .delete_media(&m2.id, 0, &sys("media.delete"))
            .await
            .unwrap();
        assert_eq!(
            orphans,
            MediaDeletion::Deleted(vec!["media/aa.png".to_string()])
        );
        assert!(matches!(
            s.delete_media(&m2.id, 0, &sys("media.delete")).await,
            Err(StoreError::NotFound)
        ));
        s.delete_partner(
            &s.partner_by_slug("a").await.unwrap().id,
            0,
            &sys("partner.delete"),
        )
        .await
        .unwrap();
    }
}

/// Higher priorities are claimed first (a fresh upload's screen rendition before a backlog); a running job records
/// its progress; a cancelled job is neither claimed nor overwritten by its worker's outcome; a retry queues it
/// afresh; each change by hand is audited in its own transaction.
#[tokio::test]
async fn jobs_by_priority_with_progress_cancel_and_retry() {
    use twincast_store::jobs::priority;
    for (s, _d) in backends().await {
        let backlog = s
            .enqueue_job_with_priority("transcode", None, 2, priority::SCREEN_BULK)
            .await
            .unwrap();
        let portal = s
            .enqueue_job_with_priority("portal", None, 2, priority::PORTAL_UPLOAD)
            .await
            .unwrap();
        let fresh = s
            .enqueue_job_with_priority("transcode", None, 2, priority::SCREEN_UPLOAD)
            .await
            .unwrap();
        let mut order = Vec::new();
        for _ in 0..3 {
            order.push(s.claim_job("n1").await.unwrap().unwrap().id);
        }
        // a person's portal job comes after every person's screen job but before a bulk backlog
        assert_eq!(
            order,
            [fresh.id.clone(), portal.id.clone(), backlog.id.clone()]
        );
        assert!(s.set_job_progress(&fresh.id, 42).await.unwrap());
        assert_eq!(s.job(&fresh.id).await.unwrap().progress, Some(42));
        assert!(s.set_job_progress(&fresh.id, 250).await.unwrap());
        assert_eq!(s.job(&fresh.id).await.unwrap().progress, Some(100));
        // cancelled while running: its worker's progress report says stop, and its outcome changes nothing
        let entry = AuditEntry::by_system("job.cancel", &fresh.id, now_ms());
        let c = s.cancel_job(&fresh.id, &entry).await.unwrap().unwrap();
        assert_eq!(c.status, JobStatus::Cancelled);
        assert!(!s.set_job_progress(&fresh.id, 50).await.unwrap());
        s.complete_job(&fresh.id).await.unwrap();
        s.fail_job(&fresh.id, "killed").await.unwrap();
        assert_eq!(s.job(&fresh.id).await.unwrap().status, JobStatus::Cancelled);
        assert!(
            s.cancel_job(&fresh.id, &entry).await.unwrap().is_none(),
            "only once"
        );
        let audited = s
            .list_audit(
                &AuditFilter::default(),
                &PageRequest {
                    limit: 500,
                    cursor: None,
                },
            )
            .await
            .unwrap()
            .items;
        assert_eq!(
            audited
                .iter()
                .filter(|e| e.action == "job.cancel" && e.resource_id == fresh.id)
                .count(),
            1
        );
        // retried: queued at once with its attempts counted afresh, claimed again
        let retry = AuditEntry::by_system("job.retry", &fresh.id, now_ms());
        let r = s.retry_job(&fresh.id, &retry).await.unwrap().unwrap();
        assert_eq!(
            (r.status, r.attempts, r.progress),
            (JobStatus::Queued, 0, None)
        );
        assert!(
            s.retry_job(&fresh.id, &retry).await.unwrap().is_none(),
            "a queued job is not retried"
        );
        assert_eq!(s.claim_job("n1").await.unwrap().unwrap().id, fresh.id);
        // a job due later is not claimed, but can be cancelled
        let later = s
            .enqueue_job_after("transcode", None, 1, 100, now_ms() + 3_600_000)
            .await
            .unwrap();
        assert!(s.claim_job("n1").await.unwrap().is_none());
        let entry = AuditEntry::by_system("job.cancel", &later.id, now_ms());
        assert!(s.cancel_job(&later.id, &entry).await.unwrap().is_some());
    }
}

#[tokio::test]
async fn jobs_claim_once_retry_with_backoff_and_survive_restart() {
    for (s, _d) in backends().await {
        let j = s.enqueue_job("transcode", None, 2).await.unwrap();
        let c = s.claim_job("n1").await.unwrap().unwrap();
        assert_eq!(c.id, j.id);
        assert_eq!(c.status, JobStatus::Running);
        assert!(
            s.claim_job("n1").await.unwrap().is_none(),
            "a running job is not claimed twice"
        );
        let before = now_ms();
        let f = s.fail_job(&j.id, "boom").await.unwrap();
        assert_eq!(f.status, JobStatus::Queued);
        assert!(
            f.run_after >= before + jobs::backoff_ms(1),
            "retry waits (backoff)"
        );
        // Not claimable while the backoff runs; checked only when the claim surely ran before `run_after` (on a
        // machine slow enough to pass 5 s here, claiming it would be right).
        let claimed = s.claim_job("n1").await.unwrap();
        if now_ms() < f.run_after {
            assert!(claimed.is_none(), "a job in backoff is not claimed");
        }
        // Out of the way of what follows, however long the above took.
        let gone = AuditEntry::by_system("job.cancel", &j.id, now_ms());
        s.cancel_job(&j.id, &gone).await.unwrap().unwrap();
        // A job left running by a killed process is queued again.
        let k = s.enqueue_job("transcode", None, 3).await.unwrap();
        assert_eq!(s.claim_job("n1").await.unwrap().unwrap().id, k.id);
        assert_eq!(s.requeue_running_jobs().await.unwrap(), 1);
        assert_eq!(s.job(&k.id).await.unwrap().status, JobStatus::Queued);
        assert_eq!(s.claim_job("n1").await.unwrap().unwrap().id, k.id);
        s.complete_job(&k.id).await.unwrap();
        let k = s.job(&k.id).await.unwrap();
        assert_eq!((k.status, k.progress), (JobStatus::Done, Some(100)));
    }
    assert_eq!(twincast_store::jobs::backoff_ms(1), 5_000);
    assert_eq!(twincast_store::jobs::backoff_ms(3), 20_000);
    assert_eq!(twincast_store::jobs::backoff_ms(40), 600_000);
}

#[tokio::test]
async fn backup_restores_across_backends_and_refuses_newer_schema() {
    let sources = backends().await;
    for (src, _d) in &sources {
        src.create_partner(&partner("a", "Europe"), &sys("partner.create"))
            .await
            .unwrap();
        let u = src
            .create_user(
                "ed",
                "h",
                Role::PartnerEditor,
                &["a".into()],
                &sys("user.create"),
            )
            .await
            .unwrap();
        src.create_token(
            &u.id,
            "t",
            "th",
            &["read".into()],
            None,
            &sys("token.create"),
        )
        .await
        .unwrap();
        src.add_media(&media("a", "aa"), &sys("media.create"))
            .await
            .unwrap();
        let mut buf = Vec::new();
        let rows = src.backup(&mut buf).await.unwrap();
        assert!(rows >= 5, "{rows}");
        // Restore into a fresh store of every backend.
        for (dst, _d2) in backends().await {
            assert_eq!(dst.restore(&buf[..]).await.unwrap(), rows);
            let p = dst.partner_by_slug("a").await.unwrap();
            assert_eq!(p.lat, Some(51.03));
            assert_eq!(
                dst.user_by_name("ed").await.unwrap().partners,
                vec!["a".to_string()]
            );
            assert!(dst.token_by_hash("th").await.unwrap().is_some());
            // Not into a non-empty database.
            assert!(matches!(
                dst.restore(&buf[..]).await,
                Err(StoreError::Conflict(_))
            ));
        }
        // A backup from a newer schema is refused and writes nothing.
        let text = String::from_utf8(buf.clone()).unwrap();
        let newer = text.replacen(
            &format!("\"schema_version\":{SCHEMA_VERSION}"),
            &format!("\"schema_version\":{}", SCHEMA_VERSION + 1),
            1,
        );
        for (dst, _d2) in backends().await {
            assert!(matches!(
                dst.restore(newer.as_bytes()).await,
                Err(StoreError::NewerSchema { .. })
            ));
            assert_eq!(dst.count_partners().await.unwrap(), 0);
            // A corrupt line aborts the whole restore.
            let broken = format!("{}{{not json\n", text);
            assert!(matches!(
                dst.restore(broken.as_bytes()).await,
                Err(StoreError::Invalid(_))
            ));
            assert_eq!(dst.count_partners().await.unwrap(), 0);
        }
    }
}

#[tokio::test]
async fn backup_covers_every_table() {
    for (s, _d) in backends().await {
        let mut listed: Vec<String> = BACKUP_TABLES.iter().map(|t| t.to_string()).collect();
        listed.sort();
        assert_eq!(
            s.table_names().await.unwrap(),
            listed,
            "a new table must be added to the backup"
        );
    }
}

fn sys(action: &str) -> twincast_store::AuditEntry {
    twincast_store::AuditEntry::by_system(action, "", twincast_store::now_ms())
}

fn loc_input(slug: &str, tz: &str) -> LocationInput {
    LocationInput {
        slug: slug.into(),
        name: slug.to_uppercase(),
        kind: "metro".into(),
        lat: Some(52.5),
        lon: Some(13.4),
        tz: tz.into(),
    }
}

fn screen_at(l: &Location, name: &str) -> Screen {
    Screen {
        id: String::new(),
        name: name.into(),
        location_id: l.id.clone(),
        lat: l.lat,
        lon: l.lon,
        tz: l.tz.clone(),
        width: 1920,
        height: 1080,
        orientation: "landscape".into(),
        tags: vec!["a_b".into()],
        language: "en".into(),
        last_seen_at: None,
    }
}

#[tokio::test]
async fn places_versions_retirement_and_audit() {
    for (s, _d) in backends().await {
        let l = s
            .create_location(&loc_input("m1", "Europe/Berlin"), &sys("location.create"))
            .await
            .unwrap();
        assert_eq!(l.version, 1);
        let v = s
            .create_screen(&screen_at(&l, "one"), &sys("screen.create"))
            .await
            .unwrap();
        let id = v.screen.id.clone();
        assert_eq!((v.version, v.retired_at), (1, None));
        assert_eq!(v.location_slug, "m1");
        // A stale version changes nothing.
        let mut changed = v.screen.clone();
        changed.name = "renamed".into();
        assert!(matches!(
            s.update_screen(&id, &changed, 9, &sys("screen.update"))
                .await,
            Err(StoreError::Stale { current: 1 })
        ));
        assert_eq!(s.screen(&id).await.unwrap().screen.name, "one");
        let v2 = s
            .update_screen(&id, &changed, 1, &sys("screen.update"))
            .await
            .unwrap();
        assert_eq!((v2.version, v2.screen.name.as_str()), (2, "renamed"));
        // The location's new zone and coordinates reach the screen that carried the old ones.
        let mut li = loc_input("m1", "Europe/Paris");
        li.lat = Some(48.8);
        assert!(matches!(
            s.update_location(&l.id, &li, 5, &sys("location.update"))
                .await,
            Err(StoreError::Stale { current: 1 })
        ));
        let change = s
            .update_location(&l.id, &li, 1, &sys("location.update"))
            .await
            .unwrap();
        assert_eq!(change.location.version, 2);
        assert_eq!(change.screens, vec![id.clone()]);
        let v3 = s.screen(&id).await.unwrap();
        assert_eq!(
            (v3.screen.tz.as_str(), v3.screen.lat),
            ("Europe/Paris", Some(48.8))
        );
        assert_eq!(v3.version, 3);
        let upd = s
            .list_audit(
                &AuditFilter {
                    action: Some("location.update".into()),
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
        assert_eq!(
            upd[0].changes["screens_followed"],
            serde_json::json!([null, [id]])
        );
        // In use: refused, naming the screen.
        match s.delete_location(&l.id, 0, &sys("location.delete")).await {
            Err(StoreError::Conflict(m)) => assert!(m.contains("renamed"), "{m}"),
            other => panic!("{other:?}"),
        }
        // The tag filter treats `_` literally; a retired screen leaves the default list and the catalog.
        let all = PageRequest {
            limit: 100,
            cursor: None,
        };
        let tagged = |t: &str| ScreenFilter {
            tag: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(
            s.list_screens(&tagged("a_b"), &all)
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            s.list_screens(&tagged("axb"), &all)
                .await
                .unwrap()
                .items
                .len(),
            0
        );
        assert!(matches!(
            s.retire_screen(&id, 1, &sys("screen.retire")).await,
            Err(StoreError::Stale { current: 3 })
        ));
        s.retire_screen(&id, 3, &sys("screen.retire"))
            .await
            .unwrap();
        assert!(matches!(
            s.retire_screen(&id, 0, &sys("screen.retire")).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.update_screen(&id, &changed, 0, &sys("screen.update"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(s.screen(&id).await.unwrap().retired_at.is_some());
        assert!(s
            .list_screens(&ScreenFilter::default(), &all)
            .await
            .unwrap()
            .items
            .is_empty());
        let retired = ScreenFilter {
            retired: true,
            ..Default::default()
        };
        assert_eq!(s.list_screens(&retired, &all).await.unwrap().items.len(), 1);
        assert!(s.all_core_screens().await.unwrap().is_empty());
        // An empty location deletes, with a version check.
        let empty = s
            .create_location(&loc_input("m2", "Asia/Shanghai"), &sys("location.create"))
            .await
            .unwrap();
        assert!(matches!(
            s.delete_location(&empty.id, 2, &sys("location.delete"))
                .await,
            Err(StoreError::Stale { current: 1 })
        ));
        s.delete_location(&empty.id, 1, &sys("location.delete"))
            .await
            .unwrap();
        assert!(matches!(
            s.location_by_slug("m2").await,
            Err(StoreError::NotFound)
        ));
        // Every accepted write left its entry; the refused ones none.
        let entries = s
            .list_audit(&AuditFilter::default(), &all)
            .await
            .unwrap()
            .items;
        let mut actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        actions.sort();
        assert_eq!(
            actions,
            vec![
                "location.create",
                "location.create",
                "location.delete",
                "location.update",
                "screen.create",
                "screen.retire",
                "screen.update",
            ]
        );
    }
}

#[tokio::test]
async fn screen_list_keyset_by_name_walks_every_screen_once() {
    for (s, _d) in backends().await {
        let l = s
            .create_location(&loc_input("m1", "Europe/Berlin"), &sys("location.create"))
            .await
            .unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for i in 0..7 {
            // Three share a name: the id breaks the tie.
            let name = if i < 3 {
                "same".to_string()
            } else {
                format!("n{i}")
            };
            let v = s
                .create_screen(&screen_at(&l, &name), &sys("screen.create"))
                .await
                .unwrap();
            ids.insert(v.screen.id);
        }
        for desc in [false, true] {
            for sort in [ScreenSort::Name, ScreenSort::Created] {
                let f = ScreenFilter {
                    sort,
                    desc,
                    ..Default::default()
                };
                let mut seen = vec![];
                let mut page = PageRequest {
                    limit: 2,
                    cursor: None,
                };
                loop {
                    let p = s.list_screens(&f, &page).await.unwrap();
                    seen.extend(p.items.into_iter().map(|v| v.screen.id));
                    match p.next_cursor {
                        Some(c) => page.cursor = Some(c),
                        None => break,
                    }
                }
                assert_eq!(seen.len(), 7, "{sort:?} desc={desc}");
                assert_eq!(
                    seen.iter()
                        .cloned()
                        .collect::<std::collections::BTreeSet<_>>(),
                    ids
                );
            }
        }
        let bad = PageRequest {
            limit: 2,
            cursor: Some("bm90LWpzb24".into()),
        };
        assert!(matches!(
            s.list_screens(&ScreenFilter::default(), &bad).await,
            Err(StoreError::Invalid(_))
        ));
    }
}

/// Readiness asks whether the database answers, not whether the pool has a connection free: on PostgreSQL (a node
/// among several, where a burst of requests can hold every pooled connection for seconds) the ping has a
/// connection of its own.
#[tokio::test]
async fn readiness_answers_while_every_pooled_connection_is_busy() {
    for (s, _d) in backends().await {
        if s.backend() != Backend::Postgres {
            s.ping().await.unwrap();
            continue;
        }
        let max = s.pool().options().get_max_connections();
        let mut held = Vec::new();
        for _ in 0..max {
            held.push(s.pool().acquire().await.unwrap());
        }
        assert_eq!(s.pool().size(), max);
        assert_eq!(s.pool().num_idle(), 0);
        s.ping()
            .await
            .expect("the probe does not wait for the pool");
        drop(held);
        s.close().await;
        assert!(s.ping().await.is_err(), "a closed store is not ready");
    }
}
