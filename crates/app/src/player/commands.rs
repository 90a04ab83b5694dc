//! Remote commands of screens (`reload`, `screenshot`, `identify`, `clear_cache`): queued per screen (persisted,
//! audited in the same transaction), delivered by the player hub to the screen's sockets — at once when one is
//! open in this process (a [`crate::ServerEvent::Command`]), else when the screen next connects to any server
//! process — and answered by the player with a result. A command not delivered before `expires_at` reads as
//! `expired` and is never delivered.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::App;
use serde::Deserialize;
use serde_json::Value;
use twincast_protocol::{Command, CommandOutcome, CommandResult, Push};
use twincast_store::{
    AuditEntry, Device, NewScreenCommand, Page, PageRequest, Role, ScreenCommand, StoreError,
};
use utoipa::ToSchema;

/// Lifetime of a command when the sender gives none, seconds.
pub const DEFAULT_COMMAND_TTL_SECS: i64 = 3600;
/// Longest lifetime of a command, seconds (7 days).
pub const MAX_COMMAND_TTL_SECS: i64 = 7 * 86_400;
/// Largest `args` object, bytes of JSON.
pub const MAX_COMMAND_ARGS: usize = 4096;
/// Longest `result` or `error` text of an answer, characters.
pub const MAX_COMMAND_RESULT: usize = 2000;
/// The states a command can be in.
pub const COMMAND_STATES: [&str; 5] = ["queued", "delivered", "done", "failed", "expired"];

/// A command to send to a screen.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandInput {
    /// `reload`, `screenshot`, `identify` or `clear_cache`.
    pub command: String,
    /// Arguments for the player (a JSON object of at most 4 KiB), e.g. `{"seconds": 20}` for `identify`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub args: Option<Value>,
    /// Seconds the command waits for the screen to connect before it expires (1..=604800, default 3600).
    #[serde(default)]
    pub expires_in_secs: Option<i64>,
}

impl CommandInput {
    /// A command with no arguments and the default lifetime.
    pub fn named(command: &str) -> CommandInput {
        CommandInput {
            command: command.to_string(),
            args: None,
            expires_in_secs: None,
        }
    }
}

/// The push that delivers `c` (`None` for a name this build does not know, which cannot be queued).
pub fn command_push(c: &ScreenCommand, server_time: i64) -> Option<Push> {
    let command = Command::parse(&c.command)?;
    let args = match &c.args {
        Value::Object(m) if m.is_empty() => None,
        Value::Null => None,
        other => Some(other.clone()),
    };
    Some(Push::Command {
        id: c.id.clone(),
        command,
        args,
        server_time,
    })
}

fn check_text(name: &str, text: &Option<String>) -> AppResult<()> {
    match text {
        Some(t) if t.chars().count() > MAX_COMMAND_RESULT => Err(AppError::invalid(
            "invalid-command-result",
            format!("{name} may have at most {MAX_COMMAND_RESULT} characters"),
        )),
        _ => Ok(()),
    }
}

impl App {
    /// Queues command `input` for screen `screen_id` (operators, admins; a known command, an existing screen that
    /// is not retired: `screen-retired`, 409), audited as `screen.command` in the same transaction, and announces it so a socket of the screen open in
    /// this process gets it at once.
    pub async fn send_command(
        &self,
        actor: &Actor,
        screen_id: &str,
        input: &CommandInput,
    ) -> AppResult<ScreenCommand> {
        actor.require(&[Role::Operator, Role::Admin])?;
        let Some(command) = Command::parse(&input.command) else {
            return Err(AppError::invalid(
                "invalid-command",
                "command must be reload, screenshot, identify or clear_cache",
            ));
        };
        let args = match &input.args {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid-command-args",
                    "args must be a JSON object",
                ))
            }
        };
        if serde_json::to_string(&args).map_or(0, |s| s.len()) > MAX_COMMAND_ARGS {
            return Err(AppError::invalid(
                "invalid-command-args",
                format!("args may have at most {MAX_COMMAND_ARGS} bytes of JSON"),
            ));
        }
        let ttl = input.expires_in_secs.unwrap_or(DEFAULT_COMMAND_TTL_SECS);
        if !(1..=MAX_COMMAND_TTL_SECS).contains(&ttl) {
            return Err(AppError::invalid(
                "invalid-command-expiry",
                format!("expires_in_secs must be between 1 and {MAX_COMMAND_TTL_SECS}"),
            ));
        }
        self.store.screen(screen_id).await?;
        let new = NewScreenCommand {
            id: twincast_store::new_id(),
            screen_id: screen_id.to_string(),
            command: command.as_str().to_string(),
            args,
            created_by: actor.user.username.clone(),
            expires_at: self.now_ms() + ttl * 1000,
        };
        let entry = self
            .audit(actor, "screen.command", screen_id)
            .field("command", Value::Null, Value::String(new.command.clone()))
            .field("command_id", Value::Null, Value::String(new.id.clone()))
            .field("args", Value::Null, new.args.clone());
        let sent = self
            .store
            .queue_command(&new, &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) if m == "screen-retired" => crate::places::screen_retired(),
                other => other.into(),
            })?;
        self.emit(crate::ServerEvent::Command {
            id: sent.id.clone(),
            screen_id: sent.screen_id.clone(),
        });
        Ok(sent)
    }

    /// The commands of screen `screen_id`, newest first, optionally in one `state` (any signed-in role).
    pub async fn screen_commands(
        &self,
        _actor: &Actor,
        screen_id: &str,
        state: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<ScreenCommand>> {
        if let Some(s) = state {
            if !COMMAND_STATES.contains(&s) {
                return Err(AppError::invalid(
                    "invalid-command-state",
                    "state must be queued, delivered, done, failed or expired",
                ));
            }
        }
        self.store.screen(screen_id).await?;
        Ok(self
            .store
            .list_screen_commands(screen_id, state, self.now_ms(), page)
            .await?)
    }

    /// Command `id` of screen `screen_id` (any signed-in role); `command-not-found` when the screen has none.
    pub async fn screen_command(
        &self,
        _actor: &Actor,
        screen_id: &str,
        id: &str,
    ) -> AppResult<ScreenCommand> {
        match self.store.screen_command(id, self.now_ms()).await {
            Ok(c) if c.screen_id == screen_id => Ok(c),
            Ok(_) | Err(StoreError::NotFound) => Err(AppError::missing(
                "command-not-found",
                "this screen has no such command",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The commands to deliver (queued, not expired) to the screens in `screen_ids` (every screen: `None`),
    /// oldest first. The hub sends them and then calls [`App::commands_delivered`].
    pub async fn commands_to_deliver(
        &self,
        screen_ids: Option<&[String]>,
    ) -> AppResult<Vec<ScreenCommand>> {
        Ok(self
            .store
            .commands_to_deliver(screen_ids, self.now_ms())
            .await?)
    }

    /// Command `id` as the hub delivers it after a [`crate::ServerEvent::Command`]: `None` when it is no longer
    /// queued (delivered by another process, expired).
    pub async fn command_to_deliver(&self, id: &str) -> AppResult<Option<ScreenCommand>> {
        match self.store.screen_command(id, self.now_ms()).await {
            Ok(c) if c.state == "queued" => Ok(Some(c)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Marks commands as delivered (a socket of their screen got them). Not audited: the answer is.
    pub async fn commands_delivered(&self, ids: &[String]) -> AppResult<u64> {
        Ok(self
            .store
            .mark_commands_delivered(ids, self.now_ms())
            .await?)
    }

    /// Records `device`'s answer to command `id` of its screen (`done` with a result, `failed` with an error),
    /// audited as `command.done` / `command.failed` by the device. `command-not-found` for a command of another
    /// screen; `command-answered` (conflict) when it was answered already.
    pub async fn finish_command(
        &self,
        device: &Device,
        id: &str,
        answer: &CommandResult,
    ) -> AppResult<ScreenCommand> {
        check_text("result", &answer.result)?;
        check_text("error", &answer.error)?;
        let state = match answer.status {
            CommandOutcome::Done => "done",
            CommandOutcome::Failed => "failed",
        };
        let mut entry = AuditEntry::by_system(&format!("command.{state}"), id, self.now_ms());
        entry.actor = format!("device {}", device.id);
        entry.via = "device".into();
        entry.via_id = Some(device.id.clone());
        let entry = entry
            .field(
                "screen_id",
                Value::Null,
                Value::String(device.screen_id.clone()),
            )
            .field("state", Value::Null, Value::String(state.into()));
        match self
            .store
            .finish_command(
                id,
                &device.screen_id,
                state,
                answer.result.as_deref(),
                answer.error.as_deref(),
                &entry,
            )
            .await
        {
            Ok(c) => Ok(c),
            Err(StoreError::NotFound) => Err(AppError::missing(
                "command-not-found",
                "this screen has no such command",
            )),
            Err(StoreError::Conflict(m)) => Err(AppError::conflict("command-answered", m)),
            Err(e) => Err(e.into()),
        }
    }
}
