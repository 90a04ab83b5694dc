//! Checking a report offline (`twincast verify report`): its plays are leaves of the log at a signed checkpoint,
//! and its rows are what those plays add up to.

use super::{Aggregator, ReportRow};
use crate::proof::merkle::{Hash, NodeId};
use crate::proof::multi;
use crate::proof::note::{Checkpoint, NoteVerifier};
use crate::proof::verify::SignedCheckpoint;
use crate::proof::PlayRecord;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A play of a report with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedPlay {
    /// Leaf index.
    pub index: u64,
    /// The record's canonical bytes (JSON).
    pub record: String,
}

/// A node of a multi-proof: the hash of a complete aligned subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofNode {
    /// Level (0 = a leaf).
    pub level: u32,
    /// Index at that level.
    pub index: u64,
    /// Hash, base64.
    pub hash: String,
}

/// The evidence of a report: every play it counts, and the subtrees that with them rebuild the checkpoint's root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportProof {
    /// Partner slug.
    pub partner: String,
    /// First local day, `YYYY-MM-DD`.
    pub from: String,
    /// Last local day.
    pub to: String,
    /// The signed checkpoint the report is consistent with.
    pub checkpoint: SignedCheckpoint,
    /// The partner's plays of the period, by leaf index.
    pub plays: Vec<LoggedPlay>,
    /// The multi-proof's nodes.
    pub nodes: Vec<ProofNode>,
}

/// What a verified report covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// Plays checked.
    pub plays: usize,
    /// Rows checked.
    pub rows: usize,
}

/// The trusted comment a report file's signature carries.
pub fn trusted_comment(partner: &str, from: &str, to: &str, size: u64, root_b64: &str) -> String {
    format!("twincast report partner={partner} from={from} to={to} checkpoint={size} {root_b64}")
}

fn date(s: &str) -> Result<Date, String> {
    s.parse::<Date>()
        .map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)"))
}

/// Checks `rows` (read from a report file that named checkpoint `file_size`/`file_root`) against `proof`, with
/// the log's verifier key. `checkpoint`, when given, is a signed checkpoint the partner kept and replaces the
/// one in the proof (it must be of the same size).
pub fn verify_report(
    vkey: &str,
    rows: &[ReportRow],
    file_checkpoint: (u64, &str),
    proof: &ReportProof,
    checkpoint: Option<&str>,
) -> Result<Verified, String> {
    let verifier = NoteVerifier::parse(vkey).map_err(|e| format!("the log key: {e}"))?;
    let note = checkpoint.unwrap_or(&proof.checkpoint.note);
    let cp = Checkpoint::open(note, &verifier).map_err(|e| format!("the checkpoint: {e}"))?;
    if file_checkpoint != (cp.size, B64.encode(cp.root).as_str()) {
        return Err(format!(
            "the report names checkpoint {} {}, not the signed checkpoint {} {}",
            file_checkpoint.0,
            file_checkpoint.1,
            cp.size,
            B64.encode(cp.root)
        ));
    }
    let mut leaves: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
    let (from, to) = (date(&proof.from)?, date(&proof.to)?);
    let mut agg = Aggregator::new(&proof.partner, from, to);
    for p in &proof.plays {
        let r: PlayRecord = serde_json::from_str(&p.record)
            .map_err(|e| format!("play at {} is not a play record: {e}", p.index))?;
        if r.leaf_bytes() != p.record.as_bytes() {
            return Err(format!("play at {} is not in its canonical form", p.index));
        }
        if r.partner.as_deref() != Some(proof.partner.as_str()) {
            return Err(format!(
                "play {} is not of partner {}",
                r.reference, proof.partner
            ));
        }
        if leaves
            .insert(p.index, p.record.clone().into_bytes())
            .is_some()
        {
            return Err(format!("leaf {} is given twice", p.index));
        }
        agg.add(&r);
    }
    if !leaves.is_empty() {
        let mut nodes: BTreeMap<NodeId, Hash> = BTreeMap::new();
        for n in &proof.nodes {
            let h = B64
                .decode(&n.hash)
                .ok()
                .and_then(|b| <Hash>::try_from(b).ok())
                .ok_or_else(|| {
                    format!(
                        "node ({}, {}) is not a base64 SHA-256 hash",
                        n.level, n.index
                    )
                })?;
            nodes.insert((n.level, n.index), h);
        }
        multi::verify_multi(&leaves, &nodes, cp.size, &cp.root).map_err(|e| {
            format!(
                "the report's {} plays are not leaves of the log of {} plays: {e}",
                leaves.len(),
                cp.size
            )
        })?;
    }
    let expected = agg.finish(&BTreeMap::new(), &BTreeMap::new());
    compare(rows, &expected, &proof.partner)?;
    Ok(Verified {
        checkpoint: cp,
        plays: leaves.len(),
        rows: rows.len(),
    })
}

/// Compares the file's rows with those recomputed from the logged plays, on what the plays determine: the day,
/// location, screen, campaign, plays, counted plays and airtime. (Names, kinds, the screen-day's campaign
/// airtime of other partners and targets are the operator's statements, covered by the signature alone.)
fn compare(rows: &[ReportRow], expected: &[ReportRow], partner: &str) -> Result<(), String> {
    let key = |r: &'_ ReportRow| -> (String, String, String) {
        (r.day.clone(), r.screen.clone(), r.campaign.clone())
    };
    let want: BTreeMap<_, &ReportRow> = expected.iter().map(|r| (key(r), r)).collect();
    let mut seen = BTreeSet::new();
    for r in rows {
        let k = key(r);
        let label = format!("row (day {}, screen {}, campaign {:?})", k.0, k.1, k.2);
        if r.partner != partner {
            return Err(format!(
                "{label} is of partner {}, not {partner}",
                r.partner
            ));
        }
        let Some(e) = want.get(&k) else {
            return Err(format!("{label} has no logged plays"));
        };
        if !seen.insert(k.clone()) {
            return Err(format!("{label} appears twice"));
        }
        if (r.location.as_str(), r.plays, r.counted_plays, r.airtime_ms)
            != (e.location.as_str(), e.plays, e.counted_plays, e.airtime_ms)
        {
            return Err(format!(
                "{label} says {} plays, {} counted, {} ms at {}; the logged plays give {}, {}, {} ms at {}",
                r.plays,
                r.counted_plays,
                r.airtime_ms,
                r.location,
                e.plays,
                e.counted_plays,
                e.airtime_ms,
                e.location
            ));
        }
    }
    if let Some((k, _)) = want.iter().find(|(k, _)| !seen.contains(*k)) {
        return Err(format!(
            "the logged plays of day {} on screen {} (campaign {:?}) are missing from the report",
            k.0, k.1, k.2
        ));
    }
    Ok(())
}
