use crate::moderation::{campaigns_using, moderation_cols, moderation_row};
use crate::{
    audit, new_id, now_ms, version, AuditEntry, Media, MediaDeletion, Page, PageRequest, Rendition,
    Result, Store, StoreError,
};
use sqlx::any::AnyRow;
use sqlx::Row;

pub(crate) const COLS: &str = "m.id AS id, m.partner_id AS partner_id, p.slug AS partner, m.sha256 AS sha256, m.kind AS kind, \
    m.media_type AS media_type, m.mime AS mime, m.object_key AS object_key, m.size AS size, m.width AS width, \
    m.height AS height, m.duration_ms AS duration_ms, m.codec AS codec, m.original_name AS original_name, \
    m.created_by AS created_by, m.created_at AS created_at, m.updated_at AS updated_at, m.version AS version";

pub(crate) fn select_media() -> String {
    format!(
        "SELECT {COLS}, {} FROM media m JOIN partners p ON p.id = m.partner_id",
        moderation_cols("m")
    )
}

pub(crate) fn media(row: &AnyRow) -> Result<Media> {
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
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        moderation: moderation_row(row)?,
    })
}

pub(crate) fn rendition(r: &AnyRow) -> Result<Rendition> {
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
    /// Records a stored file with its audit entry (whose `resource_id` is set here), in one transaction. Fields
    /// `partner_id`, `created_at`, `updated_at` and `version` of `m` are assigned here, and `id` when it is empty; `m.partner` names the
    /// owner by slug; `m.moderation` is its review state. Returns `(media, created)`: the same content already
    /// held by the same partner is not added twice (`created == false`, nothing written).
    pub async fn add_media(&self, m: &Media, audit: &AuditEntry) -> Result<(Media, bool)> {
        self.add_media_notified(m, audit, &crate::Outbox::default())
            .await
    }

    /// [`Store::add_media`], also queueing `notify`'s deliveries in its transaction when the item is added. `m.id`
    /// is the new item's id when set (the caller chose it, e.g. to name it in `notify`), else a new one.
    pub async fn add_media_notified(
        &self,
        m: &Media,
        audit: &AuditEntry,
        notify: &crate::Outbox,
    ) -> Result<(Media, bool)> {
        let partner = self.partner_by_slug(&m.partner).await?;
        if let Some(existing) = self.media_by_sha(&partner.id, &m.sha256).await? {
            return Ok((existing, false));
        }
        let id = if m.id.is_empty() {
            new_id()
        } else {
            m.id.clone()
        };
        let at = if audit.at > 0 { audit.at } else { now_ms() };
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO media (id, partner_id, sha256, kind, media_type, mime, object_key, size, width, height, duration_ms, codec, \
             original_name, created_by, created_at, updated_at, moderation, moderation_reason, submitted_by, submitted_at, reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19, $20, $21)",
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
        .bind(at)
        .bind(m.moderation.state.as_str())
        .bind(&m.moderation.reason)
        .bind(&m.moderation.submitted_by)
        .bind(m.moderation.submitted_at)
        .bind(&m.moderation.reviewed_by)
        .bind(m.moderation.reviewed_at)
        .execute(&mut *tx)
        .await;
        match res.map_err(StoreError::from) {
            Ok(_) => {
                let mut entry = audit.clone();
                entry.resource_id = id.clone();
                audit::insert(&mut tx, &entry).await?;
                crate::health::queue(&mut tx, notify, at).await?;
                tx.commit().await?;
                Ok((self.media(&id).await?, true))
            }
            // Lost a race with an identical upload: answer with the winner.
            Err(StoreError::Conflict(_)) => {
                drop(tx);
                match self.media_by_sha(&partner.id, &m.sha256).await? {
                    Some(existing) => Ok((existing, false)),
                    None => Err(StoreError::Conflict("media insert conflict".into())),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Changes media `id`'s file name and owner (`partner_id`) if still at version `expected` (0: any), with
    /// `audit`, in one transaction.
    pub async fn update_media(
        &self,
        id: &str,
        original_name: &str,
        partner_id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Media> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE media SET original_name = $1, partner_id = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 = 0 OR version = $5)",
        )
        .bind(original_name)
        .bind(partner_id)
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

    async fn media_by_sha(&self, partner_id: &str, sha256: &str) -> Result<Option<Media>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE m.partner_id = $1 AND m.sha256 = $2",
            select_media()
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
            .one_row(&format!("{} WHERE m.id = $1", select_media()), id)
            .await?;
        media(&row)
    }

    /// A media item by its content-addressed object key.
    pub async fn media_by_object_key(&self, key: &str) -> Result<Option<Media>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{} WHERE m.object_key = $1 ORDER BY m.id LIMIT 1",
            select_media()
        )))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(media).transpose()
    }

    /// Media ordered by id (newest last), filtered.
    pub async fn list_media(&self, f: &MediaFilter, page: &PageRequest) -> Result<Page<Media>> {
        let mut sql = format!(
            "{} WHERE m.id > $1 AND ($2 = '' OR p.slug = $2) AND ($3 = '' OR m.kind = $3)",
            select_media()
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

    /// Deletes media `id` (and its renditions) if still at version `expected` (0: any) and no campaign's current
    /// or approved version uses it, with `audit`, in one transaction. Returns the object keys no row references
    /// any more, or the campaigns that use it (nothing deleted).
    pub async fn delete_media(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<MediaDeletion> {
        let m = self.media(id).await?;
        let renditions = self.renditions(id).await?;
        let mut tx = self.begin_write().await?;
        let users = campaigns_using(&mut tx, id).await?;
        if !users.is_empty() {
            return Ok(MediaDeletion::InUse(users));
        }
        let done = sqlx::query("DELETE FROM media WHERE id = $1 AND ($2 = 0 OR version = $2)")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        version::outcome(&mut tx, "media", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        let referenced = self.referenced_object_keys().await?;
        let mut orphans: Vec<String> = std::iter::once(m.object_key)
            .chain(renditions.into_iter().map(|r| r.object_key))
            .filter(|k| !referenced.contains(k))
            .collect();
        orphans.dedup();
        Ok(MediaDeletion::Deleted(orphans))
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
