//! Airtime from actual plays (docs/airtime.md): the screen's local day and hour of a play, sums of counted airtime
//! by partner and local day, hour of day or place, the shapes the console's charts read (a daily series against
//! the planned share, a heat-map by local hour), months for the portal's public figures, and fairness on real
//! plays (the simulator's planned share beside the achieved share, per partner and scope, with a threshold).
//!
//! The store sums plays in SQL grouped the same way ([`local_day`], [`local_hour`]); [`by_day`], [`by_hour`] and
//! [`by_place`] are the reference the store's queries are tested against, and the property tests hold the shapes
//! to them.

use crate::Millis;
use serde::Serialize;
use std::collections::BTreeMap;

/// One hour, ms.
pub const HOUR: Millis = 3_600_000;
/// One day, ms.
pub const DAY: Millis = 86_400_000;

/// The instant `started_at` on the screen's wall clock (UTC offset in seconds), as epoch-like ms.
pub fn local_ms(started_at: Millis, utc_offset_s: i64) -> Millis {
    started_at + utc_offset_s * 1000
}

/// The screen's local day of a play: days since 1970-01-01 of its wall-clock start.
pub fn local_day(started_at: Millis, utc_offset_s: i64) -> i64 {
    local_ms(started_at, utc_offset_s).div_euclid(DAY)
}

/// The screen's local hour of day (0–23) of a play's start.
pub fn local_hour(started_at: Millis, utc_offset_s: i64) -> u8 {
    (local_ms(started_at, utc_offset_s).rem_euclid(DAY) / HOUR) as u8
}

/// `(year, month)` of a day number since 1970-01-01 (proleptic Gregorian).
pub fn civil_month(day: i64) -> (i64, u8) {
    // Howard Hinnant's civil_from_days.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m as u8)
}

/// The day number of `YYYY-MM-DD` (none when it is not a date).
pub fn parse_day(s: &str) -> Option<i64> {
    let d = jiff::civil::Date::strptime("%Y-%m-%d", s).ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    Some(i64::from((d - epoch).get_days()))
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    let epoch = jiff::civil::date(1970, 1, 1);
    match epoch.checked_add(jiff::Span::new().days(day)) {
        Ok(d) => d.strftime("%Y-%m-%d").to_string(),
        Err(_) => day.to_string(),
    }
}

/// One counted campaign play as the aggregation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedPlay {
    /// Partner slug.
    pub partner: String,
    /// Location id.
    pub location: String,
    /// Screen id.
    pub screen: String,
    /// UTC start, epoch ms.
    pub started_at: Millis,
    /// The screen's UTC offset at the start, seconds.
    pub utc_offset_s: i64,
    /// Played length, ms.
    pub ms: i64,
}

/// Plays and airtime of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sum {
    /// Plays.
    pub plays: i64,
    /// Airtime, ms.
    pub ms: i64,
}

impl Sum {
    fn add(&mut self, plays: i64, ms: i64) {
        self.plays += plays;
        self.ms += ms;
    }
}

/// Sums by (partner, key): what a grouped query returns.
pub type Cells<K> = BTreeMap<(String, K), Sum>;

fn group<K: Ord>(plays: &[CountedPlay], key: impl Fn(&CountedPlay) -> K) -> Cells<K> {
    let mut out = Cells::new();
    for p in plays {
        out.entry((p.partner.clone(), key(p)))
            .or_default()
            .add(1, p.ms);
    }
    out
}

/// Sums by partner and the screen's local day.
pub fn by_day(plays: &[CountedPlay]) -> Cells<i64> {
    group(plays, |p| local_day(p.started_at, p.utc_offset_s))
}

/// Sums by partner and the screen's local hour of day.
pub fn by_hour(plays: &[CountedPlay]) -> Cells<u8> {
    group(plays, |p| local_hour(p.started_at, p.utc_offset_s))
}

/// Sums by partner and location.
pub fn by_place(plays: &[CountedPlay]) -> Cells<String> {
    group(plays, |p| p.location.clone())
}

/// Sums by partner and screen.
pub fn by_screen(plays: &[CountedPlay]) -> Cells<String> {
    group(plays, |p| p.screen.clone())
}

/// One partner's airtime per local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerSeries {
    /// Partner slug.
    pub partner: String,
    /// Hours shown on each day of [`Series::days`].
    pub hours: Vec<f64>,
    /// Hours the partner would have had on each day at its planned share of that day's airtime (none when the
    /// schedule plans nothing for it).
    pub target_hours: Option<Vec<f64>>,
    /// Plays in the range.
    pub plays: i64,
    /// Hours in the range.
    pub total_hours: f64,
    /// Share of all partners' airtime in the range (0..=1).
    pub share: f64,
    /// Planned share (0..=1), if the schedule plans any.
    pub planned_share: Option<f64>,
}

/// Airtime per partner over local days.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Series {
    /// The days, `YYYY-MM-DD`, first to last.
    pub days: Vec<String>,
    /// One series per partner that played or is planned, by slug.
    pub partners: Vec<PartnerSeries>,
}

fn hours(ms: i64) -> f64 {
    ms as f64 / HOUR as f64
}

/// The daily series of days `[from, to)` from day cells; `planned` is each partner's planned share. Cells
/// outside the range are left out; partners in `visible` only (none: all).
pub fn series(
    from: i64,
    to: i64,
    cells: &Cells<i64>,
    planned: &BTreeMap<String, f64>,
    visible: Option<&[String]>,
) -> Series {
    let n = (to - from).clamp(0, 3660) as usize;
    let mut per_day = vec![0i64; n];
    let mut rows: BTreeMap<&str, (Vec<i64>, i64)> = BTreeMap::new();
    for ((partner, day), s) in cells {
        if *day < from || *day >= to {
            continue;
        }
        let i = (day - from) as usize;
        if i >= n {
            continue;
        }
        per_day[i] += s.ms;
        let row = rows
            .entry(partner.as_str())
            .or_insert_with(|| (vec![0; n], 0));
        row.0[i] += s.ms;
        row.1 += s.plays;
    }
    for (p, share) in planned {
        if *share > 0.0 {
            rows.entry(p.as_str()).or_insert_with(|| (vec![0; n], 0));
        }
    }
    let total: i64 = per_day.iter().sum();
    let partners = rows
        .into_iter()
        .filter(|(p, _)| visible.is_none_or(|v| v.iter().any(|x| x == p)))
        .map(|(p, (ms, plays))| {
            let sum: i64 = ms.iter().sum();
            let planned_share = planned.get(p).copied().filter(|s| *s > 0.0);
            PartnerSeries {
                partner: p.to_string(),
                hours: ms.iter().map(|m| hours(*m)).collect(),
                target_hours: planned_share
                    .map(|s| per_day.iter().map(|d| hours(*d) * s).collect()),
                plays,
                total_hours: hours(sum),
                share: if total > 0 {
                    sum as f64 / total as f64
                } else {
                    0.0
                },
                planned_share,
            }
        })
        .collect();
    Series {
        days: (from..from + n as i64).map(format_day).collect(),
        partners,
    }
}

/// One partner's airtime by local hour of day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatRow {
    /// Partner slug.
    pub partner: String,
    /// Hours shown in each local hour of day, 0–23.
    pub hours: Vec<f64>,
}

/// Airtime by partner and the screens' local hour of day.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Heatmap {
    /// One row per partner, by slug.
    pub rows: Vec<HeatRow>,
    /// The largest cell, hours (0 when empty).
    pub max: f64,
}

/// The heat-map of hour cells.
pub fn heatmap(cells: &Cells<u8>) -> Heatmap {
    let mut rows: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for ((partner, hour), s) in cells {
        if let Some(c) = rows
            .entry(partner.as_str())
            .or_insert_with(|| vec![0; 24])
            .get_mut(usize::from(*hour))
        {
            *c += s.ms;
        }
    }
    let rows: Vec<HeatRow> = rows
        .into_iter()
        .map(|(p, ms)| HeatRow {
            partner: p.to_string(),
            hours: ms.iter().map(|m| hours(*m)).collect(),
        })
        .collect();
    let max = rows
        .iter()
        .flat_map(|r| r.hours.iter().copied())
        .fold(0.0, f64::max);
    Heatmap { rows, max }
}

/// Hours per (partner, `YYYY-MM`) from day cells, months in order.
pub fn months(cells: &Cells<i64>) -> BTreeMap<(String, String), f64> {
    let mut out: BTreeMap<(String, String), i64> = BTreeMap::new();
    for ((partner, day), s) in cells {
        let (y, m) = civil_month(*day);
        *out.entry((partner.clone(), format!("{y:04}-{m:02}")))
            .or_default() += s.ms;
    }
    out.into_iter().map(|(k, ms)| (k, hours(ms))).collect()
}

/// One partner's planned and achieved share in one scope (the network, or one screen).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FairnessRow {
    /// `network`, or a screen id.
    pub scope: String,
    /// Partner slug.
    pub partner: String,
    /// Share the simulator plans (0..=1).
    pub planned_share: f64,
    /// Share of the scope's counted airtime the partner had (0..=1).
    pub achieved_share: f64,
    /// Achieved minus planned, percentage points.
    pub deviation_pp: f64,
    /// Airtime achieved, hours.
    pub hours: f64,
    /// Whether |deviation| is above the threshold (only in scopes that played and have a plan).
    pub over: bool,
}

/// Planned and achieved shares side by side, per scope and partner, in scope then partner order. `planned` maps
/// (scope, partner) to a planned share, `achieved` to counted airtime (ms). A scope is judged (`over` may be
/// true) only when it has both a plan and airtime: a screen that played nothing is an availability matter, not
/// a fairness one.
pub fn fairness(
    planned: &BTreeMap<(String, String), f64>,
    achieved: &BTreeMap<(String, String), i64>,
    threshold_pp: f64,
) -> Vec<FairnessRow> {
    let mut scopes: BTreeMap<&str, (f64, i64)> = BTreeMap::new();
    for ((scope, _), s) in planned {
        scopes.entry(scope.as_str()).or_default().0 += s.max(0.0);
    }
    for ((scope, _), ms) in achieved {
        scopes.entry(scope.as_str()).or_default().1 += (*ms).max(0);
    }
    let mut keys: Vec<&(String, String)> = planned.keys().chain(achieved.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let (plan_total, ms_total) = scopes.get(k.0.as_str()).copied().unwrap_or_default();
            let planned_share = planned.get(k).copied().unwrap_or(0.0).max(0.0);
            let ms = achieved.get(k).copied().unwrap_or(0).max(0);
            let achieved_share = if ms_total > 0 {
                ms as f64 / ms_total as f64
            } else {
                0.0
            };
            let deviation_pp = (achieved_share - planned_share) * 100.0;
            FairnessRow {
                scope: k.0.clone(),
                partner: k.1.clone(),
                planned_share,
                achieved_share,
                deviation_pp,
                hours: hours(ms),
                over: plan_total > 0.0 && ms_total > 0 && deviation_pp.abs() > threshold_pp,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_day_and_hour_follow_the_offset() {
        // 2025-11-24 20:30 UTC is 2025-11-25 04:30 in Shanghai (+8) and 2025-11-24 15:30 in New York (-5).
        let t = 20_416 * DAY + 20 * HOUR + 30 * 60_000;
        assert_eq!(format_day(local_day(t, 0)), "2025-11-24");
        assert_eq!(format_day(local_day(t, 8 * 3600)), "2025-11-25");
        assert_eq!(local_hour(t, 8 * 3600), 4);
        assert_eq!(local_hour(t, -5 * 3600), 15);
        assert_eq!(parse_day("2025-11-24"), Some(20_416));
        assert_eq!(parse_day("2025-13-01"), None);
        assert_eq!(civil_month(20_416), (2025, 11));
        assert_eq!(civil_month(0), (1970, 1));
    }

    #[test]
    fn a_scope_without_airtime_is_not_judged() {
        let planned = BTreeMap::from([(("s1".to_string(), "a".to_string()), 1.0)]);
        let rows = fairness(&planned, &BTreeMap::new(), 10.0);
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].over);
        let achieved = BTreeMap::from([(("s1".to_string(), "b".to_string()), 1000)]);
        let rows = fairness(&planned, &achieved, 10.0);
        assert!(rows.iter().all(|r| r.over), "{rows:?}");
    }
}
