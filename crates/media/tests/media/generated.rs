//! Files generated with ffmpeg lavfi at test time: probing them, and the ffmpeg jobs (thumbnail, normalised
//! MP4, HLS).

use std::path::Path;

use twincast_media::{ffmpeg, probe_file, sniff, MediaType, Probe};

use crate::common::{ffmpeg, ffmpeg_or_skip};

fn probe_any(path: &Path) -> (MediaType, Probe) {
    let data = std::fs::read(path).unwrap();
    let t = sniff(&data).unwrap_or_else(|| panic!("{} not recognised", path.display()));
    (t, probe_file(path, t).unwrap())
}

/// A `secs` long 320x240 H.264 + AAC MP4.
fn make_mp4(dir: &Path, secs: &str) -> std::path::PathBuf {
    let out = dir.join(format!("src-{secs}.mp4"));
    let video = format!("testsrc2=size=320x240:rate=25:duration={secs}");
    let audio = format!("sine=frequency=440:duration={secs}");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &video,
        "-f",
        "lavfi",
        "-i",
        &audio,
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-shortest",
        out.to_str().unwrap(),
    ]);
    out
}

#[test]
fn probe_generated_videos() {
    if !ffmpeg_or_skip("probe_generated_videos") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mp4 = make_mp4(dir.path(), "3.5");
    let (t, p) = probe_any(&mp4);
    assert_eq!(t, MediaType::Mp4);
    assert_eq!(
        (p.width, p.height, p.codec.as_deref()),
        (Some(320), Some(240), Some("h264"))
    );
    let d = p.duration_ms.unwrap();
    assert!((3400..=3700).contains(&d), "duration {d}");

    // portrait VP9 WebM, 2 s, no audio
    let webm = dir.path().join("portrait.webm");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=180x320:rate=15:duration=2",
        "-c:v",
        "libvpx-vp9",
        "-b:v",
        "100k",
        webm.to_str().unwrap(),
    ]);
    let (t, p) = probe_any(&webm);
    assert_eq!(t, MediaType::Webm);
    assert_eq!(
        (p.width, p.height, p.codec.as_deref()),
        (Some(180), Some(320), Some("vp9"))
    );
    assert_eq!(p.duration_ms, Some(2000));

    // a streamed VP8 + Opus WebM (no Duration, clusters of unknown size), 2.5 s
    let live = dir.path().join("live.webm");
    let out = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x64:rate=20:duration=2.5",
        ])
        .args([
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2.5",
            "-c:v",
            "libvpx",
            "-c:a",
            "libopus",
            "-f",
            "webm",
            "pipe:1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    std::fs::write(&live, &out.stdout).unwrap();
    let (_, p) = probe_any(&live);
    assert_eq!(
        (p.width, p.height, p.codec.as_deref()),
        (Some(96), Some(64), Some("vp8"))
    );
    // the muxer may shift video by the Opus codec delay (6.5 ms)
    let d = p.duration_ms.unwrap();
    assert!((2450..=2550).contains(&d), "duration {d}");

    // H.265 in MP4 with the hev1 tag, moov at the end (no faststart)
    let hevc = dir.path().join("hevc.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=128x72:rate=10:duration=1.5",
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-tag:v",
        "hev1",
        hevc.to_str().unwrap(),
    ]);
    let (_, p) = probe_any(&hevc);
    assert_eq!(
        (p.width, p.height, p.codec.as_deref(), p.duration_ms),
        (Some(128), Some(72), Some("h265"), Some(1500))
    );

    // a landscape-coded video flagged as rotated a quarter turn is probed as displayed (portrait)
    let rotated = dir.path().join("rotated.mp4");
    ffmpeg(&[
        "-i",
        mp4.to_str().unwrap(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        rotated.to_str().unwrap(),
    ]);
    let (_, p) = probe_any(&rotated);
    assert_eq!((p.width, p.height), (Some(240), Some(320)));

    // a QuickTime-style MP4 with MJPEG video is refused
    let mjpeg = dir.path().join("mjpeg.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=5:duration=1",
        "-c:v",
        "mjpeg",
        mjpeg.to_str().unwrap(),
    ]);
    let data = std::fs::read(&mjpeg).unwrap();
    assert!(matches!(
        probe_file(&mjpeg, sniff(&data).unwrap()),
        Err(twincast_media::MediaError::UnsupportedType)
    ));

    // Matroska (not WebM) is not sniffed as WebM: it is Matroska, read only by ffprobe
    let mkv = dir.path().join("x.mkv");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=5:duration=1",
        "-c:v",
        "libx264",
        mkv.to_str().unwrap(),
    ]);
    assert_eq!(
        sniff(&std::fs::read(&mkv).unwrap()),
        Some(twincast_media::MediaType::Mkv)
    );
}

#[test]
fn probe_generated_images() {
    if !ffmpeg_or_skip("probe_generated_images") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, extra) in [
        ("a.png", vec![]),
        ("a.jpg", vec![]),
        ("p.jpg", vec!["-c:v", "mjpeg", "-huffman", "optimal"]),
        ("a.webp", vec!["-c:v", "libwebp"]),
        ("a.gif", vec![]),
    ] {
        let out = dir.path().join(name);
        let mut args = vec![
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=1000x563:rate=1",
            "-frames:v",
            "1",
        ];
        args.extend(extra);
        args.push(out.to_str().unwrap());
        ffmpeg(&args);
        let (_, p) = probe_any(&out);
        assert_eq!(
            (p.width, p.height, p.duration_ms),
            (Some(1000), Some(563), None),
            "{name}"
        );
    }
    // animated WebP: 2 s
    let anim = dir.path().join("anim.webp");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=4:duration=2",
        "-c:v",
        "libwebp",
        "-loop",
        "0",
        anim.to_str().unwrap(),
    ]);
    let (t, p) = probe_any(&anim);
    assert_eq!(t, MediaType::Webp);
    assert_eq!(
        (p.width, p.height, p.duration_ms),
        (Some(64), Some(48), Some(2000))
    );
}

#[tokio::test]
async fn thumbnail_normalize_and_hls() {
    if !ffmpeg_or_skip("thumbnail_normalize_and_hls") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let src = make_mp4(dir.path(), "9");

    // thumbnail of a video and of a short (0.4 s) video
    let thumb = dir.path().join("thumb.jpg");
    ffmpeg::thumbnail(&src, &thumb).await.unwrap();
    let (t, p) = probe_any(&thumb);
    assert_eq!(
        (t, p.width, p.height),
        (MediaType::Jpeg, Some(320), Some(240))
    );
    let short = dir.path().join("short.webm");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=1280x720:rate=10:duration=0.4",
        "-c:v",
        "libvpx",
        short.to_str().unwrap(),
    ]);
    let thumb2 = dir.path().join("thumb2.jpg");
    ffmpeg::thumbnail(&short, &thumb2).await.unwrap();
    let (_, p) = probe_any(&thumb2);
    assert_eq!(
        (p.width, p.height),
        (Some(640), Some(360)),
        "scaled to at most 640 wide"
    );

    // normalise the WebM to H.264 MP4 with faststart
    let norm = dir.path().join("norm.mp4");
    ffmpeg::normalize_mp4(&short, &norm).await.unwrap();
    let (t, p) = probe_any(&norm);
    assert_eq!(
        (t, p.codec.as_deref(), p.width, p.height),
        (MediaType::Mp4, Some("h264"), Some(1280), Some(720))
    );
    let data = std::fs::read(&norm).unwrap();
    let moov = data.windows(4).position(|w| w == b"moov").unwrap();
    let mdat = data.windows(4).position(|w| w == b"mdat").unwrap();
    assert!(moov < mdat, "faststart puts moov before mdat");

    // a failure is a typed error and leaves no output
    let bad = dir.path().join("bad.mp4");
    std::fs::write(&bad, b"\0\0\0\x18ftypisom garbage").unwrap();
    let out = dir.path().join("never.mp4");
    assert!(matches!(
        ffmpeg::normalize_mp4(&bad, &out).await,
        Err(twincast_media::MediaError::Ffmpeg(_))
    ));
    assert!(!out.exists());
    assert!(crate::common::dir_entries(dir.path())
        .iter()
        .all(|n| !n.starts_with(".tmp-")));

    // HLS of a video without audio
    let silent = ffmpeg::hls(&short, &dir.path().join("hls-silent"))
        .await
        .unwrap();
    assert!(
        silent.contains(&"master.m3u8".to_string())
            && silent.contains(&"720p/index.m3u8".to_string())
    );
    assert!(!silent.iter().any(|f| f.starts_with(".hls-tmp")));

    // the sound alone, for listening without the picture; nothing for a video without sound
    let m4a = dir.path().join("audio.m4a");
    assert!(ffmpeg::audio_only(&src, &m4a).await.unwrap());
    let streams = crate::common::ffprobe_streams(&m4a);
    assert_eq!(streams, ["audio"], "only the sound");
    let no_sound = dir.path().join("none.m4a");
    assert!(!ffmpeg::audio_only(&short, &no_sound).await.unwrap());
    assert!(!no_sound.exists());

    // HLS: two renditions, even 4 s segments
    let hls_dir = dir.path().join("hls");
    let files = ffmpeg::hls(&src, &hls_dir).await.unwrap();
    assert!(files.contains(&"master.m3u8".to_string()), "{files:?}");
    let master = std::fs::read_to_string(hls_dir.join("master.m3u8")).unwrap();
    assert_eq!(master.matches("#EXT-X-STREAM-INF").count(), 2, "{master}");
    for (name, h, ..) in ffmpeg::HLS_RENDITIONS {
        let pl = format!("{name}/index.m3u8");
        assert!(files.contains(&pl), "{files:?}");
        assert!(master.contains(&pl), "{master}");
        let playlist = std::fs::read_to_string(hls_dir.join(&pl)).unwrap();
        let init = playlist
            .lines()
            .find_map(|l| l.strip_prefix("#EXT-X-MAP:URI=\""))
            .map(|l| l.trim_end_matches('"'))
            .unwrap_or_else(|| panic!("fMP4 init segment missing in {playlist}"));
        assert!(
            files.contains(&format!("{name}/{init}")),
            "{init} in {files:?}"
        );
        let durations: Vec<f64> = playlist
            .lines()
            .filter_map(|l| l.strip_prefix("#EXTINF:"))
            .map(|l| l.trim_end_matches(',').parse().unwrap())
            .collect();
        assert_eq!(durations.len(), 3, "9 s in 4 s segments: {playlist}");
        for d in &durations[..durations.len() - 1] {
            assert!(
                (d - ffmpeg::HLS_SEGMENT_SECONDS as f64).abs() < 0.05,
                "uneven segment {d} in {playlist}"
            );
        }
        for seg in playlist.lines().filter(|l| l.ends_with(".m4s")) {
            assert!(
                files.contains(&format!("{name}/{seg}")),
                "{seg} listed in {files:?}"
            );
        }
        assert!(
            master.contains(&format!("x{h}")),
            "resolution of {name} in {master}"
        );
    }
}

/// The screen rendition is capped on its short side (a portrait cut stays portrait), reports its progress, and
/// stops when cancelled; the storyboard sprite has the planned size; the poster is at most 1280 wide.
#[tokio::test]
async fn screen_rendition_cap_progress_cancel_storyboard_poster() {
    if !ffmpeg_or_skip("screen_rendition_cap_progress_cancel_storyboard_poster") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let portrait = dir.path().join("portrait.webm");
    crate::common::ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=360x640:rate=10:duration=2",
        "-c:v",
        "libvpx",
        portrait.to_str().unwrap(),
    ]);
    let ctl = ffmpeg::Control::new();
    ctl.step(10, 90);
    let out = dir.path().join("screen.mp4");
    ffmpeg::screen_mp4(&portrait, &out, 240, &ctl, Some(2_000))
        .await
        .unwrap();
    let (_, p) = probe_any(&out);
    assert_eq!(
        (p.width, p.height),
        (Some(240), Some(426)),
        "short side capped, portrait kept"
    );
    assert!(
        ctl.percent() >= 80 && ctl.percent() <= 90,
        "progress {}",
        ctl.percent()
    );

    // not enlarged past the source
    let same = dir.path().join("same.mp4");
    ffmpeg::screen_mp4(&portrait, &same, 1080, &ffmpeg::Control::new(), None)
        .await
        .unwrap();
    let (_, p) = probe_any(&same);
    assert_eq!((p.width, p.height), (Some(360), Some(640)));

    // a cancelled control stops at once and leaves nothing
    let cancelled = ffmpeg::Control::new();
    cancelled.cancel();
    let never = dir.path().join("never.mp4");
    let e = ffmpeg::screen_mp4(&portrait, &never, 0, &cancelled, None).await;
    assert!(
        matches!(e, Err(twincast_media::MediaError::Ffmpeg(ref m)) if m == ffmpeg::CANCELLED),
        "{e:?}"
    );
    assert!(!never.exists());

    let plan = twincast_media::storyboard::Storyboard::plan(2_000, 360, 640);
    let sprite = dir.path().join("storyboard.jpg");
    ffmpeg::storyboard(&portrait, &sprite, &plan).await.unwrap();
    let (_, p) = probe_any(&sprite);
    assert_eq!(
        (p.width, p.height),
        (
            Some(plan.tile_w * plan.columns),
            Some(plan.tile_h * plan.rows)
        )
    );
    let poster = dir.path().join("poster.jpg");
    ffmpeg::poster(&portrait, &poster).await.unwrap();
    let (_, p) = probe_any(&poster);
    assert_eq!((p.width, p.height), (Some(360), Some(640)));
}
