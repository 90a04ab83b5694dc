//! RFC 5545 recurrence (RRULE + EXDATE + duration) evaluated in a screen's local time zone.
//!
//! ## Semantics
//! A [`Recurrence`] is written in *floating* wall-clock time: `dtstart` and `exdates` carry no zone. For a given
//! screen the rule is expanded on the civil (wall-clock) calendar and each occurrence is then placed on the time
//! line with the screen's IANA zone, following RFC 5545 §3.3.5:
//! - a wall-clock time that does not exist (spring-forward gap) is interpreted with the UTC offset *before* the
//!   gap, so a daily 02:30 rule in America/New_York plays at 03:30 EDT on the spring-forward day (once);
//! - a wall-clock time that occurs twice (fall-back fold) means the *first* occurrence, so a daily 02:30 rule in
//!   Europe/Berlin plays once, at 02:30 CEST, on the fall-back day.
//!
//! Expansion uses `rrule2` on a zone-free calendar (its UTC), and the zone conversion uses `jiff`
//! (`compatible` disambiguation, which is exactly the RFC 5545 rule above). `UNTIL` is therefore compared in
//! wall-clock time too. Each occurrence lasts `duration_ms` (exact duration).
//!
//! EXDATE values are matched against the occurrence's wall-clock start.

use crate::Millis;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use rrule2::{Frequency, RRule, Tz, Unvalidated};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Upper bound of occurrences expanded for one window (protects against SECONDLY rules over long windows).
pub const MAX_OCCURRENCES_PER_WINDOW: u16 = u16::MAX;

/// Errors in a recurrence definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// The RRULE text did not parse or validate.
    #[error("invalid RRULE: {0}")]
    BadRrule(String),
    /// Duration must be positive.
    #[error("recurrence duration_ms must be > 0, got {0}")]
    BadDuration(i64),
    /// DTSTART must be whole seconds.
    #[error("recurrence dtstart must be whole seconds")]
    SubSecondStart,
    /// A date-time out of supported range.
    #[error("date-time out of range: {0}")]
    OutOfRange(String),
}

/// Serialized form of a [`Recurrence`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecurrenceSpec {
    /// Wall-clock start of the first occurrence, e.g. `"2026-03-01T02:30:00"`.
    pub dtstart: DateTime,
    /// RRULE value without the `RRULE:` prefix, e.g. `"FREQ=DAILY;BYDAY=MO,TU"`.
    pub rrule: String,
    /// Wall-clock starts of excluded occurrences.
    #[serde(default)]
    pub exdates: Vec<DateTime>,
    /// Length of each occurrence in milliseconds.
    pub duration_ms: i64,
}

/// A validated recurrence: RRULE + EXDATE + duration in floating wall-clock time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "RecurrenceSpec", into = "RecurrenceSpec")]
pub struct Recurrence {
    spec: RecurrenceSpec,
    rule: RRule<Unvalidated>,
    sorted_exdates: Vec<DateTime>,
    /// Fast path for the common simple rules: (step in days, weekday mask bit 0 = Monday; 0 = any day).
    simple: Option<(i64, u8)>,
}

impl PartialEq for Recurrence {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl From<Recurrence> for RecurrenceSpec {
    fn from(r: Recurrence) -> Self {
        r.spec
    }
}

impl TryFrom<RecurrenceSpec> for Recurrence {
    type Error = RecurrenceError;
    fn try_from(spec: RecurrenceSpec) -> Result<Self, Self::Error> {
        Recurrence::new(spec.dtstart, &spec.rrule, spec.exdates, spec.duration_ms)
    }
}

fn floating_secs(dt: DateTime) -> Result<i64, RecurrenceError> {
    jiff::tz::Offset::UTC
        .to_timestamp(dt)
        .map(|t| t.as_second())
        .map_err(|e| RecurrenceError::OutOfRange(e.to_string()))
}

fn to_rr(dt: DateTime) -> Result<chrono::DateTime<Tz>, RecurrenceError> {
    use chrono::TimeZone as _;
    let secs = floating_secs(dt)?;
    Tz::UTC
        .timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| RecurrenceError::OutOfRange(dt.to_string()))
}

fn from_rr(dt: &chrono::DateTime<Tz>) -> Option<DateTime> {
    let ts = jiff::Timestamp::from_second(dt.timestamp()).ok()?;
    Some(jiff::tz::Offset::UTC.to_datetime(ts))
}

impl Recurrence {
    /// Builds and validates a recurrence. `rrule` may carry an `RRULE:` prefix.
    pub fn new(
        dtstart: DateTime,
        rrule: &str,
        exdates: Vec<DateTime>,
        duration_ms: i64,
    ) -> Result<Self, RecurrenceError> {
        if duration_ms <= 0 {
            return Err(RecurrenceError::BadDuration(duration_ms));
        }
        if dtstart.subsec_nanosecond() != 0 {
            return Err(RecurrenceError::SubSecondStart);
        }
        let text = rrule.trim();
        let text = text.strip_prefix("RRULE:").unwrap_or(text);
        if text.is_empty() {
            return Err(RecurrenceError::BadRrule("empty rule".into()));
        }
        let rule = RRule::<Unvalidated>::from_str(text)
            .map_err(|e| RecurrenceError::BadRrule(e.to_string()))?;
        rule.clone()
            .validate(to_rr(dtstart)?)
            .map_err(|e| RecurrenceError::BadRrule(e.to_string()))?;
        let mut sorted_exdates = exdates.clone();
        sorted_exdates.sort();
        let simple = simple_shape(&rule);
        Ok(Self {
            spec: RecurrenceSpec {
                dtstart,
                rrule: text.to_string(),
                exdates,
                duration_ms,
            },
            rule,
            sorted_exdates,
            simple,
        })
    }

    /// Wall-clock start of the first occurrence.
    pub fn dtstart(&self) -> DateTime {
        self.spec.dtstart
    }
    /// RRULE text (without prefix).
    pub fn rrule(&self) -> &str {
        &self.spec.rrule
    }
    /// Excluded wall-clock starts.
    pub fn exdates(&self) -> &[DateTime] {
        &self.spec.exdates
    }
    /// Length of each occurrence in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        self.spec.duration_ms
    }
    /// The serializable spec.
    pub fn spec(&self) -> &RecurrenceSpec {
        &self.spec
    }

    /// A start no later than `lo` that generates the same occurrences from `lo` on, so expansion does not walk
    /// from a DTSTART years in the past. Only used for rules without COUNT, shifting by whole intervals.
    fn fast_forward(&self, lo: DateTime) -> DateTime {
        let start = self.spec.dtstart;
        if self.rule.get_count().is_some() || start >= lo {
            return start;
        }
        let interval = i64::from(self.rule.get_interval().max(1));
        let span = jiff::Span::new();
        let step = match self.rule.get_freq() {
            Frequency::Daily => span.days(interval),
            Frequency::Weekly => span.weeks(interval),
            Frequency::Hourly => span.hours(interval),
            Frequency::Minutely => span.minutes(interval),
            Frequency::Monthly if start.day() <= 28 => span.months(interval),
            Frequency::Yearly if !(start.month() == 2 && start.day() == 29) => span.years(interval),
            _ => return start,
        };
        // Estimate the number of whole steps with a coarse unit, then stay one step below `lo`.
        let approx_step_secs: i64 = match self.rule.get_freq() {
            Frequency::Daily => 86_400 * interval,
            Frequency::Weekly => 7 * 86_400 * interval,
            Frequency::Hourly => 3600 * interval,
            Frequency::Minutely => 60 * interval,
            Frequency::Monthly => 28 * 86_400 * interval,
            _ => 365 * 86_400 * interval,
        };
        let (Ok(a), Ok(b)) = (floating_secs(start), floating_secs(lo)) else {
            return start;
        };
        let mut k = (b - a) / approx_step_secs - 1;
        // Monthly/yearly estimates overshoot for large k: walk back until below `lo`.
        loop {
            if k <= 0 {
                return start;
            }
            let Ok(total) = step.checked_mul(k) else {
                return start;
            };
            match start.checked_add(total) {
                Ok(c) if c < lo => return c,
                _ => k = k * 9 / 10 - 1,
            }
        }
    }

    /// Appends the occurrence intervals of this recurrence that intersect `[from, to)`, clipped to it, for a screen
    /// in zone `tz`. Output is sorted and non-overlapping (touching/overlapping occurrences are merged).
    pub fn occurrences(
        &self,
        tz: &TimeZone,
        from: Millis,
        to: Millis,
        out: &mut Vec<(Millis, Millis)>,
    ) {
        self.occurrences_impl(tz, from, to, out, true)
    }

    /// Same as [`occurrences`](Self::occurrences) but always through `rrule2` (for equivalence tests).
    #[doc(hidden)]
    pub fn occurrences_via_rrule2(
        &self,
        tz: &TimeZone,
        from: Millis,
        to: Millis,
        out: &mut Vec<(Millis, Millis)>,
    ) {
        self.occurrences_impl(tz, from, to, out, false)
    }

    fn occurrences_impl(
        &self,
        tz: &TimeZone,
        from: Millis,
        to: Millis,
        out: &mut Vec<(Millis, Millis)>,
        fast: bool,
    ) {
        if from >= to {
            return;
        }
        let (Ok(f), Ok(t)) = (
            jiff::Timestamp::from_millisecond(from),
            jiff::Timestamp::from_millisecond(to),
        ) else {
            return;
        };
        let dur = self.spec.duration_ms;
        // Wall-clock bounds come from the zone itself; the margin only covers offset changes inside the window.
        let margin = jiff::SignedDuration::from_hours(26);
        let dur_sd = jiff::SignedDuration::from_millis(dur);
        let (Ok(lo), Ok(hi)) = (
            tz.to_datetime(f)
                .checked_sub(margin)
                .and_then(|d| d.checked_sub(dur_sd)),
            tz.to_datetime(t).checked_add(margin),
        ) else {
            return;
        };
        let first = out.len();
        let mut starts: Vec<DateTime> = Vec::new();
        if self.simple.is_some() && fast {
            self.simple_starts(lo, hi, &mut starts);
        } else {
            let start = self.fast_forward(lo);
            let (Ok(start_rr), Ok(lo_rr), Ok(hi_rr)) = (to_rr(start), to_rr(lo), to_rr(hi)) else {
                return;
            };
            let Ok(set) = self.rule.clone().build(start_rr) else {
                return;
            };
            let result = set
                .after(lo_rr)
                .before(hi_rr)
                .all(MAX_OCCURRENCES_PER_WINDOW);
            starts.extend(result.dates.iter().filter_map(from_rr));
        }
        for civil in starts {
            if self.sorted_exdates.binary_search(&civil).is_ok() {
                continue;
            }
            let Ok(ts) = tz.to_ambiguous_timestamp(civil).compatible() else {
                continue;
            };
            let s = ts.as_millisecond();
            let e = s.saturating_add(dur);
            let (cs, ce) = (s.max(from), e.min(to));
            if cs < ce {
                out.push((cs, ce));
            }
        }
        merge_intervals(out, first);
    }

    /// Wall-clock starts in `[lo, hi]` for rules of the simple shape (see [`simple_shape`]).
    fn simple_starts(&self, lo: DateTime, hi: DateTime, out: &mut Vec<DateTime>) {
        let Some((step, mask)) = self.simple else {
            return;
        };
        let start = self.spec.dtstart;
        let day = |d: DateTime| floating_secs(d).map(|s| s.div_euclid(86_400));
        let (Ok(d0), Ok(dlo)) = (day(start), day(lo)) else {
            return;
        };
        // First candidate day index k >= 0 with start + k*step >= lo's day - 1.
        let k0 = ((dlo - 1 - d0).max(0) + step - 1) / step;
        let mut k = k0;
        loop {
            let Ok(c) = start.checked_add(jiff::SignedDuration::from_hours(24 * step * k)) else {
                return;
            };
            if c > hi {
                return;
            }
            if c >= lo && (mask == 0 || mask & (1 << c.weekday().to_monday_zero_offset()) != 0) {
                out.push(c);
            }
            k += 1;
        }
    }

    /// Whether instant `t` falls inside an occurrence for a screen in zone `tz`.
    pub fn contains(&self, tz: &TimeZone, t: Millis) -> bool {
        let mut v = Vec::new();
        self.occurrences(tz, t, t.saturating_add(1), &mut v);
        !v.is_empty()
    }
}

/// Recognises rules that can be expanded without `rrule2`: `FREQ=DAILY[;INTERVAL=n]`,
/// `FREQ=WEEKLY[;INTERVAL=n]` and `FREQ=WEEKLY;BYDAY=<plain weekdays>` (interval 1), with no COUNT, UNTIL or
/// other BY parts. Equivalence with `rrule2` is property-tested.
fn simple_shape(rule: &RRule<Unvalidated>) -> Option<(i64, u8)> {
    if rule.get_count().is_some()
        || rule.get_until().is_some()
        || !rule.get_by_set_pos().is_empty()
        || !rule.get_by_month().is_empty()
        || !rule.get_by_month_day().is_empty()
        || !rule.get_by_year_day().is_empty()
        || !rule.get_by_week_no().is_empty()
        || !rule.get_by_hour().is_empty()
        || !rule.get_by_minute().is_empty()
        || !rule.get_by_second().is_empty()
    {
        return None;
    }
    let interval = i64::from(rule.get_interval().max(1));
    let days = rule.get_by_weekday();
    match rule.get_freq() {
        Frequency::Daily if days.is_empty() => Some((interval, 0)),
        Frequency::Weekly if days.is_empty() => Some((7 * interval, 0)),
        Frequency::Weekly if interval == 1 => {
            let mut mask = 0u8;
            for d in days {
                match d {
                    rrule2::NWeekday::Every(w) => mask |= 1 << w.num_days_from_monday(),
                    rrule2::NWeekday::Nth(..) => return None,
                }
            }
            Some((1, mask))
        }
        _ => None,
    }
}

/// Sorts and merges `v[first..]` in place.
pub(crate) fn merge_intervals(v: &mut Vec<(Millis, Millis)>, first: usize) {
    let tail = &mut v[first..];
    if tail.len() < 2 {
        return;
    }
    tail.sort_unstable();
    let mut w = first;
    for r in first + 1..v.len() {
        let cur = v[r];
        if cur.0 <= v[w].1 {
            v[w].1 = v[w].1.max(cur.1);
        } else {
            w += 1;
            v[w] = cur;
        }
    }
    v.truncate(w + 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ms(s: &str) -> Millis {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn rejects_bad_rules() {
        let d = date(2026, 1, 1).at(9, 0, 0, 0);
        assert!(matches!(
            Recurrence::new(d, "FREQ=SOMETIMES", vec![], 1000),
            Err(RecurrenceError::BadRrule(_))
        ));
        assert!(matches!(
            Recurrence::new(d, "FREQ=DAILY", vec![], 0),
            Err(RecurrenceError::BadDuration(0))
        ));
        assert!(Recurrence::new(d, "RRULE:FREQ=DAILY;BYHOUR=9", vec![], 1000).is_ok());
    }

    #[test]
    fn old_dtstart_fast_forward_matches() {
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let r = Recurrence::new(
            date(2020, 1, 6).at(8, 0, 0, 0),
            "FREQ=WEEKLY;BYDAY=MO,WE",
            vec![],
            3_600_000,
        )
        .unwrap();
        let mut v = Vec::new();
        r.occurrences(
            &tz,
            ms("2026-11-23T00:00:00Z"),
            ms("2026-11-30T00:00:00Z"),
            &mut v,
        );
        assert_eq!(
            v,
            vec![
                (ms("2026-11-23T07:00:00Z"), ms("2026-11-23T08:00:00Z")),
                (ms("2026-11-25T07:00:00Z"), ms("2026-11-25T08:00:00Z")),
            ]
        );
    }

    #[test]
    fn exdate_removes_one() {
        let tz = TimeZone::UTC;
        let r = Recurrence::new(
            date(2026, 1, 1).at(9, 0, 0, 0),
            "FREQ=DAILY",
            vec![date(2026, 1, 2).at(9, 0, 0, 0)],
            1000,
        )
        .unwrap();
        let mut v = Vec::new();
        r.occurrences(
            &tz,
            ms("2026-01-01T00:00:00Z"),
            ms("2026-01-04T00:00:00Z"),
            &mut v,
        );
        assert_eq!(v.len(), 2);
    }
}
