//! Operator commands for a screen (`reload`, `screenshot`, `identify`): checked here and announced as a
//! [`crate::ServerEvent::Command`] with its id, which the player hub delivers to the screen's open sockets.

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
    /// it an id; the hub delivers it to the screen's open sockets (commands are not queued for offline screens).
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
        let sent = CommandSent {
            id: twincast_store::new_id(),
            command,
            screen_id: screen_id.to_string(),
        };
        self.emit(crate::ServerEvent::Command {
            id: sent.id.clone(),
            screen_id: sent.screen_id.clone(),
            command: command.as_str().to_string(),
        });
        Ok(sent)
    }
}
