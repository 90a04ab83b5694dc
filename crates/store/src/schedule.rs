//! Scheduling records: screen groups, campaigns, emergency alerts, and their translation into the pure engine's
//! inputs ([`twincast_core`]).
//!
//! ## Campaign content
//! A campaign's `items` are [`CampaignItem`]s: library media (`video`/`image`, by media id, with an optional
//! portrait variant chosen for portrait screens), HTML slides (`html`: a template with data) and sandboxed web
//! pages (`web`: an `http(s)` URL). Items are validated on write; a video item without a duration takes the
//! media's probed duration.
//!
//! ## Zones and layouts
//! Every campaign plays in one zone: `main` (the engine's rotation) or `ticker` (a band of short HTML items,
//! e.g. news headlines, that loops independently of the main rotation). A screen's layout follows from its
//! content ([`Store::screen_layout`]): `fullscreen` when no ticker campaign targets it, else
//! `main_ticker_clock`; zone geometry depends on the screen's orientation.
//!
//! ## Engine inputs
//! [`Store::schedule_inputs`] returns one screen (with its groups) plus every `main`-zone campaign with content
//! resolved for that screen's orientation, plus every stored alert (cancelled ones end at their cancellation):
//! the engine does the targeting and timing. [`Store::resolve_items`] turns the items of those campaigns into
//! delivery details (content-addressed media URLs with hashes and sizes, templates, URLs).
//! [`Store::schedule_version`] increases on every campaign, alert and group change (usable in an ETag).

use crate::{new_id, now_ms, Result, ScheduleCatalog, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use twincast_core as tc;
use utoipa::ToSchema;

/// Default duration of still items (images, slides, web pages) in milliseconds.
pub const DEFAULT_ITEM_MS: i64 = 10_000;

/// HTML slide templates the players know.
pub const TEMPLATES: &[&str] = &["partner_card", "headline"];

/// Zones a campaign can play in.
pub const ZONES: &[&str] = &["main", "ticker"];

// ------------------------------------------------------------------------------------------------- records

/// A named set of screens, usable as a campaign target (by slug).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ScreenGroup {
    /// Stable identifier.
    pub id: String,
    /// URL-safe short name, unique and immutable (campaign targets refer to it).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Member screen ids, sorted.
    pub screens: Vec<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// The fields of a new or changed screen group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenGroupInput {
    /// See [`ScreenGroup::slug`] (ignored on update: slugs are immutable).
    pub slug: String,
    /// See [`ScreenGroup::name`].
    pub name: String,
    /// Member screen ids.
    #[serde(default)]
    pub screens: Vec<String>,
}

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
    /// `main` or `ticker`.
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
    /// `main` (default) or `ticker`.
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

/// A stored emergency alert message (CAP 1.2 or the JSON form).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AlertRecord {
    /// Stable identifier (this server's).
    pub id: String,
    /// CAP `identifier`.
    pub identifier: String,
    /// CAP `sender`.
    pub sender: String,
    /// Sent, epoch ms.
    pub sent: i64,
    /// `Alert`, `Update`, `Cancel`, `Ack` or `Error`.
    pub msg_type: String,
    /// `Actual`, `Exercise`, `System`, `Test` or `Draft`.
    pub status: String,
    /// `Extreme` … `Unknown`.
    pub severity: String,
    /// Headline.
    pub headline: String,
    /// Start, epoch ms.
    pub effective: Option<i64>,
    /// End, epoch ms.
    pub expires: Option<i64>,
    /// Identifiers of earlier messages this one updates or cancels.
    pub references: Vec<String>,
    /// `cap` or `json`.
    pub source_format: String,
    /// Set when an operator cancelled it here, epoch ms.
    pub cancelled_at: Option<i64>,
    /// The parsed alert the engine uses.
    #[schema(value_type = Object)]
    pub parsed: tc::Alert,
    /// Creator's user id.
    pub created_by: Option<String>,
    /// Received, epoch ms.
    pub created_at: i64,
}

impl AlertRecord {
    /// The engine's alert: the parsed message, ended at `cancelled_at` when cancelled here.
    pub fn to_core(&self) -> tc::Alert {
        let mut a = self.parsed.clone();
        if let Some(c) = self.cancelled_at {
            a.expires = Some(a.expires.map_or(c, |e| e.min(c)));
        }
        a
    }
}

/// Content-addressed media as a player fetches it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct MediaRef {
    /// Media id.
    pub id: String,
    /// Delivery URL, `/media/<sha256>.<ext>`.
    pub url: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Duration (videos), ms.
    pub duration_ms: Option<i64>,
    /// MIME type.
    pub mime: String,
    /// `video` or `image`.
    pub kind: String,
}

/// A campaign item resolved for delivery on one screen.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ResolvedItem {
    /// Campaign id.
    pub campaign: String,
    /// Item id (as in the engine's plays).
    pub item: String,
    /// Kind.
    pub kind: ItemKind,
    /// Display time, ms.
    pub duration_ms: i64,
    /// Media to fetch (`video`, `image`), variant chosen for the screen's orientation.
    pub media: Option<MediaRef>,
    /// Template (`html`).
    pub template: Option<String>,
    /// Template data (`html`).
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// Page URL (`web`).
    pub url: Option<String>,
}

/// A rectangle of a layout, in fractions of the screen (0..=1).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct LayoutZone {
    /// `main`, `ticker` or `clock`.
    pub name: String,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A screen's layout and its ticker content.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ScreenLayout {
    /// `fullscreen` or `main_ticker_clock`.
    pub name: String,
    /// `landscape` or `portrait`.
    pub orientation: String,
    /// Zones.
    pub zones: Vec<LayoutZone>,
    /// Ticker-zone campaigns targeting this screen (their items loop in the `ticker` zone while valid).
    #[schema(value_type = Vec<Object>)]
    pub ticker: Vec<tc::Campaign>,
}

/// Zone geometry of a layout (pure).
pub fn layout_zones(name: &str, portrait: bool) -> Vec<LayoutZone> {
    let z = |name: &str, x: f64, y: f64, w: f64, h: f64| LayoutZone {
        name: name.into(),
        x,
        y,
        w,
        h,
    };
    match (name, portrait) {
        ("main_ticker_clock", false) => vec![
            z("main", 0.0, 0.0, 1.0, 0.9),
            z("ticker", 0.0, 0.9, 0.85, 0.1),
            z("clock", 0.85, 0.9, 0.15, 0.1),
        ],
        ("main_ticker_clock", true) => vec![
            z("clock", 0.0, 0.0, 1.0, 0.06),
            z("main", 0.0, 0.06, 1.0, 0.86),
            z("ticker", 0.0, 0.92, 1.0, 0.08),
        ],
        _ => vec![z("main", 0.0, 0.0, 1.0, 1.0)],
    }
}

// ------------------------------------------------------------------------------------------------- rows

fn group_row(row: &AnyRow) -> Result<ScreenGroup> {
    Ok(ScreenGroup {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        screens: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const CAMPAIGN_COLS: &str = "c.id AS id, c.name AS name, p.slug AS partner, c.zone AS zone, c.priority AS priority, \
    c.weight AS weight, c.targets AS targets, c.valid_from AS valid_from, c.valid_until AS valid_until, \
    c.recurrence AS recurrence, c.items AS items, c.created_by AS created_by, c.created_at AS created_at, \
    c.updated_at AS updated_at";

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
    })
}

const ALERT_COLS: &str =
    "id, identifier, sender, sent, msg_type, status, severity, headline, effective, expires, \
    refs, source_format, parsed, cancelled_at, created_by, created_at";

fn alert_row(row: &AnyRow) -> Result<AlertRecord> {
    Ok(AlertRecord {
        id: row.try_get("id")?,
        identifier: row.try_get("identifier")?,
        sender: row.try_get("sender")?,
        sent: row.try_get("sent")?,
        msg_type: row.try_get("msg_type")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        headline: row.try_get("headline")?,
        effective: row.try_get("effective")?,
        expires: row.try_get("expires")?,
        references: serde_json::from_str(&row.try_get::<String, _>("refs")?)?,
        source_format: row.try_get("source_format")?,
        parsed: serde_json::from_str(&row.try_get::<String, _>("parsed")?)?,
        cancelled_at: row.try_get("cancelled_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(msg.into())
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn bump(tx: &mut Tx<'_>) -> Result<()> {
    sqlx::query("UPDATE schedule_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------- store API

impl Store {
    /// The schedule version: increases on every campaign, alert and screen-group change.
    pub async fn schedule_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM schedule_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("version")?)
    }

    /// Increments the schedule version (for changes made elsewhere that affect schedules, e.g. screens).
    pub async fn bump_schedule_version(&self) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.schedule_version().await
    }

    // ---------------------------------------------------------------- groups

    async fn check_group(&self, g: &ScreenGroupInput) -> Result<()> {
        if g.name.trim().is_empty() {
            return Err(invalid("name must not be empty"));
        }
        for s in &g.screens {
            self.screen(s).await.map_err(|e| match e {
                StoreError::NotFound => invalid(format!("screens: unknown screen {s:?}")),
                e => e,
            })?;
        }
        Ok(())
    }

    async fn set_members(tx: &mut Tx<'_>, group_id: &str, screens: &[String]) -> Result<()> {
        sqlx::query("DELETE FROM screen_group_members WHERE group_id = $1")
            .bind(group_id)
            .execute(&mut **tx)
            .await?;
        let mut seen = std::collections::BTreeSet::new();
        for s in screens.iter().filter(|s| seen.insert(s.as_str())) {
            sqlx::query("INSERT INTO screen_group_members (group_id, screen_id) VALUES ($1, $2)")
                .bind(group_id)
                .bind(s)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Adds a screen group. A taken slug is a [`StoreError::Conflict`]; a bad slug, empty name or unknown screen is
    /// [`StoreError::Invalid`].
    pub async fn create_group(&self, g: &ScreenGroupInput) -> Result<ScreenGroup> {
        if !is_slug(&g.slug) {
            return Err(invalid(
                "slug must be 1-64 characters of a-z, 0-9, '-' or '_'",
            ));
        }
        self.check_group(g).await?;
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO screen_groups (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&id)
        .bind(&g.slug)
        .bind(&g.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::set_members(&mut tx, &id, &g.screens).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.group(&g.slug).await
    }

    /// Replaces a group's name and members (the slug stays).
    pub async fn update_group(&self, slug: &str, g: &ScreenGroupInput) -> Result<ScreenGroup> {
        let current = self.group(slug).await?;
        self.check_group(g).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE screen_groups SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(&g.name)
            .bind(now_ms())
            .bind(&current.id)
            .execute(&mut *tx)
            .await?;
        Self::set_members(&mut tx, &current.id, &g.screens).await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.group(slug).await
    }

    /// Deletes a group (campaigns that target it simply no longer match its screens).
    pub async fn delete_group(&self, slug: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM screen_groups WHERE slug = $1")
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One group by slug, with its members.
    pub async fn group(&self, slug: &str) -> Result<ScreenGroup> {
        let row = self
            .one_row(
                "SELECT id, slug, name, created_at, updated_at FROM screen_groups WHERE slug = $1",
                slug,
            )
            .await?;
        let mut g = group_row(&row)?;
        let rows = sqlx::query(
            "SELECT screen_id FROM screen_group_members WHERE group_id = $1 ORDER BY screen_id",
        )
        .bind(&g.id)
        .fetch_all(&self.pool)
        .await?;
        g.screens = rows
            .iter()
            .map(|r| r.try_get("screen_id"))
            .collect::<Result<_, _>>()?;
        Ok(g)
    }

    /// Every group, ordered by slug, with members.
    pub async fn list_groups(&self) -> Result<Vec<ScreenGroup>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, created_at, updated_at FROM screen_groups ORDER BY slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut groups = rows.iter().map(group_row).collect::<Result<Vec<_>>>()?;
        let members =
            sqlx::query("SELECT group_id, screen_id FROM screen_group_members ORDER BY screen_id")
                .fetch_all(&self.pool)
                .await?;
        let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
        for m in &members {
            by_group
                .entry(m.try_get("group_id")?)
                .or_default()
                .push(m.try_get("screen_id")?);
        }
        for g in &mut groups {
            g.screens = by_group.remove(&g.id).unwrap_or_default();
        }
        Ok(groups)
    }

    /// Slugs of the groups a screen belongs to.
    pub async fn screen_groups_of(&self, screen_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT g.slug AS slug FROM screen_group_members m JOIN screen_groups g ON g.id = m.group_id \
             WHERE m.screen_id = $1 ORDER BY g.slug",
        )
        .bind(screen_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("slug"))
            .collect::<Result<_, _>>()?)
    }

    // ---------------------------------------------------------------- campaigns

    /// Validates a campaign and fills defaults (item ids, durations). Returns the partner id.
    async fn check_campaign(&self, c: &mut CampaignInput) -> Result<Option<String>> {
        if c.name.trim().is_empty() {
            return Err(invalid("name must not be empty"));
        }
        if !ZONES.contains(&c.zone.as_str()) {
            return Err(invalid(format!(
                "zone must be one of {}, got {:?}",
                ZONES.join(", "),
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
        };
        probe.validate().map_err(|e| invalid(e.to_string()))?;
        Ok(partner_id)
    }

    /// Adds a campaign after validating it ([`StoreError::Invalid`] names the bad field).
    pub async fn create_campaign(
        &self,
        input: &CampaignInput,
        created_by: Option<&str>,
    ) -> Result<CampaignRecord> {
        let mut c = input.clone();
        let partner_id = self.check_campaign(&mut c).await?;
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO campaigns (id, name, partner_id, zone, priority, weight, targets, valid_from, valid_until, \
             recurrence, items, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
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
        .bind(now)
        .execute(&mut *tx)
        .await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.campaign(&id).await
    }

    /// Replaces a campaign's fields.
    pub async fn update_campaign(&self, id: &str, input: &CampaignInput) -> Result<CampaignRecord> {
        self.campaign(id).await?;
        let mut c = input.clone();
        let partner_id = self.check_campaign(&mut c).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE campaigns SET name = $1, partner_id = $2, zone = $3, priority = $4, weight = $5, targets = $6, \
             valid_from = $7, valid_until = $8, recurrence = $9, items = $10, updated_at = $11 WHERE id = $12",
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
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        self.campaign(id).await
    }

    /// Deletes a campaign.
    pub async fn delete_campaign(&self, id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM campaigns WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One campaign.
    pub async fn campaign(&self, id: &str) -> Result<CampaignRecord> {
        let row = self.one_row(&format!(
            "SELECT {CAMPAIGN_COLS} FROM campaigns c LEFT JOIN partners p ON p.id = c.partner_id WHERE c.id = $1"
        ), id).await?;
        campaign_row(&row)
    }

    /// Campaigns ordered by id, optionally of one partner (slug) and/or zone.
    pub async fn list_campaigns(
        &self,
        partner: Option<&str>,
        zone: Option<&str>,
    ) -> Result<Vec<CampaignRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLS} FROM campaigns c LEFT JOIN partners p ON p.id = c.partner_id \
             WHERE ($1 = '' OR p.slug = $1) AND ($2 = '' OR c.zone = $2) ORDER BY c.id"
        )))
        .bind(partner.unwrap_or(""))
        .bind(zone.unwrap_or(""))
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

    // ---------------------------------------------------------------- alerts

    /// Stores a parsed alert message with its source text (`format` is `cap` or `json`). A message with the same
    /// sender and identifier is a [`StoreError::Conflict`].
    pub async fn create_alert(
        &self,
        alert: &tc::Alert,
        format: &str,
        source: &str,
        created_by: Option<&str>,
    ) -> Result<AlertRecord> {
        let id = new_id();
        let refs: Vec<&str> = alert
            .references
            .iter()
            .map(|r| r.identifier.as_str())
            .collect();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO alerts (id, identifier, sender, sent, msg_type, status, severity, headline, effective, expires, \
             refs, source_format, source, parsed, cancelled_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16)",
        )
        .bind(&id)
        .bind(&alert.id)
        .bind(&alert.sender)
        .bind(alert.sent)
        .bind(enum_name(&alert.msg_type))
        .bind(enum_name(&alert.status))
        .bind(enum_name(&alert.severity))
        .bind(&alert.headline)
        .bind(alert.effective)
        .bind(alert.expires)
        .bind(serde_json::to_string(&refs)?)
        .bind(format)
        .bind(source)
        .bind(serde_json::to_string(alert)?)
        .bind(created_by)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!(
                "an alert from sender {:?} with identifier {:?} already exists",
                alert.sender, alert.id
            )),
            e => e,
        })?;
        bump(&mut tx).await?;
        tx.commit().await?;
        self.alert(&id).await
    }

    /// One alert.
    pub async fn alert(&self, id: &str) -> Result<AlertRecord> {
        let row = self
            .one_row(
                &format!("SELECT {ALERT_COLS} FROM alerts WHERE id = $1"),
                id,
            )
            .await?;
        alert_row(&row)
    }

    /// The source text (CAP XML or JSON) of an alert.
    pub async fn alert_source(&self, id: &str) -> Result<String> {
        let row = self
            .one_row("SELECT source FROM alerts WHERE id = $1", id)
            .await?;
        Ok(row.try_get("source")?)
    }

    /// Every alert, newest `sent` first.
    pub async fn list_alerts(&self) -> Result<Vec<AlertRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLS} FROM alerts ORDER BY sent DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(alert_row).collect()
    }

    /// Cancels an alert here (it stops at `at`). Cancelling twice keeps the first time.
    pub async fn cancel_alert(&self, id: &str, at: i64) -> Result<AlertRecord> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE alerts SET cancelled_at = COALESCE(cancelled_at, $1) WHERE id = $2",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        self.alert(id).await
    }

    // ---------------------------------------------------------------- engine inputs

    /// Every screen as the engine sees it, with its display name, in three queries (the player hub loads its
    /// screen cache with this instead of one screen at a time).
    pub async fn all_core_screens(&self) -> Result<Vec<(String, tc::Screen)>> {
        let rows = sqlx::query(
            "SELECT s.id AS id, s.name AS name, s.location_id AS location_id, s.lat AS lat, s.lon AS lon, s.tz AS tz, \
             s.width AS width, s.height AS height, s.orientation AS orientation, s.tags AS tags, l.kind AS kind, \
             l.lat AS llat, l.lon AS llon FROM screens s JOIN locations l ON l.id = s.location_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let members = sqlx::query(
            "SELECT m.screen_id AS screen_id, g.slug AS slug FROM screen_group_members m \
             JOIN screen_groups g ON g.id = m.group_id ORDER BY g.slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut groups: std::collections::HashMap<String, Vec<String>> = Default::default();
        for m in &members {
            groups
                .entry(m.try_get("screen_id")?)
                .or_default()
                .push(m.try_get("slug")?);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let tz_name: String = r.try_get("tz")?;
            let tz = tc::Zone::new(&tz_name).map_err(|e| invalid(format!("screen {id}: {e}")))?;
            // As `core_screen`: the screen's coordinates, else (either missing) the location's.
            let (mut lat, mut lon) = (crate::opt_f64(r, "lat")?, crate::opt_f64(r, "lon")?);
            if lat.is_none() || lon.is_none() {
                (lat, lon) = (crate::opt_f64(r, "llat")?, crate::opt_f64(r, "llon")?);
            }
            let width: i64 = r.try_get("width")?;
            let height: i64 = r.try_get("height")?;
            let orientation: String = r.try_get("orientation")?;
            let screen = tc::Screen {
                location_id: r.try_get("location_id")?,
                location_kind: r.try_get("kind")?,
                tags: serde_json::from_str(&r.try_get::<String, _>("tags")?)?,
                groups: groups.remove(&id).unwrap_or_default(),
                tz,
                lat: lat.unwrap_or(0.0),
                lon: lon.unwrap_or(0.0),
                resolution: tc::Resolution {
                    width: u32::try_from(width).unwrap_or(0).max(1),
                    height: u32::try_from(height).unwrap_or(0).max(1),
                },
                orientation: if orientation == "portrait" {
                    tc::Orientation::Portrait
                } else {
                    tc::Orientation::Landscape
                },
                id,
            };
            out.push((r.try_get("name")?, screen));
        }
        Ok(out)
    }

    /// The engine's view of one screen: zone, coordinates (the location's when the screen has none),
    /// orientation, tags and group slugs.
    pub async fn core_screen(&self, screen_id: &str) -> Result<tc::Screen> {
        let v = self.screen(screen_id).await?;
        let s = &v.screen;
        let tz = tc::Zone::new(&s.tz).map_err(|e| invalid(format!("screen {screen_id}: {e}")))?;
        let (mut lat, mut lon) = (s.lat, s.lon);
        if lat.is_none() || lon.is_none() {
            let row = sqlx::query("SELECT lat, lon FROM locations WHERE id = $1")
                .bind(&s.location_id)
                .fetch_one(&self.pool)
                .await?;
            lat = crate::opt_f64(&row, "lat")?;
            lon = crate::opt_f64(&row, "lon")?;
        }
        Ok(tc::Screen {
            id: s.id.clone(),
            location_id: s.location_id.clone(),
            location_kind: v.location_kind.clone(),
            tags: s.tags.clone(),
            groups: self.screen_groups_of(screen_id).await?,
            tz,
            lat: lat.unwrap_or(0.0),
            lon: lon.unwrap_or(0.0),
            resolution: tc::Resolution {
                width: u32::try_from(s.width).unwrap_or(0).max(1),
                height: u32::try_from(s.height).unwrap_or(0).max(1),
            },
            orientation: if s.orientation == "portrait" {
                tc::Orientation::Portrait
            } else {
                tc::Orientation::Landscape
            },
        })
    }

    /// The engine inputs for one screen: the screen, every `main`-zone campaign (content resolved for the
    /// screen's orientation; campaigns whose recurrence no longer parses are skipped) and every alert. The engine
    /// does targeting and timing.
    pub async fn schedule_inputs(
        &self,
        screen_id: &str,
    ) -> Result<(tc::Screen, Vec<tc::Campaign>, Vec<tc::Alert>)> {
        let screen = self.core_screen(screen_id).await?;
        let mut all = self.schedule_catalog().await?;
        let main = std::mem::take(&mut all.main[ScheduleCatalog::index(screen.orientation)]);
        Ok((screen, main, all.alerts))
    }

    /// The layout of a screen and the ticker campaigns that target it.
    pub async fn screen_layout(&self, screen_id: &str) -> Result<ScreenLayout> {
        let screen = self.core_screen(screen_id).await?;
        let mut all = self.schedule_catalog().await?;
        let ticker: Vec<tc::Campaign> =
            std::mem::take(&mut all.ticker[ScheduleCatalog::index(screen.orientation)])
                .into_iter()
                .filter(|c| c.targets(&screen))
                .collect();
        let name = if ticker.is_empty() {
            "fullscreen"
        } else {
            "main_ticker_clock"
        };
        let portrait = screen.orientation == tc::Orientation::Portrait;
        Ok(ScreenLayout {
            name: name.into(),
            orientation: if portrait { "portrait" } else { "landscape" }.into(),
            zones: layout_zones(name, portrait),
            ticker,
        })
    }

    /// Delivery details of the items of `campaigns` (as returned by [`Store::schedule_inputs`] or
    /// [`Store::screen_layout`]): media as content-addressed URLs with hash, size, duration and MIME type;
    /// templates with data; page URLs. Items whose campaign or media no longer exists are left out.
    pub async fn resolve_items(&self, campaigns: &[tc::Campaign]) -> Result<Vec<ResolvedItem>> {
        let mut media_cache: BTreeMap<String, Option<MediaRef>> = BTreeMap::new();
        let mut out = Vec::new();
        for c in campaigns {
            let record = match self.campaign(&c.id).await {
                Ok(r) => r,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            for it in &c.items {
                let Some(src) = record.items.iter().find(|x| x.id == it.id) else {
                    continue;
                };
                let media = match src.kind {
                    ItemKind::Video | ItemKind::Image => {
                        if !media_cache.contains_key(&it.media) {
                            let m = match self.media(&it.media).await {
                                Ok(m) => Some(MediaRef {
                                    url: format!("/media/{}.{}", m.sha256, m.media_type),
                                    id: m.id,
                                    sha256: m.sha256,
                                    size: m.size,
                                    duration_ms: m.duration_ms,
                                    mime: m.mime,
                                    kind: m.kind,
                                }),
                                Err(StoreError::NotFound) => None,
                                Err(e) => return Err(e),
                            };
                            media_cache.insert(it.media.clone(), m);
                        }
                        match media_cache.get(&it.media).cloned().flatten() {
                            Some(m) => Some(m),
                            None => continue,
                        }
                    }
                    _ => None,
                };
                out.push(ResolvedItem {
                    campaign: c.id.clone(),
                    item: it.id.clone(),
                    kind: src.kind,
                    duration_ms: it.duration_ms,
                    media,
                    template: src.template.clone(),
                    data: src.data.clone(),
                    url: src.url.clone(),
                });
            }
        }
        Ok(out)
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
    })
}
