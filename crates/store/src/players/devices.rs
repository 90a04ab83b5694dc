//! Paired devices and their tokens (one active device per screen).

use crate::{new_id, AuditEntry, Result, Store};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

/// A paired device (one active device per screen).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Device {
    /// Device id.
    pub id: String,
    /// Its screen.
    pub screen_id: String,
    /// Pairing time, epoch ms.
    pub paired_at: i64,
    /// Token expiry, epoch ms.
    pub token_expires_at: i64,
    /// Revocation time, if revoked.
    pub revoked_at: Option<i64>,
    /// Its Ed25519 public key (base64), registered at pairing; `None`: it sends unsigned proof of play.
    pub public_key: Option<String>,
}

/// Why a device token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// No device has this token.
    Unknown,
    /// The token expired.
    Expired,
    /// The device was revoked.
    Revoked,
}

fn device_row(row: &AnyRow) -> Result<Device> {
    Ok(Device {
        id: row.try_get("id")?,
        screen_id: row.try_get("screen_id")?,
        paired_at: row.try_get("created_at")?,
        token_expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        public_key: row.try_get("public_key")?,
    })
}

const DEVICE_COLS: &str = "id, screen_id, created_at, expires_at, revoked_at, public_key";

impl Store {
    /// Creates an active device for `screen_id` directly with `token_hash` and, when given, its Ed25519
    /// `public_key` (base64) (provisioning and tests), revoking the screen's previous devices.
    pub async fn provision_device(
        &self,
        screen_id: &str,
        token_hash: &str,
        public_key: Option<&str>,
        now: i64,
        expires_at: i64,
    ) -> Result<Device> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE devices SET revoked_at = $1 WHERE screen_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(screen_id)
        .execute(&mut *tx)
        .await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO devices (id, screen_id, token_hash, created_at, expires_at, public_key) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(screen_id)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .bind(public_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.device(&id).await
    }

    /// One device by id.
    pub async fn device(&self, id: &str) -> Result<Device> {
        let row = self
            .one_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1"),
                id,
            )
            .await?;
        device_row(&row)
    }

    /// The device holding a token (by hash), or why it is refused.
    pub async fn device_by_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<std::result::Result<Device, TokenState>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Err(TokenState::Unknown));
        };
        let d = device_row(&row)?;
        Ok(if d.revoked_at.is_some() {
            Err(TokenState::Revoked)
        } else if d.token_expires_at <= now {
            Err(TokenState::Expired)
        } else {
            Ok(d)
        })
    }

    /// Every device whose token is valid at `now` (not revoked, not expired), with its token hash: a node's token
    /// cache filled in one query when many screens reach it at once.
    pub async fn valid_devices(&self, now: i64) -> Result<Vec<(String, Device)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT token_hash, {DEVICE_COLS} FROM devices WHERE revoked_at IS NULL AND expires_at > $1"
        )))
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("token_hash")?, device_row(r)?)))
            .collect()
    }

    /// The active (unrevoked) device of a screen, if any.
    pub async fn active_device(&self, screen_id: &str) -> Result<Option<Device>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE screen_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1"
        )))
        .bind(screen_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(device_row).transpose()
    }

    /// Revokes the active devices of a screen at `audit.at`; returns their ids (empty when none was active). When
    /// there were some, writes `audit` with `device: [ids, null]` added to its changes, in the same transaction.
    pub async fn revoke_devices(&self, screen_id: &str, audit: &AuditEntry) -> Result<Vec<String>> {
        let now = audit.at;
        let mut tx = self.begin_write().await?;
        let ids: Vec<String> =
            sqlx::query("SELECT id FROM devices WHERE screen_id = $1 AND revoked_at IS NULL")
                .bind(screen_id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
        sqlx::query(
            "UPDATE devices SET revoked_at = $1 WHERE screen_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(screen_id)
        .execute(&mut *tx)
        .await?;
        if !ids.is_empty() {
            let mut entry = audit.clone();
            if let Some(c) = entry.changes.as_object_mut() {
                c.insert("device".into(), serde_json::json!([ids, null]));
            }
            crate::audit::insert(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }
}
