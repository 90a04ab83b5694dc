//! The Twincast player protocol's wire formats (`docs/player-protocol.md`) as Rust types, shared by the server
//! (which writes them), the fleet simulator and the tests (which read them). The web player's decoder
//! (`web/player/js/manifest.js`) is checked against fixtures written from these types (`e2e/fixtures/wire/`,
//! `node e2e/wire.mjs`).
//!
//! - [`manifest`]: `GET /api/v1/player/manifest`, formats 1 and 2, with the compact play list ([`PlayList`]).
//! - [`push`]: the WebSocket messages, server → player ([`Push`]) and player → server ([`PlayerMessage`]).
//! - [`heartbeat`]: `POST /api/v1/player/heartbeat` and its answer.
//! - [`plays`]: proof-of-play batches (`POST /api/v1/player/plays`) and their answer.
//! - [`pairing`]: the pairing requests and answers.
//!
//! Times are integers, milliseconds since the Unix epoch (UTC), except where a field says it is an offset.
//! With the `openapi` feature the HTTP bodies also derive `utoipa::ToSchema`.

pub mod heartbeat;
pub mod manifest;
pub mod pairing;
pub mod plays;
pub mod push;

pub use heartbeat::{
    CacheState, CurrentItem, Heartbeat, HeartbeatAnswer, PlayerError, BASELINE_DECODES,
    DECODE_CODECS,
};
pub use manifest::{
    Alert, Format, Horizon, Item, ItemKind, Layout, Manifest, ManifestHead, ManifestShared, Media,
    Orientation, Play, PlayList, PlayRef, Screen, Severity, Zone,
};
pub use pairing::{ClaimRequest, Claimed, PairingCreated, PairingRequest, PairingStatus};
pub use plays::{PlayBatch, PlayBatchAnswer, PlayEvent, PlayUpload, SignedPlayBatch, SignedPlays};
pub use push::{Command, CommandOutcome, CommandResult, PlayerMessage, Push};
