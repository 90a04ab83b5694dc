//! kill -9 of the server during 20 concurrent uploads, then restart: every upload that got a 2xx is intact (hash
//! verified) and no orphan rows or files remain.

mod common;

use common::*;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::time::Duration;

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
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
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

    // 20 uploads of ~0.75 MB each, sent slowly (in 16 KiB pieces with pauses) so that the kill lands mid-flight.
    let mut tasks = vec![];
    for i in 0..20u64 {
        let bytes = noise_png(500, 500, i);
        let base = server.base.clone();
        let token = token.clone();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let sha = hex::encode(Sha256::digest(&bytes));
            let pause = Duration::from_millis(2 + i * 2);
            let chunks: Vec<bytes::Bytes> = bytes
                .chunks(16 * 1024)
                .map(bytes::Bytes::copy_from_slice)
                .collect();
            let len = bytes.len() as u64;
            let stream = futures::stream::unfold(chunks.into_iter(), move |mut it| async move {
                let next = it.next()?;
                tokio::time::sleep(pause).await;
                Some((Ok::<_, std::io::Error>(next), it))
            });
            let part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(stream),
                len,
            )
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
        }));
    }
    tokio::time::sleep(Duration::from_millis(900)).await;
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let mut acknowledged = vec![];
    for t in tasks {
        if let Some(done) = t.await.unwrap() {
            acknowledged.push(done);
        }
    }
    eprintln!(
        "{} of 20 uploads were acknowledged before the kill",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < 20,
        "the kill must land while uploads are in flight"
    );

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
