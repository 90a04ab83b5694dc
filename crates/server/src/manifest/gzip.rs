//! The gzip coding of a manifest without compressing per request: a gzip member is the header, the screen's
//! prefix as *stored* (uncompressed, byte-aligned, non-final) deflate blocks, the shared part compressed once as
//! a complete deflate stream, and a trailer whose CRC-32 is combined from the two parts' CRCs. Non-final stored
//! blocks followed by an independently compressed stream form one valid deflate stream (RFC 1951: stored blocks
//! end byte-aligned and no back reference crosses the seam).

/// Compression level of the shared part (compressed once per group of screens; 6 halves the bytes of 1 on the
/// play sequence for a few milliseconds more).
const GZIP_LEVEL: u32 = 6;

/// gzip member header: deflate, no flags, no mtime, unknown OS.
pub(super) const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `data` as raw deflate *stored* blocks, not final (a cheap, byte-aligned start of a deflate stream).
pub(super) fn deflate_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / 65_535 + 1));
    for chunk in data.chunks(65_535) {
        let len = chunk.len() as u16;
        out.push(0); // BFINAL = 0, BTYPE = 00 (stored), padded to the byte boundary
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// `data` compressed as a complete raw deflate stream (final block included).
pub(super) fn deflate_final(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 8 + 64),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// The gzip trailer of a body of `len` bytes whose CRC-32 is `crc`.
pub(super) fn trailer(crc: u32, len: usize) -> Vec<u8> {
    let mut t = Vec::with_capacity(8);
    t.extend_from_slice(&crc.to_le_bytes());
    t.extend_from_slice(&(len as u32).to_le_bytes());
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn stored_prefix_and_compressed_suffix_make_one_gzip_member() {
        let prefix = br#"{"format":2,"etag":"\"x\""#.repeat(3000); // > 65,535 bytes: several stored blocks
        let suffix = br#","plays":[[10000,0],[10000,1]]}"#.repeat(500);
        let mut gz = GZIP_HEADER.to_vec();
        gz.extend_from_slice(&deflate_stored(&prefix));
        gz.extend_from_slice(&deflate_final(&suffix));
        let mut crc = crc32fast::Hasher::new();
        crc.update(&prefix);
        let mut crc2 = crc32fast::Hasher::new();
        crc2.update(&suffix);
        crc.combine(&crc2);
        gz.extend_from_slice(&trailer(crc.finalize(), prefix.len() + suffix.len()));
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, [prefix, suffix].concat());
    }
}
