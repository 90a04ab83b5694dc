use crate::{new_id, now_ms, Media, Page, PageRequest, Rendition, Result, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLS: &str = "m.id AS id, m.partner_id AS partner_id, p.slug AS partner, m.sha256 AS sha256, m.kind AS kind, \
    m.media_type AS media_type, m.mime AS mime, m.object_key AS object_key, m.size AS size, m.width AS width, \
    m.height AS height, m.duration_ms AS duration_ms, m.codec AS codec, m.original_name AS original_name, \
    m.created_by AS created_by, m.created_at AS created_at";

fn media(row: &AnyRow) -> Result<Media> {
    Ok(Media {
        id: row.try_get("id")?,
        partner_id: row.try_get("partner_id")?,
        partner: row.try_get("partner")?,
        sha256: row.try_get("sha256")?,
        kind: row.try_get("kind")?,
        media_type: row.try_get("media_type")?,
        mime: row.try_get("mime")?,
        object_key: row.try_get("object_key")?,
        size: row.try_get("size")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        duration_ms: row.try_get("duration_ms")?,
        codec: row.try_get("codec")?,
        original_name: row.try_get("original_name")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn rendition(r: &AnyRow) -> Result<Rendition> {
    Ok(Rendition {
        id: r.try_get("id")?,
        media_id: r.try_get("media_id")?,
        kind: r.try_get("kind")?,
        object_key: r.try_get("object_key")?,
        mime: r.try_get("mime")?,
        size: r.try_get("size")?,
    })
}

/// Filters of the media list.
#[derive(Debug, Clone, Default)]
pub struct MediaFilter {
    /// Only this partner's (slug).
    pub partner: Option<String>,
    /// Only this kind (`video`, `image`).
    pub kind: Option<String>,
    /// Only these partners (slugs), for scoped accounts; `None` = all.
    pub within: Option<Vec<String>>,
}

impl Store {
    /// Records a stored file. Fields `id`, `partner_id` and `created_at` of `m` are assigned here; `m.partner` names
    /// the owner by slug. Returns `(media, created)`: the same content already held by the same partner is not
    /// added twice (`created == false`).
    pub async fn add_media(&self, m: &Media) -> Result<(Media, bool)> {
        let partner = self.partner_by_slug(&m.partner).await?;
        if let Some(existing) = self.media_by_sha(&partner.id, &m.sha256).await? {
            return Ok((existing, false));
        }
        let id = new_id();
        let res = sqlx::query(
            "INSERT INTO media (id, partner_id, sha256, kind, media_type, mime, object_key, size, width, height, duration_ms, codec, original_name, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&id)
        .bind(&partner.id)
        .bind(&m.sha256)
        .bind(&m.kind)
        .bind(&m.media_type)
        .bind(&m.mime)
        .bind(&m.object_key)
        .bind(m.size)
        .bind(m.width)
        .bind(m.height)
        .bind(m.duration_ms)
        .bind(&m.codec)
        .bind(&m.original_name)
        .bind(&m.created_by)
        .bind(now_ms())
        .execute(&self.pool)
        .await;
        match res.map_err(StoreError::from) {
            Ok(_) => Ok((self.media(&id).await?, true)),
            // Lost a race with an identical upload: answer with the winner.
            Err(StoreError::Conflict(_)) => {
                match self.media_by_sha(&partner.id, &m.sha256).await? {
                    Some(existing) => Ok((existing, false)),
                    None => Err(StoreError::Conflict("media insert conflict".into())),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn media_by_sha(&self, partner_id: &str, sha256: &str) -> Result<Option<Media>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM media m JOIN partners p ON p.id = m.partner_id WHERE m.partner_id = $1 AND m.sha256 = $2"
        )))
        .bind(partner_id)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(media).transpose()
    }

    /// Whether any media row holds this content.
    pub async fn media_sha_known(&self, sha256: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM media WHERE sha256 = $1")
            .bind(sha256)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Every object key referenced by media or renditions (for garbage collection).
    pub async fn referenced_object_keys(&self) -> Result<std::collections::HashSet<String>> {
        let rows =
            sqlx::query("SELECT object_key FROM media UNION SELECT object_key FROM renditions")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("object_key")?))
            .collect()
    }

    /// One media item.
    pub async fn media(&self, id: &str) -> Result<Media> {
        let row = self
            .one_row(
                &format!(
            "SELECT {COLS} FROM media m JOIN partners p ON p.id = m.partner_id WHERE m.id = $1"
        ),
                id,
            )
            .await?;
        media(&row)
    }

    /// A media item by its content-addressed object key.
    pub async fn media_by_object_key(&self, key: &str) -> Result<Option<Media>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM media m JOIN partners p ON p.id = m.partner_id WHERE m.object_key = $1 ORDER BY m.id LIMIT 1"
        )))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(media).transpose()
    }

    /// Media ordered by id (newest last), filtered.
    pub async fn list_media(&self, f: &MediaFilter, page: &PageRequest) -> Result<Page<Media>> {
        let mut sql = format!(
            "SELECT {COLS} FROM media m JOIN partners p ON p.id = m.partner_id \
             WHERE m.id > $1 AND ($2 = '' OR p.slug = $2) AND ($3 = '' OR m.kind = $3)"
        );
        let within = f.within.clone().unwrap_or_default();
        if f.within.is_some() {
            if within.is_empty() {
                return Ok(Page {
                    items: vec![],
                    next_cursor: None,
                });
            }
            let marks: Vec<String> = (0..within.len()).map(|i| format!("${}", i + 5)).collect();
            sql.push_str(&format!(" AND p.slug IN ({})", marks.join(", ")));
        }
        sql.push_str(" ORDER BY m.id LIMIT $4");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(page.after()?)
            .bind(f.partner.clone().unwrap_or_default())
            .bind(f.kind.clone().unwrap_or_default())
            .bind(page.limit() + 1);
        for slug in &within {
            q = q.bind(slug);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let items = rows.iter().map(media).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |m| &m.id))
    }

    /// Deletes a media row (and its renditions); returns the object keys no row references any more.
    pub async fn delete_media(&self, id: &str) -> Result<Vec<String>> {
        let m = self.media(id).await?;
        let renditions = self.renditions(id).await?;
        let done = sqlx::query("DELETE FROM media WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let referenced = self.referenced_object_keys().await?;
        let mut orphans: Vec<String> = std::iter::once(m.object_key)
            .chain(renditions.into_iter().map(|r| r.object_key))
            .filter(|k| !referenced.contains(k))
            .collect();
        orphans.dedup();
        Ok(orphans)
    }

    /// Records a derived file of a media item (idempotent on media, kind and key).
    pub async fn add_rendition(
        &self,
        media_id: &str,
        kind: &str,
        object_key: &str,
        mime: &str,
        size: i64,
    ) -> Result<()> {
        let exists = sqlx::query(
            "SELECT id FROM renditions WHERE media_id = $1 AND kind = $2 AND object_key = $3",
        )
        .bind(media_id)
        .bind(kind)
        .bind(object_key)
        .fetch_optional(&self.pool)
        .await?;
        if exists.is_some() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO renditions (id, media_id, kind, object_key, mime, size, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(media_id)
        .bind(kind)
        .bind(object_key)
        .bind(mime)
        .bind(size)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Derived files of a media item.
    pub async fn renditions(&self, media_id: &str) -> Result<Vec<Rendition>> {
        let rows = sqlx::query(
            "SELECT id, media_id, kind, object_key, mime, size FROM renditions WHERE media_id = $1 ORDER BY kind, object_key",
        )
        .bind(media_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rendition).collect()
    }

    /// A rendition by object key.
    pub async fn rendition_by_object_key(&self, key: &str) -> Result<Option<Rendition>> {
        let row = sqlx::query("SELECT id, media_id, kind, object_key, mime, size FROM renditions WHERE object_key = $1 LIMIT 1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rendition).transpose()
    }
}
