//! Offline verification, as `twincast verify` does it: the files a partner gets from the server (the log's key,
//! signed checkpoints, a play's proof, a consistency proof) and the checks that need nothing but them.

use super::merkle::{self, Hash};
use super::note::{Checkpoint, NoteVerifier};
use super::record::PlayRecord;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

/// The log's public identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogKey {
    /// The log's origin: the first line of its checkpoints and its key name.
    pub origin: String,
    /// The C2SP verifier key (`<name>+<key id>+<base64(0x01 || key)>`): what `twincast verify --key` takes.
    pub vkey: String,
    /// The raw Ed25519 public key, base64.
    pub public_key: String,
}

/// A signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedCheckpoint {
    /// Tree size.
    pub size: u64,
    /// Root hash, base64.
    pub root: String,
    /// The C2SP signed note (what partners keep and `twincast verify` reads).
    pub note: String,
    /// When it was signed, epoch ms.
    pub created_at: i64,
}

/// A proof: a list of hashes, base64, leaf side first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proof {
    /// Leaf index (inclusion) or the old size (consistency).
    pub from: u64,
    /// Tree size (inclusion) or the new size (consistency).
    pub to: u64,
    /// The hashes.
    pub path: Vec<String>,
}

/// Everything a partner needs to check one play offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlayProof {
    /// The record's canonical bytes (JSON): its SHA-256 leaf hash is what the log holds.
    pub record: String,
    /// Its index in the log.
    pub index: u64,
    /// The signed checkpoint the proof leads to.
    pub checkpoint: SignedCheckpoint,
    /// The inclusion proof (hashes base64, leaf side first).
    pub inclusion: Vec<String>,
}

fn hashes(path: &[String]) -> Result<Vec<Hash>, String> {
    path.iter()
        .map(|h| {
            B64.decode(h)
                .ok()
                .and_then(|b| <Hash>::try_from(b).ok())
                .ok_or_else(|| format!("{h:?} is not a base64 SHA-256 hash"))
        })
        .collect()
}

/// Checks a play's proof with the log's verifier key: the checkpoint's signature, the record's canonical form
/// and its inclusion in the checkpoint's tree. `checkpoint`, when given, replaces the one in the proof (a
/// checkpoint the partner kept; it must be of the same size). Returns the record.
pub fn verify_play(
    vkey: &str,
    proof: &PlayProof,
    checkpoint: Option<&str>,
) -> Result<PlayRecord, String> {
    let verifier = NoteVerifier::parse(vkey).map_err(|e| format!("the log key: {e}"))?;
    let note = checkpoint.unwrap_or(&proof.checkpoint.note);
    let cp = Checkpoint::open(note, &verifier).map_err(|e| format!("the checkpoint: {e}"))?;
    let record: PlayRecord = serde_json::from_str(&proof.record)
        .map_err(|e| format!("the record is not a play record: {e}"))?;
    if record.leaf_bytes() != proof.record.as_bytes() {
        return Err("the record is not in its canonical form".into());
    }
    let path = hashes(&proof.inclusion)?;
    merkle::verify_inclusion(
        &merkle::leaf_hash(proof.record.as_bytes()),
        proof.index,
        cp.size,
        &path,
        &cp.root,
    )
    .map_err(|e| {
        format!(
            "play {} at index {} is not in the log of {} plays: {e}",
            record.reference, proof.index, cp.size
        )
    })?;
    Ok(record)
}

/// Checks that the log of signed checkpoint `new` extends that of `old` (both signed by the log's key).
/// Returns the two sizes.
pub fn verify_consistency(
    vkey: &str,
    old: &str,
    new: &str,
    proof: &Proof,
) -> Result<(u64, u64), String> {
    let verifier = NoteVerifier::parse(vkey).map_err(|e| format!("the log key: {e}"))?;
    let a = Checkpoint::open(old, &verifier).map_err(|e| format!("the old checkpoint: {e}"))?;
    let b = Checkpoint::open(new, &verifier).map_err(|e| format!("the new checkpoint: {e}"))?;
    if (proof.from, proof.to) != (a.size, b.size) {
        return Err(format!(
            "the proof is between sizes {} and {}, the checkpoints are of {} and {}",
            proof.from, proof.to, a.size, b.size
        ));
    }
    let path = hashes(&proof.path)?;
    merkle::verify_consistency(a.size, b.size, &a.root, &b.root, &path).map_err(|e| {
        format!(
            "the log of {} plays is not an extension of the log of {}: {e}",
            b.size, a.size
        )
    })?;
    Ok((a.size, b.size))
}
