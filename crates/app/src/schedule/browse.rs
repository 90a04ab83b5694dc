//! Reading campaigns the way the console shows them: a filtered list in keyset pages (partner-editors see only
//! their partners' campaigns), one campaign as a partner-editor may open it, when a campaign is on air in a time
//! zone (validity ∩ recurrence, evaluated by core), and the next occurrences of a draft in each time zone its
//! targets reach.

use crate::error::{AppError, AppResult};
use crate::{Actor, App};
use std::collections::BTreeSet;
use twincast_core as tc;
use twincast_store::{
    to_core_campaign, CampaignInput, CampaignRecord, ModerationState, Page, PageRequest, Role,
};

/// Longest look-ahead of [`App::next_occurrences`], in days.
const LOOK_AHEAD_DAYS: i64 = 400;

/// Where a campaign stands in time at an instant: `upcoming`, `on_air` (within its validity) or `ended`.
pub fn time_state(c: &CampaignRecord, now: i64) -> &'static str {
    if c.valid_until.is_some_and(|u| u <= now) {
        "ended"
    } else if c.valid_from.is_some_and(|f| f > now) {
        "upcoming"
    } else {
        "on_air"
    }
}

/// The console's campaign filters (all optional; blank = any).
#[derive(Debug, Clone, Default)]
pub struct CampaignQuery {
    /// Partner slug.
    pub partner: Option<String>,
    /// Time state ([`time_state`]): `upcoming`, `on_air`, `ended`.
    pub state: Option<String>,
    /// Review state: `approved`, `pending`, `rejected`.
    pub moderation: Option<String>,
    /// Text found in the name or the partner slug (case-insensitive).
    pub q: Option<String>,
}

/// The next occurrences of a campaign in one time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneOccurrences {
    /// IANA zone name.
    pub tz: String,
    /// Screens of the zone the campaign targets.
    pub screens: usize,
    /// Occurrences (start, end), epoch ms.
    pub next: Vec<(i64, i64)>,
}

/// Whether `actor` may see campaign `c` in the console (partner-editors: only their partners').
fn visible(actor: &Actor, c: &CampaignRecord) -> bool {
    actor.user.role != Role::PartnerEditor
        || c.partner
            .as_deref()
            .is_some_and(|p| actor.can_manage_partner(p))
}

/// Intervals within `[from, to)` in which `c` is scheduled on a screen of zone `tz` (validity ∩ recurrence).
pub fn on_air(c: &CampaignRecord, tz: &tc::Zone, from: i64, to: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let Some(core) = to_core_campaign(c, tc::Orientation::Landscape) else {
        return out;
    };
    let Some((s, e)) = core.validity_within(from, to) else {
        return out;
    };
    match &core.recurrence {
        None => out.push((s, e)),
        Some(r) => r.occurrences(tz.tz(), s, e, &mut out),
    }
    out
}

impl App {
    /// Campaigns matching `q`, ordered by id, a page at a time (the cursor is the last id of the previous page).
    /// Partner-editors see only their partners' campaigns.
    pub async fn campaign_page(
        &self,
        actor: &Actor,
        q: &CampaignQuery,
        page: &PageRequest,
    ) -> AppResult<Page<CampaignRecord>> {
        if let Some(m) = q.moderation.as_deref() {
            if !is_moderation_state(m) {
                return Err(AppError::invalid(
                    "invalid-moderation",
                    "moderation must be approved, pending or rejected",
                ));
            }
        }
        if let Some(s) = q.state.as_deref() {
            if !["upcoming", "on_air", "ended"].contains(&s) {
                return Err(AppError::invalid(
                    "invalid-state",
                    "state must be upcoming, on_air or ended",
                ));
            }
        }
        let now = self.now_ms();
        let text = q.q.as_deref().map(str::to_lowercase);
        let limit = page.limit.clamp(1, PageRequest::MAX_LIMIT) as usize;
        let after = page.cursor.as_deref().unwrap_or("");
        let keep = |c: &CampaignRecord| {
            visible(actor, c)
                && q.moderation
                    .as_deref()
                    .is_none_or(|m| c.moderation.state.as_str() == m)
                && q.state.as_deref().is_none_or(|s| time_state(c, now) == s)
                && text.as_deref().is_none_or(|t| {
                    c.name.to_lowercase().contains(t)
                        || c.partner.as_deref().is_some_and(|p| p.contains(t))
                })
        };
        // Walk the campaigns by id in batches until a page (and one more, to know there is a next) is found:
        // the first pages cost one short query however many campaigns there are.
        const BATCH: usize = 256;
        let mut items: Vec<CampaignRecord> = Vec::new();
        let mut cursor = after.to_string();
        loop {
            let batch = self
                .store
                .campaigns_after(q.partner.as_deref(), &cursor, BATCH as i64)
                .await?;
            let full = batch.len() == BATCH;
            if let Some(last) = batch.last() {
                cursor = last.id.clone();
            }
            items.extend(batch.into_iter().filter(|c| keep(c)));
            if items.len() > limit || !full {
                break;
            }
        }
        items.truncate(limit + 1);
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|c| c.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    /// Campaign `id` as `actor` may open it: a partner-editor gets `not-found` for another partner's campaign.
    pub async fn visible_campaign(&self, actor: &Actor, id: &str) -> AppResult<CampaignRecord> {
        let c = self.store.campaign(id).await?;
        if !visible(actor, &c) {
            return Err(AppError::not_found("no such campaign"));
        }
        Ok(c)
    }

    /// The next `count` occurrences of a draft campaign (validity ∩ recurrence, from now) in each time zone of the
    /// screens its targets reach, sorted by zone. Checked only as far as the recurrence must parse.
    pub async fn next_occurrences(
        &self,
        _actor: &Actor,
        input: &CampaignInput,
        count: usize,
    ) -> AppResult<Vec<ZoneOccurrences>> {
        let record = CampaignRecord {
            id: "draft".into(),
            name: input.name.clone(),
            partner: input.partner.clone(),
            zone: input.zone.clone(),
            priority: input.priority,
            weight: input.weight,
            targets: input.targets.clone(),
            valid_from: input.valid_from,
            valid_until: input.valid_until,
            recurrence: input.recurrence.clone(),
            items: input.items.clone(),
            created_by: None,
            created_at: 0,
            updated_at: 0,
            version: 0,
            moderation: Default::default(),
            approved_version: None,
        };
        let mut zones: std::collections::BTreeMap<String, usize> = Default::default();
        for (_, s) in self.store.all_core_screens().await? {
            if input.targets.matches(&s) {
                *zones.entry(s.tz.name().to_string()).or_default() += 1;
            }
        }
        let now = self.now_ms();
        let mut out = Vec::new();
        for (tz, screens) in zones {
            let Ok(zone) = tc::Zone::new(&tz) else {
                continue;
            };
            let mut next = Vec::new();
            // Widen the window a month at a time until enough occurrences are found.
            let mut from = now;
            while next.len() < count && from < now + LOOK_AHEAD_DAYS * 86_400_000 {
                let to = from + 31 * 86_400_000;
                for (s, e) in on_air(&record, &zone, from, to) {
                    match next.last_mut() {
                        // An occurrence cut by the window's edge continues in the next window.
                        Some((_, last_end)) if *last_end == s => *last_end = e,
                        _ => next.push((s, e)),
                    }
                }
                from = to;
            }
            next.truncate(count);
            out.push(ZoneOccurrences { tz, screens, next });
        }
        Ok(out)
    }

    /// The time zones of the network's screens, sorted (for the week calendar's zone choice).
    pub async fn screen_zones(&self) -> AppResult<Vec<String>> {
        let zones: BTreeSet<String> = self
            .store
            .all_core_screens()
            .await?
            .into_iter()
            .map(|(_, s)| s.tz.name().to_string())
            .collect();
        Ok(zones.into_iter().collect())
    }
}

/// Whether `s` names a review state (`approved`, `pending`, `rejected`).
pub fn is_moderation_state(s: &str) -> bool {
    [
        ModerationState::Approved,
        ModerationState::Pending,
        ModerationState::Rejected,
    ]
    .iter()
    .any(|m| m.as_str() == s)
}
