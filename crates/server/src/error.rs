//! One place maps every failure to an HTTP status and a stable RFC 9457 problem type.
//!
//! A problem's `type` is `/problems/<code>`; the `code` member repeats the stable code for clients that prefer a
//! plain string. The user-facing `detail` never carries internal error text; that goes to the log.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use twincast_app::AppError;
use twincast_media::MediaError;
use twincast_store::StoreError;

/// An RFC 9457 problem.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `/problems/<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The stable code (same as the last segment of `type`).
    pub code: String,
    /// Extension members of some problems (RFC 9457 §3.2), data the client can act on; each operation's
    /// description names those it may send, e.g. `campaigns` (`[{"id", "name"}]`) of `media-in-use`.
    #[serde(flatten)]
    pub members: serde_json::Map<String, serde_json::Value>,
}

/// `Retry-After` of every 503 (`database-unavailable`, `storage-unavailable`): seconds.
pub const RETRY_AFTER_SECS: &str = "5";

/// An error answered to an API client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: &'static str,
    /// Message for the client.
    pub detail: String,
    /// Extension members of the problem (see [`Problem::members`]).
    pub members: serde_json::Map<String, serde_json::Value>,
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            members: serde_json::Map::new(),
        }
    }
    /// 400 with a code.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }
    /// 401: not logged in, or credentials not valid.
    pub fn unauthenticated(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }
    /// 403: logged in but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not-found", detail)
    }
    /// 500 (the cause is logged, not shown).
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        AppError::internal(cause).into()
    }

    fn title(&self) -> String {
        if self.status.as_u16() == crate::api::tus::CHECKSUM_MISMATCH {
            return "Checksum Mismatch".to_string();
        }
        self.status
            .canonical_reason()
            .unwrap_or("Error")
            .to_string()
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("/problems/{}", self.code),
            title: self.title(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_string(),
            members: self.members.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut res = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(RETRY_AFTER_SECS),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<AppError> for ApiError {
    /// The one mapping from domain errors to HTTP statuses and problem codes.
    fn from(e: AppError) -> Self {
        let (e, members) = e.split_members();
        let status = match &e {
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::Missing { .. } => StatusCode::NOT_FOUND,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // Split off above; `with_member` never nests one in another.
            AppError::WithMembers { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut out = ApiError::new(status, e.code(), e.public_message());
        // The standard members always win over an extension of the same name.
        out.members = members
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "type" | "title" | "status" | "detail" | "code"))
            .collect();
        out
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        AppError::from(e).into()
    }
}

impl From<MediaError> for ApiError {
    fn from(e: MediaError) -> Self {
        AppError::from(e).into()
    }
}

/// JSON body extractor whose every rejection is a problem (invalid JSON, unknown fields, wrong content type).
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected-json",
                "the body must be JSON with Content-Type: application/json",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(
                "invalid-json",
                format!("the body is not valid JSON: {}", e.body_text()),
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::bad_request(
                "invalid-body",
                format!("the JSON does not fit: {}", e.body_text()),
            )),
            Err(e) => Err(ApiError::bad_request("invalid-body", e.body_text())),
        }
    }
}

/// Why the server could not start or serve (configuration, data directory, database, storage, socket).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The database could not be opened or read.
    #[error("{what}: {source}")]
    Store {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: StoreError,
    },
    /// The object storage could not be opened or read.
    #[error("{what}: {source}")]
    Storage {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: MediaError,
    },
    /// The configuration is not usable.
    #[error("{0}")]
    Config(String),
}

impl StartError {
    /// An I/O failure while doing `what`.
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> StartError {
        let what = what.into();
        move |source| StartError::Io { what, source }
    }
    /// A database failure while doing `what`.
    pub fn store(what: impl Into<String>) -> impl FnOnce(StoreError) -> StartError {
        let what = what.into();
        move |source| StartError::Store { what, source }
    }
    /// A storage failure while doing `what`.
    pub fn storage(what: impl Into<String>) -> impl FnOnce(MediaError) -> StartError {
        let what = what.into();
        move |source| StartError::Storage { what, source }
    }
}

/// Makes an error answer that is not a problem yet into one, keeping its status and headers (`Allow`, …): the
/// rejections of axum's own extractors and layers (a path segment that is not UTF-8, a body over the default
/// limit, a missing WebSocket upgrade) are plain text. Applied to `/api/v1`, so every 4xx/5xx there is
/// `application/problem+json`. The text of a 4xx rejection describes the request and is kept as `detail`; a 5xx
/// never shows its text.
pub async fn problem_for_rejections(res: Response) -> Response {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad-request",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload-too-large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::UPGRADE_REQUIRED => "upgrade-required",
        s if s.is_server_error() => "internal",
        _ => "rejected",
    };
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let detail = if status.is_server_error() {
        tracing::error!(%status, cause = %text, "error answer without a problem body");
        "internal error; the server log has details".to_string()
    } else if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = ApiError::new(status, code, detail).into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}
