//! Turning change events into pushes: on a schedule or alert change the hub recomputes the manifests of the
//! connected screens concerned and tells every screen whose ETag differs from what it was last told.
//!
//! Metrics: `twincast_hub_refresh_total{kind}` (refreshes), `twincast_hub_manifests_considered_total` and
//! `twincast_hub_manifests_pushed_total` (screens looked at and told), `twincast_hub_refresh_seconds` (time per
//! refresh); the shared parts built are `twincast_hub_shared_builds_total` and
//! `twincast_hub_shared_build_seconds`.

use super::{CachedScreen, Hub, SCREEN_TTL};
use crate::events::ServerEvent;
use crate::manifest::build::{SHARED_BUILDS, SHARED_BUILD_US};
use crate::AppState;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;
use twincast_app::background::{Worker, WorkerState};
use twincast_protocol::Push;

impl Hub {
    /// Fills the screen cache in one go when many of `ids` are missing or stale (one query instead of thousands
    /// during a refresh of a large fleet).
    async fn load_screens(&self, state: &AppState, ids: &[String]) {
        let stale = self
            .screens
            .read()
            .map(|s| {
                ids.iter()
                    .filter(|id| s.get(*id).is_none_or(|c| c.at.elapsed() >= SCREEN_TTL))
                    .count()
            })
            .unwrap_or(0);
        if stale >= 64 {
            self.load_all_screens(state).await;
        }
    }

    /// Loads every screen into the cache with one query.
    pub(super) async fn load_all_screens(&self, state: &AppState) {
        match state.store.all_core_screens().await {
            Ok(all) => {
                if let Ok(mut s) = self.screens.write() {
                    let at = Instant::now();
                    for (name, screen) in all {
                        s.insert(screen.id.clone(), CachedScreen { at, name, screen });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "hub: cannot load the screens"),
        }
    }

    /// Forgets cached screens (all when `None`), e.g. after a screen or group change.
    pub fn forget_screens(&self, screens: Option<&[String]>) {
        if let Ok(mut s) = self.screens.write() {
            match screens {
                None => s.clear(),
                Some(ids) => ids.iter().for_each(|id| {
                    s.remove(id);
                }),
            }
        }
    }

    /// Re-reads the schedule version and pushes to the connected screens whose manifest changed. `alert` picks
    /// the message type.
    async fn refresh(&self, state: &AppState, only: Option<Vec<String>>, alert: bool) {
        match state.store.schedule_version().await {
            Ok(v) => self.version.store(v, Ordering::Release),
            Err(e) => {
                tracing::warn!(error = %e, "hub: cannot read the schedule version");
                return;
            }
        }
        // Campaign and alert changes leave screens as they are; group changes name the screens they touch.
        if let Some(list) = &only {
            self.forget_screens(Some(list));
        }
        let targets = match only {
            Some(list) => list,
            None => self.connected_screens(),
        };
        self.load_screens(state, &targets).await;
        let now = twincast_store::now_ms();
        let kind = if alert { "alert" } else { "manifest_changed" };
        let started = Instant::now();
        let (considered, mut pushed) = (targets.len(), 0usize);
        let (builds0, build_us0) = (
            SHARED_BUILDS.load(Ordering::Relaxed),
            SHARED_BUILD_US.load(Ordering::Relaxed),
        );
        for (n, screen_id) in targets.into_iter().enumerate() {
            if !self.is_connected(&screen_id) {
                continue;
            }
            // Let the sockets just told (woken on this worker) send before computing more.
            if n % 32 == 31 {
                tokio::task::yield_now().await;
            }
            match self.manifest(state, &screen_id, 48, now).await {
                Ok(m) => {
                    // Compared with what the screen was told, not with the cache: a request of the screen's
                    // own (a heartbeat, a poll) may have rebuilt the cache before this loop got to it.
                    if self.told(&screen_id).as_deref() != Some(m.etag.as_str()) {
                        self.announced(&screen_id, &m.etag);
                        let etag = m.etag.clone();
                        let server_time = twincast_store::now_ms();
                        self.push(
                            &screen_id,
                            &if alert {
                                Push::Alert { etag, server_time }
                            } else {
                                Push::ManifestChanged { etag, server_time }
                            },
                        );
                        pushed += 1;
                    }
                }
                Err(e) => tracing::warn!(screen_id, error = %e, "hub: manifest failed"),
            }
        }
        let took = started.elapsed();
        metrics::counter!("twincast_hub_refresh_total", "kind" => kind).increment(1);
        metrics::counter!("twincast_hub_manifests_considered_total").increment(considered as u64);
        metrics::counter!("twincast_hub_manifests_pushed_total").increment(pushed as u64);
        metrics::histogram!("twincast_hub_refresh_seconds").record(took.as_secs_f64());
        let ms = took.as_millis() as u64;
        let shared_built = SHARED_BUILDS.load(Ordering::Relaxed) - builds0;
        let shared_ms = (SHARED_BUILD_US.load(Ordering::Relaxed) - build_us0) / 1000;
        // Idle refreshes (nothing to tell) are metrics only; a push is worth a line.
        if pushed > 0 {
            tracing::info!(
                considered,
                pushed,
                ms,
                shared_built,
                shared_ms,
                kind,
                "hub: manifests pushed"
            );
        } else {
            tracing::debug!(
                considered,
                pushed,
                ms,
                shared_built,
                shared_ms,
                kind,
                "hub: manifests refreshed"
            );
        }
    }
}

/// What woke the hub's refresh worker.
enum Wake {
    /// A change event (or a lag / close of the channel).
    Event(Result<ServerEvent, RecvError>),
    /// The 5 s safety-net poll of the schedule version.
    Tick,
}

/// The hub's background worker: turns change events into pushes (this process's own and, on PostgreSQL, the other
/// nodes' through `twincast_app::fanout`), and every 5 s — the safety net behind the fan-out — notices schedule
/// changes made by other processes and delivers commands queued through them. Done when the event channel closes.
pub struct HubRefresh {
    hub: Arc<Hub>,
    state: AppState,
    rx: tokio::sync::broadcast::Receiver<ServerEvent>,
    tick: tokio::time::Interval,
    pending: Option<Wake>,
}

impl HubRefresh {
    /// The worker of `state.hub`, subscribed to `state.events` from now on.
    pub fn new(state: AppState) -> HubRefresh {
        HubRefresh {
            hub: state.hub.clone(),
            rx: state.events.subscribe(),
            tick: tokio::time::interval(Duration::from_secs(5)),
            pending: None,
            state,
        }
    }
}

impl Worker for HubRefresh {
    fn name(&self) -> String {
        "hub-refresh".into()
    }

    async fn work(&mut self) -> WorkerState {
        let (hub, state) = (&self.hub, &self.state);
        match self.pending.take() {
            None => return WorkerState::Idle,
            Some(Wake::Event(ev)) => match ev {
                Ok(ServerEvent::ScheduleChanged { screens }) => {
                    hub.refresh(state, screens, false).await
                }
                Ok(ServerEvent::AlertsChanged) => hub.refresh(state, None, true).await,
                Ok(ServerEvent::Command { id, screen_id }) => {
                    hub.deliver_new(state, &id, &screen_id).await
                }
                Ok(ServerEvent::DevicesRevoked { screen_id, devices }) => {
                    hub.revoke(&screen_id, &devices)
                }
                Ok(ServerEvent::Resync) => {
                    // Changes may have been missed: nothing cached is trusted, every connected screen is told
                    // what differs from what it was last told, queued commands go out.
                    hub.forget_tokens();
                    hub.forget_screens(None);
                    hub.refresh(state, None, true).await;
                    hub.deliver_connected(state).await;
                }
                Err(RecvError::Lagged(_)) => hub.refresh(state, None, true).await,
                Err(RecvError::Closed) => return WorkerState::Done,
            },
            Some(Wake::Tick) => {
                hub.deliver_connected(state).await;
                let known = hub.version.load(Ordering::Acquire);
                if let Ok(v) = state.store.schedule_version().await {
                    if known >= 0 && v != known {
                        // Another process changed something, maybe screens or groups: reload them too.
                        hub.forget_screens(None);
                        hub.refresh(state, None, false).await;
                    }
                }
            }
        }
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        // Both branches are cancel-safe: a stop in between loses no event.
        self.pending = Some(tokio::select! {
            ev = self.rx.recv() => Wake::Event(ev),
            _ = self.tick.tick() => Wake::Tick,
        });
    }
}
