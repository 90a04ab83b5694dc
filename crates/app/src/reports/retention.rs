//! Retention without loss of proof: logged plays that started before a configured age are written, one UTC day
//! at a time, to a Parquet file in object storage ([`super::files::archive_parquet`]); the file is read back and
//! checked, its SHA-256 becomes a leaf of the log ([`ArchiveRecord`]), and in that same transaction the day's
//! plays leave the hot table — exactly those in the file, or nothing ([`twincast_store::Store::compact_plays`]).
//! Before a day is compacted every play's record is checked against its leaf: a play changed in the database
//! stops the compaction (`play-log-mismatch`) and stays where it is, as evidence.
//! Reports read compacted days from their files, after checking each file against the hash in its row.

use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::App;
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::time::Duration;
use twincast_core::proof::note::hex_lower;
use twincast_core::proof::PlayRecord;
use twincast_core::report::{local_day, ArchiveRecord};
use twincast_store::ArchiveRow;

const DAY_MS: i64 = 86_400_000;

impl App {
    /// The plays of an archive, after checking the file against the SHA-256 its row (and its leaf) holds.
    pub(crate) async fn read_archive(&self, a: &ArchiveRow) -> AppResult<Vec<(PlayRecord, u64)>> {
        let chunks: Vec<bytes::Bytes> = self
            .storage
            .get(&a.object_key, None)
            .await?
            .try_collect()
            .await?;
        let bytes = chunks.concat();
        if hex_lower(&Sha256::digest(&bytes)) != a.sha256 {
            return Err(AppError::internal(format!(
                "the archive {} does not match its hash in the log",
                a.object_key
            )));
        }
        super::files::read_archive(&bytes).map_err(AppError::internal)
    }

    /// Compacts the logged plays that started before `before` (epoch ms), oldest UTC day first, at most
    /// `max_days` days. Returns the archives made.
    pub async fn compact_plays(&self, before: i64, max_days: usize) -> AppResult<Vec<ArchiveRow>> {
        let mut made = Vec::new();
        while made.len() < max_days {
            let Some(oldest) = self.store.oldest_logged_play_before(before).await? else {
                break;
            };
            let day = oldest.div_euclid(DAY_MS) * DAY_MS;
            // Only whole days: the day must end by `before`.
            if day + DAY_MS > before {
                break;
            }
            made.push(self.compact_day(day).await?);
        }
        Ok(made)
    }

    /// Compacts the logged plays of the UTC day starting at `day` (epoch ms; it has some).
    async fn compact_day(&self, day: i64) -> AppResult<ArchiveRow> {
        let mut plays: Vec<(PlayRecord, u64)> = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .logged_plays_page(day, day + DAY_MS, after.as_ref(), 5000)
                .await?;
            let n = page.len();
            if let Some((r, _)) = page.last() {
                after = Some((r.started_at, r.screen.clone(), r.event.clone()));
            }
            plays.extend(page);
            if n < 5000 {
                break;
            }
        }
        plays.sort_by_key(|(_, i)| *i);
        let (Some((_, first)), Some((_, last))) = (plays.first(), plays.last()) else {
            return Err(AppError::internal("no plays to compact"));
        };
        let (first, last) = (*first, *last);
        // Every record must still be its leaf: a changed row is evidence, not something to archive.
        let ids: BTreeSet<(u32, u64)> = plays.iter().map(|(_, i)| (0, *i)).collect();
        let leaves = self.store.log_nodes(&ids).await?;
        for (r, i) in &plays {
            if leaves.get(&(0, *i)) != Some(&r.leaf_hash()) {
                return Err(AppError::conflict(
                    "play-log-mismatch",
                    format!(
                        "play {} (leaf {i}) no longer matches its leaf in the log; it was changed after it was logged",
                        r.reference
                    ),
                ));
            }
        }
        let bytes = super::files::archive_parquet(&plays).map_err(AppError::internal)?;
        let sha = hex_lower(&Sha256::digest(&bytes));
        let date = local_day(day, 0).to_string();
        let key = format!("proof/archives/{date}/{sha}.parquet");
        self.storage
            .put_bytes(&key, bytes::Bytes::from(bytes.clone()))
            .await?;
        let row = ArchiveRow {
            id: format!("{date}.{first}"),
            day: date.clone(),
            object_key: key.clone(),
            sha256: sha.clone(),
            bytes: bytes.len() as i64,
            plays: plays.len() as i64,
            first_index: first as i64,
            last_index: last as i64,
            log_index: 0,
            created_at: self.now_ms(),
        };
        // Read back from storage and compare before anything leaves the table.
        if self.read_archive(&row).await? != plays {
            return Err(AppError::internal(format!(
                "the archive {key} did not read back the same"
            )));
        }
        let record = ArchiveRecord {
            v: 1,
            kind: "play-archive".into(),
            day: date,
            object: key,
            sha256: sha,
            plays: plays.len() as u64,
            first_index: first,
            last_index: last,
        };
        let index = self
            .store
            .compact_plays(&row, &record.leaf_bytes(), day, day + DAY_MS)
            .await
            .map_err(|e| match e {
                twincast_store::StoreError::Conflict(_) => AppError::conflict(
                    "archive-mismatch",
                    "the day's plays changed while they were compacted; nothing was removed",
                ),
                other => other.into(),
            })?;
        tracing::info!(day = %row.day, plays = row.plays, leaf = index, "compacted a day of plays");
        Ok(ArchiveRow {
            log_index: index as i64,
            ..row
        })
    }
}

/// Compacts plays older than `after_days` days, hourly (started only when retention is configured).
#[derive(Debug)]
pub struct Compactor {
    app: App,
    after_days: u32,
    ran: bool,
}

impl Compactor {
    /// A compactor of plays older than `after_days` days.
    pub fn new(app: App, after_days: u32) -> Compactor {
        Compactor {
            app,
            after_days,
            ran: false,
        }
    }
}

impl Worker for Compactor {
    fn name(&self) -> String {
        "proof-retention".into()
    }

    async fn work(&mut self) -> WorkerState {
        if self.ran {
            self.ran = false;
            return WorkerState::Idle;
        }
        self.ran = true;
        let before = self.app.now_ms() - i64::from(self.after_days) * DAY_MS;
        if let Err(e) = self.app.compact_plays(before, 7).await {
            tracing::warn!(error = %e, "compacting old plays failed");
        }
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
