//! Group commit of heartbeats: whoever finds no write in progress starts a writer task that stores everything
//! queued so far in one transaction, answers those requests, and repeats until the queue is empty. Alone, a
//! heartbeat is written at once; under load, many share one durable write. Every heartbeat is answered only
//! after its transaction committed.

use super::Hub;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

type Pending = (
    twincast_store::HeartbeatRecord,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// Heartbeats waiting for the next write, and whether a writer runs.
#[derive(Default)]
pub(super) struct GroupCommit {
    pending: Mutex<Vec<Pending>>,
    writing: AtomicBool,
}

impl GroupCommit {
    async fn write_all(self: Arc<Self>, store: twincast_store::Store) {
        loop {
            let batch = self
                .pending
                .lock()
                .map(|mut p| std::mem::take(&mut *p))
                .unwrap_or_default();
            if batch.is_empty() {
                self.writing.store(false, Ordering::Release);
                // A heartbeat queued between the take and the store above found `writing` set: take it over.
                let more = self.pending.lock().map(|p| !p.is_empty()).unwrap_or(false);
                if more && !self.writing.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            let rows: Vec<_> = batch.iter().map(|(r, _)| r.clone()).collect();
            match store.record_heartbeats(&rows).await {
                Ok(()) => {
                    for (_, done) in batch {
                        let _ = done.send(Ok(()));
                    }
                }
                // One bad row (say, of a screen deleted meanwhile) must not fail its neighbours: one by one.
                Err(e) if batch.len() == 1 => {
                    for (_, done) in batch {
                        let _ = done.send(Err(e.to_string()));
                    }
                }
                Err(_) => {
                    for (row, done) in batch {
                        let result = store
                            .record_heartbeats(std::slice::from_ref(&row))
                            .await
                            .map_err(|e| e.to_string());
                        let _ = done.send(result);
                    }
                }
            }
        }
    }
}

impl Hub {
    /// Stores a heartbeat durably (group commit with the heartbeats arriving meanwhile).
    pub async fn record_heartbeat(
        &self,
        store: &twincast_store::Store,
        record: twincast_store::HeartbeatRecord,
    ) -> Result<(), String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Ok(mut p) = self.heartbeats.pending.lock() {
            p.push((record, tx));
        }
        if !self.heartbeats.writing.swap(true, Ordering::AcqRel) {
            // A task of its own: the request may be cancelled, the write must finish.
            tokio::spawn(self.heartbeats.clone().write_all(store.clone()));
        }
        rx.await
            .unwrap_or_else(|_| Err("the heartbeat writer stopped".into()))
    }
}
