//! What-if before publishing: a draft (a new campaign, a change to one, or its deletion) simulated against the
//! schedule, for every screen it would affect ([`twincast_core::whatif`]), or explained on one screen. Nothing is
//! written and no event is sent.
//!
//! A draft is checked like the operation it stands for: the same role and partner rules (a partner-editor only
//! drafts for its own partners; on a change both the old and the new partner must be its own), the same field and
//! campaign rules and reference checks, the same partner limits for a partner-editor (priority ceiling, allowed
//! targets), so the same stable codes ([`App::create_campaign`],
//! [`App::update_campaign`], [`App::delete_campaign`]).

use super::campaigns::may_write_campaign;
use super::explain::MAX_SIM_DAYS;
use crate::error::{AppError, AppResult};
use crate::revision::merge_patch;
use crate::{Actor, App};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use twincast_core as tc;
use twincast_store::{to_core_campaign, CampaignInput, CampaignRecord, Role};

/// The id a new campaign has in a draft's answers (in explain's `playing.campaign` and `not_playing`).
pub const DRAFT_ID: &str = "draft";

/// A change to the schedule that is not made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Draft {
    /// A new campaign: the body of `POST /api/v1/campaigns`. It is called `draft` in the answers.
    Create(Box<CampaignInput>),
    /// A change to a campaign: its id and the fields that change, as a JSON merge patch (RFC 7396) over its
    /// current body (`null` clears a field; absent fields keep their value; a patch that does not fit a campaign
    /// is `invalid-patch`).
    Update {
        /// Campaign id.
        id: String,
        /// The changed fields of the campaign body.
        #[schema(value_type = Object)]
        changes: serde_json::Value,
    },
    /// Deleting a campaign.
    Delete {
        /// Campaign id.
        id: String,
    },
}

/// The what-if question: a draft, the days, and optionally which screens to report.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// The change.
    pub draft: Draft,
    /// RFC 3339 instant; each screen is simulated from its local midnight of that day (default: now).
    #[serde(default)]
    pub from: Option<String>,
    /// Local days, 1..=14 (default 7).
    #[serde(default)]
    pub days: Option<u32>,
    /// Only screens these targets match are reported (same fields as a campaign's `targets`: screens, groups,
    /// tags, locations, location kinds, geofence; a union; absent or empty = every screen).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub screens: Option<tc::Targets>,
}

/// Explain with a draft: what `screen` would play at `at` if the draft were live.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExplainDraftRequest {
    /// The change.
    pub draft: Draft,
    /// Screen id.
    pub screen: String,
    /// RFC 3339 instant (default: now).
    #[serde(default)]
    pub at: Option<String>,
}

/// A checked draft: the campaign id it replaces or removes, and the campaign it adds.
struct Resolved {
    replaces: Option<String>,
    adds: Option<CampaignRecord>,
}

impl Resolved {
    /// `main` (the campaigns of the engine, as seen on `o` screens) with the draft applied.
    fn apply(&self, main: &[tc::Campaign], o: tc::Orientation) -> Vec<tc::Campaign> {
        let mut out: Vec<tc::Campaign> = main
            .iter()
            .filter(|c| self.replaces.as_deref() != Some(c.id.as_str()))
            .cloned()
            .collect();
        if let Some(r) = self.adds.as_ref().filter(|r| r.zone == "main") {
            out.extend(to_core_campaign(r, o));
        }
        out
    }

    /// `free` (the campaigns of free layout zones, as seen on `o` screens) with the draft applied.
    fn apply_free(
        &self,
        free: &[(String, tc::Campaign)],
        o: tc::Orientation,
    ) -> Vec<(String, tc::Campaign)> {
        let mut out: Vec<(String, tc::Campaign)> = free
            .iter()
            .filter(|(_, c)| self.replaces.as_deref() != Some(c.id.as_str()))
            .cloned()
            .collect();
        if let Some(r) = self
            .adds
            .as_ref()
            .filter(|r| tc::campaign_rules::is_free_zone(&r.zone))
        {
            out.extend(to_core_campaign(r, o).map(|c| (r.zone.clone(), c)));
        }
        out
    }
}

fn record(id: &str, c: CampaignInput, current: Option<&CampaignRecord>) -> CampaignRecord {
    CampaignRecord {
        id: id.to_string(),
        name: c.name,
        partner: c.partner,
        zone: c.zone,
        priority: c.priority,
        weight: c.weight,
        targets: c.targets,
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        recurrence: c.recurrence,
        items: c.items,
        created_by: current.and_then(|r| r.created_by.clone()),
        created_at: current.map_or(0, |r| r.created_at),
        updated_at: current.map_or(0, |r| r.updated_at),
        version: current.map_or(0, |r| r.version),
        // The draft as it would play once published (approved).
        moderation: Default::default(),
        approved_version: None,
    }
}

/// Runs the jobs on every available core (the answer does not depend on how they are spread).
pub(crate) fn run_parallel(jobs: &[tc::whatif::Job<'_>]) -> Vec<tc::SimReport> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len().max(1));
    if threads <= 1 {
        return jobs.iter().map(tc::whatif::Job::run).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, tc::SimReport)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        mine.push((i, job.run()));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

impl App {
    /// The airtime effect of `req.draft` before it is published: for every screen it would affect (its inputs
    /// differ before and after), each partner's share of campaign airtime over `days` local days before and after,
    /// by class of screens with identical inputs, and summaries per location kind and for all affected screens.
    /// Checked like the operation it stands for (roles, rules, codes); nothing is written.
    pub async fn simulate_draft(&self, actor: &Actor, req: WhatIfRequest) -> AppResult<tc::WhatIf> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let from = self.instant("from", req.from.as_deref())?;
        let days = req.days.unwrap_or(7);
        if !(1..=MAX_SIM_DAYS).contains(&days) {
            return Err(AppError::invalid(
                "invalid-days",
                format!("days must be a whole number from 1 to {MAX_SIM_DAYS}, got {days}"),
            ));
        }
        if let Some(g) = req.screens.as_ref().and_then(|t| t.geofence.as_ref()) {
            g.validate().map_err(|e| {
                AppError::invalid("invalid-geofence", format!("screens.geofence: {e}"))
            })?;
        }
        let draft = self.resolve_draft(actor, &req.draft).await?;
        let catalog = self.store.schedule_catalog().await?;
        let screens: Vec<tc::Screen> = self
            .store
            .all_core_screens()
            .await?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let filter = req.screens;
        // Whole-network planning is CPU work: keep it off the async workers.
        tokio::task::spawn_blocking(move || {
            let after = [tc::Orientation::Landscape, tc::Orientation::Portrait].map(|o| {
                draft.apply(
                    &catalog.main[usize::from(o == tc::Orientation::Portrait)],
                    o,
                )
            });
            let input = tc::WhatIfInput {
                screens: &screens,
                before: [&catalog.main[0], &catalog.main[1]],
                after: [&after[0], &after[1]],
                alerts: &catalog.alerts,
                filter: filter.as_ref().filter(|t| !t.is_everywhere()),
                from,
                days,
            };
            tc::whatif_with(&input, run_parallel)
        })
        .await
        .map_err(AppError::internal)
    }

    /// What screen `req.screen` would play at `req.at` (default now), and why every other campaign would not, if
    /// `req.draft` were live. Checked like [`App::simulate_draft`]; nothing is written.
    pub async fn explain_draft(
        &self,
        actor: &Actor,
        req: ExplainDraftRequest,
    ) -> AppResult<tc::Explanation> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let at = self.instant("at", req.at.as_deref())?;
        let draft = self.resolve_draft(actor, &req.draft).await?;
        let (screen, campaigns, alerts) = self.inputs(&req.screen).await?;
        let campaigns = draft.apply(&campaigns, screen.orientation);
        let mut e = tc::explain(&screen, &campaigns, &alerts, at);
        let free = draft.apply_free(
            &self.free_zone_campaigns(&screen).await?,
            screen.orientation,
        );
        e.zones = self.explain_zones(&screen, &free, at).await?;
        Ok(e)
    }

    /// Checks a draft as the operation it stands for would, without writing.
    async fn resolve_draft(&self, actor: &Actor, draft: &Draft) -> AppResult<Resolved> {
        match draft {
            Draft::Create(input) => {
                may_write_campaign(actor, input.partner.as_deref())?;
                let input = self.checked_campaign((**input).clone()).await?;
                self.check_partner_limits(actor, &input).await?;
                Ok(Resolved {
                    replaces: None,
                    adds: Some(record(DRAFT_ID, input, None)),
                })
            }
            Draft::Update { id, changes } => {
                actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
                let current = self.store.campaign(id).await?;
                may_write_campaign(actor, current.partner.as_deref())?;
                let input = merge_patch(&CampaignInput::from(&current), changes)?;
                may_write_campaign(actor, input.partner.as_deref())?;
                let input = self.checked_campaign(input).await?;
                self.check_partner_limits(actor, &input).await?;
                Ok(Resolved {
                    replaces: Some(current.id.clone()),
                    adds: Some(record(&current.id, input, Some(&current))),
                })
            }
            Draft::Delete { id } => {
                actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
                let current = self.store.campaign(id).await?;
                may_write_campaign(actor, current.partner.as_deref())?;
                Ok(Resolved {
                    replaces: Some(current.id),
                    adds: None,
                })
            }
        }
    }
}
