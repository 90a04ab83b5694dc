//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

/// The committed fixture `name`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `true` when the test command promised every external service (S3, ffmpeg): missing ones must fail.
pub fn services_required() -> bool {
    std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// `true` if ffmpeg can be used; otherwise panics when services are required, or says the test did not run.
pub fn ffmpeg_or_skip(test: &str) -> bool {
    if twincast_media::ffmpeg::available() {
        return true;
    }
    assert!(
        !services_required(),
        "{test}: ffmpeg/ffprobe not on PATH but TWINCAST_TEST_REQUIRE_SERVICES=1"
    );
    not_run(&format!("{test}: DID NOT RUN (ffmpeg not on PATH)"));
    false
}

/// Run ffmpeg with `args`, panicking with its stderr on failure.
pub fn ffmpeg(args: &[&str]) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-y", "-v", "error"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

/// File names in `dir`.
pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Say a test did not run, visibly: written straight to stderr, past libtest's output capture.
pub fn not_run(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// The kinds of the streams in `path` (`video`, `audio`, …), as ffprobe reads them.
pub fn ffprobe_streams(path: &Path) -> Vec<String> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}
