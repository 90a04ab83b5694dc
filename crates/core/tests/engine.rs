mod common;
use common::*;
use proptest::prelude::*;
use twincast_core::alert::{Alert, MsgType, Severity, Status};
use twincast_core::{plan, simulate, Campaign, PlayKind, Recurrence, Screen};

const DAY: i64 = 86_400_000;

fn mk_alert(id: &str, start: i64, end: i64) -> Alert {
    Alert {
        id: id.into(),
        sender: "civil-protection".into(),
        sent: start,
        msg_type: MsgType::Alert,
        status: Status::Actual,
        references: vec![],
        event: "Flood".into(),
        severity: Severity::Severe,
        headline: "Flood warning".into(),
        description: String::new(),
        instruction: String::new(),
        effective: Some(start),
        expires: Some(end),
        areas: vec![],
        locations: vec![],
        location_kinds: vec![],
        tags: vec![],
        geocodes: vec![],
        infos: vec![],
        version: String::new(),
        signed: false,
    }
}

prop_compose! {
    fn arb_campaign(i: usize)(partner in 0..6usize, prio in 0..3i32, weight in 1..4u8,
        items in prop::collection::vec(5_000i64..60_000, 1..4),
        window in prop::option::of((0i64..20, 1i64..6)))
        -> Campaign {
        let mut c = campaign(&format!("c{i:02}"), &format!("p{partner}"), prio, weight as f64, &items);
        if let Some((h, len)) = window {
            c.valid_from = Some(ms("2026-06-01T00:00:00Z") + h * 3_600_000);
            c.valid_until = Some(ms("2026-06-01T00:00:00Z") + (h + len) * 3_600_000);
        }
        c
    }
}

fn arb_campaigns() -> impl Strategy<Value = Vec<Campaign>> {
    (1..12usize).prop_flat_map(|n| (0..n).map(arb_campaign).collect::<Vec<_>>())
}

fn eligible_at(c: &Campaign, s: &Screen, t: i64) -> bool {
    c.targets(s)
        && !c.items.is_empty()
        && c.valid_from.is_none_or(|f| t >= f)
        && c.valid_until.is_none_or(|u| t < u)
        && c.recurrence
            .as_ref()
            .is_none_or(|r| r.contains(s.tz.tz(), t))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn deterministic_and_order_independent(cs in arb_campaigns()) {
        let s = screen("Europe/Berlin");
        let from = ms("2026-06-01T00:00:00Z");
        let a = plan(&s, &cs, &[], from, from + DAY);
        let b = plan(&s, &cs, &[], from, from + DAY);
        prop_assert_eq!(&a, &b);
        let mut rev = cs.clone();
        rev.reverse();
        let c = plan(&s, &rev, &[], from, from + DAY);
        prop_assert_eq!(&a, &c);
    }

    #[test]
    fn no_overlaps_and_gap_free_while_eligible(cs in arb_campaigns()) {
        let s = screen("America/New_York");
        let from = ms("2026-06-01T00:00:00Z");
        let to = from + DAY;
        let plays = plan(&s, &cs, &[], from, to);
        for w in plays.windows(2) {
            prop_assert!(w[0].end <= w[1].start, "overlap {:?} {:?}", w[0], w[1]);
        }
        for p in &plays {
            prop_assert!(p.start < p.end && p.start >= from && p.end <= to);
        }
        // Gap-free: any uncovered instant has nothing eligible.
        let mut t = from;
        for p in plays.iter().chain(std::iter::once(&twincast_core::Play {
            start: to, end: to, kind: PlayKind::Campaign, partner: None, campaign: None, item: None,
            media: None, alert: None, truncated: false })) {
            if p.start > t {
                for probe in [t, (t + p.start) / 2, p.start - 1] {
                    prop_assert!(!cs.iter().any(|c| eligible_at(c, &s, probe)), "gap at {probe} with eligible campaign");
                }
            }
            t = t.max(p.end);
        }
    }

    #[test]
    fn higher_priority_always_wins(cs in arb_campaigns()) {
        let s = screen("Europe/Berlin");
        let from = ms("2026-06-01T00:00:00Z");
        let plays = plan(&s, &cs, &[], from, from + DAY);
        for p in &plays {
            let c = cs.iter().find(|c| Some(c.id.as_str()) == p.campaign.as_deref()).unwrap();
            for probe in [p.start, p.end - 1] {
                prop_assert!(eligible_at(c, &s, probe), "{} plays while not eligible", c.id);
                let top = cs.iter().filter(|o| eligible_at(o, &s, probe)).map(|o| o.priority).max().unwrap();
                prop_assert_eq!(c.priority, top, "{} (prio {}) plays while prio {} is eligible", c.id, c.priority, top);
            }
        }
    }

    #[test]
    fn alerts_preempt(cs in arb_campaigns(), start_min in 0i64..1200, len_min in 1i64..240) {
        let s = screen("Europe/Berlin");
        let from = ms("2026-06-01T00:00:00Z");
        let a0 = from + start_min * 60_000;
        let a1 = a0 + len_min * 60_000;
        let alerts = vec![mk_alert("a1", a0, a1)];
        let plays = plan(&s, &cs, &alerts, from, from + DAY);
        let alert_plays: Vec<_> = plays.iter().filter(|p| p.kind == PlayKind::Alert).collect();
        prop_assert_eq!(alert_plays.len(), 1);
        prop_assert_eq!((alert_plays[0].start, alert_plays[0].end), (a0, a1));
        for p in plays.iter().filter(|p| p.kind == PlayKind::Campaign) {
            prop_assert!(p.end <= a0 || p.start >= a1, "campaign {:?} overlaps the alert", p);
        }
    }

    #[test]
    fn partner_shares_within_two_points(weights in prop::collection::vec(1..5u8, 2..8),
        items in prop::collection::vec(prop::collection::vec(5_000i64..60_000, 1..4), 8),
        extra in prop::collection::vec(0..8usize, 0..6)) {
        // One priority level all day; some partners get a second campaign (must not change partner shares).
        let mut cs: Vec<Campaign> = weights.iter().enumerate()
            .map(|(p, w)| campaign(&format!("c{p}"), &format!("p{p}"), 0, *w as f64, &items[p]))
            .collect();
        for (k, p) in extra.iter().enumerate() {
            let p = p % weights.len();
            cs.push(campaign(&format!("x{k}"), &format!("p{p}"), 0, 1.0, &items[(p + k) % 8]));
        }
        let s = screen("Asia/Tokyo");
        let r = simulate(&s, &cs, &[], ms("2026-06-01T12:00:00Z"), 1);
        let total_w: f64 = weights.iter().map(|&w| w as f64).sum();
        prop_assert_eq!(r.partners.len(), weights.len());
        for ps in &r.partners {
            let p: usize = ps.slug[1..].parse().unwrap();
            let expected = weights[p] as f64 / total_w;
            prop_assert!((ps.target_share - expected).abs() < 1e-9, "target {} vs {}", ps.target_share, expected);
            prop_assert!((ps.achieved_share - ps.target_share).abs() <= 0.02,
                "{}: achieved {} target {}", ps.slug, ps.achieved_share, ps.target_share);
        }
    }
}

#[test]
fn no_back_to_back_when_avoidable() {
    let cs: Vec<Campaign> = (0..5)
        .map(|p| {
            campaign(
                &format!("c{p}"),
                &format!("p{p}"),
                0,
                1.0,
                &[10_000, 20_000],
            )
        })
        .collect();
    let s = screen("Europe/Berlin");
    let from = ms("2026-06-01T00:00:00Z");
    let plays = plan(&s, &cs, &[], from, from + DAY);
    let repeats = plays
        .windows(2)
        .filter(|w| w[0].partner == w[1].partner)
        .count();
    assert_eq!(repeats, 0);
}

#[test]
fn higher_priority_cuts_running_item() {
    let s = screen("UTC");
    let from = ms("2026-06-01T00:00:00Z");
    let low = campaign("low", "p1", 0, 1.0, &[60_000]);
    let mut high = campaign("high", "p2", 5, 1.0, &[10_000]);
    high.valid_from = Some(from + 30_000);
    high.valid_until = Some(from + 50_000);
    let cs = [low, high];
    let plays = plan(&s, &cs, &[], from, from + 120_000);
    let v: Vec<_> = plays
        .iter()
        .map(|p| {
            (
                p.campaign.as_deref().unwrap(),
                p.start - from,
                p.end - from,
                p.truncated,
            )
        })
        .collect();
    assert_eq!(
        v,
        vec![
            ("low", 0, 30_000, true),
            ("high", 30_000, 40_000, false),
            ("high", 40_000, 50_000, false),
            ("low", 50_000, 110_000, false),
            ("low", 110_000, 120_000, true)
        ]
    );
}

#[test]
fn update_and_cancel_cut_alerts() {
    let s = screen("UTC");
    let from = ms("2026-06-01T00:00:00Z");
    let cs = vec![campaign("c", "p", 0, 1.0, &[10_000])];
    let a = mk_alert("a1", from + 60_000, from + 3_600_000);
    let mut upd = mk_alert("a2", from + 120_000, from + 3_600_000);
    upd.msg_type = MsgType::Update;
    upd.references = vec![twincast_core::alert::AlertRef {
        sender: Some("civil-protection".into()),
        identifier: "a1".into(),
        sent: None,
    }];
    let mut cancel = mk_alert("a3", from + 600_000, from + 3_600_000);
    cancel.msg_type = MsgType::Cancel;
    cancel.references = vec![twincast_core::alert::AlertRef {
        sender: None,
        identifier: "a2".into(),
        sent: None,
    }];
    let alerts = vec![a, upd, cancel];
    let plays = plan(&s, &cs, &alerts, from, from + 3_600_000);
    let al: Vec<_> = plays
        .iter()
        .filter(|p| p.kind == PlayKind::Alert)
        .map(|p| (p.alert.as_deref().unwrap(), p.start - from, p.end - from))
        .collect();
    assert_eq!(al, vec![("a1", 60_000, 120_000), ("a2", 120_000, 600_000)]);
    // After the cancel, content is back.
    assert!(plays
        .iter()
        .any(|p| p.kind == PlayKind::Campaign && p.start >= from + 600_000));
    // A test alert is never shown.
    let mut t = mk_alert("t", from, from + 3_600_000);
    t.status = Status::Test;
    assert!(plan(&s, &cs, &[t], from, from + 3_600_000)
        .iter()
        .all(|p| p.kind == PlayKind::Campaign));
}

#[test]
fn screens_in_different_zones_get_local_windows() {
    // Daily 08:00–09:00 local: Berlin screen at 07:00Z, New York at 12:00Z (June, DST).
    let mut c = campaign("morning", "p", 0, 1.0, &[10_000]);
    c.recurrence = Some(
        Recurrence::new(
            jiff::civil::date(2026, 1, 1).at(8, 0, 0, 0),
            "FREQ=DAILY",
            vec![],
            3_600_000,
        )
        .unwrap(),
    );
    let from = ms("2026-06-01T00:00:00Z");
    for (tz, start) in [
        ("Europe/Berlin", "2026-06-01T06:00:00Z"),
        ("America/New_York", "2026-06-01T12:00:00Z"),
        ("Asia/Tokyo", "2026-06-01T23:00:00Z"),
    ] {
        let plays = plan(&screen(tz), std::slice::from_ref(&c), &[], from, from + DAY);
        assert_eq!(plays.first().map(|p| p.start), Some(ms(start)), "{tz}");
        assert_eq!(
            plays.last().map(|p| p.end),
            Some((ms(start) + 3_600_000).min(from + DAY)),
            "{tz}"
        );
    }
}

#[test]
fn targeting_and_explain() {
    use twincast_core::{explain, Reason};
    let s = screen("Europe/Berlin");
    let at = ms("2026-06-01T10:00:00Z");
    let mut not_here = campaign("a-not-here", "p1", 0, 1.0, &[10_000]);
    not_here.targets.location_kinds = vec!["street".into()];
    let mut expired = campaign("b-expired", "p2", 0, 1.0, &[10_000]);
    expired.valid_until = Some(at - 1);
    let mut future = campaign("c-future", "p3", 0, 1.0, &[10_000]);
    future.valid_from = Some(at + 1);
    let empty = campaign("d-empty", "p4", 0, 1.0, &[]);
    let mut night = campaign("e-night", "p5", 0, 1.0, &[10_000]);
    night.recurrence = Some(
        Recurrence::new(
            jiff::civil::date(2026, 1, 1).at(22, 0, 0, 0),
            "FREQ=DAILY",
            vec![],
            3_600_000,
        )
        .unwrap(),
    );
    let low = campaign("f-low", "p6", 0, 1.0, &[10_000]);
    let mut geo = campaign("g-geo", "p7", 1, 1.0, &[10_000]);
    geo.targets.geofence = Some(twincast_core::Geofence::Circle {
        center: twincast_core::LatLon {
            lat: 52.5,
            lon: 13.4,
        },
        radius_km: 5.0,
    });
    let mut geo2 = campaign("h-geo2", "p8", 1, 1.0, &[10_000]);
    geo2.targets.tags = vec!["arrivals".into()];
    let cs = vec![not_here, expired, future, empty, night, low, geo, geo2];
    let e = explain(&s, &cs, &[], at);
    let playing = e.playing.clone().unwrap();
    assert!(["g-geo", "h-geo2"].contains(&playing.campaign.as_deref().unwrap()));
    let reasons: Vec<(String, Reason)> = e
        .not_playing
        .iter()
        .map(|n| (n.campaign.clone(), n.reason))
        .collect();
    let other = if playing.campaign.as_deref() == Some("g-geo") {
        "h-geo2"
    } else {
        "g-geo"
    };
    let mut expected = vec![
        ("a-not-here".to_string(), Reason::NotTargeted),
        ("b-expired".into(), Reason::Expired),
        ("c-future".into(), Reason::NotYetValid),
        ("d-empty".into(), Reason::NoContent),
        ("e-night".into(), Reason::OutsideRecurrence),
        ("f-low".into(), Reason::Outranked),
        (other.into(), Reason::WaitingTurn),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(reasons, expected);
    let json = serde_json::to_value(&e).unwrap();
    assert!(json["playing"]["partner"].is_string());
    assert!(json["playing"]["alert"].is_null());
    assert_eq!(json["not_playing"][0]["reason"], "not_targeted");
    // With an alert on air.
    let e = explain(&s, &cs, &[mk_alert("al", at - 1000, at + 1000)], at);
    assert_eq!(e.playing.unwrap().alert.as_deref(), Some("al"));
    assert!(e
        .not_playing
        .iter()
        .any(|n| n.campaign == "f-low" && n.reason == Reason::AlertActive));
}

#[test]
fn simulate_week_with_windows() {
    // Partner p2 only plays 12:00–18:00 local; over the week targets and achieved match within 2 points.
    let mut cs = vec![
        campaign("a", "p1", 0, 1.0, &[15_000]),
        campaign("b", "p3", 0, 2.0, &[20_000, 30_000]),
    ];
    let mut c = campaign("c", "p2", 0, 1.0, &[10_000]);
    c.recurrence = Some(
        Recurrence::new(
            jiff::civil::date(2026, 1, 1).at(12, 0, 0, 0),
            "FREQ=DAILY",
            vec![],
            6 * 3_600_000,
        )
        .unwrap(),
    );
    cs.push(c);
    let r = simulate(
        &screen("Europe/Berlin"),
        &cs,
        &[],
        ms("2026-06-01T12:00:00Z"),
        7,
    );
    assert_eq!(r.partners.len(), 3);
    let sum: f64 = r.partners.iter().map(|p| p.target_share).sum();
    assert!((sum - 1.0).abs() < 1e-9);
    for p in &r.partners {
        assert!((p.achieved_share - p.target_share).abs() <= 0.02, "{p:?}");
    }
    let p2 = r.partners.iter().find(|p| p.slug == "p2").unwrap();
    // 6 h of 24 at 1/4 share: 1/16 of airtime.
    assert!((p2.target_share - 1.0 / 16.0).abs() < 0.005, "{p2:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A daily window at local HH:MM starts at HH:MM on the screen's wall clock, in every zone.
    #[test]
    fn windows_follow_each_screens_zone(tz_i in 0..6usize, h in 0i8..24, mi in 0i8..60, day in 0i64..365) {
        let tz = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"][tz_i];
        let mut c = campaign("w", "p", 0, 1.0, &[10_000]);
        c.recurrence = Some(Recurrence::new(jiff::civil::date(2025, 1, 1).at(h, mi, 0, 0), "FREQ=DAILY", vec![], 1_800_000).unwrap());
        let s = screen(tz);
        let at = ms("2026-01-01T12:00:00Z") + day * DAY;
        let plays = twincast_core::plan_day(&s, std::slice::from_ref(&c), &[], at);
        prop_assert!(!plays.is_empty());
        let zone = jiff::tz::TimeZone::get(tz).unwrap();
        let first = zone.to_datetime(jiff::Timestamp::from_millisecond(plays[0].start).unwrap());
        let local_day_start = twincast_core::engine::local_midnight(&s, at);
        if plays[0].start > local_day_start {
            // Unless the window straddles midnight or falls into a DST gap, it starts at HH:MM local.
            let gap = zone.to_ambiguous_timestamp(first.date().at(h, mi, 0, 0)).is_ambiguous();
            prop_assert!(gap || (first.hour(), first.minute()) == (h, mi), "{} starts {} not {:02}:{:02}", tz, first, h, mi);
        }
    }

    /// plan_horizon agrees with plan_day on every play inside the window.
    #[test]
    fn horizon_agrees_with_daily_plans(cs in arb_campaigns(), off_h in 0i64..24) {
        let s = screen("America/New_York");
        let from = ms("2026-06-01T00:00:00Z") + off_h * 3_600_000;
        let to = from + 2 * DAY;
        let h = twincast_core::plan_horizon(&s, &cs, &[], from, to);
        for p in &h {
            prop_assert!(p.start >= from && p.end <= to);
        }
        for w in h.windows(2) {
            prop_assert!(w[0].end <= w[1].start);
        }
        let day = twincast_core::plan_day(&s, &cs, &[], from + DAY);
        for p in day.iter().filter(|p| p.start > from && p.end < to) {
            prop_assert!(h.contains(p), "{:?} missing from horizon", p);
        }
    }
}

#[test]
fn free_zone_campaigns_play_only_where_the_layout_has_their_zone() {
    use twincast_core::{explain_zones, ZoneReason};
    let s = screen("Europe/Berlin");
    let at = ms("2026-06-01T10:00:00Z");
    let side = campaign("a-side", "p1", 0, 1.0, &[10_000]);
    let weather = campaign("b-weather", "p2", 0, 1.0, &[10_000]);
    let mut elsewhere = campaign("c-elsewhere", "p3", 0, 1.0, &[10_000]);
    elsewhere.targets.location_kinds = vec!["street".into()];
    let mut expired = campaign("d-expired", "p4", 0, 1.0, &[10_000]);
    expired.valid_until = Some(at - 1);
    let empty = campaign("e-empty", "p5", 0, 1.0, &[]);
    let cs: Vec<(String, Campaign)> = [
        ("weather", weather),
        ("side", side),
        ("side", elsewhere),
        ("side", expired),
        ("side", empty),
    ]
    .into_iter()
    .map(|(z, c)| (z.to_string(), c))
    .collect();
    let got = explain_zones(&s, &cs, &["main", "side"], at);
    let reasons: Vec<(&str, &str, bool, Option<ZoneReason>)> = got
        .iter()
        .map(|z| (z.campaign.as_str(), z.zone.as_str(), z.plays, z.reason))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("a-side", "side", true, None),
            (
                "b-weather",
                "weather",
                false,
                Some(ZoneReason::ZoneNotInLayout)
            ),
            ("c-elsewhere", "side", false, Some(ZoneReason::NotTargeted)),
            ("d-expired", "side", false, Some(ZoneReason::Expired)),
            ("e-empty", "side", false, Some(ZoneReason::NoContent)),
        ]
    );
    assert!(
        got[1].detail.contains("no zone \"weather\""),
        "{:?}",
        got[1]
    );
    // A layout without free zones (the built-in ones) plays none of them.
    assert!(explain_zones(&s, &cs, &["main", "ticker", "clock"], at)
        .iter()
        .all(|z| !z.plays));
}
