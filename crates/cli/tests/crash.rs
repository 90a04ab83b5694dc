//! kill -9 of the server during concurrent uploads, then restart: every upload that got a 2xx is intact (hash
//! verified) and no orphan rows or files remain.
//!
//! Where the kill lands does not depend on the machine's speed: it waits for observable states, never for a time.
//! Three groups of uploads:
//! - `done`: sent whole and acknowledged before the kill;
//! - `held`: everything but their last piece is sent, then they wait; the kill comes once the server has a spool
//!   file for each of them (it is writing them), so they are in flight when it dies and can never be acknowledged;
//! - `racing`: sent whole at full speed just before the kill, which comes when the first of them is acknowledged:
//!   the others may be anywhere (spooling, storing, committing), which is where a crash loses or leaks things.

mod common;

use common::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

const DONE: u64 = 6;
const HELD: u64 = 8;
const RACING: u64 = 6;

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

/// Files under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// How an upload sends its body.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sending {
    /// All of it, at full speed.
    Whole,
    /// All but the last piece; then waits until `release` fires and ends the body with an error.
    HoldLastPiece,
}

/// Uploads a noise PNG (seed `i`) as partner `akashi`; `Some((sha256, bytes))` when the server acknowledged it.
async fn upload(
    client: reqwest::Client,
    base: String,
    token: String,
    i: u64,
    send: Sending,
    release: tokio::sync::watch::Receiver<bool>,
) -> Option<(String, Vec<u8>)> {
    let bytes = noise_png(500, 500, i);
    let sha = hex::encode(Sha256::digest(&bytes));
    let mut chunks: Vec<bytes::Bytes> = bytes
        .chunks(16 * 1024)
        .map(bytes::Bytes::copy_from_slice)
        .collect();
    if send == Sending::HoldLastPiece {
        chunks.pop();
    }
    let len = bytes.len() as u64;
    let stream = futures::stream::unfold(
        (chunks.into_iter(), Some(release)),
        move |(mut it, release)| async move {
            if let Some(next) = it.next() {
                return Some((Ok::<_, std::io::Error>(next), (it, release)));
            }
            // A held upload: its last piece never comes; once released, the body ends with an error.
            let mut release = release.filter(|_| send == Sending::HoldLastPiece)?;
            let _ = release.wait_for(|r| *r).await;
            Some((Err(std::io::Error::other("released")), (it, None)))
        },
    );
    let part =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
            .file_name(format!("noise-{i}.png"));
    let form = reqwest::multipart::Form::new()
        .text("partner", "akashi")
        .part("file", part);
    let res = client
        .post(format!("{base}/api/v1/media"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => {
            let body: serde_json::Value = r.json().await.ok()?;
            assert_eq!(body["sha256"], sha.as_str(), "server hashed what was sent");
            Some((sha, bytes))
        }
        _ => None,
    }
}

/// Waits until `dir` holds at least `n` files: polls the file system, bounded only so that a broken server cannot
/// hang the suite (the bound is not what the test measures).
fn wait_for_files(dir: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let have = files(dir).len();
        if have >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} holds {have} files, expected {n}",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_uploads_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_string();
    ok(&twincast(
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            "--data",
            &data,
        ],
        "password123\n",
    ));
    let token = ok(&twincast(
        &["token", "create", "--user", "admin", "--data", &data],
        "",
    ))
    .trim()
    .to_string();
    assert!(
        token.starts_with("tc_") && !token.contains(char::is_whitespace),
        "only the token on stdout: {token:?}"
    );

    let server = serve(dir.path(), &[]);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/api/v1/partners", server.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"},
            "country": "JP", "continent": "asia", "lat": 34.6, "lon": 135.0, "since": 1981, "description": "",
            "logo_media_id": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    let (release, released) = tokio::sync::watch::channel(false);
    let spawn = |i: u64, send: Sending| {
        tokio::spawn(upload(
            client.clone(),
            server.base.clone(),
            token.clone(),
            i,
            send,
            released.clone(),
        ))
    };
    // ~0.75 MB each. `done`: whole and acknowledged before anything else happens.
    let mut acknowledged = vec![];
    for i in 0..DONE {
        let done = spawn(i, Sending::Whole).await.unwrap();
        acknowledged.push(done.expect("an upload to a running server is acknowledged"));
    }
    // `held`: in flight until the server dies; the kill waits until the server is spooling every one of them.
    let held: Vec<_> = (DONE..DONE + HELD)
        .map(|i| spawn(i, Sending::HoldLastPiece))
        .collect();
    let spool = dir.path().join("tmp");
    tokio::task::spawn_blocking(move || wait_for_files(&spool, HELD as usize))
        .await
        .unwrap();
    // `racing`: the kill lands as soon as the first of them is acknowledged.
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel();
    let racing: Vec<_> = (DONE + HELD..DONE + HELD + RACING)
        .map(|i| {
            let task = spawn(i, Sending::Whole);
            let acked_tx = acked_tx.clone();
            tokio::spawn(async move {
                let r = task.await.unwrap();
                if r.is_some() {
                    let _ = acked_tx.send(());
                }
                r
            })
        })
        .collect();
    drop(acked_tx);
    acked_rx
        .recv()
        .await
        .expect("a racing upload is acknowledged while the server runs");
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    release.send(true).unwrap();

    for t in held {
        assert!(
            t.await.unwrap().is_none(),
            "an upload missing its last piece cannot be acknowledged"
        );
    }
    let mut racing_acked = 0;
    for t in racing {
        if let Some(done) = t.await.unwrap() {
            acknowledged.push(done);
            racing_acked += 1;
        }
    }
    eprintln!(
        "acknowledged before the kill: {DONE} done, {racing_acked} of {RACING} racing; {HELD} held in flight"
    );
    assert!(racing_acked >= 1);

    // Restart on the same data.
    let server = serve(dir.path(), &[]);
    for (sha, bytes) in &acknowledged {
        let got = client
            .get(format!("{}/media/{sha}.png", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "acknowledged upload {sha} is served");
        let body = got.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&body)), *sha, "content intact");
        assert_eq!(body.len(), bytes.len());
    }
    // Rows: each one's object is present and whole; objects: each one belongs to a row.
    let list: serde_json::Value = client
        .get(format!("{}/api/v1/media?limit=500", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows: Vec<&serde_json::Value> = list["items"].as_array().unwrap().iter().collect();
    assert!(rows.len() >= acknowledged.len());
    let mut row_shas = HashSet::new();
    for r in &rows {
        let sha = r["sha256"].as_str().unwrap();
        let got = client
            .get(format!("{}{}", server.base, r["url"].as_str().unwrap()))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), 200, "row {sha} has its object");
        assert_eq!(hex::encode(Sha256::digest(got.bytes().await.unwrap())), sha);
        row_shas.insert(sha.to_string());
    }
    let originals = files(&dir.path().join("objects/media"));
    for f in &originals {
        let name = f.file_name().unwrap().to_str().unwrap();
        let sha = name.split('.').next().unwrap();
        assert!(
            row_shas.contains(sha),
            "orphan object {} after restart",
            f.display()
        );
    }
    assert_eq!(originals.len(), row_shas.len());
    // Derived files (thumbnails made by the media worker when ffmpeg is present) belong to a row too.
    let renditions = dir.path().join("objects/renditions");
    for f in files(&renditions) {
        let sha = f
            .strip_prefix(&renditions)
            .unwrap()
            .components()
            .next()
            .unwrap();
        assert!(
            row_shas.contains(sha.as_os_str().to_str().unwrap()),
            "orphan rendition {}",
            f.display()
        );
    }
    assert!(
        files(&dir.path().join("tmp")).is_empty(),
        "spool emptied at restart"
    );
}
