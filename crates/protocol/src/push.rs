//! The push channel (`GET /api/v1/player/ws`, `docs/player-protocol.md` §4): JSON text frames with a `type`.
//! Every server message carries `server_time` (epoch ms), which can refine the player's clock offset.

use serde::{Deserialize, Serialize};

/// A command an operator sends to a screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// Reload the app.
    Reload,
    /// Capture the screen and `POST /api/v1/player/screenshot`.
    Screenshot,
    /// Overlay the screen name and id for about ten seconds.
    Identify,
    /// Empty the media cache and fetch the manifest's media again.
    ClearCache,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 4] = [
        Command::Reload,
        Command::Screenshot,
        Command::Identify,
        Command::ClearCache,
    ];

    /// The command named `name` (`reload`, `screenshot`, `identify`, `clear_cache`).
    pub fn parse(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Command::Reload => "reload",
            Command::Screenshot => "screenshot",
            Command::Identify => "identify",
            Command::ClearCache => "clear_cache",
        }
    }
}

/// How a player finished a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CommandOutcome {
    /// Carried out (`result` says what came of it).
    Done,
    /// Could not be carried out (`error` says why).
    Failed,
}

/// A player's answer to a command (`POST /api/v1/player/commands/{id}/result`, and with the command's `id` the
/// WebSocket message [`PlayerMessage::CommandResult`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    /// `done` or `failed`.
    pub status: CommandOutcome,
    /// What came of it (e.g. `screenshot 1920x1080, video frame`), ≤ 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// Why it failed, ≤ 2,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A message from the server to a player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Push {
    /// First message on a socket, with the current manifest ETag: fetch the manifest when it differs from the
    /// one held.
    Hello {
        /// The token's screen.
        screen_id: String,
        /// The token's device.
        device_id: String,
        /// Current manifest ETag (`null` when it could not be computed).
        etag: Option<String>,
        /// Server clock, epoch ms.
        server_time: i64,
    },
    /// The screen's manifest changed: fetch it (with `If-None-Match`) and apply it at the next item boundary.
    ManifestChanged {
        /// The new ETag.
        etag: String,
        /// Server clock, epoch ms.
        server_time: i64,
    },
    /// An alert was issued, updated or cancelled for this screen: fetch the manifest at once and apply it
    /// immediately.
    Alert {
        /// The new ETag.
        etag: String,
        /// Server clock, epoch ms.
        server_time: i64,
    },
    /// An operator's command. Answer with [`PlayerMessage::CommandResult`] (or over HTTP); a command may arrive
    /// twice (at a reconnect), so players act once per `id`.
    Command {
        /// Command id.
        id: String,
        /// The command.
        command: Command,
        /// Arguments, when the operator gave some (a JSON object).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        args: Option<serde_json::Value>,
        /// Server clock, epoch ms.
        server_time: i64,
    },
    /// Keep-alive (every 20 s); answer with [`PlayerMessage::Pong`].
    Ping {
        /// Server clock, epoch ms.
        server_time: i64,
    },
    /// The device token was revoked; the socket closes with code 4401 and the player pairs again.
    Revoked {
        /// Server clock, epoch ms.
        server_time: i64,
    },
}

impl Push {
    /// The message as a JSON text frame.
    pub fn to_text(&self) -> String {
        // A tagged enum of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A message from a player to the server (anything else is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlayerMessage {
    /// Answer to [`Push::Ping`].
    Pong {
        /// The ping's `server_time`.
        #[serde(default)]
        server_time: Option<i64>,
    },
    /// The outcome of a command this socket received.
    CommandResult {
        /// The command's id.
        id: String,
        /// How it ended, and its result or error.
        #[serde(flatten)]
        result: CommandResult,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_with_their_type() {
        let all = [
            Push::Hello {
                screen_id: "s".into(),
                device_id: "d".into(),
                etag: Some("\"e\"".into()),
                server_time: 5,
            },
            Push::ManifestChanged {
                etag: "\"e\"".into(),
                server_time: 6,
            },
            Push::Alert {
                etag: "\"f\"".into(),
                server_time: 7,
            },
            Push::Command {
                id: "c1".into(),
                command: Command::Identify,
                args: None,
                server_time: 8,
            },
            Push::Command {
                id: "c2".into(),
                command: Command::ClearCache,
                args: Some(serde_json::json!({"keep": 1})),
                server_time: 8,
            },
            Push::Ping { server_time: 9 },
            Push::Revoked { server_time: 10 },
        ];
        let types = [
            "hello",
            "manifest_changed",
            "alert",
            "command",
            "command",
            "ping",
            "revoked",
        ];
        for (m, t) in all.iter().zip(types) {
            let v: serde_json::Value = serde_json::from_str(&m.to_text()).unwrap();
            assert_eq!(v["type"], t);
            assert_eq!(&serde_json::from_value::<Push>(v).unwrap(), m);
        }
    }

    #[test]
    fn documented_messages_decode() {
        let hello: Push = serde_json::from_str(
            r#"{"type": "hello", "screen_id": "01937b10-x", "device_id": "01937ca0-y", "etag": "\"6f1c\"", "server_time": 1764002800123}"#,
        )
        .unwrap();
        assert!(matches!(
            hello,
            Push::Hello {
                server_time: 1764002800123,
                ..
            }
        ));
        let cmd: Push = serde_json::from_str(
            r#"{"type": "command", "id": "01937cb0-z", "command": "reload", "server_time": 1764002870000}"#,
        )
        .unwrap();
        assert!(matches!(
            cmd,
            Push::Command {
                command: Command::Reload,
                ..
            }
        ));
        assert!(serde_json::from_str::<Push>(r#"{"type": "explode", "server_time": 1}"#).is_err());
        let pong: PlayerMessage =
            serde_json::from_str(r#"{"type": "pong", "server_time": 1764002890000}"#).unwrap();
        assert_eq!(
            pong,
            PlayerMessage::Pong {
                server_time: Some(1764002890000)
            }
        );
        assert_eq!(
            serde_json::from_str::<PlayerMessage>(r#"{"type": "pong"}"#).unwrap(),
            PlayerMessage::Pong { server_time: None }
        );
        let ack: PlayerMessage = serde_json::from_str(
            r#"{"type": "command_result", "id": "c1", "status": "done", "result": "shown"}"#,
        )
        .unwrap();
        assert_eq!(
            ack,
            PlayerMessage::CommandResult {
                id: "c1".into(),
                result: CommandResult {
                    status: CommandOutcome::Done,
                    result: Some("shown".into()),
                    error: None
                }
            }
        );
        let failed: PlayerMessage = serde_json::from_str(
            r#"{"type": "command_result", "id": "c2", "status": "failed", "error": "no canvas"}"#,
        )
        .unwrap();
        assert!(matches!(
            failed,
            PlayerMessage::CommandResult {
                result: CommandResult {
                    status: CommandOutcome::Failed,
                    ..
                },
                ..
            }
        ));
        for c in ["reload", "screenshot", "identify", "clear_cache"] {
            assert_eq!(Command::parse(c).map(Command::as_str), Some(c));
        }
        assert_eq!(Command::parse("explode"), None);
    }
}
