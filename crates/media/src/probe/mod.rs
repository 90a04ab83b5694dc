//! Probing without ffmpeg: dimensions, duration and codec from the container headers.
//!
//! Readers seek past payload (MP4 `mdat`, WebM clusters, JPEG segments), so a multi-gigabyte file costs a few
//! small reads. Header structures read into memory are capped ([`MAX_HEADER`]) so a hostile size field cannot
//! make us allocate gigabytes.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::{MediaError, MediaType};

mod gif;
mod jpeg;
mod mp4;
mod png;
mod webm;
mod webp;

/// Probed facts about a media file. Fields that do not apply (duration of a still image) are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Probe {
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Duration in milliseconds (videos, animated GIF/WebP).
    pub duration_ms: Option<u64>,
    /// Codec name: `h264`, `h265`, `av1`, `vp8`, `vp9` for videos; the format name for images.
    pub codec: Option<String>,
}

/// The largest header structure (MP4 `moov`, WebM `Tracks`/`Info`, SVG file) read into memory.
pub const MAX_HEADER: u64 = 64 * 1024 * 1024;

/// Probe a file whose type is already known (from [`crate::sniff`]).
///
/// MP4 accepts H.264/H.265/AV1 video only and WebM VP8/VP9/AV1 only; any other codec, or a file without a
/// video track, is [`MediaError::UnsupportedType`]. Broken or truncated structure is [`MediaError::Corrupt`].
pub fn probe_file(path: &Path, t: MediaType) -> Result<Probe, MediaError> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut r = BufReader::with_capacity(64 * 1024, file);
    match t {
        MediaType::Mp4 => mp4::probe(&mut r, len),
        MediaType::Webm => webm::probe(&mut r, len),
        MediaType::Png => {
            png::complete(path, len)?;
            png::probe(&mut r)
        }
        MediaType::Jpeg => jpeg::probe(&mut r),
        MediaType::Gif => gif::probe(&mut r, len),
        MediaType::Webp => webp::probe(&mut r, len),
        MediaType::Mkv => Err(MediaError::NeedsFfmpeg("a Matroska (MKV) video".into())),
        MediaType::Mpeg => Err(MediaError::NeedsFfmpeg("an MPEG stream".into())),
        MediaType::Svg => {
            if len > MAX_HEADER {
                return Err(MediaError::Corrupt("SVG too large to parse".into()));
            }
            let mut buf = Vec::with_capacity(len as usize);
            r.read_to_end(&mut buf)?;
            crate::svg::probe_svg(&buf)
        }
    }
}

fn truncated(what: &str) -> MediaError {
    MediaError::Corrupt(format!("truncated {what}"))
}

/// `read_exact` that reports a short read as `Corrupt` rather than an I/O error.
fn read_exact<R: Read>(r: &mut R, buf: &mut [u8], what: &str) -> Result<(), MediaError> {
    r.read_exact(buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            truncated(what)
        } else {
            MediaError::Io(e)
        }
    })
}

fn read_vec<R: Read>(r: &mut R, n: u64, what: &str) -> Result<Vec<u8>, MediaError> {
    if n > MAX_HEADER {
        return Err(MediaError::Corrupt(format!(
            "{what} is implausibly large ({n} bytes)"
        )));
    }
    let mut v = vec![0u8; n as usize];
    read_exact(r, &mut v, what)?;
    Ok(v)
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn image(w: u32, h: u32, codec: &str, duration_ms: Option<u64>) -> Result<Probe, MediaError> {
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt(format!(
            "{codec} with zero width or height"
        )));
    }
    Ok(Probe {
        width: Some(w),
        height: Some(h),
        duration_ms,
        codec: Some(codec.to_string()),
    })
}
