//! Proof of play: aggregates of the stored plays (they are written by `Store::append_plays`, `proof.rs`).

use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

/// One proof-of-play event as a player reports it (the wire type, `docs/player-protocol.md` §6).
pub use twincast_protocol::PlayEvent;

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

impl Store {
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
