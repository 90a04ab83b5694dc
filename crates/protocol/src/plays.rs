//! Proof of play (`POST /api/v1/player/plays`, `docs/player-protocol.md` §6): batches of 1–500 events, each
//! with a client-generated id (re-sending an id is a no-op), and the answer.

use serde::{Deserialize, Serialize};

/// One proof-of-play event as a player reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayEvent {
    /// Client-generated id, unique per screen.
    pub id: String,
    /// Campaign id (campaign plays).
    #[serde(default)]
    pub campaign: Option<String>,
    /// Item id (campaign plays).
    #[serde(default)]
    pub item: Option<String>,
    /// Partner slug as the player saw it (the campaign's partner wins when the campaign exists).
    #[serde(default)]
    pub partner: Option<String>,
    /// Alert id (alert plays).
    #[serde(default)]
    pub alert: Option<String>,
    /// Device time the play started, epoch ms.
    pub started_at: i64,
    /// Device time the play ended, epoch ms.
    pub ended_at: i64,
    /// SHA-256 (hex) of the media file played (video and image items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// The item's planned length from the manifest, ms (the counting policy compares it with the actual length).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned_ms: Option<i64>,
}

/// A proof-of-play batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayBatch {
    /// 1–500 events.
    pub events: Vec<PlayEvent>,
}

/// What a paired device signs (`docs/proof-of-play.md`): its id, a sequence number that grows with every batch
/// it sends, and the events. Its JSON bytes travel base64-encoded in [`SignedPlayBatch::payload`], so the server
/// verifies and keeps exactly the bytes that were signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedPlays {
    /// The sending device's id (from pairing).
    pub device: String,
    /// Sequence number, strictly greater than that of the device's previous accepted batch.
    pub seq: u64,
    /// 1–500 events.
    pub events: Vec<PlayEvent>,
}

/// A signed proof-of-play batch: `signature` is Ed25519 over `"twincast/plays/v1\n"` followed by the bytes that
/// `payload` encodes, with the key the device registered at pairing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedPlayBatch {
    /// Base64 (standard alphabet, padded) of the JSON of a [`SignedPlays`].
    pub payload: String,
    /// Base64 of the 64-byte Ed25519 signature.
    pub signature: String,
}

/// The body of `POST /api/v1/player/plays`: a signed batch (devices that registered a key must send these) or
/// a plain one (devices paired without a key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum PlayUpload {
    /// A signed batch.
    Signed(SignedPlayBatch),
    /// An unsigned batch.
    Plain(PlayBatch),
}

impl PlayUpload {
    /// Reads a body: an object with `payload` is a signed batch, else a plain one (so errors name the fields of
    /// the kind meant).
    pub fn from_json(bytes: &[u8]) -> Result<PlayUpload, serde_json::Error> {
        let v: serde_json::Value = serde_json::from_slice(bytes)?;
        if v.get("payload").is_some() || v.get("signature").is_some() {
            serde_json::from_value(v).map(PlayUpload::Signed)
        } else {
            serde_json::from_value(v).map(PlayUpload::Plain)
        }
    }
}

/// Answer to a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlayBatchAnswer {
    /// New events.
    pub accepted: u64,
    /// Already known ids.
    pub duplicates: u64,
    /// Server receive time.
    pub received_at: i64,
    /// Permanent references of the plays, in the batch's order (`null` for a duplicate, whose reference was
    /// given when it was first accepted).
    #[serde(default)]
    pub refs: Vec<Option<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_batch_decodes_and_round_trips() {
        let b: PlayBatch = serde_json::from_str(
            r#"{"events": [
    {"id": "7b0c2a5e-2f6b-4c8e-9a51-0d3e6f1b2c4d", "campaign": "c-kyoto", "item": "i1", "partner": "kyoto",
     "started_at": 1764002790000, "ended_at": 1764002805000},
    {"id": "8c1d3b6f", "alert": "a-1", "started_at": 1764002805000, "ended_at": 1764002865000}
  ]}"#,
        )
        .unwrap();
        assert_eq!(b.events.len(), 2);
        assert_eq!(b.events[1].alert.as_deref(), Some("a-1"));
        assert_eq!(b.events[1].campaign, None);
        let back: PlayBatch = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        assert!(serde_json::from_str::<PlayBatch>(
            r#"{"events": [{"id": "u", "campaign": "c", "started_at": 0, "ended_at": 1, "bogus": 1}]}"#
        )
        .is_err());
        let a: PlayBatchAnswer = serde_json::from_str(
            r#"{"accepted": 1, "duplicates": 1, "received_at": 1764002866000}"#,
        )
        .unwrap();
        assert_eq!((a.accepted, a.duplicates), (1, 1));
        let signed = PlayUpload::from_json(br#"{"payload": "e30=", "signature": "AA=="}"#).unwrap();
        assert!(matches!(signed, PlayUpload::Signed(_)));
        assert!(PlayUpload::from_json(br#"{"payload": "e30="}"#).is_err());
        let plain = PlayUpload::from_json(br#"{"events": []}"#).unwrap();
        assert!(matches!(plain, PlayUpload::Plain(_)));
    }
}
