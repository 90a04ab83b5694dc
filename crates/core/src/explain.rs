//! Explain: for a screen and an instant, what plays and why every other campaign does not.
//!
//! The sequence is the one [`crate::engine::plan_day`] computes for the screen's local day containing the
//! instant, so the answer matches what a player following the daily plan shows.
//!
//! Serialized as `{"at": ms, "playing": {..., "partner", "campaign", "alert"} | null,
//! "not_playing": [{"campaign", "partner", "reason", "detail"}], "zones": [{"campaign", "partner", "zone", "plays",
//! "reason", "detail"}]}` with snake_case reasons (`zones` only when free-zone campaigns exist).

use crate::alert::Alert;
use crate::campaign::Campaign;
use crate::engine::{plan_day, PlayKind};
use crate::screen::Screen;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// Why a campaign is not playing at the instant asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The campaign does not target this screen.
    NotTargeted,
    /// The campaign has no content items.
    NoContent,
    /// Its validity window has not started.
    NotYetValid,
    /// Its validity window has ended.
    Expired,
    /// The instant is outside every occurrence of its recurrence (in the screen's time zone).
    OutsideRecurrence,
    /// An emergency alert is on air on this screen.
    AlertActive,
    /// A campaign of higher priority is eligible.
    Outranked,
    /// Eligible at the winning priority, but another partner or campaign has its fair turn now.
    WaitingTurn,
}

/// What is on air.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playing {
    /// `campaign` or `alert`.
    pub kind: PlayKind,
    /// Start of the play, epoch ms.
    pub start: Millis,
    /// End of the play, epoch ms.
    pub end: Millis,
    /// Partner slug, for campaign plays.
    pub partner: Option<String>,
    /// Campaign id, for campaign plays.
    pub campaign: Option<String>,
    /// Item id, for campaign plays.
    pub item: Option<String>,
    /// Alert id, for alert plays.
    pub alert: Option<String>,
    /// Alert headline, for alert plays.
    pub headline: Option<String>,
    /// Priority of the playing campaign.
    pub priority: Option<i32>,
}

/// One campaign that is not playing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotPlaying {
    /// Campaign id.
    pub campaign: String,
    /// Partner slug.
    pub partner: String,
    /// Why not.
    pub reason: Reason,
    /// Human-readable detail.
    pub detail: String,
}

/// The answer of [`explain`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The instant explained, epoch ms.
    pub at: Millis,
    /// What plays, or `null` when nothing is eligible.
    pub playing: Option<Playing>,
    /// Every other campaign, in id order, with its reason.
    pub not_playing: Vec<NotPlaying>,
    /// The campaigns of free layout zones (neither `main` nor `ticker`), in id order: whether each plays on this
    /// screen, in its zone, and why not (see [`explain_zones`]). Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZonePlay>,
    /// Video items left out of this screen's plan because nothing of their medium plays there yet (see
    /// [`crate::playback`]); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unplayable: Vec<crate::playback::Unplayable>,
}

/// Why a campaign of a free layout zone does not play on a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneReason {
    /// The campaign does not target this screen.
    NotTargeted,
    /// The campaign has no content items.
    NoContent,
    /// Its validity window has not started.
    NotYetValid,
    /// Its validity window has ended.
    Expired,
    /// The screen's layout has no zone of that name.
    ZoneNotInLayout,
}

/// A campaign of a free layout zone, explained for one screen (its items loop in the zone while it is valid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZonePlay {
    /// Campaign id.
    pub campaign: String,
    /// Partner slug.
    pub partner: String,
    /// The zone it plays in.
    pub zone: String,
    /// Whether its items play in the zone on this screen at the instant.
    pub plays: bool,
    /// Why not (`null` when it plays).
    pub reason: Option<ZoneReason>,
    /// Human-readable detail.
    pub detail: String,
}

/// Explains, for `screen` at `at`, the campaigns of free layout zones (`(zone, campaign)`): one plays when it
/// targets the screen, has items, is valid at `at`, and the screen's layout (zone names `layout_zones`) has its
/// zone; otherwise the first reason in that order.
pub fn explain_zones(
    screen: &Screen,
    campaigns: &[(String, Campaign)],
    layout_zones: &[&str],
    at: Millis,
) -> Vec<ZonePlay> {
    let mut order: Vec<&(String, Campaign)> = campaigns.iter().collect();
    order.sort_by(|a, b| a.1.id.cmp(&b.1.id));
    order
        .into_iter()
        .map(|(zone, c)| {
            let verdict = if !c.targets(screen) {
                Err((
                    ZoneReason::NotTargeted,
                    format!("screen {} is not among the targets", screen.id),
                ))
            } else if c.items.is_empty() {
                Err((ZoneReason::NoContent, "no content items".into()))
            } else if let Some(f) = c.valid_from.filter(|&f| at < f) {
                Err((ZoneReason::NotYetValid, format!("valid from {}", fmt_ms(f))))
            } else if let Some(u) = c.valid_until.filter(|&u| at >= u) {
                Err((ZoneReason::Expired, format!("expired at {}", fmt_ms(u))))
            } else if !layout_zones.contains(&zone.as_str()) {
                Err((
                    ZoneReason::ZoneNotInLayout,
                    format!(
                        "the screen's layout has no zone {zone:?} (its zones: {})",
                        layout_zones.join(", ")
                    ),
                ))
            } else {
                Ok(())
            };
            let (reason, detail) = match verdict {
                Ok(()) => (None, format!("its items loop in zone {zone:?}")),
                Err((r, d)) => (Some(r), d),
            };
            ZonePlay {
                campaign: c.id.clone(),
                partner: c.partner.clone(),
                zone: zone.clone(),
                plays: reason.is_none(),
                reason,
                detail,
            }
        })
        .collect()
}

fn eligible(c: &Campaign, screen: &Screen, at: Millis) -> Result<(), (Reason, String)> {
    if !c.targets(screen) {
        return Err((
            Reason::NotTargeted,
            format!("screen {} is not among the targets", screen.id),
        ));
    }
    if c.items.is_empty() {
        return Err((Reason::NoContent, "no content items".into()));
    }
    if let Some(f) = c.valid_from.filter(|&f| at < f) {
        return Err((Reason::NotYetValid, format!("valid from {}", fmt_ms(f))));
    }
    if let Some(u) = c.valid_until.filter(|&u| at >= u) {
        return Err((Reason::Expired, format!("expired at {}", fmt_ms(u))));
    }
    if let Some(r) = &c.recurrence {
        if !r.contains(screen.tz.tz(), at) {
            return Err((
                Reason::OutsideRecurrence,
                format!("outside RRULE {} in {}", r.rrule(), screen.tz.name()),
            ));
        }
    }
    Ok(())
}

fn fmt_ms(ms: Millis) -> String {
    crate::from_millis(ms).map_or_else(|| ms.to_string(), |t| t.to_string())
}

/// Explains what plays on `screen` at `at` and why each other campaign does not.
pub fn explain(
    screen: &Screen,
    campaigns: &[Campaign],
    alerts: &[Alert],
    at: Millis,
) -> Explanation {
    let plays = plan_day(screen, campaigns, alerts, at);
    let current = plays.iter().find(|p| p.start <= at && at < p.end);
    let playing = current.map(|p| {
        let alert = p
            .alert
            .as_deref()
            .and_then(|id| alerts.iter().find(|a| a.id == id));
        let camp = p
            .campaign
            .as_deref()
            .and_then(|id| campaigns.iter().find(|c| c.id == id));
        Playing {
            kind: p.kind,
            start: p.start,
            end: p.end,
            partner: p.partner.as_deref().map(str::to_string),
            campaign: p.campaign.as_deref().map(str::to_string),
            item: p.item.as_deref().map(str::to_string),
            alert: p.alert.as_deref().map(str::to_string),
            headline: alert.map(|a| a.headline.clone()),
            priority: camp.map(|c| c.priority),
        }
    });
    let alert_on = current.is_some_and(|p| p.kind == PlayKind::Alert);
    let mut order: Vec<&Campaign> = campaigns.iter().collect();
    order.sort_by(|a, b| a.id.cmp(&b.id));
    let verdicts: Vec<Result<(), (Reason, String)>> =
        order.iter().map(|c| eligible(c, screen, at)).collect();
    let top = order
        .iter()
        .zip(&verdicts)
        .filter(|(_, v)| v.is_ok())
        .map(|(c, _)| c.priority)
        .max();
    let playing_id = current.and_then(|p| p.campaign.as_deref());
    let mut not_playing = Vec::new();
    for (c, v) in order.iter().zip(verdicts) {
        if Some(c.id.as_str()) == playing_id {
            continue;
        }
        let (reason, detail) = match v {
            Err(rd) => rd,
            Ok(()) if alert_on => (
                Reason::AlertActive,
                "an emergency alert preempts all content".to_string(),
            ),
            Ok(()) if top.is_some_and(|t| c.priority < t) => (
                Reason::Outranked,
                format!(
                    "priority {} is below the winning priority {}",
                    c.priority,
                    top.unwrap_or_default()
                ),
            ),
            Ok(()) => (
                Reason::WaitingTurn,
                "eligible; waiting for its fair turn".to_string(),
            ),
        };
        not_playing.push(NotPlaying {
            campaign: c.id.clone(),
            partner: c.partner.clone(),
            reason,
            detail,
        });
    }
    Explanation {
        at,
        playing,
        not_playing,
        zones: Vec::new(),
        unplayable: Vec::new(),
    }
}
