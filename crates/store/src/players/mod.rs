//! Players: pairing codes, device tokens, heartbeat status, proof of play, screenshots and remote commands
//! (see `docs/player-protocol.md`).
//!
//! Secrets never reach the database in clear: callers pass SHA-256 hashes of poll secrets and device tokens.

mod commands;
mod devices;
mod pairing;
mod plays;
mod screenshots;
pub(crate) mod status;

pub use commands::{NewScreenCommand, ScreenCommand};
pub use devices::{Device, TokenState};
pub use pairing::Pairing;
pub use plays::{civil_date, PlayAggregate, PlayEvent, PlayFilter, PlayGrouping};
pub use status::{HeartbeatRecord, ScreenStatusRow};
