//! The news desk's tickers (`news_tickers`): which screens show which published short headlines, and the
//! headlines and instants the schedule catalog needs to put them on screens.
//!
//! Every write bumps the schedule version in its own transaction, like a campaign's.

use crate::{audit, new_id, version, AuditEntry, Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;
use twincast_core as tc;
use utoipa::ToSchema;

/// What a desk editor sends: a ticker's settings (full replacement on update).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsTickerInput {
    /// Name (shown to operators).
    pub name: String,
    /// The screens it runs on, as a campaign's targets (screens, groups, tags, locations, location kinds,
    /// geofence: any criterion matches); empty: every screen.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub targets: tc::Targets,
    /// Stories of these rubrics only (empty: any rubric).
    #[serde(default)]
    pub rubrics: Vec<String>,
    /// Stories carrying every one of these tags only (empty: any story).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The newest this many headlines per language (1-50, default 10).
    #[serde(default = "default_max_items")]
    pub max_items: u32,
    /// How long each headline is shown, ms (1,000-120,000, default 8,000).
    #[serde(default = "default_item_ms")]
    pub item_ms: i64,
    /// Off: runs nowhere (default on).
    #[serde(default = "default_enabled")]
    pub enabled: bool,
}

fn default_max_items() -> u32 {
    10
}
fn default_item_ms() -> i64 {
    8_000
}
fn default_enabled() -> bool {
    true
}

/// A stored ticker.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct NewsTicker {
    /// Stable identifier (UUIDv7).
    pub id: String,
    /// Its settings.
    #[serde(flatten)]
    #[schema(schema_with = tc::open_schema::<NewsTickerInput>)]
    pub input: NewsTickerInput,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// Row version (`ETag` / `If-Match`).
    pub version: i64,
}

impl NewsTicker {
    /// The core's view of it.
    pub fn to_core(&self) -> tc::news::ticker::DeskTicker {
        let i = &self.input;
        tc::news::ticker::DeskTicker {
            id: self.id.clone(),
            name: i.name.clone(),
            targets: i.targets.clone(),
            rubrics: i.rubrics.clone(),
            tags: i.tags.clone(),
            max_items: i.max_items,
            item_ms: i.item_ms,
            enabled: i.enabled,
        }
    }
}

const COLS: &str =
    "id, name, targets, rubrics, tags, max_items, item_ms, enabled, created_at, updated_at, version";

fn ticker(row: &AnyRow) -> Result<NewsTicker> {
    let json = |c: &str| -> Result<String> { Ok(row.try_get::<String, _>(c)?) };
    Ok(NewsTicker {
        id: row.try_get("id")?,
        input: NewsTickerInput {
            name: row.try_get("name")?,
            targets: serde_json::from_str(&json("targets")?)?,
            rubrics: serde_json::from_str(&json("rubrics")?)?,
            tags: serde_json::from_str(&json("tags")?)?,
            max_items: u32::try_from(row.try_get::<i64, _>("max_items")?).unwrap_or(1),
            item_ms: row.try_get("item_ms")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
        },
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// A short headline visible at an instant, with what tickers choose by (see [`Store::ticker_headlines`]).
pub type TickerHeadline = tc::news::ticker::Headline;

impl Store {
    /// Adds a ticker and its audit entry (whose `resource_id` is set here); bumps the schedule version.
    pub async fn create_news_ticker(
        &self,
        t: &NewsTickerInput,
        audit: &AuditEntry,
    ) -> Result<NewsTicker> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO news_tickers (id, name, targets, rubrics, tags, max_items, item_ms, enabled, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
        )
        .bind(&id)
        .bind(&t.name)
        .bind(serde_json::to_string(&t.targets)?)
        .bind(serde_json::to_string(&t.rubrics)?)
        .bind(serde_json::to_string(&t.tags)?)
        .bind(i64::from(t.max_items))
        .bind(t.item_ms)
        .bind(i64::from(t.enabled))
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        crate::schedule::bump(&mut tx).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.news_ticker(&id).await
    }

    /// Replaces ticker `id`'s settings if still at version `expected` (0: any), with its audit entry; bumps the
    /// schedule version.
    pub async fn update_news_ticker(
        &self,
        id: &str,
        t: &NewsTickerInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<NewsTicker> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE news_tickers SET name = $1, targets = $2, rubrics = $3, tags = $4, max_items = $5, item_ms = $6, \
             enabled = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND ($10 = 0 OR version = $10)",
        )
        .bind(&t.name)
        .bind(serde_json::to_string(&t.targets)?)
        .bind(serde_json::to_string(&t.rubrics)?)
        .bind(serde_json::to_string(&t.tags)?)
        .bind(i64::from(t.max_items))
        .bind(t.item_ms)
        .bind(i64::from(t.enabled))
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "news_tickers", id, done.rows_affected()).await?;
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.news_ticker(id).await
    }

    /// Deletes ticker `id` if still at version `expected` (0: any), with its audit entry; bumps the schedule
    /// version.
    pub async fn delete_news_ticker(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM news_tickers WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "news_tickers", id, done.rows_affected()).await?;
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One ticker.
    pub async fn news_ticker(&self, id: &str) -> Result<NewsTicker> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM news_tickers WHERE id = $1"),
                id,
            )
            .await?;
        ticker(&row)
    }

    /// Every ticker, by name.
    pub async fn news_tickers(&self) -> Result<Vec<NewsTicker>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM news_tickers ORDER BY name, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ticker).collect()
    }

    /// Every short headline the public sees at `at` (each language version of each visible story), with the
    /// story's rubric, tags and the instant it became visible: what tickers choose from (two queries).
    pub async fn ticker_headlines(&self, at: i64) -> Result<Vec<TickerHeadline>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT a.id AS id, a.rubric AS rubric, a.publish_at AS publish_at, a.embargo_until AS embargo_until, \
             v.lang AS lang, v.short_headline AS short_headline FROM news_articles a \
             JOIN news_versions v ON v.article_id = a.id WHERE {}",
            crate::news::visible(1)
        )))
        .bind(at)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let tag_rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t.article_id AS id, t.tag AS tag FROM news_tags t JOIN news_articles a ON a.id = t.article_id \
             WHERE {} ORDER BY t.tag",
            crate::news::visible(1)
        )))
        .bind(at)
        .fetch_all(&self.pool)
        .await?;
        let mut tags: HashMap<String, Vec<String>> = HashMap::new();
        for r in &tag_rows {
            tags.entry(r.try_get("id")?)
                .or_default()
                .push(r.try_get("tag")?);
        }
        rows.iter()
            .map(|r| {
                let id: String = r.try_get("id")?;
                let publish_at: i64 = r.try_get("publish_at")?;
                let embargo: Option<i64> = r.try_get("embargo_until")?;
                Ok(TickerHeadline {
                    tags: tags.get(&id).cloned().unwrap_or_default(),
                    article_id: id,
                    lang: r.try_get("lang")?,
                    text: r.try_get("short_headline")?,
                    rubric: r.try_get("rubric")?,
                    visible_from: embargo.map_or(publish_at, |e| e.max(publish_at)),
                })
            })
            .collect()
    }

    /// The first instant after `at` at which a story becomes visible (its scheduled time or the end of its
    /// embargo) or stops being so (it expires): when tickers must be rebuilt although nobody changed anything.
    /// Only instants after the story's last write count: the write itself bumped the schedule version, so a story
    /// published now is not announced a second time by the clock.
    pub async fn next_news_change(&self, at: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(t) AS t FROM ( \
               SELECT publish_at AS t FROM news_articles \
                 WHERE state IN ('published', 'scheduled') AND publish_at > $1 AND publish_at > updated_at \
               UNION ALL SELECT embargo_until AS t FROM news_articles \
                 WHERE state IN ('published', 'scheduled') AND embargo_until > $1 AND embargo_until > updated_at \
               UNION ALL SELECT expires_at AS t FROM news_articles \
                 WHERE state IN ('published', 'scheduled') AND expires_at > $1 AND expires_at > updated_at \
             ) x",
        )
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>("t")?)
    }
}
