//! Whole-deployment backup → wipe → restore with the real binary (issue 17): a demo network with a paired player
//! on SQLite + local storage is backed up online (to an S3 bucket when `TWINCAST_TEST_S3_URL` is set, else a
//! directory), its data directory is deleted, the backup is restored onto an empty deployment of the other kind
//! (PostgreSQL when `TWINCAST_TEST_DATABASE_URL` is set, else SQLite; its objects in a second S3 bucket when
//! `TWINCAST_TEST_S3_URL` is set, else local), and a server on the restored deployment serves every media item
//! with its hash and accepts the player's device token (manifest, heartbeat, proof of play counted once). A backup
//! with a missing object is refused by `verify` and `restore`, and a deployment with a missing object by `verify`;
//! each names the object. Under `TWINCAST_TEST_REQUIRE_SERVICES=1` both services are required (CI: the test then
//! runs SQLite + local → PostgreSQL + S3).

mod common;

use common::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn required_or_none(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert_ne!(
                std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "{var} is required when TWINCAST_TEST_REQUIRE_SERVICES=1"
            );
            None
        }
    }
}

async fn pair(c: &reqwest::Client, base: &str, api: &str) -> (String, String) {
    let screens: Value = c
        .get(format!("{base}/api/v1/screens"))
        .bearer_auth(api)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let screen = screens["items"][0]["id"].as_str().unwrap().to_string();
    let p: Value = c
        .post(format!("{base}/api/v1/player/pairings"))
        .json(&json!({"player_version": "backup-test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claim = c
        .post(format!(
            "{base}/api/v1/pairings/{}/claim",
            p["code"].as_str().unwrap()
        ))
        .bearer_auth(api)
        .json(&json!({"screen_id": screen}))
        .send()
        .await
        .unwrap();
    assert_eq!(claim.status(), 200, "{:?}", claim.text().await);
    let got: Value = c
        .get(format!(
            "{base}/api/v1/player/pairings/{}?secret={}",
            p["pairing_id"].as_str().unwrap(),
            p["poll_secret"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "paired", "{got}");
    (got["token"].as_str().unwrap().to_string(), screen)
}

async fn plays(c: &reqwest::Client, base: &str, device: &str, ids: &[&str]) -> Value {
    let events: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "campaign": "backup-test", "started_at": 1_800_000_000_000i64, "ended_at": 1_800_000_010_000i64}))
        .collect();
    let res = c
        .post(format!("{base}/api/v1/player/plays"))
        .bearer_auth(device)
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every media item's URL answers its content, whose SHA-256 is the item's; returns how many.
async fn media_served(c: &reqwest::Client, base: &str, api: &str) -> usize {
    let list: Value = c
        .get(format!("{base}/api/v1/media?limit=200"))
        .bearer_auth(api)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    for m in items {
        let res = c
            .get(format!("{base}{}", m["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", m["url"]);
        let body = res.bytes().await.unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(&body)),
            m["sha256"].as_str().unwrap()
        );
    }
    items.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_wipe_restore_keeps_media_and_paired_players() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let a_s = a.to_str().unwrap();
    ok(&twincast(&["demo", "--seed-only", "--data", a_s], ""));
    ok(&twincast(
        &[
            "user",
            "add",
            "root",
            "--role",
            "admin",
            "--password-stdin",
            "--data",
            a_s,
        ],
        "backup-test-password\n",
    ));
    let api = ok(&twincast(
        &["token", "create", "--user", "root", "--data", a_s],
        "",
    ))
    .trim()
    .to_string();
    let c = reqwest::Client::new();
    let server = serve(&a, &[]);
    let (device, _screen) = pair(&c, &server.base, &api).await;
    let manifest = c
        .get(format!("{}/api/v1/player/manifest", server.base))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap();
    assert_eq!(manifest.status(), 200);
    assert_eq!(
        plays(&c, &server.base, &device, &["p-1"]).await["accepted"],
        1
    );
    let media_before = media_served(&c, &server.base, &api).await;
    assert!(media_before > 0);

    // Online: the server keeps running during the backup.
    let dest = match required_or_none("TWINCAST_TEST_S3_URL") {
        Some(url) => url,
        None => dir.path().join("backup").to_str().unwrap().to_string(),
    };
    let out = ok(&twincast(
        &["backup", "create", "--data", a_s, "--to", &dest],
        "",
    ));
    let snapshot = out.split_whitespace().nth(1).unwrap().to_string();
    assert!(out.contains(" objects ("), "{out}");
    // Incremental: a second backup copies no object again (only those the running server's media jobs added
    // in between).
    let again = ok(&twincast(
        &["backup", "create", "--data", a_s, "--to", &dest],
        "",
    ));
    let (n1, _) = counts(&out);
    let (n2, copied2) = counts(&again);
    assert_eq!(copied2, n2 - n1, "{out}\n{again}");
    let snapshot2 = again.split_whitespace().nth(1).unwrap().to_string();
    ok(&twincast(
        &[
            "backup",
            "verify",
            "--from",
            &dest,
            "--snapshot",
            &snapshot2,
        ],
        "",
    ));
    drop(server);
    std::fs::remove_dir_all(&a).unwrap();

    // Restore onto an empty deployment: PostgreSQL when the test has one, else SQLite.
    let b = dir.path().join("b");
    let b_s = b.to_str().unwrap().to_string();
    let mut target: Vec<String> = vec!["--data".into(), b_s.clone()];
    if let Some(admin) = required_or_none("TWINCAST_TEST_DATABASE_URL") {
        let url = twincast_store::Store::create_scratch_database(&admin)
            .await
            .unwrap();
        target.extend(["--database-url".into(), url]);
    }
    // The restored deployment's objects: S3 when the test has it, in a bucket of their own (the backup store is
    // the test's bucket, and the two must not be mistaken for each other).
    let storage = required_or_none("TWINCAST_TEST_S3_URL").map(|s3| sibling_bucket(&s3, "restore"));
    if let Some(url) = &storage {
        target.extend(["--storage".into(), url.clone()]);
    }
    let t: Vec<&str> = target.iter().map(String::as_str).collect();
    let restore = |extra: &[&str]| {
        let mut args = vec![
            "backup",
            "restore",
            "--from",
            &dest,
            "--snapshot",
            &snapshot,
        ];
        args.extend_from_slice(&t);
        args.extend_from_slice(extra);
        twincast(&args, "")
    };
    let out = ok(&restore(&[]));
    assert!(out.contains("referenced objects verified"), "{out}");
    // A second restore onto the same (no longer empty) deployment is refused.
    let twice = restore(&[]);
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("not empty"));
    let mut verify = vec!["backup", "verify"];
    verify.extend_from_slice(&t);
    ok(&twincast(&verify, ""));

    let server = serve(&b, &t[2..]);
    assert_eq!(media_served(&c, &server.base, &api).await, media_before);
    let manifest = c
        .get(format!("{}/api/v1/player/manifest", server.base))
        .bearer_auth(&device)
        .send()
        .await
        .unwrap();
    assert_eq!(
        manifest.status(),
        200,
        "the device token survives the restore"
    );
    let hb = c
        .post(format!("{}/api/v1/player/heartbeat", server.base))
        .bearer_auth(&device)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(hb.status().is_success(), "{:?}", hb.text().await);
    let r = plays(&c, &server.base, &device, &["p-1", "p-2"]).await;
    assert_eq!(
        (r["accepted"].clone(), r["duplicates"].clone()),
        (json!(1), json!(1))
    );
    drop(server);

    // A damaged backup: one object removed. Only checkable on a directory we own.
    let local = dir.path().join("damaged");
    let mut create = vec!["backup", "create", "--to", local.to_str().unwrap()];
    create.extend_from_slice(&t);
    ok(&twincast(&create, ""));
    let victim = first_file(&local.join("objects"));
    std::fs::remove_file(&victim).unwrap();
    let key = victim
        .strip_prefix(local.join("objects"))
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let bad = twincast(&["backup", "verify", "--from", local.to_str().unwrap()], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(&format!("{key}: missing")));
    let c_dir = dir.path().join("c");
    let bad = twincast(
        &[
            "backup",
            "restore",
            "--from",
            local.to_str().unwrap(),
            "--data",
            c_dir.to_str().unwrap(),
        ],
        "",
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&key) && err.contains("missing"), "{err}");

    // A deployment that lost an object (here: deleted from its object store behind its back): `backup verify`
    // names it; once the object is back, verify passes again.
    let deployment = twincast_media::Storage::open(storage.as_deref().unwrap_or(""), &b)
        .await
        .unwrap();
    let keep = read_all(&deployment, &key).await;
    deployment.delete(&key).await.unwrap();
    let bad = twincast(&verify, "");
    assert!(!bad.status.success(), "verify passes without {key}");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains(&format!("{key}: missing")), "{err}");
    deployment
        .put_bytes(&key, bytes::Bytes::from(keep))
        .await
        .unwrap();
    ok(&twincast(&verify, ""));
}

/// The same S3 URL with the bucket `<bucket>-<suffix>`.
fn sibling_bucket(s3: &str, suffix: &str) -> String {
    let rest = s3.strip_prefix("s3://").expect("an s3:// URL");
    let (bucket, query) = rest.split_once('?').unwrap_or((rest, ""));
    format!("s3://{bucket}-{suffix}?{query}")
}

async fn read_all(storage: &twincast_media::Storage, key: &str) -> Vec<u8> {
    use futures::StreamExt;
    let mut s = storage.get(key, None).await.unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

/// "N objects (M copied now" of `backup create`'s output.
fn counts(out: &str) -> (usize, usize) {
    let w: Vec<&str> = out.split_whitespace().collect();
    let i = w.iter().position(|x| *x == "objects").unwrap();
    (
        w[i - 1].parse().unwrap(),
        w[i + 1].trim_start_matches('(').parse().unwrap(),
    )
}

fn first_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                return e.path();
            }
        }
    }
    panic!("no file under {}", dir.display());
}
