//! Heartbeats: the screens' last reported status.

use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

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
    /// Marks a screen as heard from at `now`.
    pub async fn touch_screen(&self, screen_id: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE screens SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(screen_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores several heartbeats in one transaction (group commit: one durable write for many screens).
    pub async fn record_heartbeats(&self, rows: &[HeartbeatRecord]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        // Screens' rows in id order, as the proof-of-play appenders take them (no cycle of waits between the
        // two); the sort is stable, so a screen's later heartbeat still wins.
        let mut rows: Vec<&HeartbeatRecord> = rows.iter().collect();
        rows.sort_by(|a, b| a.screen_id.cmp(&b.screen_id));
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
}
