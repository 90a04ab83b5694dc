//! Streaming ingest: hashing, limits, sniffing, SVG sanitizing and temp-file clean-up.

use twincast_media::{Ingest, Ingested, MediaError, MediaType};

use crate::common::{dir_entries, fixture, sha256_hex};

async fn ingest_bytes(
    tmp: &std::path::Path,
    data: &[u8],
    chunk: usize,
    max: u64,
) -> Result<Ingested, MediaError> {
    let mut ing = Ingest::new(tmp, max).await?;
    for c in data.chunks(chunk.max(1)) {
        ing.push(c).await?;
    }
    ing.finish().await
}

#[tokio::test]
async fn png_in_small_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let data = std::fs::read(fixture("image.png")).unwrap();
    let ing = ingest_bytes(tmp.path(), &data, 7, 1 << 20).await.unwrap();
    assert_eq!(ing.sha256, sha256_hex(&data));
    assert_eq!(ing.size, data.len() as u64);
    assert_eq!(ing.media_type, MediaType::Png);
    assert_eq!((ing.probe.width, ing.probe.height), (Some(32), Some(24)));
    assert_eq!(
        std::fs::read(&ing.path).unwrap(),
        data,
        "temp file holds the content"
    );
    assert_eq!(dir_entries(tmp.path()).len(), 1);
    drop(ing);
    assert!(
        dir_entries(tmp.path()).is_empty(),
        "dropping Ingested removes its temp file"
    );
}

#[tokio::test]
async fn video_from_file_named_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let src_dir = tempfile::tempdir().unwrap();
    let src = src_dir.path().join("holiday.png");
    std::fs::copy(fixture("vp9.webm"), &src).unwrap();
    let ing = Ingested::from_file(&src, tmp.path(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(ing.media_type, MediaType::Webm);
    assert_eq!(ing.probe.duration_ms, Some(1000));
    assert_eq!(ing.probe.codec.as_deref(), Some("vp9"));
}

#[tokio::test]
async fn too_large_fails_at_once_and_cleans_up() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ing = Ingest::new(tmp.path(), 1000).await.unwrap();
    ing.push(&[0u8; 600]).await.unwrap();
    ing.push(&[0u8; 400]).await.unwrap(); // exactly the limit is fine
    assert_eq!(dir_entries(tmp.path()).len(), 1);
    match ing.push(&[0u8; 1]).await {
        Err(MediaError::TooLarge { limit }) => assert_eq!(limit, 1000),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(
        dir_entries(tmp.path()).is_empty(),
        "temp file removed as soon as the limit is passed"
    );
    assert!(matches!(
        ing.push(b"x").await,
        Err(MediaError::TooLarge { .. })
    ));
    assert!(matches!(
        ing.finish().await,
        Err(MediaError::TooLarge { .. })
    ));
    assert!(dir_entries(tmp.path()).is_empty());
}

#[tokio::test]
async fn dropping_an_unfinished_ingest_removes_the_temp_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ing = Ingest::new(tmp.path(), 1 << 20).await.unwrap();
    ing.push(b"\x89PNG\r\n\x1a\n partial").await.unwrap();
    assert_eq!(dir_entries(tmp.path()).len(), 1);
    drop(ing);
    assert!(dir_entries(tmp.path()).is_empty());
}

#[tokio::test]
async fn refusals_leave_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    // random bytes
    let random: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(matches!(
        ingest_bytes(tmp.path(), &random, 1000, 1 << 20).await,
        Err(MediaError::UnsupportedType)
    ));
    // empty upload
    assert!(matches!(
        ingest_bytes(tmp.path(), b"", 1, 1 << 20).await,
        Err(MediaError::UnsupportedType)
    ));
    // truncated MP4 (magic fine, moov cut)
    let mp4 = std::fs::read(fixture("h264.mp4")).unwrap();
    assert!(matches!(
        ingest_bytes(tmp.path(), &mp4[..200], 64, 1 << 20).await,
        Err(MediaError::Corrupt(_))
    ));
    // unsupported codec
    let m4v = std::fs::read(fixture("mpeg4.mp4")).unwrap();
    assert!(matches!(
        ingest_bytes(tmp.path(), &m4v, 4096, 1 << 20).await,
        Err(MediaError::UnsupportedType)
    ));
    // unsafe SVG
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#;
    assert!(matches!(
        ingest_bytes(tmp.path(), svg, 10, 1 << 20).await,
        Err(MediaError::UnsafeSvg(_))
    ));
    assert!(
        dir_entries(tmp.path()).is_empty(),
        "left: {:?}",
        dir_entries(tmp.path())
    );
}

#[tokio::test]
async fn svg_is_stored_sanitized() {
    let tmp = tempfile::tempdir().unwrap();
    let data = std::fs::read(fixture("flag.svg")).unwrap();
    let ing = ingest_bytes(tmp.path(), &data, 50, 1 << 20).await.unwrap();
    assert_eq!(ing.media_type, MediaType::Svg);
    let stored = std::fs::read(&ing.path).unwrap();
    assert_eq!(
        ing.sha256,
        sha256_hex(&stored),
        "hash is of what will be served"
    );
    assert_eq!(ing.size, stored.len() as u64);
    assert_eq!(
        twincast_media::sanitize_svg(&stored).unwrap(),
        stored,
        "sanitizing is idempotent"
    );
    assert_eq!((ing.probe.width, ing.probe.height), (Some(900), Some(600)));
}

#[tokio::test]
async fn same_content_same_key() {
    let tmp = tempfile::tempdir().unwrap();
    let data = std::fs::read(fixture("image.jpg")).unwrap();
    let a = ingest_bytes(tmp.path(), &data, 100, 1 << 20).await.unwrap();
    let b = ingest_bytes(tmp.path(), &data, 999, 1 << 20).await.unwrap();
    assert_ne!(a.path, b.path);
    assert_eq!(
        twincast_media::object_key(&a.sha256, a.media_type),
        twincast_media::object_key(&b.sha256, b.media_type)
    );
    assert!(twincast_media::object_key(&a.sha256, a.media_type).ends_with(".jpg"));
}

#[tokio::test]
async fn stale_temp_files_are_cleaned() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ing = Ingest::new(tmp.path(), 100).await.unwrap();
    ing.push(b"abc").await.unwrap();
    std::mem::forget(ing); // as if the process had been killed
    std::fs::write(tmp.path().join("unrelated.txt"), b"keep").unwrap();
    assert_eq!(Ingest::cleanup_stale(tmp.path()).await.unwrap(), 1);
    assert_eq!(dir_entries(tmp.path()), vec!["unrelated.txt".to_string()]);
}

#[tokio::test]
async fn oversized_svg_is_refused_before_parsing() {
    let tmp = tempfile::tempdir().unwrap();
    let mut svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\">".to_vec();
    svg.resize(twincast_media::MAX_SVG_BYTES as usize + 1, b' ');
    match ingest_bytes(tmp.path(), &svg, 1 << 20, 1 << 30).await {
        Err(MediaError::TooLarge { limit }) => assert_eq!(limit, twincast_media::MAX_SVG_BYTES),
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(dir_entries(tmp.path()).is_empty());
}
