//! Player manifests as the hub caches and serves them (`docs/player-protocol.md` §3; the wire types are
//! [`twincast_protocol::manifest`]).
//!
//! A manifest is `screen part + shared part`. The shared part (layout, items, alerts, the engine's play sequence,
//! ticker, media) depends only on the schedule version, the horizon, the screen's orientation and time zone and
//! *which* campaigns and alerts target the screen, so screens with the same inputs share one computation,
//! serialized once ([`twincast_protocol::ManifestShared::to_suffix`]) and gzip-compressed once. The strong ETag
//! is a hash of the shared part's digest and the screen part, so it changes exactly when the body does.
//!
//! - `build`: the snapshot of the schedule, targeting, and building the two parts.
//! - `wire`: domain values as wire types.
//! - `gzip`: the gzip coding from stored blocks, one shared compressed stream and a combined CRC.

pub(crate) mod build;
mod gzip;
mod wire;

use build::SharedPart;
use bytes::Bytes;
use std::sync::Arc;

/// A built manifest of one screen: a small screen-specific prefix followed by a suffix shared by every screen
/// with the same inputs (so 10,000 screens do not hold 10,000 copies of the play sequence).
#[derive(Clone)]
pub struct Manifest {
    /// Quoted strong ETag.
    pub etag: String,
    /// Screen-specific start of the JSON body.
    prefix: Bytes,
    /// The gzip header and the prefix as stored (uncompressed, byte-aligned) deflate blocks.
    prefix_gz: Bytes,
    /// CRC-32 of the prefix.
    prefix_crc: crc32fast::Hasher,
    shared: Arc<SharedPart>,
    /// Schedule version it was built from.
    pub version: i64,
    /// Horizon start.
    pub from: i64,
    /// Horizon hours.
    pub hours: i64,
}

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manifest")
            .field("etag", &self.etag)
            .field("len", &self.len())
            .finish()
    }
}

impl Manifest {
    fn new(
        etag: String,
        prefix: Vec<u8>,
        shared: Arc<SharedPart>,
        version: i64,
        from: i64,
        hours: i64,
    ) -> Manifest {
        let mut prefix_gz = gzip::GZIP_HEADER.to_vec();
        prefix_gz.extend_from_slice(&gzip::deflate_stored(&prefix));
        let mut prefix_crc = crc32fast::Hasher::new();
        prefix_crc.update(&prefix);
        Manifest {
            etag,
            prefix: Bytes::from(prefix),
            prefix_gz: Bytes::from(prefix_gz),
            prefix_crc,
            shared,
            version,
            from,
            hours,
        }
    }

    /// Length of the JSON body.
    fn len(&self) -> usize {
        self.prefix.len() + self.shared.suffix.len()
    }

    /// The JSON body as chunks (no copy of the shared part).
    pub fn chunks(&self) -> [Bytes; 2] {
        [self.prefix.clone(), self.shared.suffix.clone()]
    }

    /// The body gzip-encoded, as chunks: the screen's deflated prefix, the shared deflated suffix (compressed
    /// once per shared computation) and the trailer (see the `gzip` module).
    pub fn gzip_chunks(&self) -> [Bytes; 3] {
        let mut crc = self.prefix_crc.clone();
        crc.combine(&self.shared.suffix_crc);
        [
            self.prefix_gz.clone(),
            self.shared
                .suffix_gz
                .get_or_init(|| Bytes::from(gzip::deflate_final(&self.shared.suffix)))
                .clone(),
            Bytes::from(gzip::trailer(crc.finalize(), self.len())),
        ]
    }
}
