//! What-if: the class computation equals the per-screen computation.

mod common;
use common::*;
use proptest::prelude::*;
use twincast_core::alert::{Alert, MsgType, Severity, Status};
use twincast_core::{
    planned_with, simulate, simulate_repeating, whatif, whatif_with, Campaign, Orientation,
    Recurrence, Screen, SimReport, Targets, WhatIfInput, Zone,
};

const ZONES: [&str; 3] = ["Europe/Berlin", "America/New_York", "UTC"];
const KINDS: [&str; 3] = ["airport", "street", "metro"];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn same_report(a: &SimReport, b: &SimReport) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.from, b.from);
    prop_assert_eq!(a.to, b.to);
    prop_assert!(close(a.total_seconds, b.total_seconds), "{a:?} vs {b:?}");
    prop_assert_eq!(a.partners.len(), b.partners.len(), "{:?} vs {:?}", a, b);
    for (x, y) in a.partners.iter().zip(&b.partners) {
        prop_assert_eq!(&x.slug, &y.slug);
        prop_assert!(close(x.seconds, y.seconds), "{x:?} vs {y:?}");
        prop_assert!(close(x.achieved_share, y.achieved_share), "{x:?} vs {y:?}");
        prop_assert!(close(x.target_share, y.target_share), "{x:?} vs {y:?}");
    }
    Ok(())
}

fn mk_screen(i: usize, loc: usize, tz: usize, portrait: bool, tag: bool) -> Screen {
    let mut s = Screen::new(
        &format!("s{i:03}"),
        &format!("l{loc}"),
        KINDS[loc % KINDS.len()],
        Zone::new(ZONES[tz]).unwrap(),
    );
    s.lat = 50.0 + loc as f64;
    s.lon = 10.0;
    if tag {
        s.tags = vec!["arrivals".into()];
    }
    if portrait {
        s.orientation = Orientation::Portrait;
    }
    s
}

prop_compose! {
    fn arb_screens()(specs in prop::collection::vec((0..4usize, 0..3usize, any::<bool>(), any::<bool>()), 1..24))
        -> Vec<Screen> {
        specs.into_iter().enumerate().map(|(i, (loc, tz, p, t))| mk_screen(i, loc, tz % 3, p, t)).collect()
    }
}

prop_compose! {
    fn arb_campaign(i: usize)(partner in 0..4usize, prio in 0..2i32, weight in 1..4u8,
        items in prop::collection::vec(5_000i64..40_000, 1..3),
        target in 0..6usize,
        window in prop::option::of((0i64..60, 1i64..40)),
        daily in prop::option::of(0i8..22))
        -> Campaign {
        let mut c = campaign(&format!("c{i:02}"), &format!("p{partner}"), prio, weight as f64, &items);
        c.targets = match target {
            0 => Targets::default(),
            1 => Targets { location_kinds: vec![KINDS[i % 3].into()], ..Targets::default() },
            2 => Targets { locations: vec![format!("l{}", i % 4)], ..Targets::default() },
            3 => Targets { tags: vec!["arrivals".into()], ..Targets::default() },
            4 => Targets { screens: vec![format!("s{:03}", i % 7)], ..Targets::default() },
            _ => Targets { location_kinds: vec!["metro".into()], locations: vec!["l1".into()], ..Targets::default() },
        };
        if let Some((h, len)) = window {
            c.valid_from = Some(ms("2026-10-20T00:00:00Z") + h * 3_600_000);
            c.valid_until = Some(ms("2026-10-20T00:00:00Z") + (h + len) * 3_600_000);
        }
        if let Some(h) = daily {
            c.recurrence = Some(Recurrence::new(
                jiff::civil::date(2026, 10, 1).at(h, 0, 0, 0), "FREQ=DAILY", vec![], 2 * 3_600_000).unwrap());
        }
        c
    }
}

fn arb_campaigns() -> impl Strategy<Value = Vec<Campaign>> {
    (1..10usize).prop_flat_map(|n| (0..n).map(arb_campaign).collect::<Vec<_>>())
}

/// A change: 0 add a campaign, 1 change one (weight, priority or targets), 2 remove one.
fn apply(before: &[Campaign], change: usize, pick: usize, extra: &Campaign) -> Vec<Campaign> {
    let mut after = before.to_vec();
    let i = pick % after.len();
    match change {
        0 => {
            let mut c = extra.clone();
            c.id = "draft".into();
            after.push(c);
        }
        1 => {
            after[i].weight += 2.0;
            after[i].priority = extra.priority;
            after[i].targets = extra.targets.clone();
        }
        _ => {
            after.remove(i);
        }
    }
    after
}

fn alert(kind: &str) -> Alert {
    Alert {
        id: "a1".into(),
        sender: "civil-protection".into(),
        sent: ms("2026-10-25T10:00:00Z"),
        msg_type: MsgType::Alert,
        status: Status::Actual,
        references: vec![],
        event: "Flood".into(),
        severity: Severity::Severe,
        headline: "Flood warning".into(),
        description: String::new(),
        instruction: String::new(),
        effective: None,
        expires: Some(ms("2026-10-25T13:00:00Z")),
        areas: vec![],
        locations: vec![],
        location_kinds: vec![kind.into()],
        tags: vec![],
        geocodes: vec![],
        infos: vec![],
        version: String::new(),
        signed: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// Every reported screen's before and after equal its own simulation; unreported screens are unchanged.
    #[test]
    fn classes_equal_per_screen_simulation(screens in arb_screens(), cs in arb_campaigns(),
        change in 0..3usize, pick in 0..10usize, extra in arb_campaign(99), days in 1..4u32,
        with_alert in any::<bool>(), portrait_differs in any::<bool>()) {
        let after = apply(&cs, change, pick, &extra);
        // Portrait screens may see other content (a portrait media variant).
        let portrait = |list: &[Campaign]| -> Vec<Campaign> {
            list.iter().map(|c| {
                let mut c = c.clone();
                if portrait_differs && c.id.ends_with('1') {
                    for it in &mut c.items { it.media.push_str("-portrait"); }
                }
                c
            }).collect()
        };
        let (bp, ap) = (portrait(&cs), portrait(&after));
        let alerts = if with_alert { vec![alert("street")] } else { vec![] };
        // The window crosses the end of summer time in Europe (2026-10-25) and America (2026-11-01).
        let from = ms("2026-10-24T15:00:00Z");
        let input = WhatIfInput {
            screens: &screens,
            before: [&cs, &bp],
            after: [&after, &ap],
            alerts: &alerts,
            filter: None,
            from,
            days,
        };
        let w = whatif(&input);
        let mut reported = vec![false; screens.len()];
        let mut sum = 0;
        for class in &w.classes {
            sum += class.screens.len();
            for id in &class.screens {
                let i = screens.iter().position(|s| &s.id == id).unwrap();
                prop_assert!(!reported[i], "a screen in two classes");
                reported[i] = true;
                let s = &screens[i];
                let o = usize::from(s.orientation == Orientation::Portrait);
                let (b, a) = ([&cs, &bp][o], [&after, &ap][o]);
                same_report(&class.before, &simulate(s, b, &alerts, from, days))?;
                same_report(&class.after, &simulate(s, a, &alerts, from, days))?;
                prop_assert_eq!(&class.time_zone, s.tz.name());
            }
        }
        prop_assert_eq!(w.screens, sum);
        prop_assert_eq!(w.network.screens, sum);
        prop_assert_eq!(w.by_location_kind.iter().map(|k| k.screens).sum::<usize>(), sum);
        for (i, s) in screens.iter().enumerate() {
            if !reported[i] {
                let o = usize::from(s.orientation == Orientation::Portrait);
                let (b, a) = ([&cs, &bp][o], [&after, &ap][o]);
                same_report(&simulate(s, a, &alerts, from, days), &simulate(s, b, &alerts, from, days))?;
            }
        }
        // Running the jobs in another order (as threads would) gives the same answer.
        let rev = whatif_with(&input, |jobs| {
            let mut out: Vec<_> = jobs.iter().rev().map(|j| j.run()).collect();
            out.reverse();
            out
        });
        prop_assert_eq!(&w, &rev);
    }

    /// Computing each distinct day once gives the day-by-day answer.
    #[test]
    fn repeating_days_equal_day_by_day(cs in arb_campaigns(), tz in 0..3usize, days in 1..15u32,
        with_alert in any::<bool>()) {
        let s = mk_screen(1, 1, tz, false, true);
        let alerts = if with_alert { vec![alert("street")] } else { vec![] };
        let from = ms("2026-10-18T15:00:00Z");
        same_report(&simulate_repeating(&s, &cs, &alerts, from, days), &simulate(&s, &cs, &alerts, from, days))?;
    }
}

#[test]
fn summaries_add_up_and_filter_applies() {
    let screens: Vec<Screen> = (0..6)
        .map(|i| mk_screen(i, i % 2, 0, i == 5, false))
        .collect();
    let cs = vec![
        campaign("a", "kyoto", 0, 1.0, &[10_000]),
        campaign("b", "lyon", 0, 1.0, &[10_000]),
    ];
    let mut after = cs.clone();
    after[0].weight = 3.0; // kyoto: 3/4 of the airtime
    let from = ms("2026-06-01T00:00:00Z");
    let input = WhatIfInput {
        screens: &screens,
        before: [&cs, &cs],
        after: [&after, &after],
        alerts: &[],
        filter: None,
        from,
        days: 1,
    };
    let w = whatif(&input);
    assert_eq!(w.screens, 6);
    // Two locations, portrait content is the same: one class per location, one before and one after
    // simulation each (the zone and the campaigns are all that count).
    assert_eq!(w.classes.len(), 1, "{:?}", w.classes);
    assert_eq!(w.simulations, 2);
    let kyoto = &w.network.partners[0];
    assert_eq!(kyoto.slug, "kyoto");
    assert!((kyoto.before_share - 0.5).abs() < 1e-3, "{kyoto:?}");
    assert!((kyoto.after_share - 0.75).abs() < 1e-3, "{kyoto:?}");
    assert!((kyoto.delta_share - 0.25).abs() < 1e-3, "{kyoto:?}");
    assert!((w.network.before_seconds - 6.0 * 86_400.0).abs() < 1.0);
    // Kinds: screens 0, 2, 4 at l0 (airport), 1, 3, 5 at l1 (street).
    let kinds: Vec<(Option<&str>, usize)> = w
        .by_location_kind
        .iter()
        .map(|k| (k.location_kind.as_deref(), k.screens))
        .collect();
    assert_eq!(kinds, vec![(Some("airport"), 3), (Some("street"), 3)]);
    // A filter keeps only the screens it matches.
    let only = Targets {
        location_kinds: vec!["street".into()],
        ..Targets::default()
    };
    let w = whatif(&WhatIfInput {
        filter: Some(&only),
        ..input
    });
    assert_eq!(w.screens, 3);
    assert_eq!(w.classes[0].screens, vec!["s001", "s003", "s005"]);
    // No change: nothing affected, nothing simulated.
    let w = whatif(&WhatIfInput {
        after: [&cs, &cs],
        ..input
    });
    assert_eq!((w.screens, w.simulations, w.classes.len()), (0, 0, 0));
    // The plan itself reports every screen (the filter's), each partner's planned share in `before_share`.
    let p = planned_with(&input, |jobs| jobs.iter().map(|j| j.run()).collect());
    assert_eq!(p.screens, 6);
    assert!(
        (p.network.partners[0].before_share - 0.5).abs() < 1e-3,
        "{p:?}"
    );
    assert_eq!(
        p.network.partners[0].before_share,
        p.network.partners[0].after_share
    );
    let p = planned_with(
        &WhatIfInput {
            filter: Some(&only),
            ..input
        },
        |jobs| jobs.iter().map(|j| j.run()).collect(),
    );
    assert_eq!(p.screens, 3);
}

#[test]
fn alerts_and_zones_split_classes() {
    // Same campaigns everywhere; an alert on the street screens; one screen in another zone.
    let screens = vec![
        mk_screen(0, 0, 0, false, false), // airport, Berlin
        mk_screen(1, 1, 0, false, false), // street, Berlin
        mk_screen(2, 0, 1, false, false), // airport, New York
    ];
    let cs = vec![
        campaign("a", "kyoto", 0, 1.0, &[10_000]),
        campaign("b", "lyon", 0, 1.0, &[10_000]),
    ];
    let mut after = cs.clone();
    after[1].weight = 2.0;
    let alerts = vec![alert("street")];
    let from = ms("2026-10-25T12:00:00Z");
    let w = whatif(&WhatIfInput {
        screens: &screens,
        before: [&cs, &cs],
        after: [&after, &after],
        alerts: &alerts,
        filter: None,
        from,
        days: 1,
    });
    assert_eq!(w.classes.len(), 3, "{:?}", w.classes);
    assert_eq!(w.simulations, 6);
    for (class, s) in w.classes.iter().zip(&screens) {
        assert_eq!(class.screens, vec![s.id.clone()]);
        assert_eq!(class.before, simulate(s, &cs, &alerts, from, 1));
        assert_eq!(class.after, simulate(s, &after, &alerts, from, 1));
    }
    // Three hours of alert on the street screen.
    let gap = w.classes[0].before.total_seconds - w.classes[1].before.total_seconds;
    assert!((gap - 3.0 * 3600.0).abs() < 30.0, "{gap}");
}
