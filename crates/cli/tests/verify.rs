//! `twincast verify` from files alone: a play's inclusion in a signed checkpoint and the consistency of two
//! checkpoints pass; an edited record, a checkpoint signed by another key or altered, and a rewritten log fail
//! with a non-zero exit and the reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use twincast_core::proof::merkle::{self, Hash, NodeId};
use twincast_core::proof::verify::{LogKey, PlayProof, Proof, SignedCheckpoint};
use twincast_core::proof::{Checkpoint, Frontier, NoteVerifier, PlayRecord};

const ORIGIN: &str = "screens.example.org/airtime";

fn record(i: u64) -> PlayRecord {
    PlayRecord {
        v: 1,
        reference: format!("0193-{i}"),
        event: format!("e{i}"),
        screen: "s1".into(),
        location: "airport".into(),
        device: Some("d1".into()),
        partner: Some("kyoto".into()),
        campaign: Some("c1".into()),
        item: Some("i1".into()),
        alert: None,
        media: None,
        started_at: 1_764_000_000_000 + i as i64 * 10_000,
        utc_offset_s: 28_800,
        planned_ms: Some(10_000),
        actual_ms: 10_000,
        policy: "count-v1".into(),
        counted: true,
        reason: None,
        received_at: 1_764_000_100_000,
        batch: None,
    }
}

struct Log {
    nodes: BTreeMap<NodeId, Hash>,
    frontier: Frontier,
    key: ed25519_dalek::SigningKey,
}

impl Log {
    fn new(seed: u8) -> Log {
        Log {
            nodes: BTreeMap::new(),
            frontier: Frontier::default(),
            key: ed25519_dalek::SigningKey::from_bytes(&[seed; 32]),
        }
    }
    fn append(&mut self, r: &PlayRecord) {
        for (id, h) in self.frontier.append(r.leaf_hash()) {
            self.nodes.insert(id, h);
        }
    }
    fn checkpoint(&self) -> String {
        Checkpoint {
            origin: ORIGIN.into(),
            size: self.frontier.size,
            root: self.frontier.root(),
        }
        .sign(&self.key)
        .unwrap()
    }
    fn vkey(&self) -> String {
        NoteVerifier {
            name: ORIGIN.into(),
            key: self.key.verifying_key(),
        }
        .encode()
    }
}

fn twincast(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_twincast"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn verify_checks_inclusion_and_consistency_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut log = Log::new(3);
    let records: Vec<PlayRecord> = (0..11).map(record).collect();
    for r in &records[..6] {
        log.append(r);
    }
    let old = log.checkpoint();
    for r in &records[6..] {
        log.append(r);
    }
    let new = log.checkpoint();
    let vkey = log.vkey();
    let key_file = write(
        d,
        "key.json",
        &serde_json::to_string(&LogKey {
            origin: ORIGIN.into(),
            vkey: vkey.clone(),
            public_key: String::new(),
        })
        .unwrap(),
    );

    // A play's proof, as the server's /api/v1/proof/plays/{ref} gives it.
    let b64 = |path: Vec<Hash>| path.iter().map(base64_encode).collect::<Vec<_>>();
    let proof = PlayProof {
        record: String::from_utf8(records[4].leaf_bytes()).unwrap(),
        index: 4,
        checkpoint: SignedCheckpoint {
            size: 11,
            root: String::new(),
            note: new.clone(),
            created_at: 0,
        },
        inclusion: b64(merkle::inclusion_proof(&mut log.nodes, 4, 11).unwrap()),
    };
    let good = write(d, "play.json", &serde_json::to_string(&proof).unwrap());
    let (ok, out) = twincast(&["verify", "play", "--key", &vkey, &good]);
    assert!(ok && out.contains("OK play 0193-4"), "{out}");
    let (ok, out) = twincast(&["verify", "play", "--key", &key_file, &good]);
    assert!(ok, "{out}");

    // The record edited (a longer play than was logged).
    let mut edited = proof.clone();
    edited.record = edited
        .record
        .replace("\"actual_ms\":10000", "\"actual_ms\":19000");
    let bad = write(d, "edited.json", &serde_json::to_string(&edited).unwrap());
    let (ok, out) = twincast(&["verify", "play", "--key", &vkey, &bad]);
    assert!(
        !ok && out.contains("FAILED") && out.contains("not in the log"),
        "{out}"
    );

    // A checkpoint signed by another key.
    let other = Log::new(4).vkey();
    let (ok, out) = twincast(&["verify", "play", "--key", &other, &good]);
    assert!(!ok && out.contains("checkpoint"), "{out}");

    // Consistency of the old and the new checkpoint.
    let c = Proof {
        from: 6,
        to: 11,
        path: b64(merkle::consistency_proof(&mut log.nodes, 6, 11).unwrap()),
    };
    let (old_f, new_f) = (write(d, "old.txt", &old), write(d, "new.txt", &new));
    let c_f = write(d, "consistency.json", &serde_json::to_string(&c).unwrap());
    let (ok, out) = twincast(&[
        "verify",
        "consistency",
        "--key",
        &vkey,
        "--old",
        &old_f,
        "--new",
        &new_f,
        &c_f,
    ]);
    assert!(ok && out.contains("extends the log of 6"), "{out}");

    // A past checkpoint altered (another size) fails its signature.
    let altered = write(d, "altered.txt", &old.replacen("\n6\n", "\n5\n", 1));
    let (ok, out) = twincast(&[
        "verify",
        "consistency",
        "--key",
        &vkey,
        "--old",
        &altered,
        "--new",
        &new_f,
        &c_f,
    ]);
    assert!(!ok && out.contains("old checkpoint"), "{out}");

    // A log rewritten after the old checkpoint (one old play replaced), re-signed with the same key: the new
    // checkpoint is validly signed but cannot be proved consistent with the old one.
    let mut rewritten = Log::new(3);
    let mut changed = records.clone();
    changed[2].actual_ms = 3_000;
    for r in &changed {
        rewritten.append(r);
    }
    let forged_new = write(d, "forged.txt", &rewritten.checkpoint());
    let forged_c = Proof {
        from: 6,
        to: 11,
        path: b64(merkle::consistency_proof(&mut rewritten.nodes, 6, 11).unwrap()),
    };
    let forged_c_f = write(
        d,
        "forged-consistency.json",
        &serde_json::to_string(&forged_c).unwrap(),
    );
    let (ok, out) = twincast(&[
        "verify",
        "consistency",
        "--key",
        &vkey,
        "--old",
        &old_f,
        "--new",
        &forged_new,
        &forged_c_f,
    ]);
    assert!(!ok && out.contains("not an extension"), "{out}");
}

fn base64_encode(h: &Hash) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(h)
}
