//! Renders card videos with the real ffmpeg and checks them with ffprobe and a full decode.
//!
//! Needs `ffmpeg` and `ffprobe` on PATH (Debian: `apt-get install -y --no-install-recommends ffmpeg`). Without them
//! the test prints why and passes, unless `TWINCAST_REQUIRE_FFMPEG=1`, in which case it fails.

use std::path::Path;
use std::process::Command;

use twincast_demo::{
    partner_by_slug, partner_video_args, partner_video_frames, VIDEO_HEIGHT, VIDEO_SECONDS,
    VIDEO_WIDTH,
};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn ffmpeg_available() -> bool {
    let ok = have("ffmpeg") && have("ffprobe");
    if !ok {
        assert!(
            std::env::var("TWINCAST_REQUIRE_FFMPEG").as_deref() != Ok("1"),
            "TWINCAST_REQUIRE_FFMPEG=1 but ffmpeg/ffprobe are not on PATH"
        );
        eprintln!("ffmpeg/ffprobe not on PATH: card video rendering not exercised");
    }
    ok
}

fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,pix_fmt,channels",
        ])
        .args([
            "-show_entries",
            "format=duration,format_name",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("ffprobe JSON")
}

#[test]
fn card_videos_are_playable_h264_mp4() {
    if !ffmpeg_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Asia, Europe, across the Pacific; awkward file and folder names for the last.
    for (slug, name, frames) in [
        ("akashi", "akashi.mp4", "frames"),
        ("leverkusen", "leverkusen.mp4", "frames"),
        ("chattanooga", "-chattanooga: 1.mp4", "-f: 2"),
    ] {
        let p = partner_by_slug(slug).unwrap();
        let out = dir.path().join(name);
        let frames = dir.path().join(frames);
        std::fs::create_dir_all(&frames).unwrap();
        for f in partner_video_frames(p, None).unwrap() {
            std::fs::write(frames.join(&f.name), &f.png).unwrap();
        }
        let args = partner_video_args(p, &frames, &out).unwrap();
        let run = Command::new("ffmpeg")
            .args(&args)
            .output()
            .expect("run ffmpeg");
        assert!(
            run.status.success(),
            "{slug}: ffmpeg failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(
            out.metadata().unwrap().len() > 10_000,
            "{slug}: file too small"
        );

        let v = probe(&out);
        let streams = v["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 2, "{slug}: a picture and a sound bed: {v}");
        let a = streams
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .unwrap_or_else(|| panic!("{slug}: no sound in {v}"));
        assert_eq!(a["codec_name"], "aac");
        assert_eq!(a["channels"], 2);
        let s = streams
            .iter()
            .find(|s| s["codec_type"] == "video")
            .unwrap_or_else(|| panic!("{slug}: no picture in {v}"));
        assert_eq!(s["codec_type"], "video");
        assert_eq!(s["codec_name"], "h264");
        assert_eq!(s["width"], VIDEO_WIDTH);
        assert_eq!(s["height"], VIDEO_HEIGHT);
        assert_eq!(s["pix_fmt"], "yuv420p");
        assert!(v["format"]["format_name"].as_str().unwrap().contains("mp4"));
        let secs: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((8.0..=10.0).contains(&secs), "{slug}: {secs} s");
        assert!(
            (secs - f64::from(VIDEO_SECONDS)).abs() < 0.2,
            "{slug}: {secs} s"
        );

        // Playable: a full decode reports no error.
        let decode = Command::new("ffmpeg")
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(format!("file:{}", out.display()))
            .args(["-f", "null", "-"])
            .output()
            .expect("run ffmpeg decode");
        assert!(
            decode.status.success() && decode.stderr.is_empty(),
            "{slug}: {}",
            String::from_utf8_lossy(&decode.stderr)
        );
    }
}
