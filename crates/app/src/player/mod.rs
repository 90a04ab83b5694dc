//! The player protocol's domain operations (`docs/player-protocol.md`): pairing and device tokens, heartbeats,
//! proof of play and screenshots as a player sends them, and the operator side (claim, commands, revocation,
//! status, play reports).
//!
//! Transport stays with the front door: HTTP bodies and long-poll waits, the WebSocket, the hub's caches and
//! pushes. Every time here comes from the application's clock.

pub mod commands;
pub mod decodes;
pub mod devices;
pub mod heartbeat;
pub mod hello;
pub mod pairing;
pub mod plays;
pub mod screenshots;

pub use commands::{
    command_push, CommandInput, COMMAND_STATES, DEFAULT_COMMAND_TTL_SECS, MAX_COMMAND_ARGS,
    MAX_COMMAND_RESULT, MAX_COMMAND_TTL_SECS,
};
pub use decodes::{normalize_decodes, MAX_DECODES};
pub use devices::{check_device_token, DeviceCache, NoDeviceCache, ScreenReport};
pub use heartbeat::{
    heartbeats_committer, CacheState, CurrentItem, Heartbeat, HeartbeatsCommitter, PlayerError,
    MAX_HEARTBEAT_ERRORS,
};
pub use hello::Hellos;
pub use pairing::{
    normalize_code, ClaimedDevice, NewPairing, PairingPoll, PairingRequest, CODE_ALPHABET, CODE_LEN,
};
pub use plays::{
    check_play_event, play_grouping, PartnerPlays, PlayReportQuery, PlaySummary, PlaysRecorded,
    MAX_BATCH,
};
pub use screenshots::{screenshot_mime, Screenshot, MAX_SCREENSHOT};

/// Prefix of device tokens (`tcd_…`).
pub use crate::secrets::DEVICE_TOKEN_PREFIX;
