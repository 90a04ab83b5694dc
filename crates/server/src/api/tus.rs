//! Resumable uploads over tus 1.0 (docs/media.md, "Resumable uploads over tus") with its creation, termination,
//! expiration and checksum extensions, on the same upload sessions as `api::uploads`: `POST /api/v1/tus` creates
//! one (`Upload-Length`, `Upload-Metadata` with `filename` and `partner`), `HEAD` answers its offset, `PATCH`
//! appends a chunk at that offset (checked against `Upload-Checksum` when sent: 460 and nothing kept when it does
//! not match), `DELETE` terminates it. The `PATCH` that brings the offset to the length commits the file as a
//! media item exactly like `POST /api/v1/media` (probe, moderation, jobs) and names it in `Twincast-Media-Id`.
//! The protocol's rules are `twincast_core::tus`; the chunk's path to the spool is `twincast_app::uploads`.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use twincast_app::uploads::UploadStart;
use twincast_core::tus::{self, TusError};
use twincast_store::UploadSession;

const TUS_RESUMABLE: HeaderName = HeaderName::from_static("tus-resumable");
const TUS_VERSION: HeaderName = HeaderName::from_static("tus-version");
const TUS_EXTENSION: HeaderName = HeaderName::from_static("tus-extension");
const TUS_MAX_SIZE: HeaderName = HeaderName::from_static("tus-max-size");
const TUS_CHECKSUM_ALGORITHM: HeaderName = HeaderName::from_static("tus-checksum-algorithm");
const UPLOAD_OFFSET: HeaderName = HeaderName::from_static("upload-offset");
const UPLOAD_LENGTH: HeaderName = HeaderName::from_static("upload-length");
const UPLOAD_EXPIRES: HeaderName = HeaderName::from_static("upload-expires");
const UPLOAD_METADATA: HeaderName = HeaderName::from_static("upload-metadata");
const UPLOAD_CHECKSUM: HeaderName = HeaderName::from_static("upload-checksum");
const UPLOAD_DEFER_LENGTH: HeaderName = HeaderName::from_static("upload-defer-length");
/// The id of the media item a completed upload became.
const MEDIA_ID: HeaderName = HeaderName::from_static("twincast-media-id");

/// tus's status for a chunk whose checksum does not match.
pub const CHECKSUM_MISMATCH: u16 = 460;

/// Adds `Tus-Resumable` to every answer of the tus routes (errors of the authentication extractor included).
pub async fn resumable_header(mut res: Response) -> Response {
    res.headers_mut()
        .insert(TUS_RESUMABLE, HeaderValue::from_static(tus::VERSION));
    res
}

fn tus_error(e: TusError) -> ApiError {
    let status = match e {
        TusError::UnsupportedVersion => StatusCode::PRECONDITION_FAILED,
        TusError::WrongContentType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        TusError::OffsetMismatch { .. } => StatusCode::CONFLICT,
        TusError::PastLength { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `None` when the request speaks our tus version; else the refusal to answer (412 with `Tus-Version`).
fn version(headers: &HeaderMap) -> Option<Response> {
    tus::check_version(text(headers, &TUS_RESUMABLE))
        .err()
        .map(|e| {
            let mut res = tus_error(e).into_response();
            res.headers_mut()
                .insert(TUS_VERSION, HeaderValue::from_static(tus::VERSION));
            res
        })
}

fn expires(ms: i64) -> Option<HeaderValue> {
    let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
    let s = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&ts)
        .ok()?;
    HeaderValue::from_str(&s).ok()
}

fn session_headers(u: &UploadSession) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(UPLOAD_OFFSET, HeaderValue::from(u.received));
    h.insert(UPLOAD_LENGTH, HeaderValue::from(u.size));
    if let Some(v) = expires(u.expires_at) {
        h.insert(UPLOAD_EXPIRES, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h
}

/// The server's tus capabilities: version, extensions, the largest upload and the checksum algorithms. Needs no
/// account (it is what a client asks before anything else).
#[utoipa::path(options, path = "/api/v1/tus", tag = "media",
    responses((status = 204, description = "Capabilities", headers(
        ("Tus-Resumable" = String, description = "1.0.0"), ("Tus-Version" = String, description = "1.0.0"),
        ("Tus-Extension" = String, description = "creation,termination,expiration,checksum"),
        ("Tus-Max-Size" = i64, description = "The largest upload in bytes"),
        ("Tus-Checksum-Algorithm" = String, description = "sha1,sha256")))))]
pub async fn options(State(state): State<AppState>) -> Response {
    let mut h = HeaderMap::new();
    h.insert(TUS_VERSION, HeaderValue::from_static(tus::VERSION));
    h.insert(TUS_EXTENSION, HeaderValue::from_static(tus::EXTENSIONS));
    h.insert(
        TUS_MAX_SIZE,
        HeaderValue::from(state.app.settings.max_upload_bytes),
    );
    h.insert(
        TUS_CHECKSUM_ALGORITHM,
        HeaderValue::from_static(tus::CHECKSUM_ALGORITHMS),
    );
    (StatusCode::NO_CONTENT, h).into_response()
}

/// Creates an upload (tus creation): `Upload-Length` (no deferred length) and `Upload-Metadata` with `filename`
/// and `partner` (the same fields `POST /api/v1/media` takes; `filetype` is informative; other keys are
/// ignored). Same roles as `POST /api/v1/media`; a length over the server's limit is refused before any byte.
/// 201 with `Location` (the upload's URL) and `Upload-Expires`.
#[utoipa::path(post, path = "/api/v1/tus", tag = "media",
    params(("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = i64, Header, description = "The file's size in bytes"),
        ("Upload-Metadata" = String, Header, description = "`filename <base64>,partner <base64>[,filetype <base64>]`")),
    responses((status = 201, headers(("Location" = String, description = "The upload's URL"),
            ("Upload-Expires" = String, description = "When the upload is removed unless a chunk arrives"))),
        (status = 400, description = "tus-missing-header, tus-invalid-header, tus-invalid-metadata, tus-deferred-length-unsupported, invalid-file-name, empty-upload, invalid-mime", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "unknown partner", body = crate::error::Problem),
        (status = 412, description = "tus-version-unsupported (Tus-Version names the supported one)", body = crate::error::Problem),
        (status = 413, description = "upload-too-large: the length is over Tus-Max-Size", body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, who: Principal, headers: HeaderMap) -> Response {
    if let Some(res) = version(&headers) {
        return res;
    }
    let go = async {
        if headers.contains_key(UPLOAD_DEFER_LENGTH) {
            return Err(ApiError::bad_request(
                "tus-deferred-length-unsupported",
                "send Upload-Length: this server does not take uploads of unknown length",
            ));
        }
        let length =
            tus::parse_count("Upload-Length", text(&headers, &UPLOAD_LENGTH)).map_err(tus_error)?;
        let meta = tus::parse_metadata(text(&headers, &UPLOAD_METADATA).unwrap_or(""))
            .map_err(tus_error)?;
        let fields = tus::upload_fields(&meta).map_err(tus_error)?;
        let input = UploadStart {
            partner: fields.partner,
            file_name: fields.file_name,
            size: length,
            mime: fields.mime,
        };
        let u = state.app.start_upload(&who.actor(), &input).await?;
        let mut h = session_headers(&u);
        h.insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("/api/v1/tus/{}", u.id)).map_err(ApiError::internal)?,
        );
        Ok::<_, ApiError>((StatusCode::CREATED, h).into_response())
    };
    go.await.unwrap_or_else(IntoResponse::into_response)
}

/// An upload's offset (`Upload-Offset`), length and expiry; no body, errors as a bare status (404 unknown or
/// terminated or completed, 410 expired, 412 wrong version).
#[utoipa::path(head, path = "/api/v1/tus/{id}", tag = "media",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 200, headers(("Upload-Offset" = i64, description = "Bytes held"),
            ("Upload-Length" = i64, description = "The file's size"),
            ("Upload-Expires" = String, description = "When the upload is removed unless a chunk arrives"))),
        (status = 403), (status = 404, description = "upload-not-found"), (status = 410, description = "upload-expired"),
        (status = 412, description = "tus-version-unsupported")))]
pub async fn head(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(res) = version(&headers) {
        return res;
    }
    match state.app.upload_session(&who.actor(), &id).await {
        Ok(u) => (StatusCode::OK, session_headers(&u)).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Appends a chunk (`Content-Type: application/offset+octet-stream`) at `Upload-Offset`, which must be the
/// upload's offset (409 otherwise, with the current one in `Upload-Offset`). With `Upload-Checksum` (`sha1` or
/// `sha256`, base64 digest) the chunk is kept only if it matches: 460 `checksum-mismatch` otherwise, and the
/// offset does not move. 204 with the new `Upload-Offset`; the chunk that completes the upload commits the file
/// (as `POST /api/v1/media` does) and answers its id in `Twincast-Media-Id`, or the commit's problem (415, 422).
#[utoipa::path(patch, path = "/api/v1/tus/{id}", tag = "media",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Offset" = i64, Header, description = "Where this chunk starts (the upload's offset)"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1 <base64>` or `sha256 <base64>` of this chunk")),
    request_body(content_type = "application/offset+octet-stream", description = "The chunk's bytes"),
    responses((status = 204, headers(("Upload-Offset" = i64, description = "The new offset"),
            ("Upload-Expires" = String, description = "The new expiry"),
            ("Twincast-Media-Id" = String, description = "On the chunk that completes the upload: the media item"))),
        (status = 400, description = "tus-missing-header, tus-invalid-header, tus-invalid-checksum, tus-checksum-algorithm-unsupported, upload-interrupted (resume from HEAD's offset)", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found (unknown, terminated or completed)", body = crate::error::Problem),
        (status = 409, description = "upload-offset-mismatch (the current offset is in Upload-Offset), upload-busy", body = crate::error::Problem),
        (status = 410, description = "upload-expired, upload-spool-lost", body = crate::error::Problem),
        (status = 412, description = "tus-version-unsupported", body = crate::error::Problem),
        (status = 413, description = "upload-too-large: the chunk goes past Upload-Length", body = crate::error::Problem),
        (status = 415, description = "tus-wrong-content-type; on completion unsupported-media-type, needs-ffmpeg", body = crate::error::Problem),
        (status = 422, description = "on completion: corrupt-media, unsafe-svg", body = crate::error::Problem),
        (status = 460, description = "checksum-mismatch: the chunk does not match Upload-Checksum; nothing of it was kept", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(res) = version(&headers) {
        return res;
    }
    let actor = who.actor();
    let go = async {
        let ctype = text(&headers, &header::CONTENT_TYPE).unwrap_or("");
        if ctype.split(';').next().map(str::trim) != Some(tus::PATCH_CONTENT_TYPE) {
            return Err(tus_error(TusError::WrongContentType));
        }
        let offset =
            tus::parse_count("Upload-Offset", text(&headers, &UPLOAD_OFFSET)).map_err(tus_error)?;
        let checksum = match headers.get(UPLOAD_CHECKSUM) {
            None => None,
            Some(v) => Some(tus::parse_checksum(v.to_str().unwrap_or("")).map_err(tus_error)?),
        };
        let content_length = text(&headers, &header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let u = state.app.upload_session(&actor, &id).await?;
        if let Err(e) = tus::check_patch(u.received as u64, u.size as u64, offset, content_length) {
            let mut res = tus_error(e).into_response();
            res.headers_mut()
                .insert(UPLOAD_OFFSET, HeaderValue::from(u.received));
            return Ok(res);
        }
        let u = match state
            .app
            .append_upload_checked(
                &actor,
                &id,
                offset,
                body.into_data_stream(),
                checksum.as_ref(),
            )
            .await
        {
            Ok(u) => u,
            Err(e) => {
                let code = e.code();
                let mut err = ApiError::from(e);
                if code == "checksum-mismatch" {
                    err.status =
                        StatusCode::from_u16(CHECKSUM_MISMATCH).map_err(ApiError::internal)?;
                }
                let mut res = err.into_response();
                if matches!(
                    code,
                    "checksum-mismatch" | "upload-offset-mismatch" | "upload-interrupted"
                ) {
                    if let Ok(now) = state.app.upload_session(&actor, &id).await {
                        res.headers_mut()
                            .insert(UPLOAD_OFFSET, HeaderValue::from(now.received));
                    }
                }
                return Ok(res);
            }
        };
        let mut h = session_headers(&u);
        if u.received == u.size {
            let (m, _) = state.app.complete_upload(&actor, &id, None).await?;
            h.insert(
                MEDIA_ID,
                HeaderValue::from_str(&m.id).map_err(ApiError::internal)?,
            );
            h.remove(UPLOAD_EXPIRES);
        }
        Ok::<_, ApiError>((StatusCode::NO_CONTENT, h).into_response())
    };
    go.await.unwrap_or_else(IntoResponse::into_response)
}

/// Terminates an upload (tus termination): its bytes are removed; later requests answer 404.
#[utoipa::path(delete, path = "/api/v1/tus/{id}", tag = "media",
    params(("id" = String, Path), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, description = "upload-not-found", body = crate::error::Problem),
        (status = 409, description = "upload-busy", body = crate::error::Problem),
        (status = 410, description = "upload-expired", body = crate::error::Problem),
        (status = 412, description = "tus-version-unsupported", body = crate::error::Problem)))]
pub async fn terminate(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(res) = version(&headers) {
        return res;
    }
    match state.app.abandon_upload(&who.actor(), &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
