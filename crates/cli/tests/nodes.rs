//! Three (then four) `twincast serve` processes on one PostgreSQL database and one S3 bucket (docs/scale-out.md):
//! - a campaign created through node A reaches a screen on every node within 1 s, an alert issued through node B
//!   too, a command sent through node A reaches a screen on node C, a device revoked through node A has its socket
//!   on node B closed;
//! - node B is killed with SIGKILL during 20 uploads while node A uploads too and a new node D starts: every
//!   acknowledged upload of either node is served whole afterwards, and once B's lease has run out what it left
//!   pending is taken back without touching anything acknowledged.
//!
//! Needs `TWINCAST_TEST_DATABASE_URL` (a PostgreSQL server; a scratch database is created) and
//! `TWINCAST_TEST_S3_URL`; without them it fails under `TWINCAST_TEST_REQUIRE_SERVICES=1` and says it did not run
//! otherwise.

mod common;

use common::*;
use futures::StreamExt;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a change may take from the answer of the request that made it to a screen on another node.
const WITHIN: Duration = Duration::from_secs(1);

fn services() -> Option<(String, String)> {
    let db = std::env::var("TWINCAST_TEST_DATABASE_URL").ok();
    let s3 = std::env::var("TWINCAST_TEST_S3_URL").ok();
    match (db, s3) {
        (Some(db), Some(s3)) => Some((db, s3)),
        _ => {
            assert_ne!(
                std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "TWINCAST_TEST_DATABASE_URL and TWINCAST_TEST_S3_URL are required when TWINCAST_TEST_REQUIRE_SERVICES=1"
            );
            eprintln!(
                "DID NOT RUN: nodes (TWINCAST_TEST_DATABASE_URL or TWINCAST_TEST_S3_URL unset)"
            );
            None
        }
    }
}

/// A valid PNG of random (incompressible) pixels.
fn noise_png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    rng.fill_bytes(&mut pixels);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&pixels).unwrap();
    }
    out
}

/// Uploads noise PNG `seed`; `Some(sha256)` when the node acknowledged it.
async fn upload(client: reqwest::Client, base: String, token: String, seed: u64) -> Option<String> {
    let bytes = noise_png(160, 160, seed);
    let sha = hex::encode(Sha256::digest(&bytes));
    let form = reqwest::multipart::Form::new()
        .text("partner", "akashi")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(format!("n-{seed}.png")),
        );
    let res = client
        .post(format!("{base}/api/v1/media"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let body: serde_json::Value = res.json().await.ok()?;
    assert_eq!(body["sha256"], sha.as_str());
    Some(sha)
}

/// The object of `sha` is served whole by `base`.
async fn served(client: &reqwest::Client, base: &str, sha: &str) {
    let res = client
        .get(format!("{base}/media/{sha}.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "acknowledged upload {sha} is served");
    let got = res.bytes().await.unwrap();
    assert_eq!(hex::encode(Sha256::digest(&got)), sha, "object {sha} whole");
}

async fn connect(base: &str, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/player/ws?token={token}",
        base.replace("http://", "ws://")
    );
    let mut ws = tokio_tungstenite::connect_async(url).await.unwrap().0;
    wait_for(&mut ws, "hello", Duration::from_secs(30)).await;
    ws
}

/// Waits for a message of type `kind` (skipping others) for at most `limit`; returns it, or `None` when the
/// socket closed first.
async fn wait_for(ws: &mut Ws, kind: &str, limit: Duration) -> Option<serde_json::Value> {
    let wait = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return Some(v);
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} message within {limit:?}"))
}

/// `twincast serve` with data directory `root/name` and the shared database, storage and config flags.
fn start_node(root: &std::path::Path, shared: &[String], name: &str) -> Proc {
    let data = root.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let extra: Vec<&str> = shared.iter().map(String::as_str).collect();
    serve(&data, &extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_share_changes_and_lose_nothing_when_one_dies() {
    let Some((admin_db, s3)) = services() else {
        return;
    };
    let db = twincast_store::Store::create_scratch_database(&admin_db)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("node.toml");
    // A short lease so that a dead node's leftovers are taken back within the test.
    std::fs::write(&config, "node_lease_secs = 4\nmedia_workers = 1\n").unwrap();
    let shared = |data: &str| -> Vec<String> {
        [
            "--database-url",
            &db,
            "--storage",
            &s3,
            "--config",
            config.to_str().unwrap(),
            "--data",
            data,
        ]
        .map(str::to_string)
        .to_vec()
    };
    let setup = dir.path().join("setup");
    let setup_args = shared(setup.to_str().unwrap());
    let args = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .map(|s| s.to_string())
            .chain(setup_args.iter().cloned())
            .collect()
    };
    let a = args(&[
        "user",
        "add",
        "admin",
        "--role",
        "admin",
        "--password-stdin",
    ]);
    ok(&twincast(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "password123\n",
    ));
    let a = args(&["token", "create", "--user", "admin"]);
    let token = ok(&twincast(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "",
    ))
    .trim()
    .to_string();
    let tokens = dir.path().join("tokens.tsv");
    let a = args(&[
        "fleet",
        "provision",
        "--screens",
        "3",
        "--locations",
        "1",
        "--tokens-out",
        tokens.to_str().unwrap(),
    ]);
    ok(&twincast(
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
        "",
    ));
    let screens: Vec<(String, String)> = std::fs::read_to_string(&tokens)
        .unwrap()
        .lines()
        .map(|l| {
            // token, screen id, device id (the device id is the third column since proof of play)
            let mut cols = l.split('\t');
            let (t, s) = (cols.next().unwrap(), cols.next().unwrap());
            (t.to_string(), s.to_string())
        })
        .collect();
    assert_eq!(screens.len(), 3);

    let base_args: Vec<String> = setup_args[..6].to_vec();
    let root = dir.path().to_path_buf();
    let node = move |name: &str| start_node(&root, &base_args, name);
    let (na, nb, nc) = (node("a"), node("b"), node("c"));
    let nodes = [&na, &nb, &nc];
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/partners", na.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"},
            "country": "JP", "continent": "asia", "lat": 34.6, "lon": 135.0, "since": 1981, "description": "",
            "logo_media_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // One screen on each node.
    let mut sockets = Vec::new();
    for (n, (t, _)) in nodes.iter().zip(&screens) {
        sockets.push(connect(&n.base, t).await);
    }

    // A campaign made through node A reaches the screens of A, B and C within a second.
    let res = client
        .post(format!("{}/api/v1/campaigns", na.base))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"name": "Akashi card", "partner": "akashi",
            "items": [{"kind": "html", "template": "partner_card", "data": {"city": "Akashi"}}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let made = Instant::now();
    for (i, ws) in sockets.iter_mut().enumerate() {
        wait_for(ws, "manifest_changed", WITHIN)
            .await
            .unwrap_or_else(|| panic!("socket {i} closed"));
    }
    eprintln!("campaign reached 3 nodes in {:?}", made.elapsed());

    // An alert issued through node B reaches them within a second.
    let res = client
        .post(format!("{}/api/v1/alerts", nb.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"id": "nodes-1", "headline": "Test alert"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let issued = Instant::now();
    for (i, ws) in sockets.iter_mut().enumerate() {
        wait_for(ws, "alert", WITHIN)
            .await
            .unwrap_or_else(|| panic!("socket {i} closed"));
    }
    eprintln!("alert reached 3 nodes in {:?}", issued.elapsed());

    // A command sent through node A reaches the screen on node C (the periodic pass would take up to 5 s).
    let res = client
        .post(format!(
            "{}/api/v1/screens/{}/commands",
            na.base, screens[2].1
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"command": "identify"}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let sent: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 202, "{sent}");
    let got = wait_for(&mut sockets[2], "command", WITHIN)
        .await
        .expect("socket on node C open");
    assert_eq!(got["id"], sent["id"], "{got}");

    // A device revoked through node A: its socket on node B is closed at once (and its token refused there).
    let res = client
        .delete(format!(
            "{}/api/v1/screens/{}/device",
            na.base, screens[1].1
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert!(
        wait_for(&mut sockets[1], "revoked", WITHIN).await.is_some(),
        "revoked message on node B"
    );
    let res = client
        .get(format!("{}/api/v1/player/manifest", nb.base))
        .bearer_auth(&screens[1].0)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "revoked token refused on node B");
    drop(sockets);

    // Node B takes 20 uploads (4 at a time) and is killed once 5 are acknowledged; node A uploads meanwhile,
    // while node D starts.
    let b_ok = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut b_tasks = Vec::new();
    let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(4));
    for seed in 0..20u64 {
        let (c, base, t, ok, limit) = (
            client.clone(),
            nb.base.clone(),
            token.clone(),
            b_ok.clone(),
            limit.clone(),
        );
        b_tasks.push(tokio::spawn(async move {
            let _p = limit.acquire().await.unwrap();
            if let Some(sha) = upload(c, base, t, 1000 + seed).await {
                ok.lock().unwrap().push(sha);
            }
        }));
    }
    let a_uploads = {
        let (c, base, t) = (client.clone(), na.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut done = Vec::new();
            for seed in 0..12u64 {
                done.push(
                    upload(c.clone(), base.clone(), t.clone(), 2000 + seed)
                        .await
                        .expect("node A acknowledges its uploads"),
                );
            }
            done
        })
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while b_ok.lock().unwrap().len() < 5 {
        assert!(
            Instant::now() < deadline,
            "node B acknowledged too few uploads"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut nb = nb;
    nb.child.kill().unwrap(); // SIGKILL
    nb.child.wait().unwrap();
    // Two objects no row references, as a peer leaves them between its put and its row: one of a live peer (its
    // lease runs), one of a dead one. Node D's start and the janitors delete the second only.
    let store = twincast_store::Store::connect(&db).await.unwrap();
    let objects = twincast_media::Storage::open(&s3, dir.path())
        .await
        .unwrap();
    let now = twincast_store::now_ms();
    let (live_key, dead_key) = (
        format!("media/{}.png", hex::encode(Sha256::digest(db.as_bytes()))),
        format!(
            "media/{}.png",
            hex::encode(Sha256::digest(dir.path().to_str().unwrap().as_bytes()))
        ),
    );
    store
        .renew_node("peer-live", now, now + 600_000)
        .await
        .unwrap();
    store
        .renew_node("peer-dead", now - 60_000, now - 1)
        .await
        .unwrap();
    for (key, peer) in [(&live_key, "peer-live"), (&dead_key, "peer-dead")] {
        store.object_pending(key, peer, now).await.unwrap();
        objects
            .put_bytes(key, bytes::Bytes::from_static(b"not yet committed"))
            .await
            .unwrap();
    }
    let nd = tokio::task::spawn_blocking(move || node("d"))
        .await
        .unwrap();
    for t in b_tasks {
        t.await.unwrap();
    }
    let a_done = a_uploads.await.unwrap();
    let b_done = b_ok.lock().unwrap().clone();
    assert!(b_done.len() >= 5 && a_done.len() == 12);
    for sha in a_done.iter().chain(&b_done) {
        served(&client, &nc.base, sha).await;
    }

    // Once B's lease has run out, the live nodes take back what it (and the dead peer) left pending, and nothing
    // acknowledged goes, nor the live peer's object.
    let taken_back = Instant::now();
    let deadline = taken_back + Duration::from_secs(30);
    loop {
        // Pending records of any node but the live peer: none once the janitors have passed.
        let left: Vec<_> = store
            .abandoned_objects(twincast_store::now_ms() + 60_000, 86_400_000, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.object_key != live_key)
            .collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "pending objects left: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "dead nodes' leftovers taken back after {:?}",
        taken_back.elapsed()
    );
    assert_eq!(
        objects.size(&dead_key).await.unwrap(),
        None,
        "dead peer's object deleted"
    );
    assert_eq!(
        objects.size(&live_key).await.unwrap(),
        Some(17),
        "live peer's object kept"
    );
    objects.delete(&live_key).await.unwrap();
    for sha in a_done.iter().chain(&b_done) {
        served(&client, &nd.base, sha).await;
    }
    store.close().await;
    drop((na, nc, nd));
}
