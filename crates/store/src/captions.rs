//! Caption tracks of a video (docs/media.md, "Captions"): each is a rendition row of kind `captions` whose object
//! key is `renditions/<sha256>/captions.<lang>.<hash>.vtt` (the portal reads the language from the key). Setting
//! a language's track replaces that language's rows; the change and its audit entry are one transaction.

use crate::media::rendition;
use crate::{audit, new_id, now_ms, AuditEntry, Rendition, Result, Store};
use sqlx::Row;

/// The object keys of a media item's caption rows in `lang`.
fn lang_pattern(lang: &str) -> String {
    format!("%/captions.{lang}.%")
}

impl Store {
    /// Caption tracks of a media item, by key.
    pub async fn captions(&self, media_id: &str) -> Result<Vec<Rendition>> {
        let rows = sqlx::query(
            "SELECT id, media_id, kind, object_key, mime, size FROM renditions WHERE media_id = $1 AND kind = 'captions' ORDER BY object_key",
        )
        .bind(media_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rendition).collect()
    }

    /// Sets media `media_id`'s caption track in `lang` to the object `object_key` (already stored): the language's
    /// previous rows go, the new row and `audit` are written, in one transaction. Returns the previous rows' keys
    /// that no row references any more (objects to remove).
    pub async fn set_caption(
        &self,
        media_id: &str,
        lang: &str,
        object_key: &str,
        size: i64,
        audit: &AuditEntry,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let old: Vec<String> = sqlx::query(
            "SELECT object_key FROM renditions WHERE media_id = $1 AND kind = 'captions' AND object_key LIKE $2",
        )
        .bind(media_id)
        .bind(lang_pattern(lang))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("object_key"))
        .collect::<std::result::Result<_, _>>()?;
        sqlx::query(
            "DELETE FROM renditions WHERE media_id = $1 AND kind = 'captions' AND object_key LIKE $2",
        )
        .bind(media_id)
        .bind(lang_pattern(lang))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO renditions (id, media_id, kind, object_key, mime, size, created_at) VALUES ($1, $2, 'captions', $3, 'text/vtt', $4, $5)",
        )
        .bind(new_id())
        .bind(media_id)
        .bind(object_key)
        .bind(size)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, audit).await?;
        let mut orphans = Vec::new();
        for key in old {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM renditions WHERE object_key = $1")
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if n == 0 {
                orphans.push(key);
            }
        }
        tx.commit().await?;
        Ok(orphans)
    }

    /// Removes media `media_id`'s caption track in `lang` with `audit`, in one transaction. Returns the removed
    /// keys no row references any more, or `None` when there was no such track.
    pub async fn delete_caption(
        &self,
        media_id: &str,
        lang: &str,
        audit: &AuditEntry,
    ) -> Result<Option<Vec<String>>> {
        let mut tx = self.begin_write().await?;
        let old: Vec<String> = sqlx::query(
            "SELECT object_key FROM renditions WHERE media_id = $1 AND kind = 'captions' AND object_key LIKE $2",
        )
        .bind(media_id)
        .bind(lang_pattern(lang))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get("object_key"))
        .collect::<std::result::Result<_, _>>()?;
        if old.is_empty() {
            return Ok(None);
        }
        sqlx::query(
            "DELETE FROM renditions WHERE media_id = $1 AND kind = 'captions' AND object_key LIKE $2",
        )
        .bind(media_id)
        .bind(lang_pattern(lang))
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, audit).await?;
        let mut orphans = Vec::new();
        for key in old {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM renditions WHERE object_key = $1")
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if n == 0 {
                orphans.push(key);
            }
        }
        tx.commit().await?;
        Ok(Some(orphans))
    }
}
