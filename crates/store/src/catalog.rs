//! Every screen's engine inputs at once: the one path from stored campaigns and alerts to the engine's
//! (`Store::schedule_inputs` and `Store::screen_layout` for one screen, the player hub for a whole fleet).

use crate::{to_core_campaign, AlertRecord, Result, Store};
use twincast_core as tc;

/// The engine's inputs for every screen: the campaigns of each zone as seen on landscape (`[0]`) and portrait
/// (`[1]`) screens (content resolved per orientation; campaigns whose recurrence no longer parses are skipped)
/// and every alert. Targeting and timing are the engine's.
#[derive(Debug, Clone, Default)]
pub struct ScheduleCatalog {
    /// `main`-zone campaigns per orientation.
    pub main: [Vec<tc::Campaign>; 2],
    /// `ticker`-zone campaigns per orientation.
    pub ticker: [Vec<tc::Campaign>; 2],
    /// Every alert (cancelled ones end at their cancellation).
    pub alerts: Vec<tc::Alert>,
}

impl ScheduleCatalog {
    /// The index of `o` in [`ScheduleCatalog::main`] and [`ScheduleCatalog::ticker`].
    pub fn index(o: tc::Orientation) -> usize {
        usize::from(o == tc::Orientation::Portrait)
    }
}

impl Store {
    /// The engine's inputs for every screen (see [`ScheduleCatalog`]).
    pub async fn schedule_catalog(&self) -> Result<ScheduleCatalog> {
        let main = self.list_campaigns(None, Some("main")).await?;
        let ticker = self.list_campaigns(None, Some("ticker")).await?;
        let alerts = self
            .list_alerts()
            .await?
            .iter()
            .map(AlertRecord::to_core)
            .collect();
        let mut out = ScheduleCatalog {
            alerts,
            ..ScheduleCatalog::default()
        };
        for o in [tc::Orientation::Landscape, tc::Orientation::Portrait] {
            let i = ScheduleCatalog::index(o);
            out.main[i] = main.iter().filter_map(|c| to_core_campaign(c, o)).collect();
            out.ticker[i] = ticker
                .iter()
                .filter_map(|c| to_core_campaign(c, o))
                .collect();
        }
        Ok(out)
    }
}
