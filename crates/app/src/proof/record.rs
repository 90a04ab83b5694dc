//! Accepting proof-of-play batches: a signed batch is verified against the key its device registered at
//! pairing, checked for replay by its sequence number and kept with its signature; each new play becomes a
//! [`PlayRecord`] judged by the counting policy and is appended to the transparency log in the same transaction.

use crate::error::{AppError, AppResult};
use crate::player::{check_play_event, PlaysRecorded, MAX_BATCH};
use crate::App;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use twincast_core::proof::note::hex_lower;
use twincast_core::proof::record::{self, judge_v1, PlayRecord, POLICY_V1, RECORD_VERSION};
use twincast_protocol::{PlayEvent, PlayUpload, SignedPlays};
use twincast_store::{Appended, BatchRow, Device, PlayAppend, Store, StoreError};

/// Proof-of-play batches waiting to be appended together (see [`crate::group_commit`]).
pub type PlaysCommitter =
    crate::group_commit::GroupCommit<PlayAppend, Result<Appended, StoreError>>;

/// Batches one group may hold: a few seconds of a large fleet's proof of play in one transaction.
const PLAYS_PER_GROUP: usize = 256;

/// The committer of `store`'s proof-of-play appends: a group is one transaction with one lock of the log; if it
/// fails, its batches are tried one by one, so each gets its own outcome (one bad batch cannot fail the others),
/// unless the database is out (then every batch of the group fails with it).
pub fn plays_committer(store: Store) -> std::sync::Arc<PlaysCommitter> {
    crate::group_commit::GroupCommit::new(PLAYS_PER_GROUP, move |items: Vec<PlayAppend>| {
        let store = store.clone();
        Box::pin(async move {
            let items = &items;
            crate::group_commit::group_or_each(items.len(), store.append_plays_group(items), |i| {
                let it = &items[i];
                store.append_plays(
                    &it.device_id,
                    it.batch.as_ref(),
                    &it.records,
                    it.received_at,
                )
            })
            .await
        })
    })
}

/// Checks a device public key as sent at pairing (base64 of 32 bytes, a valid Ed25519 point).
pub fn check_public_key(key: &str) -> AppResult<()> {
    let ok = B64
        .decode(key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .is_some_and(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).is_ok());
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "invalid-public-key",
            "public_key must be a raw Ed25519 public key (32 bytes), base64",
        ))
    }
}

fn forbidden(code: &'static str, message: &str) -> AppError {
    AppError::Forbidden {
        code,
        message: message.into(),
    }
}

fn check_event_extras(i: usize, e: &PlayEvent) -> AppResult<()> {
    if let Some(m) = &e.media {
        if m.len() != 64
            || !m
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(AppError::invalid(
                "invalid-play-event",
                format!("event {i}: media is the SHA-256 of the file, 64 lower-case hex digits"),
            ));
        }
    }
    if let Some(p) = e.planned_ms {
        if !(0..=86_400_000).contains(&p) {
            return Err(AppError::invalid(
                "invalid-play-event",
                format!("event {i}: planned_ms must be within 0..=86400000"),
            ));
        }
    }
    Ok(())
}

impl App {
    /// Records a proof-of-play upload of `device`: a signed batch (required of a device that registered a key
    /// at pairing) or a plain one (devices without a key). See [`App::record_plays`] for the events' rules.
    pub async fn record_upload(
        &self,
        device: &Device,
        upload: &PlayUpload,
    ) -> AppResult<PlaysRecorded> {
        match upload {
            PlayUpload::Plain(b) => self.record_plays(device, &b.events).await,
            PlayUpload::Signed(s) => {
                let Some(key) = &device.public_key else {
                    return Err(AppError::invalid(
                        "device-has-no-key",
                        "this device registered no key at pairing: send unsigned batches, or pair again with a key",
                    ));
                };
                let bad = |m: &str| AppError::invalid("invalid-signed-batch", m.to_string());
                let payload = B64
                    .decode(&s.payload)
                    .map_err(|_| bad("payload is not base64"))?;
                let signature = B64
                    .decode(&s.signature)
                    .map_err(|_| bad("signature is not base64"))?;
                let key: [u8; 32] = B64
                    .decode(key)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| AppError::internal("a stored device key is not 32 bytes"))?;
                if !record::verify_batch(&key, &payload, &signature) {
                    return Err(forbidden(
                        "batch-signature-invalid",
                        "the batch's signature does not verify with this device's key",
                    ));
                }
                let plays: SignedPlays = serde_json::from_slice(&payload)
                    .map_err(|e| bad(&format!("payload is not a signed batch: {e}")))?;
                if plays.device != device.id {
                    return Err(forbidden(
                        "batch-device-mismatch",
                        "the batch was signed for another device",
                    ));
                }
                let seq = i64::try_from(plays.seq).map_err(|_| bad("seq is too large"))?;
                let batch = BatchRow {
                    id: hex_lower(&Sha256::digest(&payload)),
                    seq,
                    payload: s.payload.clone(),
                    signature: s.signature.clone(),
                };
                self.append(device, &plays.events, Some(&batch)).await
            }
        }
    }

    /// Records an unsigned proof-of-play batch of `device` durably: 1-500 valid events, idempotent by event id
    /// (a repeated id counts as a duplicate and is not stored again). A device that registered a key at pairing
    /// must sign (`signature-required`).
    pub async fn record_plays(
        &self,
        device: &Device,
        events: &[PlayEvent],
    ) -> AppResult<PlaysRecorded> {
        if device.public_key.is_some() {
            return Err(forbidden(
                "signature-required",
                "this device registered a key at pairing: its batches must be signed",
            ));
        }
        self.append(device, events, None).await
    }

    async fn append(
        &self,
        device: &Device,
        events: &[PlayEvent],
        batch: Option<&BatchRow>,
    ) -> AppResult<PlaysRecorded> {
        if events.is_empty() {
            return Err(AppError::invalid(
                "empty-batch",
                "a batch needs at least one event",
            ));
        }
        if events.len() > MAX_BATCH {
            return Err(AppError::invalid(
                "too-many-events",
                format!("at most {MAX_BATCH} events per batch; split it"),
            ));
        }
        for (i, e) in events.iter().enumerate() {
            check_play_event(i, e)?;
            check_event_extras(i, e)?;
        }
        let campaigns: BTreeSet<String> =
            events.iter().filter_map(|e| e.campaign.clone()).collect();
        let ctx = self
            .store
            .play_context(&device.screen_id, &campaigns)
            .await?;
        let received_at = self.now_ms();
        let records: Vec<PlayRecord> = events
            .iter()
            .map(|e| {
                let actual_ms = e.ended_at - e.started_at;
                let (counted, reason) = judge_v1(e.planned_ms, actual_ms);
                let campaign = e.campaign.clone().filter(|c| !c.is_empty());
                let partner = if e.alert.is_some() {
                    None
                } else {
                    campaign
                        .as_ref()
                        .and_then(|c| ctx.partners.get(c).cloned())
                        .or_else(|| e.partner.clone())
                };
                PlayRecord {
                    v: RECORD_VERSION,
                    reference: twincast_store::new_id(),
                    event: e.id.clone(),
                    screen: device.screen_id.clone(),
                    location: ctx.location_id.clone(),
                    device: Some(device.id.clone()),
                    partner,
                    campaign,
                    item: e.item.clone(),
                    alert: e.alert.clone(),
                    media: e.media.clone(),
                    started_at: e.started_at,
                    utc_offset_s: record::utc_offset_s(&ctx.tz, e.started_at),
                    planned_ms: e.planned_ms,
                    actual_ms,
                    policy: POLICY_V1.into(),
                    counted,
                    reason: reason.map(str::to_string),
                    received_at,
                    batch: batch.map(|b| b.id.clone()),
                }
            })
            .collect();
        let references: Vec<String> = records.iter().map(|r| r.reference.clone()).collect();
        let item = PlayAppend {
            device_id: device.id.clone(),
            batch: batch.cloned(),
            records,
            received_at,
        };
        let r = self
            .plays
            .submit(item)
            .await
            // The writer task panicked: nothing of this batch is known to be stored; the device sends it again.
            .unwrap_or(Err(StoreError::Unavailable(
                twincast_store::SqlxError::WorkerCrashed,
            )))
            .map_err(|e| match e {
                StoreError::Conflict(m) if m == "batch-replayed" => AppError::conflict(
                    "batch-replayed",
                    "this device already sent a batch with this sequence number or a later one",
                ),
                other => other.into(),
            })?;
        let refs: Vec<Option<String>> = r
            .indexes
            .iter()
            .zip(references)
            .map(|(i, reference)| i.map(|_| reference))
            .collect();
        let accepted = refs.iter().filter(|r| r.is_some()).count() as u64;
        Ok(PlaysRecorded {
            accepted,
            duplicates: events.len() as u64 - accepted,
            received_at,
            refs,
        })
    }
}
