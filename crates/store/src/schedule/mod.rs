//! Scheduling records: screen groups, campaigns, emergency alerts, and their translation into the pure engine's
//! inputs ([`twincast_core`]).
//!
//! ## Campaign content
//! A campaign's `items` are [`CampaignItem`]s: library media (`video`/`image`, by media id, with an optional
//! portrait variant chosen for portrait screens), HTML slides (`html`: a template with data) and sandboxed web
//! pages (`web`: an `http(s)` URL). Items are validated on write; a video item without a duration takes the
//! media's probed duration.
//!
//! ## Zones and layouts
//! Every campaign plays in one zone: `main` (the engine's rotation) or `ticker` (a band of short HTML items,
//! e.g. news headlines, that loops independently of the main rotation). A screen's layout follows from its
//! content ([`Store::screen_layout`]): `fullscreen` when no ticker campaign targets it, else
//! `main_ticker_clock`; zone geometry depends on the screen's orientation.
//!
//! ## Engine inputs
//! [`Store::schedule_inputs`] returns one screen (with its groups) plus every `main`-zone campaign with content
//! resolved for that screen's orientation, plus every stored alert (cancelled ones end at their cancellation):
//! the engine does the targeting and timing. [`Store::resolve_items`] turns the items of those campaigns into
//! delivery details (content-addressed media URLs with hashes and sizes, templates, URLs).
//! [`Store::schedule_version`] increases on every campaign, alert, group, screen and location change (usable in an ETag).

mod alerts;
mod campaigns;
mod groups;
mod inputs;

pub(crate) use alerts::insert_alert;
pub use alerts::AlertRecord;
pub use campaigns::{to_core_campaign, CampaignInput, CampaignItem, CampaignRecord, ItemKind};
pub use groups::{ScreenGroup, ScreenGroupInput};
pub use inputs::{layout_zones, LayoutZone, MediaRef, ResolvedItem, ScreenLayout};

use crate::{Result, Store, StoreError};
use sqlx::Row;

/// Default duration of still items (images, slides, web pages) in milliseconds.
pub const DEFAULT_ITEM_MS: i64 = 10_000;

/// HTML slide templates the players know.
pub const TEMPLATES: &[&str] = &["partner_card", "headline"];

/// The built-in zones a campaign can play in; besides them, a free zone of a layout
/// (`twincast_core::campaign_rules::is_content_zone`).
pub const ZONES: &[&str] = &["main", "ticker"];

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

/// Longest name of a group or campaign, in characters (the API's limit).
const MAX_NAME_CHARS: usize = 200;

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

pub(crate) async fn bump(tx: &mut Tx<'_>) -> Result<()> {
    sqlx::query("UPDATE schedule_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// The schedule version: increases on every campaign, alert, screen-group, screen and location change.
    pub async fn schedule_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM schedule_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("version")?)
    }

    /// Increments the schedule version (for changes made elsewhere that affect schedules, e.g. screens).
    pub async fn bump_schedule_version(&self) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.schedule_version().await
    }
}
