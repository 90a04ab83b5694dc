//! PNG: dimensions from IHDR, and a check that the file is complete.

use super::*;

/// A PNG must end with its IEND chunk: a file cut short (an interrupted upload) is refused.
pub(super) fn complete(path: &Path, len: u64) -> Result<(), MediaError> {
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

pub(super) fn probe<R: Read>(r: &mut R) -> Result<Probe, MediaError> {
    let mut h = [0u8; 24];
    read_exact(r, &mut h, "PNG header")?;
    if &h[12..16] != b"IHDR" {
        return Err(MediaError::Corrupt("PNG without IHDR chunk".into()));
    }
    let w = be32(&h, 16).unwrap_or(0);
    let ht = be32(&h, 20).unwrap_or(0);
    image(w, ht, "png", None)
}
