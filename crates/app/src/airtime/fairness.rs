//! Fairness on real plays: the simulator's planned share of each partner beside the share it achieved, for the
//! network and per screen, over one local day; a deviation above the operator's threshold is a console notice.

use super::day_of;
use crate::error::{AppError, AppResult};
use crate::{Actor, App};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use twincast_core as tc;
use twincast_core::airtime::{self as ca, FairnessRow, DAY};
use twincast_store::{AirtimeFilter, Role};

/// The scope name of the whole network.
pub const NETWORK: &str = "network";

/// The simulator's planned shares of one day.
#[derive(Debug, Default)]
pub(super) struct Planned {
    /// Partner → share of the network's campaign airtime.
    pub network: BTreeMap<String, f64>,
    /// (screen id, partner) → share of that screen's campaign airtime.
    pub screens: BTreeMap<(String, String), f64>,
    /// Screen id → name.
    pub names: HashMap<String, String>,
}

/// Planned and achieved shares of one local day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fairness {
    /// The local day, `YYYY-MM-DD`.
    pub day: String,
    /// The threshold in force, percentage points.
    pub threshold_pp: i64,
    /// Per partner, for the network (scope `network`).
    pub network: Vec<FairnessRow>,
    /// Per screen and partner (scope = screen id).
    pub screens: Vec<FairnessRow>,
    /// Screen id → name, for the screens listed.
    pub screen_names: BTreeMap<String, String>,
    /// The notice, when a deviation is above the threshold.
    pub notice: Option<FairnessNotice>,
}

/// What the console's fairness notice says.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FairnessNotice {
    /// The local day.
    pub day: String,
    /// Partners whose network share deviates above the threshold.
    pub partners: Vec<String>,
    /// Screens on which some partner's share deviates above the threshold.
    pub screens: usize,
}

impl App {
    /// The planned shares of the day starting at `from` (epoch ms) for the schedule in force now, kept per
    /// schedule version and day.
    pub(super) async fn planned_shares(&self, from: i64) -> AppResult<Arc<Planned>> {
        let version = self.store.schedule_version().await?;
        if let Ok(g) = self.airtime.planned.lock() {
            if let Some((v, d, p)) = g.as_ref() {
                if *v == version && *d == from {
                    return Ok(p.clone());
                }
            }
        }
        let catalog = self.store.schedule_catalog().await?;
        let all = self.store.all_core_screens().await?;
        let names: HashMap<String, String> = all
            .iter()
            .map(|(name, s)| (s.id.clone(), name.clone()))
            .collect();
        let screens: Vec<tc::Screen> = all.into_iter().map(|(_, s)| s).collect();
        let mut planned = tokio::task::spawn_blocking(move || {
            let input = tc::WhatIfInput {
                screens: &screens,
                before: [&catalog.main[0], &catalog.main[1]],
                after: [&catalog.main[0], &catalog.main[1]],
                alerts: &catalog.alerts,
                filter: None,
                from,
                days: 1,
            };
            let w = tc::planned_with(&input, crate::schedule::whatif::run_parallel);
            let mut p = Planned::default();
            for s in &w.network.partners {
                p.network.insert(s.slug.clone(), s.before_share);
            }
            for class in &w.classes {
                for screen in &class.screens {
                    for s in &class.partners {
                        p.screens
                            .insert((screen.clone(), s.slug.clone()), s.before_share);
                    }
                }
            }
            p
        })
        .await
        .map_err(AppError::internal)?;
        planned.names = names;
        let planned = Arc::new(planned);
        if let Ok(mut g) = self.airtime.planned.lock() {
            *g = Some((version, from, planned.clone()));
        }
        Ok(planned)
    }

    /// Planned beside achieved shares on local day `day` (default today, the site's), for the network and per screen;
    /// partner-editors see their partners' rows only (shares stay of all airtime).
    pub async fn airtime_fairness(&self, actor: &Actor, day: Option<&str>) -> AppResult<Fairness> {
        let d = match day {
            Some(s) => day_of("day", s)?,
            None => self.site_today(),
        };
        let settings = self.store.airtime_settings().await?;
        let planned = self.planned_shares(d * DAY).await?;
        let f = AirtimeFilter {
            from: d * DAY,
            to: (d + 1) * DAY,
            ..Default::default()
        };
        let by_screen = self.store.airtime_by_screen(&f).await?;
        let mut network_ms: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut screen_ms: BTreeMap<(String, String), i64> = BTreeMap::new();
        for ((partner, screen), s) in &by_screen {
            *network_ms
                .entry((NETWORK.to_string(), partner.clone()))
                .or_default() += s.ms;
            screen_ms.insert((screen.clone(), partner.clone()), s.ms);
        }
        let network_plan: BTreeMap<(String, String), f64> = planned
            .network
            .iter()
            .map(|(p, s)| ((NETWORK.to_string(), p.clone()), *s))
            .collect();
        let threshold = settings.fairness_threshold_pp as f64;
        let mut network = ca::fairness(&network_plan, &network_ms, threshold);
        let mut screens = ca::fairness(&planned.screens, &screen_ms, threshold);
        // Screens that neither played nor are planned say nothing; partners with neither plan nor airtime either.
        let keep = |r: &FairnessRow| r.planned_share > 0.0 || r.hours > 0.0;
        network.retain(keep);
        screens.retain(keep);
        if actor.user.role == Role::PartnerEditor {
            let mine = |r: &FairnessRow| actor.user.partners.contains(&r.partner);
            network.retain(mine);
            screens.retain(mine);
        }
        let partners: Vec<String> = network
            .iter()
            .filter(|r| r.over)
            .map(|r| r.partner.clone())
            .collect();
        let mut over_screens: Vec<&str> = screens
            .iter()
            .filter(|r| r.over)
            .map(|r| r.scope.as_str())
            .collect();
        over_screens.dedup();
        let notice = (!partners.is_empty() || !over_screens.is_empty()).then(|| FairnessNotice {
            day: ca::format_day(d),
            partners,
            screens: over_screens.len(),
        });
        let screen_names = screens
            .iter()
            .map(|r| {
                let name = planned
                    .names
                    .get(&r.scope)
                    .cloned()
                    .unwrap_or_else(|| r.scope.clone());
                (r.scope.clone(), name)
            })
            .collect();
        Ok(Fairness {
            day: ca::format_day(d),
            threshold_pp: settings.fairness_threshold_pp,
            network,
            screens,
            screen_names,
            notice,
        })
    }

    /// Today's fairness notice for the console, if any deviation is above the threshold.
    pub async fn fairness_notice(&self, actor: &Actor) -> AppResult<Option<FairnessNotice>> {
        Ok(self.airtime_fairness(actor, None).await?.notice)
    }
}
