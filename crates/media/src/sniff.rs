//! Content type detection from magic bytes.

/// The media types Twincast accepts.
///
/// `Display` gives [`MediaType::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// ISO base media file format (MP4) with H.264, H.265 or AV1 video.
    Mp4,
    /// WebM (Matroska subset) with VP8, VP9 or AV1 video.
    Webm,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// WebP image (lossy, lossless or animated).
    Webp,
    /// GIF image (possibly animated).
    Gif,
    /// SVG image, accepted only after [`crate::sanitize_svg`].
    Svg,
    /// Matroska (not WebM): accepted only when ffprobe reads it, played on screens as its H.264 rendition.
    Mkv,
    /// MPEG program or transport stream (MPEG-2 video, typically): accepted only when ffprobe reads it, played
    /// on screens as its H.264 rendition.
    Mpeg,
}

impl MediaType {
    /// Every accepted type.
    pub const ALL: [MediaType; 9] = [
        MediaType::Mp4,
        MediaType::Webm,
        MediaType::Png,
        MediaType::Jpeg,
        MediaType::Webp,
        MediaType::Gif,
        MediaType::Svg,
        MediaType::Mkv,
        MediaType::Mpeg,
    ];

    /// The stable lowercase name (as serialized): `mp4`, `webm`, `png`, `jpeg`, `webp`, `gif`, `svg`, `mkv`,
    /// `mpeg`.
    pub fn as_str(&self) -> &'static str {
        match self {
            MediaType::Mp4 => "mp4",
            MediaType::Webm => "webm",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpeg",
            MediaType::Webp => "webp",
            MediaType::Gif => "gif",
            MediaType::Svg => "svg",
            MediaType::Mkv => "mkv",
            MediaType::Mpeg => "mpeg",
        }
    }

    /// The inverse of [`MediaType::as_str`] (for reading it back from a database).
    pub fn parse(s: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The type served under a content-addressed key's extension ([`MediaType::ext`]).
    pub fn from_ext(ext: &str) -> Option<MediaType> {
        MediaType::ALL.into_iter().find(|t| t.ext() == ext)
    }

    /// The MIME type to serve it with.
    pub fn mime(&self) -> &'static str {
        match self {
            MediaType::Mp4 => "video/mp4",
            MediaType::Webm => "video/webm",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Webp => "image/webp",
            MediaType::Gif => "image/gif",
            MediaType::Svg => "image/svg+xml",
            MediaType::Mkv => "video/x-matroska",
            MediaType::Mpeg => "video/mpeg",
        }
    }

    /// The file extension (without dot) used in object keys.
    pub fn ext(&self) -> &'static str {
        match self {
            MediaType::Mp4 => "mp4",
            MediaType::Webm => "webm",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
            MediaType::Webp => "webp",
            MediaType::Gif => "gif",
            MediaType::Svg => "svg",
            MediaType::Mkv => "mkv",
            MediaType::Mpeg => "mpg",
        }
    }

    /// `"video"` or `"image"`.
    pub fn kind(&self) -> &'static str {
        match self {
            MediaType::Mp4 | MediaType::Webm | MediaType::Mkv | MediaType::Mpeg => "video",
            _ => "image",
        }
    }
}

impl MediaType {
    /// Whether browsers play the container itself (MP4, WebM); other videos play as their H.264 rendition.
    pub fn web_container(&self) -> bool {
        matches!(self, MediaType::Mp4 | MediaType::Webm)
    }

    /// Whether only ffprobe reads it (no native probe): such uploads need ffmpeg on the server.
    pub fn needs_ffprobe(&self) -> bool {
        matches!(self, MediaType::Mkv | MediaType::Mpeg)
    }
}

impl std::fmt::Display for MediaType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many leading bytes [`sniff`] wants to see to recognise every type reliably (SVG may start with a long
/// comment or XML prolog).
pub const SNIFF_LEN: usize = 8192;

/// Detect the media type from the first bytes of the content (ideally [`SNIFF_LEN`] of them).
///
/// Only magic bytes count, never a file name. MP4 requires an `ftyp` box whose brand is not an image format
/// (HEIF/AVIF are refused; QuickTime's `qt  ` brand is MP4's family), or a QuickTime file's first atom (`moov`,
/// `mdat`, `wide`, `free`); WebM requires the EBML magic and the `webm` DocType (other Matroska is
/// [`MediaType::Mkv`]); MPEG needs a pack header (`00 00 01 BA`) or three transport-stream sync bytes 188 apart;
/// SVG requires UTF-8 text that starts like XML and has an `<svg` root element in the head.
pub fn sniff(head: &[u8]) -> Option<MediaType> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(MediaType::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(MediaType::Jpeg);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Some(MediaType::Gif);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(MediaType::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        let brand = &head[8..12];
        const IMAGE_BRANDS: [&[u8; 4]; 8] = [
            b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1",
        ];
        if IMAGE_BRANDS.iter().any(|b| &b[..] == brand) {
            return None;
        }
        return Some(MediaType::Mp4);
    }
    // QuickTime without `ftyp` (older ProRes masters start with their atoms).
    if head.len() >= 12 && [&b"moov"[..], b"mdat", b"wide", b"free"].contains(&&head[4..8]) {
        return Some(MediaType::Mp4);
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return if ebml_doctype_is_webm(head) {
            Some(MediaType::Webm)
        } else if ebml_doctype_is(head, b"matroska") {
            Some(MediaType::Mkv)
        } else {
            None
        };
    }
    if head.starts_with(&[0x00, 0x00, 0x01, 0xBA])
        || (head.len() > 376 && head[0] == 0x47 && head[188] == 0x47 && head[376] == 0x47)
    {
        return Some(MediaType::Mpeg);
    }
    if looks_like_svg(head) {
        return Some(MediaType::Svg);
    }
    None
}

/// Look for the DocType element (0x4282) inside the EBML header and check it says `webm`.
fn ebml_doctype_is_webm(head: &[u8]) -> bool {
    head.windows(2)
        .take(64)
        .enumerate()
        .filter(|(_, w)| w == &[0x42, 0x82])
        .any(|(i, _)| {
            // size is a 1-byte vint for such a short string: 0x84 = 4
            let rest = &head[i + 2..];
            rest.len() >= 5 && rest[0] == 0x84 && &rest[1..5] == b"webm"
        })
}

/// Whether the EBML header's DocType is `doctype` (any length up to 16, one-byte size).
fn ebml_doctype_is(head: &[u8], doctype: &[u8]) -> bool {
    head.windows(2)
        .take(64)
        .enumerate()
        .filter(|(_, w)| w == &[0x42, 0x82])
        .any(|(i, _)| {
            let rest = &head[i + 2..];
            rest.len() > doctype.len()
                && usize::from(rest[0]) == 0x80 | doctype.len()
                && &rest[1..=doctype.len()] == doctype
        })
}

fn looks_like_svg(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // a multi-byte character cut at the end of the head is fine
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(t) => t,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('<') {
        return false;
    }
    if t.chars().any(|c| c == '\0') {
        return false;
    }
    // the root element must be <svg ...>: skip the prolog, comments and a doctype
    let mut rest = t;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            match r.find("?>") {
                Some(i) => rest = &r[i + 2..],
                None => return false,
            }
        } else if let Some(r) = rest.strip_prefix("<!--") {
            match r.find("-->") {
                Some(i) => rest = &r[i + 3..],
                None => return false,
            }
        } else if rest.starts_with("<!DOCTYPE") || rest.starts_with("<!doctype") {
            // an SVG with a DOCTYPE is still detected as SVG so the sanitizer can refuse it by name
            return rest.contains("<svg");
        } else {
            return rest.starts_with("<svg")
                && rest[4..]
                    .starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/' || c == ':')
                || rest.starts_with("<svg:svg");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(MediaType::Png)
        );
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(MediaType::Jpeg)
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(MediaType::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(MediaType::Webp));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"), Some(MediaType::Mp4));
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), None);
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Some(MediaType::Svg)
        );
        assert_eq!(
            sniff("\u{feff}<?xml version=\"1.0\"?>\n<!-- hi -->\n<svg>".as_bytes()),
            Some(MediaType::Svg)
        );
        assert_eq!(sniff(b"<html><svg></svg></html>"), None);
        assert_eq!(sniff(b"<svgfoo/>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello world"), None);
    }

    #[test]
    fn webm_vs_matroska() {
        let webm = [
            0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, b'w', b'e',
            b'b', b'm',
        ];
        assert_eq!(sniff(&webm), Some(MediaType::Webm));
        let mkv = [
            0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x88, b'm', b'a',
            b't', b'r', b'o', b's', b'k', b'a',
        ];
        assert_eq!(sniff(&mkv), Some(MediaType::Mkv));
        let other = [
            0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x84, b'w', b'x',
            b'y', b'z',
        ];
        assert_eq!(sniff(&other), None);
    }

    #[test]
    fn quicktime_and_mpeg_streams() {
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"), Some(MediaType::Mp4));
        assert_eq!(sniff(b"\0\0\0\x08wide\0\0\0\0mdat"), Some(MediaType::Mp4));
        assert_eq!(sniff(&[0, 0, 1, 0xBA, 0x44, 0, 4]), Some(MediaType::Mpeg));
        let mut ts = vec![0u8; 564];
        for i in [0, 188, 376] {
            ts[i] = 0x47;
        }
        assert_eq!(sniff(&ts), Some(MediaType::Mpeg));
        ts[376] = 0;
        assert_eq!(sniff(&ts), None);
    }

    #[test]
    fn random_bytes_are_not_media() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let mut buf = vec![0u8; 256];
            rng.fill(&mut buf[..]);
            // a random buffer matching a 3+ byte magic is astronomically unlikely with this seed
            assert_eq!(sniff(&buf), None, "{:?}", &buf[..16]);
        }
    }

    #[test]
    fn mime_ext_kind() {
        for t in MediaType::ALL {
            assert!(t.mime().starts_with(t.kind()) || t == MediaType::Svg);
            assert!(!t.ext().is_empty());
        }
        assert_eq!(MediaType::Svg.kind(), "image");
        assert_eq!(MediaType::Webm.kind(), "video");
        for t in MediaType::ALL {
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
            assert_eq!(MediaType::parse(t.as_str()), Some(t));
            assert_eq!(MediaType::from_ext(t.ext()), Some(t));
        }
        assert_eq!(MediaType::parse("mov"), None);
        assert!(MediaType::Mkv.needs_ffprobe() && !MediaType::Mkv.web_container());
        assert!(MediaType::Mp4.web_container() && !MediaType::Mp4.needs_ffprobe());
        assert_eq!(MediaType::from_ext("jpeg"), None);
    }
}
