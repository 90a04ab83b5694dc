//! Notifications from the operations that change what screens should show (campaigns, alerts, operator commands,
//! revocations) to the parts that tell the screens (the player WebSocket hub). In one process they travel on
//! `App::events`; between the nodes of one PostgreSQL database through [`crate::fanout`].

use serde::{Deserialize, Serialize};

/// Something screens may need to hear about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEvent {
    /// Schedules changed (campaigns, content, targeting). `screens: None` means possibly every screen.
    ScheduleChanged {
        /// Screens affected, when known.
        screens: Option<Vec<String>>,
    },
    /// Emergency alerts were issued, updated or cancelled.
    AlertsChanged,
    /// An operator command for one screen was queued (`reload`, `screenshot`, `identify`, `clear_cache`): a hub
    /// with a socket of the screen delivers it (`App::command_to_deliver`, then `App::commands_delivered`).
    Command {
        /// Command id (the player answers with it; the operator was answered with it).
        id: String,
        /// Target screen.
        screen_id: String,
    },
    /// Device tokens of a screen were revoked (unpaired, replaced by a new pairing, screen retired): every node
    /// forgets them and closes their sockets.
    DevicesRevoked {
        /// The screen.
        screen_id: String,
        /// The revoked devices.
        devices: Vec<String>,
    },
    /// This node may have missed changes (its listener reconnected): forget caches, recompute and tell every
    /// connected screen what changed, deliver queued commands. Never sent to other nodes.
    Resync,
}

/// Capacity of the event channel; a lagging subscriber re-syncs from scratch.
pub const EVENT_CAPACITY: usize = 1024;
