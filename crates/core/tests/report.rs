//! Reports: multi-leaf proofs rebuild the root from a scattered set of leaves and refuse altered ones; minisign
//! signatures round-trip and refuse altered files and comments; the aggregation's definitions (local day, share,
//! roll-ups); a report checked against the log offline, and each kind of tampering found.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use twincast_core::proof::merkle::{self, Hash, NodeId};
use twincast_core::proof::multi;
use twincast_core::proof::note::NoteVerifier;
use twincast_core::proof::verify::SignedCheckpoint;
use twincast_core::proof::{Checkpoint, Frontier, PlayRecord};
use twincast_core::report::verify::{verify_report, LoggedPlay, ProofNode, ReportProof};
use twincast_core::report::{local_day, minisign, rollup, Aggregator, Grouping, Place, ReportRow};

fn build(leaves: &[Vec<u8>]) -> (BTreeMap<NodeId, Hash>, Frontier) {
    let mut nodes = BTreeMap::new();
    let mut f = Frontier::default();
    for l in leaves {
        for (id, h) in f.append(merkle::leaf_hash(l)) {
            nodes.insert(id, h);
        }
    }
    (nodes, f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn multi_proofs_verify_and_altered_leaves_fail(n in 1u64..400, picks in prop::collection::vec(any::<u64>(), 1..20), flip in any::<usize>()) {
        let data: Vec<Vec<u8>> = (0..n).map(|i| format!("play {i}").into_bytes()).collect();
        let (all, f) = build(&data);
        let set: BTreeSet<u64> = picks.iter().map(|p| p % n).collect();
        let ids = multi::nodes_for_multi(&set, n).unwrap();
        // The proof holds no subtree that covers one of the set's leaves, and only stored nodes.
        for (l, i) in &ids {
            let (s, e) = (i << l, (i + 1) << l);
            prop_assert!(set.range(s..e).next().is_none());
            prop_assert!(all.contains_key(&(*l, *i)));
        }
        let nodes: BTreeMap<NodeId, Hash> = ids.iter().map(|id| (*id, all[id])).collect();
        let mut leaves: BTreeMap<u64, Vec<u8>> = set.iter().map(|i| (*i, data[*i as usize].clone())).collect();
        prop_assert!(multi::verify_multi(&leaves, &nodes, n, &f.root()).is_ok());
        // One altered leaf, or a leaf claimed at another index, no longer gives the root.
        let victim = *set.iter().nth(flip % set.len()).unwrap();
        leaves.get_mut(&victim).unwrap().push(b'!');
        prop_assert!(multi::verify_multi(&leaves, &nodes, n, &f.root()).is_err());
    }
}

fn key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

#[test]
fn minisign_signatures_round_trip_and_refuse_tampering() {
    let k = key(7);
    let data = b"partner,day\nlyon,2026-11-30\n";
    let sig = minisign::sign(&k, data, "twincast report partner=lyon");
    let pubfile = minisign::public_key_file(&k.verifying_key());
    assert!(pubfile.starts_with("untrusted comment: minisign public key "));
    let (id, pk) = minisign::parse_public_key(&pubfile).unwrap();
    assert_eq!(id, minisign::key_id(&k.verifying_key()));
    assert_eq!(
        minisign::verify(&pk, data, &sig).unwrap(),
        "twincast report partner=lyon"
    );
    // An altered file, an altered trusted comment, another key: refused.
    assert!(minisign::verify(&pk, b"partner,day\nlyon,2026-12-30\n", &sig).is_err());
    let forged = sig.replace("partner=lyon", "partner=kyiv");
    assert!(minisign::verify(&pk, data, &forged)
        .unwrap_err()
        .contains("trusted comment"));
    assert!(minisign::verify(&key(8).verifying_key(), data, &sig).is_err());
    // The line a minisign verifier reads: "ED", the key id, 64 bytes of signature.
    let raw = B64.decode(sig.lines().nth(1).unwrap()).unwrap();
    assert_eq!((&raw[..2], raw.len()), (&b"ED"[..], 74));
}

fn record(
    n: u32,
    partner: &str,
    screen: &str,
    started_at: i64,
    offset: i32,
    actual: i64,
    counted: bool,
) -> PlayRecord {
    PlayRecord {
        v: 1,
        reference: format!("ref-{n}"),
        event: format!("ev-{n}"),
        screen: screen.into(),
        location: format!("loc-{screen}"),
        device: None,
        partner: Some(partner.into()),
        campaign: Some(format!("camp-{partner}")),
        item: None,
        alert: None,
        media: None,
        started_at,
        utc_offset_s: offset,
        planned_ms: Some(actual),
        actual_ms: actual,
        policy: "count-v1".into(),
        counted,
        reason: (!counted).then(|| "cut-short".to_string()),
        received_at: started_at + actual,
        batch: None,
    }
}

const DAY: i64 = 86_400_000;
// 2026-11-30T00:00:00Z
const T0: i64 = 1_795_996_800_000;

#[test]
fn local_days_follow_the_screens_offset() {
    assert_eq!(local_day(T0, 0).to_string(), "2026-11-30");
    // 23:30 UTC on the 30th is the 1st of December in UTC+1, still the 30th in UTC-5.
    let late = T0 + DAY - 1_800_000;
    assert_eq!(local_day(late, 3600).to_string(), "2026-12-01");
    assert_eq!(local_day(late, -5 * 3600).to_string(), "2026-11-30");
    assert_eq!(local_day(T0 - 1, 0).to_string(), "2026-11-29");
}

fn sample() -> Vec<PlayRecord> {
    vec![
        record(1, "lyon", "s1", T0 + 1000, 0, 10_000, true),
        record(2, "lyon", "s1", T0 + 20_000, 0, 10_000, true),
        record(3, "lyon", "s1", T0 + 40_000, 0, 4_000, false),
        record(4, "kyiv", "s1", T0 + 60_000, 0, 30_000, true),
        record(5, "lyon", "s2", T0 + 1000, 3600, 5_000, true),
        // Outside the period (the day before, local).
        record(6, "lyon", "s2", T0 - 10 * 3_600_000, 0, 5_000, true),
    ]
}

#[test]
fn rows_sum_counted_airtime_and_share_by_screen_day() {
    let from = "2026-11-30".parse().unwrap();
    let mut a = Aggregator::new("lyon", from, from);
    for r in sample() {
        a.add(&r);
    }
    let places = BTreeMap::from([(
        "loc-s1".to_string(),
        Place {
            name: "Airport".into(),
            kind: "airport".into(),
        },
    )]);
    let targets = BTreeMap::from([("s1".to_string(), 0.5)]);
    let rows = a.finish(&places, &targets);
    assert_eq!(rows.len(), 2);
    let s1 = &rows[0];
    assert_eq!(
        (
            s1.screen.as_str(),
            s1.plays,
            s1.counted_plays,
            s1.airtime_ms
        ),
        ("s1", 3, 2, 20_000)
    );
    assert_eq!(s1.screen_airtime_ms, 50_000);
    assert!((s1.share - 0.4).abs() < 1e-9);
    assert_eq!(
        (
            s1.location_name.as_str(),
            s1.location_kind.as_str(),
            s1.target_share
        ),
        ("Airport", "airport", Some(0.5))
    );
    let s2 = &rows[1];
    assert_eq!(
        (
            s2.airtime_ms,
            s2.screen_airtime_ms,
            s2.share,
            s2.target_share
        ),
        (5_000, 5_000, 1.0, None)
    );
    let by_day = rollup(&rows, Grouping::Day);
    assert_eq!(by_day.len(), 1);
    assert_eq!(
        (
            by_day[0].plays,
            by_day[0].airtime_ms,
            by_day[0].screen_airtime_ms
        ),
        (4, 25_000, 55_000)
    );
    // The target is weighted by the screen-days that have one.
    assert_eq!(by_day[0].target_share, Some(0.5));
    let by_kind = rollup(&rows, Grouping::LocationKind);
    assert_eq!(
        by_kind.iter().map(|t| t.key.as_str()).collect::<Vec<_>>(),
        vec!["", "airport"]
    );
}

/// A log holding the sample, a signed checkpoint of it, and the report of lyon with its proof.
fn signed_report() -> (String, Vec<ReportRow>, ReportProof) {
    let k = key(3);
    let records = sample();
    let data: Vec<Vec<u8>> = records.iter().map(|r| r.leaf_bytes()).collect();
    let (all, f) = build(&data);
    let cp = Checkpoint {
        origin: "screens.test/airtime".into(),
        size: f.size,
        root: f.root(),
    };
    let note = cp.sign(&k).unwrap();
    let vkey = NoteVerifier {
        name: cp.origin.clone(),
        key: k.verifying_key(),
    }
    .encode();
    let from = "2026-11-30".parse().unwrap();
    let mut a = Aggregator::new("lyon", from, from);
    let mut plays = Vec::new();
    for (i, r) in records.iter().enumerate() {
        a.add(r);
        if r.partner.as_deref() == Some("lyon") {
            plays.push(LoggedPlay {
                index: i as u64,
                record: String::from_utf8(r.leaf_bytes()).unwrap(),
            });
        }
    }
    let set: BTreeSet<u64> = plays.iter().map(|p| p.index).collect();
    let nodes = multi::nodes_for_multi(&set, f.size)
        .unwrap()
        .into_iter()
        .map(|(l, i)| ProofNode {
            level: l,
            index: i,
            hash: B64.encode(all[&(l, i)]),
        })
        .collect();
    let proof = ReportProof {
        partner: "lyon".into(),
        from: "2026-11-30".into(),
        to: "2026-11-30".into(),
        checkpoint: SignedCheckpoint {
            size: f.size,
            root: B64.encode(f.root()),
            note,
            created_at: 0,
        },
        plays,
        nodes,
    };
    (vkey, a.finish(&BTreeMap::new(), &BTreeMap::new()), proof)
}

#[test]
fn a_report_verifies_against_the_log_and_tampering_is_found() {
    let (vkey, rows, proof) = signed_report();
    let root = proof.checkpoint.root.clone();
    let v = verify_report(&vkey, &rows, (6, &root), &proof, None).unwrap();
    assert_eq!((v.checkpoint.size, v.plays, v.rows), (6, 5, 2));

    // A row claiming more airtime than its plays.
    let mut inflated = rows.clone();
    inflated[0].airtime_ms += 1000;
    assert!(verify_report(&vkey, &inflated, (6, &root), &proof, None)
        .unwrap_err()
        .contains("logged plays give"));
    // A row dropped.
    assert!(verify_report(&vkey, &rows[..1], (6, &root), &proof, None)
        .unwrap_err()
        .contains("missing"));
    // A play altered after it was logged (as a changed database row would give): not a leaf any more.
    let mut p = proof.clone();
    let mut r: PlayRecord = serde_json::from_str(&p.plays[0].record).unwrap();
    r.actual_ms += 5000;
    p.plays[0].record = String::from_utf8(r.leaf_bytes()).unwrap();
    let mut rows2 = rows.clone();
    rows2[0].airtime_ms += 5000;
    assert!(verify_report(&vkey, &rows2, (6, &root), &p, None)
        .unwrap_err()
        .contains("not leaves of the log"));
    // A checkpoint altered (another root, signature kept) or signed by another key.
    let mut p = proof.clone();
    let lines: Vec<&str> = p.checkpoint.note.lines().collect();
    p.checkpoint.note = p.checkpoint.note.replace(lines[2], &B64.encode([9u8; 32]));
    assert!(verify_report(&vkey, &rows, (6, &root), &p, None)
        .unwrap_err()
        .contains("checkpoint"));
    let other = NoteVerifier {
        name: "screens.test/airtime".into(),
        key: key(4).verifying_key(),
    }
    .encode();
    assert!(verify_report(&other, &rows, (6, &root), &proof, None).is_err());
    // The file naming another checkpoint than the proof's.
    assert!(verify_report(&vkey, &rows, (5, &root), &proof, None)
        .unwrap_err()
        .contains("names checkpoint"));
    // Another partner's play slipped in.
    let mut p = proof.clone();
    p.plays.push(LoggedPlay {
        index: 3,
        record: String::from_utf8(sample()[3].leaf_bytes()).unwrap(),
    });
    assert!(verify_report(&vkey, &rows, (6, &root), &p, None)
        .unwrap_err()
        .contains("not of partner"));
}
