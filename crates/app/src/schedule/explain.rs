//! The engine's answers for one screen: what plays and why (explain), and each partner's share of airtime over
//! some days (simulate).

use crate::error::{AppError, AppResult};
use crate::{Actor, App};
use twincast_store::StoreError;

/// A stretch of a screen's plan: consecutive plays of one campaign (or one alert).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimelineRun {
    /// Start, epoch ms.
    pub start: i64,
    /// End, epoch ms.
    pub end: i64,
    /// Partner slug (campaign plays).
    pub partner: Option<String>,
    /// Campaign id.
    pub campaign: Option<String>,
    /// Campaign name.
    pub name: Option<String>,
    /// Alert id (alert plays).
    pub alert: Option<String>,
    /// Plays in the run.
    pub plays: u32,
}

/// Longest simulation, in days.
pub const MAX_SIM_DAYS: u32 = 14;

type Inputs = (
    twincast_core::Screen,
    Vec<twincast_core::Campaign>,
    Vec<twincast_core::Alert>,
);

impl App {
    /// What plays on screen `screen_id` at `at` (RFC 3339; default now), and why every other campaign does not.
    pub async fn explain(
        &self,
        _actor: &Actor,
        screen_id: &str,
        at: Option<&str>,
    ) -> AppResult<twincast_core::Explanation> {
        let at = self.instant("at", at)?;
        let (screen, campaigns, alerts) = self.inputs(screen_id).await?;
        // As the screen's manifest: video items with nothing its player decodes yet are not planned there.
        let media = self.store.playback_media().await?;
        let decodes = twincast_core::playback::Decodes::reported(
            self.store.screen_decodes(&screen.id).await?.as_deref(),
        );
        let (campaigns, unplayable) = twincast_core::playback::playable_campaigns(
            &campaigns,
            |id| media.get(id).map(|m| &m.facts),
            &decodes,
        );
        let mut e = twincast_core::explain(&screen, &campaigns, &alerts, at);
        for n in &mut e.not_playing {
            let left: Vec<&str> = unplayable
                .iter()
                .filter(|u| u.campaign == n.campaign)
                .map(|u| u.detail.as_str())
                .collect();
            if n.reason == twincast_core::Reason::NoContent && !left.is_empty() {
                n.detail = format!("no item plays on this screen: {}", left.join("; "));
            }
        }
        e.unplayable = unplayable;
        let free = self.free_zone_campaigns(&screen).await?;
        e.zones = self.explain_zones(&screen, &free, at).await?;
        Ok(e)
    }

    /// The campaigns of free layout zones, as seen on `screen`'s orientation, with their zones.
    pub(super) async fn free_zone_campaigns(
        &self,
        screen: &twincast_core::Screen,
    ) -> AppResult<Vec<(String, twincast_core::Campaign)>> {
        let mut all = self.store.schedule_catalog().await?;
        Ok(std::mem::take(
            &mut all.free[twincast_store::ScheduleCatalog::index(screen.orientation)],
        ))
    }

    /// Whether each free-zone campaign of `free` plays on `screen` at `at`: its zone must be in the screen's
    /// layout ([`twincast_core::explain_zones`]).
    pub(super) async fn explain_zones(
        &self,
        screen: &twincast_core::Screen,
        free: &[(String, twincast_core::Campaign)],
        at: i64,
    ) -> AppResult<Vec<twincast_core::ZonePlay>> {
        if free.is_empty() {
            return Ok(Vec::new());
        }
        let (own, groups) = self.store.screen_layout_ids(&screen.id).await?;
        let mut layout = None;
        if let Some(id) = own {
            layout = Some(self.store.layout_by_id(&id).await?);
        } else {
            let o = match screen.orientation {
                twincast_core::Orientation::Portrait => "portrait",
                twincast_core::Orientation::Landscape => "landscape",
            };
            for (_, id) in groups {
                let l = self.store.layout_by_id(&id).await?;
                if l.orientation == o {
                    layout = Some(l);
                    break;
                }
            }
        }
        let names: Vec<String> = match layout {
            Some(l) => l.zones.into_iter().map(|z| z.name).collect(),
            // The built-in layouts: main, ticker and clock at most; never a free zone.
            None => twincast_core::layout::choose(screen.orientation, true)
                .zones
                .iter()
                .map(|z| z.name.to_string())
                .collect(),
        };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        Ok(twincast_core::explain_zones(screen, free, &names, at))
    }

    /// Each partner's target and achieved share of campaign airtime on a screen over `days` local days (a whole
    /// number 1..=[`MAX_SIM_DAYS`], default 7) from the local midnight of `from` (RFC 3339; default now).
    pub async fn simulate(
        &self,
        _actor: &Actor,
        screen_id: &str,
        from: Option<&str>,
        days: Option<&str>,
    ) -> AppResult<twincast_core::SimReport> {
        let from = self.instant("from", from)?;
        let days = match days {
            None => 7,
            Some(d) => d
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=MAX_SIM_DAYS).contains(d))
                .ok_or_else(|| {
                    AppError::invalid(
                        "invalid-days",
                        format!("days must be a whole number from 1 to {MAX_SIM_DAYS}, got {d:?}"),
                    )
                })?,
        };
        let (screen, campaigns, alerts) = self.inputs(screen_id).await?;
        // A week of planning is CPU work: keep it off the async workers.
        tokio::task::spawn_blocking(move || {
            twincast_core::simulate(&screen, &campaigns, &alerts, from, days)
        })
        .await
        .map_err(AppError::internal)
    }

    /// The plays screen `screen_id` is planned to show from `from` (epoch ms) for `hours` (1..=48), merged into
    /// runs of the same campaign or alert: what the console's timeline draws.
    pub async fn timeline(
        &self,
        _actor: &Actor,
        screen_id: &str,
        from: i64,
        hours: u32,
    ) -> AppResult<Vec<TimelineRun>> {
        if !(1..=48).contains(&hours) {
            return Err(AppError::invalid(
                "invalid-hours",
                "hours must be a whole number from 1 to 48",
            ));
        }
        let (screen, campaigns, alerts) = self.inputs(screen_id).await?;
        let to = from + i64::from(hours) * 3_600_000;
        tokio::task::spawn_blocking(move || {
            let names: std::collections::HashMap<&str, &str> = campaigns
                .iter()
                .map(|c| (c.id.as_str(), c.name.as_str()))
                .collect();
            let mut runs: Vec<TimelineRun> = Vec::new();
            for p in twincast_core::plan(&screen, &campaigns, &alerts, from, to) {
                let campaign = p.campaign.as_deref().map(str::to_string);
                let alert = p.alert.as_deref().map(str::to_string);
                if let Some(last) = runs.last_mut() {
                    if last.campaign == campaign && last.alert == alert && last.end == p.start {
                        last.end = p.end;
                        last.plays += 1;
                        continue;
                    }
                }
                runs.push(TimelineRun {
                    start: p.start,
                    end: p.end,
                    partner: p.partner.as_deref().map(str::to_string),
                    name: campaign
                        .as_deref()
                        .and_then(|c| names.get(c))
                        .map(|n| n.to_string()),
                    campaign,
                    alert,
                    plays: 1,
                });
            }
            runs
        })
        .await
        .map_err(AppError::internal)
    }

    /// `v` as epoch ms (an RFC 3339 instant; `None`: now), or `invalid-time` naming `name`.
    pub(super) fn instant(&self, name: &str, v: Option<&str>) -> AppResult<i64> {
        match v {
            None => Ok(self.now_ms()),
            Some(s) => s
                .parse::<jiff::Timestamp>()
                .map(|t| t.as_millisecond())
                .map_err(|e| {
                    AppError::invalid(
                        "invalid-time",
                        format!(
                            "{name} must be an RFC 3339 instant such as 2026-05-01T12:00:00Z: {e}"
                        ),
                    )
                }),
        }
    }

    /// The engine inputs of one screen, or not found.
    pub(super) async fn inputs(&self, screen_id: &str) -> AppResult<Inputs> {
        self.store
            .schedule_inputs(screen_id)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::not_found("no such screen"),
                e => e.into(),
            })
    }
}
