//! Probing without ffmpeg: dimensions, duration and codec from the container headers.
//!
//! Readers seek past payload (MP4 `mdat`, WebM clusters, JPEG segments), so a multi-gigabyte file costs a few
//! small reads. Header structures read into memory are capped ([`MAX_HEADER`]) so a hostile size field cannot
//! make us allocate gigabytes.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::{MediaError, MediaType};

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
            png_complete(path, len)?;
            png(&mut r)
        }
        MediaType::Jpeg => jpeg(&mut r),
        MediaType::Gif => gif(&mut r, len),
        MediaType::Webp => webp(&mut r, len),
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

/// A PNG must end with its IEND chunk: a file cut short (an interrupted upload) is refused.
fn png_complete(path: &Path, len: u64) -> Result<(), MediaError> {
    use std::io::{Seek, SeekFrom};
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    if len < 8 + 25 + 12 {
        return Err(truncated("PNG"));
    }
    let mut f = File::open(path)?;
    f.seek(SeekFrom::Start(len - 12))?;
    let mut tail = [0u8; 12];
    read_exact(&mut f, &mut tail, "PNG trailer")?;
    if tail != IEND {
        return Err(MediaError::Corrupt(
            "PNG does not end with an IEND chunk (cut short?)".into(),
        ));
    }
    Ok(())
}

fn png<R: Read>(r: &mut R) -> Result<Probe, MediaError> {
    let mut h = [0u8; 24];
    read_exact(r, &mut h, "PNG header")?;
    if &h[12..16] != b"IHDR" {
        return Err(MediaError::Corrupt("PNG without IHDR chunk".into()));
    }
    let w = be32(&h, 16).unwrap_or(0);
    let ht = be32(&h, 20).unwrap_or(0);
    image(w, ht, "png", None)
}

fn jpeg<R: Read + Seek>(r: &mut R) -> Result<Probe, MediaError> {
    let mut b2 = [0u8; 2];
    read_exact(r, &mut b2, "JPEG header")?;
    let mut quarter_turn = false;
    loop {
        // find the next marker (0xFF, then a non-0xFF byte)
        let mut b = [0u8; 1];
        read_exact(r, &mut b, "JPEG marker")?;
        if b[0] != 0xFF {
            return Err(MediaError::Corrupt("JPEG marker expected".into()));
        }
        let mut m = 0xFF;
        while m == 0xFF {
            read_exact(r, &mut b, "JPEG marker")?;
            m = b[0];
        }
        match m {
            0xD8 | 0x01 | 0xD0..=0xD7 => continue, // standalone markers
            0xD9 | 0xDA => return Err(MediaError::Corrupt("JPEG without a frame header".into())),
            _ => {}
        }
        read_exact(r, &mut b2, "JPEG segment")?;
        let len = u16::from_be_bytes(b2);
        if len < 2 {
            return Err(MediaError::Corrupt("JPEG segment length < 2".into()));
        }
        let is_sof = matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let mut s = [0u8; 5];
            read_exact(r, &mut s, "JPEG frame header")?;
            let h = u32::from(be16(&s, 1).unwrap_or(0));
            let w = u32::from(be16(&s, 3).unwrap_or(0));
            // browsers honour the EXIF orientation: a quarter turn displays it the other way round
            return if quarter_turn {
                image(h, w, "jpeg", None)
            } else {
                image(w, h, "jpeg", None)
            };
        }
        if m == 0xE1 && !quarter_turn {
            let seg = read_vec(r, u64::from(len) - 2, "JPEG APP1")?;
            quarter_turn = matches!(exif_orientation(&seg), Some(5..=8));
            continue;
        }
        r.seek(SeekFrom::Current(i64::from(len) - 2))?;
    }
}

/// The EXIF orientation (1-8) from an APP1 segment body, if it holds one.
fn exif_orientation(seg: &[u8]) -> Option<u16> {
    let tiff = seg.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let n = u16_at(ifd)? as usize;
    (0..n.min(512)).find_map(|i| {
        let e = ifd + 2 + i * 12;
        (u16_at(e)? == 0x0112).then(|| u16_at(e + 8)).flatten()
    })
}

fn gif<R: Read>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
    if len > MAX_HEADER * 4 {
        return Err(MediaError::Corrupt("GIF too large to parse".into()));
    }
    let data = read_vec(r, len, "GIF")?;
    let w = u32::from(le16(&data, 6).ok_or_else(|| truncated("GIF header"))?);
    let h = u32::from(le16(&data, 8).ok_or_else(|| truncated("GIF header"))?);
    let flags = *data.get(10).ok_or_else(|| truncated("GIF header"))?;
    let mut i = 13usize;
    if flags & 0x80 != 0 {
        i += 3 * (1usize << ((flags & 7) + 1));
    }
    let mut frames = 0u32;
    let mut delay_cs: u64 = 0;
    let skip_sub_blocks = |mut i: usize| -> Result<usize, MediaError> {
        loop {
            let n = *data.get(i).ok_or_else(|| truncated("GIF data"))? as usize;
            i += 1 + n;
            if n == 0 {
                return Ok(i);
            }
        }
    };
    loop {
        let Some(&b) = data.get(i) else {
            // many encoders forget the trailer: accept if at least one frame was seen
            if frames > 0 {
                break;
            }
            return Err(truncated("GIF"));
        };
        match b {
            0x3B => break,
            0x21 => {
                let label = *data.get(i + 1).ok_or_else(|| truncated("GIF extension"))?;
                if label == 0xF9 {
                    let d = le16(&data, i + 4).ok_or_else(|| truncated("GIF control extension"))?;
                    delay_cs += u64::from(d);
                }
                i = skip_sub_blocks(i + 2)?;
            }
            0x2C => {
                frames += 1;
                let f = *data
                    .get(i + 9)
                    .ok_or_else(|| truncated("GIF image descriptor"))?;
                i += 10;
                if f & 0x80 != 0 {
                    i += 3 * (1usize << ((f & 7) + 1));
                }
                i += 1; // LZW minimum code size
                i = skip_sub_blocks(i)?;
            }
            other => {
                return Err(MediaError::Corrupt(format!(
                    "unexpected GIF block 0x{other:02x}"
                )))
            }
        }
    }
    if frames == 0 {
        return Err(MediaError::Corrupt("GIF without frames".into()));
    }
    let duration = (frames > 1).then_some(delay_cs * 10);
    image(w, h, "gif", duration)
}

fn webp<R: Read + Seek>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
    let mut hdr = [0u8; 12];
    read_exact(r, &mut hdr, "WebP header")?;
    let mut pos = 12u64;
    let mut dims: Option<(u32, u32)> = None;
    let mut anim_ms: u64 = 0;
    let mut frames = 0u32;
    let mut codec = "webp";
    while pos + 8 <= len {
        let mut ch = [0u8; 8];
        read_exact(r, &mut ch, "WebP chunk")?;
        let size = u64::from(le32(&ch, 4).unwrap_or(0));
        let padded = size + (size & 1);
        let fourcc = &ch[0..4];
        let want = match fourcc {
            b"VP8 " | b"VP8L" | b"VP8X" => size.min(32),
            b"ANMF" => size.min(16),
            _ => 0,
        };
        let body = read_vec(r, want, "WebP chunk")?;
        match fourcc {
            b"VP8X" => {
                let w = le24(&body, 4).ok_or_else(|| truncated("VP8X"))? + 1;
                let h = le24(&body, 7).ok_or_else(|| truncated("VP8X"))? + 1;
                dims = Some((w, h));
            }
            b"VP8 " if dims.is_none() => {
                // frame tag (3) + start code 9d 01 2a + 14-bit width/height
                if body.get(3..6) != Some(&[0x9d, 0x01, 0x2a]) {
                    return Err(MediaError::Corrupt("VP8 start code missing".into()));
                }
                let w = u32::from(le16(&body, 6).ok_or_else(|| truncated("VP8"))? & 0x3fff);
                let h = u32::from(le16(&body, 8).ok_or_else(|| truncated("VP8"))? & 0x3fff);
                dims = Some((w, h));
            }
            b"VP8L" if dims.is_none() => {
                if body.first() != Some(&0x2f) {
                    return Err(MediaError::Corrupt("VP8L signature missing".into()));
                }
                let bits = le32(&body, 1).ok_or_else(|| truncated("VP8L"))?;
                dims = Some(((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1));
                codec = "webp";
            }
            b"ANMF" => {
                frames += 1;
                anim_ms += u64::from(le24(&body, 12).ok_or_else(|| truncated("ANMF"))?);
            }
            _ => {}
        }
        pos += 8 + padded;
        r.seek(SeekFrom::Start(pos))?;
    }
    let (w, h) = dims.ok_or_else(|| MediaError::Corrupt("WebP without an image chunk".into()))?;
    image(w, h, codec, (frames > 1).then_some(anim_ms))
}

mod mp4 {
    //! ISO BMFF: walk top-level boxes with seeks, read `moov` into memory and walk it.
    use super::*;

    /// Bound on top-level boxes visited, so a file of millions of empty boxes cannot keep us busy.
    const MAX_TOP_LEVEL_BOXES: u32 = 200_000;

    /// Iterate over the boxes in `data`: (type, payload).
    pub(super) fn boxes(data: &[u8]) -> impl Iterator<Item = Result<([u8; 4], &[u8]), MediaError>> {
        let mut i = 0usize;
        std::iter::from_fn(move || {
            if i + 8 > data.len() {
                return None;
            }
            let size32 = be32(data, i)? as u64;
            let ty: [u8; 4] = data[i + 4..i + 8].try_into().ok()?;
            let (hdr, size) = match size32 {
                0 => (8u64, (data.len() - i) as u64),
                1 => match be64(data, i + 8) {
                    Some(s) => (16, s),
                    None => {
                        i = data.len();
                        return Some(Err(truncated("MP4 box header")));
                    }
                },
                s => (8, s),
            };
            if size < hdr || i as u64 + size > data.len() as u64 {
                i = data.len();
                return Some(Err(MediaError::Corrupt(format!(
                    "MP4 box '{}' overruns its parent",
                    String::from_utf8_lossy(&ty)
                ))));
            }
            let payload = &data[i + hdr as usize..i + size as usize];
            i += size as usize;
            Some(Ok((ty, payload)))
        })
    }

    fn child<'a>(data: &'a [u8], ty: &[u8; 4]) -> Result<Option<&'a [u8]>, MediaError> {
        for b in boxes(data) {
            let (t, p) = b?;
            if &t == ty {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    /// (timescale, duration) from an mvhd/mdhd payload.
    fn time_header(p: &[u8]) -> Option<(u32, u64)> {
        if p.first()? == &1 {
            Some((be32(p, 20)?, be64(p, 24)?))
        } else {
            Some((be32(p, 12)?, u64::from(be32(p, 16)?)))
        }
    }

    fn ms(duration: u64, timescale: u32) -> Option<u64> {
        if timescale == 0
            || duration == 0
            || duration == u64::MAX
            || duration == u64::from(u32::MAX)
        {
            return None;
        }
        Some((u128::from(duration) * 1000 / u128::from(timescale)) as u64)
    }

    struct Track {
        video: bool,
        fourcc: [u8; 4],
        width: u32,
        height: u32,
        duration_ms: Option<u64>,
        track_id: u32,
        timescale: u32,
    }

    fn track(trak: &[u8]) -> Result<Option<Track>, MediaError> {
        let Some(mdia) = child(trak, b"mdia")? else {
            return Ok(None);
        };
        let Some(hdlr) = child(mdia, b"hdlr")? else {
            return Ok(None);
        };
        let video = hdlr.get(8..12) == Some(b"vide");
        let mdhd = child(mdia, b"mdhd")?.and_then(time_header);
        let duration_ms = mdhd.and_then(|(ts, d)| ms(d, ts));
        let timescale = mdhd.map_or(0, |(ts, _)| ts);
        let stsd = child(mdia, b"minf")?
            .map(|m| child(m, b"stbl"))
            .transpose()?
            .flatten()
            .map(|s| child(s, b"stsd"))
            .transpose()?
            .flatten()
            .ok_or_else(|| MediaError::Corrupt("MP4 track without sample description".into()))?;
        // full box header (4) + entry count (4), then the first sample entry
        let entry = stsd.get(8..).ok_or_else(|| truncated("stsd"))?;
        let fourcc: [u8; 4] = entry
            .get(4..8)
            .ok_or_else(|| truncated("stsd entry"))?
            .try_into()
            .unwrap_or_default();
        let (mut width, mut height, mut track_id) = (0u32, 0u32, 0u32);
        if let Some(tkhd) = child(trak, b"tkhd")? {
            track_id = be32(tkhd, if tkhd.first() == Some(&1) { 20 } else { 12 }).unwrap_or(0);
            let at = if tkhd.first() == Some(&1) { 88 } else { 76 };
            width = be32(tkhd, at).unwrap_or(0) >> 16;
            height = be32(tkhd, at + 4).unwrap_or(0) >> 16;
            // the display matrix (a b u / c d v / x y w) sits just before width; a quarter turn (a = d = 0)
            // swaps the displayed width and height (phone videos shot upright)
            let a = be32(tkhd, at - 36).unwrap_or(0x10000);
            let d = be32(tkhd, at - 20).unwrap_or(0x10000);
            if a == 0 && d == 0 {
                std::mem::swap(&mut width, &mut height);
            }
        }
        if video && (width == 0 || height == 0) {
            // visual sample entry: 8 (box header) + 6 reserved + 2 data ref idx + 16 pre-defined/reserved
            width = u32::from(be16(entry, 32).unwrap_or(0));
            height = u32::from(be16(entry, 34).unwrap_or(0));
        }
        Ok(Some(Track {
            video,
            fourcc,
            width,
            height,
            duration_ms,
            track_id,
            timescale,
        }))
    }

    /// The end time (track timescale) of the last fragment of `track_id`, scanning `moof` boxes from `pos`.
    fn fragments_end<R: Read + Seek>(
        r: &mut R,
        len: u64,
        mut pos: u64,
        track_id: u32,
        trex_default: u32,
    ) -> Result<Option<u64>, MediaError> {
        let mut end: Option<u64> = None;
        let mut running = 0u64;
        let mut count = 0u32;
        while pos + 8 <= len {
            count += 1;
            if count > MAX_TOP_LEVEL_BOXES {
                return Err(MediaError::Corrupt(
                    "MP4 with too many top-level boxes".into(),
                ));
            }
            r.seek(SeekFrom::Start(pos))?;
            let mut h = [0u8; 16];
            read_exact(r, &mut h[..8], "MP4 box header")?;
            let (hdr, size) = match be32(&h, 0).unwrap_or(0) {
                0 => (8, len - pos),
                1 => {
                    read_exact(r, &mut h[8..16], "MP4 box header")?;
                    (16, be64(&h, 8).unwrap_or(0))
                }
                s => (8, u64::from(s)),
            };
            if size < hdr {
                return Err(MediaError::Corrupt(
                    "MP4 box smaller than its header".into(),
                ));
            }
            if &h[4..8] == b"moof" {
                let moof = read_vec(r, size - hdr, "moof box")?;
                for b in boxes(&moof) {
                    let (t, traf) = b?;
                    if &t != b"traf" {
                        continue;
                    }
                    let Some(tfhd) = child(traf, b"tfhd")? else {
                        continue;
                    };
                    if be32(tfhd, 4) != Some(track_id) {
                        continue;
                    }
                    let tf_flags = be32(tfhd, 0).unwrap_or(0) & 0x00ff_ffff;
                    let mut at = 8;
                    if tf_flags & 0x1 != 0 {
                        at += 8;
                    }
                    if tf_flags & 0x2 != 0 {
                        at += 4;
                    }
                    let default = if tf_flags & 0x8 != 0 {
                        be32(tfhd, at).unwrap_or(0)
                    } else {
                        trex_default
                    };
                    let start = match child(traf, b"tfdt")? {
                        Some(t) if t.first() == Some(&1) => be64(t, 4),
                        Some(t) => be32(t, 4).map(u64::from),
                        None => None,
                    }
                    .unwrap_or(running);
                    let mut total = 0u64;
                    for b in boxes(traf) {
                        let (t, trun) = b?;
                        if &t != b"trun" {
                            continue;
                        }
                        let flags = be32(trun, 0).unwrap_or(0) & 0x00ff_ffff;
                        let count = be32(trun, 4).ok_or_else(|| truncated("trun"))?;
                        let mut at = 8
                            + if flags & 0x1 != 0 { 4 } else { 0 }
                            + if flags & 0x4 != 0 { 4 } else { 0 };
                        let per = [0x100u32, 0x200, 0x400, 0x800]
                            .iter()
                            .filter(|f| flags & **f != 0)
                            .count()
                            * 4;
                        if flags & 0x100 == 0 {
                            total += u64::from(count) * u64::from(default);
                            continue;
                        }
                        for _ in 0..count {
                            total += u64::from(be32(trun, at).ok_or_else(|| truncated("trun"))?);
                            at += per;
                        }
                    }
                    running = start + total;
                    end = Some(end.map_or(running, |e| e.max(running)));
                }
            }
            pos = pos.saturating_add(size);
        }
        Ok(end)
    }

    pub(super) fn probe<R: Read + Seek>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
        let mut pos = 0u64;
        let mut moov = None;
        let mut count = 0u32;
        while pos + 8 <= len {
            count += 1;
            if count > MAX_TOP_LEVEL_BOXES {
                return Err(MediaError::Corrupt(
                    "MP4 with too many top-level boxes".into(),
                ));
            }
            r.seek(SeekFrom::Start(pos))?;
            let mut h = [0u8; 16];
            read_exact(r, &mut h[..8], "MP4 box header")?;
            let ty: [u8; 4] = h[4..8].try_into().unwrap_or_default();
            let (hdr, size) = match be32(&h, 0).unwrap_or(0) {
                0 => (8, len - pos),
                1 => {
                    read_exact(r, &mut h[8..16], "MP4 box header")?;
                    (16, be64(&h, 8).unwrap_or(0))
                }
                s => (8, u64::from(s)),
            };
            if size < hdr {
                return Err(MediaError::Corrupt(
                    "MP4 box smaller than its header".into(),
                ));
            }
            if &ty == b"moov" {
                moov = Some(read_vec(r, size - hdr, "moov box")?);
                pos = pos.saturating_add(size);
                break;
            }
            pos = pos.saturating_add(size);
        }
        let moov = moov.ok_or_else(|| MediaError::Corrupt("MP4 without a moov box".into()))?;
        let mut duration_ms = child(&moov, b"mvhd")?
            .and_then(time_header)
            .and_then(|(ts, d)| ms(d, ts));
        if duration_ms.is_none() {
            // fragmented MP4: movie extends header holds the full duration (in the mvhd timescale)
            let ts = child(&moov, b"mvhd")?
                .and_then(time_header)
                .map(|(ts, _)| ts)
                .unwrap_or(0);
            if let Some(mehd) = child(&moov, b"mvex")?
                .map(|m| child(m, b"mehd"))
                .transpose()?
                .flatten()
            {
                let d = if mehd.first() == Some(&1) {
                    be64(mehd, 4)
                } else {
                    be32(mehd, 4).map(u64::from)
                };
                duration_ms = d.and_then(|d| ms(d, ts));
            }
        }
        let mut video = None;
        for b in boxes(&moov) {
            let (t, p) = b?;
            if &t == b"trak" {
                if let Some(tr) = track(p)? {
                    if tr.video && video.is_none() {
                        video = Some(tr);
                    }
                }
            }
        }
        let v = video.ok_or(MediaError::UnsupportedType)?;
        let codec = match &v.fourcc {
            b"avc1" | b"avc3" => "h264",
            b"hvc1" | b"hev1" => "h265",
            b"av01" => "av1",
            _ => return Err(MediaError::UnsupportedType),
        };
        let mut duration_ms = duration_ms.or(v.duration_ms);
        if duration_ms.is_none() {
            // fragmented without a declared duration: add up the video track's fragments
            let trex_default = child(&moov, b"mvex")?
                .map(|m| -> Result<Option<u32>, MediaError> {
                    for b in boxes(m) {
                        let (t, p) = b?;
                        if &t == b"trex" && be32(p, 4) == Some(v.track_id) {
                            return Ok(be32(p, 12));
                        }
                    }
                    Ok(None)
                })
                .transpose()?
                .flatten()
                .unwrap_or(0);
            let end = fragments_end(r, len, pos, v.track_id, trex_default)?;
            duration_ms = end.and_then(|e| ms(e, v.timescale));
        }
        Ok(Probe {
            width: (v.width > 0).then_some(v.width),
            height: (v.height > 0).then_some(v.height),
            duration_ms,
            codec: Some(codec.to_string()),
        })
    }
}

mod webm {
    //! EBML/Matroska: read the Segment's Info and Tracks, seek past everything else.
    use super::*;

    const SEGMENT: u32 = 0x1853_8067;
    const INFO: u32 = 0x1549_A966;
    const TRACKS: u32 = 0x1654_AE6B;
    const CLUSTER: u32 = 0x1F43_B675;
    const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
    const DURATION: u32 = 0x4489;
    const TRACK_ENTRY: u32 = 0xAE;
    const TRACK_TYPE: u32 = 0x83;
    const CODEC_ID: u32 = 0x86;
    const VIDEO: u32 = 0xE0;
    const PIXEL_WIDTH: u32 = 0xB0;
    const PIXEL_HEIGHT: u32 = 0xBA;

    const TRACK_NUMBER: u32 = 0xD7;
    const DEFAULT_DURATION: u32 = 0x23_E383;
    const CLUSTER_TIMESTAMP: u32 = 0xE7;
    const SIMPLE_BLOCK: u32 = 0xA3;
    const BLOCK_GROUP: u32 = 0xA0;
    const BLOCK: u32 = 0xA1;
    /// Ids that only occur at the Segment level: they end a cluster of unknown size.
    const LEVEL1: [u32; 8] = [
        CLUSTER,
        INFO,
        TRACKS,
        0x1C53_BB6B,
        0x1254_C367,
        0x1043_A770,
        0x1941_A469,
        0x114D_9B74,
    ];
    /// Bound on elements visited while looking for the last block.
    const MAX_SCAN: u32 = 2_000_000;

    /// The largest block timestamp (in TimestampScale units) of `track` in the clusters from `pos` to `end`.
    fn last_block_time<R: Read + Seek>(
        r: &mut R,
        mut pos: u64,
        end: u64,
        track: u64,
    ) -> Result<Option<u64>, MediaError> {
        let mut last: Option<u64> = None;
        let mut seen = 0u32;
        let mut cluster_ts = 0u64;
        let mut cluster_end: Option<u64> = None; // Some while inside a cluster of known or unknown size
        while pos < end {
            seen += 1;
            if seen > MAX_SCAN {
                break;
            }
            if cluster_end.is_some_and(|ce| pos >= ce) {
                cluster_end = None;
            }
            r.seek(SeekFrom::Start(pos))?;
            let (id, size, hl) = match header(r) {
                Ok(h) => h,
                Err(MediaError::Corrupt(_)) => break, // a truncated tail: keep what we found
                Err(e) => return Err(e),
            };
            if id == CLUSTER {
                cluster_ts = 0;
                cluster_end = Some(size.map_or(end, |s| pos + hl + s));
                pos += hl;
                continue;
            }
            if cluster_end.is_none() || LEVEL1.contains(&id) {
                // outside clusters: skip whole elements
                match size {
                    Some(s) => pos = pos.saturating_add(hl + s),
                    None => break,
                }
                cluster_end = None;
                continue;
            }
            let Some(s) = size else { break };
            match id {
                CLUSTER_TIMESTAMP => {
                    cluster_ts = uint(&read_vec(r, s.min(8), "cluster timestamp")?)
                }
                SIMPLE_BLOCK | BLOCK_GROUP => {
                    let mut head = read_vec(r, s.min(32), "block")?;
                    if id == BLOCK_GROUP {
                        // the Block is normally the group's first child: skip its id and size
                        let skip = if head.first() == Some(&(BLOCK as u8)) {
                            1 + vint(head.get(1..).unwrap_or_default(), false).map_or(0, |(_, b)| b)
                        } else {
                            head.len()
                        };
                        head = head.get(skip..).unwrap_or_default().to_vec();
                    }
                    if let Some((num, n)) = vint(&head, false) {
                        if num == track {
                            if let Some(rel) = head.get(n..n + 2) {
                                let rel = i64::from(i16::from_be_bytes([rel[0], rel[1]]));
                                let t = (cluster_ts as i64).saturating_add(rel).max(0) as u64;
                                last = Some(last.map_or(t, |l| l.max(t)));
                            }
                        }
                    }
                }
                _ => {}
            }
            pos = pos.saturating_add(hl + s);
        }
        Ok(last)
    }

    /// A variable-length integer: (value, length). `keep_marker` for element ids.
    fn vint(b: &[u8], keep_marker: bool) -> Option<(u64, usize)> {
        let first = *b.first()?;
        let n = first.leading_zeros() as usize + 1;
        if n > 8 || b.len() < n {
            return None;
        }
        let mut v = if keep_marker {
            u64::from(first)
        } else {
            u64::from(first) & ((1u64 << (8 - n)) - 1)
        };
        for &x in &b[1..n] {
            v = (v << 8) | u64::from(x);
        }
        Some((v, n))
    }

    /// Unknown size (all value bits set).
    fn unknown(v: u64, n: usize) -> bool {
        v == (1u64 << (7 * n)) - 1
    }

    fn elements(data: &[u8]) -> impl Iterator<Item = Result<(u32, &[u8]), MediaError>> {
        let mut i = 0usize;
        std::iter::from_fn(move || {
            if i >= data.len() {
                return None;
            }
            let parsed = (|| {
                let (id, a) = vint(&data[i..], true)?;
                let (size, b) = vint(&data[i + a..], false)?;
                let start = i + a + b;
                let end = if unknown(size, b) {
                    data.len()
                } else {
                    start.checked_add(size as usize)?
                };
                (end <= data.len()).then_some((id as u32, start, end))
            })();
            match parsed {
                Some((id, s, e)) => {
                    i = e;
                    Some(Ok((id, &data[s..e])))
                }
                None => {
                    i = data.len();
                    Some(Err(MediaError::Corrupt(
                        "WebM element overruns its parent".into(),
                    )))
                }
            }
        })
    }

    fn uint(p: &[u8]) -> u64 {
        p.iter().take(8).fold(0u64, |v, &x| (v << 8) | u64::from(x))
    }

    fn float(p: &[u8]) -> Option<f64> {
        match p.len() {
            4 => Some(f64::from(f32::from_be_bytes(p.try_into().ok()?))),
            8 => Some(f64::from_be_bytes(p.try_into().ok()?)),
            _ => None,
        }
    }

    /// Read one element header from the file: (id, data size or None if unknown, header length).
    fn header<R: Read>(r: &mut R) -> Result<(u32, Option<u64>, u64), MediaError> {
        let mut b = [0u8; 1];
        read_exact(r, &mut b, "WebM element")?;
        let idn = b[0].leading_zeros() as usize + 1;
        if idn > 4 {
            return Err(MediaError::Corrupt("bad WebM element id".into()));
        }
        let mut buf = [0u8; 12];
        buf[0] = b[0];
        read_exact(r, &mut buf[1..idn], "WebM element id")?;
        read_exact(r, &mut buf[idn..idn + 1], "WebM element size")?;
        let sn = buf[idn].leading_zeros() as usize + 1;
        if sn > 8 {
            return Err(MediaError::Corrupt("bad WebM element size".into()));
        }
        read_exact(r, &mut buf[idn + 1..idn + sn], "WebM element size")?;
        let (id, _) = vint(&buf[..idn], true).ok_or_else(|| truncated("WebM id"))?;
        let (size, _) = vint(&buf[idn..idn + sn], false).ok_or_else(|| truncated("WebM size"))?;
        let size = (!unknown(size, sn)).then_some(size);
        Ok((id as u32, size, (idn + sn) as u64))
    }

    pub(super) fn probe<R: Read + Seek>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
        let (id, size, hl) = header(r)?;
        if id != 0x1A45_DFA3 {
            return Err(MediaError::Corrupt("not an EBML file".into()));
        }
        let ebml = read_vec(
            r,
            size.ok_or_else(|| MediaError::Corrupt("EBML header of unknown size".into()))?,
            "EBML header",
        )?;
        let doctype = elements(&ebml)
            .filter_map(Result::ok)
            .find(|(id, _)| *id == 0x4282)
            .map(|(_, p)| {
                String::from_utf8_lossy(p)
                    .trim_end_matches('\0')
                    .to_string()
            });
        if doctype.as_deref() != Some("webm") {
            return Err(MediaError::UnsupportedType);
        }
        let mut pos = hl + ebml.len() as u64;
        // find the Segment
        let seg_end = loop {
            if pos >= len {
                return Err(MediaError::Corrupt("WebM without a Segment".into()));
            }
            r.seek(SeekFrom::Start(pos))?;
            let (id, size, hl) = header(r)?;
            pos += hl;
            if id == SEGMENT {
                break size.map_or(len, |s| (pos + s).min(len));
            }
            pos = pos.saturating_add(
                size.ok_or_else(|| MediaError::Corrupt("unknown-size element".into()))?,
            );
        };
        let (mut info, mut tracks) = (None, None);
        while pos < seg_end && (info.is_none() || tracks.is_none()) {
            r.seek(SeekFrom::Start(pos))?;
            let (id, size, hl) = header(r)?;
            match (id, size) {
                (INFO, Some(s)) => info = Some(read_vec(r, s, "WebM Info")?),
                (TRACKS, Some(s)) => tracks = Some(read_vec(r, s, "WebM Tracks")?),
                (_, Some(_)) => {}
                // live stream: clusters of unknown size, nothing more to skip to
                (_, None) => break,
            }
            pos += hl;
            if let Some(s) = size {
                pos = pos.saturating_add(s);
            }
        }
        let tracks = tracks.ok_or_else(|| MediaError::Corrupt("WebM without Tracks".into()))?;
        let mut duration_ms = None;
        let mut scale = 1_000_000u64;
        if let Some(info) = info {
            let mut dur = None;
            for e in elements(&info) {
                let (id, p) = e?;
                match id {
                    TIMESTAMP_SCALE => scale = uint(p),
                    DURATION => dur = float(p),
                    _ => {}
                }
            }
            duration_ms = dur
                .filter(|d| d.is_finite() && *d > 0.0)
                .map(|d| (d * scale as f64 / 1_000_000.0).round() as u64);
        }
        for e in elements(&tracks) {
            let (id, entry) = e?;
            if id != TRACK_ENTRY {
                continue;
            }
            let (mut ty, mut codec, mut w, mut h) = (0u64, String::new(), 0u64, 0u64);
            let (mut number, mut default_ns) = (0u64, 0u64);
            for f in elements(entry) {
                let (id, p) = f?;
                match id {
                    TRACK_TYPE => ty = uint(p),
                    TRACK_NUMBER => number = uint(p),
                    DEFAULT_DURATION => default_ns = uint(p),
                    CODEC_ID => {
                        codec = String::from_utf8_lossy(p)
                            .trim_end_matches('\0')
                            .to_string()
                    }
                    VIDEO => {
                        for v in elements(p) {
                            let (id, p) = v?;
                            match id {
                                PIXEL_WIDTH => w = uint(p),
                                PIXEL_HEIGHT => h = uint(p),
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            if ty != 1 {
                continue;
            }
            let codec = match codec.as_str() {
                "V_VP8" => "vp8",
                "V_VP9" => "vp9",
                "V_AV1" => "av1",
                _ => return Err(MediaError::UnsupportedType),
            };
            if duration_ms.is_none() && scale > 0 {
                // no Duration (live recording, e.g. MediaRecorder): the last video block's time + one frame
                if let Some(last) = last_block_time(r, pos, seg_end, number)? {
                    let ns = u128::from(last) * u128::from(scale) + u128::from(default_ns);
                    duration_ms = Some((ns / 1_000_000) as u64).filter(|d| *d > 0);
                }
            }
            let dim = |v: u64| u32::try_from(v).ok().filter(|v| *v > 0);
            return Ok(Probe {
                width: dim(w),
                height: dim(h),
                duration_ms,
                codec: Some(codec.into()),
            });
        }
        Err(MediaError::UnsupportedType)
    }
}
