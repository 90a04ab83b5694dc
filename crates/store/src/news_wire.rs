//! The news desk's wire import: the sources it polls (`news_wire_sources`) and the items imported from them
//! (`news_wire_items`). A source's `next_poll_at` and `lease_until` are the persisted schedule: a source is due when
//! `next_poll_at` has come, a poll claims its lease first (so one poll per source runs at a time, across
//! processes too), and a poll that died with its process is retried once the lease has run out.
//!
//! An imported item's story is written with its item row in one transaction, so a story is never imported twice
//! and never without its provenance.

use crate::news::{self, Tx};
use crate::{audit, new_id, version, AuditEntry, NewsArticle, NewsArticleInput, Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

/// What an editor sets on a source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WireSourceInput {
    /// Name shown on the stories (`source.name`), unique among sources, e.g. `Xinhua`.
    pub name: String,
    /// The feed's address (`http` or `https`).
    pub url: String,
    /// `auto` (from the content), `rss`, `atom`, `json-feed` or `ninjs`.
    #[serde(default = "auto")]
    pub format: String,
    /// `ru`, `en` or `zh`: the language of items that do not say theirs; empty: from the item or the feed only.
    #[serde(default)]
    pub lang: String,
    /// Rubric of the imported stories.
    pub rubric: String,
    /// Tags every imported story gets (besides the item's own categories that are valid tags).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `auto-publish` (stories are published at once) or `review` (they wait in review for a news editor).
    pub moderation: String,
    /// Seconds between polls (60..=86400).
    #[serde(default = "default_interval")]
    pub interval_secs: i64,
    /// Whether it is polled on its schedule (a disabled source can still be polled by hand).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn auto() -> String {
    "auto".into()
}
fn default_interval() -> i64 {
    900
}
fn yes() -> bool {
    true
}

/// Why the last poll failed (or what it skipped): a stable code and a message for people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct WireProblem {
    /// Stable code (`malformed-feed`, `dtd-refused`, `too-large`, `timeout`, …; docs/news.md lists them).
    pub code: String,
    /// What happened, in English.
    pub message: String,
}

/// Counts of the last poll and of all time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct WireCounts {
    /// Items in the last poll's feed.
    pub items: i64,
    /// Stories the last poll created.
    pub created: i64,
    /// Stories the last poll updated (items that changed at their source and whose story nobody touched).
    pub updated: i64,
    /// Items the last poll refused or left alone (too large, no language, stored already by hand, …).
    pub skipped: i64,
    /// Stories imported from this source, ever.
    pub imported: i64,
}

/// A stored source with its schedule and last outcome.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct WireSource {
    /// Stable identifier (UUIDv7).
    pub id: String,
    /// Its settings.
    #[serde(flatten)]
    pub input: WireSourceInput,
    /// When it is next due, epoch ms.
    pub next_poll_at: i64,
    /// Whether a poll holds it now.
    pub polling: bool,
    /// When it was last polled, epoch ms.
    pub last_poll_at: Option<i64>,
    /// `never`, `ok`, `not-modified`, `partial` (some items skipped; see `last_error`) or `failed`.
    pub last_outcome: String,
    /// The last poll's error (or the first item it skipped), if any.
    pub last_error: Option<WireProblem>,
    /// Counts.
    pub counts: WireCounts,
    /// The validator the feed last sent (`ETag`), sent back as `If-None-Match`.
    #[serde(skip)]
    pub etag: Option<String>,
    /// The feed's last `Last-Modified`, sent back as `If-Modified-Since`.
    #[serde(skip)]
    pub last_modified: Option<String>,
    /// The account that added it.
    pub created_by: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// Row version (`ETag` / `If-Match`; polls do not change it).
    pub version: i64,
}

/// What a poll found, recorded on its source (and its lease released).
#[derive(Debug, Clone, Default)]
pub struct WirePollRecord {
    /// When the poll ended, epoch ms.
    pub at: i64,
    /// See [`WireSource::last_outcome`].
    pub outcome: String,
    /// See [`WireSource::last_error`].
    pub error: Option<WireProblem>,
    /// New validators (`None`: keep the stored ones).
    pub etag: Option<String>,
    /// New `Last-Modified` (`None`: keep).
    pub last_modified: Option<String>,
    /// Counts of this poll (`imported` is added to the source's total).
    pub counts: WireCounts,
    /// When it is due again, epoch ms.
    pub next_poll_at: i64,
}

/// An imported item: provenance and the story it became.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct WireItem {
    /// The source.
    pub source_id: String,
    /// The item's id at its source.
    pub original_id: String,
    /// The story.
    pub article_id: String,
    /// The item's URL at its source.
    pub url: String,
    /// Hash of the item's content as last imported (an item whose hash changes is an update).
    pub content_hash: String,
    /// The story's version as the import last wrote it: while the story is still at it, nobody touched it.
    pub article_version: i64,
    /// When it was first fetched, epoch ms.
    pub first_fetched_at: i64,
    /// When it was last seen in the feed, epoch ms.
    pub fetched_at: i64,
}

const COLS: &str = "id, name, url, format, lang, rubric, tags, moderation, interval_secs, enabled, next_poll_at, lease_until, \
    etag, last_modified, last_poll_at, last_outcome, last_error_code, last_error, last_items, last_created, last_updated, \
    last_skipped, total_imported, created_by, created_at, updated_at, version";
const ITEM_COLS: &str = "source_id, original_id, article_id, url, content_hash, article_version, first_fetched_at, fetched_at";

fn source(row: &AnyRow, now: i64) -> Result<WireSource> {
    let code: Option<String> = row.try_get("last_error_code")?;
    let message: Option<String> = row.try_get("last_error")?;
    let lease: Option<i64> = row.try_get("lease_until")?;
    Ok(WireSource {
        id: row.try_get("id")?,
        input: WireSourceInput {
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            format: row.try_get("format")?,
            lang: row.try_get("lang")?,
            rubric: row.try_get("rubric")?,
            tags: serde_json::from_str(&row.try_get::<String, _>("tags")?)?,
            moderation: row.try_get("moderation")?,
            interval_secs: row.try_get("interval_secs")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
        },
        next_poll_at: row.try_get("next_poll_at")?,
        polling: lease.is_some_and(|l| l > now),
        last_poll_at: row.try_get("last_poll_at")?,
        last_outcome: row.try_get("last_outcome")?,
        last_error: code.map(|code| WireProblem {
            code,
            message: message.unwrap_or_default(),
        }),
        counts: WireCounts {
            items: row.try_get("last_items")?,
            created: row.try_get("last_created")?,
            updated: row.try_get("last_updated")?,
            skipped: row.try_get("last_skipped")?,
            imported: row.try_get("total_imported")?,
        },
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

fn item(row: &AnyRow) -> Result<WireItem> {
    Ok(WireItem {
        source_id: row.try_get("source_id")?,
        original_id: row.try_get("original_id")?,
        article_id: row.try_get("article_id")?,
        url: row.try_get("url")?,
        content_hash: row.try_get("content_hash")?,
        article_version: row.try_get("article_version")?,
        first_fetched_at: row.try_get("first_fetched_at")?,
        fetched_at: row.try_get("fetched_at")?,
    })
}

async fn upsert_item(tx: &mut Tx, i: &WireItem) -> Result<()> {
    sqlx::query("DELETE FROM news_wire_items WHERE source_id = $1 AND original_id = $2")
        .bind(&i.source_id)
        .bind(&i.original_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO news_wire_items ({ITEM_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )))
    .bind(&i.source_id)
    .bind(&i.original_id)
    .bind(&i.article_id)
    .bind(&i.url)
    .bind(&i.content_hash)
    .bind(i.article_version)
    .bind(i.first_fetched_at)
    .bind(i.fetched_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Adds a source, due at once, with its audit entry (whose `resource_id` is set here). A name in use is a
    /// conflict.
    pub async fn create_wire_source(
        &self,
        s: &WireSourceInput,
        created_by: &str,
        audit: &AuditEntry,
    ) -> Result<WireSource> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO news_wire_sources (id, name, url, format, lang, rubric, tags, moderation, interval_secs, enabled, \
             next_poll_at, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $11, 1)",
        )
        .bind(&id)
        .bind(&s.name)
        .bind(&s.url)
        .bind(&s.format)
        .bind(&s.lang)
        .bind(&s.rubric)
        .bind(serde_json::to_string(&s.tags)?)
        .bind(&s.moderation)
        .bind(s.interval_secs)
        .bind(i64::from(s.enabled))
        .bind(audit.at)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.wire_source(&id, audit.at).await
    }

    /// Replaces a source's settings if still at version `expected` (0: any), with its audit entry; it is due at
    /// once again, and a new URL forgets the old feed's validators.
    pub async fn update_wire_source(
        &self,
        id: &str,
        s: &WireSourceInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<WireSource> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE news_wire_sources SET etag = CASE WHEN url = $2 THEN etag ELSE NULL END, \
             last_modified = CASE WHEN url = $2 THEN last_modified ELSE NULL END, \
             name = $1, url = $2, format = $3, lang = $4, rubric = $5, tags = $6, moderation = $7, interval_secs = $8, \
             enabled = $9, next_poll_at = $10, updated_at = $10, version = version + 1 \
             WHERE id = $11 AND ($12 = 0 OR version = $12)",
        )
        .bind(&s.name)
        .bind(&s.url)
        .bind(&s.format)
        .bind(&s.lang)
        .bind(&s.rubric)
        .bind(serde_json::to_string(&s.tags)?)
        .bind(&s.moderation)
        .bind(s.interval_secs)
        .bind(i64::from(s.enabled))
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "news_wire_sources", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.wire_source(id, audit.at).await
    }

    /// Deletes a source and its item rows (the stories stay) if still at version `expected`, with its audit entry.
    pub async fn delete_wire_source(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM news_wire_items WHERE source_id = $1 AND EXISTS \
             (SELECT 1 FROM news_wire_sources WHERE id = $1 AND ($2 = 0 OR version = $2))",
        )
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        let done =
            sqlx::query("DELETE FROM news_wire_sources WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "news_wire_sources", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One source (`polling` as seen at `now`).
    pub async fn wire_source(&self, id: &str, now: i64) -> Result<WireSource> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM news_wire_sources WHERE id = $1"),
                id,
            )
            .await?;
        source(&row, now)
    }

    /// Every source, by name.
    pub async fn wire_sources(&self, now: i64) -> Result<Vec<WireSource>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM news_wire_sources ORDER BY name, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| source(r, now)).collect()
    }

    /// Claims a source for a poll until `lease_until`: source `id` whatever its schedule, or else the enabled
    /// source due longest. `None` when that source is being polled (or nothing is due). One claim wins.
    pub async fn claim_wire_source(
        &self,
        id: Option<&str>,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<WireSource>> {
        let id = match id {
            Some(id) => id.to_string(),
            None => {
                let Some(row) = sqlx::query(
                    "SELECT id FROM news_wire_sources WHERE enabled = 1 AND next_poll_at <= $1 \
                     AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_poll_at, id LIMIT 1",
                )
                .bind(now)
                .fetch_optional(&self.pool)
                .await?
                else {
                    return Ok(None);
                };
                row.try_get("id")?
            }
        };
        let done = sqlx::query(
            "UPDATE news_wire_sources SET lease_until = $1 WHERE id = $2 AND (lease_until IS NULL OR lease_until <= $3)",
        )
        .bind(lease_until)
        .bind(&id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            self.wire_source(&id, now).await.map(Some)
        } else {
            // Make a missing source a NotFound rather than "being polled".
            self.wire_source(&id, now).await?;
            Ok(None)
        }
    }

    /// Records a poll's outcome on its source and releases the lease (the row version stays: a poll is not an
    /// edit), with the audit entry of a poll someone asked for, in one transaction.
    pub async fn finish_wire_poll(
        &self,
        id: &str,
        r: &WirePollRecord,
        audit: Option<&AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE news_wire_sources SET lease_until = NULL, next_poll_at = $1, last_poll_at = $2, last_outcome = $3, \
             last_error_code = $4, last_error = $5, etag = COALESCE($6, etag), last_modified = COALESCE($7, last_modified), \
             last_items = $8, last_created = $9, last_updated = $10, last_skipped = $11, \
             total_imported = total_imported + $12 WHERE id = $13",
        )
        .bind(r.next_poll_at)
        .bind(r.at)
        .bind(&r.outcome)
        .bind(r.error.as_ref().map(|e| e.code.clone()))
        .bind(r.error.as_ref().map(|e| e.message.clone()))
        .bind(r.etag.as_deref())
        .bind(r.last_modified.as_deref())
        .bind(r.counts.items)
        .bind(r.counts.created)
        .bind(r.counts.updated)
        .bind(r.counts.skipped)
        .bind(r.counts.imported)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(entry) = audit {
            audit::insert(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Asks for a poll as soon as a worker is free.
    pub async fn wire_source_due_now(&self, id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE news_wire_sources SET next_poll_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The item row of (source, original id), if it was imported.
    pub async fn wire_item(&self, source_id: &str, original_id: &str) -> Result<Option<WireItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ITEM_COLS} FROM news_wire_items WHERE source_id = $1 AND original_id = $2"
        )))
        .bind(source_id)
        .bind(original_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(item).transpose()
    }

    /// The items imported from a source, newest first (at most `limit`).
    pub async fn wire_items(&self, source_id: &str, limit: i64) -> Result<Vec<WireItem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ITEM_COLS} FROM news_wire_items WHERE source_id = $1 ORDER BY first_fetched_at DESC, original_id LIMIT $2"
        )))
        .bind(source_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item).collect()
    }

    /// Imports an item as a new story (in `state`, published at `publish_at`) with its item row and audit entry,
    /// in one transaction. `item.article_id` and `item.article_version` are set here. A story of the same wire
    /// name and original id stored already is a conflict (nothing is written).
    pub async fn import_wire_story(
        &self,
        input: &NewsArticleInput,
        state: &str,
        publish_at: Option<i64>,
        author_id: &str,
        item: &WireItem,
        audit: &AuditEntry,
    ) -> Result<NewsArticle> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        news::insert_article(&mut tx, &id, input, state, publish_at, author_id, audit.at).await?;
        // A story published at once reaches the desk's tickers.
        news::bump_if_public(&mut tx, &id, false).await?;
        let mut i = item.clone();
        i.article_id = id.clone();
        i.article_version = 1;
        upsert_item(&mut tx, &i).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.news_article(&id).await
    }

    /// Updates an imported story from its changed item, only if the story is still at `item.article_version`
    /// (nobody has edited, published or otherwise moved it since the import wrote it): `Ok(None)` otherwise, and
    /// then nothing is written but the item's `fetched_at`.
    pub async fn reimport_wire_story(
        &self,
        input: &NewsArticleInput,
        item: &WireItem,
        audit: &AuditEntry,
    ) -> Result<Option<NewsArticle>> {
        let mut tx = self.begin_write().await?;
        let done = news::update_fields(
            &mut tx,
            &item.article_id,
            input,
            item.article_version,
            audit.at,
        )
        .await?;
        if done == 0 {
            tx.rollback().await?;
            self.touch_wire_item(item).await?;
            return Ok(None);
        }
        news::write_parts(&mut tx, &item.article_id, input).await?;
        news::bump_if_public(&mut tx, &item.article_id, false).await?;
        let mut i = item.clone();
        i.article_version += 1;
        upsert_item(&mut tx, &i).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.news_article(&item.article_id).await.map(Some)
    }

    /// Records that an item was seen again unchanged (or left alone).
    pub async fn touch_wire_item(&self, item: &WireItem) -> Result<()> {
        sqlx::query(
            "UPDATE news_wire_items SET fetched_at = $1 WHERE source_id = $2 AND original_id = $3",
        )
        .bind(item.fetched_at)
        .bind(&item.source_id)
        .bind(&item.original_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
