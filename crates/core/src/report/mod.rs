//! Reports per partner (docs/proof-of-play.md, "Reports"): plays, airtime and share achieved against target by
//! the screen's local day, place (location), location kind, screen and campaign, computed from play records.
//!
//! Pure: the app feeds an [`Aggregator`] the records of a period (from the hot table and the compacted daily
//! files alike) and gets [`ReportRow`]s at the finest grain — one per (local day, screen, campaign) where the
//! partner played —, which [`rollup`] sums by any one dimension. `minisign` signs the exported files, `verify`
//! checks a report against the log offline.
//!
//! Definitions (one place, used by the export, the console's charts and `twincast verify report`):
//! - a play's **local day** is the UTC date of `started_at + utc_offset_s` ([`local_day`]);
//! - **airtime** is the sum of `actual_ms` of the plays that count (`counted`), in ms;
//! - a screen-day's **campaign airtime** is the airtime of all partners' campaign plays on that screen that day;
//! - the **share** achieved is the partner's airtime over the screen-day's campaign airtime;
//! - the **target** is the partner's planned share on the screen (from the schedule, supplied by the caller).

pub mod minisign;
pub mod verify;

use crate::proof::PlayRecord;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The local day of a play that started at `started_at` (UTC epoch ms) on a screen at `utc_offset_s`.
pub fn local_day(started_at: i64, utc_offset_s: i32) -> Date {
    let ms = started_at + i64::from(utc_offset_s) * 1000;
    let days = ms.div_euclid(86_400_000);
    // Day 0 is 1970-01-01; the range of i64 ms fits jiff's dates for any real play, clamp the absurd ones.
    let epoch = Date::constant(1970, 1, 1);
    epoch
        .checked_add(jiff::Span::new().days(days.clamp(-700_000, 2_900_000)))
        .unwrap_or(epoch)
}

/// What a report knows of a place (location) beyond its id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Place {
    /// The location's name.
    pub name: String,
    /// Its kind (airport, street, metro, …).
    pub kind: String,
}

/// One row of a report: a partner's plays of one campaign on one screen in one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportRow {
    /// Partner slug.
    pub partner: String,
    /// The screen's local day, `YYYY-MM-DD`.
    pub day: String,
    /// Location id (the place).
    pub location: String,
    /// Location name.
    pub location_name: String,
    /// Location kind.
    pub location_kind: String,
    /// Screen id.
    pub screen: String,
    /// Campaign id (empty for plays without a campaign).
    pub campaign: String,
    /// Plays reported (counted or not).
    pub plays: u64,
    /// Plays that count under their policy.
    pub counted_plays: u64,
    /// Airtime of the counted plays, ms.
    pub airtime_ms: i64,
    /// Campaign airtime of all partners on the screen that day, ms.
    pub screen_airtime_ms: i64,
    /// `airtime_ms / screen_airtime_ms` (0 when the screen had none).
    pub share: f64,
    /// The partner's planned share on the screen, when known.
    pub target_share: Option<f64>,
}

#[derive(Default)]
struct Acc {
    plays: u64,
    counted: u64,
    airtime: i64,
    location: String,
}

/// Sums records into a partner's report rows for local days `from..=to`.
pub struct Aggregator {
    partner: String,
    from: Date,
    to: Date,
    rows: BTreeMap<(Date, String, String), Acc>,
    screen_day: BTreeMap<(Date, String), i64>,
}

impl Aggregator {
    /// A report of `partner` for the local days `from..=to`.
    pub fn new(partner: &str, from: Date, to: Date) -> Aggregator {
        Aggregator {
            partner: partner.to_string(),
            from,
            to,
            rows: BTreeMap::new(),
            screen_day: BTreeMap::new(),
        }
    }

    /// Adds one record (any partner's: others' campaign plays make the screen-day's campaign airtime; records
    /// outside the period are ignored, so the caller may over-fetch by the widest UTC offset).
    pub fn add(&mut self, r: &PlayRecord) {
        let day = local_day(r.started_at, r.utc_offset_s);
        if day < self.from || day > self.to {
            return;
        }
        let Some(partner) = &r.partner else {
            return;
        };
        let airtime = if r.counted { r.actual_ms.max(0) } else { 0 };
        *self.screen_day.entry((day, r.screen.clone())).or_default() += airtime;
        if partner != &self.partner {
            return;
        }
        let acc = self
            .rows
            .entry((
                day,
                r.screen.clone(),
                r.campaign.clone().unwrap_or_default(),
            ))
            .or_default();
        acc.plays += 1;
        acc.counted += u64::from(r.counted);
        acc.airtime += airtime;
        acc.location = r.location.clone();
    }

    /// The rows, ordered by day, screen and campaign. `places` names locations, `targets` gives the partner's
    /// planned share per screen id.
    pub fn finish(
        self,
        places: &BTreeMap<String, Place>,
        targets: &BTreeMap<String, f64>,
    ) -> Vec<ReportRow> {
        self.rows
            .into_iter()
            .map(|((day, screen, campaign), a)| {
                let total = self
                    .screen_day
                    .get(&(day, screen.clone()))
                    .copied()
                    .unwrap_or(0);
                let place = places.get(&a.location).cloned().unwrap_or_default();
                ReportRow {
                    partner: self.partner.clone(),
                    day: day.to_string(),
                    location: a.location,
                    location_name: place.name,
                    location_kind: place.kind,
                    target_share: targets.get(&screen).copied(),
                    screen,
                    campaign,
                    plays: a.plays,
                    counted_plays: a.counted,
                    airtime_ms: a.airtime,
                    screen_airtime_ms: total,
                    share: ratio(a.airtime, total),
                }
            })
            .collect()
    }
}

fn ratio(a: i64, b: i64) -> f64 {
    if b > 0 {
        a as f64 / b as f64
    } else {
        0.0
    }
}

/// The dimension a [`rollup`] sums over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Grouping {
    /// By local day.
    Day,
    /// By location.
    Place,
    /// By location kind.
    LocationKind,
    /// By screen.
    Screen,
    /// By campaign.
    Campaign,
}

/// A rolled-up line of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Total {
    /// The group's key (a day, location id, kind, screen id or campaign id).
    pub key: String,
    /// Plays reported.
    pub plays: u64,
    /// Plays counted.
    pub counted_plays: u64,
    /// Counted airtime, ms.
    pub airtime_ms: i64,
    /// Campaign airtime of the group's screen-days, ms (each screen-day once).
    pub screen_airtime_ms: i64,
    /// Achieved share: `airtime_ms / screen_airtime_ms`.
    pub share: f64,
    /// Target share weighted by each screen-day's campaign airtime (screen-days with a target only).
    pub target_share: Option<f64>,
}

/// Sums rows by one dimension. A screen-day's campaign airtime counts once per group however many campaigns
/// of the partner played there.
pub fn rollup(rows: &[ReportRow], by: Grouping) -> Vec<Total> {
    #[derive(Default)]
    struct G<'a> {
        plays: u64,
        counted: u64,
        airtime: i64,
        days: BTreeSet<(&'a str, &'a str)>,
        screen_airtime: i64,
        target_num: f64,
        target_den: i64,
    }
    let mut groups: BTreeMap<&str, G> = BTreeMap::new();
    for r in rows {
        let key = match by {
            Grouping::Day => r.day.as_str(),
            Grouping::Place => r.location.as_str(),
            Grouping::LocationKind => r.location_kind.as_str(),
            Grouping::Screen => r.screen.as_str(),
            Grouping::Campaign => r.campaign.as_str(),
        };
        let g = groups.entry(key).or_default();
        g.plays += r.plays;
        g.counted += r.counted_plays;
        g.airtime += r.airtime_ms;
        if g.days.insert((r.day.as_str(), r.screen.as_str())) {
            g.screen_airtime += r.screen_airtime_ms;
            if let Some(t) = r.target_share {
                g.target_num += t * r.screen_airtime_ms as f64;
                g.target_den += r.screen_airtime_ms;
            }
        }
    }
    groups
        .into_iter()
        .map(|(k, g)| Total {
            key: k.to_string(),
            plays: g.plays,
            counted_plays: g.counted,
            airtime_ms: g.airtime,
            screen_airtime_ms: g.screen_airtime,
            share: ratio(g.airtime, g.screen_airtime),
            target_share: (g.target_den > 0).then(|| g.target_num / g.target_den as f64),
        })
        .collect()
}

/// The log's record of a daily archive of compacted plays (retention): its canonical bytes are a leaf, so the
/// file's hash is in the log beside the plays' own leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveRecord {
    /// Format version (1).
    pub v: u32,
    /// Always `play-archive`.
    pub kind: String,
    /// The UTC day of the plays' starts, `YYYY-MM-DD`.
    pub day: String,
    /// The file's key in object storage.
    pub object: String,
    /// SHA-256 (hex) of the file.
    pub sha256: String,
    /// Plays in the file.
    pub plays: u64,
    /// Smallest leaf index of its plays.
    pub first_index: u64,
    /// Largest leaf index of its plays.
    pub last_index: u64,
}

impl ArchiveRecord {
    /// The canonical bytes (the leaf data).
    pub fn leaf_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an archive record always serializes")
    }
}
