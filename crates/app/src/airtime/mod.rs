//! Airtime charts, public figures and fairness on real plays (docs/airtime.md).
//!
//! Every read sums counted campaign plays (`twincast_core::airtime`, summed by the store in SQL) in the screens'
//! local days and hours. Every signed-in role may read; partner-editors see only their partners (naming another
//! partner is `403`). The operator's settings (public figures on the portal, the fairness threshold) are changed
//! by operators and admins, audited, with `If-Match`.

mod fairness;

pub use fairness::{Fairness, FairnessNotice};

use crate::error::{AppError, AppResult};
use crate::revision;
use crate::{Actor, App};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use twincast_core::airtime::{self as ca, Heatmap, Series, DAY};
use twincast_store::{AirtimeFilter, AirtimeSettings, LocationFilter, PageRequest, Role};

/// The longest range a chart covers, days.
pub const MAX_DAYS: i64 = 366;
/// The range a chart covers when none is named, days (ending today).
pub const DEFAULT_DAYS: i64 = 30;
/// How long the portal's public figures are kept before they are summed again, ms.
const FIGURES_TTL: i64 = 60_000;

/// What the airtime reads keep between requests.
#[derive(Debug, Default)]
pub struct AirtimeCache {
    /// The simulator's planned shares by (schedule version, day start).
    planned: Mutex<Option<(i64, i64, Arc<fairness::Planned>)>>,
    /// The portal's figures and when they were summed.
    figures: Mutex<Option<(i64, Arc<PublicFigures>)>>,
}

/// A chart's query: local days `from`..=`to` (`YYYY-MM-DD`, the screens' local days) and filters.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AirtimeQuery {
    /// First local day (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last local day, inclusive (default: today, UTC).
    pub to: Option<String>,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Screen id.
    pub screen: Option<String>,
}

/// The resolved day range `[from, to)` (day numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// First day.
    pub from: i64,
    /// Day after the last.
    pub to: i64,
}

/// Airtime per partner per local day, against the planned share.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AirtimeSeries {
    /// First local day.
    pub from: String,
    /// Last local day.
    pub to: String,
    /// The series.
    #[serde(flatten)]
    pub series: Series,
}

/// One partner's airtime at one place.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaceAirtime {
    /// Location id.
    pub location: String,
    /// Location slug (empty when the location is gone).
    pub slug: String,
    /// Location name (its id when gone).
    pub name: String,
    /// Kind of place.
    pub kind: String,
    /// Partner slug.
    pub partner: String,
    /// Plays.
    pub plays: i64,
    /// Hours shown.
    pub hours: f64,
}

/// Airtime by place.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AirtimePlaces {
    /// First local day.
    pub from: String,
    /// Last local day.
    pub to: String,
    /// By location name, then partner.
    pub rows: Vec<PlaceAirtime>,
}

/// Airtime by the screens' local hour of day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AirtimeHeatmap {
    /// First local day.
    pub from: String,
    /// Last local day.
    pub to: String,
    /// The heat-map.
    #[serde(flatten)]
    pub heatmap: Heatmap,
}

/// A change of the airtime settings.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AirtimeSettingsInput {
    /// Show each partner city's hours per month on the portal.
    pub public_figures: bool,
    /// Fairness notice threshold, percentage points (1–100).
    pub fairness_threshold_pp: i64,
}

/// The portal's public figures: hours each partner city was shown, per local month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicFigures {
    /// The months shown, `YYYY-MM`, oldest first (the last twelve, this one included).
    pub months: Vec<String>,
    /// Partner slug → hours per month of [`PublicFigures::months`].
    pub partners: BTreeMap<String, Vec<f64>>,
}

/// The day number of `s`, or `invalid-range`.
fn day_of(name: &str, s: &str) -> AppResult<i64> {
    ca::parse_day(s).ok_or_else(|| {
        AppError::invalid(
            "invalid-range",
            format!("{name}={s:?}: expected a date YYYY-MM-DD"),
        )
    })
}

impl App {
    /// The airtime settings (every signed-in role may read them).
    pub async fn airtime_settings(&self, _actor: &Actor) -> AppResult<AirtimeSettings> {
        Ok(self.store.airtime_settings().await?)
    }

    /// Changes the airtime settings (operators and admins; audited; `If-Match` with the settings' version).
    pub async fn set_airtime_settings(
        &self,
        actor: &Actor,
        input: &AirtimeSettingsInput,
        if_match: Option<i64>,
    ) -> AppResult<AirtimeSettings> {
        actor.require(&[Role::Admin, Role::Operator])?;
        if !(1..=100).contains(&input.fairness_threshold_pp) {
            return Err(AppError::invalid(
                "invalid-threshold",
                "fairness_threshold_pp must be between 1 and 100",
            )
            .with_member("field", serde_json::json!("fairness_threshold_pp")));
        }
        let before = self.store.airtime_settings().await?;
        let mut entry = self.audit(actor, "airtime.settings", "airtime");
        entry.changes = serde_json::json!({
            "public_figures": [before.public_figures, input.public_figures],
            "fairness_threshold_pp": [before.fairness_threshold_pp, input.fairness_threshold_pp],
        });
        let s = self
            .store
            .set_airtime_settings(
                input.public_figures,
                input.fairness_threshold_pp,
                revision::expected(if_match),
                &entry,
            )
            .await?;
        if let Ok(mut g) = self.airtime.figures.lock() {
            *g = None;
        }
        Ok(s)
    }

    /// Today's day number in the site's time zone (`Settings::site_time_zone`): plays are counted on their place's
    /// local day, which may already be tomorrow in UTC.
    pub(crate) fn site_today(&self) -> i64 {
        let now = self.now_ms();
        let offset_ms = jiff::tz::TimeZone::get(&self.settings.site_time_zone)
            .ok()
            .zip(jiff::Timestamp::from_millisecond(now).ok())
            .map_or(0, |(tz, t)| i64::from(tz.to_offset(t).seconds()) * 1000);
        (now + offset_ms).div_euclid(DAY)
    }

    /// The day range of `q`: `to` defaults to today (the site's), `from` to 29 days before; at most [`MAX_DAYS`].
    pub fn airtime_range(&self, q: &AirtimeQuery) -> AppResult<DayRange> {
        let today = self.site_today();
        let last = match &q.to {
            Some(s) => day_of("to", s)?,
            None => today,
        };
        let from = match &q.from {
            Some(s) => day_of("from", s)?,
            None => last - (DEFAULT_DAYS - 1),
        };
        if from > last || last - from >= MAX_DAYS {
            return Err(AppError::invalid(
                "invalid-range",
                format!("from must not be after to, and a range covers at most {MAX_DAYS} days"),
            ));
        }
        Ok(DayRange { from, to: last + 1 })
    }

    /// The partners `actor` may see (`None`: all), refusing a named partner outside them.
    fn airtime_scope(actor: &Actor, partner: Option<&str>) -> AppResult<Option<Vec<String>>> {
        if actor.user.role != Role::PartnerEditor {
            return Ok(None);
        }
        if let Some(p) = partner {
            if !actor.user.partners.iter().any(|x| x == p) {
                return Err(AppError::forbidden(format!(
                    "you may not see the airtime of partner {p:?}"
                )));
            }
        }
        Ok(Some(actor.user.partners.clone()))
    }

    fn airtime_filter(q: &AirtimeQuery, r: DayRange) -> AirtimeFilter {
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        AirtimeFilter {
            from: r.from * DAY,
            to: r.to * DAY,
            partner: nonempty(&q.partner),
            location: nonempty(&q.location),
            screen: nonempty(&q.screen),
        }
    }

    /// Airtime per partner per local day against the planned share (the simulator's, for the schedule in force
    /// now, on the range's last day); partner-editors see only their partners, shares stay of all airtime.
    pub async fn airtime_series(
        &self,
        actor: &Actor,
        q: &AirtimeQuery,
    ) -> AppResult<AirtimeSeries> {
        let scope = Self::airtime_scope(actor, q.partner.as_deref())?;
        let r = self.airtime_range(q)?;
        let mut f = Self::airtime_filter(q, r);
        // Shares are of all partners' airtime: sum everyone, then show the visible ones.
        let only = f.partner.take();
        let cells = self.store.airtime_by_day(&f).await?;
        let planned = self.planned_shares((r.to - 1) * DAY).await?;
        let visible: Option<Vec<String>> = match (only, scope) {
            (Some(p), _) => Some(vec![p]),
            (None, s) => s,
        };
        Ok(AirtimeSeries {
            from: ca::format_day(r.from),
            to: ca::format_day(r.to - 1),
            series: ca::series(r.from, r.to, &cells, &planned.network, visible.as_deref()),
        })
    }

    /// Airtime by partner and place.
    pub async fn airtime_places(
        &self,
        actor: &Actor,
        q: &AirtimeQuery,
    ) -> AppResult<AirtimePlaces> {
        let scope = Self::airtime_scope(actor, q.partner.as_deref())?;
        let r = self.airtime_range(q)?;
        let cells = self
            .store
            .airtime_by_place(&Self::airtime_filter(q, r))
            .await?;
        let places = self.location_names().await?;
        let mut rows: Vec<PlaceAirtime> = cells
            .into_iter()
            .filter(|((p, _), _)| scope.as_ref().is_none_or(|s| s.contains(p)))
            .map(|((partner, location), s)| {
                let (slug, name, kind) = places
                    .get(&location)
                    .cloned()
                    .unwrap_or_else(|| (String::new(), location.clone(), String::new()));
                PlaceAirtime {
                    location,
                    slug,
                    name,
                    kind,
                    partner,
                    plays: s.plays,
                    hours: s.ms as f64 / ca::HOUR as f64,
                }
            })
            .collect();
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.partner.cmp(&b.partner)));
        Ok(AirtimePlaces {
            from: ca::format_day(r.from),
            to: ca::format_day(r.to - 1),
            rows,
        })
    }

    /// Airtime by partner and the screens' local hour of day.
    pub async fn airtime_heatmap(
        &self,
        actor: &Actor,
        q: &AirtimeQuery,
    ) -> AppResult<AirtimeHeatmap> {
        let scope = Self::airtime_scope(actor, q.partner.as_deref())?;
        let r = self.airtime_range(q)?;
        let mut cells = self
            .store
            .airtime_by_hour(&Self::airtime_filter(q, r))
            .await?;
        if let Some(s) = &scope {
            cells.retain(|(p, _), _| s.contains(p));
        }
        Ok(AirtimeHeatmap {
            from: ca::format_day(r.from),
            to: ca::format_day(r.to - 1),
            heatmap: ca::heatmap(&cells),
        })
    }

    /// The portal's public figures, or `None` while the operator has not enabled them. Kept a minute.
    pub async fn public_figures(&self) -> AppResult<Option<Arc<PublicFigures>>> {
        if !self.store.airtime_settings().await?.public_figures {
            return Ok(None);
        }
        let now = self.now_ms();
        if let Ok(g) = self.airtime.figures.lock() {
            if let Some((at, f)) = g.as_ref() {
                if now >= *at && now - at < FIGURES_TTL {
                    return Ok(Some(f.clone()));
                }
            }
        }
        let today = now.div_euclid(DAY);
        let (y, m) = ca::civil_month(today);
        let mut months = Vec::with_capacity(12);
        for i in (0..12).rev() {
            let idx = y * 12 + i64::from(m) - 1 - i;
            months.push(format!(
                "{:04}-{:02}",
                idx.div_euclid(12),
                idx.rem_euclid(12) + 1
            ));
        }
        // From the first day of the oldest month shown to the end of today (local days).
        let first = ca::parse_day(&format!("{}-01", months[0])).unwrap_or(today - 366);
        let cells = self
            .store
            .airtime_by_day(&AirtimeFilter {
                from: first * DAY,
                to: (today + 2) * DAY,
                ..Default::default()
            })
            .await?;
        let mut partners: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for ((partner, month), h) in ca::months(&cells) {
            if let Some(i) = months.iter().position(|x| *x == month) {
                partners
                    .entry(partner)
                    .or_insert_with(|| vec![0.0; months.len()])[i] += h;
            }
        }
        let f = Arc::new(PublicFigures { months, partners });
        if let Ok(mut g) = self.airtime.figures.lock() {
            *g = Some((now, f.clone()));
        }
        Ok(Some(f))
    }

    /// Location id → (slug, name, kind), every location.
    async fn location_names(&self) -> AppResult<HashMap<String, (String, String, String)>> {
        let mut out = HashMap::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .list_locations(
                    &LocationFilter::default(),
                    &PageRequest {
                        limit: PageRequest::MAX_LIMIT,
                        cursor,
                    },
                )
                .await?;
            for l in page.items {
                out.insert(l.id, (l.slug, l.name, l.kind));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(out),
            }
        }
    }
}
