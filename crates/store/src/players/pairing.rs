//! Pairing codes: a player shows a code, an operator claims it for a screen, the player collects its token.

use super::Device;
use crate::{new_id, AuditEntry, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A pairing request as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairing {
    /// Pairing id.
    pub id: String,
    /// Short code shown by the player (normalized, upper case).
    pub code: String,
    /// SHA-256 (hex) of the poll secret.
    pub secret_hash: String,
    /// Creation, epoch ms.
    pub created_at: i64,
    /// Expiry, epoch ms.
    pub expires_at: i64,
    /// Screen assigned by the claim.
    pub screen_id: Option<String>,
    /// Device created by the claim.
    pub device_id: Option<String>,
    /// Claim time.
    pub claimed_at: Option<i64>,
    /// When the token was handed to the player (once).
    pub delivered_at: Option<i64>,
}

fn pairing_row(row: &AnyRow) -> Result<Pairing> {
    Ok(Pairing {
        id: row.try_get("id")?,
        code: row.try_get("code")?,
        secret_hash: row.try_get("secret_hash")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        screen_id: row.try_get("screen_id")?,
        device_id: row.try_get("device_id")?,
        claimed_at: row.try_get("claimed_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

const PAIRING_COLS: &str =
    "id, code, secret_hash, created_at, expires_at, screen_id, device_id, claimed_at, delivered_at";
impl Store {
    /// Records a new pairing. Fails with [`StoreError::Conflict`] when `code` is held by another live pairing
    /// (unexpired and unclaimed), so the caller can draw another code.
    pub async fn create_pairing(
        &self,
        code: &str,
        secret_hash: &str,
        info: &serde_json::Value,
        public_key: Option<&str>,
        now: i64,
        ttl_ms: i64,
    ) -> Result<Pairing> {
        let mut tx = self.begin_write().await?;
        let taken = sqlx::query(
            "SELECT COUNT(*) AS n FROM pairings WHERE code = $1 AND expires_at > $2 AND claimed_at IS NULL",
        )
        .bind(code)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get::<i64, _>("n")?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("pairing code {code} in use")));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO pairings (id, code, secret_hash, info, created_at, expires_at, public_key) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(code)
        .bind(secret_hash)
        .bind(serde_json::to_string(info)?)
        .bind(now)
        .bind(now + ttl_ms)
        .bind(public_key)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.pairing(&id).await
    }

    /// The unexpired, unclaimed pairing showing `code` at `now`, if any (the newest).
    pub async fn open_pairing(&self, code: &str, now: i64) -> Result<Option<Pairing>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAIRING_COLS} FROM pairings WHERE code = $1 AND expires_at > $2 AND claimed_at IS NULL \
             ORDER BY created_at DESC LIMIT 1"
        )))
        .bind(code)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pairing_row).transpose()
    }

    /// One pairing by id.
    pub async fn pairing(&self, id: &str) -> Result<Pairing> {
        let row = self
            .one_row(
                &format!("SELECT {PAIRING_COLS} FROM pairings WHERE id = $1"),
                id,
            )
            .await?;
        pairing_row(&row)
    }

    /// Claims the live pairing showing `code` for `screen_id` at `audit.at`: creates the screen's device (token to
    /// be set on delivery, expiring `token_ttl_ms` later) and revokes the screen's previous devices, and writes
    /// `audit` with `device: [replaced ids or null, new id]` added to its changes, in one transaction.
    ///
    /// Errors: [`StoreError::NotFound`] when no unexpired pairing has the code (or the screen does not exist:
    /// `Invalid("screen")`), [`StoreError::Conflict`] when it was claimed already (`Conflict("screen-retired")` when
    /// the screen is retired). Returns the new device and
    /// the ids of the devices it replaced.
    pub async fn claim_pairing(
        &self,
        code: &str,
        screen_id: &str,
        token_ttl_ms: i64,
        audit: &AuditEntry,
    ) -> Result<(Device, Vec<String>)> {
        let now = audit.at;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PAIRING_COLS} FROM pairings WHERE code = $1 AND expires_at > $2 ORDER BY created_at DESC LIMIT 1"
        )))
        .bind(code)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let p = pairing_row(&row)?;
        if p.claimed_at.is_some() {
            return Err(StoreError::Conflict("pairing already claimed".into()));
        }
        let retired = sqlx::query("SELECT retired_at FROM screens WHERE id = $1")
            .bind(screen_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::Invalid("screen".into()))?
            .try_get::<Option<i64>, _>("retired_at")?;
        if retired.is_some() {
            return Err(StoreError::Conflict("screen-retired".into()));
        }
        let replaced: Vec<String> =
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
        let device_id = new_id();
        sqlx::query(
            "INSERT INTO devices (id, screen_id, token_hash, created_at, expires_at) VALUES ($1, $2, NULL, $3, $4)",
        )
        .bind(&device_id)
        .bind(screen_id)
        .bind(now)
        .bind(now + token_ttl_ms)
        .execute(&mut *tx)
        .await?;
        let n = sqlx::query(
            "UPDATE pairings SET screen_id = $1, device_id = $2, claimed_at = $3 WHERE id = $4 AND claimed_at IS NULL",
        )
        .bind(screen_id)
        .bind(&device_id)
        .bind(now)
        .bind(&p.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::Conflict("pairing already claimed".into()));
        }
        let mut entry = audit.clone();
        if let Some(c) = entry.changes.as_object_mut() {
            let before = if replaced.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::json!(replaced)
            };
            c.insert("device".into(), serde_json::json!([before, device_id]));
        }
        crate::audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok((self.device(&device_id).await?, replaced))
    }

    /// Hands out the device token of a claimed pairing exactly once: stores `token_hash` on the device and marks
    /// the pairing delivered. [`StoreError::Conflict`] when it was delivered already (or the device was revoked
    /// meanwhile).
    pub async fn deliver_pairing(
        &self,
        pairing_id: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Device> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query(
            "UPDATE pairings SET delivered_at = $1 WHERE id = $2 AND claimed_at IS NOT NULL AND delivered_at IS NULL",
        )
        .bind(now)
        .bind(pairing_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::Conflict("pairing already delivered".into()));
        }
        let n = sqlx::query(
            "UPDATE devices SET token_hash = $1, public_key = (SELECT public_key FROM pairings WHERE id = $2) \
             WHERE id = (SELECT device_id FROM pairings WHERE id = $2) AND token_hash IS NULL AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(pairing_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n != 1 {
            return Err(StoreError::Conflict("device no longer active".into()));
        }
        tx.commit().await?;
        let p = self.pairing(pairing_id).await?;
        self.device(p.device_id.as_deref().unwrap_or_default())
            .await
    }
}
