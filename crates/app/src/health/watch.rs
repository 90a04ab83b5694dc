//! The health watch: one pass every few seconds over every screen.

use crate::audit::Audited;
use crate::background::{Worker, WorkerState};
use crate::error::AppResult;
use crate::places::ScreenStatus;
use crate::App;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use twincast_store::{HealthChange, HealthRecord, HealthTransition, WatchedScreen};

/// Transitions written per transaction.
const BATCH: usize = 500;

/// Name of the gauge of screens by location slug and status (`online`, `offline`, `never_seen`).
pub const SCREENS_GAUGE: &str = "twincast_screens";

/// What one pass saw and did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    /// Transitions recorded with an event (screen id, new status), in screen order.
    pub transitions: Vec<(String, ScreenStatus)>,
    /// Screens seen for the first time and recorded without an event.
    pub first_seen: usize,
    /// Screens by (location slug, status).
    pub counts: BTreeMap<(String, &'static str), u64>,
}

/// Watches screens' last contact and records online/offline transitions with their notifications.
#[derive(Debug)]
pub struct HealthWatch {
    app: App,
    wake: Arc<tokio::sync::Notify>,
    every: Duration,
    /// Gauge labels set by an earlier pass (set to 0 when a location/status has no screens any more).
    gauges: BTreeSet<(String, &'static str)>,
}

impl HealthWatch {
    /// A watch over `app`'s screens that wakes `wake` (the notifier) after recording events. It runs a pass
    /// every quarter of the offline silence, between 0.2 s and 5 s.
    pub fn new(app: App, wake: Arc<tokio::sync::Notify>) -> HealthWatch {
        let every =
            Duration::from_millis((app.settings.offline_after_ms / 4).clamp(200, 5_000) as u64);
        HealthWatch {
            app,
            wake,
            every,
            gauges: BTreeSet::new(),
        }
    }

    /// One pass: each screen's status by the application's clock, transitions recorded (once each, with their
    /// outbox rows), gauges updated.
    pub async fn pass(&mut self) -> AppResult<PassReport> {
        let now = self.app.now_ms();
        let silence = self.app.settings.offline_after_ms;
        let mut report = PassReport::default();
        if !self.records_transitions(now).await? {
            // Another node records the transitions: the gauges need counts only, and the database counts.
            for (slug, status, n) in self.app.store.screen_counts(now, silence).await? {
                let status = ScreenStatus::named(&status).ok_or_else(|| {
                    crate::AppError::internal(format!("unknown screen status {status:?}"))
                })?;
                report
                    .counts
                    .insert((slug, status.as_str()), n.max(0) as u64);
            }
            self.set_gauges(&report.counts);
            return Ok(report);
        }
        let screens = self.app.store.watched_screens().await?;
        let mut records = Vec::new();
        for s in &screens {
            let status = ScreenStatus::of(s.last_seen_at, now, silence);
            *report
                .counts
                .entry((s.location_slug.clone(), status.as_str()))
                .or_default() += 1;
            if status == ScreenStatus::NeverSeen || s.state.as_deref() == Some(status.as_str()) {
                continue;
            }
            let t = transition(s, status, now);
            let outbox = match &t.from {
                Some(_) => self.app.settings.notify.outbox(&payload(s, &t)),
                None => Vec::new(),
            };
            let audit = self.app.audit_system(&t.event, &s.id).field(
                "health",
                serde_json::json!(t.from),
                serde_json::json!(t.state),
            );
            records.push((
                status,
                s.name.clone(),
                HealthRecord {
                    transition: t,
                    outbox,
                    audit,
                },
            ));
        }
        // Many changes at once (a fleet starting, an outage) are written a chunk per transaction.
        let mut queued = false;
        for chunk in records.chunks(BATCH) {
            let items: Vec<HealthRecord> = chunk.iter().map(|r| r.2.clone()).collect();
            let changes = self.app.store.record_health_batch(&items).await?;
            for ((status, name, r), change) in chunk.iter().zip(changes) {
                let t = &r.transition;
                match change {
                    HealthChange::Changed => {
                        tracing::info!(screen = %t.screen_id, name = %name, event = %t.event, "screen health changed");
                        report.transitions.push((t.screen_id.clone(), *status));
                        queued |= !r.outbox.is_empty();
                    }
                    HealthChange::Initial => report.first_seen += 1,
                    HealthChange::Unchanged | HealthChange::Gone => {}
                }
            }
        }
        if queued {
            self.wake.notify_one();
        }
        self.set_gauges(&report.counts);
        Ok(report)
    }

    /// Whether this node records the transitions: of the nodes sharing the database whose lease runs, the one with
    /// the lowest id does (every node still sets its gauges, from counts the database makes). Each transition is
    /// recorded once whoever records it, so two nodes that both believe they do for a moment only repeat work; the
    /// work is what this saves, and the lock waits of every node writing the same rows when a fleet comes online at
    /// once. A node whose lease is not written yet, or alone (SQLite), records them.
    async fn records_transitions(&self, now: i64) -> AppResult<bool> {
        let live = self.app.store.live_nodes(now).await?;
        Ok(live
            .first()
            .is_none_or(|first| **first == *self.app.node_id))
    }

    fn set_gauges(&mut self, counts: &BTreeMap<(String, &'static str), u64>) {
        for key in self.gauges.iter().filter(|k| !counts.contains_key(*k)) {
            metrics::gauge!(SCREENS_GAUGE, "location" => key.0.clone(), "status" => key.1).set(0.0);
        }
        for ((location, status), n) in counts {
            metrics::gauge!(SCREENS_GAUGE, "location" => location.clone(), "status" => *status)
                .set(*n as f64);
        }
        self.gauges = counts.keys().cloned().collect();
    }
}

fn transition(s: &WatchedScreen, status: ScreenStatus, now: i64) -> HealthTransition {
    HealthTransition {
        screen_id: s.id.clone(),
        from: s.state.clone(),
        state: status.as_str().to_string(),
        last_seen_at: s.last_seen_at,
        at: now,
        event: format!("screen.{}", status.as_str()),
        event_id: twincast_store::new_id(),
    }
}

/// The event's JSON body (the webhook body; the e-mail is written from it).
fn payload(s: &WatchedScreen, t: &HealthTransition) -> serde_json::Value {
    serde_json::json!({
        "id": t.event_id,
        "event": t.event,
        "screen": {
            "id": s.id,
            "name": s.name,
            "location": s.location,
            "location_slug": s.location_slug,
        },
        "at": super::rfc3339(t.at),
        "last_seen_at": s.last_seen_at.map(super::rfc3339),
    })
}

impl Worker for HealthWatch {
    fn name(&self) -> String {
        "health-watch".into()
    }

    async fn work(&mut self) -> WorkerState {
        if let Err(e) = self.pass().await {
            tracing::warn!(error = %e, "health pass failed; trying again at the next one");
        }
        WorkerState::Idle
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(self.every).await
    }
}
