//! Moderation records: the review state of campaigns and media, reviews (approve, reject), the queue of items
//! awaiting review, and the per-partner limits operators set for partner-editors.
//!
//! A campaign or media row carries `moderation` (`approved`, `pending`, `rejected`) for its current version. A
//! campaign whose approved version was changed keeps that version in `approved_version` (JSON of its
//! [`CampaignInput`]) until the change is approved; [`Store::schedule_catalog`] plays only approved versions.

use crate::schedule::bump;
use crate::{audit, version, AuditEntry, CampaignInput, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

/// Review state of a campaign's or media item's current version.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ModerationState {
    /// Reviewed and accepted (or written by an operator or admin): it plays.
    #[default]
    Approved,
    /// Written by a partner-editor; awaits an operator's review and does not play.
    Pending,
    /// Refused by a reviewer, with a reason; does not play.
    Rejected,
}

impl ModerationState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ModerationState::Approved => "approved",
            ModerationState::Pending => "pending",
            ModerationState::Rejected => "rejected",
        }
    }

    /// From the stored name (unknown names read as pending: they never play).
    pub fn parse(s: &str) -> ModerationState {
        match s {
            "approved" => ModerationState::Approved,
            "rejected" => ModerationState::Rejected,
            _ => ModerationState::Pending,
        }
    }
}

/// The review record of a campaign's or media item's current version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema, Default)]
pub struct Moderation {
    /// Review state.
    pub state: ModerationState,
    /// The reviewer's reason (rejections).
    pub reason: Option<String>,
    /// Who submitted the version for review (user id; editors' writes only).
    pub submitted_by: Option<String>,
    /// When it was submitted, epoch ms.
    pub submitted_at: Option<i64>,
    /// Who reviewed it (user id; for direct publishing, the operator or admin who wrote it).
    pub reviewed_by: Option<String>,
    /// When it was reviewed or published, epoch ms.
    pub reviewed_at: Option<i64>,
}

/// Moderation columns of a table aliased `t` (prefix for a `SELECT` list).
pub(crate) fn moderation_cols(t: &str) -> String {
    format!(
        "{t}.moderation AS moderation, {t}.moderation_reason AS moderation_reason, {t}.submitted_by AS submitted_by, \
         {t}.submitted_at AS submitted_at, {t}.reviewed_by AS reviewed_by, {t}.reviewed_at AS reviewed_at"
    )
}

/// Reads the columns of [`moderation_cols`].
pub(crate) fn moderation_row(row: &AnyRow) -> Result<Moderation> {
    Ok(Moderation {
        state: ModerationState::parse(&row.try_get::<String, _>("moderation")?),
        reason: row.try_get("moderation_reason")?,
        submitted_by: row.try_get("submitted_by")?,
        submitted_at: row.try_get("submitted_at")?,
        reviewed_by: row.try_get("reviewed_by")?,
        reviewed_at: row.try_get("reviewed_at")?,
    })
}

/// How a write of a campaign or media item leaves its review state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish<'a> {
    /// Approved at once (operators, admins, the system), recorded as reviewed by `by`.
    Now {
        /// The writer's user id, if any.
        by: Option<&'a str>,
    },
    /// Pending until reviewed (partner-editors), submitted by the user `by`; `notify` (the `moderation.pending`
    /// event's deliveries) is queued in the transaction of the write.
    ForReview {
        /// The submitter's user id.
        by: &'a str,
        /// The deliveries announcing the pending item to reviewers.
        notify: &'a crate::Outbox,
    },
}

impl Publish<'_> {
    /// The deliveries to queue with the write (none when publishing at once).
    pub fn outbox(&self) -> Option<&crate::Outbox> {
        match *self {
            Publish::Now { .. } => None,
            Publish::ForReview { notify, .. } => Some(notify),
        }
    }

    /// The moderation record a write with this mode leaves at time `at`.
    pub fn record(&self, at: i64) -> Moderation {
        match *self {
            Publish::Now { by } => Moderation {
                state: ModerationState::Approved,
                reviewed_by: by.map(str::to_string),
                reviewed_at: Some(at),
                ..Moderation::default()
            },
            Publish::ForReview { by, .. } => Moderation {
                state: ModerationState::Pending,
                submitted_by: Some(by.to_string()),
                submitted_at: Some(at),
                ..Moderation::default()
            },
        }
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Approve the current version: it plays.
    Approve,
    /// Reject the current version, with a reason: it does not play (a campaign's approved version still does).
    Reject(String),
}

/// The places a partner's editors may target (locations by id, location kinds, screen groups by slug).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowedTargets {
    /// Location ids.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Location kinds (`airport`, `street`, …); every location of such a kind is allowed.
    #[serde(default)]
    pub location_kinds: Vec<String>,
    /// Screen group slugs.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Limits operators set on a partner's editors.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerLimits {
    /// Highest campaign priority an editor may set (`null`: no ceiling).
    #[serde(default)]
    pub priority_ceiling: Option<i32>,
    /// Places an editor's campaigns may target (`null`: anywhere).
    #[serde(default)]
    pub allowed_targets: Option<AllowedTargets>,
}

/// An item in the review queue.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct QueueItem {
    /// `campaign` or `media`.
    pub kind: String,
    /// The campaign's or media item's id.
    pub id: String,
    /// Campaign name, or the media item's file name.
    pub name: String,
    /// Partner slug (`None`: network content).
    pub partner: Option<String>,
    /// Review record of the current version.
    pub moderation: Moderation,
    /// User name of the submitter.
    pub submitted_by_name: Option<String>,
    /// Row version (send as `If-Match` when reviewing).
    pub version: i64,
}

/// A campaign using a media item.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct CampaignRef {
    /// Campaign id.
    pub id: String,
    /// Campaign name.
    pub name: String,
}

/// Campaigns whose current or approved version uses media `id` (items are JSON text; ids are UUIDs, so a quoted
/// id matches only itself).
pub(crate) async fn campaigns_using(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    media_id: &str,
) -> Result<Vec<CampaignRef>> {
    let pattern = format!("%\"{media_id}\"%");
    let rows = sqlx::query(
        "SELECT id, name FROM campaigns WHERE items LIKE $1 OR approved_version LIKE $1 ORDER BY id",
    )
    .bind(pattern)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CampaignRef {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

fn queue_item(kind: &str, row: &AnyRow) -> Result<QueueItem> {
    Ok(QueueItem {
        kind: kind.to_string(),
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        partner: row.try_get("partner")?,
        moderation: moderation_row(row)?,
        submitted_by_name: row.try_get("submitter")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Campaigns whose current or approved version uses media `id`.
    pub async fn campaigns_using_media(&self, id: &str) -> Result<Vec<CampaignRef>> {
        let mut tx = self.pool.begin().await?;
        let out = campaigns_using(&mut tx, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records a review of campaign `id` if still at version `expected` (0: any), with `audit`, in one transaction.
    /// Approving drops the kept approved version (the current one replaces it); rejecting keeps it.
    pub async fn review_campaign(
        &self,
        id: &str,
        review: &Review,
        reviewer: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let (state, reason) = match review {
            Review::Approve => (ModerationState::Approved, None),
            Review::Reject(r) => (ModerationState::Rejected, Some(r.as_str())),
        };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE campaigns SET moderation = $1, moderation_reason = $2, reviewed_by = $3, reviewed_at = $4, \
             approved_version = CASE WHEN $1 = 'approved' THEN NULL ELSE approved_version END, \
             updated_at = $4, version = version + 1 WHERE id = $5 AND ($6 = 0 OR version = $6)",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(reviewer)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "campaigns", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a review of media `id` if still at version `expected` (0: any), with `audit`, in one transaction.
    pub async fn review_media(
        &self,
        id: &str,
        review: &Review,
        reviewer: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let (state, reason) = match review {
            Review::Approve => (ModerationState::Approved, None),
            Review::Reject(r) => (ModerationState::Rejected, Some(r.as_str())),
        };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE media SET moderation = $1, moderation_reason = $2, reviewed_by = $3, reviewed_at = $4, \
             updated_at = $4, version = version + 1 WHERE id = $5 AND ($6 = 0 OR version = $6)",
        )
        .bind(state.as_str())
        .bind(reason)
        .bind(reviewer)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "media", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Campaigns and media whose current version is not approved (pending or rejected), oldest submission first.
    pub async fn moderation_queue(&self) -> Result<Vec<QueueItem>> {
        let c = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT c.id AS id, c.name AS name, p.slug AS partner, c.version AS version, u.username AS submitter, {} \
             FROM campaigns c LEFT JOIN partners p ON p.id = c.partner_id LEFT JOIN users u ON u.id = c.submitted_by \
             WHERE c.moderation IN ('pending', 'rejected') ORDER BY c.submitted_at, c.id",
            moderation_cols("c")
        )))
        .fetch_all(&self.pool)
        .await?;
        let m = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT m.id AS id, m.original_name AS name, p.slug AS partner, m.version AS version, u.username AS submitter, {} \
             FROM media m JOIN partners p ON p.id = m.partner_id LEFT JOIN users u ON u.id = m.submitted_by \
             WHERE m.moderation IN ('pending', 'rejected') ORDER BY m.submitted_at, m.id",
            moderation_cols("m")
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = c
            .iter()
            .map(|r| queue_item("campaign", r))
            .chain(m.iter().map(|r| queue_item("media", r)))
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| {
            (a.moderation.submitted_at, &a.id).cmp(&(b.moderation.submitted_at, &b.id))
        });
        Ok(out)
    }

    /// Ids of media whose current version is not approved (campaign items using them do not play).
    pub async fn unapproved_media(&self) -> Result<std::collections::HashSet<String>> {
        let rows = sqlx::query("SELECT id FROM media WHERE moderation IN ('pending', 'rejected')")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("id")?))
            .collect()
    }

    /// The limits of partner `slug` and the partner's version.
    pub async fn partner_limits(&self, slug: &str) -> Result<(PartnerLimits, i64)> {
        let row = self
            .one_row(
                "SELECT priority_ceiling, allowed_targets, version FROM partners WHERE slug = $1",
                slug,
            )
            .await?;
        let ceiling: Option<i64> = row.try_get("priority_ceiling")?;
        let allowed: Option<String> = row.try_get("allowed_targets")?;
        Ok((
            PartnerLimits {
                priority_ceiling: ceiling.map(|c| c.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
                allowed_targets: allowed.map(|a| serde_json::from_str(&a)).transpose()?,
            },
            row.try_get("version")?,
        ))
    }

    /// Sets the limits of partner `id` if still at version `expected` (0: any), bumping its version, with `audit`.
    pub async fn set_partner_limits(
        &self,
        id: &str,
        limits: &PartnerLimits,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE partners SET priority_ceiling = $1, allowed_targets = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 = 0 OR version = $5)",
        )
        .bind(limits.priority_ceiling.map(i64::from))
        .bind(
            limits
                .allowed_targets
                .as_ref()
                .map(serde_json::to_string)
                .transpose()?,
        )
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "partners", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        let v = version::current(&mut tx, "partners", id).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// The kind of location `id`, if it exists.
    pub async fn location_kind(&self, id: &str) -> Result<Option<String>> {
        match self
            .one_row("SELECT kind FROM locations WHERE id = $1", id)
            .await
        {
            Ok(r) => Ok(Some(r.try_get("kind")?)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The approved version kept for a campaign, parsed.
pub(crate) fn approved_version(row: &AnyRow) -> Result<Option<CampaignInput>> {
    let v: Option<String> = row.try_get("approved_version")?;
    Ok(v.map(|s| serde_json::from_str(&s)).transpose()?)
}
