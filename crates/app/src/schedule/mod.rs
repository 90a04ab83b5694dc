//! The schedule system's operations: campaigns and their content per zone, screen groups, `.ics` import and export,
//! emergency alerts (CAP 1.2 or JSON), and the engine's answers (explain, simulate, and both for a draft change
//! before it is published: `whatif`).
//!
//! Authorization: everyone logged in reads; admins and operators write everything; a partner-editor creates, edits
//! and deletes campaigns only of its own partners (on update both the old and the new partner must be its own).
//! Screen groups, alerts are written by admins and operators. Campaign rules are
//! [`twincast_core::campaign_rules`]'s; references that name nothing answer `unknown-partner`, `unknown-media`,
//! `unknown-group`, `unknown-screen` (400). Every change emits [`ServerEvent::ScheduleChanged`] or
//! [`ServerEvent::AlertsChanged`].
//!
//! [`ServerEvent::ScheduleChanged`]: crate::ServerEvent::ScheduleChanged
//! [`ServerEvent::AlertsChanged`]: crate::ServerEvent::AlertsChanged

mod alert_preview;
mod alerts;
mod browse;
mod campaigns;
mod explain;
mod groups;
mod ics;
mod planned;
pub(crate) mod whatif;

pub use alert_preview::{AlertPreview, LocationReach};
pub use alerts::{AlertFormat, AlertList};
pub use browse::{is_moderation_state, on_air, time_state, CampaignQuery, ZoneOccurrences};
pub use campaigns::CampaignList;
pub use explain::{TimelineRun, MAX_SIM_DAYS};
pub use groups::GroupList;
pub use ics::{IcsExport, MAX_ICS_BYTES};
pub use planned::PlannedShare;
/// Request bodies of the schedule operations (the store's input records).
pub use twincast_store::{CampaignInput, CampaignItem, ItemKind, ScreenGroupInput};
pub use whatif::{Draft, ExplainDraftRequest, WhatIfRequest, DRAFT_ID};

use crate::error::AppError;
use twincast_core::campaign_rules::RuleError;

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        AppError::invalid(e.code, e.message)
    }
}
