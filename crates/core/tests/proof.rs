//! The transparency log's hashing: proofs built from stored subtrees agree with RFC 6962's definitions and verify
//! for random sizes; altered leaves, roots, sizes or paths do not; signed notes round-trip and refuse tampering.

use proptest::prelude::*;
use std::collections::BTreeMap;
use twincast_core::proof::merkle::{self, Hash, NodeId};
use twincast_core::proof::record::{judge_v1, reason, PlayRecord};
use twincast_core::proof::{Checkpoint, Frontier, NoteVerifier};

/// RFC 6962 §2.1 `MTH`, straight from the definition.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::empty_root(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// A log of `n` leaves as the store keeps it: every complete aligned subtree, made by `Frontier::append`.
fn build(n: u64) -> (Vec<Hash>, BTreeMap<NodeId, Hash>, Frontier) {
    let mut nodes = BTreeMap::new();
    let mut f = Frontier::default();
    let mut leaves = Vec::new();
    for i in 0..n {
        let leaf = merkle::leaf_hash(format!("play {i}").as_bytes());
        leaves.push(leaf);
        for (id, h) in f.append(leaf) {
            assert!(nodes.insert(id, h).is_none(), "node {id:?} made twice");
        }
    }
    (leaves, nodes, f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn roots_from_stored_subtrees_are_rfc6962_roots(n in 0u64..300) {
        let (leaves, mut nodes, f) = build(n);
        let want = mth(&leaves);
        prop_assert_eq!(merkle::root(&mut nodes, n).unwrap(), want);
        prop_assert_eq!(f.root(), want);
        // The frontier is exactly the nodes the ids name, and the root needs only stored nodes.
        let ids: Vec<NodeId> = f.nodes.iter().map(|(id, _)| *id).collect();
        prop_assert_eq!(ids, Frontier::ids(n));
        for id in merkle::nodes_for_root(n) {
            prop_assert!(nodes.contains_key(&id));
        }
    }

    #[test]
    fn inclusion_proofs_verify_and_tampering_fails(n in 1u64..300, pick in any::<u64>(), flip in any::<usize>()) {
        let (leaves, nodes, _) = build(n);
        let root = mth(&leaves);
        let i = pick % n;
        // Only the named nodes are needed.
        let mut needed: BTreeMap<NodeId, Hash> =
            merkle::nodes_for_inclusion(i, n).into_iter().map(|id| (id, nodes[&id])).collect();
        let proof = merkle::inclusion_proof(&mut needed, i, n).unwrap();
        prop_assert!(merkle::verify_inclusion(&leaves[i as usize], i, n, &proof, &root).is_ok());
        let other = merkle::leaf_hash(b"forged");
        prop_assert!(merkle::verify_inclusion(&other, i, n, &proof, &root).is_err());
        if n > 1 {
            prop_assert!(merkle::verify_inclusion(&leaves[i as usize], (i + 1) % n, n, &proof, &root).is_err());
        }
        if !proof.is_empty() {
            let mut bad = proof.clone();
            let k = flip % bad.len();
            bad[k][0] ^= 1;
            prop_assert!(merkle::verify_inclusion(&leaves[i as usize], i, n, &bad, &root).is_err());
            prop_assert!(merkle::verify_inclusion(&leaves[i as usize], i, n, &proof[..proof.len() - 1], &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_rewrites_fail(new in 1u64..300, pick in any::<u64>(), change in any::<u64>()) {
        let (leaves, nodes, _) = build(new);
        let old = 1 + pick % new;
        let (old_root, new_root) = (mth(&leaves[..old as usize]), mth(&leaves));
        let mut needed: BTreeMap<NodeId, Hash> =
            merkle::nodes_for_consistency(old, new).into_iter().map(|id| (id, nodes[&id])).collect();
        let proof = merkle::consistency_proof(&mut needed, old, new).unwrap();
        prop_assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());
        // A log that rewrote one of the old leaves cannot prove consistency with the old checkpoint.
        let mut rewritten = leaves.clone();
        let j = (change % old) as usize;
        rewritten[j] = merkle::leaf_hash(b"rewritten");
        let mut map = BTreeMap::new();
        let mut f = Frontier::default();
        for l in &rewritten {
            for (id, h) in f.append(*l) { map.insert(id, h); }
        }
        let forged = merkle::consistency_proof(&mut map, old, new).unwrap();
        prop_assert!(merkle::verify_consistency(old, new, &old_root, &mth(&rewritten), &forged).is_err());
        if old < new {
            prop_assert!(merkle::verify_consistency(old, new, &old_root, &old_root, &proof).is_err());
        }
    }
}

#[test]
fn known_answers_from_rfc6962_definitions() {
    // The empty tree and one leaf.
    assert_eq!(
        twincast_core::proof::note::hex_lower(&merkle::empty_root()),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        twincast_core::proof::note::hex_lower(&merkle::leaf_hash(b"")),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    );
}

fn key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

#[test]
fn checkpoints_round_trip_and_refuse_tampering() {
    let k = key(7);
    let origin = "screens.example.org/airtime";
    let cp = Checkpoint {
        origin: origin.into(),
        size: 42,
        root: merkle::leaf_hash(b"x"),
    };
    let note = cp.sign(&k).unwrap();
    assert!(note.starts_with("screens.example.org/airtime\n42\n"));
    assert!(note.contains("\n\n\u{2014} screens.example.org/airtime "));
    let v = NoteVerifier {
        name: origin.into(),
        key: k.verifying_key(),
    };
    let v2 = NoteVerifier::parse(&v.encode()).unwrap();
    assert_eq!(v2, v);
    assert_eq!(Checkpoint::open(&note, &v2).unwrap(), cp);
    // A changed size, a changed root, another key, a missing signature.
    assert!(Checkpoint::open(&note.replacen("\n42\n", "\n43\n", 1), &v).is_err());
    let other_root = Checkpoint {
        root: merkle::leaf_hash(b"y"),
        ..cp.clone()
    }
    .text();
    let forged = format!("{other_root}{}", &note[cp.text().len()..]);
    assert!(Checkpoint::open(&forged, &v).is_err());
    let mallory = NoteVerifier {
        name: origin.into(),
        key: key(8).verifying_key(),
    };
    assert!(Checkpoint::open(&note, &mallory).is_err());
    assert!(Checkpoint::open(&cp.text(), &v).is_err());
    // A verifier key whose id does not match its key.
    let enc = v.encode();
    let mut parts: Vec<&str> = enc.split('+').collect();
    parts[1] = "00000000";
    assert!(NoteVerifier::parse(&parts.join("+")).is_err());
}

#[test]
fn the_counting_policy_allows_half_a_second() {
    assert_eq!(judge_v1(Some(10_000), 10_000), (true, None));
    assert_eq!(judge_v1(Some(10_000), 9_500), (true, None));
    assert_eq!(judge_v1(Some(10_000), 10_500), (true, None));
    assert_eq!(
        judge_v1(Some(10_000), 9_499),
        (false, Some(reason::CUT_SHORT))
    );
    assert_eq!(
        judge_v1(Some(10_000), 10_501),
        (false, Some(reason::OVERRAN))
    );
    assert_eq!(
        judge_v1(None, 10_000),
        (false, Some(reason::PLANNED_UNKNOWN))
    );
}

#[test]
fn records_have_one_canonical_form() {
    let r = PlayRecord {
        v: 1,
        reference: "0193".into(),
        event: "e1".into(),
        screen: "s".into(),
        location: "l".into(),
        device: Some("d".into()),
        partner: Some("kyoto".into()),
        campaign: Some("c".into()),
        item: Some("i".into()),
        alert: None,
        media: None,
        started_at: 1,
        utc_offset_s: 28_800,
        planned_ms: Some(10_000),
        actual_ms: 10_000,
        policy: "count-v1".into(),
        counted: true,
        reason: None,
        received_at: 2,
        batch: None,
    };
    let bytes = String::from_utf8(r.leaf_bytes()).unwrap();
    assert!(
        bytes.starts_with(r#"{"v":1,"ref":"0193","event":"e1","screen":"s""#),
        "{bytes}"
    );
    let back: PlayRecord = serde_json::from_str(&bytes).unwrap();
    assert_eq!(back.leaf_bytes(), r.leaf_bytes());
    let mut edited = r.clone();
    edited.actual_ms = 9_000;
    assert_ne!(edited.leaf_hash(), r.leaf_hash());
    assert_eq!(
        twincast_core::proof::record::utc_offset_s("Asia/Shanghai", 0),
        28_800
    );
}

/// A verifier key whose base64 part contains `+` still reads back (it is split from the left: the name has no `+`
/// and the id is hex). Before, about half of all keys failed to parse.
#[test]
fn verifier_keys_with_plus_in_their_base64_read_back() {
    let mut with_plus = 0;
    for seed in 0..=255u8 {
        let v = NoteVerifier {
            name: "screens.example.org/airtime".into(),
            key: key(seed).verifying_key(),
        };
        let text = v.encode();
        if text
            .rsplit('+')
            .next()
            .is_some_and(|_| text.matches('+').count() > 2)
        {
            with_plus += 1;
        }
        assert_eq!(NoteVerifier::parse(&text).unwrap(), v, "{text}");
    }
    assert!(with_plus > 0, "no key of the sample has '+' in its base64");
}
