//! The airtime the schedule plans: each partner's share of campaign airtime over a day for the whole network, as
//! the engine would play it (the dashboard's target to compare reported plays with).

use super::whatif::run_parallel;
use crate::error::{AppError, AppResult};
use crate::{Actor, App};
use twincast_core as tc;

/// One partner's planned airtime.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PlannedShare {
    /// Partner slug.
    pub partner: String,
    /// Share of all campaign airtime planned on the network (0..=1).
    pub share: f64,
    /// Seconds planned, summed over screens.
    pub seconds: f64,
}

impl App {
    /// Each partner's planned share of campaign airtime on every active screen over the day starting at `from`
    /// (epoch ms), as the engine plans it now; the schedule version it was computed at comes with it.
    pub async fn planned_airtime(
        &self,
        _actor: &Actor,
        from: i64,
    ) -> AppResult<(i64, Vec<PlannedShare>)> {
        let version = self.store.schedule_version().await?;
        let catalog = self.store.schedule_catalog().await?;
        let screens: Vec<tc::Screen> = self
            .store
            .all_core_screens()
            .await?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let shares = tokio::task::spawn_blocking(move || {
            let input = tc::WhatIfInput {
                screens: &screens,
                before: [&catalog.main[0], &catalog.main[1]],
                after: [&catalog.main[0], &catalog.main[1]],
                alerts: &catalog.alerts,
                filter: None,
                from,
                days: 1,
            };
            let w = tc::planned_with(&input, run_parallel);
            w.network
                .partners
                .iter()
                .map(|p| PlannedShare {
                    partner: p.slug.clone(),
                    share: p.before_share,
                    seconds: p.before_seconds,
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(AppError::internal)?;
        Ok((version, shares))
    }

    /// The schedule version (raised by every change that may alter what a screen plays).
    pub async fn schedule_version(&self) -> AppResult<i64> {
        Ok(self.store.schedule_version().await?)
    }
}
