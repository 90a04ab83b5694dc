//! Listening without the picture: a film with sound gets its sound alone as a rendition (AAC `.m4a`), and its city
//! page offers it; a film without sound offers nothing to listen to.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

/// A 2-second H.264 + AAC film made with ffmpeg (a test pattern and a tone).
fn film_with_sound(dir: &std::path::Path) -> Vec<u8> {
    let out = dir.join("with-sound.mp4");
    let run = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=25:duration=2")
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-c:a", "aac", "-shortest"])
        .arg(&out)
        .output()
        .expect("ffmpeg runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(out).unwrap()
}

/// Uploads `bytes` as `name` and waits for its transcoding job; the media's detail.
async fn transcoded(u: &Session, name: &str, bytes: Vec<u8>) -> Value {
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", name, bytes))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The bound (5 min) only keeps a stuck job from hanging the suite.
    for _ in 0..1200 {
        let detail: Value = u
            .get(&format!("/api/v1/media/{id}"))
            .await
            .json()
            .await
            .unwrap();
        // A video has two jobs: the screen's, then the portal's (which makes the sound alone).
        let jobs = detail["jobs"].as_array().cloned().unwrap_or_default();
        if jobs.iter().any(|j| j["status"] == "failed") {
            panic!("transcoding failed: {detail}");
        }
        let portal_done = jobs
            .iter()
            .any(|j| j["kind"] == "portal" && j["status"] == "done");
        if portal_done && jobs.iter().all(|j| j["status"] == "done") {
            return detail;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("transcoding did not end");
}

fn rendition(detail: &Value, suffix: &str) -> Option<String> {
    detail["renditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["url"].as_str().unwrap().to_string())
        .find(|u| u.ends_with(suffix))
}

#[tokio::test]
async fn a_film_with_sound_can_be_listened_to_alone() {
    let s = TestServer::start().await;
    // The test command installs ffmpeg: without it this test cannot reach its feature and fails.
    assert!(s.state.transcoding, "ffmpeg is required");
    let dir = tempfile::tempdir().unwrap();
    let admin = s.user("admin", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"},
                   "country": "JP", "continent": "asia", "description": "A port city."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let silent = transcoded(
        &admin,
        "silent.mp4",
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../media/tests/fixtures/h264.mp4"
        ))
        .unwrap(),
    )
    .await;
    assert_eq!(
        rendition(&silent, "audio.m4a"),
        None,
        "no sound, nothing to listen to"
    );
    let page = |v: String| {
        let url = s.url(&format!("/en/cities/akashi?v={v}"));
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let silent_page = page(silent["id"].as_str().unwrap().to_string()).await;
    assert!(!silent_page.contains("class=\"listen\""), "{silent_page}");

    let loud = transcoded(&admin, "with-sound.mp4", film_with_sound(dir.path())).await;
    let audio = rendition(&loud, "audio.m4a").expect("the sound alone");
    let r = reqwest::get(s.url(&audio)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "audio/mp4");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.windows(4).any(|w| w == b"mp4a"), "AAC in MP4");
    let mp4 = rendition(&loud, "normalized.mp4").unwrap();
    let mp4_len = reqwest::get(s.url(&mp4))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    assert!(
        bytes.len() < mp4_len,
        "the sound alone ({}) is smaller than the film ({mp4_len})",
        bytes.len()
    );

    let city = page(loud["id"].as_str().unwrap().to_string()).await;
    assert!(
        city.contains(&format!("<a class=\"listen\" href=\"{audio}\"")),
        "the page offers the sound: {city}"
    );
    assert!(city.contains(&format!("<audio controls preload=\"none\" src=\"{audio}\"")));
    let ru = reqwest::get(s.url(&format!(
        "/ru/cities/akashi?v={}",
        loud["id"].as_str().unwrap()
    )))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(ru.contains("Только звук"), "in the page's language");
}
