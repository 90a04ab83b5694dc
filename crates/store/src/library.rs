//! The media library as the console shows it: media with tags, thumbnail and transcoding state, filtered by
//! partner, kind, tag and text, newest first in keyset pages (fast at 100,000 items); tags are edited here.

use crate::media::{media, select_media};
use crate::places::like_pattern;
use crate::{audit, version, AuditEntry, Media, Page, PageRequest, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Filters of the library.
#[derive(Debug, Clone, Default)]
pub struct LibraryFilter {
    /// Only this partner's (slug).
    pub partner: Option<String>,
    /// Only this kind (`video`, `image`).
    pub kind: Option<String>,
    /// Only items with this tag.
    pub tag: Option<String>,
    /// Only items whose file name contains this text (case-insensitive).
    pub q: Option<String>,
    /// Only these partners (slugs), for partner-editors; `None` = all.
    pub within: Option<Vec<String>>,
}

/// A media item with what the library shows beside it.
#[derive(Debug, Clone)]
pub struct LibraryItem {
    /// The item.
    pub media: Media,
    /// Its tags.
    pub tags: Vec<String>,
    /// Object key of its thumbnail, once made.
    pub thumbnail: Option<String>,
    /// Status of its newest processing job (`queued`, `running`, `done`, `failed`), if any.
    pub job: Option<String>,
}

fn item(row: &AnyRow) -> Result<LibraryItem> {
    Ok(LibraryItem {
        media: media(row)?,
        tags: serde_json::from_str(&row.try_get::<String, _>("tags")?)?,
        thumbnail: row.try_get("thumb")?,
        job: row.try_get("job")?,
    })
}

fn select_items() -> String {
    select_media().replacen(
        " FROM media m",
        ", m.tags AS tags, \
         (SELECT r.object_key FROM renditions r WHERE r.media_id = m.id AND r.kind = 'thumbnail' ORDER BY r.object_key LIMIT 1) AS thumb, \
         (SELECT j.status FROM jobs j WHERE j.media_id = m.id ORDER BY j.created_at DESC, j.id DESC LIMIT 1) AS job \
         FROM media m",
        1,
    )
}

impl Store {
    /// The library, newest first, filtered.
    pub async fn media_library(
        &self,
        f: &LibraryFilter,
        page: &PageRequest,
    ) -> Result<Page<LibraryItem>> {
        let mut sql = format!(
            "{} WHERE ($1 = '' OR m.id < $1) AND ($2 = '' OR p.slug = $2) AND ($3 = '' OR m.kind = $3) \
             AND ($4 = '' OR m.tags LIKE $4 ESCAPE '\\') AND ($5 = '' OR LOWER(m.original_name) LIKE $5 ESCAPE '\\')",
            select_items()
        );
        let within = f.within.clone().unwrap_or_default();
        if f.within.is_some() {
            if within.is_empty() {
                return Ok(Page {
                    items: vec![],
                    next_cursor: None,
                });
            }
            let marks: Vec<String> = (0..within.len()).map(|i| format!("${}", i + 7)).collect();
            sql.push_str(&format!(" AND p.slug IN ({})", marks.join(", ")));
        }
        sql.push_str(" ORDER BY m.id DESC LIMIT $6");
        let nonempty = |o: &Option<String>| o.clone().filter(|s| !s.is_empty());
        let tag = nonempty(&f.tag)
            .map(|t| like_pattern(&format!("\"{t}\""), false))
            .unwrap_or_default();
        let q = nonempty(&f.q)
            .map(|q| like_pattern(&q, true))
            .unwrap_or_default();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(page.after()?)
            .bind(nonempty(&f.partner).unwrap_or_default())
            .bind(nonempty(&f.kind).unwrap_or_default())
            .bind(tag)
            .bind(q)
            .bind(page.limit() + 1);
        for slug in &within {
            query = query.bind(slug);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let items = rows.iter().map(item).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |i| &i.media.id))
    }

    /// One library item.
    pub async fn library_item(&self, id: &str) -> Result<LibraryItem> {
        let row = self
            .one_row(&format!("{} WHERE m.id = $1", select_items()), id)
            .await?;
        item(&row)
    }

    /// Replaces media `id`'s tags if still at version `expected` (0: any), with `audit`, in one transaction.
    pub async fn set_media_tags(
        &self,
        id: &str,
        tags: &[String],
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Media> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE media SET tags = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND ($4 = 0 OR version = $4)",
        )
        .bind(serde_json::to_string(tags)?)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "media", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.media(id).await
    }
}
