//! Scheduling records (groups, campaigns, alerts) and the engine inputs, on SQLite and on PostgreSQL
//! (`TWINCAST_TEST_DATABASE_URL`).

use serde_json::json;
use std::collections::BTreeMap;
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

struct Fixture {
    screen: ScreenView,
    portrait: ScreenView,
    video: Media,
    card: Media,
    card_portrait: Media,
    other_partner_media: Media,
}

async fn media(s: &Store, partner: &str, sha: &str, kind: &str) -> Media {
    let (ty, mime, dur) = if kind == "video" {
        ("mp4", "video/mp4", Some(15_000))
    } else {
        ("png", "image/png", None)
    };
    s.add_media(
        &Media {
            id: String::new(),
            partner_id: String::new(),
            partner: partner.into(),
            sha256: sha.into(),
            kind: kind.into(),
            media_type: ty.into(),
            mime: mime.into(),
            object_key: format!("media/{sha}.{ty}"),
            size: 1234,
            width: Some(4),
            height: Some(3),
            duration_ms: dur,
            codec: None,
            original_name: "x".into(),
            created_by: None,
            created_at: 0,
            updated_at: 0,
            version: 1,
            moderation: Default::default(),
        },
        &AuditEntry::by_system("media.create", "", 1),
    )
    .await
    .unwrap()
    .0
}

async fn fixture(s: &Store) -> Fixture {
    for slug in ["kyoto", "lyon"] {
        s.create_partner(
            &PartnerInput {
                slug: slug.into(),
                names: BTreeMap::from([("en".into(), slug.into())]),
                country: "JP".into(),
                continent: "Asia".into(),
                lat: None,
                lon: None,
                since: None,
                description: String::new(),
                descriptions: Default::default(),
                logo_media_id: None,
            },
            &sys("partner.create"),
        )
        .await
        .unwrap();
    }
    let l = s
        .create_location(
            &LocationInput {
                slug: "central".into(),
                name: "Central".into(),
                kind: "metro".into(),
                lat: Some(52.5),
                lon: Some(13.4),
                tz: "Europe/Berlin".into(),
            },
            &twincast_store::AuditEntry::by_system("location.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let mk = |name: &str, orientation: &str, lat: Option<f64>| Screen {
        id: String::new(),
        name: name.into(),
        location_id: l.id.clone(),
        lat,
        lon: lat.map(|_| 13.41),
        tz: "Europe/Berlin".into(),
        width: 1920,
        height: 1080,
        orientation: orientation.into(),
        tags: vec!["ticker".into()],
        language: "en".into(),
        last_seen_at: None,
    };
    let screen = s
        .create_screen(
            &mk("a", "landscape", Some(52.51)),
            &twincast_store::AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let portrait = s
        .create_screen(
            &mk("b", "portrait", None),
            &twincast_store::AuditEntry::by_system("screen.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let sha = |c: char| c.to_string().repeat(64);
    Fixture {
        screen,
        portrait,
        video: media(s, "kyoto", &sha('a'), "video").await,
        card: media(s, "kyoto", &sha('b'), "image").await,
        card_portrait: media(s, "kyoto", &sha('c'), "image").await,
        other_partner_media: media(s, "lyon", &sha('d'), "image").await,
    }
}

fn input(v: serde_json::Value) -> CampaignInput {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn groups_crud_and_version() {
    for (s, _keep) in backends().await {
        let f = fixture(&s).await;
        let v0 = s.schedule_version().await.unwrap();
        let g = s
            .create_group(
                &ScreenGroupInput {
                    slug: "north".into(),
                    name: "North".into(),
                    screens: vec![f.screen.screen.id.clone(), f.screen.screen.id.clone()],
                },
                &AuditEntry::by_system("screen_group.create", "", now_ms()),
            )
            .await
            .unwrap();
        assert_eq!(g.screens, vec![f.screen.screen.id.clone()]);
        let v1 = s.schedule_version().await.unwrap();
        assert!(v1 > v0);
        assert!(matches!(
            s.create_group(
                &ScreenGroupInput {
                    slug: "north".into(),
                    name: "again".into(),
                    screens: vec![]
                },
                &AuditEntry::by_system("screen_group.create", "", now_ms())
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        for bad in [
            ScreenGroupInput {
                slug: "Bad Slug".into(),
                name: "x".into(),
                screens: vec![],
            },
            ScreenGroupInput {
                slug: "ok".into(),
                name: " ".into(),
                screens: vec![],
            },
            ScreenGroupInput {
                slug: "ok".into(),
                name: "x".into(),
                screens: vec!["nope".into()],
            },
        ] {
            assert!(
                matches!(
                    s.create_group(
                        &bad,
                        &AuditEntry::by_system("screen_group.create", "", now_ms())
                    )
                    .await,
                    Err(StoreError::Invalid(_))
                ),
                "{bad:?}"
            );
        }
        // The store applies the API's slug rule (twincast_core::validate::slug): no '_', no '--'.
        for slug in ["a_b", "a--b", "-a", "a-"] {
            let bad = ScreenGroupInput {
                slug: slug.into(),
                name: "x".into(),
                screens: vec![],
            };
            match s
                .create_group(
                    &bad,
                    &AuditEntry::by_system("screen_group.create", "", now_ms()),
                )
                .await
            {
                Err(StoreError::Invalid(m)) => assert_eq!(
                    m,
                    format!(
                        "slug {slug:?} must be 1-64 lowercase letters, digits and single hyphens"
                    )
                ),
                r => panic!("{slug:?}: {r:?}"),
            }
        }
        match s
            .create_group(
                &ScreenGroupInput {
                    slug: "long-name".into(),
                    name: "n".repeat(201),
                    screens: vec![],
                },
                &AuditEntry::by_system("screen_group.create", "", now_ms()),
            )
            .await
        {
            Err(StoreError::Invalid(m)) => assert_eq!(m, "name is longer than 200 characters"),
            r => panic!("{r:?}"),
        }
        let g = s
            .update_group(
                "north",
                &ScreenGroupInput {
                    slug: "ignored".into(),
                    name: "North 2".into(),
                    screens: vec![f.portrait.screen.id.clone()],
                },
                0,
                &AuditEntry::by_system("screen_group.update", "", now_ms()),
            )
            .await
            .unwrap();
        assert_eq!((g.slug.as_str(), g.name.as_str()), ("north", "North 2"));
        assert_eq!(
            s.screen_groups_of(&f.portrait.screen.id).await.unwrap(),
            vec!["north"]
        );
        assert!(s
            .screen_groups_of(&f.screen.screen.id)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(s.list_groups().await.unwrap().len(), 1);
        // The bulk load agrees with the one-screen path, groups included.
        let all = s.all_core_screens().await.unwrap();
        assert!(all.len() >= 2);
        for (name, screen) in &all {
            let one = s.core_screen(&screen.id).await.unwrap();
            assert_eq!(&one, screen);
            assert_eq!(name, &s.screen(&screen.id).await.unwrap().screen.name);
        }
        assert!(
            all.iter()
                .any(|(_, sc)| sc.id == f.portrait.screen.id
                    && sc.groups == vec!["north".to_string()])
        );
        assert!(s.schedule_version().await.unwrap() > v1);
        s.delete_group(
            "north",
            0,
            &AuditEntry::by_system("screen_group.delete", "", now_ms()),
        )
        .await
        .unwrap();
        assert!(matches!(s.group("north").await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.delete_group(
                "north",
                0,
                &AuditEntry::by_system("screen_group.delete", "", now_ms())
            )
            .await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn campaigns_crud_validation_and_inputs() {
    for (s, _keep) in backends().await {
        let f = fixture(&s).await;
        let c = s
            .create_campaign(
                &input(json!({
                    "name": "Kyoto",
                    "partner": "kyoto",
                    "priority": 2,
                    "targets": {"tags": ["ticker"]},
                    "valid_from": 1_000,
                    "recurrence": {"dtstart": "2026-01-01T08:00:00", "rrule": "FREQ=DAILY", "duration_ms": 3_600_000},
                    "items": [
                        {"kind": "image", "media_id": f.card.id, "portrait_media_id": f.card_portrait.id},
                        {"kind": "video", "media_id": f.video.id},
                        {"kind": "html", "template": "partner_card", "data": {"city": "Kyoto"}},
                        {"kind": "web", "url": "https://example.org/k", "duration_ms": 5000}
                    ]
                })),
                Some("u1"),
            )
            .await
            .unwrap();
        assert_eq!(c.partner.as_deref(), Some("kyoto"));
        assert_eq!(c.zone, "main");
        assert_eq!(c.items[0].id, "i1");
        assert_eq!(c.items[0].duration_ms, Some(DEFAULT_ITEM_MS));
        assert_eq!(
            c.items[1].duration_ms,
            Some(15_000),
            "video takes its probed duration"
        );
        assert_eq!(s.campaign(&c.id).await.unwrap(), c);
        assert_eq!(
            s.list_campaigns(Some("kyoto"), None).await.unwrap().len(),
            1
        );
        assert!(s
            .list_campaigns(Some("lyon"), None)
            .await
            .unwrap()
            .is_empty());

        let bad = [
            (json!({"name": "x"}), "partner is required"),
            (
                json!({"name": "x", "partner": "nowhere"}),
                "unknown partner",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "zone": "clock"}),
                "zone",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "zone": "Side Panel"}),
                "zone",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "weight": 0.0}),
                "weight",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "valid_from": 5, "valid_until": 5}),
                "valid_until",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "recurrence": {"dtstart": "2026-01-01T08:00:00", "rrule": "FREQ=SOMETIMES", "duration_ms": 1000}}),
                "recurrence",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "image"}]}),
                "items[0].media_id is required",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "image", "media_id": "nope"}]}),
                "unknown media",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "image", "media_id": f.other_partner_media.id}]}),
                "another partner",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "video", "media_id": f.card.id}]}),
                "not video",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "html", "template": "evil"}]}),
                "template",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "web", "url": "javascript:alert(1)"}]}),
                "url",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"kind": "web", "url": "https://a.b/c", "duration_ms": 10}]}),
                "duration_ms",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "items": [{"id": "a", "kind": "html", "template": "headline"}, {"id": "a", "kind": "html", "template": "headline"}]}),
                "not unique",
            ),
            (
                json!({"name": "x", "partner": "kyoto", "targets": {"geofence": {"type": "circle", "center": {"lat": 1.0, "lon": 1.0}, "radius_km": -1.0}}}),
                "geofence",
            ),
        ];
        for (v, want) in bad {
            let res = match serde_json::from_value::<CampaignInput>(v.clone()) {
                Ok(i) => s
                    .create_campaign(&i, None)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            let err = res.expect_err(&v.to_string());
            assert!(err.contains(want), "{v}: {err}");
        }
        assert!(serde_json::from_value::<CampaignInput>(json!({"name": "x", "bogus": 1})).is_err());

        // Ticker campaigns need no partner and change the layout of the screens they target.
        let layout = s.screen_layout(&f.screen.screen.id).await.unwrap();
        assert_eq!(layout.name, "fullscreen");
        let t = s
            .create_campaign(
                &input(json!({"name": "News", "zone": "ticker", "targets": {"tags": ["ticker"]},
                    "items": [{"kind": "html", "template": "headline", "data": {"text": "Hello"}}]})),
                None,
            )
            .await
            .unwrap();
        assert_eq!(t.partner, None);
        let layout = s.screen_layout(&f.portrait.screen.id).await.unwrap();
        assert_eq!(
            (layout.name.as_str(), layout.orientation.as_str()),
            ("main_ticker_clock", "portrait")
        );
        assert_eq!(layout.zones.len(), 3);
        assert_eq!(layout.ticker.len(), 1);

        // Engine inputs: the ticker stays out of the main rotation; portrait screens get the portrait card.
        let (screen, campaigns, alerts) = s.schedule_inputs(&f.portrait.screen.id).await.unwrap();
        assert_eq!(screen.tz.name(), "Europe/Berlin");
        assert_eq!(
            (screen.lat, screen.lon),
            (52.5, 13.4),
            "falls back to the location's coordinates"
        );
        assert_eq!(screen.orientation, twincast_core::Orientation::Portrait);
        assert_eq!(campaigns.len(), 1);
        assert!(alerts.is_empty());
        assert_eq!(campaigns[0].items[0].media, f.card_portrait.id);
        assert!(campaigns[0].recurrence.is_some());
        assert!(campaigns[0].targets(&screen));
        let (_, landscape, _) = s.schedule_inputs(&f.screen.screen.id).await.unwrap();
        assert_eq!(landscape[0].items[0].media, f.card.id);

        let resolved = s.resolve_items(&campaigns).await.unwrap();
        assert_eq!(resolved.len(), 4);
        let m = resolved[0].media.as_ref().unwrap();
        assert_eq!(m.url, format!("/media/{}.png", "c".repeat(64)));
        assert_eq!((m.size, m.mime.as_str()), (1234, "image/png"));
        assert_eq!(
            resolved[1].media.as_ref().unwrap().duration_ms,
            Some(15_000)
        );
        assert_eq!(resolved[2].template.as_deref(), Some("partner_card"));
        assert_eq!(resolved[3].url.as_deref(), Some("https://example.org/k"));
        assert!(matches!(
            s.schedule_inputs("nope").await,
            Err(StoreError::NotFound)
        ));

        // Update, recurrence change, delete: each bumps the version.
        let v = s.schedule_version().await.unwrap();
        let mut changed = CampaignInput::from(&c);
        changed.priority = 5;
        let c2 = s.update_campaign(&c.id, &changed).await.unwrap();
        assert_eq!(c2.priority, 5);
        assert_eq!(c2.items, c.items);
        let c3 = s.set_campaign_recurrence(&c.id, None).await.unwrap();
        assert!(c3.recurrence.is_none());
        assert!(s.schedule_version().await.unwrap() >= v + 2);
        assert!(matches!(
            s.update_campaign("nope", &changed).await,
            Err(StoreError::NotFound)
        ));
        // A partner with campaigns cannot be deleted.
        assert!(s
            .delete_partner(
                &s.partner_by_slug("kyoto").await.unwrap().id,
                0,
                &sys("partner.delete")
            )
            .await
            .is_err());
        s.delete_campaign(&c.id).await.unwrap();
        assert!(matches!(s.campaign(&c.id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.delete_campaign(&c.id).await,
            Err(StoreError::NotFound)
        ));
    }
}

#[tokio::test]
async fn alerts_store_cancel_and_feed_the_engine() {
    for (s, _keep) in backends().await {
        let f = fixture(&s).await;
        let form: twincast_core::AlertForm = serde_json::from_value(json!({
            "id": "a1", "sent": "2026-05-01T10:00:00Z", "headline": "Flood", "severity": "Severe",
            "expires": "2026-05-01T12:00:00Z"
        }))
        .unwrap();
        let a = twincast_core::Alert::from_form(form).unwrap();
        let v = s.schedule_version().await.unwrap();
        let r = s
            .create_alert(&a, "json", "{}", Some("u"), &sys("alert.create"))
            .await
            .unwrap();
        assert!(s.schedule_version().await.unwrap() > v);
        assert_eq!(
            (
                r.identifier.as_str(),
                r.msg_type.as_str(),
                r.status.as_str(),
                r.severity.as_str()
            ),
            ("a1", "Alert", "Actual", "Severe")
        );
        assert_eq!(r.parsed, a);
        assert_eq!(s.alert_source(&r.id).await.unwrap(), "{}");
        assert!(matches!(
            s.create_alert(&a, "json", "{}", None, &sys("alert.create"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        let cancel_at = a.sent + 30 * 60_000;
        let at = |t: i64| AuditEntry::by_system("alert.cancel", &r.id, t);
        let c = s.cancel_alert(&r.id, &at(cancel_at)).await.unwrap();
        assert_eq!(c.cancelled_at, Some(cancel_at));
        let again = s.cancel_alert(&r.id, &at(cancel_at + 1)).await.unwrap();
        assert_eq!(
            again.cancelled_at,
            Some(cancel_at),
            "first cancellation time is kept"
        );
        assert!(matches!(
            s.cancel_alert("nope", &at(1)).await,
            Err(StoreError::NotFound)
        ));
        // One entry per change: the create (with the new id), the first cancel; no entry for the refused create,
        // the repeated cancel or the unknown id.
        let log = s
            .list_audit(
                &AuditFilter {
                    resource: Some("alert".into()),
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
        let actions: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.action.as_str(), e.resource_id.as_str()))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("alert.cancel", r.id.as_str()),
                ("alert.create", r.id.as_str())
            ]
        );
        let (_, _, alerts) = s.schedule_inputs(&f.screen.screen.id).await.unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].expires, Some(cancel_at));
        assert_eq!(s.list_alerts().await.unwrap().len(), 1);
    }
}

fn sys(action: &str) -> twincast_store::AuditEntry {
    twincast_store::AuditEntry::by_system(action, "", twincast_store::now_ms())
}

/// The main-zone campaigns screens play (landscape): (name, item count).
async fn played(s: &Store) -> Vec<(String, usize)> {
    s.schedule_catalog().await.unwrap().main[0]
        .iter()
        .map(|c| (c.name.clone(), c.items.len()))
        .collect()
}

#[tokio::test]
async fn moderation_keeps_the_approved_version_and_holds_unapproved_media() {
    for (s, _d) in backends().await {
        let f = fixture(&s).await;
        let body = |name: &str| {
            input(json!({"name": name, "partner": "kyoto",
                "items": [{"kind": "image", "media_id": f.card.id}, {"kind": "html", "template": "headline"}]}))
        };
        let c = s.create_campaign(&body("v1"), None).await.unwrap();
        assert_eq!(c.moderation.state, ModerationState::Approved);
        assert_eq!(played(&s).await, vec![("v1".to_string(), 2)]);
        // An editor's change is pending; screens keep v1.
        let none = twincast_store::Outbox::default();
        let review = Publish::ForReview {
            by: "editor-1",
            notify: &none,
        };
        let c2 = s
            .replace_campaign(
                &c.id,
                &body("v2"),
                review,
                c.version,
                &sys("campaign.update"),
            )
            .await
            .unwrap();
        assert_eq!(c2.moderation.state, ModerationState::Pending);
        assert_eq!(c2.moderation.submitted_by.as_deref(), Some("editor-1"));
        assert_eq!(c2.version, c.version + 1);
        assert_eq!(c2.approved_version.as_ref().unwrap().name, "v1");
        assert_eq!(played(&s).await, vec![("v1".to_string(), 2)]);
        // A stale version changes nothing.
        assert!(matches!(
            s.replace_campaign(&c.id, &body("x"), review, c.version, &sys("campaign.update"))
                .await,
            Err(StoreError::Stale { current }) if current == c2.version
        ));
        // Rejected: v1 still plays; a further change keeps v1 as the approved version.
        s.review_campaign(
            &c.id,
            &Review::Reject("no".into()),
            "op",
            c2.version,
            &sys("campaign.reject"),
        )
        .await
        .unwrap();
        let c3 = s.campaign(&c.id).await.unwrap();
        assert_eq!(c3.moderation.state, ModerationState::Rejected);
        assert_eq!(c3.moderation.reason.as_deref(), Some("no"));
        assert_eq!(played(&s).await, vec![("v1".to_string(), 2)]);
        let c4 = s
            .replace_campaign(&c.id, &body("v3"), review, 0, &sys("campaign.update"))
            .await
            .unwrap();
        assert_eq!(c4.approved_version.as_ref().unwrap().name, "v1");
        s.review_campaign(&c.id, &Review::Approve, "op", 0, &sys("campaign.approve"))
            .await
            .unwrap();
        let c5 = s.campaign(&c.id).await.unwrap();
        assert_eq!(c5.moderation.state, ModerationState::Approved);
        assert_eq!(c5.approved_version, None);
        assert_eq!(played(&s).await, vec![("v3".to_string(), 2)]);
        // A never-approved campaign does not play.
        let pending = s
            .insert_campaign(
                &body("new"),
                Some("editor-1"),
                review,
                &sys("campaign.create"),
            )
            .await
            .unwrap();
        assert_eq!(played(&s).await, vec![("v3".to_string(), 2)]);
        // Media that is not approved is left out of what plays.
        s.review_media(
            &f.card.id,
            &Review::Reject("blurry".into()),
            "op",
            0,
            &sys("media.reject"),
        )
        .await
        .unwrap();
        assert_eq!(played(&s).await, vec![("v3".to_string(), 1)]);
        let queue = s.moderation_queue().await.unwrap();
        let ids: Vec<&str> = queue.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids.len(), 2, "{queue:?}");
        assert!(ids.contains(&pending.id.as_str()) && ids.contains(&f.card.id.as_str()));
        s.review_media(&f.card.id, &Review::Approve, "op", 0, &sys("media.approve"))
            .await
            .unwrap();
        assert_eq!(played(&s).await, vec![("v3".to_string(), 2)]);
        // Media in use is not deleted; the answer names the campaigns.
        match s
            .delete_media(&f.card.id, 0, &sys("media.delete"))
            .await
            .unwrap()
        {
            MediaDeletion::InUse(users) => {
                let mut got: Vec<String> = users.into_iter().map(|u| u.id).collect();
                got.sort();
                let mut want = vec![c.id.clone(), pending.id.clone()];
                want.sort();
                assert_eq!(got, want);
            }
            other => panic!("expected in use, got {other:?}"),
        }
        assert!(s.media(&f.card.id).await.is_ok());
        // Unused media is deleted, with a version check.
        let m = s
            .update_media(
                &f.video.id,
                "renamed.mp4",
                &f.video.partner_id,
                f.video.version,
                &sys("media.update"),
            )
            .await
            .unwrap();
        assert_eq!(m.original_name, "renamed.mp4");
        assert!(matches!(
            s.delete_media(&f.video.id, f.video.version, &sys("media.delete"))
                .await,
            Err(StoreError::Stale { .. })
        ));
        assert!(matches!(
            s.delete_media(&f.video.id, m.version, &sys("media.delete"))
                .await,
            Ok(MediaDeletion::Deleted(_))
        ));
        // Partner limits round-trip and bump the partner's version.
        let (none, v) = s.partner_limits("kyoto").await.unwrap();
        assert_eq!(none, PartnerLimits::default());
        let limits = PartnerLimits {
            priority_ceiling: Some(5),
            allowed_targets: Some(AllowedTargets {
                location_kinds: vec!["metro".into()],
                ..Default::default()
            }),
        };
        let id = s.partner_by_slug("kyoto").await.unwrap().id;
        let v2 = s
            .set_partner_limits(&id, &limits, v, &sys("partner.limits"))
            .await
            .unwrap();
        assert_eq!(v2, v + 1);
        assert_eq!(
            s.partner_limits("kyoto").await.unwrap(),
            (limits.clone(), v2)
        );
        assert!(matches!(
            s.set_partner_limits(&id, &limits, v, &sys("partner.limits"))
                .await,
            Err(StoreError::Stale { .. })
        ));
        assert_eq!(
            s.location_kind(&f.screen.screen.location_id)
                .await
                .unwrap()
                .as_deref(),
            Some("metro")
        );
    }
}

/// A submission's notifications are written with it, in its transaction: a write that fails (a stale version)
/// queues none; the caller may choose the new campaign's id (to name it in the notification).
#[tokio::test]
async fn pending_notifications_are_queued_with_the_write() {
    for (s, _d) in backends().await {
        let f = fixture(&s).await;
        let body = |name: &str| {
            input(json!({"name": name, "partner": "kyoto",
                "items": [{"kind": "image", "media_id": f.card.id}]}))
        };
        let outbox = |event_id: &str| Outbox {
            event: "moderation.pending".into(),
            event_id: event_id.into(),
            rows: vec![NewNotification {
                channel: "webhook".into(),
                target: "http://127.0.0.1:9/hook".into(),
                payload: json!({"id": event_id}),
            }],
        };
        let page = PageRequest {
            limit: 100,
            cursor: None,
        };
        let chosen = new_id();
        let first = outbox("e1");
        let review = Publish::ForReview {
            by: "editor-1",
            notify: &first,
        };
        let entry = AuditEntry::by_system("campaign.create", &chosen, now_ms());
        let c = s
            .insert_campaign(&body("v1"), Some("editor-1"), review, &entry)
            .await
            .unwrap();
        assert_eq!(c.id, chosen);
        let rows = s.list_notifications(None, &page).await.unwrap().items;
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].event.as_str(), rows[0].event_id.as_str()),
            ("moderation.pending", "e1")
        );
        assert_eq!(rows[0].screen_id, None);
        assert_eq!(rows[0].status, "queued");
        // A stale change writes nothing, its notification included.
        let second = outbox("e2");
        let review = Publish::ForReview {
            by: "editor-1",
            notify: &second,
        };
        assert!(matches!(
            s.replace_campaign(
                &c.id,
                &body("v2"),
                review,
                c.version + 7,
                &sys("campaign.update")
            )
            .await,
            Err(StoreError::Stale { .. })
        ));
        assert_eq!(
            s.list_notifications(None, &page).await.unwrap().items.len(),
            1
        );
        s.replace_campaign(
            &c.id,
            &body("v2"),
            review,
            c.version,
            &sys("campaign.update"),
        )
        .await
        .unwrap();
        let rows = s.list_notifications(None, &page).await.unwrap().items;
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().any(|r| r.event_id == "e2"), "{rows:?}");
        // Publishing at once queues nothing.
        s.replace_campaign(
            &c.id,
            &body("v3"),
            Publish::Now { by: None },
            0,
            &sys("campaign.update"),
        )
        .await
        .unwrap();
        assert_eq!(
            s.list_notifications(None, &page).await.unwrap().items.len(),
            2
        );
    }
}

/// Campaigns of free layout zones reach the engine's inputs apart from the main and ticker ones, with their zone.
#[tokio::test]
async fn the_catalog_keeps_free_zone_campaigns_with_their_zone() {
    for (s, _d) in backends().await {
        let f = fixture(&s).await;
        let body = |name: &str, zone: &str| {
            input(json!({"name": name, "partner": "kyoto", "zone": zone,
                "items": [{"kind": "image", "media_id": f.card.id}]}))
        };
        s.create_campaign(&body("main one", "main"), None)
            .await
            .unwrap();
        let side = s
            .create_campaign(&body("side one", "side"), None)
            .await
            .unwrap();
        assert_eq!(side.zone, "side");
        let c = s.schedule_catalog().await.unwrap();
        for o in 0..2 {
            assert_eq!(c.main[o].len(), 1);
            assert!(c.ticker[o].is_empty());
            let free: Vec<(&str, &str)> = c.free[o]
                .iter()
                .map(|(z, c)| (z.as_str(), c.name.as_str()))
                .collect();
            assert_eq!(free, [("side", "side one")]);
        }
    }
}
