//! Players: pairing codes, device tokens, heartbeat status, proof of play and screenshots
//! (see `docs/player-protocol.md`).
//!
//! Secrets never reach the database in clear: callers pass SHA-256 hashes of poll secrets and device tokens.

use crate::{new_id, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

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

/// One proof-of-play event as a player reports it (the wire type, `docs/player-protocol.md` §6).
pub use twincast_protocol::PlayEvent;

/// Outcome of recording a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlayBatchResult {
    /// New events stored.
    pub accepted: u64,
    /// Events whose id was already stored (no-ops).
    pub duplicates: u64,
}

/// Filters of play aggregates; empty strings / `None` mean "any".
#[derive(Debug, Clone, Default)]
pub struct PlayFilter {
    /// Screen id.
    pub screen: Option<String>,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// `started_at >= from`.
    pub from: Option<i64>,
    /// `started_at < to`.
    pub to: Option<i64>,
}

/// How to group play aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayGrouping {
    /// By partner slug (alert plays have no partner: key `None`).
    Partner,
    /// By location id.
    Location,
    /// By UTC day of `started_at` (`YYYY-MM-DD`).
    Day,
}

/// One aggregate row.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PlayAggregate {
    /// Group key (slug, location id or date); `None` for plays without a partner.
    pub key: Option<String>,
    /// Number of plays.
    pub plays: i64,
    /// Total played seconds (device time).
    pub seconds: f64,
}

/// The last heartbeat of a screen.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScreenStatusRow {
    /// Screen id.
    pub screen_id: String,
    /// Device that sent it.
    pub device_id: Option<String>,
    /// The heartbeat body as sent (JSON).
    #[schema(value_type = Object)]
    pub heartbeat: serde_json::Value,
    /// Estimated device clock offset (server − device), ms.
    pub clock_offset_ms: Option<i64>,
    /// Receive time, epoch ms.
    pub updated_at: i64,
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

fn device_row(row: &AnyRow) -> Result<Device> {
    Ok(Device {
        id: row.try_get("id")?,
        screen_id: row.try_get("screen_id")?,
        paired_at: row.try_get("created_at")?,
        token_expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

const PAIRING_COLS: &str =
    "id, code, secret_hash, created_at, expires_at, screen_id, device_id, claimed_at, delivered_at";
const DEVICE_COLS: &str = "id, screen_id, created_at, expires_at, revoked_at";

/// `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian).
pub fn civil_date(days: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

/// One heartbeat to store.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatRecord {
    /// Screen.
    pub screen_id: String,
    /// Device that sent it.
    pub device_id: String,
    /// The heartbeat as JSON text.
    pub body: String,
    /// Server time minus device time, ms.
    pub clock_offset_ms: Option<i64>,
    /// Server receive time, epoch ms.
    pub at: i64,
}

impl Store {
    // ---------------------------------------------------------------- pairing

    /// Records a new pairing. Fails with [`StoreError::Conflict`] when `code` is held by another live pairing
    /// (unexpired and unclaimed), so the caller can draw another code.
    pub async fn create_pairing(
        &self,
        code: &str,
        secret_hash: &str,
        info: &serde_json::Value,
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
            "INSERT INTO pairings (id, code, secret_hash, info, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(code)
        .bind(secret_hash)
        .bind(serde_json::to_string(info)?)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.pairing(&id).await
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

    /// Claims the live pairing showing `code` for `screen_id`: creates the screen's device (token to be set on
    /// delivery, expiring `token_ttl_ms` after `now`) and revokes the screen's previous devices.
    ///
    /// Errors: [`StoreError::NotFound`] when no unexpired pairing has the code (or the screen does not exist:
    /// `Invalid("screen")`), [`StoreError::Conflict`] when it was claimed already. Returns the new device and
    /// the ids of the devices it replaced.
    pub async fn claim_pairing(
        &self,
        code: &str,
        screen_id: &str,
        now: i64,
        token_ttl_ms: i64,
    ) -> Result<(Device, Vec<String>)> {
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
        let exists = sqlx::query("SELECT COUNT(*) AS n FROM screens WHERE id = $1")
            .bind(screen_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if exists == 0 {
            return Err(StoreError::Invalid("screen".into()));
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
            "UPDATE devices SET token_hash = $1 WHERE id = (SELECT device_id FROM pairings WHERE id = $2) \
             AND token_hash IS NULL AND revoked_at IS NULL",
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

    // ---------------------------------------------------------------- devices

    /// Creates an active device for `screen_id` directly with `token_hash` (provisioning and tests), revoking the
    /// screen's previous devices.
    pub async fn provision_device(
        &self,
        screen_id: &str,
        token_hash: &str,
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
            "INSERT INTO devices (id, screen_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(screen_id)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
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

    /// Revokes the active devices of a screen; returns their ids (empty when none was active).
    pub async fn revoke_devices(&self, screen_id: &str, now: i64) -> Result<Vec<String>> {
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
        tx.commit().await?;
        Ok(ids)
    }

    // ---------------------------------------------------------------- status

    /// Marks a screen as heard from at `now`.
    pub async fn touch_screen(&self, screen_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE screens SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(screen_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores a screen's latest heartbeat and marks it as heard from.
    pub async fn record_heartbeat(
        &self,
        screen_id: &str,
        device_id: &str,
        heartbeat: &serde_json::Value,
        clock_offset_ms: Option<i64>,
        now: i64,
    ) -> Result<()> {
        self.record_heartbeats(&[HeartbeatRecord {
            screen_id: screen_id.to_string(),
            device_id: device_id.to_string(),
            body: serde_json::to_string(heartbeat)?,
            clock_offset_ms,
            at: now,
        }])
        .await
    }

    /// Stores several heartbeats in one transaction (group commit: one durable write for many screens).
    pub async fn record_heartbeats(&self, rows: &[HeartbeatRecord]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            let n = sqlx::query(
                "UPDATE screen_status SET device_id = $1, heartbeat = $2, clock_offset_ms = $3, updated_at = $4 WHERE screen_id = $5",
            )
            .bind(&r.device_id)
            .bind(&r.body)
            .bind(r.clock_offset_ms)
            .bind(r.at)
            .bind(&r.screen_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                sqlx::query(
                    "INSERT INTO screen_status (screen_id, device_id, heartbeat, clock_offset_ms, updated_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&r.screen_id)
                .bind(&r.device_id)
                .bind(&r.body)
                .bind(r.clock_offset_ms)
                .bind(r.at)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE screens SET last_seen_at = $1 WHERE id = $2")
                .bind(r.at)
                .bind(&r.screen_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest heartbeat of a screen, if any.
    pub async fn screen_status(&self, screen_id: &str) -> Result<Option<ScreenStatusRow>> {
        let row = sqlx::query(
            "SELECT screen_id, device_id, heartbeat, clock_offset_ms, updated_at FROM screen_status WHERE screen_id = $1",
        )
        .bind(screen_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ScreenStatusRow {
                screen_id: r.try_get("screen_id")?,
                device_id: r.try_get("device_id")?,
                heartbeat: serde_json::from_str(&r.try_get::<String, _>("heartbeat")?)?,
                clock_offset_ms: r.try_get("clock_offset_ms")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .transpose()
    }

    // ---------------------------------------------------------------- proof of play

    /// Records a batch of plays of `screen_id` in one transaction (durable when this returns). Events whose id is
    /// already stored for the screen are no-ops. The partner of a campaign play is the campaign's partner when
    /// the campaign exists, else the reported one.
    pub async fn record_plays(
        &self,
        screen_id: &str,
        device_id: &str,
        events: &[PlayEvent],
        received_at: i64,
    ) -> Result<PlayBatchResult> {
        let location: String = self
            .one_row("SELECT location_id FROM screens WHERE id = $1", screen_id)
            .await?
            .try_get("location_id")?;
        let mut tx = self.begin_write().await?;
        let mut accepted = 0u64;
        for e in events {
            let n = sqlx::query(
                "INSERT INTO plays (screen_id, id, device_id, location_id, partner, campaign_id, item_id, alert_id, \
                 started_at, ended_at, received_at) VALUES ($1, $2, $3, $4, \
                 COALESCE((SELECT p.slug FROM campaigns c JOIN partners p ON p.id = c.partner_id WHERE c.id = $6), $5), \
                 NULLIF($6, ''), $7, $8, $9, $10, $11) ON CONFLICT (screen_id, id) DO NOTHING",
            )
            .bind(screen_id)
            .bind(&e.id)
            .bind(device_id)
            .bind(&location)
            .bind(if e.alert.is_some() { None } else { e.partner.clone() })
            .bind(e.campaign.as_deref().unwrap_or(""))
            .bind(&e.item)
            .bind(&e.alert)
            .bind(e.started_at)
            .bind(e.ended_at)
            .bind(received_at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            accepted += n;
        }
        sqlx::query("UPDATE screens SET last_seen_at = $1 WHERE id = $2")
            .bind(received_at)
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(PlayBatchResult {
            accepted,
            duplicates: events.len() as u64 - accepted,
        })
    }

    /// Play counts and seconds grouped by partner, location or UTC day, sorted by key.
    pub async fn play_aggregates(
        &self,
        filter: &PlayFilter,
        by: PlayGrouping,
    ) -> Result<Vec<PlayAggregate>> {
        let key = match by {
            PlayGrouping::Partner => "partner",
            PlayGrouping::Location => "location_id",
            PlayGrouping::Day => "(started_at / 86400000)",
        };
        let sql = format!(
            "SELECT {key} AS k, COUNT(*) AS n, CAST(SUM(ended_at - started_at) AS BIGINT) AS ms FROM plays \
             WHERE ($1 = '' OR screen_id = $1) AND ($2 = '' OR partner = $2) AND ($3 = '' OR location_id = $3) \
             AND started_at >= $4 AND started_at < $5 GROUP BY {key} ORDER BY {key}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(filter.screen.as_deref().unwrap_or(""))
            .bind(filter.partner.as_deref().unwrap_or(""))
            .bind(filter.location.as_deref().unwrap_or(""))
            .bind(filter.from.unwrap_or(i64::MIN))
            .bind(filter.to.unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let key = match by {
                    PlayGrouping::Day => Some(civil_date(r.try_get::<i64, _>("k")?)),
                    _ => r.try_get::<Option<String>, _>("k")?,
                };
                Ok(PlayAggregate {
                    key,
                    plays: r.try_get("n")?,
                    seconds: r.try_get::<Option<i64>, _>("ms")?.unwrap_or(0) as f64 / 1000.0,
                })
            })
            .collect()
    }

    /// Number of stored plays of a screen (all time).
    pub async fn play_count(&self, screen_id: &str) -> Result<i64> {
        Ok(
            sqlx::query("SELECT COUNT(*) AS n FROM plays WHERE screen_id = $1")
                .bind(screen_id)
                .fetch_one(&self.pool)
                .await?
                .try_get("n")?,
        )
    }

    // ---------------------------------------------------------------- screenshots

    /// Keeps `data` as the latest screenshot of a screen.
    pub async fn save_screenshot(
        &self,
        screen_id: &str,
        mime: &str,
        data: &[u8],
        now: i64,
    ) -> Result<()> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM screenshots WHERE screen_id = $1")
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO screenshots (screen_id, mime, data_b64, taken_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(screen_id)
        .bind(mime)
        .bind(b64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest screenshot of a screen: (MIME type, bytes, time).
    pub async fn screenshot(&self, screen_id: &str) -> Result<Option<(String, Vec<u8>, i64)>> {
        use base64::Engine;
        let row =
            sqlx::query("SELECT mime, data_b64, taken_at FROM screenshots WHERE screen_id = $1")
                .bind(screen_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let data = base64::engine::general_purpose::STANDARD
                .decode(r.try_get::<String, _>("data_b64")?)
                .map_err(|e| StoreError::Invalid(format!("corrupt screenshot: {e}")))?;
            Ok((r.try_get("mime")?, data, r.try_get("taken_at")?))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_date(0), "1970-01-01");
        assert_eq!(super::civil_date(20_416), "2025-11-24");
        assert_eq!(super::civil_date(-1), "1969-12-31");
        assert_eq!(super::civil_date(11_016), "2000-02-29");
    }
}
