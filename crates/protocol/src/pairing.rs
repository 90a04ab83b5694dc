//! Pairing (`docs/player-protocol.md` §1): an unpaired player asks for a code, an operator claims it for a
//! screen, and the player's poll returns its device token once.

use serde::{Deserialize, Serialize};

/// What an unpaired player tells about itself (all optional).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// Player software version.
    pub player_version: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Screen width in pixels.
    pub width: Option<u32>,
    /// Screen height in pixels.
    pub height: Option<u32>,
    /// The device's Ed25519 public key (32 bytes, base64), with which it will sign its proof-of-play batches.
    /// A player without Ed25519 leaves it out and sends unsigned batches (`docs/proof-of-play.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// A new pairing.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingCreated {
    /// Pairing id (for polling).
    pub pairing_id: String,
    /// Code to display.
    pub code: String,
    /// Secret to poll with.
    pub poll_secret: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
    /// Suggested poll period.
    pub poll_interval_ms: i64,
}

/// State of a pairing, as its player sees it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PairingStatus {
    /// `pending` or `paired`.
    pub status: String,
    /// Expiry (pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Device id (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Screen id (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<String>,
    /// The device token, delivered once (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Token expiry (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<i64>,
}

/// Claim request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The screen the player will be.
    pub screen_id: String,
}

/// A claimed pairing.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Claimed {
    /// New device id.
    pub device_id: String,
    /// Its screen.
    pub screen_id: String,
    /// Pairing time, epoch ms.
    pub paired_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_bodies_decode() {
        let created: PairingCreated = serde_json::from_str(
            r#"{"pairing_id": "01937c9e", "code": "K7F3QX", "poll_secret": "x3V0m1", "expires_at": 1764003600000, "poll_interval_ms": 2000}"#,
        )
        .unwrap();
        assert_eq!(created.code, "K7F3QX");
        let pending: PairingStatus =
            serde_json::from_str(r#"{"status": "pending", "expires_at": 1764003600000}"#).unwrap();
        assert_eq!(pending.token, None);
        // Absent fields stay absent on the wire.
        assert_eq!(
            serde_json::to_string(&pending).unwrap(),
            r#"{"status":"pending","expires_at":1764003600000}"#
        );
        let paired: PairingStatus = serde_json::from_str(
            r#"{"status": "paired", "device_id": "d", "screen_id": "s", "token": "tcd_Zk1v", "token_expires_at": 1795539600000}"#,
        )
        .unwrap();
        assert_eq!(paired.token.as_deref(), Some("tcd_Zk1v"));
        let req: PairingRequest =
            serde_json::from_str(r#"{"player_version": "web-1.0.0", "width": 1920}"#).unwrap();
        assert_eq!(req.width, Some(1920));
        assert!(serde_json::from_str::<PairingRequest>(r#"{"widht": 1}"#).is_err());
        let claimed: Claimed = serde_json::from_str(
            r#"{"device_id": "d", "screen_id": "s", "paired_at": 1764002800000}"#,
        )
        .unwrap();
        assert_eq!(claimed.paired_at, 1764002800000);
    }
}
