//! The one error type of every domain operation. Front doors map it once: to RFC 9457 problems in the server
//! (`twincast_server::error`), to messages in the CLI. A message here is written for the person who made the
//! request; causes inside the system (database, storage) are logged, never carried to a client.

use twincast_media::MediaError;
use twincast_store::StoreError;

/// What can go wrong in a domain operation. Each variant has a stable `code` (see [`AppError::code`]).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request's content breaks a rule (→ 400).
    #[error("{message}")]
    Invalid {
        /// Stable code, e.g. `invalid-slug`.
        code: &'static str,
        /// What is wrong, for the requester.
        message: String,
    },
    /// Not authenticated, or the credentials are not valid (→ 401).
    #[error("{message}")]
    Unauthenticated {
        /// Stable code, e.g. `unauthenticated`, `session-expired`.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Authenticated, but not allowed (→ 403).
    #[error("{message}")]
    Forbidden {
        /// Stable code, e.g. `forbidden`.
        code: &'static str,
        /// What is not allowed.
        message: String,
    },
    /// The thing does not exist (or the caller may not know it does) (→ 404).
    #[error("{0}")]
    NotFound(String),
    /// The thing does not exist, with a code naming what is missing, e.g. `pairing-not-found` (→ 404).
    #[error("{message}")]
    Missing {
        /// Stable code.
        code: &'static str,
        /// What is missing.
        message: String,
    },
    /// The thing existed but is used up or expired for good, e.g. `pairing-expired` (→ 410).
    #[error("{message}")]
    Gone {
        /// Stable code.
        code: &'static str,
        /// What is gone and what to do instead.
        message: String,
    },
    /// The change conflicts with the current state (→ 409).
    #[error("{message}")]
    Conflict {
        /// Stable code, e.g. `conflict`.
        code: &'static str,
        /// What conflicts (never a database's own text).
        message: String,
    },
    /// The request named a version (`If-Match`) that is no longer current: someone else changed the thing since
    /// (→ 412, code `stale-version`).
    #[error("the resource changed since you read it (it is now at version {current}); reload it and apply your change again")]
    Stale {
        /// The current version.
        current: i64,
    },
    /// The body is larger than allowed (→ 413).
    #[error("the upload exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The content's type is not accepted (→ 415).
    #[error("{message}")]
    UnsupportedMedia {
        /// Stable code.
        code: &'static str,
        /// Which types are accepted.
        message: String,
    },
    /// Well-formed but not acceptable content (→ 422).
    #[error("{message}")]
    Unprocessable {
        /// Stable code, e.g. `corrupt-media`.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Too many attempts (→ 429).
    #[error("{message}")]
    TooManyRequests {
        /// Stable code.
        code: &'static str,
        /// When to try again.
        message: String,
    },
    /// A failure inside the system (→ 500). The text is for the log only.
    /// A part the operation needs (database, object store) does not answer now; retrying later may succeed. Answered
    /// 503 with `Retry-After`.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// The server's disk is full: nothing was written. Answered 507.
    #[error("the server's storage is full; nothing was stored (an operator must free space)")]
    InsufficientStorage,
    #[error("internal error: {0}")]
    Internal(String),
    /// Another error with extension members for the requester (RFC 9457 §3.2: data a client can act on, e.g. the
    /// campaigns that use a media item): the status, code and message are the inner error's.
    #[error("{error}")]
    WithMembers {
        /// The error.
        error: Box<AppError>,
        /// Extension members of the problem (never `type`, `title`, `status`, `detail` or `code`).
        members: serde_json::Map<String, serde_json::Value>,
    },
}

/// Result alias of domain operations.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// A 400-kind error.
    pub fn invalid(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid {
            code,
            message: message.into(),
        }
    }
    /// A 403-kind error with code `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }
    /// A 401-kind error with code `unauthenticated`.
    pub fn unauthenticated(message: impl Into<String>) -> AppError {
        AppError::Unauthenticated {
            code: "unauthenticated",
            message: message.into(),
        }
    }
    /// A 404-kind error.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::NotFound(message.into())
    }
    /// A 404-kind error with a specific code.
    pub fn missing(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Missing {
            code,
            message: message.into(),
        }
    }
    /// A 410-kind error.
    pub fn gone(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Gone {
            code,
            message: message.into(),
        }
    }
    /// A 409-kind error.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Conflict {
            code,
            message: message.into(),
        }
    }
    /// A 500-kind error; the cause is logged here, once.
    /// The database does not answer (503 `database-unavailable`).
    pub fn database_unavailable() -> AppError {
        AppError::Unavailable {
            code: "database-unavailable",
            message: "the database does not answer; nothing was changed, try again later".into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> AppError {
        let cause = cause.to_string();
        tracing::error!(%cause, "internal error");
        AppError::Internal(cause)
    }

    /// The stable code (the last segment of the problem `type`).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { code, .. }
            | AppError::Unauthenticated { code, .. }
            | AppError::Forbidden { code, .. }
            | AppError::Missing { code, .. }
            | AppError::Gone { code, .. }
            | AppError::Conflict { code, .. }
            | AppError::UnsupportedMedia { code, .. }
            | AppError::Unprocessable { code, .. }
            | AppError::TooManyRequests { code, .. }
            | AppError::Unavailable { code, .. } => code,
            AppError::InsufficientStorage => "insufficient-storage",
            AppError::NotFound(_) => "not-found",
            AppError::TooLarge { .. } => "upload-too-large",
            AppError::Stale { .. } => "stale-version",
            AppError::Internal(_) => "internal",
            AppError::WithMembers { error, .. } => error.code(),
        }
    }

    /// The same error with the extension member `name` (see [`AppError::WithMembers`]).
    pub fn with_member(self, name: &str, value: serde_json::Value) -> AppError {
        match self {
            AppError::WithMembers { error, mut members } => {
                members.insert(name.to_string(), value);
                AppError::WithMembers { error, members }
            }
            other => AppError::WithMembers {
                error: Box::new(other),
                members: [(name.to_string(), value)].into_iter().collect(),
            },
        }
    }

    /// The error without its extension members, and the members.
    pub fn split_members(self) -> (AppError, serde_json::Map<String, serde_json::Value>) {
        match self {
            AppError::WithMembers { error, members } => (*error, members),
            other => (other, serde_json::Map::new()),
        }
    }

    /// The message for the requester (internal causes are replaced by a pointer to the log).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(_) => "internal error; the server log has details".to_string(),
            AppError::WithMembers { error, .. } => error.public_message(),
            other => other.to_string(),
        }
    }

    /// Maps "not found" to a 400 with `code` (a reference inside a request body that names nothing).
    pub fn unknown_reference(self, code: &'static str, message: impl Into<String>) -> AppError {
        match self {
            AppError::NotFound(_) | AppError::Missing { .. } => AppError::invalid(code, message),
            other => other,
        }
    }
}

/// Whether an I/O error means that the disk (or the user's quota) is full.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.kind() == std::io::ErrorKind::QuotaExceeded
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::not_found("no such resource"),
            StoreError::Conflict(m) => AppError::conflict("conflict", m),
            StoreError::Invalid(m) => AppError::invalid("invalid", m),
            StoreError::Stale { current } => AppError::Stale { current },
            StoreError::Full(_) => AppError::InsufficientStorage,
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::database_unavailable()
            }
            other => AppError::internal(other),
        }
    }
}

impl From<MediaError> for AppError {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::TooLarge { limit } => AppError::TooLarge { limit },
            MediaError::UnsupportedType => AppError::UnsupportedMedia {
                code: "unsupported-media-type",
                message: "the content is not an accepted format (MP4 H.264/H.265/AV1, WebM VP8/VP9/AV1, PNG, JPEG, WebP, GIF, safe SVG; where ffmpeg transcodes also MOV/MP4 with ProRes, MPEG-2 or other video ffmpeg decodes, MKV and MPEG streams); the type is read from the content, not the name".into(),
            },
            MediaError::NeedsFfmpeg(what) => AppError::UnsupportedMedia {
                code: "needs-ffmpeg",
                message: format!("{what} is accepted only where ffmpeg is installed and transcoding is on (screens play it as its H.264 rendition); this server has no transcoding. Accepted here: MP4 H.264/H.265/AV1, WebM VP8/VP9/AV1, PNG, JPEG, WebP, GIF, safe SVG"),
            },
            MediaError::Corrupt(m) => AppError::Unprocessable {
                code: "corrupt-media",
                message: format!("the file could not be read as its format: {m}"),
            },
            MediaError::UnsafeSvg(m) => AppError::Unprocessable {
                code: "unsafe-svg",
                message: format!("the SVG was refused: {m}"),
            },
            MediaError::NotFound => AppError::not_found("no such object"),
            MediaError::Io(e) if is_disk_full(&e) => {
                tracing::error!(error = %e, "disk full");
                AppError::InsufficientStorage
            }
            MediaError::Storage(m) => {
                tracing::warn!(error = %m, "object store unavailable");
                AppError::Unavailable {
                    code: "storage-unavailable",
                    message: "the object store does not answer; nothing was stored, try again later".into(),
                }
            }
            other => AppError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_text_never_reaches_the_public_message() {
        let e = AppError::internal("database: disk I/O error at /var/lib/x");
        assert_eq!(e.code(), "internal");
        assert!(!e.public_message().contains("disk"));
        let e: AppError = StoreError::NotFound.into();
        assert_eq!(e.code(), "not-found");
        let e = e.unknown_reference("unknown-partner", "no partner \"x\"");
        assert_eq!(e.code(), "unknown-partner");
    }

    #[test]
    fn outages_have_their_own_codes_and_carry_no_cause() {
        let e: AppError = StoreError::Unavailable(sqlx_pool_timed_out()).into();
        assert_eq!(e.code(), "database-unavailable");
        let e: AppError =
            MediaError::Io(std::io::Error::from(std::io::ErrorKind::StorageFull)).into();
        assert_eq!(e.code(), "insufficient-storage");
        let e: AppError = MediaError::Storage("GET http://10.0.0.1/bucket: refused".into()).into();
        assert_eq!(e.code(), "storage-unavailable");
        assert!(!e.public_message().contains("10.0.0.1"));
        let e: AppError =
            MediaError::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied)).into();
        assert_eq!(e.code(), "internal");
    }

    fn sqlx_pool_timed_out() -> twincast_store::SqlxError {
        twincast_store::SqlxError::PoolTimedOut
    }

    #[test]
    fn members_keep_the_inner_code_and_message() {
        let e = AppError::conflict("media-in-use", "used")
            .with_member("campaigns", serde_json::json!([{"id": "c1", "name": "A"}]))
            .with_member("count", 1.into());
        assert_eq!(e.code(), "media-in-use");
        assert_eq!(e.public_message(), "used");
        let (inner, members) = e.split_members();
        assert!(matches!(
            inner,
            AppError::Conflict {
                code: "media-in-use",
                ..
            }
        ));
        assert_eq!(members.len(), 2);
        assert_eq!(members["campaigns"][0]["id"], "c1");
    }
}
