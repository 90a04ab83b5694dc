//! Change events between the nodes of one PostgreSQL database: every [`ServerEvent`] a node emits is also sent
//! with `NOTIFY` (by the [`Publisher`]), and every node's [`Listener`] puts the events of the others on its own
//! `App::events`, where its player hub hears them as if they were its own. SQLite is one node: both workers stop
//! at once and events stay in the process.
//!
//! A notification is small (PostgreSQL allows 8000 bytes): the event's kind and ids, never rows; the receiving
//! node reads what it needs from the database. A schedule change naming too many screens to fit is sent as
//! "possibly every screen". A listener that loses its connection reconnects and then resynchronises
//! ([`ServerEvent::Resync`]): what was sent meanwhile is gone, so it recomputes everything its screens were told.
//! The hub's 5 s version poll stays as the safety net behind both.

use crate::background::{Worker, WorkerState};
use crate::{App, ServerEvent};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc;

/// Largest payload sent (PostgreSQL's limit is 8000 bytes).
pub const MAX_PAYLOAD: usize = 7_900;

#[derive(Serialize, Deserialize)]
struct Wire {
    /// The node that emitted the event.
    o: String,
    /// The event.
    e: ServerEvent,
}

/// The notification of `event` emitted by `node`: `None` for events that stay in their process
/// ([`ServerEvent::Resync`]). A schedule change whose screen list does not fit becomes one for every screen.
pub fn encode(node: &str, event: &ServerEvent) -> Option<String> {
    if matches!(event, ServerEvent::Resync) {
        return None;
    }
    let text = serde_json::to_string(&Wire {
        o: node.to_string(),
        e: event.clone(),
    })
    .ok()?;
    if text.len() <= MAX_PAYLOAD {
        return Some(text);
    }
    // Only a schedule change carries a list that can grow (commands and revocations name one screen and its
    // few devices).
    match event {
        ServerEvent::ScheduleChanged { screens: Some(_) } => {
            encode(node, &ServerEvent::ScheduleChanged { screens: None })
        }
        _ => None,
    }
}

/// The event of a notification sent by another node; `None` for this node's own and for anything unreadable.
pub fn decode(node: &str, payload: &str) -> Option<ServerEvent> {
    let w: Wire = serde_json::from_str(payload).ok()?;
    (w.o != node && w.e != ServerEvent::Resync).then_some(w.e)
}

/// Sends this node's events to the others (`NOTIFY`), in the order they were emitted.
#[derive(Debug)]
pub struct Publisher {
    app: App,
    rx: Option<mpsc::UnboundedReceiver<ServerEvent>>,
    next: Option<ServerEvent>,
}

impl Publisher {
    /// The publisher of `app`'s events; on PostgreSQL it connects [`App::emit`] to itself.
    pub fn new(app: App) -> Publisher {
        let rx = (app.store.backend() == twincast_store::Backend::Postgres)
            .then(|| {
                let (tx, rx) = mpsc::unbounded_channel();
                app.fanout.set(tx).ok().map(|_| rx)
            })
            .flatten();
        Publisher {
            app,
            rx,
            next: None,
        }
    }
}

impl Worker for Publisher {
    fn name(&self) -> String {
        "change-publisher".into()
    }

    async fn work(&mut self) -> WorkerState {
        if self.rx.is_none() {
            return WorkerState::Done;
        }
        let Some(event) = self.next.take() else {
            return WorkerState::Idle;
        };
        if let Some(payload) = encode(&self.app.node_id, &event) {
            if let Err(e) = self.app.store.notify_change(&payload).await {
                // The other nodes' version poll and command pass still catch it, a few seconds later.
                tracing::warn!(error = %e, "fan-out: cannot notify the other nodes");
            }
        }
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        match self.rx.as_mut() {
            Some(rx) => match rx.recv().await {
                Some(ev) => self.next = Some(ev),
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    }

    async fn drain(&mut self) {
        // Events emitted by requests answered before the stop still reach the other nodes.
        let Some(rx) = self.rx.as_mut() else { return };
        while let Ok(event) = rx.try_recv() {
            if let Some(payload) = encode(&self.app.node_id, &event) {
                let _ = self.app.store.notify_change(&payload).await;
            }
        }
    }
}

/// What woke the listener.
enum Heard {
    Payload(String),
    Lost,
    Failed(String),
}

/// Puts the other nodes' events on this node's `App::events`; reconnects (with a growing pause, at most 5 s)
/// and resynchronises after a lost connection.
pub struct Listener {
    app: App,
    conn: Option<twincast_store::ChangeListener>,
    heard: Option<Heard>,
    failures: u32,
    /// Whether this listener was connected before (a later connection resynchronises).
    was_connected: bool,
    postgres: bool,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

impl Listener {
    /// The listener of `app`'s node (does nothing on SQLite).
    pub fn new(app: App) -> Listener {
        let postgres = app.store.backend() == twincast_store::Backend::Postgres;
        Listener {
            app,
            conn: None,
            heard: None,
            failures: 0,
            was_connected: false,
            postgres,
        }
    }

    async fn connect(&mut self) {
        match self.app.store.change_listener().await {
            Ok(Some(conn)) => {
                self.conn = Some(conn);
                self.failures = 0;
                metrics::counter!("twincast_fanout_connects_total").increment(1);
                if self.was_connected {
                    tracing::info!("fan-out: listening again; resynchronising");
                    let _ = self.app.events.send(ServerEvent::Resync);
                }
                self.was_connected = true;
            }
            Ok(None) => self.postgres = false,
            Err(e) => {
                self.failures += 1;
                tracing::warn!(error = %e, failures = self.failures, "fan-out: cannot listen");
            }
        }
    }
}

impl Worker for Listener {
    fn name(&self) -> String {
        "change-listener".into()
    }

    async fn work(&mut self) -> WorkerState {
        if !self.postgres {
            return WorkerState::Done;
        }
        match self.heard.take() {
            None if self.conn.is_none() => self.connect().await,
            None => return WorkerState::Idle,
            Some(Heard::Payload(p)) => {
                metrics::counter!("twincast_fanout_received_total").increment(1);
                if let Some(event) = decode(&self.app.node_id, &p) {
                    let _ = self.app.events.send(event);
                }
            }
            Some(Heard::Lost) => {
                // try_recv reconnects by itself; the next payload may be after a gap.
                tracing::warn!("fan-out: connection lost; resynchronising");
                let _ = self.app.events.send(ServerEvent::Resync);
            }
            Some(Heard::Failed(e)) => {
                tracing::warn!(error = %e, "fan-out: listener failed; reconnecting");
                self.conn = None;
                self.failures += 1;
            }
        }
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        match self.conn.as_mut() {
            Some(conn) => {
                self.heard = Some(match conn.next().await {
                    Ok(Some(p)) => Heard::Payload(p),
                    Ok(None) => Heard::Lost,
                    Err(e) => Heard::Failed(e.to_string()),
                })
            }
            None => {
                let pause = 100u64 << self.failures.min(6);
                tokio::time::sleep(Duration::from_millis(pause.min(5_000))).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_events_are_not_heard_again_and_others_are() {
        let ev = ServerEvent::Command {
            id: "c1".into(),
            screen_id: "s1".into(),
        };
        let p = encode("a", &ev).unwrap();
        assert_eq!(decode("a", &p), None);
        assert_eq!(decode("b", &p), Some(ev));
        assert_eq!(decode("b", "not json"), None);
        assert_eq!(encode("a", &ServerEvent::Resync), None);
    }

    #[test]
    fn a_schedule_change_naming_too_many_screens_becomes_one_for_all() {
        let screens: Vec<String> = (0..1000).map(|i| format!("0190-screen-{i:06}")).collect();
        let ev = ServerEvent::ScheduleChanged {
            screens: Some(screens),
        };
        let p = encode("a", &ev).unwrap();
        assert!(p.len() <= MAX_PAYLOAD);
        assert_eq!(
            decode("b", &p),
            Some(ServerEvent::ScheduleChanged { screens: None })
        );
        let few = ServerEvent::ScheduleChanged {
            screens: Some(vec!["s1".into()]),
        };
        assert_eq!(decode("b", &encode("a", &few).unwrap()), Some(few));
    }
}
