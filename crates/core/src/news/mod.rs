//! The news desk's rules: an article's states and who may move it between them ([`state`]), when the public sees
//! it ([`visible_at`]), scheduled times in the site's zone ([`local_instant`]), rubrics and the field rules of a
//! story and its language versions ([`rules`]).
//!
//! A story is one article with a version per language (ru, en, zh), linked as translations of each other; the
//! shared parts (rubric, tags, dateline date, source, media, related partners and projects, states and times)
//! belong to the story, the words to a version.

pub mod rules;
pub mod state;
pub mod ticker;
pub mod wire;

pub use rules::{Rubric, SourceKind, LANGS, RUBRICS, SHORT_HEADLINE_MAX};
pub use state::{transition, Action, DeskRole, Refused, State};

use crate::Millis;

/// The times that decide visibility, besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Times {
    /// When the article is (or was) published: set by `publish` (now) or `schedule` (a future instant).
    pub publish_at: Option<Millis>,
    /// Not before this instant, whatever the state (a wire's or a press office's embargo).
    pub embargo_until: Option<Millis>,
    /// Not from this instant on (the story expires and leaves every public list).
    pub expires_at: Option<Millis>,
}

/// The state as it is at `t`: a scheduled article whose time has come *is* published (no job has to flip it).
pub fn effective_state(state: State, times: &Times, t: Millis) -> State {
    match (state, times.publish_at) {
        (State::Scheduled, Some(at)) if at <= t => State::Published,
        _ => state,
    }
}

/// Whether the public sees the article at instant `t`: published (or scheduled and its time has come), past
/// its embargo and not yet expired. The one definition; the store's public queries say the same in SQL (a test
/// holds them to it).
pub fn visible_at(state: State, times: &Times, t: Millis) -> bool {
    let live = match effective_state(state, times, t) {
        State::Published => times.publish_at.is_none_or(|at| at <= t),
        _ => false,
    };
    live && times.embargo_until.is_none_or(|e| e <= t) && times.expires_at.is_none_or(|x| t < x)
}

/// The first instant at which the public may see the article (publication or the end of the embargo, whichever
/// is later), when it is published or scheduled.
pub fn visible_from(state: State, times: &Times) -> Option<Millis> {
    match state {
        State::Published | State::Scheduled => {
            let at = times.publish_at?;
            Some(times.embargo_until.map_or(at, |e| e.max(at)))
        }
        _ => None,
    }
}

/// Why a local time could not be placed on the time line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadTime(pub String);

/// The instant of the civil time `local` (`YYYY-MM-DDTHH:MM[:SS]`) in the zone `tz` (the site's zone): a time
/// that a spring-forward gap skips moves forward by the gap, a time that a fall-back repeats is its first
/// occurrence (RFC 5545's rule, jiff's `compatible`).
pub fn local_instant(local: &str, tz: &str) -> Result<Millis, BadTime> {
    let dt: jiff::civil::DateTime = local.parse().map_err(|e| {
        BadTime(format!(
            "{local:?} is not a local date and time (YYYY-MM-DDTHH:MM): {e}"
        ))
    })?;
    let zone = jiff::tz::TimeZone::get(tz)
        .map_err(|e| BadTime(format!("unknown time zone {tz:?}: {e}")))?;
    let zoned = dt
        .to_zoned_datetime(zone)
        .map_err(|e| BadTime(format!("{local:?} cannot be placed in {tz}: {e}")))?;
    Ok(zoned.timestamp().as_millisecond())
}

/// An instant given either as RFC 3339 (`2026-12-01T10:00:00Z`, with an offset) or as a civil time in the
/// site's zone `tz` (no offset).
pub fn parse_instant(s: &str, tz: &str) -> Result<Millis, BadTime> {
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    local_instant(s, tz)
}

#[cfg(test)]
mod tests;
