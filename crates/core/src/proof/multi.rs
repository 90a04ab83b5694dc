//! Multi-leaf proofs: that a set of leaves, at their indexes, are in the tree of `size` leaves with a given root.
//!
//! A report's plays are scattered through the log, so one audit path per play would repeat the upper levels for
//! every play. A multi-proof instead names each complete aligned subtree that holds none of the set's leaves and is
//! needed to rebuild the root: the verifier hashes the set's leaves itself and takes every other subtree from the
//! proof ([`multi_root`]). For `k` leaves spread over `n`, that is about `k · log2(n / k)` hashes.

use super::merkle::{leaf_hash, node_hash, range_hash, Hash, NodeId, NodeSource, ProofError};
use std::collections::{BTreeMap, BTreeSet};

/// Records every node it is asked for.
struct Asker {
    asked: BTreeSet<NodeId>,
}

fn walk(
    leaves: &dyn Fn(u64) -> Option<Hash>,
    has: &dyn Fn(u64, u64) -> bool,
    src: &mut dyn NodeSource,
    start: u64,
    end: u64,
) -> Result<Hash, ProofError> {
    if !has(start, end) {
        return range_hash(src, start, end);
    }
    let n = end - start;
    if n == 1 {
        return leaves(start).ok_or(ProofError::MissingNode((0, start)));
    }
    let k = 1u64 << (63 - (n - 1).leading_zeros());
    let l = walk(leaves, has, src, start, start + k)?;
    let r = walk(leaves, has, src, start + k, end)?;
    Ok(node_hash(&l, &r))
}

impl NodeSource for Asker {
    fn node(&mut self, id: NodeId) -> Option<Hash> {
        self.asked.insert(id);
        Some([0; 32])
    }
}

fn check(indexes: &BTreeSet<u64>, size: u64) -> Result<(), ProofError> {
    match indexes.last() {
        Some(&i) if i >= size => Err(ProofError::Range(format!(
            "leaf {i} is not in a tree of {size} leaves"
        ))),
        None => Err(ProofError::Range(
            "a multi-proof needs at least one leaf".into(),
        )),
        _ => Ok(()),
    }
}

/// The complete aligned subtrees a multi-proof of leaves `indexes` in the tree of `size` leaves consists of.
pub fn nodes_for_multi(indexes: &BTreeSet<u64>, size: u64) -> Result<BTreeSet<NodeId>, ProofError> {
    check(indexes, size)?;
    let mut a = Asker {
        asked: BTreeSet::new(),
    };
    walk(
        &|_| Some([0; 32]),
        &|s, e| indexes.range(s..e).next().is_some(),
        &mut a,
        0,
        size,
    )?;
    Ok(a.asked)
}

/// The root of the tree of `size` leaves rebuilt from the leaf data `leaves` (index → leaf bytes' hash, i.e.
/// [`leaf_hash`] of the data) and the proof's `nodes`. A node the computation needs and the proof lacks is
/// [`ProofError::MissingNode`]; the caller compares the result with a signed root.
pub fn multi_root(
    leaves: &BTreeMap<u64, Hash>,
    nodes: &BTreeMap<NodeId, Hash>,
    size: u64,
) -> Result<Hash, ProofError> {
    let indexes: BTreeSet<u64> = leaves.keys().copied().collect();
    check(&indexes, size)?;
    let mut src = nodes.clone();
    walk(
        &|i| leaves.get(&i).copied(),
        &|s, e| indexes.range(s..e).next().is_some(),
        &mut src,
        0,
        size,
    )
}

/// Checks that the leaves with data `leaves` (index → leaf data) are in the tree of `size` leaves with `root`.
pub fn verify_multi(
    leaves: &BTreeMap<u64, Vec<u8>>,
    nodes: &BTreeMap<NodeId, Hash>,
    size: u64,
    root: &Hash,
) -> Result<(), ProofError> {
    let hashed: BTreeMap<u64, Hash> = leaves.iter().map(|(i, d)| (*i, leaf_hash(d))).collect();
    if &multi_root(&hashed, nodes, size)? != root {
        return Err(ProofError::Mismatch(
            "the leaves and nodes give another root",
        ));
    }
    Ok(())
}
