//! Every screen's engine inputs at once: the one path from stored campaigns and alerts to the engine's
//! (`Store::schedule_inputs` and `Store::screen_layout` for one screen, the player hub for a whole fleet).
//!
//! Only approved content gets here: a campaign plays its approved version (the current one when approved, else
//! the version kept while a change awaits review; never-approved campaigns not at all), and items whose media is
//! not approved are left out (a portrait variant that is not approved falls back to the main media).

use crate::{
    now_ms, to_core_campaign, AlertRecord, CampaignRecord, ItemKind, ResolvedItem, Result, Store,
};
use std::collections::{HashMap, HashSet};
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
    /// Campaigns of free layout zones (`side`, `weather`, …) per orientation, with their zone's name: their items
    /// loop in that zone on screens whose layout has it.
    pub free: [Vec<(String, tc::Campaign)>; 2],
    /// Every alert (cancelled ones end at their cancellation).
    pub alerts: Vec<tc::Alert>,
    /// The items of the news desk's ticker campaigns (in `ticker`, ids starting with
    /// [`tc::news::ticker::CAMPAIGN_PREFIX`]), already resolved: headline slides, not stored campaigns.
    pub desk_items: Vec<ResolvedItem>,
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
        let held = self.unapproved_media().await?;
        let all = playable(self.list_campaigns(None, None).await?, &held);
        let (main, rest): (Vec<CampaignRecord>, Vec<CampaignRecord>) =
            all.into_iter().partition(|c| c.zone == "main");
        let (ticker, free): (Vec<CampaignRecord>, Vec<CampaignRecord>) =
            rest.into_iter().partition(|c| c.zone == "ticker");
        // Alerts held for approval are not on air; geocodes reach the locations mapped to them.
        let mut alerts: Vec<tc::Alert> = self
            .list_alerts()
            .await?
            .iter()
            .filter(|r| !r.held)
            .map(AlertRecord::to_core)
            .collect();
        self.resolve_geocodes(&mut alerts).await?;
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
            out.free[i] = free
                .iter()
                .filter_map(|c| Some((c.zone.clone(), to_core_campaign(c, o)?)))
                .collect();
        }
        let (desk, items) = self.desk_ticker_campaigns(now_ms()).await?;
        for list in &mut out.ticker {
            list.extend(desk.iter().cloned());
        }
        out.desk_items = items;
        Ok(out)
    }

    /// The news desk's tickers as ticker-zone campaigns with their resolved headline slides, for the headlines
    /// visible at `at` ([`tc::news::ticker::campaigns`]).
    async fn desk_ticker_campaigns(
        &self,
        at: i64,
    ) -> Result<(Vec<tc::Campaign>, Vec<ResolvedItem>)> {
        let tickers: Vec<_> = self
            .news_tickers()
            .await?
            .iter()
            .filter(|t| t.input.enabled)
            .map(|t| t.to_core())
            .collect();
        if tickers.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let heads = self.ticker_headlines(at).await?;
        let campaigns = tc::news::ticker::campaigns(&tickers, &heads);
        let by_key: HashMap<(&str, &str), &tc::news::ticker::Headline> = heads
            .iter()
            .map(|h| ((h.article_id.as_str(), h.lang.as_str()), h))
            .collect();
        let mut items = Vec::new();
        for c in &campaigns {
            let lang = c.language.as_deref().unwrap_or_default();
            for it in &c.items {
                let Some(h) = by_key.get(&(it.id.as_str(), lang)) else {
                    continue;
                };
                items.push(ResolvedItem {
                    campaign: c.id.clone(),
                    item: it.id.clone(),
                    kind: ItemKind::Html,
                    duration_ms: it.duration_ms,
                    media: None,
                    template: Some(tc::news::ticker::TEMPLATE.into()),
                    data: Some(serde_json::json!({
                        "headline": h.text,
                        "lang": h.lang,
                        "story": h.article_id,
                        "published_at": h.visible_from,
                    })),
                    url: None,
                });
            }
        }
        Ok((campaigns, items))
    }
}

/// The approved versions of `campaigns`, without items whose media is `held` (not approved).
fn playable(campaigns: Vec<CampaignRecord>, held: &HashSet<String>) -> Vec<CampaignRecord> {
    let is_held = |id: &Option<String>| id.as_ref().is_some_and(|m| held.contains(m));
    campaigns
        .iter()
        .filter_map(CampaignRecord::playable)
        .map(|mut c| {
            if !held.is_empty() {
                c.items.retain(|it| {
                    !matches!(it.kind, ItemKind::Video | ItemKind::Image) || !is_held(&it.media_id)
                });
                for it in &mut c.items {
                    if is_held(&it.portrait_media_id) {
                        it.portrait_media_id = None;
                    }
                }
            }
            c
        })
        .collect()
}
