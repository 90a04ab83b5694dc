//! The players' open WebSockets: registration, sending, revocation, and what each screen was last told.

use super::{Hub, Outbound};
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;
use twincast_protocol::Push;

/// One open socket of a screen.
pub(super) struct Conn {
    id: u64,
    device_id: String,
    tx: mpsc::Sender<Outbound>,
}

impl Hub {
    /// Forgets the revoked devices and closes their sockets (close code 4401 after a `revoked` message).
    pub fn revoke(&self, screen_id: &str, device_ids: &[String]) {
        if let Ok(mut t) = self.tokens.write() {
            self.token_generation
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            t.retain(|_, c| !device_ids.contains(&c.device.id));
        }
        let revoked = Push::Revoked {
            server_time: twincast_store::now_ms(),
        }
        .to_text();
        if let Ok(mut conns) = self.conns.write() {
            if let Some(list) = conns.get_mut(screen_id) {
                list.retain(|c| {
                    if device_ids.contains(&c.device_id) {
                        let _ = c.tx.try_send(Outbound::Text(revoked.clone()));
                        let _ = c.tx.try_send(Outbound::Close(4401));
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }

    /// Closes every open socket with `code` (1001, going away, when the node stops): each player reconnects, through
    /// the load balancer, to another node. Returns how many sockets were told.
    pub fn close_all(&self, code: u16) -> usize {
        let Ok(conns) = self.conns.read() else {
            return 0;
        };
        conns
            .values()
            .flatten()
            .filter(|c| c.tx.try_send(Outbound::Close(code)).is_ok())
            .count()
    }

    /// Registers a socket of `screen_id`; returns its id and the receiving end.
    pub fn connect(&self, screen_id: &str, device_id: &str) -> (u64, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(32);
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut conns) = self.conns.write() {
            conns.entry(screen_id.to_string()).or_default().push(Conn {
                id,
                device_id: device_id.to_string(),
                tx,
            });
        }
        (id, rx)
    }

    /// Unregisters a socket.
    pub fn disconnect(&self, screen_id: &str, conn: u64) {
        if let Ok(mut conns) = self.conns.write() {
            if let Some(list) = conns.get_mut(screen_id) {
                list.retain(|c| c.id != conn);
                if list.is_empty() {
                    conns.remove(screen_id);
                    if let Ok(mut a) = self.announced.write() {
                        a.remove(screen_id);
                    }
                }
            }
        }
    }

    /// Records the manifest ETag a screen's socket was told about (in `hello`).
    pub fn announced(&self, screen_id: &str, etag: &str) {
        if let Ok(mut a) = self.announced.write() {
            a.insert(screen_id.to_string(), etag.to_string());
        }
    }

    /// The manifest ETag a screen was last told about.
    pub(super) fn told(&self, screen_id: &str) -> Option<String> {
        self.announced
            .read()
            .ok()
            .and_then(|a| a.get(screen_id).cloned())
    }

    /// Whether a screen has an open socket.
    pub fn is_connected(&self, screen_id: &str) -> bool {
        self.conns
            .read()
            .map(|c| c.contains_key(screen_id))
            .unwrap_or(false)
    }

    /// Number of open sockets.
    pub fn connection_count(&self) -> usize {
        self.conns
            .read()
            .map(|c| c.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Sends a message to every socket of a screen; returns how many got it.
    pub fn push(&self, screen_id: &str, message: &Push) -> usize {
        self.send_to(screen_id, &message.to_text())
    }

    /// Sends a JSON text frame to every socket of a screen; returns how many got it.
    pub fn send_to(&self, screen_id: &str, text: &str) -> usize {
        let Ok(conns) = self.conns.read() else {
            return 0;
        };
        conns.get(screen_id).map_or(0, |list| {
            list.iter()
                .filter(|c| c.tx.try_send(Outbound::Text(text.to_string())).is_ok())
                .count()
        })
    }

    pub(super) fn connected_screens(&self) -> Vec<String> {
        self.conns
            .read()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }
}
