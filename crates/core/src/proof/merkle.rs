//! RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification, over SHA-256.
//!
//! Leaves are hashed `SHA-256(0x00 || data)`, interior nodes `SHA-256(0x01 || left || right)`; the tree of `n`
//! leaves splits at the largest power of two smaller than `n` (RFC 6962 §2.1). A stored log keeps the hashes of
//! its *complete aligned subtrees* (level `l`, index `i` covers leaves `[i·2^l, (i+1)·2^l)`): every root and proof
//! is a function of O(log n) of them ([`nodes_for_root`], [`nodes_for_inclusion`], [`nodes_for_consistency`] name
//! them, the same functions with a [`NodeSource`] compute the result), and appending a leaf adds at most
//! `1 + trailing ones` of them ([`Frontier::append`]).

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The root of the empty tree: `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// A complete aligned subtree: `level` (0 = a leaf) and `index` (it covers leaves `[index << level, (index + 1) << level)`).
pub type NodeId = (u32, u64);

/// Where hashes of complete aligned subtrees come from.
pub trait NodeSource {
    /// The hash of node `id`; `None` when it is not known.
    fn node(&mut self, id: NodeId) -> Option<Hash>;
}

impl NodeSource for BTreeMap<NodeId, Hash> {
    fn node(&mut self, id: NodeId) -> Option<Hash> {
        self.get(&id).copied()
    }
}

/// Records which nodes were asked for (and answers zeros).
struct Recorder(BTreeSet<NodeId>);

impl NodeSource for Recorder {
    fn node(&mut self, id: NodeId) -> Option<Hash> {
        self.0.insert(id);
        Some([0; 32])
    }
}

/// Largest power of two strictly smaller than `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// A proof could not be built or checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// An index or size outside the tree.
    #[error("{0}")]
    Range(String),
    /// A node the computation needs is not in the source.
    #[error("node {0:?} is missing")]
    MissingNode(NodeId),
    /// The proof does not lead to the expected root.
    #[error("the proof does not verify: {0}")]
    Mismatch(&'static str),
}

/// Hash of leaves `[start, end)` (`start < end`), built from complete aligned subtrees.
pub(crate) fn range_hash(
    src: &mut dyn NodeSource,
    start: u64,
    end: u64,
) -> Result<Hash, ProofError> {
    let n = end - start;
    if n.is_power_of_two() && start.is_multiple_of(n) {
        let id = (n.trailing_zeros(), start / n);
        return src.node(id).ok_or(ProofError::MissingNode(id));
    }
    let k = split(n);
    let l = range_hash(src, start, start + k)?;
    let r = range_hash(src, start + k, end)?;
    Ok(node_hash(&l, &r))
}

/// The root of the first `size` leaves.
pub fn root(src: &mut dyn NodeSource, size: u64) -> Result<Hash, ProofError> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_hash(src, 0, size)
}

/// The audit path of leaf `index` in the tree of `size` leaves (RFC 6962 §2.1.1 `PATH`), leaf side first.
pub fn inclusion_proof(
    src: &mut dyn NodeSource,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::Range(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let mut out = Vec::new();
    path(src, index, 0, size, &mut out)?;
    Ok(out)
}

fn path(
    src: &mut dyn NodeSource,
    m: u64,
    start: u64,
    end: u64,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(src, m, start, start + k, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        path(src, m - k, start + k, end, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof between the trees of `old` and `new` leaves (RFC 6962 §2.1.2 `PROOF`).
pub fn consistency_proof(
    src: &mut dyn NodeSource,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::Range(format!(
            "a tree of {old} leaves cannot be a prefix of one of {new}"
        )));
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    subproof(src, old, 0, new, true, &mut out)?;
    Ok(out)
}

fn subproof(
    src: &mut dyn NodeSource,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    out: &mut Vec<Hash>,
) -> Result<(), ProofError> {
    let n = end - start;
    if m == n {
        if !whole {
            out.push(range_hash(src, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(src, m, start, start + k, whole, out)?;
        out.push(range_hash(src, start + k, end)?);
    } else {
        subproof(src, m - k, start + k, end, false, out)?;
        out.push(range_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The nodes [`root`] needs for `size`.
pub fn nodes_for_root(size: u64) -> BTreeSet<NodeId> {
    let mut r = Recorder(BTreeSet::new());
    let _ = root(&mut r, size);
    r.0
}

/// The nodes [`inclusion_proof`] needs (with the root of `size`).
pub fn nodes_for_inclusion(index: u64, size: u64) -> BTreeSet<NodeId> {
    let mut r = Recorder(nodes_for_root(size));
    let _ = inclusion_proof(&mut r, index, size);
    r.0
}

/// The nodes [`consistency_proof`] needs (with both roots).
pub fn nodes_for_consistency(old: u64, new: u64) -> BTreeSet<NodeId> {
    let mut r = Recorder(nodes_for_root(old));
    r.0.extend(nodes_for_root(new));
    let _ = consistency_proof(&mut r, old, new);
    r.0
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::Range(format!(
            "leaf {index} is not in a tree of {size} leaves"
        )));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::Mismatch("the path is too long"));
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch("the path is too short"));
    }
    if &r != root {
        return Err(ProofError::Mismatch("the leaf and path give another root"));
    }
    Ok(())
}

/// Checks a consistency proof (RFC 9162 §2.1.4.2): the tree of `old` leaves with `old_root` is a prefix of the
/// tree of `new` leaves with `new_root`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Range(format!(
            "a tree of {old} leaves cannot be a prefix of one of {new}"
        )));
    }
    if old == new {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch("equal sizes with different roots"))
        };
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Mismatch("the empty tree needs no proof"))
        };
    }
    if proof.is_empty() {
        return Err(ProofError::Mismatch("the proof is empty"));
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::Mismatch("the proof is too long"));
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::Mismatch("the proof is too short"));
    }
    if &fr != old_root {
        return Err(ProofError::Mismatch("the proof does not give the old root"));
    }
    if &sr != new_root {
        return Err(ProofError::Mismatch("the proof does not give the new root"));
    }
    Ok(())
}

/// The right edge of a tree: the complete aligned subtrees that make up its `size` leaves, biggest first (one per
/// set bit of `size`). Enough to append leaves and to compute the root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    /// Leaves in the tree.
    pub size: u64,
    /// `(node, hash)` for each set bit of `size`, highest level first.
    pub nodes: Vec<(NodeId, Hash)>,
}

impl Frontier {
    /// The node ids of the frontier of a tree of `size` leaves, highest level first.
    pub fn ids(size: u64) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1u64 << level) != 0 {
                out.push((level, start >> level));
                start += 1u64 << level;
            }
        }
        out
    }

    /// Appends a leaf hash; returns the nodes that became complete (the leaf first, then each parent made).
    pub fn append(&mut self, leaf: Hash) -> Vec<(NodeId, Hash)> {
        let index = self.size;
        let mut made = vec![((0, index), leaf)];
        let (mut level, mut idx, mut h) = (0u32, index, leaf);
        while idx & 1 == 1 {
            let Some((left_id, left)) = self.nodes.pop() else {
                break;
            };
            debug_assert_eq!(left_id, (level, idx - 1));
            h = node_hash(&left, &h);
            level += 1;
            idx >>= 1;
            made.push(((level, idx), h));
        }
        self.nodes.push(((level, idx), h));
        self.size += 1;
        made
    }

    /// The root of the tree.
    pub fn root(&self) -> Hash {
        let mut it = self.nodes.iter().rev();
        match it.next() {
            None => empty_root(),
            Some((_, last)) => it.fold(*last, |acc, (_, h)| node_hash(h, &acc)),
        }
    }
}
