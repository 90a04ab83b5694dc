//! Campaigns: list, get, create, update, delete, with the rules checked once before anything is written.

use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::moderation::{publish_mode, PendingItem};
use crate::{revision, validate, Actor, App, ServerEvent};
use serde::Serialize;
use twincast_core::campaign_rules::{self as rules, CampaignDraft, ItemDraft, RuleError};
use twincast_store::{CampaignInput, CampaignRecord, ItemKind, Role, StoreError};

/// Campaigns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignList {
    /// Campaigns ordered by id.
    pub items: Vec<CampaignRecord>,
}

/// Longest campaign name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Fails unless `actor` may write a campaign of `partner` (`None`: network content, operators only).
pub(super) fn may_write_campaign(actor: &Actor, partner: Option<&str>) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    match partner.filter(|p| !p.is_empty()) {
        Some(slug) => actor.require_partner(slug),
        None => actor.require(&[Role::Admin, Role::Operator]).map_err(|_| {
            AppError::forbidden("only operators may manage network campaigns without a partner")
        }),
    }
}

/// The pending item a partner-editor's campaign write leaves (for its `moderation.pending` notification).
fn pending<'a>(id: &'a str, input: &'a CampaignInput, change: &'static str) -> PendingItem<'a> {
    PendingItem {
        kind: "campaign",
        id,
        title: &input.name,
        partner: input.partner.as_deref(),
        change,
    }
}

/// Maps a store "not found" to the rule error `unknown`; other store errors pass.
fn lookup<T>(r: Result<T, StoreError>, unknown: impl FnOnce() -> RuleError) -> AppResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(StoreError::NotFound) => Err(unknown().into()),
        Err(e) => Err(e.into()),
    }
}

impl App {
    /// Campaigns ordered by id, optionally of one partner (slug) and/or zone. Everyone logged in reads.
    pub async fn list_campaigns(
        &self,
        _actor: &Actor,
        partner: Option<&str>,
        zone: Option<&str>,
    ) -> AppResult<CampaignList> {
        Ok(CampaignList {
            items: self.store.list_campaigns(partner, zone).await?,
        })
    }

    /// One campaign.
    pub async fn campaign(&self, _actor: &Actor, id: &str) -> AppResult<CampaignRecord> {
        Ok(self.store.campaign(id).await?)
    }

    /// Adds a campaign (admin, operator; partner-editor for its own partners, within the partner's limits). An
    /// editor's campaign is pending until an operator approves it; an operator's or admin's plays at once.
    pub async fn create_campaign(
        &self,
        actor: &Actor,
        input: CampaignInput,
    ) -> AppResult<CampaignRecord> {
        may_write_campaign(actor, input.partner.as_deref())?;
        let input = self.checked_campaign(input).await?;
        self.check_partner_limits(actor, &input).await?;
        let by = Some(actor.user.id.as_str()).filter(|id| !id.is_empty());
        let id = twincast_store::new_id();
        let entry = self
            .audit(actor, "campaign.create", &id)
            .partner(input.partner.as_deref())
            .created(&input);
        let notify = self
            .pending_outbox(actor, pending(&id, &input, "create"))
            .await?;
        let c = self
            .store
            .insert_campaign(&input, by, publish_mode(actor, &notify), &entry)
            .await?;
        self.outbox_queued(&notify);
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(c)
    }

    /// Replaces a campaign's fields (the writer must own both the old and the new partner), if it is still at
    /// version `if_match` (when given). An editor's change is pending; screens keep the approved version meanwhile.
    pub async fn update_campaign(
        &self,
        actor: &Actor,
        id: &str,
        input: CampaignInput,
        if_match: Option<i64>,
    ) -> AppResult<CampaignRecord> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let current = self.store.campaign(id).await?;
        may_write_campaign(actor, current.partner.as_deref())?;
        may_write_campaign(actor, input.partner.as_deref())?;
        let input = self.checked_campaign(input).await?;
        self.check_partner_limits(actor, &input).await?;
        let entry = self
            .audit(actor, "campaign.update", id)
            .partner(input.partner.as_deref().or(current.partner.as_deref()))
            .diff(&CampaignInput::from(&current), &input);
        let notify = self
            .pending_outbox(actor, pending(id, &input, "update"))
            .await?;
        let c = self
            .store
            .replace_campaign(
                id,
                &input,
                publish_mode(actor, &notify),
                revision::expected(if_match),
                &entry,
            )
            .await?;
        self.outbox_queued(&notify);
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(c)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_campaign`]).
    pub async fn patch_campaign(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<CampaignRecord> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let current = self.store.campaign(id).await?;
        may_write_campaign(actor, current.partner.as_deref())?;
        let input = revision::merge_patch(&CampaignInput::from(&current), patch)?;
        self.update_campaign(actor, id, input, if_match).await
    }

    /// Deletes a campaign, if it is still at version `if_match` (when given).
    pub async fn delete_campaign(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let current = self.store.campaign(id).await?;
        may_write_campaign(actor, current.partner.as_deref())?;
        let entry = self
            .audit(actor, "campaign.delete", id)
            .partner(current.partner.as_deref())
            .deleted(&CampaignInput::from(&current));
        self.store
            .remove_campaign(id, revision::expected(if_match), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(())
    }

    /// Checks a campaign against every rule (field rules, [`twincast_core::campaign_rules`], references) and fills
    /// defaults: blank partner → none, item ids from positions, a video's duration from its media, else 10 s.
    pub(super) async fn checked_campaign(&self, mut c: CampaignInput) -> AppResult<CampaignInput> {
        validate::text("name", &c.name, MAX_NAME_CHARS)?;
        if c.partner.as_deref() == Some("") {
            c.partner = None;
        }
        let draft = CampaignDraft {
            name: &c.name,
            partner: c.partner.as_deref(),
            zone: &c.zone,
            priority: c.priority,
            weight: c.weight,
            targets: &c.targets,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            recurrence: c.recurrence.as_ref(),
            items: c
                .items
                .iter()
                .map(|it| ItemDraft {
                    id: &it.id,
                    kind: it.kind.into(),
                    duration_ms: it.duration_ms,
                    media_id: it.media_id.as_deref(),
                    template: it.template.as_deref(),
                    data_is_object: it.data.as_ref().map(|d| d.is_object()),
                    url: it.url.as_deref(),
                })
                .collect(),
        };
        rules::check(&draft)?;
        if let Some(slug) = c.partner.as_deref() {
            lookup(self.store.partner_by_slug(slug).await, || {
                RuleError::unknown("partner", "partner", slug)
            })?;
        }
        for g in &c.targets.groups {
            lookup(self.store.group(g).await, || {
                RuleError::unknown("group", "targets.groups", g)
            })?;
        }
        for (i, it) in c.items.iter_mut().enumerate() {
            it.id = rules::item_id(i, &it.id);
            if !matches!(it.kind, ItemKind::Video | ItemKind::Image) {
                it.duration_ms.get_or_insert(rules::DEFAULT_ITEM_MS);
                continue;
            }
            let mut main_duration = None;
            for (field, id) in [
                ("media_id", it.media_id.as_deref()),
                ("portrait_media_id", it.portrait_media_id.as_deref()),
            ] {
                let Some(id) = id else { continue };
                let at = format!("items[{i}].{field}");
                let m = lookup(self.store.media(id).await, || {
                    RuleError::unknown("media", &at, id)
                })?;
                rules::media_fits(
                    i,
                    field,
                    id,
                    it.kind.into(),
                    &m.kind,
                    &m.partner,
                    c.partner.as_deref(),
                )?;
                if field == "media_id" {
                    main_duration = m.duration_ms;
                }
            }
            let d = *it.duration_ms.get_or_insert(
                main_duration
                    .filter(|_| it.kind == ItemKind::Video)
                    .unwrap_or(rules::DEFAULT_ITEM_MS),
            );
            rules::check_duration(i, d)?;
        }
        Ok(c)
    }
}
