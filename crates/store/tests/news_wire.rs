//! The wire import's store contract on SQLite and PostgreSQL (`TWINCAST_TEST_DATABASE_URL`): a source is claimed
//! by one poll at a time (a second claim gets nothing until the lease is released or has run out), only enabled
//! due sources are claimed by the schedule, and an imported story is written once per (source, original id) with
//! its item row, and updated only while it is at the version the import wrote. Also the tickers' clock: the next
//! instant at which time alone changes what is public.

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

fn source(name: &str, enabled: bool) -> WireSourceInput {
    WireSourceInput {
        name: name.into(),
        url: "https://wire.example/feed.xml".into(),
        format: "auto".into(),
        lang: "en".into(),
        rubric: "world".into(),
        tags: vec!["wire".into()],
        moderation: "review".into(),
        interval_secs: 600,
        enabled,
    }
}

fn story(original_id: &str, headline: &str) -> NewsArticleInput {
    NewsArticleInput {
        rubric: "world".into(),
        source: NewsSource {
            kind: "wire".into(),
            name: "A".into(),
            original_id: Some(original_id.into()),
            url: String::new(),
        },
        versions: [(
            "en".to_string(),
            NewsVersion {
                headline: headline.into(),
                short_headline: headline.into(),
                ..NewsVersion::default()
            },
        )]
        .into(),
        ..NewsArticleInput::default()
    }
}

#[tokio::test]
async fn one_poll_per_source_and_one_story_per_item() {
    for (s, _dir) in backends().await {
        let t = now_ms();
        let entry = |a: &str| AuditEntry::by_system(a, "", t);
        let a = s
            .create_wire_source(&source("A", true), "u", &entry("news.source.create"))
            .await
            .unwrap();
        let off = s
            .create_wire_source(&source("B", false), "u", &entry("news.source.create"))
            .await
            .unwrap();
        assert!(matches!(
            s.create_wire_source(&source("A", true), "u", &entry("news.source.create"))
                .await,
            Err(StoreError::Conflict(_))
        ));
        // The schedule claims the enabled due source, once.
        let claimed = s.claim_wire_source(None, t + 1, t + 60_000).await.unwrap();
        assert_eq!(claimed.map(|c| c.id), Some(a.id.clone()));
        assert!(s
            .claim_wire_source(None, t + 2, t + 60_000)
            .await
            .unwrap()
            .is_none());
        assert!(s
            .claim_wire_source(Some(&a.id), t + 2, t + 60_000)
            .await
            .unwrap()
            .is_none());
        assert!(s.wire_source(&a.id, t + 2).await.unwrap().polling);
        // By hand, a disabled source can be claimed.
        assert!(s
            .claim_wire_source(Some(&off.id), t + 2, t + 60_000)
            .await
            .unwrap()
            .is_some());
        // A lease that ran out (its poll died) can be claimed again.
        assert!(s
            .claim_wire_source(Some(&a.id), t + 60_001, t + 120_000)
            .await
            .unwrap()
            .is_some());
        let record = WirePollRecord {
            at: t + 3,
            outcome: "ok".into(),
            etag: Some("\"e\"".into()),
            counts: WireCounts {
                created: 1,
                imported: 1,
                ..WireCounts::default()
            },
            next_poll_at: t + 600_000,
            ..WirePollRecord::default()
        };
        s.finish_wire_poll(&a.id, &record, None).await.unwrap();
        let done = s.wire_source(&a.id, t + 4).await.unwrap();
        assert!(!done.polling);
        assert_eq!(done.etag.as_deref(), Some("\"e\""));
        assert_eq!((done.counts.imported, done.version), (1, 1));
        assert!(s
            .claim_wire_source(None, t + 4, t + 60_000)
            .await
            .unwrap()
            .is_none());

        // One story per (wire name, original id), written with its item row.
        let item = WireItem {
            source_id: a.id.clone(),
            original_id: "i1".into(),
            article_id: String::new(),
            url: "https://wire.example/i1".into(),
            content_hash: "h1".into(),
            article_version: 0,
            first_fetched_at: t,
            fetched_at: t,
        };
        let art = s
            .import_wire_story(
                &story("i1", "One"),
                "in_review",
                None,
                "u",
                &item,
                &entry("news.import"),
            )
            .await
            .unwrap();
        assert!(matches!(
            s.import_wire_story(
                &story("i1", "Again"),
                "in_review",
                None,
                "u",
                &item,
                &entry("news.import")
            )
            .await,
            Err(StoreError::Conflict(_))
        ));
        let row = s.wire_item(&a.id, "i1").await.unwrap().unwrap();
        assert_eq!(
            (row.article_id.as_str(), row.article_version),
            (art.id.as_str(), 1)
        );
        // Updated while untouched…
        let mut next = row.clone();
        next.content_hash = "h2".into();
        let upd = s
            .reimport_wire_story(&story("i1", "Two"), &next, &entry("news.import-update"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (upd.version, upd.versions["en"].headline.as_str()),
            (2, "Two")
        );
        // …not once a person moved it.
        s.set_news_state(&art.id, "published", Some(t), 0, &entry("news.publish"))
            .await
            .unwrap();
        let row = s.wire_item(&a.id, "i1").await.unwrap().unwrap();
        assert_eq!((row.article_version, row.content_hash.as_str()), (2, "h2"));
        let mut later = row.clone();
        later.content_hash = "h3".into();
        assert!(s
            .reimport_wire_story(&story("i1", "Three"), &later, &entry("news.import-update"))
            .await
            .unwrap()
            .is_none());
        let kept = s.news_article(&art.id).await.unwrap();
        assert_eq!(kept.versions["en"].headline, "Two");
        // An import put in review leaves the screens alone; one published at once bumps the schedule version
        // (the desk's tickers show it at the next push).
        let v0 = s.schedule_version().await.unwrap();
        let mut review = item.clone();
        review.original_id = "i3".into();
        s.import_wire_story(
            &story("i3", "Held"),
            "in_review",
            None,
            "u",
            &review,
            &entry("news.import"),
        )
        .await
        .unwrap();
        assert_eq!(s.schedule_version().await.unwrap(), v0);
        let mut live = item.clone();
        live.original_id = "i2".into();
        s.import_wire_story(
            &story("i2", "Live"),
            "published",
            Some(t),
            "u",
            &live,
            &entry("news.import"),
        )
        .await
        .unwrap();
        assert_eq!(s.schedule_version().await.unwrap(), v0 + 1);
        // Deleting the source forgets its items, not its stories.
        s.delete_wire_source(&a.id, 0, &entry("news.source.delete"))
            .await
            .unwrap();
        assert!(s.wire_item(&a.id, "i1").await.unwrap().is_none());
        assert!(s.news_article(&art.id).await.is_ok());
    }
}

/// A story published now is not a future change for the tickers' clock (its write bumped the version already); a
/// scheduled time, an embargo's end and an expiry after the last write are, in order.
#[tokio::test]
async fn the_tickers_clock_sees_only_instants_after_the_last_write() {
    for (s, _dir) in backends().await {
        let t = now_ms();
        let entry = |a: &str| AuditEntry::by_system(a, "", t);
        let now = s
            .create_news_article(
                &story("n", "Now"),
                "published",
                Some(t),
                "u",
                &entry("news.create"),
            )
            .await
            .unwrap();
        assert_eq!(s.next_news_change(t - 1).await.unwrap(), None);
        let mut later = story("l", "Later");
        later.embargo_until = Some(t + 20_000);
        later.expires_at = Some(t + 30_000);
        s.create_news_article(
            &later,
            "scheduled",
            Some(t + 10_000),
            "u",
            &entry("news.create"),
        )
        .await
        .unwrap();
        assert_eq!(s.next_news_change(t - 1).await.unwrap(), Some(t + 10_000));
        assert_eq!(
            s.next_news_change(t + 10_000).await.unwrap(),
            Some(t + 20_000)
        );
        assert_eq!(
            s.next_news_change(t + 20_000).await.unwrap(),
            Some(t + 30_000)
        );
        assert_eq!(s.next_news_change(t + 30_000).await.unwrap(), None);
        // Withdrawn, a story's times no longer matter.
        s.set_news_state(&now.id, "withdrawn", None, 0, &entry("news.withdraw"))
            .await
            .unwrap();
        assert_eq!(s.next_news_change(t - 1).await.unwrap(), Some(t + 10_000));
    }
}
