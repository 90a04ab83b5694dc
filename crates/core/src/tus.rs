//! The tus 1.0 resumable upload protocol's rules, without IO (docs/media.md, "Resumable uploads over tus"):
//! the version check, the headers' grammar (`Upload-Offset`, `Upload-Length`, `Upload-Metadata`,
//! `Upload-Checksum`), the offset rules of a `PATCH`, the checksum state a chunk is hashed into while it streams,
//! and the metadata a Twincast upload needs (file name, partner, type).
//!
//! The HTTP front door (`twincast_server::api::tus`) parses headers with these functions, and the application
//! layer (`twincast_app::uploads`) feeds each arriving piece of a chunk to a [`ChunkHasher`] and keeps the chunk
//! only when [`ChunkHasher::matches`] holds.

use base64::Engine;
use sha1::Digest as _;
use std::collections::BTreeMap;

/// The protocol version this server speaks (`Tus-Resumable`, `Tus-Version`).
pub const VERSION: &str = "1.0.0";
/// The extensions this server supports (`Tus-Extension`).
pub const EXTENSIONS: &str = "creation,termination,expiration,checksum";
/// The checksum algorithms this server supports (`Tus-Checksum-Algorithm`); `sha1` is the one tus requires.
pub const CHECKSUM_ALGORITHMS: &str = "sha1,sha256";
/// The media type of a `PATCH` body.
pub const PATCH_CONTENT_TYPE: &str = "application/offset+octet-stream";
/// The longest `Upload-Metadata` header accepted, in bytes.
pub const MAX_METADATA_LEN: usize = 8 * 1024;

/// A request that breaks the protocol, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TusError {
    /// `Tus-Resumable` is missing or names another version (→ 412).
    #[error("send Tus-Resumable: 1.0.0 (this server speaks tus 1.0.0)")]
    UnsupportedVersion,
    /// A number header is missing or not a byte count (→ 400).
    #[error("{0} must be a byte count (a non-negative integer)")]
    InvalidNumber(&'static str),
    /// A required header is missing (→ 400).
    #[error("the {0} header is required")]
    MissingHeader(&'static str),
    /// `Upload-Metadata` does not follow the grammar (→ 400).
    #[error(
        "Upload-Metadata must be comma-separated `key base64value` pairs with unique keys: {0}"
    )]
    InvalidMetadata(String),
    /// `Upload-Checksum` does not read `<algorithm> <base64 digest>` or the digest has the wrong length (→ 400).
    #[error("Upload-Checksum must read `<algorithm> <base64 digest>`: {0}")]
    InvalidChecksum(String),
    /// The checksum's algorithm is not one this server supports (→ 400).
    #[error("the checksum algorithm {0:?} is not supported; use sha1 or sha256")]
    UnsupportedAlgorithm(String),
    /// The `PATCH` body is not `application/offset+octet-stream` (→ 415).
    #[error("a PATCH body must have Content-Type: application/offset+octet-stream")]
    WrongContentType,
    /// The `PATCH` starts elsewhere than at the upload's offset (→ 409).
    #[error("the upload is at offset {current}; send the bytes that start there")]
    OffsetMismatch {
        /// The upload's offset.
        current: u64,
    },
    /// The `PATCH` would carry the upload past its length (→ 413).
    #[error("the chunk goes past the upload's length of {length} bytes")]
    PastLength {
        /// The upload's length.
        length: u64,
    },
}

impl TusError {
    /// The stable problem code.
    pub fn code(&self) -> &'static str {
        match self {
            TusError::UnsupportedVersion => "tus-version-unsupported",
            TusError::InvalidNumber(_) => "tus-invalid-header",
            TusError::MissingHeader(_) => "tus-missing-header",
            TusError::InvalidMetadata(_) => "tus-invalid-metadata",
            TusError::InvalidChecksum(_) => "tus-invalid-checksum",
            TusError::UnsupportedAlgorithm(_) => "tus-checksum-algorithm-unsupported",
            TusError::WrongContentType => "tus-wrong-content-type",
            TusError::OffsetMismatch { .. } => "upload-offset-mismatch",
            TusError::PastLength { .. } => "upload-too-large",
        }
    }
}

/// Checks `Tus-Resumable` (every request but `OPTIONS` must send it).
pub fn check_version(header: Option<&str>) -> Result<(), TusError> {
    match header.map(str::trim) {
        Some(VERSION) => Ok(()),
        _ => Err(TusError::UnsupportedVersion),
    }
}

/// A byte count header (`Upload-Offset`, `Upload-Length`): decimal digits only.
pub fn parse_count(name: &'static str, value: Option<&str>) -> Result<u64, TusError> {
    let v = value.ok_or(TusError::MissingHeader(name))?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TusError::InvalidNumber(name));
    }
    v.parse().map_err(|_| TusError::InvalidNumber(name))
}

/// `Upload-Metadata`: `key value` pairs separated by commas, the value base64 (standard alphabet, padded or not)
/// and optional; keys are unique, non-empty, without spaces or commas. Values are read as UTF-8 text here (every
/// key Twincast reads is text); a value that is not UTF-8 is refused.
pub fn parse_metadata(header: &str) -> Result<BTreeMap<String, String>, TusError> {
    let bad = |m: String| TusError::InvalidMetadata(m);
    if header.len() > MAX_METADATA_LEN {
        return Err(bad(format!("longer than {MAX_METADATA_LEN} bytes")));
    }
    let mut out = BTreeMap::new();
    if header.trim().is_empty() {
        return Ok(out);
    }
    for pair in header.split(',') {
        let pair = pair.trim();
        let mut parts = pair.split(' ').filter(|p| !p.is_empty());
        let key = parts.next().ok_or_else(|| bad("an empty pair".into()))?;
        let value = parts.next();
        if parts.next().is_some() {
            return Err(bad(format!("the pair of {key:?} has more than two parts")));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic() && b != b',') {
            return Err(bad(format!("the key {key:?} is not plain ASCII")));
        }
        let text = match value {
            None => String::new(),
            Some(v) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(v)
                    .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(v))
                    .map_err(|_| bad(format!("the value of {key:?} is not base64")))?;
                String::from_utf8(bytes)
                    .map_err(|_| bad(format!("the value of {key:?} is not UTF-8 text")))?
            }
        };
        if out.insert(key.to_string(), text).is_some() {
            return Err(bad(format!("the key {key:?} appears twice")));
        }
    }
    Ok(out)
}

/// Writes `Upload-Metadata` from pairs (what a client sends; used by tests and tools).
pub fn encode_metadata<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{k} {}",
                base64::engine::general_purpose::STANDARD.encode(v.as_bytes())
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What a Twincast upload needs from `Upload-Metadata`: the file name (`filename`, else `name`), the owner
/// partner's slug (`partner`) and the type the client believes (`filetype`, else `type`; informative). Other
/// keys (`title`, a client's own) are ignored, as tus asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFields {
    /// The file name the media item gets.
    pub file_name: String,
    /// The owner partner (slug).
    pub partner: String,
    /// The type the client declared, if any.
    pub mime: Option<String>,
}

/// Reads [`UploadFields`] from parsed metadata.
pub fn upload_fields(meta: &BTreeMap<String, String>) -> Result<UploadFields, TusError> {
    let pick = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| meta.get(*k))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let file_name = pick(&["filename", "name"]).ok_or_else(|| {
        TusError::InvalidMetadata("the `filename` key (the file's name) is required".into())
    })?;
    let partner = pick(&["partner"]).ok_or_else(|| {
        TusError::InvalidMetadata("the `partner` key (the owner partner's slug) is required".into())
    })?;
    Ok(UploadFields {
        file_name,
        partner,
        mime: pick(&["filetype", "type"]),
    })
}

/// A checksum algorithm of the checksum extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// SHA-1 (the one tus requires a server to support).
    Sha1,
    /// SHA-256.
    Sha256,
}

impl Algorithm {
    fn digest_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 20,
            Algorithm::Sha256 => 32,
        }
    }
}

/// A chunk's declared checksum (`Upload-Checksum`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The digest's bytes.
    pub digest: Vec<u8>,
}

/// `Upload-Checksum: <algorithm> <base64 digest>`.
pub fn parse_checksum(header: &str) -> Result<Checksum, TusError> {
    let (alg, digest) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| TusError::InvalidChecksum("no space between algorithm and digest".into()))?;
    let algorithm = match alg.to_ascii_lowercase().as_str() {
        "sha1" => Algorithm::Sha1,
        "sha256" => Algorithm::Sha256,
        other => return Err(TusError::UnsupportedAlgorithm(other.to_string())),
    };
    let digest = base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map_err(|_| TusError::InvalidChecksum("the digest is not base64".into()))?;
    if digest.len() != algorithm.digest_len() {
        return Err(TusError::InvalidChecksum(format!(
            "a {alg} digest has {} bytes, not {}",
            algorithm.digest_len(),
            digest.len()
        )));
    }
    Ok(Checksum { algorithm, digest })
}

/// Writes `Upload-Checksum` for `bytes` (what a client sends).
pub fn checksum_header(algorithm: Algorithm, bytes: &[u8]) -> String {
    let mut h = ChunkHasher::new(algorithm);
    h.update(bytes);
    let (name, digest) = match h {
        ChunkHasher::Sha1(h) => ("sha1", h.finalize().to_vec()),
        ChunkHasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
    };
    format!(
        "{name} {}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The hash of a chunk while it streams.
#[derive(Clone)]
pub enum ChunkHasher {
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
}

impl std::fmt::Debug for ChunkHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ChunkHasher::Sha1(_) => "ChunkHasher(sha1)",
            ChunkHasher::Sha256(_) => "ChunkHasher(sha256)",
        })
    }
}

impl ChunkHasher {
    /// An empty state.
    pub fn new(algorithm: Algorithm) -> ChunkHasher {
        match algorithm {
            Algorithm::Sha1 => ChunkHasher::Sha1(sha1::Sha1::new()),
            Algorithm::Sha256 => ChunkHasher::Sha256(sha2::Sha256::new()),
        }
    }

    /// Feeds the next piece of the chunk.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            ChunkHasher::Sha1(h) => h.update(bytes),
            ChunkHasher::Sha256(h) => h.update(bytes),
        }
    }

    /// Whether the bytes fed equal the declared checksum (same algorithm and digest).
    pub fn matches(self, declared: &Checksum) -> bool {
        let digest = match self {
            ChunkHasher::Sha1(h) if declared.algorithm == Algorithm::Sha1 => h.finalize().to_vec(),
            ChunkHasher::Sha256(h) if declared.algorithm == Algorithm::Sha256 => {
                h.finalize().to_vec()
            }
            _ => return false,
        };
        digest == declared.digest
    }
}

/// The offset rules of a `PATCH`: it starts at the upload's offset `current` (else
/// [`TusError::OffsetMismatch`]) and, when its `Content-Length` is known, ends within the upload's `length`
/// (else [`TusError::PastLength`]). The bytes actually received are bounded again as they arrive.
pub fn check_patch(
    current: u64,
    length: u64,
    offset: u64,
    content_length: Option<u64>,
) -> Result<(), TusError> {
    if offset != current {
        return Err(TusError::OffsetMismatch { current });
    }
    if let Some(n) = content_length {
        if current.checked_add(n).is_none_or(|end| end > length) {
            return Err(TusError::PastLength { length });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_required_and_exact() {
        assert_eq!(check_version(Some("1.0.0")), Ok(()));
        assert_eq!(check_version(Some(" 1.0.0 ")), Ok(()));
        assert_eq!(check_version(None), Err(TusError::UnsupportedVersion));
        assert_eq!(
            check_version(Some("0.2.2")),
            Err(TusError::UnsupportedVersion)
        );
    }

    #[test]
    fn counts_are_digits_only() {
        assert_eq!(parse_count("Upload-Offset", Some("0")), Ok(0));
        assert_eq!(parse_count("Upload-Offset", Some("123")), Ok(123));
        for bad in ["", "-1", "+1", "1.5", "0x10", "99999999999999999999999"] {
            assert_eq!(
                parse_count("Upload-Offset", Some(bad)),
                Err(TusError::InvalidNumber("Upload-Offset")),
                "{bad}"
            );
        }
        assert_eq!(
            parse_count("Upload-Length", None),
            Err(TusError::MissingHeader("Upload-Length"))
        );
    }

    #[test]
    fn metadata_round_trips_and_reads_the_fields() {
        let h = encode_metadata([
            ("filename", "Ролик 春节.mp4"),
            ("partner", "akashi"),
            ("filetype", "video/mp4"),
            ("title", "x, y"),
        ]);
        let m = parse_metadata(&h).unwrap();
        assert_eq!(m["filename"], "Ролик 春节.mp4");
        assert_eq!(m["title"], "x, y");
        let f = upload_fields(&m).unwrap();
        assert_eq!(f.partner, "akashi");
        assert_eq!(f.mime.as_deref(), Some("video/mp4"));
        // A key without a value, and unpadded base64 (some clients send it).
        let m = parse_metadata("is_confidential,name YS5tcDQ").unwrap();
        assert_eq!(m["is_confidential"], "");
        assert_eq!(m["name"], "a.mp4");
    }

    #[test]
    fn bad_metadata_is_refused_with_a_reason() {
        for bad in [
            "filename !!!",
            "a YQ==,a Yg==",
            "a YQ== extra",
            ",",
            "k /w==", // 0xff is not UTF-8
        ] {
            assert!(
                matches!(parse_metadata(bad), Err(TusError::InvalidMetadata(_))),
                "{bad}"
            );
        }
        let m = parse_metadata(&encode_metadata([("filename", "a.mp4")])).unwrap();
        assert_eq!(
            upload_fields(&m).unwrap_err().code(),
            "tus-invalid-metadata"
        );
        assert!(parse_metadata(&"a".repeat(MAX_METADATA_LEN + 1)).is_err());
    }

    #[test]
    fn checksums_parse_and_verify() {
        let chunk = b"the quick brown fox";
        for alg in [Algorithm::Sha1, Algorithm::Sha256] {
            let declared = parse_checksum(&checksum_header(alg, chunk)).unwrap();
            assert_eq!(declared.algorithm, alg);
            let mut h = ChunkHasher::new(alg);
            h.update(&chunk[..4]);
            h.update(&chunk[4..]);
            assert!(h.matches(&declared));
            let mut h = ChunkHasher::new(alg);
            h.update(b"the quick brown fax");
            assert!(!h.matches(&declared));
        }
        // The known SHA-1 of "abc".
        let abc = parse_checksum("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=").unwrap();
        let mut h = ChunkHasher::new(Algorithm::Sha1);
        h.update(b"abc");
        assert!(h.matches(&abc));
        assert_eq!(
            parse_checksum("md5 1B2M2Y8AsgTpgAmY7PhCfg==").unwrap_err(),
            TusError::UnsupportedAlgorithm("md5".into())
        );
        assert!(matches!(
            parse_checksum("sha1 AAAA"),
            Err(TusError::InvalidChecksum(_))
        ));
        assert!(matches!(
            parse_checksum("sha1"),
            Err(TusError::InvalidChecksum(_))
        ));
        // A hasher of one algorithm never matches a digest of the other.
        let h = ChunkHasher::new(Algorithm::Sha256);
        assert!(!h.matches(&parse_checksum(&checksum_header(Algorithm::Sha1, b"")).unwrap()));
    }

    #[test]
    fn patch_offsets() {
        assert_eq!(check_patch(10, 100, 10, Some(90)), Ok(()));
        assert_eq!(check_patch(10, 100, 10, None), Ok(()));
        assert_eq!(
            check_patch(10, 100, 0, Some(5)),
            Err(TusError::OffsetMismatch { current: 10 })
        );
        assert_eq!(
            check_patch(10, 100, 10, Some(91)),
            Err(TusError::PastLength { length: 100 })
        );
        assert_eq!(
            check_patch(10, 100, 10, Some(u64::MAX)),
            Err(TusError::PastLength { length: 100 })
        );
    }
}
