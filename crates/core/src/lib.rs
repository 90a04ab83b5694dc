//! # twincast-core
//!
//! The pure domain core of Twincast: which screen plays what, when, and why.
//!
//! This crate does **no IO**: no async runtime, no database, no filesystem, no network. Every function is a pure
//! function of its arguments, so the HTTP layer, the CLI, the fleet simulator and the tests all compute the same
//! answers.
//!
//! ## Model
//! - [`screen::Screen`]: what the engine needs to know about a screen (location, kind, tags, groups, IANA time
//!   zone, coordinates, resolution, orientation).
//! - [`campaign::Campaign`]: a partner's content items plus targets, a validity window, an optional RFC 5545
//!   recurrence (evaluated in the *screen's* local time zone), a priority and a share-of-voice weight.
//! - [`alert::Alert`]: an emergency alert (CAP 1.2 XML or a simple JSON form) that preempts all content on the
//!   screens it targets.
//! - [`engine::plan`]: `(screen, campaigns, alerts, window) -> Vec<Play>`, deterministic and gap-free while
//!   anything is eligible; rotation within the winning priority is done by [`fairness::FairQueue`].
//!   [`engine::plan_day`] / [`engine::plan_horizon`] anchor rotation at the screen's local midnight; use
//!   `plan_horizon` for manifests so that they agree with explain and simulate.
//! - [`explain::explain`] and [`simulate::simulate`] answer "why" and "how fair"; [`whatif::whatif`] answers "what
//!   would a change do to airtime", once per class of screens with identical engine inputs.
//! - [`ics`]: `.ics` import/export of a campaign's schedule.
//! - [`layout`]: which layout a screen gets ([`layout::choose`]) and its zones.
//! - [`zones`]: layouts as data (zones in percent) and their rules ([`zones::check_zones`]).
//! - [`validate`]: field rules (slugs, text, coordinates, resolutions) shared by every layer that takes input.
//!
//! ## Errors
//! Constructors and parsers return typed errors ([`CampaignError`], [`RecurrenceError`], [`AlertError`],
//! [`ics::IcsError`], [`ScreenError`]); the engine functions themselves are total (they never panic and never
//! fail: invalid weights count as 1, items shorter than 1 s are stretched to 1 s).
//!
//! ## Time
//! All instants in this crate's public types are **`i64` milliseconds since the Unix epoch (UTC)**, alias
//! [`Millis`]. Civil (wall-clock) times of recurrences are `jiff::civil::DateTime` values without a zone; they are
//! placed on the time line with the screen's zone. Half-open intervals `[start, end)` are used throughout.

pub mod airtime;
pub mod alert;
pub mod campaign;
pub mod campaign_rules;
pub mod captions;
pub mod cooperation;
pub mod engine;
pub mod explain;
pub mod fairness;
pub mod geofence;
pub mod ics;
pub mod layout;
pub mod news;
pub mod playback;
pub mod proof;
pub mod recurrence;
pub mod report;
pub mod screen;
pub mod simulate;
pub mod tus;
pub mod validate;
pub mod whatif;
pub mod zones;

pub use alert::{Alert, AlertError, AlertForm, MsgType};
pub use campaign::{Campaign, CampaignError, ContentItem, ContentKind, Targets};
pub use engine::{plan, plan_day, plan_horizon, Play, PlayKind};
pub use explain::{explain, explain_zones, Explanation, NotPlaying, Reason, ZonePlay, ZoneReason};
pub use fairness::FairQueue;
pub use simulate::{simulate, simulate_repeating, PartnerShare, SimReport};
pub use whatif::{planned_with, whatif, whatif_with, WhatIf, WhatIfInput};

/// Milliseconds since the Unix epoch, UTC. Every instant in the public API uses this unit.
pub type Millis = i64;

/// Converts a `jiff::Timestamp` to [`Millis`].
pub fn to_millis(ts: jiff::Timestamp) -> Millis {
    ts.as_millisecond()
}

/// Converts [`Millis`] to a `jiff::Timestamp`, or `None` when out of jiff's supported range.
pub fn from_millis(ms: Millis) -> Option<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(ms).ok()
}

pub use geofence::{Geofence, LatLon};
pub use recurrence::{Recurrence, RecurrenceError};
pub use screen::{Orientation, Resolution, Screen, ScreenError, Zone};

/// The schema of an input type as one part of a stored type's `allOf` (a `#[serde(flatten)]` field): the input
/// refuses unknown fields (`additionalProperties: false`), which inside `allOf` would also refuse the stored type's
/// own fields (`id`, `version`…), so that part leaves additional properties open.
#[cfg(feature = "openapi")]
pub fn open_schema<T: utoipa::PartialSchema>(
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let mut schema = T::schema();
    if let utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(o)) = &mut schema {
        o.additional_properties = None;
    }
    schema
}
