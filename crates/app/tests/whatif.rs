//! What-if before publishing: drafts (create, change, delete) simulated and explained against a real SQLite store,
//! checked like the campaign operations they stand for, and nothing written.

use serde_json::json;
use std::collections::BTreeMap;
use twincast_app::schedule::{CampaignInput, Draft, ExplainDraftRequest, WhatIfRequest};
use twincast_app::{Actor, App, AppError, ManualClock, Settings};
use twincast_core::WhatIf;
use twincast_store::{LocationInput, PartnerInput, Role, Screen, Store, User};

/// 2026-06-01T04:00:00Z.
const T0: i64 = 1_780_286_400_000;
const FROM: &str = "2026-06-01T04:00:00Z";

struct Fixture {
    app: App,
    a: String,
    b: String,
    airport: Vec<String>,
    street: Vec<String>,
    _dir: tempfile::TempDir,
}

fn campaign(v: serde_json::Value) -> CampaignInput {
    serde_json::from_value(v).unwrap()
}

fn card(partner: &str, targets: serde_json::Value) -> CampaignInput {
    campaign(
        json!({"name": "Card", "partner": partner, "targets": targets,
        "items": [{"kind": "html", "template": "partner_card", "data": {"title": "Hi"}}]}),
    )
}

fn actor(role: Role, partners: &[&str]) -> Actor {
    Actor::new(User {
        id: String::new(),
        username: "someone".into(),
        role,
        partners: partners.iter().map(|p| p.to_string()).collect(),
        ..User::default()
    })
}

fn outcome<T>(r: Result<T, AppError>) -> Result<(), &'static str> {
    r.map(|_| ()).map_err(|e| e.code())
}

/// Equal up to floating-point summation order.
fn same(a: &twincast_core::SimReport, b: &twincast_core::SimReport) {
    assert_eq!((a.from, a.to), (b.from, b.to));
    assert!((a.total_seconds - b.total_seconds).abs() < 1e-6);
    assert_eq!(a.partners.len(), b.partners.len(), "{a:?} {b:?}");
    for (x, y) in a.partners.iter().zip(&b.partners) {
        assert_eq!(x.slug, y.slug);
        assert!((x.seconds - y.seconds).abs() < 1e-6, "{x:?} {y:?}");
        assert!(
            (x.target_share - y.target_share).abs() < 1e-9,
            "{x:?} {y:?}"
        );
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, AppError>) -> &'static str {
    r.expect_err("expected a refusal").code()
}

/// Partners `pa`, `pb`; an airport (Shanghai) with three screens (one portrait) and a street (Berlin) with two;
/// campaign `a` of `pa` everywhere, `b` of `pb` at airports.
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
    let app = App::new(store, storage, Settings::default()).with_clock(ManualClock::new(T0));
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
                &twincast_store::AuditEntry::by_system("partner.create", "", T0),
            )
            .await
            .unwrap();
    }
    let mut ids = Vec::new();
    for (slug, kind, tz, n) in [
        ("airport", "airport", "Asia/Shanghai", 3),
        ("street", "street", "Europe/Berlin", 2),
    ] {
        let l = app
            .store
            .create_location(
                &LocationInput {
                    slug: slug.into(),
                    name: slug.into(),
                    kind: kind.into(),
                    lat: Some(31.5),
                    lon: Some(120.4),
                    tz: tz.into(),
                },
                &twincast_store::AuditEntry::by_system(
                    "location.create",
                    "",
                    twincast_store::now_ms(),
                ),
            )
            .await
            .unwrap();
        let mut screens = Vec::new();
        for i in 0..n {
            let portrait = i == 2;
            let s = app
                .store
                .create_screen(
                    &Screen {
                        id: String::new(),
                        name: format!("{slug} {i}"),
                        location_id: l.id.clone(),
                        lat: None,
                        lon: None,
                        tz: tz.into(),
                        width: if portrait { 1080 } else { 1920 },
                        height: if portrait { 1920 } else { 1080 },
                        orientation: if portrait { "portrait" } else { "landscape" }.into(),
                        tags: vec![],
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
            screens.push(s.screen.id);
        }
        ids.push(screens);
    }
    let admin = App::local_admin();
    let a = app
        .create_campaign(&admin, card("pa", json!({})))
        .await
        .unwrap()
        .id;
    let b = app
        .create_campaign(&admin, card("pb", json!({"location_kinds": ["airport"]})))
        .await
        .unwrap()
        .id;
    let street = ids.pop().unwrap();
    let airport = ids.pop().unwrap();
    Fixture {
        app,
        a,
        b,
        airport,
        street,
        _dir: dir,
    }
}

fn ask(draft: Draft) -> WhatIfRequest {
    WhatIfRequest {
        draft,
        from: Some(FROM.into()),
        days: Some(2),
        screens: None,
    }
}

fn update(id: &str, changes: serde_json::Value) -> Draft {
    Draft::Update {
        id: id.into(),
        changes,
    }
}

/// The screens reported, sorted.
fn reported(w: &WhatIf) -> Vec<String> {
    let mut v: Vec<String> = w.classes.iter().flat_map(|c| c.screens.clone()).collect();
    v.sort();
    v
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// `(before, after)` achieved share of `slug` in the network summary.
fn shares(w: &WhatIf, slug: &str) -> (f64, f64) {
    w.network
        .partners
        .iter()
        .find(|p| p.slug == slug)
        .map_or((0.0, 0.0), |p| (p.before_share, p.after_share))
}

fn near(x: f64, want: f64) -> bool {
    (x - want).abs() < 0.01
}

#[tokio::test]
async fn a_new_campaign_changes_only_the_screens_it_targets_and_writes_nothing() {
    let f = fixture().await;
    let admin = App::local_admin();
    let mut events = f.app.events.subscribe();
    let version = f.app.store.schedule_version().await.unwrap();
    let w = f
        .app
        .simulate_draft(
            &admin,
            ask(Draft::Create(Box::new(card(
                "pb",
                json!({"location_kinds": ["street"]}),
            )))),
        )
        .await
        .unwrap();
    assert_eq!(reported(&w), sorted(&f.street));
    assert_eq!(w.screens, 2);
    assert_eq!(
        w.classes.len(),
        1,
        "both street screens have the same inputs"
    );
    assert_eq!(w.classes[0].time_zone, "Europe/Berlin");
    let (pa, pb) = (shares(&w, "pa"), shares(&w, "pb"));
    assert!(near(pa.0, 1.0) && near(pa.1, 0.5), "{pa:?}");
    assert!(near(pb.0, 0.0) && near(pb.1, 0.5), "{pb:?}");
    let kinds: Vec<_> = w
        .by_location_kind
        .iter()
        .map(|k| (k.location_kind.clone().unwrap(), k.screens))
        .collect();
    assert_eq!(kinds, vec![("street".to_string(), 2)]);
    // Two local days of a screen always playing: 48 h of airtime per screen before and after.
    assert!((w.network.before_seconds - 2.0 * 2.0 * 86_400.0).abs() < 60.0);
    // Nothing written, nothing announced.
    assert_eq!(
        f.app
            .list_campaigns(&admin, None, None)
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    assert_eq!(f.app.store.schedule_version().await.unwrap(), version);
    assert!(events.try_recv().is_err());
}

#[tokio::test]
async fn a_change_answers_what_the_changed_schedule_then_plays() {
    let f = fixture().await;
    let admin = App::local_admin();
    // Partial change: only the weight.
    let w = f
        .app
        .simulate_draft(&admin, ask(update(&f.b, json!({"weight": 3.0}))))
        .await
        .unwrap();
    assert_eq!(reported(&w), sorted(&f.airport));
    // Portrait screens see the same slides here: one class for the three airport screens.
    assert_eq!(w.classes.len(), 1);
    assert_eq!(w.simulations, 2);
    let pb = shares(&w, "pb");
    assert!(near(pb.0, 0.5) && near(pb.1, 0.75), "{pb:?}");
    let before = w.classes[0].before.clone();
    let after = w.classes[0].after.clone();
    // The answer is what simulate says before and after the change is really made.
    let one = &f.airport[0];
    let now = f
        .app
        .simulate(&admin, one, Some(FROM), Some("2"))
        .await
        .unwrap();
    same(&now, &before);
    let mut input = CampaignInput::from(&f.app.campaign(&admin, &f.b).await.unwrap());
    input.weight = 3.0;
    f.app
        .update_campaign(&admin, &f.b, input, None)
        .await
        .unwrap();
    let then = f
        .app
        .simulate(&admin, one, Some(FROM), Some("2"))
        .await
        .unwrap();
    same(&then, &after);
    assert!((then.partners[1].achieved_share - 0.75).abs() < 0.01);

    // Widening the targets affects the street screens too; `null` clears a field (merge patch).
    let w = f
        .app
        .simulate_draft(
            &admin,
            ask(update(
                &f.b,
                json!({"targets": {"location_kinds": ["street"]}, "valid_until": null}),
            )),
        )
        .await
        .unwrap();
    let mut all = [f.airport.clone(), f.street.clone()].concat();
    all.sort();
    assert_eq!(reported(&w), all);
    // A filter reports only the screens it matches.
    let mut req = ask(update(
        &f.b,
        json!({"targets": {"location_kinds": ["street"]}}),
    ));
    req.screens = Some(twincast_core::Targets {
        location_kinds: vec!["street".into()],
        ..Default::default()
    });
    let w = f.app.simulate_draft(&admin, req).await.unwrap();
    assert_eq!(reported(&w), sorted(&f.street));
}

#[tokio::test]
async fn a_deletion_gives_the_airtime_to_the_others() {
    let f = fixture().await;
    let admin = App::local_admin();
    let w = f
        .app
        .simulate_draft(&admin, ask(Draft::Delete { id: f.a.clone() }))
        .await
        .unwrap();
    let mut all = [f.airport.clone(), f.street.clone()].concat();
    all.sort();
    assert_eq!(reported(&w), all);
    let airport = w
        .by_location_kind
        .iter()
        .find(|k| k.location_kind.as_deref() == Some("airport"))
        .unwrap();
    let pb = airport.partners.iter().find(|p| p.slug == "pb").unwrap();
    assert!(
        near(pb.before_share, 0.5) && near(pb.after_share, 1.0),
        "{pb:?}"
    );
    assert!(near(pb.delta_share, 0.5));
    let street = w
        .by_location_kind
        .iter()
        .find(|k| k.location_kind.as_deref() == Some("street"))
        .unwrap();
    assert_eq!(
        street.after_seconds, 0.0,
        "nothing left to play on the street"
    );
    // Still there.
    f.app.campaign(&admin, &f.a).await.unwrap();
}

#[tokio::test]
async fn invalid_drafts_answer_the_codes_of_create_and_update() {
    let f = fixture().await;
    let admin = App::local_admin();
    let bad = [
        json!({"name": "x", "partner": "pa", "weight": -1.0}),
        json!({"name": "x"}),
        json!({"name": "x\u{7}", "partner": "pa"}),
        json!({"name": "x", "partner": "nowhere"}),
        json!({"name": "x", "partner": "pa", "items": [{"kind": "video", "media_id": "nope"}]}),
        json!({"name": "x", "partner": "pa", "targets": {"groups": ["nope"]}}),
        json!({"name": "x", "partner": "pa", "items": [{"kind": "web", "url": "file:///etc/passwd"}]}),
    ];
    for body in bad {
        let create = code(f.app.create_campaign(&admin, campaign(body.clone())).await);
        let draft = code(
            f.app
                .simulate_draft(&admin, ask(Draft::Create(Box::new(campaign(body.clone())))))
                .await,
        );
        assert_eq!(draft, create, "{body}");
        let mut changed = CampaignInput::from(&f.app.campaign(&admin, &f.a).await.unwrap());
        let patch = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            match k.as_str() {
                "name" => changed.name = v.as_str().unwrap().into(),
                "partner" => changed.partner = v.as_str().map(str::to_string),
                "weight" => changed.weight = v.as_f64().unwrap(),
                "items" => changed.items = serde_json::from_value(v.clone()).unwrap(),
                "targets" => changed.targets = serde_json::from_value(v.clone()).unwrap(),
                _ => unreachable!(),
            }
        }
        // (Only the name `x` alone is a valid change.)
        let draft = outcome(
            f.app
                .simulate_draft(&admin, ask(update(&f.a, body.clone())))
                .await,
        );
        let upd = outcome(f.app.update_campaign(&admin, &f.a, changed, None).await);
        assert_eq!(draft, upd, "{body}");
    }
    // Request-level checks.
    let mut req = ask(update(&f.a, json!({"colour": "red"})));
    assert_eq!(
        code(f.app.simulate_draft(&admin, req.clone()).await),
        "invalid-patch"
    );
    req.draft = update(&f.a, json!([1]));
    assert_eq!(
        code(f.app.simulate_draft(&admin, req.clone()).await),
        "invalid-patch"
    );
    req.draft = Draft::Delete { id: f.a.clone() };
    req.days = Some(0);
    assert_eq!(
        code(f.app.simulate_draft(&admin, req.clone()).await),
        "invalid-days"
    );
    req.days = Some(15);
    assert_eq!(
        code(f.app.simulate_draft(&admin, req.clone()).await),
        "invalid-days"
    );
    req.days = Some(14);
    req.from = Some("tomorrow".into());
    assert_eq!(
        code(f.app.simulate_draft(&admin, req.clone()).await),
        "invalid-time"
    );
    req.from = None;
    req.draft = Draft::Delete { id: "nope".into() };
    assert_eq!(code(f.app.simulate_draft(&admin, req).await), "not-found");
}

#[tokio::test]
async fn roles_apply_to_drafts() {
    let f = fixture().await;
    let editor = actor(Role::PartnerEditor, &["pa"]);
    let viewer = actor(Role::Viewer, &[]);
    // Own partner: allowed.
    f.app
        .simulate_draft(&editor, ask(Draft::Create(Box::new(card("pa", json!({}))))))
        .await
        .unwrap();
    f.app
        .simulate_draft(&editor, ask(update(&f.a, json!({"weight": 2.0}))))
        .await
        .unwrap();
    // Another partner's: forbidden, however it is drafted.
    for draft in [
        Draft::Create(Box::new(card("pb", json!({})))),
        update(&f.b, json!({"weight": 2.0})),
        update(&f.a, json!({"partner": "pb"})),
        Draft::Delete { id: f.b.clone() },
    ] {
        assert_eq!(
            code(f.app.simulate_draft(&editor, ask(draft.clone())).await),
            "forbidden",
            "{draft:?}"
        );
        let explain = ExplainDraftRequest {
            draft,
            screen: f.airport[0].clone(),
            at: None,
        };
        assert_eq!(
            code(f.app.explain_draft(&editor, explain).await),
            "forbidden"
        );
    }
    assert_eq!(
        code(
            f.app
                .simulate_draft(&viewer, ask(Draft::Delete { id: f.a.clone() }))
                .await
        ),
        "forbidden"
    );
    // Roles come first: a viewer's bad request is still forbidden.
    let mut bad = ask(Draft::Delete { id: f.a.clone() });
    bad.days = Some(0);
    assert_eq!(code(f.app.simulate_draft(&viewer, bad).await), "forbidden");
}

#[tokio::test]
async fn explain_answers_for_a_draft() {
    let f = fixture().await;
    let admin = App::local_admin();
    let mut urgent = card("pb", json!({"location_kinds": ["street"]}));
    urgent.priority = 5;
    let e = f
        .app
        .explain_draft(
            &admin,
            ExplainDraftRequest {
                draft: Draft::Create(Box::new(urgent)),
                screen: f.street[0].clone(),
                at: Some(FROM.into()),
            },
        )
        .await
        .unwrap();
    let playing = e.playing.unwrap();
    assert_eq!(playing.campaign.as_deref(), Some("draft"));
    assert_eq!(playing.priority, Some(5));
    assert_eq!(e.not_playing.len(), 2);
    // Deleting `a` leaves the street with nothing; `a` is not in the answer any more.
    let e = f
        .app
        .explain_draft(
            &admin,
            ExplainDraftRequest {
                draft: Draft::Delete { id: f.a.clone() },
                screen: f.street[0].clone(),
                at: Some(FROM.into()),
            },
        )
        .await
        .unwrap();
    assert!(e.playing.is_none());
    assert!(e.not_playing.iter().all(|n| n.campaign != f.a));
    // Today, `a` plays there.
    let e = f
        .app
        .explain(&admin, &f.street[0], Some(FROM))
        .await
        .unwrap();
    assert_eq!(e.playing.unwrap().campaign, Some(f.a.clone()));
    let missing = ExplainDraftRequest {
        draft: Draft::Delete { id: f.a.clone() },
        screen: "nope".into(),
        at: None,
    };
    assert_eq!(
        code(f.app.explain_draft(&admin, missing).await),
        "not-found"
    );
}
