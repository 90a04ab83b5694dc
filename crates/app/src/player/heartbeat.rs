//! Heartbeats: a player's status report, validated and stored here, many to a transaction (group commit).

use crate::error::{AppError, AppResult};
use crate::group_commit::{answered, group_or_each, GroupCommit};
use crate::{validate, App};
use twincast_store::{Device, HeartbeatRecord, Store, StoreError};

pub use twincast_protocol::{CacheState, CurrentItem, Heartbeat, PlayerError};

/// Most player errors in one heartbeat.
pub const MAX_HEARTBEAT_ERRORS: usize = 50;
/// Longest text field of a heartbeat, in characters.
const MAX_FIELD: usize = 500;

/// Heartbeats waiting to be stored together (see [`crate::group_commit`]).
pub type HeartbeatsCommitter = GroupCommit<HeartbeatRecord, Result<(), StoreError>>;

/// Heartbeats one transaction may hold: 10,000 screens reporting every 30 s send ~330 a second.
const HEARTBEATS_PER_GROUP: usize = 512;

/// The committer of `store`'s heartbeats: a group is one transaction; if it fails, its rows are stored one by one,
/// so one bad row (say, of a screen deleted meanwhile) cannot fail its neighbours. A group that failed because the
/// database is unavailable is not retried row by row: each would fail the same way.
pub fn heartbeats_committer(store: Store) -> std::sync::Arc<HeartbeatsCommitter> {
    GroupCommit::new(HEARTBEATS_PER_GROUP, move |rows: Vec<HeartbeatRecord>| {
        let store = store.clone();
        Box::pin(async move {
            let rows = &rows;
            let group = async {
                store.record_heartbeats(rows).await?;
                Ok(rows.iter().map(|_| Ok(())).collect())
            };
            group_or_each(rows.len(), group, |i| {
                store.record_heartbeats(std::slice::from_ref(&rows[i]))
            })
            .await
        })
    })
}

impl App {
    /// Stores a heartbeat row durably, in one transaction with the heartbeats arriving meanwhile; answers after
    /// the commit.
    pub async fn record_heartbeat(&self, record: HeartbeatRecord) -> AppResult<()> {
        answered(self.heartbeats.submit(record).await, "heartbeat writer")
    }

    /// Validates a heartbeat of `device` and prepares its row (stored by [`App::record_heartbeat`]): the body as
    /// sent and the clock offset (server − device) when the player sent its time.
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
