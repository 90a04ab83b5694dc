//! JPEG: dimensions from the SOF segment (turned by the EXIF orientation), seeking past other segments.

use super::*;

pub(super) fn probe<R: Read + Seek>(r: &mut R) -> Result<Probe, MediaError> {
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
