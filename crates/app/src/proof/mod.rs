//! Proof of play (docs/proof-of-play.md): play records built from accepted batches and appended to the
//! transparency log (`record`), signed checkpoints and the log's key, inclusion and consistency proofs (here),
//! and the [`Checkpointer`] worker that signs a checkpoint at least daily.

mod record;
mod worker;

pub use record::{check_public_key, plays_committer, PlaysCommitter};
pub use twincast_core::proof::verify::{LogKey, PlayProof, Proof, SignedCheckpoint};
pub use worker::Checkpointer;

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::SigningKey;
use twincast_core::proof::merkle::{self, Hash};
use twincast_core::proof::note::hex_lower;
use twincast_core::proof::{Checkpoint, NoteVerifier, PlayRecord};
use twincast_store::{LogKeyRow, Role, StoreError};

fn b64s(path: &[Hash]) -> Vec<String> {
    path.iter().map(|h| B64.encode(h)).collect()
}

fn proof_error(e: merkle::ProofError) -> AppError {
    match e {
        merkle::ProofError::Range(m) => AppError::invalid("invalid-proof-range", m),
        other => AppError::internal(other),
    }
}

impl App {
    /// The log's signing key, made (and stored) on first use.
    pub(crate) async fn log_signer(&self) -> AppResult<(String, SigningKey)> {
        let row = match self.store.log_key().await? {
            Some(r) => r,
            None => {
                use rand::RngCore;
                let mut seed = [0u8; 32];
                rand::rng().fill_bytes(&mut seed);
                let key = SigningKey::from_bytes(&seed);
                let fresh = LogKeyRow {
                    origin: self.settings.proof_origin.clone(),
                    seed: hex_lower(&seed),
                    public_key: hex_lower(&key.verifying_key().to_bytes()),
                };
                self.store.ensure_log_key(&fresh, self.now_ms()).await?
            }
        };
        let seed = hex::decode(&row.seed)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| AppError::internal("the stored log key is not 32 bytes of hex"))?;
        Ok((row.origin, SigningKey::from_bytes(&seed)))
    }

    /// The log's public key (anyone).
    pub async fn log_key(&self) -> AppResult<LogKey> {
        let (origin, key) = self.log_signer().await?;
        let v = NoteVerifier {
            name: origin.clone(),
            key: key.verifying_key(),
        };
        Ok(LogKey {
            vkey: v.encode(),
            public_key: B64.encode(key.verifying_key().to_bytes()),
            origin,
        })
    }

    /// Signs a checkpoint of the log as it is now (idempotent per size). The [`Checkpointer`] calls it daily;
    /// operators and admins on demand (`actor`).
    pub async fn sign_checkpoint(&self, actor: Option<&Actor>) -> AppResult<SignedCheckpoint> {
        if let Some(a) = actor {
            a.require(&[Role::Operator, Role::Admin])?;
        }
        let (origin, key) = self.log_signer().await?;
        let size = self.store.log_size().await?;
        let mut nodes = self.store.log_nodes(&merkle::nodes_for_root(size)).await?;
        let root = merkle::root(&mut nodes, size).map_err(proof_error)?;
        let note = Checkpoint { origin, size, root }
            .sign(&key)
            .map_err(AppError::internal)?;
        let row = self
            .store
            .insert_checkpoint(size, &root, &note, self.now_ms())
            .await?;
        Ok(signed(row))
    }

    /// The checkpoint of `size`, or the newest one (anyone). `checkpoint-not-found` when none was signed.
    pub async fn checkpoint(&self, size: Option<u64>) -> AppResult<SignedCheckpoint> {
        self.store
            .checkpoint(size)
            .await?
            .map(signed)
            .ok_or_else(|| {
                AppError::missing(
                    "checkpoint-not-found",
                    "no checkpoint of that size was signed",
                )
            })
    }

    async fn check_size(&self, size: u64) -> AppResult<()> {
        let now = self.store.log_size().await?;
        if size > now {
            return Err(AppError::invalid(
                "invalid-proof-range",
                format!("the log has {now} leaves, not {size}"),
            ));
        }
        Ok(())
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves (anyone: it is hashes only).
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> AppResult<Proof> {
        self.check_size(size).await?;
        let mut nodes = self
            .store
            .log_nodes(&merkle::nodes_for_inclusion(index, size))
            .await?;
        let path = merkle::inclusion_proof(&mut nodes, index, size).map_err(proof_error)?;
        Ok(Proof {
            from: index,
            to: size,
            path: b64s(&path),
        })
    }

    /// The consistency proof between the trees of `old` and `new` leaves (anyone).
    pub async fn consistency_proof(&self, old: u64, new: u64) -> AppResult<Proof> {
        self.check_size(new).await?;
        let mut nodes = self
            .store
            .log_nodes(&merkle::nodes_for_consistency(old, new))
            .await?;
        let path = merkle::consistency_proof(&mut nodes, old, new).map_err(proof_error)?;
        Ok(Proof {
            from: old,
            to: new,
            path: b64s(&path),
        })
    }

    /// One play's record with its inclusion proof up to the checkpoint of `size` (the newest checkpoint when
    /// `None`; one is signed now if none covers the play yet). Partner-editors see their partners' plays only.
    pub async fn play_proof(
        &self,
        actor: &Actor,
        reference: &str,
        size: Option<u64>,
    ) -> AppResult<PlayProof> {
        let (rec, index) = self
            .store
            .play_record(reference)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::missing("play-not-found", "no play has this reference")
                }
                other => other.into(),
            })?;
        if actor.user.role == Role::PartnerEditor
            && !rec
                .partner
                .as_ref()
                .is_some_and(|p| actor.user.partners.contains(p))
        {
            return Err(AppError::missing(
                "play-not-found",
                "no play has this reference",
            ));
        }
        let index = index.ok_or_else(|| {
            AppError::missing(
                "play-not-logged",
                "this play was stored before the transparency log existed",
            )
        })?;
        let checkpoint = match size {
            Some(n) => self.checkpoint(Some(n)).await?,
            None => match self.store.checkpoint(None).await? {
                Some(c) if c.size as u64 > index => signed(c),
                _ => self.sign_checkpoint(None).await?,
            },
        };
        if checkpoint.size <= index {
            return Err(AppError::invalid(
                "invalid-proof-range",
                format!(
                    "checkpoint {} does not contain leaf {index}",
                    checkpoint.size
                ),
            ));
        }
        let inclusion = self.inclusion_proof(index, checkpoint.size).await?.path;
        Ok(PlayProof {
            record: String::from_utf8(rec.leaf_bytes()).map_err(AppError::internal)?,
            index,
            checkpoint,
            inclusion,
        })
    }

    /// The record at log index `index` (for audits and tests).
    pub async fn logged_record(&self, index: u64) -> AppResult<PlayRecord> {
        Ok(self.store.play_record_at(index).await?)
    }
}

fn signed(row: twincast_store::CheckpointRow) -> SignedCheckpoint {
    SignedCheckpoint {
        size: row.size as u64,
        root: hex::decode(&row.root)
            .map(|b| B64.encode(b))
            .unwrap_or_default(),
        note: row.note,
        created_at: row.created_at,
    }
}
