//! Fleets for load tests: `twincast fleet provision` writes screens, campaigns and device tokens straight into the
//! database; `twincast fleet-sim` runs N simulated players against a server over the real player protocol
//! (`docs/player-protocol.md`) and reports what they saw.
//!
//! A simulated player does what the web player does, minus the pixels: it pairs (or uses a provisioned device
//! token), holds its WebSocket (reconnecting with backoff and jitter), fetches the manifest with `If-None-Match`
//! when `hello`, `manifest_changed`, `alert` or `reload` say so, sends heartbeats and proof-of-play batches, and
//! answers pings. With `--change` the simulator, once every player holds a manifest, creates a campaign through
//! the operator API and measures, for each player, the time from that request to holding the new manifest.
//!
//! - `provision`: `twincast fleet provision`.
//! - `sim`: `twincast fleet-sim`: the run (pairing or tokens, ramp-up, the `--change` measurement).
//! - `player`: one simulated player (a client of the wire types in `twincast_protocol`).
//! - `report`: latencies and the report.

mod player;
mod provision;
mod report;
mod sim;

pub use provision::{provision, ProvisionArgs};
pub use report::print_report;
pub use sim::{simulate, SimArgs};
