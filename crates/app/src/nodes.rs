//! This process as one node of many on one database (docs/scale-out.md): its lease, the objects it puts before
//! their rows commit, and taking back what dead nodes left.
//!
//! A node renews its lease in the [`NodeLease`] worker (every sixth of the lease). Its running jobs and its
//! pending objects are its own while the lease runs; once it has run out (the node was killed, lost the
//! database, or stopped), any node queues its jobs again and deletes each object it was putting that no row
//! references and no live node is putting again. Nothing lists the object store. On SQLite there is only one
//! node, so a start takes everything back at once (and also sweeps the local object directory).

use crate::background::{Worker, WorkerState};
use crate::error::AppResult;
use crate::App;
use std::time::Duration;
use twincast_store::Backend;

/// A pending record older than this is abandoned whatever its node (far above the longest upload's commit).
pub const PENDING_MAX_AGE_MS: i64 = 24 * 3_600_000;

/// A record of an object being put; [`App::object_committed`] drops it once the row referencing the object is
/// committed (or the put failed). A crash leaves it for the janitor.
#[derive(Debug)]
#[must_use = "drop the record with App::object_committed once the row is committed"]
pub struct PendingObject {
    id: String,
}

/// What one pass of taking back found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reclaimed {
    /// Jobs queued again.
    pub jobs: u64,
    /// Objects deleted.
    pub objects: u64,
    /// Pending records dropped without deleting their object (referenced, or put again by a live node).
    pub kept: u64,
}

impl App {
    /// The lease of this node, ms.
    pub fn node_lease_ms(&self) -> i64 {
        self.settings.node_lease_ms.max(1_000)
    }

    /// Starts or renews this node's lease.
    pub async fn renew_lease(&self) -> AppResult<()> {
        let now = self.now_ms();
        Ok(self
            .store
            .renew_node(&self.node_id, now, now + self.node_lease_ms())
            .await?)
    }

    /// Records that this node is about to put `key` (before the put; see [`PendingObject`]).
    pub async fn object_pending(&self, key: &str) -> AppResult<PendingObject> {
        let id = self
            .store
            .object_pending(key, &self.node_id, self.now_ms())
            .await?;
        Ok(PendingObject { id })
    }

    /// Drops the record of a put whose row is committed (or that failed). A failure here only leaves the record
    /// for the janitor, which keeps a referenced object.
    pub async fn object_committed(&self, pending: PendingObject) {
        if let Err(e) = self.store.object_committed(&pending.id).await {
            tracing::warn!(error = %e, "pending object record left for the janitor");
        }
    }

    /// Takes back what dead nodes left: queues their running jobs again, deletes the objects they were putting
    /// that no row references and no live node puts again.
    pub async fn reclaim(&self) -> AppResult<Reclaimed> {
        let now = self.now_ms();
        let mut out = Reclaimed {
            jobs: self.store.requeue_orphaned_jobs(now).await?,
            ..Reclaimed::default()
        };
        loop {
            let batch = self
                .store
                .abandoned_objects(now, PENDING_MAX_AGE_MS, 200)
                .await?;
            let n = batch.len();
            for a in batch {
                if a.referenced || a.in_flight {
                    out.kept += 1;
                } else {
                    // Deleted before the record: a failure leaves the record, so the next pass tries again.
                    self.storage.delete(&a.object_key).await?;
                    out.objects += 1;
                }
                self.store.object_committed(&a.id).await?;
            }
            if n < 200 {
                break;
            }
        }
        if out != Reclaimed::default() {
            tracing::info!(
                jobs = out.jobs,
                objects = out.objects,
                kept = out.kept,
                "took back what dead nodes left"
            );
        }
        Ok(out)
    }

    /// At start: this node's lease begins; on SQLite (one node) every earlier process is dead, so its jobs and
    /// pending objects are taken back at once; on PostgreSQL only those of nodes whose lease ran out.
    pub async fn start_node(&self) -> AppResult<Reclaimed> {
        if self.store.backend() == Backend::Sqlite {
            let now = self.now_ms();
            for node in self.store.live_nodes(now).await? {
                self.store.release_node(&node, now - 1).await?;
            }
        }
        self.renew_lease().await?;
        self.reclaim().await
    }
}

/// Renews this node's lease and, every renewal, takes back what dead nodes left. A stopped node's lease runs out
/// by itself (a job still finishing during the stop stays its own until then).
#[derive(Debug)]
pub struct NodeLease {
    app: App,
    every: Duration,
}

impl NodeLease {
    /// The lease worker of `app`'s node.
    pub fn new(app: App) -> NodeLease {
        let every = Duration::from_millis((app.node_lease_ms() / 6).max(200) as u64);
        NodeLease { app, every }
    }
}

impl Worker for NodeLease {
    fn name(&self) -> String {
        "node-lease".into()
    }

    async fn work(&mut self) -> WorkerState {
        if let Err(e) = self.app.renew_lease().await {
            tracing::warn!(error = %e, "cannot renew this node's lease");
        }
        if let Err(e) = self.app.reclaim().await {
            tracing::warn!(error = %e, "cannot take back what dead nodes left");
        }
        let now = self.app.now_ms();
        let _ = self.app.store.forget_dead_nodes(now - 86_400_000).await;
        let _ = self.app.store.forget_rate_limits(now - 3_600_000).await;
        WorkerState::Idle
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(self.every).await;
    }
}
