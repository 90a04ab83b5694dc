//! Proof of play: recording a player's batches (idempotent by event id) and the operators' reports.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use serde::Serialize;
use twincast_store::{PlayAggregate, PlayEvent, PlayFilter, PlayGrouping, Role};

/// Most events in one proof-of-play batch.
pub const MAX_BATCH: usize = 500;
/// Longest play (`ended_at - started_at`), ms.
const MAX_PLAY_MS: i64 = 86_400_000;

/// A batch as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaysRecorded {
    /// New events.
    pub accepted: u64,
    /// Events whose id was known already (not stored again).
    pub duplicates: u64,
    /// Receive time, epoch ms (application clock).
    pub received_at: i64,
    /// The permanent reference of each event in the batch's order; `None` for a duplicate.
    pub refs: Vec<Option<String>>,
}

/// Filters of play reports.
#[derive(Debug, Clone, Default)]
pub struct PlayReportQuery {
    /// Screen id.
    pub screen: Option<String>,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// `started_at >= from` (epoch ms).
    pub from: Option<i64>,
    /// `started_at < to` (epoch ms).
    pub to: Option<i64>,
}

/// Play summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlaySummary {
    /// Plays.
    pub total: i64,
    /// Played seconds.
    pub seconds: f64,
    /// Per partner.
    pub by_partner: Vec<PartnerPlays>,
}

/// Plays of one partner.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerPlays {
    /// Partner slug.
    pub slug: String,
    /// Plays.
    pub plays: i64,
    /// Seconds.
    pub seconds: f64,
}

/// Checks event number `i` of a batch.
pub fn check_play_event(i: usize, e: &PlayEvent) -> AppResult<()> {
    let bad = |why: &str| {
        Err(AppError::invalid(
            "invalid-play-event",
            format!("event {i}: {why}"),
        ))
    };
    if e.id.is_empty()
        || e.id.len() > 64
        || !e
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad("id must be 1-64 of A-Z a-z 0-9 - _");
    }
    let d = e.ended_at - e.started_at;
    if !(0..=MAX_PLAY_MS).contains(&d) || e.started_at < 0 {
        return bad("ended_at - started_at must be within 0..=86400000 ms");
    }
    if e.campaign.is_none() && e.alert.is_none() {
        return bad("an event names a campaign or an alert");
    }
    for s in [&e.campaign, &e.item, &e.partner, &e.alert]
        .into_iter()
        .flatten()
    {
        if s.len() > 200 || s.chars().any(char::is_control) {
            return bad("ids are at most 200 characters, without control characters");
        }
    }
    Ok(())
}

/// Partner restriction of the caller: editors see their own partners only.
fn restrict(actor: &Actor, q: &PlayReportQuery) -> AppResult<Option<Vec<String>>> {
    if actor.user.role != Role::PartnerEditor {
        return Ok(None);
    }
    if let Some(p) = &q.partner {
        if !actor.user.partners.contains(p) {
            return Err(AppError::forbidden(format!(
                "you may not see plays of partner {p:?}"
            )));
        }
    }
    Ok(Some(actor.user.partners.clone()))
}

fn filter_of(q: &PlayReportQuery) -> PlayFilter {
    PlayFilter {
        screen: q.screen.clone(),
        partner: q.partner.clone(),
        location: q.location.clone(),
        from: q.from,
        to: q.to,
    }
}

/// The grouping named `by` (`partner`, `location`, `day`).
pub fn play_grouping(by: &str) -> AppResult<PlayGrouping> {
    match by {
        "partner" => Ok(PlayGrouping::Partner),
        "location" => Ok(PlayGrouping::Location),
        "day" => Ok(PlayGrouping::Day),
        other => Err(AppError::invalid(
            "invalid-grouping",
            format!("by={other:?}: expected partner, location or day"),
        )),
    }
}

impl App {
    /// Proof-of-play totals and per-partner plays/seconds; partner-editors see their partners only.
    pub async fn plays_summary(
        &self,
        actor: &Actor,
        q: &PlayReportQuery,
    ) -> AppResult<PlaySummary> {
        let scope = restrict(actor, q)?;
        let rows = self
            .store
            .play_aggregates(&filter_of(q), PlayGrouping::Partner)
            .await?;
        let visible = |r: &PlayAggregate| match (&scope, &r.key) {
            (None, _) => true,
            (Some(list), Some(k)) => list.contains(k),
            (Some(_), None) => false,
        };
        let rows: Vec<&PlayAggregate> = rows.iter().filter(|r| visible(r)).collect();
        Ok(PlaySummary {
            total: rows.iter().map(|r| r.plays).sum(),
            seconds: rows.iter().map(|r| r.seconds).sum(),
            by_partner: rows
                .iter()
                .filter_map(|r| {
                    r.key.as_ref().map(|k| PartnerPlays {
                        slug: k.clone(),
                        plays: r.plays,
                        seconds: r.seconds,
                    })
                })
                .collect(),
        })
    }

    /// Plays and seconds grouped `by` partner, location or UTC day; partner-editors see their partners only and
    /// name one of them for the other groupings (`partner-required`) unless they have exactly one.
    pub async fn plays_aggregates(
        &self,
        actor: &Actor,
        q: &PlayReportQuery,
        by: PlayGrouping,
    ) -> AppResult<Vec<PlayAggregate>> {
        let mut filter = filter_of(q);
        let scope = restrict(actor, q)?;
        if let Some(list) = &scope {
            if by != PlayGrouping::Partner && filter.partner.is_none() {
                match list.as_slice() {
                    [only] => filter.partner = Some(only.clone()),
                    _ => {
                        return Err(AppError::invalid(
                            "partner-required",
                            "name one of your partners with ?partner=",
                        ))
                    }
                }
            }
        }
        let mut rows = self.store.play_aggregates(&filter, by).await?;
        if let (Some(list), PlayGrouping::Partner) = (&scope, by) {
            rows.retain(|r| r.key.as_ref().is_some_and(|k| list.contains(k)));
        }
        Ok(rows)
    }
}
