//! Heartbeats (`POST /api/v1/player/heartbeat`, `docs/player-protocol.md` §5): what a player reports every
//! `next_heartbeat_ms`, and the answer (server time for the clock offset, current manifest ETag).

use serde::{Deserialize, Serialize};

/// The item on screen.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CurrentItem {
    /// Campaign id.
    pub campaign: Option<String>,
    /// Item id.
    pub item: Option<String>,
    /// Alert id.
    pub alert: Option<String>,
    /// Device time it started.
    pub started_at: Option<i64>,
}

/// Cache fill.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CacheState {
    /// Media in the horizon.
    pub items_total: Option<u64>,
    /// Media cached.
    pub items_cached: Option<u64>,
    /// Bytes cached.
    pub bytes_cached: Option<u64>,
}

/// A player-side error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayerError {
    /// Device time.
    pub at: Option<i64>,
    /// Short code.
    pub code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
}

/// A heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// Player version.
    pub player_version: Option<String>,
    /// ETag of the manifest in use.
    pub manifest_etag: Option<String>,
    /// Item on screen.
    pub current: Option<CurrentItem>,
    /// Cache state.
    pub cache: Option<CacheState>,
    /// Free storage, bytes.
    pub storage_free_bytes: Option<u64>,
    /// Recent errors (≤ 50).
    #[serde(default)]
    pub errors: Vec<PlayerError>,
    /// Device clock when sent.
    pub device_time: Option<i64>,
    /// The video codecs this player can decode (names from [`DECODE_CODECS`], as the player's
    /// MediaCapabilities / `canPlayType` answered). Absent: the server assumes [`BASELINE_DECODES`]. A change
    /// makes the server choose, per item, another file for this screen (the original or its H.264 rendition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decodes: Option<Vec<String>>,
}

/// The codec names a player may report in [`Heartbeat::decodes`] (the `codec` a media item is probed with).
pub const DECODE_CODECS: [&str; 8] = [
    "h264", "h265", "vp8", "vp9", "av1", "prores", "mpeg2", "mpeg4",
];

/// What the server assumes a player decodes when it has not said (players older than `decodes`): what every
/// Chromium build plays.
pub const BASELINE_DECODES: [&str; 4] = ["h264", "vp8", "vp9", "av1"];

/// Answer to a heartbeat.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartbeatAnswer {
    /// Server clock, epoch ms.
    pub server_time: i64,
    /// Current manifest ETag.
    pub manifest_etag: Option<String>,
    /// When to send the next heartbeat.
    pub next_heartbeat_ms: i64,
    /// Token expiry.
    pub token_expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_heartbeat_decodes_and_round_trips() {
        let hb: Heartbeat = serde_json::from_str(
            r#"{
  "player_version": "web-1.0.0",
  "manifest_etag": "\"6f1c0b9a2d4e8f7031a5c6b7d8e9f001\"",
  "current": {"campaign": "c-kyoto", "item": "i1", "started_at": 1764002790000},
  "cache": {"items_total": 31, "items_cached": 31, "bytes_cached": 73400320},
  "storage_free_bytes": 1073741824,
  "errors": [{"at": 1764002700000, "code": "media-decode", "message": "video i7 failed to decode"}],
  "device_time": 1764002800050
}"#,
        )
        .unwrap();
        assert_eq!(
            hb.current.as_ref().and_then(|c| c.item.as_deref()),
            Some("i1")
        );
        assert_eq!(hb.errors[0].code, "media-decode");
        let back: Heartbeat = serde_json::from_str(&serde_json::to_string(&hb).unwrap()).unwrap();
        assert_eq!(back, hb);
        // Every field is optional; unknown fields are refused.
        assert_eq!(
            serde_json::from_str::<Heartbeat>("{}").unwrap(),
            Heartbeat::default()
        );
        assert!(serde_json::from_str::<Heartbeat>(r#"{"bogus": 1}"#).is_err());
        let answer: HeartbeatAnswer = serde_json::from_str(
            r#"{"server_time": 1764002800100, "manifest_etag": "\"6f1c\"", "next_heartbeat_ms": 30000, "token_expires_at": 1795539600000}"#,
        )
        .unwrap();
        assert_eq!(answer.next_heartbeat_ms, 30_000);
    }
}
