//! The one error type of this crate.

/// Everything that can go wrong while taking media in, storing it or transcoding it.
///
/// Each variant maps to one kind of answer: `TooLarge` → 413, `UnsupportedType`/`Corrupt`/`UnsafeSvg` → 415/422,
/// `NotFound` → 404, `Storage`/`Io`/`Ffmpeg` → 5xx (or a failed job).
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The upload went past the configured limit (in bytes).
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: u64,
    },
    /// The content is not one of the accepted types (or uses a codec we do not accept).
    #[error("unsupported media type: accepted are MP4 (H.264, H.265, AV1), WebM (VP8, VP9, AV1), PNG, JPEG, WebP, GIF and sanitized SVG")]
    UnsupportedType,
    /// The content claims an accepted type but its structure is broken or truncated.
    #[error("corrupt media: {0}")]
    Corrupt(String),
    /// An SVG holding something active or external; the message names it.
    #[error("unsafe SVG refused: {0}")]
    UnsafeSvg(String),
    /// The object does not exist in storage.
    #[error("object not found")]
    NotFound,
    /// The object store failed or is misconfigured (the message never carries secrets).
    #[error("storage error: {0}")]
    Storage(String),
    /// A local filesystem error.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The file is a container or codec only ffmpeg reads (Matroska, MPEG streams, ProRes, MPEG-2, …), and this
    /// server takes such files only with ffmpeg present and transcoding on; the message names what it is.
    #[error("{0} is accepted only where ffmpeg is installed and transcoding is on")]
    NeedsFfmpeg(String),
    /// ffmpeg/ffprobe is missing or failed; the message holds the end of its stderr.
    #[error("ffmpeg failed: {0}")]
    Ffmpeg(String),
}

impl From<object_store::Error> for MediaError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => MediaError::NotFound,
            other => MediaError::Storage(other.to_string()),
        }
    }
}
