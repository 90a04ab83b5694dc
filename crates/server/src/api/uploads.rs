//! Resumable uploads (`docs/uploads.md`): start a session, append chunks at the offset the server answers,
//! resume after a broken connection from `GET`/`HEAD`, complete (the same commit as `POST /api/v1/media`) or
//! abandon. The domain rules live in `twincast_app::uploads`.

use super::media::media_json;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use twincast_app::uploads::{UploadStart, CHUNK_SIZE};
use twincast_store::UploadSession;

/// The offset header (as in tus 1.0): where a chunk starts, and how many bytes the server holds.
pub const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
/// The whole file's size.
pub const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");

/// An upload session as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    /// The session.
    #[serde(flatten)]
    pub session: UploadSession,
    /// Bytes the server holds: the offset the next chunk must start at (= `received`).
    pub offset: i64,
    /// The chunk size the server suggests, in bytes.
    pub chunk_size: u64,
    /// This session's URL.
    pub url: String,
}

/// The optional body of `complete`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// Lowercase hex SHA-256 of the whole file; when given, the server checks it.
    pub sha256: Option<String>,
}

fn view(u: UploadSession) -> UploadView {
    UploadView {
        offset: u.received,
        chunk_size: CHUNK_SIZE,
        url: format!("/api/v1/uploads/{}", u.id),
        session: u,
    }
}

fn offset_headers(u: &UploadSession) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(u.received));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(u.size));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

/// Starts a resumable upload: 201 with the session (its `url`, `offset` 0 and the suggested `chunk_size`).
/// Same roles as `POST /api/v1/media`; a size over the server's limit is refused before any byte is sent.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "media", request_body = UploadStart,
    responses((status = 201, body = UploadView, headers(("Location" = String, description = "The session's URL"))),
        (status = 400, description = "invalid-file-name, empty-upload, invalid-mime", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "unknown partner", body = crate::error::Problem),
        (status = 413, description = "upload-too-large: the size is over the server's limit", body = crate::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(input): ApiJson<UploadStart>,
) -> ApiResult<Response> {
    let u = state.app.start_upload(&who.actor(), &input).await?;
    let mut h = offset_headers(&u);
    h.insert(
        header::LOCATION,
        HeaderValue::from_str(&format!("/api/v1/uploads/{}", u.id)).map_err(ApiError::internal)?,
    );
    Ok((StatusCode::CREATED, h, Json(view(u))).into_response())
}

/// An upload session: how many bytes the server holds (`offset`, also the `Upload-Offset` header), to resume
/// from after a broken connection or a reload. `HEAD` answers the headers alone.
#[utoipa::path(get, path = "/api/v1/uploads/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = UploadView, headers(("Upload-Offset" = i64, description = "Bytes held"),
            ("Upload-Length" = i64, description = "The file's size"))),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found", body = crate::error::Problem),
        (status = 410, description = "upload-expired: start again", body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let u = state.app.upload_session(&who.actor(), &id).await?;
    Ok((offset_headers(&u), Json(view(u))).into_response())
}

/// The offset a chunk starts at: `Upload-Offset: <n>`, or `Content-Range: bytes <n>-<m>/<size>`.
fn chunk_offset(headers: &HeaderMap) -> ApiResult<u64> {
    if let Some(v) = headers.get(&UPLOAD_OFFSET) {
        return v
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid-upload-offset",
                    "Upload-Offset must be a byte count",
                )
            });
    }
    if let Some(v) = headers.get(header::CONTENT_RANGE) {
        let bad = || {
            ApiError::bad_request(
                "invalid-content-range",
                "Content-Range must read `bytes <first>-<last>/<size>`",
            )
        };
        let s = v.to_str().map_err(|_| bad())?.trim();
        let range = s.strip_prefix("bytes ").ok_or_else(bad)?;
        let (first, _) = range.split_once('-').ok_or_else(bad)?;
        return first.trim().parse::<u64>().map_err(|_| bad());
    }
    Err(ApiError::bad_request(
        "missing-upload-offset",
        "send the chunk's start as Upload-Offset (or Content-Range)",
    ))
}

/// Appends a chunk (the raw body) at `Upload-Offset` (or the start of `Content-Range`), which must be the
/// session's current offset: 409 `upload-offset-mismatch` answers the current one in `Upload-Offset`. 200 with
/// the session and its new offset. A chunk past the declared size is refused (413) and not kept.
#[utoipa::path(patch, path = "/api/v1/uploads/{id}", tag = "media",
    params(("id" = String, Path),
        ("Upload-Offset" = Option<i64>, Header, description = "Where this chunk starts (the session's offset)"),
        ("Content-Range" = Option<String>, Header, description = "Alternative to Upload-Offset: `bytes <first>-<last>/<size>`")),
    request_body(content_type = "application/offset+octet-stream", description = "The chunk's bytes"),
    responses((status = 200, body = UploadView, headers(("Upload-Offset" = i64, description = "The new offset"))),
        (status = 400, description = "missing-upload-offset, invalid-upload-offset, invalid-content-range, upload-interrupted (the bytes that arrived are kept: ask for the offset)", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found", body = crate::error::Problem),
        (status = 409, description = "upload-offset-mismatch (the current offset is in Upload-Offset), upload-busy", body = crate::error::Problem),
        (status = 410, description = "upload-expired, upload-spool-lost: start again", body = crate::error::Problem),
        (status = 413, description = "upload-too-large: the chunk goes past the declared size", body = crate::error::Problem)))]
pub async fn append(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let actor = who.actor();
    let offset = match chunk_offset(&headers) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    match state
        .app
        .append_upload(&actor, &id, offset, body.into_data_stream())
        .await
    {
        Ok(u) => (offset_headers(&u), Json(view(u))).into_response(),
        Err(e) => {
            let mismatch = e.code() == "upload-offset-mismatch";
            let err = ApiError::from(e);
            match state.app.upload_session(&actor, &id).await {
                Ok(u) if mismatch || err.code == "upload-interrupted" => {
                    (offset_headers(&u), err).into_response()
                }
                _ => err.into_response(),
            }
        }
    }
}

/// Completes an upload whose bytes have all arrived (409 `upload-incomplete` before): the file is checked and
/// committed exactly like `POST /api/v1/media` (201 new, 200 when the partner already holds the same content);
/// the session is gone afterwards. An optional `sha256` is compared with the content first.
#[utoipa::path(post, path = "/api/v1/uploads/{id}/complete", tag = "media", params(("id" = String, Path)),
    request_body(content = CompleteInput, description = "Optional (an empty body is fine): the file's SHA-256 to check"),
    responses((status = 201, body = twincast_store::Media), (status = 200, body = twincast_store::Media),
        (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found", body = crate::error::Problem),
        (status = 409, description = "upload-incomplete, upload-busy", body = crate::error::Problem),
        (status = 410, description = "upload-expired", body = crate::error::Problem),
        (status = 415, description = "unsupported-media-type, needs-ffmpeg", body = crate::error::Problem),
        (status = 422, description = "upload-checksum-mismatch, corrupt-media, unsafe-svg", body = crate::error::Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input: CompleteInput = if body.iter().all(u8::is_ascii_whitespace) {
        CompleteInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request("invalid-json", format!("the body is not valid: {e}"))
        })?
    };
    let (m, created) = state
        .app
        .complete_upload(&who.actor(), &id, input.sha256.as_deref())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(media_json(&m))))
}

/// Abandons an upload: its bytes are removed.
#[utoipa::path(delete, path = "/api/v1/uploads/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found", body = crate::error::Problem),
        (status = 409, description = "upload-busy", body = crate::error::Problem),
        (status = 410, description = "upload-expired", body = crate::error::Problem)))]
pub async fn abandon(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.abandon_upload(&who.actor(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
