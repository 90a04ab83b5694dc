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
            CLUSTER_TIMESTAMP => cluster_ts = uint(&read_vec(r, s.min(8), "cluster timestamp")?),
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
