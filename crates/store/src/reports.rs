//! Reports' reads and retention's compaction (migration 0022): logged plays of a period a page at a time, the
//! places' names and kinds, the daily archives of compacted plays, and the one transaction that records an
//! archive in the log and removes its plays from the hot table.
//!
//! Architecture invariant: [`Store::compact_plays`] is the only statement that deletes rows of `plays`; it
//! deletes exactly the logged plays an archive holds (by count, in the transaction that appends the archive's
//! leaf), so nothing acknowledged leaves the database unrecorded (checked by `crates/cli/tests/invariants.rs`).

use crate::proof::{record_row, RECORD_COLS};
use crate::{Result, Store, StoreError};
use sqlx::Row;
use std::collections::BTreeMap;
use twincast_core::proof::PlayRecord;

/// Where a page of plays ends: (started_at, screen, event id) of its last play.
pub type PlayCursor = (i64, String, String);

/// A daily archive of compacted plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveRow {
    /// `<day>.<first log index>`.
    pub id: String,
    /// The UTC day of the plays' starts, `YYYY-MM-DD`.
    pub day: String,
    /// Its key in object storage.
    pub object_key: String,
    /// SHA-256 (hex) of the file.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: i64,
    /// Plays in it.
    pub plays: i64,
    /// Smallest and largest log index of its plays.
    pub first_index: i64,
    /// Largest log index of its plays.
    pub last_index: i64,
    /// The archive's own leaf in the log.
    pub log_index: i64,
    /// When it was made, epoch ms.
    pub created_at: i64,
}

const ARCHIVE_COLS: &str =
    "id, day, object_key, sha256, bytes, plays, first_index, last_index, log_index, created_at";

fn archive_row(r: &sqlx::any::AnyRow) -> Result<ArchiveRow> {
    Ok(ArchiveRow {
        id: r.try_get("id")?,
        day: r.try_get("day")?,
        object_key: r.try_get("object_key")?,
        sha256: r.try_get("sha256")?,
        bytes: r.try_get("bytes")?,
        plays: r.try_get("plays")?,
        first_index: r.try_get("first_index")?,
        last_index: r.try_get("last_index")?,
        log_index: r.try_get("log_index")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    /// Logged plays (those with a leaf) that started in `[from, to)`, in (start, screen, event) order, `limit`
    /// after `after`. Each comes with its log index.
    pub async fn logged_plays_page(
        &self,
        from: i64,
        to: i64,
        after: Option<&PlayCursor>,
        limit: i64,
    ) -> Result<Vec<(PlayRecord, u64)>> {
        let (a_at, a_screen, a_id) =
            after
                .cloned()
                .unwrap_or((from - 1, String::new(), String::new()));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLS} FROM plays WHERE log_index IS NOT NULL AND started_at >= $1 AND started_at < $2 \
             AND (started_at > $3 OR (started_at = $3 AND (screen_id > $4 OR (screen_id = $4 AND id > $5)))) \
             ORDER BY started_at, screen_id, id LIMIT $6"
        )))
        .bind(from)
        .bind(to)
        .bind(a_at)
        .bind(a_screen)
        .bind(a_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let (rec, idx) = record_row(r)?;
                Ok((rec, idx.unwrap_or_default()))
            })
            .collect()
    }

    /// Every location's name and kind, by id.
    pub async fn place_names(&self) -> Result<BTreeMap<String, (String, String)>> {
        let rows = sqlx::query("SELECT id, name, kind FROM locations")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, (r.try_get("name")?, r.try_get("kind")?))))
            .collect()
    }

    /// The start of the oldest logged play that started before `before` (what compaction would take next).
    pub async fn oldest_logged_play_before(&self, before: i64) -> Result<Option<i64>> {
        let r = sqlx::query(
            "SELECT MIN(started_at) AS m FROM plays WHERE log_index IS NOT NULL AND started_at < $1",
        )
        .bind(before)
        .fetch_one(&self.pool)
        .await?;
        Ok(r.try_get::<Option<i64>, _>("m")?)
    }

    /// Archives of UTC days `from..=to` (`YYYY-MM-DD`; text order is date order), oldest first.
    pub async fn play_archives(&self, from: &str, to: &str) -> Result<Vec<ArchiveRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ARCHIVE_COLS} FROM play_archives WHERE day >= $1 AND day <= $2 ORDER BY day, first_index"
        )))
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(archive_row).collect()
    }

    /// Records `archive` (whose file is already stored and checked) and removes its plays from `plays`, in one
    /// transaction: the archive's leaf (`leaf`: its canonical record bytes) is appended to the log, and the
    /// logged plays that started in `[day_from, day_to)` with a log index up to `archive.last_index` are
    /// deleted — exactly `archive.plays` of them, else nothing is written (`Conflict("archive-mismatch")`).
    /// Returns the archive's leaf index.
    pub async fn compact_plays(
        &self,
        archive: &ArchiveRow,
        leaf: &[u8],
        day_from: i64,
        day_to: i64,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let mut frontier = crate::proof_log::lock_frontier(&mut tx).await?;
        let index = frontier.size;
        let nodes = frontier.append(twincast_core::proof::merkle::leaf_hash(leaf));
        crate::proof_log::write_nodes(&mut tx, &frontier, &nodes).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO play_archives ({ARCHIVE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(&archive.id)
        .bind(&archive.day)
        .bind(&archive.object_key)
        .bind(&archive.sha256)
        .bind(archive.bytes)
        .bind(archive.plays)
        .bind(archive.first_index)
        .bind(archive.last_index)
        .bind(index as i64)
        .bind(archive.created_at)
        .execute(&mut *tx)
        .await?;
        let gone = sqlx::query(
            "DELETE FROM plays WHERE log_index IS NOT NULL AND started_at >= $1 AND started_at < $2 \
             AND log_index <= $3",
        )
        .bind(day_from)
        .bind(day_to)
        .bind(archive.last_index)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if gone != archive.plays as u64 {
            // Dropping the transaction rolls it back: the file stays an orphan, the plays stay in the table.
            return Err(StoreError::Conflict("archive-mismatch".into()));
        }
        tx.commit().await?;
        Ok(index)
    }
}

impl Store {
    /// Benchmarks only (bench/proof.sh's reference): inserts play rows without appending them to the log, in one
    /// transaction. Never called by the application: a play without a leaf is a play nobody can verify.
    #[doc(hidden)]
    pub async fn bench_insert_plays_unlogged(&self, records: &[PlayRecord]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let rows: Vec<_> = records.iter().map(|r| (r, None)).collect();
        crate::proof_log::insert_plays(&mut tx, &rows).await?;
        tx.commit().await?;
        Ok(())
    }
}
