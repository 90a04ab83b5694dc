//! Every upload plays everywhere (docs/media.md): a screen's player reports what it decodes with its heartbeat,
//! and its manifest names per item the original when it plays there, else the H.264/AAC rendition; an item with
//! neither (still transcoding) is not planned there and `explain` says why. Test files are made here by ffmpeg.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use twincast_store::Role;

/// Runs ffmpeg with `args` (after `-y -v error`) and returns the bytes it wrote to `out` under `dir`.
pub fn ffmpeg_make(dir: &Path, out: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.join(out);
    let st = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error"])
        .args(args)
        .arg(&path)
        .status()
        .expect("ffmpeg runs");
    assert!(st.success(), "ffmpeg made {out}");
    std::fs::read(&path).unwrap()
}

/// A 1 s 320×180 HEVC MP4 with sound (what a phone exports; Chromium here decodes no HEVC).
pub fn hevc_mp4(dir: &Path) -> Vec<u8> {
    ffmpeg_make(
        dir,
        "phone.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=25:duration=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:v",
            "libx265",
            "-preset",
            "ultrafast",
            "-x265-params",
            "log-level=error",
            "-tag:v",
            "hvc1",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ],
    )
}

fn ffmpeg_present(s: &TestServer, test: &str) -> bool {
    if s.state.transcoding {
        return true;
    }
    assert_ne!(
        std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
        Ok("1"),
        "ffmpeg is required"
    );
    eprintln!("DID NOT RUN: {test} (no ffmpeg)");
    false
}

/// A screen reading Russian, paired; a campaign of partner `akashi` with one video item of `media`.
async fn screen_with_video(s: &TestServer, admin: &Session, media: &str) -> (String, String) {
    let screen = screens(s, admin, 1).await.remove(0);
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/screens/{screen}"))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"language": "ru"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "Akashi promo", "partner": "akashi",
                "items": [{"kind": "video", "media_id": media, "duration_ms": 5000}]}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let token = pair(s, admin, &screen).await;
    (screen, token)
}

async fn upload(s: &TestServer, who: &Session, name: &str, bytes: Vec<u8>) -> Value {
    let res = who
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", name, bytes))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{name}: {body}");
    let _ = s;
    body
}

/// Sends a heartbeat reporting `decodes`; returns the manifest ETag of the answer.
async fn report(s: &TestServer, token: &str, decodes: &[&str]) -> String {
    let res = post(s, "/api/v1/player/heartbeat", token)
        .json(&json!({"player_version": "test", "decodes": decodes}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["manifest_etag"].as_str().unwrap().to_string()
}

async fn manifest(s: &TestServer, token: &str) -> (String, Value) {
    let res = get(s, "/api/v1/player/manifest", token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    (etag, res.json().await.unwrap())
}

/// Without a rendition, an HEVC item is not planned on a screen that decodes no HEVC (explain names it), and
/// is planned, as the original, once the screen reports HEVC; its partner is named in the screen's language.
#[tokio::test]
async fn an_item_nothing_plays_yet_is_left_out_and_explained() {
    let probe = TestServer::start().await;
    if !ffmpeg_present(
        &probe,
        "an_item_nothing_plays_yet_is_left_out_and_explained",
    ) {
        return;
    }
    drop(probe);
    // No media jobs here: the rendition never comes, as while a job is still running.
    let s = TestServer::with(|c| c.transcode = false).await;
    let dir = tempfile::tempdir().unwrap();
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let m = upload(&s, &admin, "phone.mp4", hevc_mp4(dir.path())).await;
    assert_eq!(m["codec"], "h265", "{m}");
    let media = m["id"].as_str().unwrap().to_string();
    let (screen, token) = screen_with_video(&s, &admin, &media).await;

    let etag = report(&s, &token, &["h264", "vp8", "vp9"]).await;
    let (got, body) = manifest(&s, &token).await;
    assert_eq!(
        got, etag,
        "the heartbeat's answer names the manifest this screen gets"
    );
    assert!(body["items"].as_array().unwrap().is_empty(), "{body}");
    assert!(body["media"].as_array().unwrap().is_empty(), "{body}");
    let e: Value = admin
        .get(&format!("/api/v1/screens/{screen}/explain"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(e["unplayable"][0]["media"], media.as_str(), "{e}");
    assert_eq!(e["unplayable"][0]["codec"], "h265");
    assert_eq!(e["unplayable"][0]["awaiting_rendition"], true);
    let np = &e["not_playing"][0];
    assert_eq!(np["reason"], "no_content", "{e}");
    assert!(np["detail"].as_str().unwrap().contains("h265"), "{np}");

    // A player that decodes HEVC gets the original.
    let etag2 = report(&s, &token, &["h264", "h265"]).await;
    assert_ne!(etag2, etag);
    let (_, body) = manifest(&s, &token).await;
    assert_eq!(body["media"][0]["url"], m["url"], "{body}");
    assert_eq!(body["items"][0]["partner"], "akashi");
    assert_eq!(
        body["items"][0]["partner_name"], "Город",
        "the name in the screen's language"
    );
    let e: Value = admin
        .get(&format!("/api/v1/screens/{screen}/explain"))
        .await
        .json()
        .await
        .unwrap();
    assert!(e.get("unplayable").is_none(), "{e}");
    // A report that is not a list of codec names is refused.
    let res = post(&s, "/api/v1/player/heartbeat", &token)
        .json(&json!({"decodes": ["h264\" onload"]}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-decodes").await;
}

/// With ffmpeg: an HEVC upload is transcoded, and a screen that decodes no HEVC gets the H.264 rendition, whose
/// bytes match the hash the manifest names.
#[tokio::test]
async fn a_screen_gets_the_rendition_it_can_play() {
    let s = TestServer::start().await;
    if !ffmpeg_present(&s, "a_screen_gets_the_rendition_it_can_play") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let m = upload(&s, &admin, "phone.mp4", hevc_mp4(dir.path())).await;
    let media = m["id"].as_str().unwrap().to_string();
    let (_, token) = screen_with_video(&s, &admin, &media).await;
    report(&s, &token, &["h264", "vp8", "vp9"]).await;
    // Polls until the job is done; the bound only keeps a stuck job from hanging the suite.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let body = loop {
        let (_, body) = manifest(&s, &token).await;
        if !body["media"].as_array().unwrap().is_empty() {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "no rendition in time");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let f = &body["media"][0];
    let url = f["url"].as_str().unwrap();
    assert!(url.ends_with("/normalized.mp4"), "{f}");
    assert_eq!(f["mime"], "video/mp4");
    let bytes = reqwest::get(s.url(url))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as i64, f["size"].as_i64().unwrap());
    use sha2::Digest;
    assert_eq!(f["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!(body["items"][0]["partner_name"], "Город");
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
}
