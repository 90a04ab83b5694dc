//! WebP: dimensions from VP8/VP8L/VP8X chunks, duration of animations from their frames.

use super::*;

pub(super) fn probe<R: Read + Seek>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
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
