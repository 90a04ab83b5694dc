//! The play record: what one accepted play says, as the transparency log holds it, and the counting policy.

use serde::{Deserialize, Serialize};

/// Version of the record's canonical form (`v`).
pub const RECORD_VERSION: u32 = 1;
/// The counting policy in force: a play counts when it ran its planned length within ±[`TOLERANCE_MS`].
pub const POLICY_V1: &str = "count-v1";
/// Tolerance of policy `count-v1`, ms.
pub const TOLERANCE_MS: i64 = 500;

/// Why a play does not count under `count-v1`.
pub mod reason {
    /// The player did not say how long the item was planned to run.
    pub const PLANNED_UNKNOWN: &str = "planned-unknown";
    /// It stopped more than 500 ms before its planned end.
    pub const CUT_SHORT: &str = "cut-short";
    /// It ran more than 500 ms past its planned end.
    pub const OVERRAN: &str = "overran";
}

/// Policy `count-v1`: `(counts, reason when it does not)`.
pub fn judge_v1(planned_ms: Option<i64>, actual_ms: i64) -> (bool, Option<&'static str>) {
    match planned_ms {
        None => (false, Some(reason::PLANNED_UNKNOWN)),
        Some(p) if actual_ms < p - TOLERANCE_MS => (false, Some(reason::CUT_SHORT)),
        Some(p) if actual_ms > p + TOLERANCE_MS => (false, Some(reason::OVERRAN)),
        Some(_) => (true, None),
    }
}

/// One accepted play. Its canonical bytes ([`PlayRecord::leaf_bytes`]: this struct as compact JSON, fields in
/// this order) are a leaf of the transparency log; the database's rows are never edited, so the bytes rebuilt
/// from them must hash to the stored leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlayRecord {
    /// Record format version (1).
    pub v: u32,
    /// Permanent unique reference of the play (UUIDv7, given by the server at acceptance).
    #[serde(rename = "ref")]
    pub reference: String,
    /// The player's own id of the event.
    pub event: String,
    /// Screen id.
    pub screen: String,
    /// Location id of the screen at acceptance.
    pub location: String,
    /// Device that reported it.
    pub device: Option<String>,
    /// Partner slug (campaign plays).
    pub partner: Option<String>,
    /// Campaign id.
    pub campaign: Option<String>,
    /// Item id.
    pub item: Option<String>,
    /// Alert id (alert plays).
    pub alert: Option<String>,
    /// SHA-256 (hex) of the media played, as the player reported it.
    pub media: Option<String>,
    /// Start, UTC epoch ms.
    pub started_at: i64,
    /// The screen's UTC offset at the start, seconds (from its location's time zone).
    pub utc_offset_s: i32,
    /// Planned length, ms (as the player had it from its manifest).
    pub planned_ms: Option<i64>,
    /// Actual length, ms.
    pub actual_ms: i64,
    /// Counting policy (`count-v1`).
    pub policy: String,
    /// Whether the play counts under the policy.
    pub counted: bool,
    /// Why it does not count.
    pub reason: Option<String>,
    /// Server receive time, UTC epoch ms.
    pub received_at: i64,
    /// SHA-256 (hex) of the signed batch payload that carried it; `None` for an unsigned player's play.
    pub batch: Option<String>,
}

impl PlayRecord {
    /// The canonical bytes (the log's leaf data).
    pub fn leaf_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a record always serializes")
    }

    /// The leaf hash of the record.
    pub fn leaf_hash(&self) -> super::merkle::Hash {
        super::merkle::leaf_hash(&self.leaf_bytes())
    }
}

/// The UTC offset in seconds of IANA zone `tz` at `at_ms` (0 for an unknown zone).
pub fn utc_offset_s(tz: &str, at_ms: i64) -> i32 {
    let (Ok(zone), Ok(ts)) = (
        jiff::tz::TimeZone::get(tz),
        jiff::Timestamp::from_millisecond(at_ms),
    ) else {
        return 0;
    };
    zone.to_offset(ts).seconds()
}

/// What a device signs: this prefix, then the payload bytes.
pub const BATCH_CONTEXT: &[u8] = b"twincast/plays/v1\n";

/// The message a device signs for a batch payload.
pub fn batch_message(payload: &[u8]) -> Vec<u8> {
    let mut m = BATCH_CONTEXT.to_vec();
    m.extend_from_slice(payload);
    m
}

/// Checks a device's Ed25519 signature over a batch payload.
pub fn verify_batch(public: &[u8; 32], payload: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (
        ed25519_dalek::VerifyingKey::from_bytes(public),
        ed25519_dalek::Signature::from_slice(signature),
    ) else {
        return false;
    };
    key.verify_strict(&batch_message(payload), &sig).is_ok()
}
