//! Operator commands for a screen (`reload`, `screenshot`, `identify`): checked here, delivered by the front door.
//!
//! Not sent as a [`crate::ServerEvent::Command`]: that event carries no command id, and the player must receive
//! the id the operator was answered with; the front door pushes [`CommandSent`] to the screen's sockets itself.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use twincast_protocol::Command;
use twincast_store::Role;

/// A command as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSent {
    /// Command id.
    pub id: String,
    /// The command.
    pub command: Command,
    /// Target screen.
    pub screen_id: String,
}

impl App {
    /// Checks a command for screen `screen_id` (operators, admins; a known command, an existing screen) and gives
    /// it an id; the caller delivers it to the screen's open sockets (commands are not queued for offline screens).
    pub async fn send_command(
        &self,
        actor: &Actor,
        screen_id: &str,
        command: &str,
    ) -> AppResult<CommandSent> {
        actor.require(&[Role::Operator, Role::Admin])?;
        let Some(command) = Command::parse(command) else {
            return Err(AppError::invalid(
                "invalid-command",
                "command must be reload, screenshot or identify",
            ));
        };
        self.store.screen(screen_id).await?;
        Ok(CommandSent {
            id: twincast_store::new_id(),
            command,
            screen_id: screen_id.to_string(),
        })
    }
}
