//! Campaigns: content items per zone, validated on write, and their engine view.

use super::{bump, invalid, DEFAULT_ITEM_MS, MAX_NAME_CHARS, TEMPLATES};
use crate::moderation::{approved_version, moderation_cols, moderation_row};
use crate::{
    audit, new_id, now_ms, version, AuditEntry, Moderation, ModerationState, Publish, Result,
    Store, StoreError,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use twincast_core as tc;
use utoipa::ToSchema;

/// Kind of a campaign item.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A video from the media library.
    Video,
    /// An image from the media library.
    Image,
    /// An HTML slide from a template with data.
    Html,
    /// A sandboxed web page.
    Web,
}

impl From<ItemKind> for tc::ContentKind {
    fn from(k: ItemKind) -> Self {
        match k {
            ItemKind::Video => tc::ContentKind::Video,
            ItemKind::Image => tc::ContentKind::Image,
            ItemKind::Html => tc::ContentKind::Html,
            ItemKind::Web => tc::ContentKind::Web,
        }
    }
}

/// One item of a campaign's playlist.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignItem {
    /// Item id, unique within the campaign (assigned when empty).
    #[serde(default)]
    pub id: String,
    /// Kind.
    pub kind: ItemKind,
    /// Display time in ms (>= 1000). Default: the video's duration, else 10 s.
    #[serde(default)]
    pub duration_ms: Option<i64>,
    /// Media id (`video`, `image`), owned by the campaign's partner.
    #[serde(default)]
    pub media_id: Option<String>,
    /// Media id used on portrait screens instead of `media_id` (optional).
    #[serde(default)]
    pub portrait_media_id: Option<String>,
    /// Template name (`html`): `partner_card` or `headline`.
    #[serde(default)]
    pub template: Option<String>,
    /// Template data (`html`), a JSON object.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// Page URL (`web`), `http` or `https`.
    #[serde(default)]
    pub url: Option<String>,
}

/// A campaign as stored and served.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct CampaignRecord {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Partner slug; `None` only for network content (e.g. the news ticker).
    pub partner: Option<String>,
    /// `main`, `ticker` or a free layout zone (`side`, `weather`, …).
    pub zone: String,
    /// Higher wins.
    pub priority: i32,
    /// Share-of-voice weight (> 0).
    pub weight: f64,
    /// Targets (union; empty = every screen).
    #[schema(value_type = Object)]
    pub targets: tc::Targets,
    /// Validity start, epoch ms (inclusive).
    pub valid_from: Option<i64>,
    /// Validity end, epoch ms (exclusive).
    pub valid_until: Option<i64>,
    /// Recurrence (RRULE/EXDATE/duration in the screen's wall-clock time).
    #[schema(value_type = Option<Object>)]
    pub recurrence: Option<tc::recurrence::RecurrenceSpec>,
    /// Playlist.
    pub items: Vec<CampaignItem>,
    /// Creator's user id.
    pub created_by: Option<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Row version (the `ETag`; send it as `If-Match`).
    pub version: i64,
    /// Review state of this (current) version.
    pub moderation: Moderation,
    /// The approved version screens play while this one awaits review or was rejected (`None`: this version is
    /// the approved one, or none was ever approved).
    pub approved_version: Option<CampaignInput>,
}

impl CampaignRecord {
    /// The version screens may play: this one when approved, else the kept approved version, else none.
    pub fn playable(&self) -> Option<CampaignRecord> {
        if self.moderation.state == ModerationState::Approved {
            return Some(self.clone());
        }
        let a = self.approved_version.as_ref()?;
        Some(CampaignRecord {
            name: a.name.clone(),
            partner: a.partner.clone(),
            zone: a.zone.clone(),
            priority: a.priority,
            weight: a.weight,
            targets: a.targets.clone(),
            valid_from: a.valid_from,
            valid_until: a.valid_until,
            recurrence: a.recurrence.clone(),
            items: a.items.clone(),
            ..self.clone()
        })
    }
}

fn default_zone() -> String {
    "main".into()
}

fn default_weight() -> f64 {
    1.0
}

/// The fields of a new or changed campaign.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    /// Display name.
    pub name: String,
    /// Partner slug (required in zone `main`).
    #[serde(default)]
    pub partner: Option<String>,
    /// `main` (default: the engine's rotation), `ticker` (the ticker band), or the name of a free layout zone
    /// (`side`, `weather`, …; not `clock`): its items loop in that zone on screens whose layout has it, and play
    /// nowhere else.
    #[serde(default = "default_zone")]
    pub zone: String,
    /// Priority, default 0.
    #[serde(default)]
    pub priority: i32,
    /// Weight, default 1.
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Targets.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub targets: tc::Targets,
    /// Validity start, epoch ms.
    #[serde(default)]
    pub valid_from: Option<i64>,
    /// Validity end, epoch ms.
    #[serde(default)]
    pub valid_until: Option<i64>,
    /// Recurrence.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub recurrence: Option<tc::recurrence::RecurrenceSpec>,
    /// Playlist.
    #[serde(default)]
    pub items: Vec<CampaignItem>,
}

impl From<&CampaignRecord> for CampaignInput {
    fn from(c: &CampaignRecord) -> Self {
        CampaignInput {
            name: c.name.clone(),
            partner: c.partner.clone(),
            zone: c.zone.clone(),
            priority: c.priority,
            weight: c.weight,
            targets: c.targets.clone(),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            recurrence: c.recurrence.clone(),
            items: c.items.clone(),
        }
    }
}

const CAMPAIGN_COLS: &str = "c.id AS id, c.name AS name, p.slug AS partner, c.zone AS zone, c.priority AS priority, \
    c.weight AS weight, c.targets AS targets, c.valid_from AS valid_from, c.valid_until AS valid_until, \
    c.recurrence AS recurrence, c.items AS items, c.created_by AS created_by, c.created_at AS created_at, \
    c.updated_at AS updated_at, c.version AS version, c.approved_version AS approved_version";

fn campaign_row(row: &AnyRow) -> Result<CampaignRecord> {
    let recurrence: Option<String> = row.try_get("recurrence")?;
    Ok(CampaignRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        partner: row.try_get("partner")?,
        zone: row.try_get("zone")?,
        priority: row.try_get::<i64, _>("priority")? as i32,
        weight: row.try_get("weight")?,
        targets: serde_json::from_str(&row.try_get::<String, _>("targets")?)?,
        valid_from: row.try_get("valid_from")?,
        valid_until: row.try_get("valid_until")?,
        recurrence: recurrence.map(|r| serde_json::from_str(&r)).transpose()?,
        items: serde_json::from_str(&row.try_get::<String, _>("items")?)?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        moderation: moderation_row(row)?,
        approved_version: approved_version(row)?,
    })
}

fn select_campaigns() -> String {
    format!(
        "SELECT {CAMPAIGN_COLS}, {} FROM campaigns c LEFT JOIN partners p ON p.id = c.partner_id",
        moderation_cols("c")
    )
}

impl Store {
    /// Validates a campaign and fills defaults (item ids, durations). Returns the partner id.
    async fn check_campaign(&self, c: &mut CampaignInput) -> Result<Option<String>> {
        tc::validate::required_text("name", &c.name, MAX_NAME_CHARS)?;
        if !tc::campaign_rules::is_content_zone(&c.zone) {
            return Err(invalid(format!(
                "zone must be main, ticker or a free layout zone's name, got {:?}",
                c.zone
            )));
        }
        let partner_id = match c.partner.as_deref() {
            None | Some("") => {
                if c.zone == "main" {
                    return Err(invalid("partner is required for campaigns in zone main"));
                }
                c.partner = None;
                None
            }
            Some(slug) => Some(
                self.partner_by_slug(slug)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => {
                            invalid(format!("partner: unknown partner {slug:?}"))
                        }
                        e => e,
                    })?
                    .id,
            ),
        };
        if let Some(r) = &c.recurrence {
            tc::Recurrence::try_from(r.clone()).map_err(|e| invalid(format!("recurrence: {e}")))?;
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, it) in c.items.iter_mut().enumerate() {
            if it.id.trim().is_empty() {
                it.id = format!("i{}", i + 1);
            }
            if !ids.insert(it.id.clone()) {
                return Err(invalid(format!("items[{i}].id {:?} is not unique", it.id)));
            }
            match it.kind {
                ItemKind::Video | ItemKind::Image => {
                    let Some(mid) = it.media_id.as_deref() else {
                        return Err(invalid(format!("items[{i}].media_id is required")));
                    };
                    let mut main = None;
                    for (field, id) in [
                        ("media_id", Some(mid)),
                        ("portrait_media_id", it.portrait_media_id.as_deref()),
                    ] {
                        let Some(id) = id else { continue };
                        let m = self.media(id).await.map_err(|e| match e {
                            StoreError::NotFound => {
                                invalid(format!("items[{i}].{field}: unknown media {id:?}"))
                            }
                            e => e,
                        })?;
                        if c.partner.as_deref().is_some_and(|p| p != m.partner) {
                            return Err(invalid(format!(
                                "items[{i}].{field}: media {id:?} belongs to another partner"
                            )));
                        }
                        let want = if it.kind == ItemKind::Video {
                            "video"
                        } else {
                            "image"
                        };
                        if m.kind != want {
                            return Err(invalid(format!(
                                "items[{i}].{field}: media {id:?} is {}, not {want}",
                                m.kind
                            )));
                        }
                        main.get_or_insert(m);
                    }
                    if it.duration_ms.is_none() {
                        it.duration_ms = Some(
                            main.and_then(|m| m.duration_ms)
                                .filter(|_| it.kind == ItemKind::Video)
                                .unwrap_or(DEFAULT_ITEM_MS),
                        );
                    }
                }
                ItemKind::Html => {
                    let t = it.template.as_deref().unwrap_or("");
                    if !TEMPLATES.contains(&t) {
                        return Err(invalid(format!(
                            "items[{i}].template must be one of {}, got {t:?}",
                            TEMPLATES.join(", ")
                        )));
                    }
                    if it.data.as_ref().is_some_and(|d| !d.is_object()) {
                        return Err(invalid(format!("items[{i}].data must be a JSON object")));
                    }
                }
                ItemKind::Web => {
                    let u = it.url.as_deref().unwrap_or("");
                    let ok = (u.starts_with("https://") || u.starts_with("http://"))
                        && u.len() > 8
                        && u.len() <= 2048
                        && !u.chars().any(|ch| ch.is_whitespace() || ch.is_control());
                    if !ok {
                        return Err(invalid(format!(
                            "items[{i}].url must be an http(s) URL, got {u:?}"
                        )));
                    }
                }
            }
            let d = *it.duration_ms.get_or_insert(DEFAULT_ITEM_MS);
            if d < tc::campaign::MIN_ITEM_MS {
                return Err(invalid(format!(
                    "items[{i}].duration_ms must be >= {}, got {d}",
                    tc::campaign::MIN_ITEM_MS
                )));
            }
        }
        // The engine's own checks (weight, validity window, geofence).
        let probe = tc::Campaign {
            id: "probe".into(),
            name: c.name.clone(),
            partner: c.partner.clone().unwrap_or_else(|| "_network".into()),
            priority: c.priority,
            weight: c.weight,
            targets: c.targets.clone(),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            recurrence: None,
            items: Vec::new(),
            language: None,
        };
        probe.validate().map_err(|e| invalid(e.to_string()))?;
        Ok(partner_id)
    }

    /// Adds a campaign after validating it ([`StoreError::Invalid`] names the bad field), approved at once, with a
    /// system audit entry (provisioning, tests).
    pub async fn create_campaign(
        &self,
        input: &CampaignInput,
        created_by: Option<&str>,
    ) -> Result<CampaignRecord> {
        let audit = AuditEntry::by_system("campaign.create", "", now_ms());
        self.insert_campaign(input, created_by, Publish::Now { by: created_by }, &audit)
            .await
    }

    /// Adds a campaign after validating it, in the review state `publish` leaves (with its notifications), and its
    /// audit entry, at `audit.at`, in one transaction. The campaign's id is `audit.resource_id` when set (the
    /// caller chose it), else a new one, set in the entry here.
    pub async fn insert_campaign(
        &self,
        input: &CampaignInput,
        created_by: Option<&str>,
        publish: Publish<'_>,
        audit: &AuditEntry,
    ) -> Result<CampaignRecord> {
        let mut c = input.clone();
        let partner_id = self.check_campaign(&mut c).await?;
        // The caller may choose the id (to name the campaign in notifications written with it).
        let id = if audit.resource_id.is_empty() {
            new_id()
        } else {
            audit.resource_id.clone()
        };
        let m = publish.record(audit.at);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO campaigns (id, name, partner_id, zone, priority, weight, targets, valid_from, valid_until, \
             recurrence, items, created_by, created_at, updated_at, moderation, submitted_by, submitted_at, \
             reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16, $17, $18)",
        )
        .bind(&id)
        .bind(&c.name)
        .bind(partner_id)
        .bind(&c.zone)
        .bind(c.priority as i64)
        .bind(c.weight)
        .bind(serde_json::to_string(&c.targets)?)
        .bind(c.valid_from)
        .bind(c.valid_until)
        .bind(c.recurrence.as_ref().map(serde_json::to_string).transpose()?)
        .bind(serde_json::to_string(&c.items)?)
        .bind(created_by)
        .bind(audit.at)
        .bind(m.state.as_str())
        .bind(&m.submitted_by)
        .bind(m.submitted_at)
        .bind(&m.reviewed_by)
        .bind(m.reviewed_at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        if let Some(outbox) = publish.outbox() {
            crate::health::queue(&mut tx, outbox, audit.at).await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        self.campaign(&id).await
    }

    /// Replaces a campaign's fields, approved at once, with a system audit entry (tests, tools).
    pub async fn update_campaign(&self, id: &str, input: &CampaignInput) -> Result<CampaignRecord> {
        let audit = AuditEntry::by_system("campaign.update", id, now_ms());
        self.replace_campaign(id, input, Publish::Now { by: None }, 0, &audit)
            .await
    }

    /// Replaces campaign `id`'s fields if it is still at version `expected` (0: any), in the review state
    /// `publish` leaves (with its notifications), and writes `audit`, in one transaction. Submitting a change of an approved version keeps
    /// that version (screens play it until the change is approved); publishing drops any kept version.
    pub async fn replace_campaign(
        &self,
        id: &str,
        input: &CampaignInput,
        publish: Publish<'_>,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<CampaignRecord> {
        let mut c = input.clone();
        let partner_id = self.check_campaign(&mut c).await?;
        let m = publish.record(audit.at);
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE c.id = $1",
            select_campaigns()
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let current = campaign_row(&row)?;
        let kept = match publish {
            Publish::Now { .. } => None,
            Publish::ForReview { .. } if current.moderation.state == ModerationState::Approved => {
                Some(CampaignInput::from(&current))
            }
            Publish::ForReview { .. } => current.approved_version.clone(),
        };
        let done = sqlx::query(
            "UPDATE campaigns SET name = $1, partner_id = $2, zone = $3, priority = $4, weight = $5, targets = $6, \
             valid_from = $7, valid_until = $8, recurrence = $9, items = $10, updated_at = $11, moderation = $12, \
             moderation_reason = NULL, submitted_by = $13, submitted_at = $14, reviewed_by = $15, reviewed_at = $16, \
             approved_version = $17, version = version + 1 WHERE id = $18 AND ($19 = 0 OR version = $19)",
        )
        .bind(&c.name)
        .bind(partner_id)
        .bind(&c.zone)
        .bind(c.priority as i64)
        .bind(c.weight)
        .bind(serde_json::to_string(&c.targets)?)
        .bind(c.valid_from)
        .bind(c.valid_until)
        .bind(c.recurrence.as_ref().map(serde_json::to_string).transpose()?)
        .bind(serde_json::to_string(&c.items)?)
        .bind(audit.at)
        .bind(m.state.as_str())
        .bind(&m.submitted_by)
        .bind(m.submitted_at)
        .bind(&m.reviewed_by)
        .bind(m.reviewed_at)
        .bind(kept.as_ref().map(serde_json::to_string).transpose()?)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "campaigns", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        if let Some(outbox) = publish.outbox() {
            crate::health::queue(&mut tx, outbox, audit.at).await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        self.campaign(id).await
    }

    /// Deletes a campaign, with a system audit entry (tests, tools).
    pub async fn delete_campaign(&self, id: &str) -> Result<()> {
        let audit = AuditEntry::by_system("campaign.delete", id, now_ms());
        self.remove_campaign(id, 0, &audit).await
    }

    /// Deletes campaign `id` if still at version `expected` (0: any) and writes `audit`, in one transaction.
    pub async fn remove_campaign(&self, id: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM campaigns WHERE id = $1 AND ($2 = 0 OR version = $2)")
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

    /// One campaign.
    pub async fn campaign(&self, id: &str) -> Result<CampaignRecord> {
        let row = self
            .one_row(&format!("{} WHERE c.id = $1", select_campaigns()), id)
            .await?;
        campaign_row(&row)
    }

    /// Campaigns ordered by id, optionally of one partner (slug) and/or zone.
    pub async fn list_campaigns(
        &self,
        partner: Option<&str>,
        zone: Option<&str>,
    ) -> Result<Vec<CampaignRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE ($1 = '' OR p.slug = $1) AND ($2 = '' OR c.zone = $2) ORDER BY c.id",
            select_campaigns()
        )))
        .bind(partner.unwrap_or(""))
        .bind(zone.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(campaign_row).collect()
    }

    /// At most `limit` campaigns whose id follows `after` (from the first when empty), by id; only `partner`'s
    /// when given. The keyset walk of the console's campaign list.
    pub async fn campaigns_after(
        &self,
        partner: Option<&str>,
        after: &str,
        limit: i64,
    ) -> Result<Vec<CampaignRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE ($1 = '' OR p.slug = $1) AND c.id > $2 ORDER BY c.id LIMIT $3",
            select_campaigns()
        )))
        .bind(partner.unwrap_or(""))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(campaign_row).collect()
    }

    /// Sets (or clears) a campaign's recurrence only.
    pub async fn set_campaign_recurrence(
        &self,
        id: &str,
        recurrence: Option<tc::recurrence::RecurrenceSpec>,
    ) -> Result<CampaignRecord> {
        let mut input = CampaignInput::from(&self.campaign(id).await?);
        input.recurrence = recurrence;
        self.update_campaign(id, &input).await
    }
}

/// A stored campaign as the engine sees it on a screen of `orientation`: item `media` is the media id (portrait
/// variant on portrait screens when given), the template name, or the page URL. `None` when the stored
/// recurrence no longer validates.
pub fn to_core_campaign(c: &CampaignRecord, orientation: tc::Orientation) -> Option<tc::Campaign> {
    let recurrence = match &c.recurrence {
        None => None,
        Some(spec) => Some(tc::Recurrence::try_from(spec.clone()).ok()?),
    };
    let portrait = orientation == tc::Orientation::Portrait;
    let items = c
        .items
        .iter()
        .map(|it| tc::ContentItem {
            id: it.id.clone(),
            kind: it.kind.into(),
            duration_ms: it.duration_ms.unwrap_or(DEFAULT_ITEM_MS),
            media: match it.kind {
                ItemKind::Video | ItemKind::Image => if portrait {
                    it.portrait_media_id.clone().or_else(|| it.media_id.clone())
                } else {
                    it.media_id.clone()
                }
                .unwrap_or_default(),
                ItemKind::Html => it.template.clone().unwrap_or_default(),
                ItemKind::Web => it.url.clone().unwrap_or_default(),
            },
        })
        .collect();
    Some(tc::Campaign {
        id: c.id.clone(),
        name: c.name.clone(),
        partner: c.partner.clone().unwrap_or_else(|| "_network".into()),
        priority: c.priority,
        weight: c.weight,
        targets: c.targets.clone(),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
        recurrence,
        items,
        language: None,
    })
}
