//! Captions burnt in (docs/media.md, "Captions"): a video's caption track becomes a screen rendition with the
//! cues drawn on the picture; a screen reading that language is given it (its hash checks out, its frames show
//! the text), a screen of another language the original; removing the track takes the screens back to the
//! original and removes the file.

use crate::common::*;
use crate::video::{ffmpeg_make, ffmpeg_present, manifest, report, screen_with_video, upload};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use twincast_store::Role;

/// How many pixels of the frame at 1 s of `file` are light (the letters) and how many near black (the box under
/// them); the test video is plain blue, which is neither.
fn light_and_dark_pixels(file: &Path) -> (usize, usize) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-ss", "1", "-i"])
        .arg(file)
        .args(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success() && !out.stdout.is_empty());
    let count = |f: fn(u8) -> bool| out.stdout.iter().filter(|&&v| f(v)).count();
    (count(|v| v > 150), count(|v| v < 20))
}

/// The screen's manifest, once its only file's URL satisfies `want` (the bound only keeps a stuck job from
/// hanging the suite).
async fn manifest_when(s: &TestServer, token: &str, want: impl Fn(&str) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, body) = manifest(s, token).await;
        let url = body["media"][0]["url"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if want(&url) {
            return body;
        }
        assert!(Instant::now() < deadline, "manifest never matched: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn captions_are_burnt_into_the_file_of_screens_of_their_language() {
    let s = TestServer::start().await;
    if !ffmpeg_present(
        &s,
        "captions_are_burnt_into_the_file_of_screens_of_their_language",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let video = ffmpeg_make(
        dir.path(),
        "blue.mp4",
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:size=320x180:rate=25:duration=2",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
        ],
    );
    let m = upload(&s, &admin, "blue.mp4", video).await;
    let media = m["id"].as_str().unwrap().to_string();
    let put_ru = || {
        admin
            .req(Method::PUT, &format!("/api/v1/media/{media}/captions/ru"))
            .body("WEBVTT\n\n00:00:00.200 --> 00:00:01.800\nДобро пожаловать в Акаси\n")
            .send()
    };
    // The track is attached at once, likely before the screen rendition exists: it is burnt in when it does.
    let res = put_ru().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let set: Value = res.json().await.unwrap();
    assert_eq!(set["burnt_in"], false, "{set}");
    let (screen, token) = screen_with_video(&s, &admin, &media).await; // reads Russian
    report(&s, &token, &["h264", "vp8", "vp9"]).await;

    let body = manifest_when(&s, &token, |u| u.contains("/screen.ru.")).await;
    let f = &body["media"][0];
    let url = f["url"].as_str().unwrap();
    assert!(
        url.ends_with(".mp4")
            && url.starts_with(&format!("/renditions/{}/", m["sha256"].as_str().unwrap())),
        "{f}"
    );
    assert_eq!(f["mime"], "video/mp4");
    let bytes = reqwest::get(s.url(url))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use sha2::Digest;
    assert_eq!(
        f["sha256"],
        hex::encode(sha2::Sha256::digest(&bytes)),
        "the manifest's hash is the file's"
    );
    let burnt = dir.path().join("burnt.mp4");
    std::fs::write(&burnt, &bytes).unwrap();
    let plain = light_and_dark_pixels(&dir.path().join("blue.mp4"));
    assert_eq!(plain, (0, 0), "the source is plain blue");
    let (light, dark) = light_and_dark_pixels(&burnt);
    assert!(
        light > 100 && dark > 1000,
        "the caption's letters and box are on the picture: {light} light and {dark} dark pixels"
    );
    let tracks: Value = admin
        .get(&format!("/api/v1/media/{media}/captions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tracks[0]["burnt_in"], true, "{tracks}");
    let jobs: Value = admin
        .get(&format!("/api/v1/media/{media}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["kind"] == "captions" && j["status"] == "done"),
        "{jobs}"
    );

    // The same file sent again replaces nothing on screens: its burnt-in file is the same.
    let res = put_ru().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let again: Value = res.json().await.unwrap();
    assert_eq!(
        (&again["burnt_in"], &again["replaced"]),
        (&json!(true), &json!(true)),
        "{again}"
    );

    // A screen reading English (no English track) plays the original.
    let patch = |lang: &'static str| {
        admin
            .req(Method::PATCH, &format!("/api/v1/screens/{screen}"))
            .header("content-type", "application/merge-patch+json")
            .body(json!({ "language": lang }).to_string())
    };
    assert_eq!(patch("en").send().await.unwrap().status(), StatusCode::OK);
    manifest_when(&s, &token, |u| u == m["url"].as_str().unwrap()).await;
    assert_eq!(patch("ru").send().await.unwrap().status(), StatusCode::OK);
    manifest_when(&s, &token, |u| u == url).await;

    // Removing the track: the original again, and the burnt file is gone.
    let res = admin
        .req(
            Method::DELETE,
            &format!("/api/v1/media/{media}/captions/ru"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    manifest_when(&s, &token, |u| u == m["url"].as_str().unwrap()).await;
    let gone = reqwest::get(s.url(url)).await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}
