//! Heartbeats: a player's status report, validated here and stored by the front door's group commit.

use crate::error::{AppError, AppResult};
use crate::{validate, App};
use twincast_store::{Device, HeartbeatRecord};

pub use twincast_protocol::{CacheState, CurrentItem, Heartbeat, PlayerError};

/// Most player errors in one heartbeat.
pub const MAX_HEARTBEAT_ERRORS: usize = 50;
/// Longest text field of a heartbeat, in characters.
const MAX_FIELD: usize = 500;

impl App {
    /// Validates a heartbeat of `device` and prepares its row (stored through the front door's group commit): the body as sent and the clock offset
    /// (server − device) when the player sent its time.
    pub fn accept_heartbeat(&self, device: &Device, hb: &Heartbeat) -> AppResult<HeartbeatRecord> {
        if hb.errors.len() > MAX_HEARTBEAT_ERRORS {
            return Err(AppError::invalid(
                "too-many-errors",
                format!("at most {MAX_HEARTBEAT_ERRORS} errors per heartbeat"),
            ));
        }
        let texts = [&hb.player_version, &hb.manifest_etag]
            .into_iter()
            .flatten()
            .chain(hb.errors.iter().flat_map(|e| [&e.code, &e.message]))
            .chain(
                hb.current
                    .iter()
                    .flat_map(|c| [&c.campaign, &c.item, &c.alert].into_iter().flatten()),
            );
        for t in texts {
            validate::text("heartbeat field", t, MAX_FIELD)?;
        }
        if let Some(d) = &hb.decodes {
            super::normalize_decodes(d)?;
        }
        let now = self.now_ms();
        let body = serde_json::to_string(hb).map_err(AppError::internal)?;
        Ok(HeartbeatRecord {
            screen_id: device.screen_id.clone(),
            device_id: device.id.clone(),
            body,
            clock_offset_ms: hb.device_time.map(|d| now - d),
            at: now,
        })
    }
}
