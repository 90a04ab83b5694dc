//! Moderation: campaigns and media written by partner-editors are `pending` until an operator or admin approves
//! them or rejects them with a reason; only approved versions reach screens (the store's schedule catalog reads
//! approved versions only). Operators and admins publish directly. Per-partner limits bound what editors may
//! write: a priority ceiling and the set of places they may target.
//!
//! Who may do what:
//! - approve / reject: admins and operators, never the user who submitted the version (`own-item`, 403);
//!   only a `pending` version can be reviewed (`not-pending`, 409);
//! - the review queue: admins and operators see every pending item; a partner-editor sees its own partners'
//!   pending and rejected items (with the reason); viewers may not;
//! - limits: everyone logged in reads them; admins and operators set them.

mod limits;
mod notify;

pub(crate) use notify::email_text as pending_email_text;
pub(crate) use notify::PendingItem;
pub use notify::PENDING_EVENT;

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App, ServerEvent};
use serde::Serialize;
use twincast_store::{
    CampaignRecord, Media, ModerationState, Publish, QueueItem, Review, Role, StoreError,
};

/// Longest rejection reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// Items awaiting review (or, for editors, their partners' pending and rejected items).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewQueue {
    /// Campaigns and media, oldest submission first.
    pub items: Vec<QueueItem>,
}

/// How a write by `actor` leaves the review state: editors submit for review (queueing `notify`, the
/// `moderation.pending` deliveries), everyone else publishes.
pub(crate) fn publish_mode<'a>(
    actor: &'a Actor,
    notify: &'a twincast_store::Outbox,
) -> Publish<'a> {
    match actor.user.role {
        Role::PartnerEditor => Publish::ForReview {
            by: &actor.user.id,
            notify,
        },
        _ => Publish::Now {
            by: Some(actor.user.id.as_str()).filter(|id| !id.is_empty()),
        },
    }
}

/// Checks that `actor` may review an item submitted by `submitted_by` in state `state`.
fn may_review(actor: &Actor, state: ModerationState, submitted_by: Option<&str>) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Operator]).map_err(|_| {
        AppError::forbidden(
            "only operators and admins review content; an editor cannot approve its own items",
        )
    })?;
    if submitted_by.is_some_and(|s| !s.is_empty() && s == actor.user.id) {
        return Err(AppError::Forbidden {
            code: "own-item",
            message: "you submitted this version; another operator must review it".into(),
        });
    }
    if state != ModerationState::Pending {
        return Err(AppError::conflict(
            "not-pending",
            format!(
                "only a pending version can be reviewed; this one is {}",
                state.as_str()
            ),
        ));
    }
    Ok(())
}

/// The review a request asks for: `reject` needs a non-blank reason.
fn review_of(approve: bool, reason: Option<&str>) -> AppResult<Review> {
    if approve {
        return Ok(Review::Approve);
    }
    let reason = reason.map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err(AppError::invalid(
            "missing-reason",
            "a rejection needs a reason for the editor",
        ));
    }
    crate::validate::text("reason", reason, MAX_REASON_CHARS)?;
    Ok(Review::Reject(reason.to_string()))
}

impl App {
    /// Approves (`reason: None`, `approve: true`) or rejects (with a reason) the pending version of campaign `id`,
    /// if it is still at version `if_match` (when given). Approving makes it play; rejecting keeps the previous
    /// approved version (if any) playing.
    pub async fn review_campaign(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: Option<&str>,
        if_match: Option<i64>,
    ) -> AppResult<CampaignRecord> {
        let current = self.store.campaign(id).await?;
        may_review(
            actor,
            current.moderation.state,
            current.moderation.submitted_by.as_deref(),
        )?;
        let review = review_of(approve, reason)?;
        let entry = self
            .audit(actor, review_action("campaign", &review), id)
            .partner(current.partner.as_deref())
            .field(
                "moderation",
                current.moderation.state.as_str().into(),
                review_state(&review).into(),
            )
            .field("reason", serde_json::Value::Null, reason_json(&review));
        self.store
            .review_campaign(
                id,
                &review,
                &actor.user.id,
                revision::expected(if_match),
                &entry,
            )
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(self.store.campaign(id).await?)
    }

    /// Approves or rejects (with a reason) the pending media item `id`, if still at version `if_match`. Campaign
    /// items play a media item only while it is approved.
    pub async fn review_media(
        &self,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: Option<&str>,
        if_match: Option<i64>,
    ) -> AppResult<Media> {
        let current = self.store.media(id).await?;
        may_review(
            actor,
            current.moderation.state,
            current.moderation.submitted_by.as_deref(),
        )?;
        let review = review_of(approve, reason)?;
        let entry = self
            .audit(actor, review_action("media", &review), id)
            .partner(Some(&current.partner))
            .field(
                "moderation",
                current.moderation.state.as_str().into(),
                review_state(&review).into(),
            )
            .field("reason", serde_json::Value::Null, reason_json(&review));
        self.store
            .review_media(
                id,
                &review,
                &actor.user.id,
                revision::expected(if_match),
                &entry,
            )
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        self.portal_changed();
        Ok(self.store.media(id).await?)
    }

    /// The review queue: for admins and operators every pending campaign and media item; for a partner-editor
    /// its partners' pending and rejected items. Viewers may not.
    pub async fn review_queue(&self, actor: &Actor) -> AppResult<ReviewQueue> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let scope = actor.partner_scope();
        let items = self
            .store
            .moderation_queue()
            .await?
            .into_iter()
            .filter(|it| match &scope {
                None => it.moderation.state == ModerationState::Pending,
                Some(partners) => it
                    .partner
                    .as_ref()
                    .is_some_and(|p| partners.iter().any(|s| s == p)),
            })
            .collect();
        Ok(ReviewQueue { items })
    }
}

fn review_action(resource: &str, review: &Review) -> &'static str {
    match (resource, review) {
        ("campaign", Review::Approve) => "campaign.approve",
        ("campaign", Review::Reject(_)) => "campaign.reject",
        (_, Review::Approve) => "media.approve",
        (_, Review::Reject(_)) => "media.reject",
    }
}

fn review_state(review: &Review) -> &'static str {
    match review {
        Review::Approve => ModerationState::Approved.as_str(),
        Review::Reject(_) => ModerationState::Rejected.as_str(),
    }
}

fn reason_json(review: &Review) -> serde_json::Value {
    match review {
        Review::Approve => serde_json::Value::Null,
        Review::Reject(r) => r.clone().into(),
    }
}

/// Maps a store "not found" to `None`.
pub(crate) fn found<T>(r: Result<T, StoreError>) -> AppResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
