//! Proof of play end to end: signed batches accepted, forged ones refused (wrong key, altered, replayed, for
//! another device, unsigned from a keyed device), unsigned players still accepted; play records with inclusion
//! proofs and checkpoint consistency verified offline; a play edited in the database or a past checkpoint
//! altered is detected.

use crate::common::*;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use twincast_core::proof::record::batch_message;
use twincast_core::proof::verify::{self, LogKey, PlayProof, Proof};
use twincast_protocol::{PairingRequest, PlayEvent, SignedPlays};
use twincast_store::Role;

/// Pairs a player that registers `key` (or none); returns (token, device id).
async fn pair_with_key(
    s: &TestServer,
    op: &Session,
    screen: &str,
    key: Option<&SigningKey>,
) -> (String, String) {
    let req = PairingRequest {
        public_key: key.map(|k| B64.encode(k.verifying_key().to_bytes())),
        ..PairingRequest::default()
    };
    let got = pair_as(s, op, screen, req).await;
    (got.token.unwrap(), got.device_id.unwrap())
}

fn ev(id: &str, campaign: Option<&str>, start: i64, ms: i64, planned: Option<i64>) -> PlayEvent {
    PlayEvent {
        id: id.into(),
        campaign: campaign.map(str::to_string),
        item: Some("i1".into()),
        partner: Some("pa".into()),
        alert: None,
        started_at: start,
        ended_at: start + ms,
        media: Some("ab".repeat(32)),
        planned_ms: planned,
    }
}

fn signed(key: &SigningKey, device: &str, seq: u64, events: Vec<PlayEvent>) -> Value {
    let payload = serde_json::to_vec(&SignedPlays {
        device: device.into(),
        seq,
        events,
    })
    .unwrap();
    let sig = key.sign(&batch_message(&payload));
    json!({"payload": B64.encode(&payload), "signature": B64.encode(sig.to_bytes())})
}

async fn send(s: &TestServer, token: &str, body: &Value) -> reqwest::Response {
    post(s, "/api/v1/player/plays", token)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn signed_batches_the_log_and_offline_verification() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let editor_b = s.user("editor-b", Role::PartnerEditor, &["pb"]).await;
    let ids = screens(&s, &admin, 2).await;
    let key = SigningKey::from_bytes(&[7; 32]);
    let (token, device) = pair_with_key(&s, &admin, &ids[0], Some(&key)).await;
    let t0 = 1_764_000_000_000;

    // A signed batch: one full play, one cut short; both kept with their reference.
    let first = signed(
        &key,
        &device,
        1,
        vec![
            ev("e1", Some("c1"), t0, 10_200, Some(10_000)),
            ev("e2", Some("c1"), t0 + 10_000, 4_000, Some(10_000)),
        ],
    );
    let res = send(&s, &token, &first).await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = res.json().await.unwrap();
    assert_eq!(
        (a["accepted"].as_u64(), a["duplicates"].as_u64()),
        (Some(2), Some(0))
    );
    let refs: Vec<String> = a["refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();

    // Forgeries: the same batch again, an altered payload, another key, another device, no signature.
    assert_problem(
        send(&s, &token, &first).await,
        StatusCode::CONFLICT,
        "batch-replayed",
    )
    .await;
    let mut altered = signed(
        &key,
        &device,
        2,
        vec![ev("e3", Some("c1"), t0, 10_000, Some(10_000))],
    );
    let longer = signed(
        &key,
        &device,
        2,
        vec![ev("e3", Some("c1"), t0, 99_000, Some(10_000))],
    );
    altered["payload"] = longer["payload"].clone();
    assert_problem(
        send(&s, &token, &altered).await,
        StatusCode::FORBIDDEN,
        "batch-signature-invalid",
    )
    .await;
    let mallory = SigningKey::from_bytes(&[8; 32]);
    let wrong_key = signed(
        &mallory,
        &device,
        3,
        vec![ev("e4", Some("c1"), t0, 1, None)],
    );
    assert_problem(
        send(&s, &token, &wrong_key).await,
        StatusCode::FORBIDDEN,
        "batch-signature-invalid",
    )
    .await;
    let elsewhere = signed(
        &key,
        "another-device",
        4,
        vec![ev("e5", Some("c1"), t0, 1, None)],
    );
    assert_problem(
        send(&s, &token, &elsewhere).await,
        StatusCode::FORBIDDEN,
        "batch-device-mismatch",
    )
    .await;
    let plain = json!({"events": [ev("e6", Some("c1"), t0, 1, None)]});
    assert_problem(
        send(&s, &token, &plain).await,
        StatusCode::FORBIDDEN,
        "signature-required",
    )
    .await;
    let garbage = json!({"payload": "***", "signature": "AA=="});
    assert_problem(
        send(&s, &token, &garbage).await,
        StatusCode::BAD_REQUEST,
        "invalid-signed-batch",
    )
    .await;
    // None of them stored anything; the log holds the two accepted plays.
    assert_eq!(s.state.store.log_size().await.unwrap(), 2);
    assert_eq!(s.state.store.play_count(&ids[0]).await.unwrap(), 2);

    // A player paired without a key (a browser without Ed25519, an old player) still reports, unsigned.
    let (old_token, _) = pair_with_key(&s, &admin, &ids[1], None).await;
    let res = send(
        &s,
        &old_token,
        &json!({"events": [ev("o1", Some("c1"), t0, 5_000, Some(5_000))]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let o: Value = res.json().await.unwrap();
    let old_ref = o["refs"][0].as_str().unwrap().to_string();
    let bad = signed(&key, "x", 1, vec![ev("o2", Some("c1"), t0, 1, None)]);
    assert_problem(
        send(&s, &old_token, &bad).await,
        StatusCode::BAD_REQUEST,
        "device-has-no-key",
    )
    .await;

    // The log's key and a checkpoint, then the play's proof, checked offline.
    let lk: LogKey = Client::new()
        .get(s.url("/api/v1/proof/key"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cp: Value = admin
        .post_json("/api/v1/proof/checkpoints", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cp["size"], 3);
    let old_note = cp["note"].as_str().unwrap().to_string();
    let p: PlayProof = admin
        .get(&format!("/api/v1/proof/plays/{}", refs[0]))
        .await
        .json()
        .await
        .unwrap();
    let rec = verify::verify_play(&lk.vkey, &p, None).unwrap();
    assert_eq!((rec.counted, rec.reason.as_deref()), (true, None));
    assert_eq!(
        (rec.screen.as_str(), rec.utc_offset_s),
        (ids[0].as_str(), 3_600)
    );
    assert!(rec.batch.is_some());
    let p2: PlayProof = admin
        .get(&format!("/api/v1/proof/plays/{}", refs[1]))
        .await
        .json()
        .await
        .unwrap();
    let rec2 = verify::verify_play(&lk.vkey, &p2, Some(&old_note)).unwrap();
    assert_eq!(
        (rec2.counted, rec2.reason.as_deref()),
        (false, Some("cut-short"))
    );
    let old: PlayProof = admin
        .get(&format!("/api/v1/proof/plays/{old_ref}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        verify::verify_play(&lk.vkey, &old, None).unwrap().batch,
        None
    );
    // Another partner's editor cannot read the play; the public checkpoint route serves the same note.
    assert_problem(
        editor_b
            .get(&format!("/api/v1/proof/plays/{}", refs[0]))
            .await,
        StatusCode::NOT_FOUND,
        "play-not-found",
    )
    .await;
    let public = Client::new()
        .get(s.url("/api/v1/proof/checkpoint?size=3"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.text().await.unwrap(), old_note);

    // More plays, a newer checkpoint, and the consistency of the two.
    let more = signed(
        &key,
        &device,
        10,
        (0..5)
            .map(|i| ev(&format!("m{i}"), Some("c1"), t0 + i, 1_000, Some(1_000)))
            .collect(),
    );
    assert_eq!(send(&s, &token, &more).await.status(), StatusCode::OK);
    let cp2: Value = admin
        .post_json("/api/v1/proof/checkpoints", json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cp2["size"], 8);
    let new_note = cp2["note"].as_str().unwrap().to_string();
    let c: Proof = Client::new()
        .get(s.url("/api/v1/proof/consistency?from=3&to=8"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        verify::verify_consistency(&lk.vkey, &old_note, &new_note, &c).unwrap(),
        (3, 8)
    );
    let res = Client::new()
        .get(s.url("/api/v1/proof/consistency?from=3&to=9"))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-proof-range").await;

    // Tampering with one play in the database is detected: its record no longer hashes to the logged leaf.
    sqlx::query("UPDATE plays SET ended_at = ended_at + 5000 WHERE ref = $1")
        .bind(&refs[1])
        .execute(s.state.store.pool())
        .await
        .unwrap();
    let tampered: PlayProof = admin
        .get(&format!("/api/v1/proof/plays/{}?size=8", refs[1]))
        .await
        .json()
        .await
        .unwrap();
    let e = verify::verify_play(&lk.vkey, &tampered, Some(&new_note)).unwrap_err();
    assert!(e.contains("is not in the log"), "{e}");
    // An untouched play still verifies against the same checkpoint.
    let fine: PlayProof = admin
        .get(&format!("/api/v1/proof/plays/{}?size=8", refs[0]))
        .await
        .json()
        .await
        .unwrap();
    assert!(verify::verify_play(&lk.vkey, &fine, Some(&new_note)).is_ok());

    // A past checkpoint altered in the database (its root replaced) is detected: its signature fails.
    let forged_root = B64.encode([0u8; 32]);
    let stored = s.state.app.checkpoint(Some(3)).await.unwrap();
    let forged = stored.note.replacen(&stored.root, &forged_root, 1);
    assert_ne!(forged, stored.note);
    sqlx::query("UPDATE log_checkpoints SET note = $1 WHERE size = 3")
        .bind(&forged)
        .execute(s.state.store.pool())
        .await
        .unwrap();
    let served = Client::new()
        .get(s.url("/api/v1/proof/checkpoint?size=3"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let e = verify::verify_consistency(&lk.vkey, &served, &new_note, &c).unwrap_err();
    assert!(e.contains("old checkpoint"), "{e}");
}
