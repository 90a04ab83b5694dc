//! Delivering queued remote commands: to a socket of this process at once (after the app's `Command` event),
//! to a screen's socket right after its `hello` (commands queued while it was offline or sent through another
//! process), and every 5 s to the connected screens (commands queued by another process while they were
//! connected here). A command a socket got is marked delivered; the player answers it
//! (`twincast_protocol::PlayerMessage::CommandResult` or HTTP).

use super::Hub;
use crate::AppState;
use twincast_app::player::command_push;
use twincast_store::ScreenCommand;

impl Hub {
    /// Sends `commands` to their screens' sockets here and marks those a socket got as delivered.
    async fn deliver(&self, state: &AppState, commands: Vec<ScreenCommand>) {
        let now = state.app.now_ms();
        let got: Vec<String> = commands
            .into_iter()
            .filter(|c| command_push(c, now).is_some_and(|push| self.push(&c.screen_id, &push) > 0))
            .map(|c| c.id)
            .collect();
        if let Err(e) = state.app.commands_delivered(&got).await {
            tracing::warn!(error = %e, "hub: cannot mark commands delivered");
        }
    }

    /// Delivers the queued commands of `screen_id` (after its socket's `hello`; read with the other hellos').
    pub async fn deliver_queued(&self, state: &AppState, screen_id: &str) {
        match state.app.queued_commands(screen_id).await {
            Ok(list) if !list.is_empty() => self.deliver(state, list).await,
            Ok(_) => {}
            Err(e) => tracing::warn!(screen_id, error = %e, "hub: cannot read queued commands"),
        }
    }

    /// Delivers command `id` just queued for `screen_id`, if the screen has a socket here.
    pub(super) async fn deliver_new(&self, state: &AppState, id: &str, screen_id: &str) {
        if !self.is_connected(screen_id) {
            return;
        }
        match state.app.command_to_deliver(id).await {
            Ok(Some(c)) => self.deliver(state, vec![c]).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(screen_id, error = %e, "hub: cannot read the command"),
        }
    }

    /// Delivers the queued commands of every screen connected here (the periodic pass that catches commands
    /// queued through another server process).
    pub(super) async fn deliver_connected(&self, state: &AppState) {
        let screens = self.connected_screens();
        if screens.is_empty() {
            return;
        }
        match state.app.commands_to_deliver(Some(&screens)).await {
            Ok(list) if !list.is_empty() => self.deliver(state, list).await,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "hub: cannot read queued commands"),
        }
    }
}
