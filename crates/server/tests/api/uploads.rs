//! Resumable uploads: a file sent in chunks equals the original, a broken chunk resumes from the offset the server
//! answers, wrong offsets are refused with the current one, limits and roles hold, sessions expire.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use twincast_store::Role;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A PNG big enough to need several of the small chunks these tests send.
fn big_png() -> Vec<u8> {
    let p = png(1200, 800);
    assert!(p.len() > 6_000, "fixture too small: {}", p.len());
    p
}

async fn start(s: &Session, partner: &str, name: &str, size: usize) -> reqwest::Response {
    s.post_json(
        "/api/v1/uploads",
        json!({"partner": partner, "file_name": name, "size": size, "mime": "image/png"}),
    )
    .await
}

async fn offset(s: &Session, url: &str) -> u64 {
    let res = s.req(Method::HEAD, url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.headers()["upload-offset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn put_chunk(s: &Session, url: &str, at: usize, bytes: &[u8]) -> reqwest::Response {
    s.req(Method::PATCH, url)
        .header("upload-offset", at.to_string())
        .header("content-type", "application/offset+octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// Sends `file` from the server's offset to the end in chunks of `chunk` bytes.
async fn send_rest(s: &Session, url: &str, file: &[u8], chunk: usize) {
    let mut at = offset(s, url).await as usize;
    while at < file.len() {
        let end = (at + chunk).min(file.len());
        let res = put_chunk(s, url, at, &file[at..end]).await;
        assert_eq!(res.status(), 200);
        let got: u64 = res.headers()["upload-offset"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(got as usize, end);
        at = end;
    }
}

#[tokio::test]
async fn chunked_upload_equals_the_original_and_commits_like_a_one_piece_upload() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let file = big_png();
    let res = start(&op, "pa", "card.png", file.len()).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["offset"], 0);
    assert_eq!(u["size"], file.len());
    assert!(u["chunk_size"].as_u64().unwrap() >= 1024 * 1024);
    assert_eq!(location, u["url"].as_str().unwrap());
    // Nothing is visible as media while chunks arrive, and complete is refused before the end.
    send_rest(&op, &location, &file[..3_000], 700).await;
    assert_eq!(s.media_count().await, 0);
    let res = op
        .req(Method::POST, &format!("{location}/complete"))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT, "upload-incomplete").await;
    send_rest(&op, &location, &file, 900).await;
    let res = op
        .post_json(
            &format!("{location}/complete"),
            json!({"sha256": sha(&file)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["sha256"], sha(&file));
    assert_eq!(m["original_name"], "card.png");
    assert_eq!(m["partner"], "pa");
    assert_eq!(m["moderation"]["state"], "approved", "{m}");
    let served = reqwest::get(s.url(m["url"].as_str().unwrap()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&served), sha(&file));
    assert_eq!(s.media_count().await, 1);
    // The session is gone with its spool file.
    let res = op.get(&location).await;
    assert_problem(res, StatusCode::NOT_FOUND, "upload-not-found").await;
    let spool = s.state.config.data_dir.join("uploads");
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
}

#[tokio::test]
async fn a_broken_chunk_resumes_from_the_offset_the_server_answers() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let file = big_png();
    let u: Value = start(&ed, "pa", "card.png", file.len())
        .await
        .json()
        .await
        .unwrap();
    let url = u["url"].as_str().unwrap().to_string();
    send_rest(&ed, &url, &file[..2_000], 1_000).await;
    // A chunk whose connection breaks after some bytes.
    let part = file[2_000..4_000].to_vec();
    let stream = futures::stream::iter(vec![
        Ok::<_, std::io::Error>(part),
        Err(std::io::Error::other("connection lost")),
    ]);
    let broken = ed
        .req(Method::PATCH, &url)
        .header("upload-offset", "2000")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await;
    if let Ok(res) = broken {
        assert_ne!(
            res.status(),
            200,
            "a broken chunk must not be taken as whole"
        );
    }
    // Resume like a client: ask for the offset and send from there; a request still finishing on the server may
    // answer busy or a moved offset, after which the client asks again.
    let mut done = false;
    for _ in 0..50 {
        let at = offset(&ed, &url).await as usize;
        assert!((2_000..=4_000).contains(&at), "offset {at}");
        let res = put_chunk(&ed, &url, at, &file[at..]).await;
        match res.status().as_u16() {
            200 => {
                done = true;
                break;
            }
            409 => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
            other => panic!("unexpected {other}: {}", res.text().await.unwrap()),
        }
    }
    assert!(done, "the upload never resumed");
    let res = ed
        .req(Method::POST, &format!("{url}/complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["sha256"], sha(&file));
    // A partner-editor's upload waits for review, as with a one-piece upload.
    assert_eq!(m["moderation"]["state"], "pending", "{m}");
}

#[tokio::test]
async fn wrong_offsets_limits_roles_and_checksums() {
    let s = TestServer::with(|c| c.max_upload_bytes = 64 * 1024).await;
    s.partner("pa").await;
    s.partner("pb").await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let other = s.user("other", Role::PartnerEditor, &["pb"]).await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    let file = png(200, 100);
    // Over the limit: refused before a byte is sent.
    let res = start(&ed, "pa", "big.mp4", 64 * 1024 + 1).await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large").await;
    let res = start(&ed, "pa", "../x.png", 10).await;
    assert_eq!(res.status(), 400);
    let res = start(&ed, "pb", "x.png", 10).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = start(&viewer, "pa", "x.png", 10).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let u: Value = start(&ed, "pa", "x.png", file.len())
        .await
        .json()
        .await
        .unwrap();
    let url = u["url"].as_str().unwrap().to_string();
    // Another partner's editor and a viewer may not read, write, complete or abandon it.
    for who in [&other, &viewer] {
        assert_eq!(who.get(&url).await.status(), 403);
        assert_eq!(put_chunk(who, &url, 0, &file[..10]).await.status(), 403);
        let res = who
            .req(Method::POST, &format!("{url}/complete"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(
            who.req(Method::DELETE, &url).send().await.unwrap().status(),
            403
        );
    }
    // Wrong offset: 409 with the current offset.
    assert_eq!(put_chunk(&ed, &url, 0, &file[..100]).await.status(), 200);
    let res = put_chunk(&ed, &url, 50, &file[50..150]).await;
    assert_eq!(res.headers()["upload-offset"], "100");
    assert_problem(res, StatusCode::CONFLICT, "upload-offset-mismatch").await;
    let res = ed
        .req(Method::PATCH, &url)
        .body(file[100..].to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "missing-upload-offset").await;
    // Past the declared size: 413 and nothing kept.
    let mut long = file[100..].to_vec();
    long.push(0);
    let res = put_chunk(&ed, &url, 100, &long).await;
    assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large").await;
    assert_eq!(offset(&ed, &url).await, 100);
    // Content-Range works as well as Upload-Offset.
    let res = ed
        .req(Method::PATCH, &url)
        .header(
            "content-range",
            format!("bytes 100-{}/{}", file.len() - 1, file.len()),
        )
        .body(file[100..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A wrong checksum: 422, nothing stored, the session is gone.
    let res = ed
        .post_json(
            &format!("{url}/complete"),
            json!({"sha256": "00".repeat(32)}),
        )
        .await;
    assert_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "upload-checksum-mismatch",
    )
    .await;
    assert_eq!(s.media_count().await, 0);
    assert_eq!(ed.get(&url).await.status(), 404);
    // Content that is no media: 415 at completion.
    let junk = b"not a picture at all".to_vec();
    let u: Value = start(&ed, "pa", "x.png", junk.len())
        .await
        .json()
        .await
        .unwrap();
    let url = u["url"].as_str().unwrap().to_string();
    assert_eq!(put_chunk(&ed, &url, 0, &junk).await.status(), 200);
    let res = ed
        .req(Method::POST, &format!("{url}/complete"))
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    // Abandon removes the bytes.
    let u: Value = start(&ed, "pa", "x.png", file.len())
        .await
        .json()
        .await
        .unwrap();
    let url = u["url"].as_str().unwrap().to_string();
    assert_eq!(put_chunk(&ed, &url, 0, &file[..10]).await.status(), 200);
    assert_eq!(
        ed.req(Method::DELETE, &url).send().await.unwrap().status(),
        204
    );
    assert_eq!(ed.get(&url).await.status(), 404);
    let spool = s.state.config.data_dir.join("uploads");
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
    assert_eq!(s.media_count().await, 0);
}

#[tokio::test]
async fn sessions_expire_with_their_bytes() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let file = png(200, 100);
    let u: Value = start(&op, "pa", "x.png", file.len())
        .await
        .json()
        .await
        .unwrap();
    let url = u["url"].as_str().unwrap().to_string();
    assert_eq!(put_chunk(&op, &url, 0, &file[..10]).await.status(), 200);
    let later: Value = start(&op, "pa", "y.png", file.len())
        .await
        .json()
        .await
        .unwrap();
    let later = later["url"].as_str().unwrap().to_string();
    // A chunk keeps a session alive: 23 h after its last chunk it is still there.
    clock.advance(23 * 3600 * 1000);
    // Logins expire too (12 h): log in again.
    let op = s.login("op", "password123").await;
    assert_eq!(put_chunk(&op, &later, 0, &file[..10]).await.status(), 200);
    clock.advance(2 * 3600 * 1000);
    let res = op.get(&url).await;
    assert_problem(res, StatusCode::GONE, "upload-expired").await;
    assert_eq!(op.get(&url).await.status(), 404);
    assert_eq!(offset(&op, &later).await, 10);
    // Starting an upload sweeps the expired ones and their spool files.
    clock.advance(24 * 3600 * 1000);
    let op = s.login("op", "password123").await;
    let res = start(&op, "pa", "z.png", file.len()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(op.get(&later).await.status(), 404);
    let spool = s.state.config.data_dir.join("uploads");
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 1);
}
