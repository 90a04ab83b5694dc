//! `.ics` (RFC 5545) import and export of a campaign's schedule: one VEVENT with DTSTART, DURATION, RRULE and
//! EXDATE. Pure strings in and out.
//!
//! Twincast recurrences are wall-clock rules evaluated in each screen's zone. Export writes `DTSTART;TZID=<zone>`
//! and `EXDATE;TZID=<zone>` for the zone you pass (e.g. the city's), or floating times (no TZID, which in RFC 5545
//! means "local time wherever it is viewed") when you pass `None`. Import keeps the wall-clock values and reports
//! the TZID found; UTC (`Z`) values are converted to the DTSTART zone's wall clock. Durations are written in whole
//! seconds (rounded up).

use crate::campaign::Campaign;
use crate::recurrence::{Recurrence, RecurrenceError};
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};

/// Errors of `.ics` import/export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// The campaign has no recurrence to export.
    #[error("campaign has no recurrence to export")]
    NoRecurrence,
    /// No VEVENT in the input.
    #[error("no VEVENT found")]
    NoEvent,
    /// A required property is missing.
    #[error("missing property {0}")]
    Missing(&'static str),
    /// A property value is malformed.
    #[error("bad {property}: {problem}")]
    Bad {
        /// Property name.
        property: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The resulting recurrence is invalid.
    #[error(transparent)]
    Recurrence(#[from] RecurrenceError),
}

/// A schedule read from an `.ics` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IcsSchedule {
    /// VEVENT UID, if any.
    pub uid: Option<String>,
    /// VEVENT SUMMARY, if any.
    pub summary: Option<String>,
    /// TZID of DTSTART (`"UTC"` for `Z` values), `None` for floating times.
    pub tzid: Option<String>,
    /// The recurrence (wall-clock).
    pub recurrence: Recurrence,
}

fn fmt_dt(dt: DateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

fn escape_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

fn unescape_text(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') | Some('N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut count = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if count + n > 75 {
            out.push_str("\r\n ");
            count = 1;
        }
        out.push(ch);
        count += n;
    }
    out.push_str("\r\n");
}

/// Exports the campaign's schedule as a VCALENDAR with one VEVENT. `tzid` names the zone for DTSTART/EXDATE
/// (`None` = floating).
pub fn to_ics(campaign: &Campaign, tzid: Option<&str>) -> Result<String, IcsError> {
    let r = campaign.recurrence.as_ref().ok_or(IcsError::NoRecurrence)?;
    let tz_param = tzid.map(|z| format!(";TZID={z}")).unwrap_or_default();
    let secs = (r.duration_ms() + 999) / 1000;
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Twincast//twincast-core//EN".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", escape_text(&campaign.id)),
        format!("DTSTAMP:{}Z", fmt_dt(r.dtstart())),
        format!("SUMMARY:{}", escape_text(&campaign.name)),
        format!("DTSTART{tz_param}:{}", fmt_dt(r.dtstart())),
        format!("DURATION:PT{secs}S"),
        format!("RRULE:{}", r.rrule()),
    ];
    if !r.exdates().is_empty() {
        let list: Vec<String> = r.exdates().iter().map(|d| fmt_dt(*d)).collect();
        lines.push(format!("EXDATE{tz_param}:{}", list.join(",")));
    }
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    Ok(out)
}

struct Prop {
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

fn parse_prop(line: &str) -> Option<Prop> {
    // Split at the first ':' that is not inside a quoted parameter value.
    let mut in_quote = false;
    let mut split = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            ':' if !in_quote => {
                split = Some(i);
                break;
            }
            _ => {}
        }
    }
    let i = split?;
    let (head, value) = (&line[..i], &line[i + 1..]);
    let mut parts = head.split(';');
    let name = parts.next()?.trim().to_ascii_uppercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .collect();
    Some(Prop {
        name,
        params,
        value: value.to_string(),
    })
}

fn param<'a>(p: &'a Prop, key: &str) -> Option<&'a str> {
    p.params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A parsed DATE or DATE-TIME value: wall clock plus whether it was UTC.
fn parse_dt(property: &'static str, v: &str) -> Result<(DateTime, bool), IcsError> {
    let v = v.trim();
    let bad = |problem: String| IcsError::Bad { property, problem };
    let (body, utc) = match v.strip_suffix('Z') {
        Some(b) => (b, true),
        None => (v, false),
    };
    let num = |s: &str| {
        s.parse::<i32>()
            .map_err(|_| bad(format!("{v:?} is not a date-time")))
    };
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    if date.len() != 8 || !date.is_ascii() || time.is_some_and(|t| t.len() != 6 || !t.is_ascii()) {
        return Err(bad(format!("{v:?} is not YYYYMMDD[THHMMSS[Z]]")));
    }
    let (y, mo, d) = (num(&date[0..4])?, num(&date[4..6])?, num(&date[6..8])?);
    let (h, mi, s) = match time {
        Some(t) => (num(&t[0..2])?, num(&t[2..4])?, num(&t[4..6])?),
        None => (0, 0, 0),
    };
    let dt = DateTime::new(y as i16, mo as i8, d as i8, h as i8, mi as i8, s as i8, 0)
        .map_err(|e| bad(format!("{v:?}: {e}")))?;
    Ok((dt, utc))
}

fn parse_duration(v: &str) -> Result<i64, IcsError> {
    let bad = || IcsError::Bad {
        property: "DURATION",
        problem: format!("{v:?} is not an RFC 5545 duration"),
    };
    let s = v.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.starts_with('-') {
        return Err(bad());
    }
    let s = s.strip_prefix('P').ok_or_else(bad)?;
    let mut total: i64 = 0;
    let mut num = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => num.push(c),
            u => {
                let n: i64 = num.parse().map_err(|_| bad())?;
                num.clear();
                let secs = match (u, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(bad()),
                };
                total = n
                    .checked_mul(secs)
                    .and_then(|x| total.checked_add(x))
                    .ok_or_else(bad)?;
                any = true;
            }
        }
    }
    if !num.is_empty() || !any {
        return Err(bad());
    }
    total.checked_mul(1000).ok_or_else(bad)
}

/// Imports the first VEVENT's schedule. A VEVENT without RRULE becomes a single occurrence (`COUNT=1`).
pub fn from_ics(text: &str) -> Result<IcsSchedule, IcsError> {
    // Unfold.
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = raw.strip_prefix(' ').or_else(|| raw.strip_prefix('\t')) {
            if let Some(last) = lines.last_mut() {
                last.push_str(cont);
                continue;
            }
        }
        lines.push(raw.to_string());
    }
    let mut in_event = false;
    let mut depth_other = 0;
    let mut props = Vec::new();
    let mut found = false;
    for l in &lines {
        let Some(p) = parse_prop(l) else { continue };
        match (
            p.name.as_str(),
            p.value.trim().to_ascii_uppercase().as_str(),
        ) {
            ("BEGIN", "VEVENT") if !in_event => in_event = true,
            ("END", "VEVENT") if in_event && depth_other == 0 => {
                found = true;
                break;
            }
            ("BEGIN", _) if in_event => depth_other += 1,
            ("END", _) if in_event => depth_other -= 1,
            _ if in_event && depth_other == 0 => props.push(p),
            _ => {}
        }
    }
    if !found {
        return Err(IcsError::NoEvent);
    }
    let get = |n: &str| props.iter().find(|p| p.name == n);
    let dtstart_p = get("DTSTART").ok_or(IcsError::Missing("DTSTART"))?;
    let (mut dtstart, utc) = parse_dt("DTSTART", &dtstart_p.value)?;
    let is_date = param(dtstart_p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    let tzid = if utc {
        Some("UTC".to_string())
    } else {
        param(dtstart_p, "TZID").map(str::to_string)
    };
    let zone = tzid
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok());
    // Converts a UTC wall clock into the DTSTART zone's wall clock.
    let localize = |dt: DateTime| -> Result<DateTime, IcsError> {
        let ts = jiff::tz::Offset::UTC
            .to_timestamp(dt)
            .map_err(|e| IcsError::Bad {
                property: "EXDATE",
                problem: e.to_string(),
            })?;
        Ok(zone.as_ref().map_or(dt, |z| z.to_datetime(ts)))
    };
    if utc {
        dtstart = localize(dtstart)?;
    }
    let duration_ms = if let Some(d) = get("DURATION") {
        parse_duration(&d.value)?
    } else if let Some(e) = get("DTEND") {
        let (mut end, end_utc) = parse_dt("DTEND", &e.value)?;
        if end_utc {
            end = localize(end)?;
        }
        let span = dtstart.duration_until(end).as_millis();
        i64::try_from(span).map_err(|_| IcsError::Bad {
            property: "DTEND",
            problem: "out of range".into(),
        })?
    } else if is_date {
        86_400_000
    } else {
        return Err(IcsError::Missing("DTEND or DURATION"));
    };
    let rrule = get("RRULE").map_or_else(
        || "FREQ=DAILY;COUNT=1".to_string(),
        |p| p.value.trim().to_string(),
    );
    let mut exdates = Vec::new();
    for p in props.iter().filter(|p| p.name == "EXDATE") {
        for v in p.value.split(',').filter(|v| !v.trim().is_empty()) {
            let (dt, z) = parse_dt("EXDATE", v)?;
            exdates.push(if z { localize(dt)? } else { dt });
        }
    }
    let recurrence = Recurrence::new(dtstart, &rrule, exdates, duration_ms)?;
    Ok(IcsSchedule {
        uid: get("UID").map(|p| unescape_text(p.value.trim())),
        summary: get("SUMMARY").map(|p| unescape_text(p.value.trim())),
        tzid,
        recurrence,
    })
}
