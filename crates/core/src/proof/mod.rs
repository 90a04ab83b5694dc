//! Proof of play: the play record and its counting policy ([`record`]), RFC 6962 Merkle hashing and proofs
//! ([`merkle`]), and C2SP signed notes and checkpoints ([`note`]). Pure: the store keeps the tree's nodes, the app
//! signs with keys it holds, `twincast verify` checks with these same functions.

pub mod merkle;
pub mod multi;
pub mod note;
pub mod record;
pub mod verify;

pub use merkle::{Frontier, Hash, NodeId, NodeSource, ProofError};
pub use note::{Checkpoint, NoteError, NoteVerifier};
pub use record::PlayRecord;
