//! Proof of play's storage (migration 0018): play records appended to the transparency log in the transaction
//! that stores them, the log's complete subtrees, its signed checkpoints and its signing key.
//!
//! Architecture invariant: no statement updates or deletes a row of `plays` or `log_nodes` (checked by
//! `crates/cli/tests/invariants.rs`); the log grows only through `proof_log` (its lock, frontier and
//! multi-row writes), called by [`Store::append_plays`] and retention's `compact_plays`.

use crate::{multi_row, proof_log, Result, Store, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use twincast_core::proof::merkle::{Hash, NodeId};
use twincast_core::proof::note::hex_lower;
use twincast_core::proof::PlayRecord;

/// A signed batch to keep beside its plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// SHA-256 (hex) of the payload bytes.
    pub id: String,
    /// Sequence number the device gave it.
    pub seq: i64,
    /// The payload, base64 as received.
    pub payload: String,
    /// The signature, base64 as received.
    pub signature: String,
}

/// What the store needs to know to build a screen's play records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayContext {
    /// The screen's location id.
    pub location_id: String,
    /// Its IANA time zone.
    pub tz: String,
    /// Partner slug of each named campaign that exists.
    pub partners: BTreeMap<String, String>,
}

/// Outcome of [`Store::append_plays`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Per record: its log index when it was new, `None` when its event id was already stored.
    pub indexes: Vec<Option<u64>>,
}

/// One device's batch for [`Store::append_plays_group`].
#[derive(Debug, Clone, PartialEq)]
pub struct PlayAppend {
    /// The sending device.
    pub device_id: String,
    /// Its signed batch, if it signs.
    pub batch: Option<BatchRow>,
    /// The play records (all of the device's screen).
    pub records: Vec<PlayRecord>,
    /// When the request arrived, epoch ms.
    pub received_at: i64,
}

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    /// Tree size.
    pub size: i64,
    /// Root (hex).
    pub root: String,
    /// The signed note.
    pub note: String,
    /// When it was made, epoch ms.
    pub created_at: i64,
}

/// The log's signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct LogKeyRow {
    /// The log's origin (key name).
    pub origin: String,
    /// The Ed25519 seed, hex.
    pub seed: String,
    /// The public key, hex.
    pub public_key: String,
}

impl std::fmt::Debug for LogKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKeyRow")
            .field("origin", &self.origin)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

pub(crate) fn unhex(s: &str) -> Result<Hash> {
    let mut out = [0u8; 32];
    if s.len() != 64 {
        return Err(StoreError::Invalid(
            "a stored hash is not 64 hex digits".into(),
        ));
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16)
            .map_err(|_| StoreError::Invalid("a stored hash is not hex".into()))?;
    }
    Ok(out)
}

pub(crate) const RECORD_COLS: &str = "ref, id, screen_id, location_id, device_id, partner, campaign_id, item_id, alert_id, \
    media_sha256, started_at, ended_at, utc_offset_s, planned_ms, policy, counted, reason, received_at, batch_id, log_index";

pub(crate) fn record_row(row: &AnyRow) -> Result<(PlayRecord, Option<u64>)> {
    let started_at: i64 = row.try_get("started_at")?;
    let ended_at: i64 = row.try_get("ended_at")?;
    let rec = PlayRecord {
        v: twincast_core::proof::record::RECORD_VERSION,
        reference: row.try_get("ref")?,
        event: row.try_get("id")?,
        screen: row.try_get("screen_id")?,
        location: row.try_get("location_id")?,
        device: row.try_get("device_id")?,
        partner: row.try_get("partner")?,
        campaign: row.try_get("campaign_id")?,
        item: row.try_get("item_id")?,
        alert: row.try_get("alert_id")?,
        media: row.try_get("media_sha256")?,
        started_at,
        utc_offset_s: row.try_get::<i64, _>("utc_offset_s")? as i32,
        planned_ms: row.try_get("planned_ms")?,
        actual_ms: ended_at - started_at,
        policy: row.try_get("policy")?,
        counted: row.try_get::<i64, _>("counted")? != 0,
        reason: row.try_get("reason")?,
        received_at: row.try_get("received_at")?,
        batch: row.try_get("batch_id")?,
    };
    let idx: Option<i64> = row.try_get("log_index")?;
    Ok((rec, idx.map(|i| i as u64)))
}

impl Store {
    /// The location, time zone and the partners of `campaigns` of screen `screen_id`.
    pub async fn play_context(
        &self,
        screen_id: &str,
        campaigns: &BTreeSet<String>,
    ) -> Result<PlayContext> {
        let row = self
            .one_row(
                "SELECT l.id AS location_id, l.tz AS tz FROM screens s JOIN locations l ON l.id = s.location_id WHERE s.id = $1",
                screen_id,
            )
            .await?;
        // The partners of the batch's campaigns in one statement (a batch names a handful).
        let mut partners = BTreeMap::new();
        let ids: Vec<&String> = campaigns.iter().collect();
        for chunk in ids.chunks(multi_row::ROWS_PER_STATEMENT) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT c.id AS id, p.slug AS slug FROM campaigns c JOIN partners p ON p.id = c.partner_id \
                 WHERE c.id IN ({})",
                multi_row::in_list(1, chunk.len())
            )));
            for c in chunk {
                q = q.bind(*c);
            }
            for r in q.fetch_all(&self.pool).await? {
                partners.insert(r.try_get("id")?, r.try_get("slug")?);
            }
        }
        Ok(PlayContext {
            location_id: row.try_get("location_id")?,
            tz: row.try_get("tz")?,
            partners,
        })
    }

    /// Stores play records and appends each new one to the transparency log, in one transaction (durable when
    /// this returns). A record whose (screen, event id) is stored already is a no-op. With `batch`, the device's
    /// sequence number must exceed that of its previous batch (else `Conflict("batch-replayed")`, nothing
    /// written) and the batch is kept with its signature.
    pub async fn append_plays(
        &self,
        device_id: &str,
        batch: Option<&BatchRow>,
        records: &[PlayRecord],
        received_at: i64,
    ) -> Result<Appended> {
        let item = PlayAppend {
            device_id: device_id.to_string(),
            batch: batch.cloned(),
            records: records.to_vec(),
            received_at,
        };
        let mut out = self.append_plays_group(std::slice::from_ref(&item)).await?;
        out.pop()
            .unwrap_or_else(|| Err(StoreError::Invalid("no outcome for the batch".into())))
    }

    /// Several devices' batches in one transaction that takes the log's lock once (group commit). Each item is
    /// treated as by [`Store::append_plays`]; a replayed batch is that item's `Conflict("batch-replayed")` and
    /// writes nothing of it, the others are stored. Any other error fails the whole group, nothing written.
    pub async fn append_plays_group(&self, items: &[PlayAppend]) -> Result<Vec<Result<Appended>>> {
        let mut tx = self.begin_write().await?;
        // Rows are locked in one order by every appender (devices by id, then screens by id, then the log), so
        // groups on two nodes never wait for each other in a cycle. The sort is stable: a device's batches keep
        // their order.
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|a, b| items[*a].device_id.cmp(&items[*b].device_id));
        let mut admitted = vec![true; items.len()];
        // Signed batches admitted (their sequence number is new), inserted together below.
        let mut new_batches = Vec::new();
        for &i in &order {
            let it = &items[i];
            let Some(b) = &it.batch else { continue };
            let n = sqlx::query(
                "UPDATE devices SET last_batch_seq = $1 WHERE id = $2 AND (last_batch_seq IS NULL OR last_batch_seq < $1)",
            )
            .bind(b.seq)
            .bind(&it.device_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n != 1 {
                admitted[i] = false;
                continue;
            }
            new_batches.push((it, b));
        }
        for chunk in new_batches.chunks(multi_row::ROWS_PER_STATEMENT / 4) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO play_batches (id, device_id, screen_id, seq, payload, signature, received_at) VALUES {}",
                multi_row::placeholders(chunk.len(), 7)
            )));
            for (it, b) in chunk {
                q = q
                    .bind(&b.id)
                    .bind(&it.device_id)
                    .bind(
                        it.records
                            .first()
                            .map(|r| r.screen.as_str())
                            .unwrap_or_default(),
                    )
                    .bind(b.seq)
                    .bind(&b.payload)
                    .bind(&b.signature)
                    .bind(it.received_at);
            }
            q.execute(&mut *tx).await?;
        }
        let mut seen_at: BTreeMap<&str, i64> = BTreeMap::new();
        for (it, _) in items.iter().zip(&admitted).filter(|(_, ok)| **ok) {
            if let Some(r) = it.records.first() {
                let at = seen_at.entry(r.screen.as_str()).or_insert(it.received_at);
                *at = (*at).max(it.received_at);
            }
        }
        let seen_at: Vec<(&str, i64)> = seen_at.into_iter().collect();
        crate::players::status::set_last_seen(&mut tx, &seen_at).await?;
        // The log's lock, held for a fixed number of statements (crate::proof_log).
        let mut frontier = proof_log::lock_frontier(&mut tx).await?;
        let all: Vec<&PlayRecord> = items
            .iter()
            .zip(&admitted)
            .filter(|(_, ok)| **ok)
            .flat_map(|(it, _)| &it.records)
            .collect();
        let mut seen = proof_log::stored_already(&mut tx, &all).await?;
        let mut rows = Vec::with_capacity(all.len());
        let mut nodes = Vec::new();
        let mut out = Vec::with_capacity(items.len());
        for (it, ok) in items.iter().zip(&admitted) {
            if !ok {
                out.push(Err(StoreError::Conflict("batch-replayed".into())));
                continue;
            }
            let mut indexes = Vec::with_capacity(it.records.len());
            for r in &it.records {
                // Stored before, or earlier in this very group: a no-op.
                if !seen.insert((r.screen.clone(), r.event.clone())) {
                    indexes.push(None);
                    continue;
                }
                let index = frontier.size;
                nodes.extend(frontier.append(r.leaf_hash()));
                rows.push((r, Some(index)));
                indexes.push(Some(index));
            }
            out.push(Ok(Appended { indexes }));
        }
        proof_log::insert_plays(&mut tx, &rows).await?;
        proof_log::write_nodes(&mut tx, &frontier, &nodes).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The log's size.
    pub async fn log_size(&self) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT size FROM log_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get("size")?;
        Ok(n as u64)
    }

    /// The hashes of log nodes `ids` (missing ones are left out).
    pub async fn log_nodes(&self, ids: &BTreeSet<NodeId>) -> Result<BTreeMap<NodeId, Hash>> {
        let mut out = BTreeMap::new();
        let ids: Vec<&NodeId> = ids.iter().collect();
        for chunk in ids.chunks(40) {
            let cond: Vec<String> = (0..chunk.len())
                .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let sql = format!(
                "SELECT level, idx, hash FROM log_nodes WHERE {}",
                cond.join(" OR ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (l, i) in chunk {
                q = q.bind(*l as i64).bind(*i as i64);
            }
            for r in q.fetch_all(&self.pool).await? {
                let l: i64 = r.try_get("level")?;
                let i: i64 = r.try_get("idx")?;
                out.insert(
                    (l as u32, i as u64),
                    unhex(&r.try_get::<String, _>("hash")?)?,
                );
            }
        }
        Ok(out)
    }

    /// A play record by its reference, with its log index (`None` for plays stored before the log existed).
    pub async fn play_record(&self, reference: &str) -> Result<(PlayRecord, Option<u64>)> {
        let row = self
            .one_row(
                &format!("SELECT {RECORD_COLS} FROM plays WHERE ref = $1"),
                reference,
            )
            .await?;
        record_row(&row)
    }

    /// The play record at log index `index`.
    pub async fn play_record_at(&self, index: u64) -> Result<PlayRecord> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLS} FROM plays WHERE log_index = $1"
        )))
        .bind(index as i64)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(record_row(&row)?.0)
    }

    /// The log's signing key, if one was made.
    pub async fn log_key(&self) -> Result<Option<LogKeyRow>> {
        let row = sqlx::query("SELECT origin, seed, public_key FROM log_keys WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(LogKeyRow {
                origin: r.try_get("origin")?,
                seed: r.try_get("seed")?,
                public_key: r.try_get("public_key")?,
            })
        })
        .transpose()
    }

    /// Stores the log's signing key unless one exists; returns the one in force (so concurrent first starts agree).
    pub async fn ensure_log_key(&self, key: &LogKeyRow, now: i64) -> Result<LogKeyRow> {
        sqlx::query(
            "INSERT INTO log_keys (id, origin, seed, public_key, created_at) VALUES (1, $1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&key.origin)
        .bind(&key.seed)
        .bind(&key.public_key)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.log_key().await?.ok_or(StoreError::NotFound)
    }

    /// Keeps a signed checkpoint (one per size: a second one of the same size is a no-op).
    pub async fn insert_checkpoint(
        &self,
        size: u64,
        root: &Hash,
        note: &str,
        now: i64,
    ) -> Result<CheckpointRow> {
        sqlx::query(
            "INSERT INTO log_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING",
        )
        .bind(size as i64)
        .bind(hex_lower(root))
        .bind(note)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.checkpoint(Some(size))
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The checkpoint of `size`, or the newest one.
    pub async fn checkpoint(&self, size: Option<u64>) -> Result<Option<CheckpointRow>> {
        let q = match size {
            Some(n) => sqlx::query("SELECT size, root, note, created_at FROM log_checkpoints WHERE size = $1")
                .bind(n as i64),
            None => sqlx::query(
                "SELECT size, root, note, created_at FROM log_checkpoints ORDER BY size DESC LIMIT 1",
            ),
        };
        let row = q.fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(CheckpointRow {
                size: r.try_get("size")?,
                root: r.try_get("root")?,
                note: r.try_get("note")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .transpose()
    }
}
