//! Group commit: requests that each need one durable write queue their item, and whoever finds no writer running
//! starts one. The writer is a task of its own (a cancelled request cannot cut a write short): it writes everything
//! queued so far in one call, answers each request with its own outcome, and repeats until the queue is empty.
//! Alone, an item is written at once; under load many share one transaction, and a lock the write takes (the
//! transparency log's, for proof of play) is taken once for all of them. Every answer comes after its
//! transaction committed, so nothing is acknowledged before it is durable.

use futures::future::BoxFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use twincast_store::StoreError;

type Write<I, O> = Box<dyn Fn(Vec<I>) -> BoxFuture<'static, Vec<O>> + Send + Sync>;

/// Items waiting for the next write, whether a writer runs, and how to write.
pub struct GroupCommit<I, O> {
    pending: Mutex<Vec<(I, oneshot::Sender<O>)>>,
    writing: AtomicBool,
    max: usize,
    write: Write<I, O>,
}

impl<I, O> std::fmt::Debug for GroupCommit<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field(
                "pending",
                &self.pending.lock().map(|p| p.len()).unwrap_or(0),
            )
            .field("writing", &self.writing.load(Ordering::Relaxed))
            .field("max", &self.max)
            .finish()
    }
}

impl<I: Send + 'static, O: Send + 'static> GroupCommit<I, O> {
    /// A committer writing at most `max` items per call of `write`, which must answer one outcome per item, in
    /// order.
    pub fn new(
        max: usize,
        write: impl Fn(Vec<I>) -> BoxFuture<'static, Vec<O>> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(GroupCommit {
            pending: Mutex::default(),
            writing: AtomicBool::new(false),
            max: max.max(1),
            write: Box::new(write),
        })
    }

    /// Queues `item` and waits for its outcome; `None` if the writer stopped without answering (it panicked).
    pub async fn submit(self: &Arc<Self>, item: I) -> Option<O> {
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.push((item, tx));
        }
        if !self.writing.swap(true, Ordering::AcqRel) {
            tokio::spawn(self.clone().write_all());
        }
        rx.await.ok()
    }

    async fn write_all(self: Arc<Self>) {
        loop {
            let batch: Vec<(I, oneshot::Sender<O>)> = self
                .pending
                .lock()
                .map(|mut p| {
                    let n = p.len().min(self.max);
                    p.drain(..n).collect()
                })
                .unwrap_or_default();
            if batch.is_empty() {
                self.writing.store(false, Ordering::Release);
                // An item queued between the take and the store above found `writing` set: take it over.
                let more = self.pending.lock().map(|p| !p.is_empty()).unwrap_or(false);
                if more && !self.writing.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            let (items, answers): (Vec<I>, Vec<oneshot::Sender<O>>) = batch.into_iter().unzip();
            let outcomes = (self.write)(items).await;
            debug_assert_eq!(outcomes.len(), answers.len(), "one outcome per item");
            for (answer, outcome) in answers.into_iter().zip(outcomes) {
                let _ = answer.send(outcome);
            }
        }
    }
}

/// A request's outcome from [`GroupCommit::submit`] as the application's result; `writer` names the writer for the
/// error when it stopped without answering.
pub(crate) fn answered<T>(
    outcome: Option<Result<T, StoreError>>,
    writer: &str,
) -> crate::AppResult<T> {
    match outcome {
        Some(result) => Ok(result?),
        None => Err(crate::AppError::internal(format!("the {writer} stopped"))),
    }
}

/// The outcomes of writing `items` items as one group with `group`: each item's own outcome, or, if the group's
/// write failed as a whole, every item failing with that outage (an outage, tried item by item, would fail each the
/// same way) or, on any other failure, each item `i` written alone with `one(i)` (one bad item cannot fail its
/// neighbours).
pub(crate) async fn group_or_each<T, O>(
    items: usize,
    group: impl std::future::Future<Output = Result<Vec<Result<T, StoreError>>, StoreError>>,
    one: impl Fn(usize) -> O,
) -> Vec<Result<T, StoreError>>
where
    O: std::future::Future<Output = Result<T, StoreError>>,
{
    let e = match group.await {
        Ok(out) => return out,
        Err(e) => e,
    };
    if items == 1 {
        return vec![Err(e)];
    }
    if e.outage_copy().is_some() {
        let mut out: Vec<_> = (1..items)
            .filter_map(|_| e.outage_copy().map(Err))
            .collect();
        out.insert(0, Err(e));
        return out;
    }
    let mut out = Vec::with_capacity(items);
    for i in 0..items {
        out.push(one(i).await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::GroupCommit;
    use futures::FutureExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_item_gets_its_own_outcome_and_groups_form_under_load() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let gc = GroupCommit::new(8, move |items: Vec<u32>| {
            c.fetch_add(1, Ordering::Relaxed);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                items.into_iter().map(|i| i * 10).collect()
            }
            .boxed()
        });
        let tasks: Vec<_> = (0..100u32)
            .map(|i| {
                let gc = gc.clone();
                tokio::spawn(async move { (i, gc.submit(i).await) })
            })
            .collect();
        for t in tasks {
            let (i, out) = t.await.unwrap();
            assert_eq!(out, Some(i * 10));
        }
        let n = calls.load(Ordering::Relaxed);
        // 100 items, at most 8 a call: at least 13 calls, and far fewer than one per item.
        assert!((13..100).contains(&n), "{n} writes");
        // Alone, an item is written at once, and the writer stops when the queue is empty.
        assert_eq!(gc.submit(7).await, Some(70));
    }
}
