//! Portable, consistent online backup: one JSON-lines file holding every row, read inside one transaction (a
//! snapshot on both backends). It restores into either backend, so it also moves a deployment from SQLite to
//! PostgreSQL.

use crate::{Backend, Result, Store, StoreError, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};
use std::io::{BufRead, Write};

/// Tables in the order rows must be restored (parents first).
pub const TABLES: &[&str] = &[
    "partners",
    "users",
    "user_partners",
    "sessions",
    "api_tokens",
    "locations",
    "layouts",
    "screens",
    "media",
    "renditions",
    "jobs",
    "screen_groups",
    "screen_group_members",
    "campaigns",
    "alerts",
    "alert_geocodes",
    "schedule_state",
    "pairings",
    "devices",
    "screen_status",
    "plays",
    "screenshots",
    "audit_log",
    "screen_health",
    "notifications",
    "screen_commands",
    "upload_sessions",
    "media_views",
    "news_articles",
    "news_versions",
    "news_tags",
    "news_tickers",
    "coop_fields",
    "coop_projects",
    "coop_interests",
    "news_wire_sources",
    "news_wire_items",
    "alert_sources",
    "alert_source_entries",
    "nodes",
    "pending_objects",
    "rate_limits",
    "play_batches",
    "log_state",
    "log_nodes",
    "log_checkpoints",
    "log_keys",
    "airtime_settings",
    "play_archives",
];

/// First line of a backup file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BackupHeader {
    /// Always `twincast-backup`.
    pub format: String,
    /// Schema version of the database that was backed up.
    pub schema_version: i64,
    /// When, epoch ms.
    pub created_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: Map<String, Value>,
}

fn row_json(row: &AnyRow) -> Map<String, Value> {
    let mut out = Map::new();
    for (i, col) in row.columns().iter().enumerate() {
        let v = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map(Value::String).unwrap_or(Value::Null)
        } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map(Value::from).unwrap_or(Value::Null)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map(Value::from).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        out.insert(col.name().to_string(), v);
    }
    out
}

impl Store {
    /// Writes every row to `out` from one consistent snapshot. Returns the number of rows.
    pub async fn backup(&self, out: &mut impl Write) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        let header = BackupHeader {
            format: "twincast-backup".into(),
            schema_version: {
                let row =
                    sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
                        .fetch_one(&mut *tx)
                        .await?;
                row.try_get::<i64, _>("v")?
            },
            created_at: crate::now_ms(),
        };
        serde_json::to_writer(&mut *out, &header)?;
        out.write_all(b"\n")?;
        let mut n = 0;
        for table in TABLES {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                .fetch_all(&mut *tx)
                .await?;
            for row in &rows {
                let line = Line {
                    table: table.to_string(),
                    row: row_json(row),
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
                n += 1;
            }
        }
        tx.commit().await?;
        out.flush()?;
        Ok(n)
    }

    /// Restores a backup into this (empty) database, all or nothing. Refuses a backup from a newer schema and a
    /// database that already holds partners or accounts.
    pub async fn restore(&self, input: impl BufRead) -> Result<u64> {
        let mut lines = input.lines();
        let header: BackupHeader = match lines.next() {
            Some(l) => serde_json::from_str(&l?)
                .map_err(|e| StoreError::Invalid(format!("not a Twincast backup: {e}")))?,
            None => return Err(StoreError::Invalid("empty backup file".into())),
        };
        if header.format != "twincast-backup" {
            return Err(StoreError::Invalid(format!(
                "not a Twincast backup (format {:?})",
                header.format
            )));
        }
        if header.schema_version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                found: header.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let mut tx = self.begin_write().await?;
        refuse_non_empty(&mut tx).await?;
        // Tables a migration seeds (e.g. schedule_state) start empty so the backup's rows replace them.
        for table in TABLES.iter().rev() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await?;
        }
        let mut n = 0;
        for (i, line) in lines.enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let Line { table, row } = serde_json::from_str(&line)
                .map_err(|e| StoreError::Invalid(format!("backup line {}: {e}", i + 2)))?;
            if !TABLES.contains(&table.as_str()) {
                return Err(StoreError::Invalid(format!(
                    "backup line {}: unknown table {table:?}",
                    i + 2
                )));
            }
            let cols: Vec<(&String, &Value)> = row.iter().filter(|(_, v)| !v.is_null()).collect();
            for (c, _) in &cols {
                if !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                    return Err(StoreError::Invalid(format!(
                        "backup line {}: bad column {c:?}",
                        i + 2
                    )));
                }
            }
            let names: Vec<&str> = cols.iter().map(|(c, _)| c.as_str()).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|k| format!("${k}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                marks.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (_, v) in &cols {
                q = match v {
                    Value::String(s) => q.bind(s.clone()),
                    Value::Number(num) if num.is_i64() => q.bind(num.as_i64()),
                    Value::Number(num) => q.bind(num.as_f64()),
                    Value::Bool(b) => q.bind(*b as i64),
                    other => q.bind(other.to_string()),
                };
            }
            q.execute(&mut *tx).await?;
            n += 1;
        }
        tx.commit().await?;
        Ok(n)
    }
}

async fn refuse_non_empty(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    for table in ["partners", "users"] {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(&mut **tx)
        .await?;
        if row.try_get::<i64, _>("n")? > 0 {
            return Err(StoreError::Conflict(format!(
                "the target database is not empty (table {table} has rows); restore into a fresh one"
            )));
        }
    }
    Ok(())
}

/// An object a row refers to: a media item's original (whose name is its SHA-256) or a rendition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// The object's key in the object store.
    pub key: String,
    /// The SHA-256 (hex) the row records, for media originals; renditions record none.
    pub sha256: Option<String>,
    /// The size in bytes the row records.
    pub size: i64,
}

impl Store {
    /// Refuses ([`StoreError::Conflict`]) unless this database is empty enough for [`Store::restore`]: no
    /// partners, no accounts. Lets a whole-deployment restore check its target before it copies anything.
    pub async fn check_restorable(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        refuse_non_empty(&mut tx).await?;
        tx.rollback().await?;
        Ok(())
    }

    /// Every object that a row refers to (media originals and renditions), each key once, sorted by key.
    pub async fn referenced_objects(&self) -> Result<Vec<ObjectRef>> {
        let rows = sqlx::query(
            "SELECT object_key, sha256, size FROM media \
             UNION ALL SELECT object_key, NULL AS sha256, size FROM renditions \
             ORDER BY object_key",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<ObjectRef> = Vec::with_capacity(rows.len());
        for r in &rows {
            let o = ObjectRef {
                key: r.try_get("object_key")?,
                sha256: r.try_get("sha256")?,
                size: r.try_get("size")?,
            };
            match out.last_mut() {
                Some(last) if last.key == o.key => {
                    if last.sha256.is_none() {
                        last.sha256 = o.sha256;
                    }
                }
                _ => out.push(o),
            }
        }
        Ok(out)
    }

    /// Every table of the schema except the migration ledger.
    pub async fn table_names(&self) -> Result<Vec<String>> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name"
            }
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        let mut names: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?;
        names.retain(|n| n != "schema_migrations");
        Ok(names)
    }
}
