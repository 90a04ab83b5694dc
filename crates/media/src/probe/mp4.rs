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
    if timescale == 0 || duration == 0 || duration == u64::MAX || duration == u64::from(u32::MAX) {
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
