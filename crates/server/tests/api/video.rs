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

pub(crate) fn ffmpeg_present(s: &TestServer, test: &str) -> bool {
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
pub(crate) async fn screen_with_video(
    s: &TestServer,
    admin: &Session,
    media: &str,
) -> (String, String) {
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

pub(crate) async fn upload(s: &TestServer, who: &Session, name: &str, bytes: Vec<u8>) -> Value {
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
pub(crate) async fn report(s: &TestServer, token: &str, decodes: &[&str]) -> String {
    let res = post(s, "/api/v1/player/heartbeat", token)
        .json(&json!({"player_version": "test", "decodes": decodes}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["manifest_etag"].as_str().unwrap().to_string()
}

pub(crate) async fn manifest(s: &TestServer, token: &str) -> (String, Value) {
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
    // Without transcoding, what only ffmpeg reads is refused, saying so.
    let mkv = ffmpeg_make(
        dir.path(),
        "cut.mkv",
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=25:duration=1",
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
        ],
    );
    let res = admin
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "cut.mkv", mkv))
        .send()
        .await
        .unwrap();
    let p = assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "needs-ffmpeg").await;
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Matroska"),
        "{p}"
    );
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
    renditions_jobs_cancel_and_retry(&s, &admin, &media).await;
}

/// The media item's jobs: the screen's `transcode` at a person's upload's priority, done at 100 %, then the
/// portal's job at its lower priority; the poster, the storyboard (sprite and WebVTT track) and the HLS ladder.
/// A job is cancelled and retried through the API (and re-runs); a done job is neither.
async fn renditions_jobs_cancel_and_retry(s: &TestServer, admin: &Session, media: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let m = loop {
        let m: Value = admin
            .get(&format!("/api/v1/media/{media}"))
            .await
            .json()
            .await
            .unwrap();
        let jobs = m["jobs"].as_array().unwrap();
        if jobs.len() == 2 && jobs.iter().all(|j| j["status"] == "done") {
            break m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "jobs not done in time: {m}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let jobs = m["jobs"].as_array().unwrap();
    let (t, p) = (&jobs[0], &jobs[1]);
    assert_eq!(
        (&t["kind"], &t["priority"], &t["progress"]),
        (&json!("transcode"), &json!(30), &json!(100)),
        "{t}"
    );
    assert_eq!(
        (&p["kind"], &p["priority"]),
        (&json!("portal"), &json!(25)),
        "{p}"
    );
    let kinds: Vec<&str> = m["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for k in [
        "thumbnail",
        "poster",
        "mp4",
        "hls",
        "storyboard",
        "storyboard-vtt",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let vtt_url = m["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "storyboard-vtt")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let vtt = reqwest::get(s.url(&vtt_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        vtt.starts_with("WEBVTT")
            && vtt.contains("00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90"),
        "{vtt}"
    );
    // done jobs are neither cancelled nor retried
    let id = t["id"].as_str().unwrap();
    let res = admin
        .post_json(&format!("/api/v1/jobs/{id}/cancel"), json!({}))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "job-not-active").await;
    let res = admin
        .post_json(&format!("/api/v1/jobs/{id}/retry"), json!({}))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "job-not-retryable").await;
    // a queued job is cancelled (audited), then retried: it runs again, to done
    let later = twincast_store::now_ms() + 3_600_000;
    let j = s
        .state
        .store
        .enqueue_job_after("portal", Some(media), 2, 10, later)
        .await
        .unwrap();
    let res = admin
        .post_json(&format!("/api/v1/jobs/{}/cancel", j.id), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["status"], "cancelled");
    let res = admin
        .post_json(&format!("/api/v1/jobs/{}/retry", j.id), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let now = s.state.store.job(&j.id).await.unwrap();
        if now.status == twincast_store::JobStatus::Done {
            assert_eq!(now.progress, Some(100));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the retried job did not run: {now:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// With ffmpeg: what editing suites and cameras export — ProRes in QuickTime, VP9 in Matroska, MPEG-2 in an
/// MPEG program stream — is accepted (probed by ffprobe) and transcoded to the H.264 rendition screens play.
#[tokio::test]
async fn professional_exports_are_accepted_and_transcoded() {
    let s = TestServer::start().await;
    if !ffmpeg_present(&s, "professional_exports_are_accepted_and_transcoded") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x180:rate=25:duration=1",
    ];
    let make = |out: &str, codec: &[&str]| {
        let mut args = src.to_vec();
        args.extend_from_slice(codec);
        ffmpeg_make(dir.path(), out, &args)
    };
    let files = [
        (
            "master.mov",
            make("master.mov", &["-c:v", "prores_ks", "-profile:v", "0"]),
            "prores",
            "mp4",
        ),
        (
            "cut.mkv",
            make(
                "cut.mkv",
                &[
                    "-c:v",
                    "libvpx-vp9",
                    "-deadline",
                    "realtime",
                    "-cpu-used",
                    "8",
                ],
            ),
            "vp9",
            "mkv",
        ),
        (
            "archive.mpg",
            make("archive.mpg", &["-c:v", "mpeg2video", "-f", "mpeg"]),
            "mpeg2",
            "mpg",
        ),
    ];
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let mut ids = vec![];
    for (name, bytes, codec, ext) in files {
        let m = upload(&s, &admin, name, bytes).await;
        assert_eq!(m["codec"], codec, "{name}: {m}");
        assert_eq!(m["kind"], "video", "{name}");
        assert_eq!(m["width"], 320, "{name}");
        assert!(
            m["url"].as_str().unwrap().ends_with(&format!(".{ext}")),
            "{m}"
        );
        ids.push(m["id"].as_str().unwrap().to_string());
    }
    // Not media stays refused, with its reason.
    let res = admin
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart(
            "akashi",
            "notes.mkv",
            b"just some text, not a video".to_vec(),
        ))
        .send()
        .await
        .unwrap();
    assert_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    for id in &ids {
        loop {
            let d: Value = admin
                .get(&format!("/api/v1/media/{id}"))
                .await
                .json()
                .await
                .unwrap();
            let status = d["jobs"][0]["status"].as_str().unwrap_or("").to_string();
            if status == "done" {
                let mp4 = d["renditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["url"].as_str().unwrap().ends_with("/normalized.mp4"));
                assert!(mp4, "an H.264 rendition: {d}");
                break;
            }
            assert_ne!(status, "failed", "{d}");
            assert!(
                std::time::Instant::now() < deadline,
                "transcoding in time: {d}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
