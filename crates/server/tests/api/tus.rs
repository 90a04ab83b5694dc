//! tus 1.0 uploads (`api::tus`): an upload interrupted half-way and resumed (HEAD for the offset, PATCH the rest)
//! becomes a media item with the file's SHA-256; a chunk that does not match its checksum is refused (460) and the
//! offset stays; wrong offsets, versions and content types are refused; terminated and expired uploads answer 404
//! and 410.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use twincast_core::tus::{checksum_header, encode_metadata, Algorithm};
use twincast_store::Role;

fn tus(s: &Session, method: Method, url: &str) -> reqwest::RequestBuilder {
    s.req(method, url).header("tus-resumable", "1.0.0")
}

async fn create(s: &Session, partner: &str, name: &str, len: usize) -> reqwest::Response {
    tus(s, Method::POST, "/api/v1/tus")
        .header("upload-length", len.to_string())
        .header(
            "upload-metadata",
            encode_metadata([
                ("filename", name),
                ("partner", partner),
                ("filetype", "image/png"),
            ]),
        )
        .send()
        .await
        .unwrap()
}

async fn head_offset(s: &Session, url: &str) -> u64 {
    let res = tus(s, Method::HEAD, url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert_eq!(res.headers()["cache-control"], "no-store");
    res.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Spool files of upload sessions.
fn upload_spools(s: &TestServer) -> usize {
    std::fs::read_dir(s.state.config.data_dir.join("uploads"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "part"))
                .count()
        })
        .unwrap_or(0)
}

fn patch(s: &Session, url: &str, at: usize, bytes: &[u8]) -> reqwest::RequestBuilder {
    tus(s, Method::PATCH, url)
        .header("upload-offset", at.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(bytes.to_vec())
}

#[tokio::test]
async fn interrupted_upload_resumes_and_a_corrupt_chunk_is_refused_by_its_checksum() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    // What the server supports, asked without an account.
    let res = reqwest::Client::new()
        .request(Method::OPTIONS, s.url("/api/v1/tus"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let h = res.headers();
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(h["tus-version"], "1.0.0");
    assert!(h["tus-extension"].to_str().unwrap().contains("checksum"));
    assert!(h["tus-checksum-algorithm"]
        .to_str()
        .unwrap()
        .split(',')
        .any(|a| a == "sha1"));
    assert_eq!(
        h["tus-max-size"].to_str().unwrap(),
        s.state.config.max_upload_bytes.to_string()
    );

    let file = png(1200, 800);
    let half = file.len() / 2;
    let res = create(&ed, "pa", "card.png", file.len()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    assert!(res.headers().contains_key("upload-expires"));
    let url = res.headers()["location"].to_str().unwrap().to_string();
    assert!(url.starts_with("/api/v1/tus/"), "{url}");
    assert_eq!(head_offset(&ed, &url).await, 0);

    // The first half's connection breaks off: what arrived is kept, and HEAD says how much.
    let stream = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(file[..half].to_vec()),
        Err(std::io::Error::other("connection lost")),
    ]);
    let broken = tus(&ed, Method::PATCH, &url)
        .header("upload-offset", "0")
        .header("content-type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    if let Ok(res) = broken {
        assert_ne!(
            res.status(),
            204,
            "a broken chunk must not be taken as whole"
        );
    }
    // The server may still be finishing the broken request: ask until the offset settles.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let at = loop {
        let at = head_offset(&ed, &url).await as usize;
        if at == half || std::time::Instant::now() > deadline {
            break at;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // What arrived before the break is kept (usually all of the first half); the client resumes from there.
    assert!(at <= half, "offset {at} past what was sent");
    assert_eq!(s.media_count().await, 0, "nothing is media before the end");

    // A wrong offset is refused with the current one.
    let res = patch(&ed, &url, at + 1, &file[at + 1..at + 11])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["upload-offset"], at.to_string().as_str());
    assert_problem(res, StatusCode::CONFLICT, "upload-offset-mismatch").await;

    // A corrupt chunk (one bit flipped after its checksum was computed) is refused; the offset stays.
    let rest = &file[at..];
    let quarter = rest.len() / 2;
    let mut corrupt = rest[..quarter].to_vec();
    corrupt[7] ^= 0x10;
    let res = patch(&ed, &url, at, &corrupt)
        .header(
            "upload-checksum",
            checksum_header(Algorithm::Sha1, &rest[..quarter]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 460);
    assert_eq!(res.headers()["tus-resumable"], "1.0.0");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "checksum-mismatch");
    assert_eq!(p["title"], "Checksum Mismatch");
    assert_eq!(head_offset(&ed, &url).await as usize, at);
    // An algorithm tus does not name here is refused before any byte is kept.
    let res = patch(&ed, &url, at, &rest[..quarter])
        .header("upload-checksum", "md5 1B2M2Y8AsgTpgAmY7PhCfg==")
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::BAD_REQUEST,
        "tus-checksum-algorithm-unsupported",
    )
    .await;

    // The rest, in two checked chunks (sha1, then sha256): 204 with the new offset, then the media item.
    let res = patch(&ed, &url, at, &rest[..quarter])
        .header(
            "upload-checksum",
            checksum_header(Algorithm::Sha1, &rest[..quarter]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers()["upload-offset"],
        (at + quarter).to_string().as_str()
    );
    assert!(!res.headers().contains_key("twincast-media-id"));
    let res = patch(&ed, &url, at + quarter, &rest[quarter..])
        .header(
            "upload-checksum",
            checksum_header(Algorithm::Sha256, &rest[quarter..]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        res.headers()["upload-offset"],
        file.len().to_string().as_str()
    );
    let media_id = res.headers()["twincast-media-id"]
        .to_str()
        .unwrap()
        .to_string();
    let m: Value = ed
        .get(&format!("/api/v1/media/{media_id}"))
        .await
        .json()
        .await
        .unwrap();
    let sha = hex::encode(Sha256::digest(&file));
    assert_eq!(m["sha256"], sha.as_str());
    assert_eq!(m["original_name"], "card.png");
    // A partner-editor's upload waits for review, as a multipart one does.
    assert_eq!(m["moderation"]["state"], "pending", "{m}");
    let bytes = ed
        .get(m["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(hex::encode(Sha256::digest(&bytes)), sha);
    // The upload is over: it answers 404, and its spool file is gone.
    assert_eq!(
        tus(&ed, Method::HEAD, &url).send().await.unwrap().status(),
        404
    );
    assert_eq!(upload_spools(&s), 0, "the spool file is gone");
}

#[tokio::test]
async fn protocol_errors_termination_and_expiry() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    s.partner("pa").await;
    s.partner("pb").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let file = png(200, 100);

    // Without Tus-Resumable: 412 naming the version.
    let res = op
        .req(Method::POST, "/api/v1/tus")
        .header("upload-length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["tus-version"], "1.0.0");
    assert_problem(
        res,
        StatusCode::PRECONDITION_FAILED,
        "tus-version-unsupported",
    )
    .await;
    // Metadata without a partner, a bad length, a deferred length, an editor of another partner.
    let res = tus(&op, Method::POST, "/api/v1/tus")
        .header("upload-length", "10")
        .header("upload-metadata", encode_metadata([("filename", "a.png")]))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "tus-invalid-metadata").await;
    let res = tus(&op, Method::POST, "/api/v1/tus")
        .header("upload-length", "ten")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "tus-invalid-header").await;
    let res = tus(&op, Method::POST, "/api/v1/tus")
        .header("upload-defer-length", "1")
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::BAD_REQUEST,
        "tus-deferred-length-unsupported",
    )
    .await;
    let res = create(&ed, "pb", "a.png", file.len()).await;
    assert_eq!(res.status(), 403);
    let res = create(
        &op,
        "pa",
        "a.png",
        (s.state.config.max_upload_bytes + 1) as usize,
    )
    .await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large").await;

    // Wrong content type; a chunk past the length.
    let url = create(&op, "pa", "a.png", file.len()).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let res = tus(&op, Method::PATCH, &url)
        .header("upload-offset", "0")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "tus-wrong-content-type",
    )
    .await;
    let mut long = file.clone();
    long.push(0);
    let res = patch(&op, &url, 0, &long).send().await.unwrap();
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large").await;
    assert_eq!(head_offset(&op, &url).await, 0);

    // Terminated: 204, then 404 for HEAD and PATCH.
    let res = tus(&op, Method::DELETE, &url).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        tus(&op, Method::HEAD, &url).send().await.unwrap().status(),
        404
    );
    let res = patch(&op, &url, 0, &file).send().await.unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "upload-not-found").await;

    // Expired (24 h after its last chunk): 410, then 404.
    let url = create(&op, "pa", "b.png", file.len()).await.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        patch(&op, &url, 0, &file[..10])
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    clock.advance(25 * 3600 * 1000);
    let op = s.login("op", "password123").await;
    assert_eq!(
        tus(&op, Method::HEAD, &url).send().await.unwrap().status(),
        410
    );
    let res = patch(&op, &url, 10, &file[10..]).send().await.unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "upload-not-found").await;
    assert_eq!(upload_spools(&s), 0, "the expired spool file is gone");
    assert_eq!(s.media_count().await, 0);
}
