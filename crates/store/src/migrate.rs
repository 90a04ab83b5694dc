//! Versioned, append-only migrations, one portable SQL text per version, applied at start.

use crate::{now_ms, Result, Store, StoreError};
use sqlx::Row;

/// Every migration, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "schedule",
        include_str!("../migrations/0002_schedule.sql"),
    ),
    (3, "players", include_str!("../migrations/0003_players.sql")),
    (
        4,
        "operations",
        include_str!("../migrations/0004_operations.sql"),
    ),
    (
        5,
        "moderation",
        include_str!("../migrations/0005_moderation.sql"),
    ),
    (
        6,
        "commands",
        include_str!("../migrations/0006_commands.sql"),
    ),
    (7, "health", include_str!("../migrations/0007_health.sql")),
    (8, "layouts", include_str!("../migrations/0008_layouts.sql")),
    (9, "uploads", include_str!("../migrations/0009_uploads.sql")),
    (
        10,
        "console indexes",
        include_str!("../migrations/0010_console_indexes.sql"),
    ),
    (11, "portal", include_str!("../migrations/0011_portal.sql")),
    (12, "news", include_str!("../migrations/0012_news.sql")),
    (
        13,
        "cooperation",
        include_str!("../migrations/0013_cooperation.sql"),
    ),
    (
        14,
        "news wire",
        include_str!("../migrations/0014_news_wire.sql"),
    ),
    (
        15,
        "desk tickers",
        include_str!("../migrations/0015_desk_tickers.sql"),
    ),
    (
        16,
        "alert sources",
        include_str!("../migrations/0016_alert_sources.sql"),
    ),
    (18, "proof", include_str!("../migrations/0018_proof.sql")),
    (19, "nodes", include_str!("../migrations/0019_nodes.sql")),
    (
        20,
        "playback",
        include_str!("../migrations/0020_playback.sql"),
    ),
    (
        22,
        "play archives",
        include_str!("../migrations/0022_play_archives.sql"),
    ),
    (
        25,
        "job priority",
        include_str!("../migrations/0025_job_priority.sql"),
    ),
    (
        27,
        "airtime",
        include_str!("../migrations/0027_airtime.sql"),
    ),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

impl Store {
    /// The version of the newest applied migration (0 on an empty database).
    pub async fn schema_version(&self) -> Result<i64> {
        self.ensure_version_table().await?;
        let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("v")?)
    }

    async fn ensure_version_table(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Applies every pending migration, each in its own transaction. Refuses a database from a newer binary.
    pub async fn migrate(&self) -> Result<i64> {
        let current = self.schema_version().await?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let mut tx = self.begin_write().await?;
            for stmt in split_statements(sql) {
                sqlx::query(sqlx::AssertSqlSafe(stmt.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(*version)
            .bind(*name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version, name, "applied migration");
        }
        self.schema_version().await
    }
}

/// Splits a migration into statements on `;` at line ends, dropping `--` comments.
pub(crate) fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or("");
        if line.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_string());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}
