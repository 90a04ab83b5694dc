//! Heartbeats: the screens' last reported status.

use crate::multi_row::{placeholders, ROWS_PER_STATEMENT};
use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;
use std::collections::BTreeMap;
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
        self.mark_screens_seen(&[(screen_id.to_string(), now)])
            .await
    }

    /// Marks several screens as heard from (`(screen, at)`; a screen named twice keeps its latest time) in one
    /// transaction, two statements per 200 screens at most: the hellos of a fleet reconnecting at once.
    pub async fn mark_screens_seen(&self, seen: &[(String, i64)]) -> Result<()> {
        // Screens in id order, as the heartbeats' and proof of play's writers take them.
        let mut latest: BTreeMap<&str, i64> = BTreeMap::new();
        for (screen, at) in seen {
            let t = latest.entry(screen.as_str()).or_insert(*at);
            *t = (*t).max(*at);
        }
        let seen: Vec<(&str, i64)> = latest.into_iter().collect();
        let mut tx = self.begin_write().await?;
        set_last_seen(&mut tx, &seen).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores several heartbeats in one transaction (group commit: one durable write for many screens), a screen's
    /// last one of the group winning, with two statements per 200 screens (an upsert of their status, then their
    /// `last_seen_at`), not two per screen.
    pub async fn record_heartbeats(&self, rows: &[HeartbeatRecord]) -> Result<()> {
        // Screens in id order, as the proof-of-play appenders take them (no cycle of waits between the two).
        let mut latest: BTreeMap<&str, &HeartbeatRecord> = BTreeMap::new();
        for r in rows {
            latest.insert(&r.screen_id, r);
        }
        let rows: Vec<&HeartbeatRecord> = latest.into_values().collect();
        let mut tx = self.begin_write().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO screen_status (screen_id, device_id, heartbeat, clock_offset_ms, updated_at) VALUES {} \
                 ON CONFLICT (screen_id) DO UPDATE SET device_id = excluded.device_id, heartbeat = excluded.heartbeat, \
                 clock_offset_ms = excluded.clock_offset_ms, updated_at = excluded.updated_at",
                placeholders(chunk.len(), 5)
            )));
            for r in chunk {
                q = q
                    .bind(&r.screen_id)
                    .bind(&r.device_id)
                    .bind(&r.body)
                    .bind(r.clock_offset_ms)
                    .bind(r.at);
            }
            q.execute(&mut *tx).await?;
            let seen: Vec<(&str, i64)> =
                chunk.iter().map(|r| (r.screen_id.as_str(), r.at)).collect();
            set_last_seen(&mut tx, &seen).await?;
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

/// Sets `last_seen_at` of several screens (`(screen, at)`, each screen once), with one statement per 200.
pub(crate) async fn set_last_seen(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    seen: &[(&str, i64)],
) -> Result<()> {
    for chunk in seen.chunks(ROWS_PER_STATEMENT) {
        // A VALUES list's columns are column1, column2, … in both engines (SQLite has no `AS v(id, at)`).
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, CAST(${} AS BIGINT))", 2 * i + 1, 2 * i + 2))
            .collect();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE screens SET last_seen_at = v.column2 FROM (VALUES {}) AS v WHERE screens.id = v.column1",
            values.join(", ")
        )));
        for (screen, at) in chunk {
            q = q.bind(*screen).bind(*at);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
