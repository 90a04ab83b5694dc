//! Airtime from actual plays: every grouping keeps every play exactly once, the local day is the wall clock's day,
//! the daily series and the heat-map keep the airtime they are given, and fairness shares add up.

use proptest::prelude::*;
use std::collections::BTreeMap;
use twincast_core::airtime::*;

const PARTNERS: [&str; 3] = ["akashi", "bremen", "cairo"];
const OFFSETS: [i64; 5] = [-5 * 3600, 0, 3 * 3600, 8 * 3600, 14 * 3600];

fn plays() -> impl Strategy<Value = Vec<CountedPlay>> {
    prop::collection::vec(
        (
            0usize..3,
            0usize..4,
            0usize..5,
            0i64..40 * DAY,
            1i64..600_000,
        ),
        0..120,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(p, s, o, t, ms)| CountedPlay {
                partner: PARTNERS[p].into(),
                location: format!("loc-{}", s % 2),
                screen: format!("screen-{s}"),
                started_at: 1_764_000_000_000 + t,
                utc_offset_s: OFFSETS[o],
                ms,
            })
            .collect()
    })
}

fn total<K>(c: &Cells<K>) -> (i64, i64) {
    c.values().fold((0, 0), |a, s| (a.0 + s.plays, a.1 + s.ms))
}

proptest! {
    #[test]
    fn groupings_keep_every_play_once(p in plays()) {
        let all = (p.len() as i64, p.iter().map(|x| x.ms).sum::<i64>());
        prop_assert_eq!(total(&by_day(&p)), all);
        prop_assert_eq!(total(&by_hour(&p)), all);
        prop_assert_eq!(total(&by_place(&p)), all);
        prop_assert_eq!(total(&by_screen(&p)), all);
        let months: f64 = months(&by_day(&p)).values().sum();
        prop_assert!((months - all.1 as f64 / HOUR as f64).abs() < 1e-6);
    }

    #[test]
    fn the_local_day_is_the_wall_clock_day(t in 0i64..4_000_000_000_000, o in 0usize..5) {
        let off = OFFSETS[o];
        let day = local_day(t, off);
        let utc = t.div_euclid(DAY);
        prop_assert!((utc - 1..=utc + 1).contains(&day));
        // The wall clock's date, computed independently with jiff.
        let wall = jiff::tz::Offset::from_seconds(off as i32)
            .unwrap()
            .to_datetime(jiff::Timestamp::from_millisecond(t).unwrap());
        prop_assert_eq!(format_day(day), wall.date().strftime("%Y-%m-%d").to_string());
        prop_assert_eq!(i64::from(local_hour(t, off)), i64::from(wall.hour()));
        prop_assert_eq!(parse_day(&format_day(day)), Some(day));
    }

    #[test]
    fn series_and_heatmap_keep_the_airtime(p in plays(), share in 0.0f64..1.0) {
        let days = by_day(&p);
        let (from, to) = match (days.keys().map(|k| k.1).min(), days.keys().map(|k| k.1).max()) {
            (Some(a), Some(b)) => (a, b + 1),
            _ => (0, 1),
        };
        let planned = BTreeMap::from([("bremen".to_string(), share)]);
        let s = series(from, to, &days, &planned, None);
        prop_assert_eq!(s.days.len() as i64, to - from);
        let hours: f64 = s.partners.iter().flat_map(|r| r.hours.iter()).sum();
        let all = p.iter().map(|x| x.ms).sum::<i64>() as f64 / HOUR as f64;
        prop_assert!((hours - all).abs() < 1e-6);
        if !p.is_empty() {
            let shares: f64 = s.partners.iter().map(|r| r.share).sum();
            prop_assert!((shares - 1.0).abs() < 1e-9);
        }
        // The target line is the planned share of each day's airtime.
        for r in &s.partners {
            if let Some(t) = &r.target_hours {
                let t_sum: f64 = t.iter().sum();
                prop_assert!((t_sum - all * share).abs() < 1e-6);
            }
        }
        // Only the visible partners are shown.
        let only = vec!["akashi".to_string()];
        prop_assert!(series(from, to, &days, &planned, Some(&only)).partners.iter().all(|r| r.partner == "akashi"));
        let h = heatmap(&by_hour(&p));
        let heat: f64 = h.rows.iter().flat_map(|r| r.hours.iter()).sum();
        prop_assert!((heat - all).abs() < 1e-6);
        prop_assert!(h.rows.iter().all(|r| r.hours.len() == 24 && r.hours.iter().all(|c| *c <= h.max)));
    }

    #[test]
    fn fairness_shares_add_up(p in plays(), w in prop::collection::vec(0.0f64..1.0, 3), threshold in 0.0f64..50.0) {
        let sum: f64 = w.iter().sum::<f64>().max(1e-9);
        let mut planned = BTreeMap::new();
        for (i, x) in w.iter().enumerate() {
            planned.insert(("network".to_string(), PARTNERS[i].to_string()), x / sum);
        }
        let achieved: BTreeMap<(String, String), i64> = by_screen(&p)
            .iter()
            .fold(BTreeMap::new(), |mut m, ((partner, _), s)| {
                *m.entry(("network".to_string(), partner.clone())).or_default() += s.ms;
                m
            });
        let rows = fairness(&planned, &achieved, threshold);
        prop_assert_eq!(rows.len(), 3);
        let got: f64 = rows.iter().map(|r| r.achieved_share).sum();
        if p.is_empty() {
            prop_assert!(rows.iter().all(|r| !r.over && r.achieved_share == 0.0));
        } else {
            prop_assert!((got - 1.0).abs() < 1e-9);
        }
        for r in &rows {
            prop_assert!((r.deviation_pp - (r.achieved_share - r.planned_share) * 100.0).abs() < 1e-9);
            prop_assert_eq!(r.over, !p.is_empty() && r.deviation_pp.abs() > threshold);
        }
    }
}
