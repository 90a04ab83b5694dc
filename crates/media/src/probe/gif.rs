//! GIF: dimensions from the logical screen, duration from the frames' delays.

use super::*;

pub(super) fn probe<R: Read>(r: &mut R, len: u64) -> Result<Probe, MediaError> {
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
