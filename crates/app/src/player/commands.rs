//! Operator commands for a screen (`reload`, `screenshot`, `identify`), sent as change events to the hub.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::events::ServerEvent;
use crate::App;
use twincast_store::Role;

/// The commands a screen understands.
pub const COMMANDS: [&str; 3] = ["reload", "screenshot", "identify"];

/// A command as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSent {
    /// Command id.
    pub id: String,
    /// The command.
    pub command: String,
    /// Target screen.
    pub screen_id: String,
}

impl App {
    /// Sends `command` to screen `screen_id`'s open sockets (operators, admins; not queued for offline screens):
    /// emits [`ServerEvent::Command`].
    pub async fn send_command(
        &self,
        actor: &Actor,
        screen_id: &str,
        command: &str,
    ) -> AppResult<CommandSent> {
        actor.require(&[Role::Operator, Role::Admin])?;
        if !COMMANDS.contains(&command) {
            return Err(AppError::invalid(
                "invalid-command",
                "command must be reload, screenshot or identify",
            ));
        }
        self.store.screen(screen_id).await?;
        let sent = CommandSent {
            id: twincast_store::new_id(),
            command: command.to_string(),
            screen_id: screen_id.to_string(),
        };
        self.emit(ServerEvent::Command {
            screen_id: sent.screen_id.clone(),
            command: sent.command.clone(),
        });
        Ok(sent)
    }
}
