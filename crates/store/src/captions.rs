//! Caption tracks of a video (docs/media.md, "Captions"): each is a rendition row of kind `captions` whose object
//! key is `renditions/<sha256>/captions.<lang>.<hash>.vtt` (the portal reads the language from the key). Setting
//! a language's track replaces that language's rows; the change and its audit entry are one transaction.
//!
//! A track's screen rendition with the captions burnt in is a rendition of kind [`CAPTIONED`] whose key is
//! `renditions/<sha256>/screen.<lang>.<hash of the track>.mp4`; removing a track removes it in the same
//! transaction (and raises the schedule version: manifests named it).

use crate::media::rendition;
use crate::{audit, new_id, now_ms, AuditEntry, Rendition, Result, Store};
use sqlx::Row;

/// Kind of a screen rendition with one language's captions burnt in.
pub const CAPTIONED: &str = "mp4-captions";

/// The object keys of a media item's caption rows in `lang`.
fn lang_pattern(lang: &str) -> String {
    format!("%/captions.{lang}.%")
}

/// The object keys of a media item's burnt-in rows in `lang`.
fn captioned_pattern(lang: &str) -> String {
    format!("%/screen.{lang}.%")
}

/// The language of a burnt-in rendition's key (`…/screen.<lang>.<hash>.mp4`).
pub fn captioned_lang(key: &str) -> Option<&str> {
    let name = key.rsplit('/').next()?.strip_prefix("screen.")?;
    let name = name.strip_suffix(".mp4")?;
    Some(name.rsplit_once('.')?.0)
}

/// The keys among `keys` that no rendition row references any more.
async fn unreferenced(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    keys: Vec<String>,
) -> Result<Vec<String>> {
    let mut orphans = Vec::new();
    for key in keys {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM renditions WHERE object_key = $1")
            .bind(&key)
            .fetch_one(&mut **tx)
            .await?
            .try_get("n")?;
        if n == 0 {
            orphans.push(key);
        }
    }
    Ok(orphans)
}

/// Deletes a media item's rows of `kind` whose key is LIKE `pattern` (other than `keep`); returns their keys.
async fn take_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    media_id: &str,
    kind: &str,
    pattern: &str,
    keep: &str,
) -> Result<Vec<String>> {
    let old: Vec<String> = sqlx::query(
        "SELECT object_key FROM renditions WHERE media_id = $1 AND kind = $2 AND object_key LIKE $3 AND object_key <> $4",
    )
    .bind(media_id)
    .bind(kind)
    .bind(pattern)
    .bind(keep)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get("object_key"))
    .collect::<std::result::Result<_, _>>()?;
    sqlx::query(
        "DELETE FROM renditions WHERE media_id = $1 AND kind = $2 AND object_key LIKE $3 AND object_key <> $4",
    )
    .bind(media_id)
    .bind(kind)
    .bind(pattern)
    .bind(keep)
    .execute(&mut **tx)
    .await?;
    Ok(old)
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
    /// that no row references any more (objects to remove). The burnt-in rendition of the previous track stays
    /// until the new one's is made ([`Store::set_captioned`]).
    pub async fn set_caption(
        &self,
        media_id: &str,
        lang: &str,
        object_key: &str,
        size: i64,
        audit: &AuditEntry,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let old = take_rows(&mut tx, media_id, "captions", &lang_pattern(lang), "").await?;
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
        let orphans = unreferenced(&mut tx, old).await?;
        tx.commit().await?;
        Ok(orphans)
    }

    /// Removes media `media_id`'s caption track in `lang`, and its burnt-in screen rendition, with `audit`, in one
    /// transaction (the schedule version is raised when a burnt-in rendition went). Returns the removed keys no
    /// row references any more, or `None` when there was no such track.
    pub async fn delete_caption(
        &self,
        media_id: &str,
        lang: &str,
        audit: &AuditEntry,
    ) -> Result<Option<Vec<String>>> {
        let mut tx = self.begin_write().await?;
        let mut old = take_rows(&mut tx, media_id, "captions", &lang_pattern(lang), "").await?;
        if old.is_empty() {
            return Ok(None);
        }
        let burnt = take_rows(&mut tx, media_id, CAPTIONED, &captioned_pattern(lang), "").await?;
        if !burnt.is_empty() {
            crate::schedule::bump(&mut tx).await?;
        }
        old.extend(burnt);
        audit::insert(&mut tx, audit).await?;
        let orphans = unreferenced(&mut tx, old).await?;
        tx.commit().await?;
        Ok(Some(orphans))
    }

    /// Records the burnt-in screen rendition of media `media_id`'s `lang` captions (track `track_key`) stored at
    /// `object_key` (with its SHA-256), in place of that language's previous one, and raises the schedule version,
    /// in one transaction. Returns the replaced keys no row references any more; when the track was replaced or
    /// removed meanwhile, nothing is recorded and `object_key` itself is returned (to remove).
    pub async fn set_captioned(
        &self,
        media_id: &str,
        lang: &str,
        track_key: &str,
        object_key: &str,
        size: i64,
        sha256: &str,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let track = sqlx::query(
            "SELECT id FROM renditions WHERE media_id = $1 AND kind = 'captions' AND object_key = $2",
        )
        .bind(media_id)
        .bind(track_key)
        .fetch_optional(&mut *tx)
        .await?;
        if track.is_none() {
            tx.rollback().await?;
            return Ok(vec![object_key.to_string()]);
        }
        let old = take_rows(
            &mut tx,
            media_id,
            CAPTIONED,
            &captioned_pattern(lang),
            object_key,
        )
        .await?;
        let exists =
            sqlx::query("SELECT id FROM renditions WHERE media_id = $1 AND object_key = $2")
                .bind(media_id)
                .bind(object_key)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            sqlx::query(
                "INSERT INTO renditions (id, media_id, kind, object_key, mime, size, sha256, created_at) VALUES ($1, $2, $3, $4, 'video/mp4', $5, $6, $7)",
            )
            .bind(new_id())
            .bind(media_id)
            .bind(CAPTIONED)
            .bind(object_key)
            .bind(size)
            .bind(sha256)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        crate::schedule::bump(&mut tx).await?;
        let orphans = unreferenced(&mut tx, old).await?;
        tx.commit().await?;
        Ok(orphans)
    }

    /// A media item's burnt-in screen renditions, by key.
    pub async fn captioned(&self, media_id: &str) -> Result<Vec<Rendition>> {
        let rows = sqlx::query(
            "SELECT id, media_id, kind, object_key, mime, size FROM renditions WHERE media_id = $1 AND kind = $2 ORDER BY object_key",
        )
        .bind(media_id)
        .bind(CAPTIONED)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rendition).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_language_of_a_burnt_in_key() {
        assert_eq!(
            super::captioned_lang("renditions/ab/screen.zh-Hans.0123.mp4"),
            Some("zh-Hans")
        );
        assert_eq!(
            super::captioned_lang("renditions/ab/screen.ru.ff.mp4"),
            Some("ru")
        );
        assert_eq!(super::captioned_lang("renditions/ab/normalized.mp4"), None);
        assert_eq!(super::captioned_lang("renditions/ab/screen.mp4"), None);
    }
}
