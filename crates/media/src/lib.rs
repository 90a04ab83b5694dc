//! Twincast media library.
//!
//! Everything the server and the CLI need to take a media file in and serve it back out:
//!
//! - [`sniff`]: the type from the magic bytes, never from the file name;
//! - [`probe_file`]: width, height, duration and codec without ffmpeg (MP4, WebM, PNG, JPEG, WebP, GIF, SVG);
//! - [`sanitize_svg`]: SVG accepted only when nothing active or external is left in it;
//! - [`Ingest`]: streaming ingest to a temp file with SHA-256, a size limit and clean-up on every failure;
//! - [`Storage`]: one object-store abstraction over the local filesystem and S3-compatible servers;
//! - [`ffmpeg`]: thumbnails, normalised MP4 and HLS renditions when ffmpeg is on `PATH`.

mod error;
pub mod ffmpeg;
mod ingest;
mod probe;
mod sniff;
mod storage;
pub mod storyboard;
mod svg;

pub use error::MediaError;
pub use ingest::{Ingest, Ingested, MAX_SVG_BYTES};
pub use probe::{probe_file, Probe};
pub use sniff::{sniff, MediaType, SNIFF_LEN};
pub use storage::Storage;
pub use svg::sanitize_svg;

/// Content-addressed object key: `media/ab/cd/<sha256>.<ext>` where `ab` and `cd` are the first two byte pairs
/// of the lowercase hex digest.
///
/// The digest is lowercased; a digest shorter than 4 characters still gives a valid (if shallow) key.
pub fn object_key(sha256: &str, t: MediaType) -> String {
    let h = sha256.to_ascii_lowercase();
    let a = h.get(0..2).unwrap_or("00");
    let b = h.get(2..4).unwrap_or("00");
    format!("media/{a}/{b}/{h}.{}", t.ext())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_can_cross_tasks() {
        fn send_sync<T: Send + Sync + 'static>() {}
        fn send<T: Send + 'static>() {}
        send_sync::<Storage>();
        send_sync::<MediaError>();
        send::<Ingest>();
        send::<Ingested>();
    }

    #[test]
    fn object_key_layout() {
        let h = "ABCDef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
        assert_eq!(
            object_key(h, MediaType::Mp4),
            "media/ab/cd/abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789.mp4"
        );
        assert_eq!(object_key("a", MediaType::Svg), "media/00/00/a.svg");
    }
}
