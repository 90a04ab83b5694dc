//! Background work behind one trait: the media job runner, the player hub's refresh loop, the heartbeat group
//! commit, demo media generation. A [`Supervisor`] runs each [`Worker`] in its own task, tracks its
//! [`WorkerState`], and on shutdown asks every worker to drain and stop within a deadline (aborting those that
//! do not).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    /// Did something; call `work` again at once.
    Busy,
    /// Nothing to do; wait for work (or for the stop signal).
    Idle,
    /// Finished for good (the supervisor stops calling it).
    Done,
    /// Stop was asked; finishing what was acknowledged.
    Draining,
    /// Stopped (after `Done` or a drained shutdown).
    Stopped,
    /// Did not stop within the shutdown deadline and was aborted.
    Aborted,
}

/// A unit of background work.
pub trait Worker: Send + 'static {
    /// A short name for logs, metrics and status (`media-jobs`, `hub-refresh`, …).
    fn name(&self) -> String;

    /// Does one step of work and says what to do next.
    fn work(&mut self) -> impl Future<Output = WorkerState> + Send;

    /// Waits until there may be work again (a notification or a timer). Cancelled when stop is asked.
    fn wait_for_work(&mut self) -> impl Future<Output = ()> + Send;

    /// Called once after stop was asked: finish what was already acknowledged (the default does nothing).
    fn drain(&mut self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Runs workers and stops them.
#[derive(Debug)]
pub struct Supervisor {
    stop: watch::Sender<bool>,
    tasks: Vec<(String, JoinHandle<()>)>,
    states: Arc<Mutex<BTreeMap<String, WorkerState>>>,
}

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor::new()
    }
}

/// What a shutdown did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Workers that stopped by themselves within the deadline.
    pub stopped: Vec<String>,
    /// Workers that had to be aborted.
    pub aborted: Vec<String>,
}

impl Supervisor {
    /// A supervisor with no workers.
    pub fn new() -> Supervisor {
        Supervisor {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
            states: Arc::default(),
        }
    }

    /// Starts `worker` in its own task. Names must be unique; a repeated name gets a `#n` suffix.
    pub fn spawn<W: Worker>(&mut self, mut worker: W) {
        let mut name = worker.name();
        {
            let states = self.states.lock().unwrap_or_else(|e| e.into_inner());
            let base = name.clone();
            let mut n = 1;
            while states.contains_key(&name) {
                n += 1;
                name = format!("{base}#{n}");
            }
        }
        let states = self.states.clone();
        let set = move |s: WorkerState, name: &str| {
            states
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.to_string(), s);
        };
        set(WorkerState::Idle, &name);
        let mut stop = self.stop.subscribe();
        let task_name = name.clone();
        let handle = tokio::spawn(async move {
            let name = task_name;
            loop {
                if *stop.borrow() {
                    break;
                }
                let state = worker.work().await;
                set(state, &name);
                match state {
                    WorkerState::Busy => continue,
                    WorkerState::Done => {
                        set(WorkerState::Stopped, &name);
                        return;
                    }
                    _ => {}
                }
                tokio::select! {
                    _ = worker.wait_for_work() => {}
                    _ = stop.changed() => {}
                }
            }
            set(WorkerState::Draining, &name);
            worker.drain().await;
            set(WorkerState::Stopped, &name);
        });
        self.tasks.push((name, handle));
    }

    /// The current state of every worker, by name.
    pub fn states(&self) -> BTreeMap<String, WorkerState> {
        self.states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A handle that reads the states after the supervisor was moved (e.g. into a shutdown task).
    pub fn state_reader(&self) -> StateReader {
        StateReader(self.states.clone())
    }

    /// Asks every worker to stop, waits up to `deadline` for all of them to drain, aborts the rest.
    pub async fn shutdown(self, deadline: Duration) -> ShutdownReport {
        let _ = self.stop.send(true);
        let until = tokio::time::Instant::now() + deadline;
        let mut report = ShutdownReport::default();
        for (name, mut handle) in self.tasks {
            match tokio::time::timeout_at(until, &mut handle).await {
                Ok(_) => report.stopped.push(name),
                Err(_) => {
                    handle.abort();
                    tracing::warn!(worker = %name, "did not stop within the shutdown deadline; aborted");
                    self.states
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(name.clone(), WorkerState::Aborted);
                    report.aborted.push(name);
                }
            }
        }
        report
    }
}

/// Reads worker states (see [`Supervisor::state_reader`]).
#[derive(Debug, Clone)]
pub struct StateReader(Arc<Mutex<BTreeMap<String, WorkerState>>>);

impl StateReader {
    /// The current state of every worker, by name.
    pub fn states(&self) -> BTreeMap<String, WorkerState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Counter {
        left: u32,
        done: Arc<AtomicU32>,
        drained: Arc<AtomicU32>,
        notify: Arc<tokio::sync::Notify>,
    }

    impl Worker for Counter {
        fn name(&self) -> String {
            "counter".into()
        }
        async fn work(&mut self) -> WorkerState {
            if self.left == 0 {
                return WorkerState::Idle;
            }
            self.left -= 1;
            self.done.fetch_add(1, Ordering::SeqCst);
            WorkerState::Busy
        }
        async fn wait_for_work(&mut self) {
            self.notify.notified().await
        }
        async fn drain(&mut self) {
            self.drained.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Stuck;
    impl Worker for Stuck {
        fn name(&self) -> String {
            "stuck".into()
        }
        async fn work(&mut self) -> WorkerState {
            std::future::pending::<()>().await;
            WorkerState::Done
        }
        async fn wait_for_work(&mut self) {}
    }

    #[tokio::test]
    async fn workers_run_drain_and_stop_and_stuck_ones_are_aborted() {
        let done = Arc::new(AtomicU32::new(0));
        let drained = Arc::new(AtomicU32::new(0));
        let notify = Arc::new(tokio::sync::Notify::new());
        let mut sup = Supervisor::new();
        sup.spawn(Counter {
            left: 5,
            done: done.clone(),
            drained: drained.clone(),
            notify: notify.clone(),
        });
        sup.spawn(Stuck);
        // Wait (bounded by count, not time) until the counter went idle.
        for _ in 0..1000 {
            if sup.states().get("counter") == Some(&WorkerState::Idle)
                && done.load(Ordering::SeqCst) == 5
            {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(done.load(Ordering::SeqCst), 5);
        let reader = sup.state_reader();
        let report = sup.shutdown(Duration::from_millis(200)).await;
        assert_eq!(report.stopped, vec!["counter".to_string()]);
        assert_eq!(report.aborted, vec!["stuck".to_string()]);
        assert_eq!(drained.load(Ordering::SeqCst), 1);
        let states = reader.states();
        assert_eq!(states["counter"], WorkerState::Stopped);
        assert_eq!(states["stuck"], WorkerState::Aborted);
    }
}
