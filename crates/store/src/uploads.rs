//! Resumable upload sessions: the row that says how many bytes of a file have arrived in its spool file.

use crate::{audit, new_id, AuditEntry, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// An upload in progress: a file of `size` bytes for `partner`, of which `received` bytes are in the spool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UploadSession {
    /// Id (UUIDv7).
    pub id: String,
    /// The owner partner's slug.
    pub partner: String,
    /// The file name the media item will get.
    pub file_name: String,
    /// The whole file's size in bytes, declared when the session starts.
    pub size: i64,
    /// The type the client declared (informative: the type is read from the content at completion).
    pub mime: String,
    /// Bytes received so far: the offset the next chunk must start at.
    pub received: i64,
    /// The account that started it.
    pub created_by: Option<String>,
    /// When it started (epoch ms).
    pub created_at: i64,
    /// When the last chunk arrived (epoch ms).
    pub updated_at: i64,
    /// When it is removed unless a chunk arrives before (epoch ms).
    pub expires_at: i64,
}

const SELECT: &str = "SELECT u.id AS id, p.slug AS partner, u.file_name AS file_name, u.size AS size, u.mime AS mime, \
    u.received AS received, u.created_by AS created_by, u.created_at AS created_at, u.updated_at AS updated_at, \
    u.expires_at AS expires_at FROM upload_sessions u JOIN partners p ON p.id = u.partner_id";

fn session(row: &AnyRow) -> Result<UploadSession> {
    Ok(UploadSession {
        id: row.try_get("id")?,
        partner: row.try_get("partner")?,
        file_name: row.try_get("file_name")?,
        size: row.try_get("size")?,
        mime: row.try_get("mime")?,
        received: row.try_get("received")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Starts an upload session (`id`, `received`, `created_at` and `updated_at` are assigned here, the times from
    /// `audit.at`) with its audit entry, in one transaction.
    pub async fn create_upload(
        &self,
        u: &UploadSession,
        audit: &AuditEntry,
    ) -> Result<UploadSession> {
        let partner = self.partner_by_slug(&u.partner).await?;
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO upload_sessions (id, partner_id, file_name, size, mime, received, created_by, created_at, updated_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7, $8)",
        )
        .bind(&id)
        .bind(&partner.id)
        .bind(&u.file_name)
        .bind(u.size)
        .bind(&u.mime)
        .bind(&u.created_by)
        .bind(audit.at)
        .bind(u.expires_at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.upload(&id).await
    }

    /// One upload session (`NotFound` when there is none).
    pub async fn upload(&self, id: &str) -> Result<UploadSession> {
        let row = self
            .one_row(&format!("{SELECT} WHERE u.id = $1"), id)
            .await?;
        session(&row)
    }

    /// Moves session `id`'s offset from `from` to `to` (and its expiry), only if it is still at `from`. Returns
    /// whether it moved (false: another request moved it first, or the session is gone).
    pub async fn advance_upload(
        &self,
        id: &str,
        from: i64,
        to: i64,
        at: i64,
        expires_at: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE upload_sessions SET received = $1, updated_at = $2, expires_at = $3 WHERE id = $4 AND received = $5",
        )
        .bind(to)
        .bind(at)
        .bind(expires_at)
        .bind(id)
        .bind(from)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Removes session `id` (completed, abandoned or expired), with `audit` when given, in one transaction.
    /// Returns whether it was there.
    pub async fn delete_upload(&self, id: &str, audit: Option<&AuditEntry>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM upload_sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        if let Some(a) = audit {
            audit::insert(&mut tx, a).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Up to `limit` sessions whose expiry is at or before `now`.
    pub async fn expired_uploads(&self, now: i64, limit: i64) -> Result<Vec<UploadSession>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE u.expires_at <= $1 ORDER BY u.expires_at LIMIT $2"
        )))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(session).collect()
    }

    /// Whether a session with this id exists (for removing spool files left without one).
    pub async fn upload_exists(&self, id: &str) -> Result<bool> {
        match self.upload(id).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
