mod common;
use common::*;
use jiff::civil::date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use twincast_core::engine::plan_day;
use twincast_core::Recurrence;

fn starts(r: &Recurrence, tz: &str, from: &str, to: &str, general: bool) -> Vec<String> {
    let tz = TimeZone::get(tz).unwrap();
    let mut v = Vec::new();
    if general {
        r.occurrences_via_rrule2(&tz, ms(from), ms(to), &mut v);
    } else {
        r.occurrences(&tz, ms(from), ms(to), &mut v);
    }
    v.iter()
        .map(|(s, _)| jiff::Timestamp::from_millisecond(*s).unwrap().to_string())
        .collect()
}

/// Checks a daily 02:30 rule both through the fast path and through rrule2 (BYHOUR forces the general path).
fn check_0230(tz: &str, dtstart: jiff::civil::DateTime, from: &str, to: &str, expected: &[&str]) {
    for (rule, general) in [
        ("FREQ=DAILY", false),
        ("FREQ=DAILY", true),
        ("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", false),
    ] {
        let r = Recurrence::new(dtstart, rule, vec![], 600_000).unwrap();
        assert_eq!(
            starts(&r, tz, from, to, general),
            expected,
            "{tz} {rule} general={general}"
        );
    }
}

#[test]
fn new_york_spring_forward_0230_plays_once_at_0330_edt() {
    check_0230(
        "America/New_York",
        date(2026, 3, 1).at(2, 30, 0, 0),
        "2026-03-07T00:00:00Z",
        "2026-03-10T00:00:00Z",
        &[
            "2026-03-07T07:30:00Z",
            "2026-03-08T07:30:00Z",
            "2026-03-09T06:30:00Z",
        ],
    );
}

#[test]
fn new_york_fall_back_0130_plays_once_first_occurrence() {
    let r = Recurrence::new(
        date(2026, 10, 1).at(1, 30, 0, 0),
        "FREQ=DAILY",
        vec![],
        600_000,
    )
    .unwrap();
    for general in [false, true] {
        assert_eq!(
            starts(
                &r,
                "America/New_York",
                "2026-10-31T00:00:00Z",
                "2026-11-03T00:00:00Z",
                general
            ),
            [
                "2026-10-31T05:30:00Z",
                "2026-11-01T05:30:00Z",
                "2026-11-02T06:30:00Z"
            ]
        );
    }
    check_0230(
        "America/New_York",
        date(2026, 10, 1).at(2, 30, 0, 0),
        "2026-10-31T00:00:00Z",
        "2026-11-03T00:00:00Z",
        &[
            "2026-10-31T06:30:00Z",
            "2026-11-01T07:30:00Z",
            "2026-11-02T07:30:00Z",
        ],
    );
}

#[test]
fn berlin_spring_forward_and_fall_back() {
    check_0230(
        "Europe/Berlin",
        date(2026, 3, 1).at(2, 30, 0, 0),
        "2026-03-28T00:00:00Z",
        "2026-03-31T00:00:00Z",
        &[
            "2026-03-28T01:30:00Z",
            "2026-03-29T01:30:00Z",
            "2026-03-30T00:30:00Z",
        ],
    );
    check_0230(
        "Europe/Berlin",
        date(2026, 10, 1).at(2, 30, 0, 0),
        "2026-10-24T00:00:00Z",
        "2026-10-27T00:00:00Z",
        &[
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T01:30:00Z",
        ],
    );
}

#[test]
fn plan_over_dst_days_has_23_and_25_hours() {
    let c = campaign("c", "p", 0, 1.0, &[60_000]);
    for (tz, day, hours) in [
        ("Europe/Berlin", "2026-03-29T12:00:00Z", 23),
        ("Europe/Berlin", "2026-10-25T12:00:00Z", 25),
        ("America/New_York", "2026-03-08T12:00:00Z", 23),
        ("America/New_York", "2026-11-01T12:00:00Z", 25),
    ] {
        let s = screen(tz);
        let plays = plan_day(&s, std::slice::from_ref(&c), &[], ms(day));
        let total: i64 = plays.iter().map(|p| p.duration()).sum();
        assert_eq!(total, hours * 3_600_000, "{tz} {day}");
    }
}

#[test]
fn exdate_in_local_time_and_weekly_byday() {
    let r = Recurrence::new(
        date(2026, 1, 5).at(9, 0, 0, 0),
        "FREQ=WEEKLY;BYDAY=MO,FR",
        vec![date(2026, 6, 5).at(9, 0, 0, 0)],
        3_600_000,
    )
    .unwrap();
    // June 1 (Mo), June 5 (Fr, excluded), June 8 (Mo); Tokyo is UTC+9.
    assert_eq!(
        starts(
            &r,
            "Asia/Tokyo",
            "2026-05-31T00:00:00Z",
            "2026-06-09T00:00:00Z",
            false
        ),
        ["2026-06-01T00:00:00Z", "2026-06-08T00:00:00Z"]
    );
}

fn rule_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (1..4u8).prop_map(|n| format!("FREQ=DAILY;INTERVAL={n}")),
        (1..3u8).prop_map(|n| format!("FREQ=WEEKLY;INTERVAL={n}")),
        prop::collection::btree_set(0..7usize, 1..4).prop_map(|days| {
            let names = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
            format!(
                "FREQ=WEEKLY;BYDAY={}",
                days.iter().map(|d| names[*d]).collect::<Vec<_>>().join(",")
            )
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The fast expansion of simple rules equals rrule2's.
    #[test]
    fn fast_path_equals_rrule2(rule in rule_strategy(), y in 2024i16..2027, m in 1i8..13, d in 1i8..29,
        h in 0i8..24, mi in 0i8..60, dur_min in 1i64..600, tz_i in 0..4usize, off_days in 0i64..900, len_days in 1i64..12) {
        let tz = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"][tz_i];
        let r = Recurrence::new(date(y, m, d).at(h, mi, 0, 0), &rule, vec![], dur_min * 60_000).unwrap();
        let zone = TimeZone::get(tz).unwrap();
        let from = ms("2024-01-01T00:00:00Z") + off_days * 86_400_000;
        let to = from + len_days * 86_400_000;
        let (mut a, mut b) = (Vec::new(), Vec::new());
        r.occurrences(&zone, from, to, &mut a);
        r.occurrences_via_rrule2(&zone, from, to, &mut b);
        prop_assert_eq!(a, b);
    }

    /// A daily rule yields exactly one start per local day, whatever the zone and the time of day.
    #[test]
    fn daily_rule_once_per_local_day(h in 0i8..24, mi in 0i8..60, tz_i in 0..4usize, off_days in 0i64..700) {
        let tz = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"][tz_i];
        let r = Recurrence::new(date(2024, 1, 1).at(h, mi, 0, 0), "FREQ=DAILY", vec![], 60_000).unwrap();
        let zone = TimeZone::get(tz).unwrap();
        let from = ms("2024-01-01T00:00:00Z") + off_days * 86_400_000;
        let mut v = Vec::new();
        r.occurrences(&zone, from, from + 10 * 86_400_000, &mut v);
        let mut days: Vec<jiff::civil::Date> = v.iter()
            .map(|(s, _)| zone.to_datetime(jiff::Timestamp::from_millisecond(*s).unwrap()).date()).collect();
        let n = days.len();
        days.dedup();
        prop_assert_eq!(days.len(), n, "two starts on one local day");
        prop_assert!((9..=11).contains(&n), "{} starts in 10 days", n);
    }
}
