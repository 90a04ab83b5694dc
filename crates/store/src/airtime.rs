//! Airtime from actual plays (docs/airtime.md): counted campaign airtime summed in SQL by partner and the
//! screen's local day, local hour of day, location or screen — the groupings of `twincast_core::airtime`, which is
//! their reference —, and the operator's airtime settings (migration 0027).

use crate::{audit, AuditEntry, Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;
use twincast_core::airtime::{Cells, Sum, DAY, HOUR};

/// The operator's airtime settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AirtimeSettings {
    /// Whether the portal shows each partner city's hours per month (default off).
    pub public_figures: bool,
    /// Deviation of the achieved from the planned share, percentage points, above which the console raises a
    /// fairness notice.
    pub fairness_threshold_pp: i64,
    /// Row version (`If-Match`).
    pub version: i64,
    /// Last change, epoch ms (0: never changed).
    pub updated_at: i64,
}

impl Default for AirtimeSettings {
    fn default() -> Self {
        AirtimeSettings {
            public_figures: false,
            fairness_threshold_pp: 10,
            version: 1,
            updated_at: 0,
        }
    }
}

/// Which plays to sum: the screens' local wall-clock range `[from, to)` (epoch-like ms of the local time) and
/// optional equality filters; empty = any.
#[derive(Debug, Clone, Default)]
pub struct AirtimeFilter {
    /// Local wall-clock start (ms), inclusive.
    pub from: i64,
    /// Local wall-clock end (ms), exclusive.
    pub to: i64,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Screen id.
    pub screen: Option<String>,
}

/// The local wall-clock start of a play, in SQL (plays stored before migration 0018 have no offset: UTC).
const LOCAL: &str = "(started_at + COALESCE(utc_offset_s, 0) * 1000)";

/// UTC offsets lie within −12 h and +14 h: the UTC bounds that surely contain a local range (for the index).
const SLACK: i64 = 15 * HOUR;

impl Store {
    async fn airtime_rows(&self, f: &AirtimeFilter, key: &str) -> Result<Vec<sqlx::any::AnyRow>> {
        let sql = format!(
            "SELECT partner AS p, {key} AS k, COUNT(*) AS n, CAST(SUM(ended_at - started_at) AS BIGINT) AS ms \
             FROM plays WHERE partner IS NOT NULL AND (counted IS NULL OR counted <> 0) \
             AND started_at >= $1 AND started_at < $2 AND {LOCAL} >= $3 AND {LOCAL} < $4 \
             AND ($5 = '' OR partner = $5) AND ($6 = '' OR location_id = $6) AND ($7 = '' OR screen_id = $7) \
             GROUP BY partner, {key}"
        );
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(f.from.saturating_sub(SLACK))
            .bind(f.to.saturating_add(SLACK))
            .bind(f.from)
            .bind(f.to)
            .bind(f.partner.as_deref().unwrap_or(""))
            .bind(f.location.as_deref().unwrap_or(""))
            .bind(f.screen.as_deref().unwrap_or(""))
            .fetch_all(&self.pool)
            .await?)
    }

    fn cells<K: Ord>(
        rows: &[sqlx::any::AnyRow],
        key: impl Fn(&sqlx::any::AnyRow) -> Result<K>,
    ) -> Result<Cells<K>> {
        let mut out = Cells::new();
        for r in rows {
            let sum = Sum {
                plays: r.try_get("n")?,
                ms: r.try_get::<Option<i64>, _>("ms")?.unwrap_or(0),
            };
            out.insert((r.try_get::<String, _>("p")?, key(r)?), sum);
        }
        Ok(out)
    }

    /// Counted campaign airtime by partner and the screen's local day (days since 1970-01-01).
    pub async fn airtime_by_day(&self, f: &AirtimeFilter) -> Result<Cells<i64>> {
        let rows = self.airtime_rows(f, &format!("({LOCAL} / {DAY})")).await?;
        Self::cells(&rows, |r| Ok(r.try_get::<i64, _>("k")?))
    }

    /// Counted campaign airtime by partner and the screen's local hour of day (0–23).
    pub async fn airtime_by_hour(&self, f: &AirtimeFilter) -> Result<Cells<u8>> {
        let rows = self
            .airtime_rows(f, &format!("(({LOCAL} % {DAY}) / {HOUR})"))
            .await?;
        Self::cells(&rows, |r| {
            u8::try_from(r.try_get::<i64, _>("k")?)
                .map_err(|_| StoreError::Invalid("hour of day out of range".into()))
        })
    }

    /// Counted campaign airtime by partner and location id.
    pub async fn airtime_by_place(&self, f: &AirtimeFilter) -> Result<Cells<String>> {
        let rows = self.airtime_rows(f, "location_id").await?;
        Self::cells(&rows, |r| Ok(r.try_get::<String, _>("k")?))
    }

    /// Counted campaign airtime by partner and screen id.
    pub async fn airtime_by_screen(&self, f: &AirtimeFilter) -> Result<Cells<String>> {
        let rows = self.airtime_rows(f, "screen_id").await?;
        Self::cells(&rows, |r| Ok(r.try_get::<String, _>("k")?))
    }

    /// The airtime settings (the defaults when the row is missing, e.g. after restoring an older backup).
    pub async fn airtime_settings(&self) -> Result<AirtimeSettings> {
        let row = sqlx::query(
            "SELECT public_figures, fairness_threshold_pp, version, updated_at FROM airtime_settings WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => AirtimeSettings {
                public_figures: r.try_get::<i64, _>("public_figures")? != 0,
                fairness_threshold_pp: r.try_get("fairness_threshold_pp")?,
                version: r.try_get("version")?,
                updated_at: r.try_get("updated_at")?,
            },
            None => AirtimeSettings::default(),
        })
    }

    /// Changes the airtime settings if still at version `expected` (0: any), with its audit entry, in one
    /// transaction; returns the settings written.
    pub async fn set_airtime_settings(
        &self,
        public_figures: bool,
        fairness_threshold_pp: i64,
        expected: i64,
        entry: &AuditEntry,
    ) -> Result<AirtimeSettings> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE airtime_settings SET public_figures = $1, fairness_threshold_pp = $2, version = version + 1, \
             updated_at = $3 WHERE id = 1 AND ($4 = 0 OR version = $4)",
        )
        .bind(i64::from(public_figures))
        .bind(fairness_threshold_pp)
        .bind(entry.at)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let current = sqlx::query("SELECT version FROM airtime_settings WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
            match current {
                Some(r) => {
                    return Err(StoreError::Stale {
                        current: r.try_get("version")?,
                    })
                }
                None => {
                    sqlx::query(
                        "INSERT INTO airtime_settings (id, public_figures, fairness_threshold_pp, version, updated_at) \
                         VALUES (1, $1, $2, 2, $3)",
                    )
                    .bind(i64::from(public_figures))
                    .bind(fairness_threshold_pp)
                    .bind(entry.at)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        audit::insert(&mut tx, entry).await?;
        let r = sqlx::query(
            "SELECT public_figures, fairness_threshold_pp, version, updated_at FROM airtime_settings WHERE id = 1",
        )
        .fetch_one(&mut *tx)
        .await?;
        let s = AirtimeSettings {
            public_figures: r.try_get::<i64, _>("public_figures")? != 0,
            fairness_threshold_pp: r.try_get("fairness_threshold_pp")?,
            version: r.try_get("version")?,
            updated_at: r.try_get("updated_at")?,
        };
        tx.commit().await?;
        Ok(s)
    }
}
