use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use twincast_store::Role;

async fn assert_nothing_left(s: &TestServer, rows: usize, objects: usize) {
    assert!(
        s.spool_files().is_empty(),
        "spool not empty: {:?}",
        s.spool_files()
    );
    assert_eq!(s.media_count().await, rows, "media rows");
    assert_eq!(s.object_count().await, objects, "stored objects");
}

#[tokio::test]
async fn upload_probe_dedup_and_delivery() {
    let s = TestServer::start().await;
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    let bytes = png(320, 180);
    let sha = hex::encode(Sha256::digest(&bytes));
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "card.png", bytes.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["sha256"], sha.as_str());
    assert_eq!(m["kind"], "image");
    assert_eq!(m["width"], 320);
    assert_eq!(m["height"], 180);
    assert!(m["duration_ms"].is_null());
    assert_eq!(m["partner"], "akashi");
    let url = m["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("/media/{sha}.png"));
    // Same content again: no second row or object.
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "again.png", bytes.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["id"], m["id"]);
    assert_nothing_left(&s, 1, 1).await;

    // Delivery: full, range, conditional, cache headers.
    let c = reqwest::Client::new();
    let res = c.get(s.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["content-type"], "image/png");
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(etag, format!("\"{sha}\""));
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[..]);
    let res = c
        .get(s.url(&url))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 10-19/{}", bytes.len())
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), &bytes[10..20]);
    let res = c
        .get(s.url(&url))
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        &bytes[bytes.len() - 5..]
    );
    let res = c
        .get(s.url(&url))
        .header("range", format!("bytes={}-", bytes.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let res = c
        .get(s.url(&url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = c
        .get(s.url(&url))
        .header("range", "bytes=0-3")
        .header("if-range", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "If-Range mismatch sends the whole file"
    );
    let res = c.head(s.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-length"], bytes.len().to_string());
    for bad in [
        "/media/nothex.png",
        &format!("/media/{sha}.exe"),
        &format!("/media/{}.png", "0".repeat(64)),
        "/renditions/abc/../../etc/passwd",
    ] {
        assert_eq!(
            c.get(s.url(bad)).send().await.unwrap().status(),
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // Listing with filters and pagination.
    let list: Value = u
        .get("/api/v1/media?partner=akashi&kind=image&limit=10")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next_cursor"].is_null());
    let list: Value = u
        .get("/api/v1/media?kind=video")
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
    assert_problem(
        u.get("/api/v1/media?limit=501").await,
        StatusCode::BAD_REQUEST,
        "invalid-limit",
    )
    .await;
    assert_problem(
        u.get("/api/v1/media?colour=red").await,
        StatusCode::BAD_REQUEST,
        "invalid-query",
    )
    .await;
    let one: Value = u
        .get(&format!("/api/v1/media/{}", m["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert!(one["transcoding"]["available"].is_boolean());

    // Deletion removes row and object.
    let res = u
        .req(
            Method::DELETE,
            &format!("/api/v1/media/{}", m["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_nothing_left(&s, 0, 0).await;
    assert_eq!(
        c.get(s.url(&url)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_uploads_leave_nothing_behind() {
    let s = TestServer::with(|c| c.max_upload_bytes = 64 * 1024).await;
    s.partner("akashi").await;
    s.partner("leverkusen").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let ed = s.user("ed", Role::PartnerEditor, &["akashi"]).await;
    let post = |who: &Session, form: reqwest::multipart::Form| {
        who.req(Method::POST, "/api/v1/media")
            .multipart(form)
            .send()
    };

    // Wrong type under a good name.
    let junk: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    assert_problem(
        post(&op, multipart("akashi", "photo.png", junk.clone()))
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    // A PNG cut short.
    let cut = png(200, 200)[..200].to_vec();
    assert_problem(
        post(&op, multipart("akashi", "cut.png", cut))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "corrupt-media",
    )
    .await;
    // Oversize.
    let big: Vec<u8> = png(64, 64)
        .into_iter()
        .chain((0..100_000u32).map(|i| (i % 253) as u8))
        .collect();
    assert_problem(
        post(&op, multipart("akashi", "big.png", big))
            .await
            .unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload-too-large",
    )
    .await;
    // Path traversal and control characters in the name.
    for name in [
        "../../etc/passwd",
        "a/b.png",
        "evil\t.png",
        "..",
        "x\\y.png",
    ] {
        assert_problem(
            post(&op, multipart("akashi", name, png(10, 10)))
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid-file-name",
        )
        .await;
    }
    // A control character the multipart parser itself refuses.
    assert_problem(
        post(&op, multipart("akashi", "bell\u{7}.png", png(10, 10)))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-multipart",
    )
    .await;
    // Unknown partner, missing fields, unknown field.
    assert_problem(
        post(&op, multipart("atlantis", "a.png", png(10, 10)))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "unknown-partner",
    )
    .await;
    let only_file = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png(10, 10)).file_name("a.png"),
    );
    assert_problem(
        post(&op, only_file).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "missing-field",
    )
    .await;
    let extra = multipart("akashi", "a.png", png(10, 10)).text("colour", "red");
    assert_problem(
        post(&op, extra).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "unknown-field",
    )
    .await;
    // Another partner's content: the editor of akashi cannot upload for leverkusen, in either field order.
    assert_problem(
        post(&ed, multipart("leverkusen", "a.png", png(10, 10)))
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let file_first = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(png(12, 12)).file_name("a.png"),
        )
        .text("partner", "leverkusen");
    assert_problem(
        post(&ed, file_first).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Not multipart at all.
    assert_problem(
        op.req(Method::POST, "/api/v1/media")
            .body("hello")
            .header("content-type", "text/plain")
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "expected-multipart",
    )
    .await;
    // A truncated multipart body (the closing boundary never comes).
    let boundary = "XyZ";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"partner\"\r\n\r\nakashi\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.png\"\r\nContent-Type: image/png\r\n\r\n").into_bytes();
    body.extend_from_slice(&png(50, 50));
    let res = op
        .req(Method::POST, "/api/v1/media")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "upload-truncated").await;
    assert_nothing_left(&s, 0, 0).await;

    // The editor can upload for its own partner but not delete another's.
    let res = post(&ed, multipart("akashi", "ok.png", png(20, 20)))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(&op, multipart("leverkusen", "lev.png", png(21, 21)))
        .await
        .unwrap();
    let lev: Value = res.json().await.unwrap();
    let res = ed
        .req(
            Method::DELETE,
            &format!("/api/v1/media/{}", lev["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_nothing_left(&s, 2, 2).await;
}

#[tokio::test]
async fn svg_sanitized_or_refused() {
    let s = TestServer::start().await;
    s.partner("akashi").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let post = |form: reqwest::multipart::Form| {
        op.req(Method::POST, "/api/v1/media").multipart(form).send()
    };
    let evil = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec();
    let res = post(multipart("akashi", "logo.svg", evil)).await.unwrap();
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "unsafe-svg").await;
    let good = br#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/></svg>"#.to_vec();
    let res = post(multipart("akashi", "logo.svg", good)).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["kind"], "image");
    assert_eq!(m["width"], 40);
}

/// The same upload, delivery and deletion path on a real S3-compatible server (`TWINCAST_TEST_S3_URL`).
#[tokio::test]
async fn media_on_s3_storage() {
    let Ok(url) = std::env::var("TWINCAST_TEST_S3_URL") else {
        assert_ne!(
            std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
            Ok("1"),
            "TWINCAST_TEST_S3_URL is required when TWINCAST_TEST_REQUIRE_SERVICES=1"
        );
        eprintln!("DID NOT RUN: media_on_s3_storage (TWINCAST_TEST_S3_URL unset)");
        return;
    };
    let s = TestServer::with(|c| c.storage_url = url.clone()).await;
    s.state.storage.create_bucket_if_missing().await.unwrap();
    assert!(
        s.state.storage.describe().starts_with("s3"),
        "{}",
        s.state.storage.describe()
    );
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    // Unique content so earlier runs against the same bucket do not interfere.
    let mut bytes = png(64, 64);
    let marker = twincast_store::new_id();
    bytes.truncate(bytes.len() - 12);
    let chunk_data = marker.as_bytes();
    bytes.extend_from_slice(&(chunk_data.len() as u32).to_be_bytes());
    bytes.extend_from_slice(b"tEXt");
    bytes.extend_from_slice(chunk_data);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]);
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "s3.png", bytes.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    let url = m["url"].as_str().unwrap();
    let c = reqwest::Client::new();
    let got = c
        .get(s.url(url))
        .header("range", "bytes=8-15")
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &bytes[8..16]);
    let got = c
        .get(s.url(url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.as_ref(), &bytes[..]);
    let ready: Value = c
        .get(s.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["storage"], "ok");
    let key = format!(
        "media/{}/{}/{}.png",
        &m["sha256"].as_str().unwrap()[..2],
        &m["sha256"].as_str().unwrap()[2..4],
        m["sha256"].as_str().unwrap()
    );
    assert!(
        s.state.storage.size(&key).await.unwrap().is_some(),
        "object stored under {key}"
    );
    let res = u
        .req(
            Method::DELETE,
            &format!("/api/v1/media/{}", m["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        s.state.storage.size(&key).await.unwrap().is_none(),
        "object deleted from S3"
    );
    assert!(s.spool_files().is_empty());
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// With ffmpeg: a video gets a thumbnail, a normalised MP4 and HLS in at least two renditions, through the
/// persisted job queue; the status is visible in the API.
#[tokio::test]
async fn video_transcoding_jobs() {
    let s = TestServer::start().await;
    if !s.state.transcoding {
        assert_ne!(
            std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
            Ok("1"),
            "ffmpeg is required"
        );
        eprintln!("DID NOT RUN: video_transcoding_jobs (no ffmpeg)");
        return;
    }
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "clip.mp4", fixture("h264.mp4")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["kind"], "video");
    assert!(m["duration_ms"].as_u64().unwrap() > 0);
    let id = m["id"].as_str().unwrap().to_string();
    let mut detail = Value::Null;
    // Polls until the job ends; the bound (10 min) only keeps a stuck job from hanging the suite.
    for _ in 0..2400 {
        detail = u
            .get(&format!("/api/v1/media/{id}"))
            .await
            .json()
            .await
            .unwrap();
        // Two jobs: the screen's (thumbnail, poster, screen rendition), then the portal's (HLS ladder).
        let jobs = detail["jobs"].as_array().unwrap();
        let ended = |j: &Value| j["status"] == "done" || j["status"] == "failed";
        if jobs.len() >= 2 && jobs.iter().all(ended) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let jobs = detail["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 2, "{detail}");
    assert!(jobs.iter().all(|j| j["status"] == "done"), "{detail}");
    let renditions = detail["renditions"].as_array().unwrap();
    let find = |suffix: &str| {
        renditions
            .iter()
            .find(|r| r["url"].as_str().unwrap().ends_with(suffix))
            .map(|r| r["url"].as_str().unwrap().to_string())
    };
    let c = reqwest::Client::new();
    for path in [find("thumb.jpg").unwrap(), find("normalized.mp4").unwrap()] {
        let r = c.get(s.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let master = find("master.m3u8").expect("HLS master playlist");
    let text = c
        .get(s.url(&master))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("#EXTM3U"));
    assert!(
        text.matches("#EXT-X-STREAM-INF").count() >= 2,
        "at least two renditions: {text}"
    );
    // Every file the master names is served.
    let base = master.rsplit_once('/').unwrap().0.to_string();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let r = c
            .get(s.url(&format!("{base}/{line}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{line}");
        assert_eq!(r.headers()["content-type"], "application/vnd.apple.mpegurl");
    }
}

/// Without transcoding, web-playable files still work and the API says transcoding is unavailable.
#[tokio::test]
async fn without_transcoding_files_play_as_uploaded() {
    let s = TestServer::with(|c| c.transcode = false).await;
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    let sys: Value = reqwest::get(s.url("/api/v1/system"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sys["transcoding"]["available"], false);
    assert!(sys["transcoding"]["reason"]
        .as_str()
        .unwrap()
        .contains("turned off"));
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "clip.webm", fixture("vp9.webm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert!(m["width"].as_u64().unwrap() > 0);
    let detail: Value = u
        .get(&format!("/api/v1/media/{}", m["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        detail["jobs"].as_array().unwrap().is_empty(),
        "no job is queued without ffmpeg"
    );
    let r = reqwest::get(s.url(m["url"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "video/webm");
}

/// An upload far above axum's default 2 MB body limit streams through (the configured limit applies).
#[tokio::test]
async fn large_upload_streams() {
    let s = TestServer::start().await;
    s.partner("akashi").await;
    let u = s.user("op", Role::Operator, &[]).await;
    // A 12 MB valid PNG: a tiny image followed by a large ancillary chunk.
    let small = png(16, 16);
    let (head, _iend) = small.split_at(small.len() - 12);
    let mut bytes = head.to_vec();
    let payload = vec![7u8; 12 * 1024 * 1024];
    bytes.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    bytes.extend_from_slice(b"zzTx");
    bytes.extend_from_slice(&payload);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    bytes.extend_from_slice(&small[small.len() - 12..]);
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "big.png", bytes.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["size"], bytes.len());
    let got = reqwest::get(s.url(m["url"].as_str().unwrap()))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.len(), bytes.len());
}
