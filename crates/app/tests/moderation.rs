//! Moderation rules against a real SQLite store: editors' writes wait for review, only approved versions play,
//! reviewers are operators or admins other than the submitter, rejections need a reason, and the per-partner
//! limits bound what editors may write. Each change is audited in its transaction.

use serde_json::json;
use std::collections::BTreeMap;
use twincast_app::schedule::CampaignInput;
use twincast_app::{Actor, App, AppError, ServerEvent, Settings};
use twincast_store::{
    AllowedTargets, AuditFilter, ModerationState, PageRequest, PartnerInput, PartnerLimits, Role,
    Store, User,
};

struct Fixture {
    app: App,
    location: String,
    _dir: tempfile::TempDir,
}

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
    let app = App::new(store, storage, Settings::default());
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
                &twincast_store::AuditEntry::by_system("partner.create", "", 1),
            )
            .await
            .unwrap();
    }
    let l = app
        .store
        .create_location(
            &twincast_store::LocationInput {
                slug: "airport".into(),
                name: "Airport".into(),
                kind: "airport".into(),
                lat: Some(31.5),
                lon: Some(120.4),
                tz: "Asia/Shanghai".into(),
            },
            &twincast_store::AuditEntry::by_system("location.create", "", 1),
        )
        .await
        .unwrap();
    Fixture {
        app,
        location: l.id,
        _dir: dir,
    }
}

fn actor(id: &str, role: Role, partners: &[&str]) -> Actor {
    Actor::new(User {
        id: id.into(),
        username: id.into(),
        role,
        partners: partners.iter().map(|p| p.to_string()).collect(),
        disabled: false,
        created_at: 0,
        password_hash: String::new(),
        ..User::default()
    })
}

fn card(partner: &str, name: &str) -> CampaignInput {
    serde_json::from_value(json!({"name": name, "partner": partner,
        "items": [{"kind": "html", "template": "partner_card", "data": {"title": "Hi"}}]}))
    .unwrap()
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

/// Names of the main-zone campaigns screens play.
async fn playing(app: &App) -> Vec<String> {
    app.store.schedule_catalog().await.unwrap().main[0]
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

async fn actions(app: &App, resource_id: &str) -> Vec<String> {
    let f = AuditFilter {
        resource_id: Some(resource_id.into()),
        ..Default::default()
    };
    let page = PageRequest {
        limit: 100,
        cursor: None,
    };
    let mut a: Vec<String> = app
        .store
        .list_audit(&f, &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    a.reverse();
    a
}

#[tokio::test]
async fn editors_submit_operators_review_and_only_approved_versions_play() {
    let f = fixture().await;
    let editor = actor("ed", Role::PartnerEditor, &["pa"]);
    let operator = actor("op", Role::Operator, &[]);
    let viewer = actor("vi", Role::Viewer, &[]);
    let mut events = f.app.events.subscribe();

    // An editor's campaign is pending and does not play.
    let c = f
        .app
        .create_campaign(&editor, card("pa", "v1"))
        .await
        .unwrap();
    assert_eq!(c.moderation.state, ModerationState::Pending);
    assert_eq!(c.moderation.submitted_by.as_deref(), Some("ed"));
    assert!(playing(&f.app).await.is_empty());
    // Editors and viewers cannot approve (not even their own item); nothing changes.
    assert_eq!(
        code(
            f.app
                .review_campaign(&editor, &c.id, true, None, None)
                .await
        ),
        "forbidden"
    );
    assert_eq!(
        code(
            f.app
                .review_campaign(&viewer, &c.id, true, None, None)
                .await
        ),
        "forbidden"
    );
    // A reviewer who submitted the version may not review it.
    let same_person = actor("ed", Role::Operator, &[]);
    assert_eq!(
        code(
            f.app
                .review_campaign(&same_person, &c.id, true, None, None)
                .await
        ),
        "own-item"
    );
    // A stale If-Match is refused.
    assert_eq!(
        code(
            f.app
                .review_campaign(&operator, &c.id, true, None, Some(c.version + 5))
                .await
        ),
        "stale-version"
    );
    while events.try_recv().is_ok() {}
    let c = f
        .app
        .review_campaign(&operator, &c.id, true, None, Some(c.version))
        .await
        .unwrap();
    assert_eq!(c.moderation.state, ModerationState::Approved);
    assert_eq!(c.moderation.reviewed_by.as_deref(), Some("op"));
    assert_eq!(
        events.try_recv().unwrap(),
        ServerEvent::ScheduleChanged { screens: None }
    );
    assert_eq!(playing(&f.app).await, vec!["v1"]);
    assert_eq!(
        code(
            f.app
                .review_campaign(&operator, &c.id, true, None, None)
                .await
        ),
        "not-pending"
    );

    // The editor changes the approved campaign: v1 keeps playing until the change is approved.
    let c2 = f
        .app
        .patch_campaign(&editor, &c.id, &json!({"name": "v2"}), Some(c.version))
        .await
        .unwrap();
    assert_eq!(c2.moderation.state, ModerationState::Pending);
    assert_eq!(c2.approved_version.as_ref().unwrap().name, "v1");
    assert_eq!(playing(&f.app).await, vec!["v1"]);
    // Rejection needs a reason; a rejected change never plays, the approved version still does.
    assert_eq!(
        code(
            f.app
                .review_campaign(&operator, &c.id, false, Some("  "), None)
                .await
        ),
        "missing-reason"
    );
    let c3 = f
        .app
        .review_campaign(&operator, &c.id, false, Some("logo too small"), None)
        .await
        .unwrap();
    assert_eq!(c3.moderation.state, ModerationState::Rejected);
    assert_eq!(c3.moderation.reason.as_deref(), Some("logo too small"));
    assert_eq!(playing(&f.app).await, vec!["v1"]);
    // The editor sees its rejected item with the reason; reviewers see only pending items.
    let q = f.app.review_queue(&editor).await.unwrap();
    assert_eq!(q.items.len(), 1);
    assert_eq!(
        q.items[0].moderation.reason.as_deref(),
        Some("logo too small")
    );
    assert!(f
        .app
        .review_queue(&operator)
        .await
        .unwrap()
        .items
        .is_empty());
    assert_eq!(code(f.app.review_queue(&viewer).await), "forbidden");
    let other_editor = actor("eb", Role::PartnerEditor, &["pb"]);
    assert!(f
        .app
        .review_queue(&other_editor)
        .await
        .unwrap()
        .items
        .is_empty());
    // Partner B's editor cannot touch A's campaign.
    assert_eq!(
        code(
            f.app
                .patch_campaign(&other_editor, &c.id, &json!({"name": "x"}), None)
                .await
        ),
        "forbidden"
    );
    assert_eq!(
        code(f.app.delete_campaign(&other_editor, &c.id, None).await),
        "forbidden"
    );

    // An operator's change publishes at once.
    let c4 = f
        .app
        .patch_campaign(&operator, &c.id, &json!({"name": "v3"}), None)
        .await
        .unwrap();
    assert_eq!(c4.moderation.state, ModerationState::Approved);
    assert_eq!(c4.approved_version, None);
    assert_eq!(playing(&f.app).await, vec!["v3"]);
    // Stale deletes are refused; the right version deletes.
    assert_eq!(
        code(
            f.app
                .delete_campaign(&operator, &c.id, Some(c.version))
                .await
        ),
        "stale-version"
    );
    f.app
        .delete_campaign(&operator, &c.id, Some(c4.version))
        .await
        .unwrap();
    assert!(playing(&f.app).await.is_empty());
    assert_eq!(
        actions(&f.app, &c.id).await,
        vec![
            "campaign.create",
            "campaign.approve",
            "campaign.update",
            "campaign.reject",
            "campaign.update",
            "campaign.delete"
        ]
    );
}

#[tokio::test]
async fn partner_limits_bound_editors_only() {
    let f = fixture().await;
    let editor = actor("ed", Role::PartnerEditor, &["pa"]);
    let operator = actor("op", Role::Operator, &[]);
    let limits = PartnerLimits {
        priority_ceiling: Some(2),
        allowed_targets: Some(AllowedTargets {
            location_kinds: vec!["metro".into()],
            locations: vec![],
            groups: vec![],
        }),
    };
    assert_eq!(
        code(f.app.set_partner_limits(&editor, "pa", &limits, None).await),
        "forbidden"
    );
    let (_, v) = f.app.partner_limits(&editor, "pa").await.unwrap();
    let bad = PartnerLimits {
        allowed_targets: Some(AllowedTargets {
            groups: vec!["nope".into()],
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        code(f.app.set_partner_limits(&operator, "pa", &bad, None).await),
        "unknown-group"
    );
    let (_, v2) = f
        .app
        .set_partner_limits(&operator, "pa", &limits, Some(v))
        .await
        .unwrap();
    assert_eq!(v2, v + 1);
    assert_eq!(
        code(
            f.app
                .set_partner_limits(&operator, "pa", &limits, Some(v))
                .await
        ),
        "stale-version"
    );
    let with = |priority: i32, targets: serde_json::Value| {
        let mut c = card("pa", "c");
        c.priority = priority;
        c.targets = serde_json::from_value(targets).unwrap();
        c
    };
    let metro = json!({"location_kinds": ["metro"]});
    assert_eq!(
        code(f.app.create_campaign(&editor, with(3, metro.clone())).await),
        "priority-above-ceiling"
    );
    assert_eq!(
        code(f.app.create_campaign(&editor, with(1, json!({}))).await),
        "target-not-allowed"
    );
    assert_eq!(
        code(
            f.app
                .create_campaign(&editor, with(1, json!({"location_kinds": ["airport"]})))
                .await
        ),
        "target-not-allowed"
    );
    assert_eq!(
        code(
            f.app
                .create_campaign(&editor, with(1, json!({"locations": [f.location]})))
                .await
        ),
        "target-not-allowed"
    );
    assert_eq!(
        code(
            f.app
                .create_campaign(&editor, with(1, json!({"tags": ["x"]})))
                .await
        ),
        "target-not-allowed"
    );
    let ok = f
        .app
        .create_campaign(&editor, with(2, metro.clone()))
        .await
        .unwrap();
    // Changes are checked too.
    assert_eq!(
        code(
            f.app
                .patch_campaign(&editor, &ok.id, &json!({"priority": 9}), None)
                .await
        ),
        "priority-above-ceiling"
    );
    // Allowing the airport by kind admits its location; operators are not limited.
    let wider = PartnerLimits {
        allowed_targets: Some(AllowedTargets {
            location_kinds: vec!["metro".into(), "airport".into()],
            ..Default::default()
        }),
        ..limits.clone()
    };
    f.app
        .set_partner_limits(&operator, "pa", &wider, None)
        .await
        .unwrap();
    f.app
        .create_campaign(&editor, with(1, json!({"locations": [f.location]})))
        .await
        .unwrap();
    f.app
        .create_campaign(&operator, with(50, json!({})))
        .await
        .unwrap();
}

/// Walks `campaign_page` to the end in pages of `limit`; the ids in order.
async fn walk_campaigns(
    app: &App,
    who: &Actor,
    q: &twincast_app::schedule::CampaignQuery,
    limit: u32,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = app
            .campaign_page(who, q, &PageRequest { limit, cursor })
            .await
            .unwrap();
        assert!(page.items.len() <= limit as usize);
        ids.extend(page.items.iter().map(|c| c.id.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn the_campaign_list_walks_past_many_campaigns_a_filter_leaves_out() {
    let f = fixture().await;
    let admin = actor("u-admin", Role::Admin, &[]);
    let editor = actor("u-ed-b", Role::PartnerEditor, &["pb"]);
    let mut pending = Vec::new();
    // 600 approved campaigns of partner A (more than two of the list's internal batches), with 5 pending ones of
    // partner B's editor among them.
    for i in 0..600 {
        f.app
            .create_campaign(&admin, card("pa", &format!("a{i}")))
            .await
            .unwrap();
        if i % 150 == 75 || i == 599 {
            let c = f
                .app
                .create_campaign(&editor, card("pb", &format!("b{i}")))
                .await
                .unwrap();
            pending.push(c.id);
        }
    }
    let q = |moderation: Option<&str>| twincast_app::schedule::CampaignQuery {
        moderation: moderation.map(str::to_string),
        ..Default::default()
    };
    let got = walk_campaigns(&f.app, &admin, &q(Some("pending")), 2).await;
    assert_eq!(got, pending, "every pending campaign once, in id order");
    let all = walk_campaigns(&f.app, &admin, &q(None), 100).await;
    assert_eq!(all.len(), 605);
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, all, "in id order, none twice");
    // A partner-editor walks only its partner's campaigns.
    assert_eq!(walk_campaigns(&f.app, &editor, &q(None), 3).await, pending);
}
