//! The transparency log's write path, shared by [`Store::append_plays`](crate::Store::append_plays) and
//! [`Store::compact_plays`](crate::Store::compact_plays).
//!
//! Appenders are serialised by the log's lock (on PostgreSQL the `log_state` row, held until commit, so every node
//! waits for it; SQLite's write transaction already is one), so the lock is the fleet's bottleneck for proof of
//! play: everything here costs a fixed number of statements while it is held, whatever the log's size or the
//! batch's length (taking the lock and reading the frontier: two; the records: three; the new nodes: one).

use crate::multi_row::{placeholders, ROWS_PER_STATEMENT};
use crate::proof::unhex;
use crate::{Result, StoreError};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use twincast_core::proof::merkle::{Hash, NodeId};
use twincast_core::proof::note::hex_lower;
use twincast_core::proof::{Frontier, PlayRecord};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Columns of a play row as [`insert_plays`] writes them.
const PLAY_COLS: &str = "screen_id, id, device_id, location_id, partner, campaign_id, item_id, alert_id, started_at, \
     ended_at, received_at, ref, media_sha256, utc_offset_s, planned_ms, policy, counted, reason, batch_id, log_index";
const PLAY_COL_COUNT: usize = 20;
/// Takes the log's lock and reads its frontier (two statements).
pub(crate) async fn lock_frontier(tx: &mut Tx) -> Result<Frontier> {
    let size: i64 = sqlx::query("UPDATE log_state SET size = size WHERE id = 1 RETURNING size")
        .fetch_one(&mut **tx)
        .await?
        .try_get("size")?;
    let size = size as u64;
    let ids = Frontier::ids(size);
    let mut found: BTreeMap<NodeId, Hash> = BTreeMap::new();
    if !ids.is_empty() {
        // At most 64 ids: one statement.
        let cond: Vec<String> = (0..ids.len())
            .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT level, idx, hash FROM log_nodes WHERE {}",
            cond.join(" OR ")
        )));
        for (level, idx) in &ids {
            q = q.bind(*level as i64).bind(*idx as i64);
        }
        for r in q.fetch_all(&mut **tx).await? {
            let level: i64 = r.try_get("level")?;
            let idx: i64 = r.try_get("idx")?;
            found.insert(
                (level as u32, idx as u64),
                unhex(&r.try_get::<String, _>("hash")?)?,
            );
        }
    }
    let nodes = ids
        .into_iter()
        .map(|id| {
            found.remove(&id).map(|h| (id, h)).ok_or_else(|| {
                StoreError::Invalid(format!("the log of size {size} lacks its node {id:?}"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Frontier { size, nodes })
}

/// Writes the log's new nodes and its new size (one statement per 200 nodes, and one).
pub(crate) async fn write_nodes(
    tx: &mut Tx,
    frontier: &Frontier,
    nodes: &[(NodeId, Hash)],
) -> Result<()> {
    for chunk in nodes.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO log_nodes (level, idx, hash) VALUES {}",
            placeholders(chunk.len(), 3)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((level, idx), h) in chunk {
            q = q.bind(*level as i64).bind(*idx as i64).bind(hex_lower(h));
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE log_state SET size = $1 WHERE id = 1")
        .bind(frontier.size as i64)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Which of `records` are stored already ((screen, event id) pairs).
pub(crate) async fn stored_already(
    tx: &mut Tx,
    records: &[&PlayRecord],
) -> Result<BTreeSet<(String, String)>> {
    let mut out = BTreeSet::new();
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let cond: Vec<String> = (0..chunk.len())
            .map(|i| format!("(screen_id = ${} AND id = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT screen_id, id FROM plays WHERE {}",
            cond.join(" OR ")
        )));
        for r in chunk {
            q = q.bind(&r.screen).bind(&r.event);
        }
        for row in q.fetch_all(&mut **tx).await? {
            out.insert((row.try_get("screen_id")?, row.try_get("id")?));
        }
    }
    Ok(out)
}

/// Inserts play rows (`log_index` beside each record: `None` for the benchmark's unlogged reference), several per
/// statement. Every row must be new: a record stored already makes the whole call fail (`Conflict`), and the
/// caller's transaction is rolled back with it.
pub(crate) async fn insert_plays(tx: &mut Tx, rows: &[(&PlayRecord, Option<u64>)]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT / 4) {
        let sql = format!(
            "INSERT INTO plays ({PLAY_COLS}) VALUES {} ON CONFLICT (screen_id, id) DO NOTHING",
            placeholders(chunk.len(), PLAY_COL_COUNT)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (r, index) in chunk {
            q = q
                .bind(&r.screen)
                .bind(&r.event)
                .bind(&r.device)
                .bind(&r.location)
                .bind(&r.partner)
                .bind(&r.campaign)
                .bind(&r.item)
                .bind(&r.alert)
                .bind(r.started_at)
                .bind(r.started_at + r.actual_ms)
                .bind(r.received_at)
                .bind(&r.reference)
                .bind(&r.media)
                .bind(r.utc_offset_s as i64)
                .bind(r.planned_ms)
                .bind(&r.policy)
                .bind(r.counted as i64)
                .bind(&r.reason)
                .bind(&r.batch)
                .bind(index.map(|i| i as i64));
        }
        let n = q.execute(&mut **tx).await?.rows_affected();
        if n != chunk.len() as u64 {
            // Cannot happen while the log's lock is held (every appender takes it, and the rows already stored
            // were read under it): a broken invariant, answered as an internal error, never as a client's fault.
            return Err(StoreError::Db(sqlx::Error::Protocol(format!(
                "proof of play: stored {n} of {} rows under the log's lock",
                chunk.len()
            ))));
        }
    }
    Ok(())
}
