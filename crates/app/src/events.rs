//! In-process notifications from the operations that change what screens should show (campaigns, alerts, operator
//! commands) to the parts that tell the screens (the player WebSocket hub).

use serde::Serialize;

/// Something screens may need to hear about.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
}

/// Capacity of the event channel; a lagging subscriber re-syncs from scratch.
pub const EVENT_CAPACITY: usize = 1024;
