//! Probing the committed fixtures (made once with ffmpeg lavfi `testsrc`; see tests/fixtures/README.md).

use twincast_media::{probe_file, sniff, MediaError, MediaType, Probe};

use crate::common::fixture;

fn sniff_file(name: &str) -> Option<MediaType> {
    let data = std::fs::read(fixture(name)).unwrap();
    sniff(&data[..data.len().min(twincast_media::SNIFF_LEN)])
}

fn probe(name: &str) -> Result<Probe, MediaError> {
    let t = sniff_file(name).unwrap_or_else(|| panic!("{name} not recognised"));
    probe_file(&fixture(name), t)
}

fn p(w: u32, h: u32, ms: Option<u64>, codec: &str) -> Probe {
    Probe {
        width: Some(w),
        height: Some(h),
        duration_ms: ms,
        codec: Some(codec.into()),
    }
}

#[test]
fn sniff_fixtures() {
    let cases = [
        ("h264.mp4", MediaType::Mp4),
        ("h265.mp4", MediaType::Mp4),
        ("av1.mp4", MediaType::Mp4),
        ("frag.mp4", MediaType::Mp4),
        ("vp8.webm", MediaType::Webm),
        ("vp9.webm", MediaType::Webm),
        ("av1.webm", MediaType::Webm),
        ("live.webm", MediaType::Webm),
        ("image.png", MediaType::Png),
        ("image.jpg", MediaType::Jpeg),
        ("image.webp", MediaType::Webp),
        ("lossless.webp", MediaType::Webp),
        ("anim.gif", MediaType::Gif),
        ("flag.svg", MediaType::Svg),
    ];
    for (name, t) in cases {
        assert_eq!(sniff_file(name), Some(t), "{name}");
    }
}

#[test]
fn a_png_named_mp4_is_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("promo.mp4");
    std::fs::copy(fixture("image.png"), &fake).unwrap();
    let head = std::fs::read(&fake).unwrap();
    assert_eq!(sniff(&head), Some(MediaType::Png));
    assert_eq!(
        probe_file(&fake, MediaType::Png).unwrap(),
        p(32, 24, None, "png")
    );
    // probing it as what its name claims fails cleanly
    assert!(matches!(
        probe_file(&fake, MediaType::Mp4),
        Err(MediaError::Corrupt(_))
    ));
}

#[test]
fn probe_videos() {
    assert_eq!(probe("h264.mp4").unwrap(), p(64, 48, Some(1000), "h264"));
    assert_eq!(probe("h265.mp4").unwrap(), p(64, 48, Some(1000), "h265"));
    assert_eq!(probe("av1.mp4").unwrap(), p(64, 64, Some(1000), "av1"));
    assert_eq!(probe("vp8.webm").unwrap(), p(64, 48, Some(1000), "vp8"));
    assert_eq!(probe("vp9.webm").unwrap(), p(64, 48, Some(1000), "vp9"));
    assert_eq!(probe("av1.webm").unwrap(), p(64, 64, Some(1000), "av1"));
    // streamed WebM without a Duration: last block time + one frame
    assert_eq!(probe("live.webm").unwrap(), p(64, 48, Some(1000), "vp9"));
    // fragmented MP4 written with an empty moov: the duration is the sum of its fragments
    assert_eq!(probe("frag.mp4").unwrap(), p(64, 48, Some(1000), "h264"));
}

#[test]
fn probe_images() {
    assert_eq!(probe("image.png").unwrap(), p(32, 24, None, "png"));
    assert_eq!(probe("image.jpg").unwrap(), p(32, 24, None, "jpeg"));
    assert_eq!(probe("image.webp").unwrap(), p(32, 24, None, "webp"));
    assert_eq!(probe("lossless.webp").unwrap(), p(32, 24, None, "webp"));
    assert_eq!(probe("anim.gif").unwrap(), p(32, 24, Some(1000), "gif"));
    assert_eq!(probe("flag.svg").unwrap(), p(900, 600, None, "svg"));
}

#[test]
fn jpeg_exif_orientation_turns_dimensions() {
    let data = std::fs::read(fixture("image.jpg")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (order, orientation, want) in [
        (&b"MM"[..], 6u16, (24, 32)),
        (&b"II"[..], 8, (24, 32)),
        (&b"MM"[..], 3, (32, 24)),
        (&b"II"[..], 1, (32, 24)),
    ] {
        // APP1 "Exif" with a one-entry IFD0 holding Orientation, inserted right after SOI
        let big = order == b"MM";
        let u16b = |v: u16| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut tiff = order.to_vec();
        tiff.extend(u16b(42));
        tiff.extend(u32b(8));
        tiff.extend(u16b(1));
        tiff.extend(u16b(0x0112));
        tiff.extend(u16b(3));
        tiff.extend(u32b(1));
        tiff.extend(u16b(orientation));
        tiff.extend([0, 0]);
        tiff.extend(u32b(0));
        let mut body = b"Exif\0\0".to_vec();
        body.extend(tiff);
        let mut jpeg = data[..2].to_vec();
        jpeg.extend([0xFF, 0xE1]);
        jpeg.extend(((body.len() + 2) as u16).to_be_bytes());
        jpeg.extend(body);
        jpeg.extend(&data[2..]);
        let path = dir.path().join("exif.jpg");
        std::fs::write(&path, &jpeg).unwrap();
        let p = probe_file(&path, MediaType::Jpeg).unwrap();
        assert_eq!(
            (p.width, p.height),
            (Some(want.0), Some(want.1)),
            "orientation {orientation}"
        );
    }
}

#[test]
fn unsupported_codecs_are_refused() {
    // MPEG-4 Part 2 video in MP4, and an audio-only MP4
    assert!(matches!(
        probe("mpeg4.mp4"),
        Err(MediaError::UnsupportedType)
    ));
    assert!(matches!(
        probe("audio.m4a"),
        Err(MediaError::UnsupportedType)
    ));
}

#[test]
fn truncated_files_are_corrupt_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "h264.mp4",
        "vp9.webm",
        "image.png",
        "image.jpg",
        "image.webp",
        "anim.gif",
        "av1.webm",
    ] {
        let data = std::fs::read(fixture(name)).unwrap();
        let t = sniff(&data).unwrap();
        for cut in [1usize, 8, 13, 20, 40, 100, 300, data.len() / 2] {
            let cut = cut.min(data.len() - 1);
            let path = dir.path().join(format!("cut-{cut}-{name}"));
            std::fs::write(&path, &data[..cut]).unwrap();
            match probe_file(&path, t) {
                Err(MediaError::Corrupt(_)) => {}
                // some cuts leave every header intact (e.g. half of a faststart MP4): then the result
                // must be the same as for the whole file
                Ok(got) => assert_eq!(got, probe(name).unwrap(), "{name} cut at {cut}"),
                Err(e) => panic!("{name} cut at {cut}: unexpected {e:?}"),
            }
        }
    }
}

#[test]
fn garbage_after_magic_never_panics() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let magics: [(&[u8], MediaType); 6] = [
        (b"\0\0\0\x18ftypisom", MediaType::Mp4),
        (&[0x1A, 0x45, 0xDF, 0xA3], MediaType::Webm),
        (b"\x89PNG\r\n\x1a\n", MediaType::Png),
        (&[0xFF, 0xD8, 0xFF], MediaType::Jpeg),
        (b"RIFF\0\0\0\0WEBP", MediaType::Webp),
        (b"GIF89a", MediaType::Gif),
    ];
    for i in 0..300 {
        let (magic, t) = magics[i % magics.len()];
        let mut data = magic.to_vec();
        let n = rng.random_range(0..2000);
        data.extend((0..n).map(|_| rng.random::<u8>()));
        let path = dir.path().join("g");
        std::fs::write(&path, &data).unwrap();
        // any typed answer is fine; a panic or a hang is not
        let _ = probe_file(&path, t);
    }
}
