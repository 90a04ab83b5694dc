//! The public portal's reads and its view counter: the videos anyone may watch (approved video media, with their
//! renditions) and privacy-respecting view counts (one counter per media item and UTC day; nothing about the
//! viewer is stored).

use crate::media::{media, select_media};
use crate::{Media, Rendition, Result, Store};
use sqlx::Row;
use std::collections::HashMap;

/// A video anyone may watch, with its derived files.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicMedia {
    /// The media item.
    pub media: Media,
    /// Its renditions (thumbnail, MP4, HLS files, captions), by kind then key.
    pub renditions: Vec<Rendition>,
}

/// Views of one media item on one day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct DailyViews {
    /// Media id.
    pub media_id: String,
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Views counted that day.
    pub views: i64,
}

impl Store {
    /// A cheap fingerprint of everything the portal's cities are read from (partners, media, renditions): counts,
    /// sums of row versions and the newest change times, in one round trip of aggregates. Two equal stamps mean
    /// nothing the portal shows changed in between (a change bumps a version or a time, a delete drops a count),
    /// so a reader can keep what it read instead of reading every partner again.
    pub async fn portal_stamp(&self) -> Result<String> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM partners) AS pc, \
             (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM partners) AS pv, \
             (SELECT CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) FROM partners) AS pu, \
             (SELECT COUNT(*) FROM media) AS mc, \
             (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM media) AS mv, \
             (SELECT CAST(COALESCE(MAX(created_at), 0) AS BIGINT) FROM media) AS mu, \
             (SELECT COUNT(*) FROM renditions) AS rc",
        )
        .fetch_one(&self.pool)
        .await?;
        let mut parts = Vec::with_capacity(7);
        for col in ["pc", "pv", "pu", "mc", "mv", "mu", "rc"] {
            parts.push(row.try_get::<i64, _>(col)?.to_string());
        }
        Ok(parts.join("."))
    }

    /// Every approved video, oldest first per partner, with its renditions (two queries, whatever the count).
    pub async fn public_videos(&self) -> Result<Vec<PublicMedia>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE m.kind = 'video' AND m.moderation = 'approved' ORDER BY p.slug, m.created_at, m.id",
            select_media()
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<PublicMedia> = rows
            .iter()
            .map(|r| {
                Ok(PublicMedia {
                    media: media(r)?,
                    renditions: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        let index: HashMap<String, usize> = out
            .iter()
            .enumerate()
            .map(|(i, m)| (m.media.id.clone(), i))
            .collect();
        let rows = sqlx::query(
            "SELECT r.id AS id, r.media_id AS media_id, r.kind AS kind, r.object_key AS object_key, r.mime AS mime, \
             r.size AS size FROM renditions r JOIN media m ON m.id = r.media_id \
             WHERE m.kind = 'video' AND m.moderation = 'approved' ORDER BY r.media_id, r.kind, r.object_key",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let media_id: String = r.try_get("media_id")?;
            if let Some(&i) = index.get(&media_id) {
                out[i].renditions.push(Rendition {
                    id: r.try_get("id")?,
                    media_id,
                    kind: r.try_get("kind")?,
                    object_key: r.try_get("object_key")?,
                    mime: r.try_get("mime")?,
                    size: r.try_get("size")?,
                });
            }
        }
        Ok(out)
    }

    /// Counts one view of `media_id` on `day` (`YYYY-MM-DD`, UTC). `false` when there is no such media item.
    pub async fn record_view(&self, media_id: &str, day: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT 1 AS one FROM media WHERE id = $1")
            .bind(media_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO media_views (media_id, day, views) VALUES ($1, $2, 1) \
             ON CONFLICT (media_id, day) DO UPDATE SET views = media_views.views + 1",
        )
        .bind(media_id)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Views per media item and day for days in `from..=to` (`YYYY-MM-DD`), by day then media id.
    pub async fn daily_views(&self, from: &str, to: &str) -> Result<Vec<DailyViews>> {
        let rows = sqlx::query(
            "SELECT media_id, day, views FROM media_views WHERE day >= $1 AND day <= $2 ORDER BY day, media_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DailyViews {
                    media_id: r.try_get("media_id")?,
                    day: r.try_get("day")?,
                    views: r.try_get("views")?,
                })
            })
            .collect()
    }
}
