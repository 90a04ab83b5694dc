//! Content-addressed delivery: `/media/<sha256>.<ext>` and `/renditions/<sha256>/<file>`, with single byte
//! ranges (206), strong ETags, conditional requests and `Cache-Control: immutable`. Only objects a committed row
//! references are served, so nothing half-written is ever visible.

use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::StreamExt;

/// Delivery routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/media/{file}", get(original))
        .route("/renditions/{sha}/{*path}", get(rendition))
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn not_found() -> Response {
    crate::error::ApiError::not_found("no such file").into_response()
}

fn is_sha(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn original(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((sha, ext)) = file.split_once('.') else {
        return not_found();
    };
    if !is_sha(sha) {
        return not_found();
    }
    let Some(t) = media_type_of_ext(ext) else {
        return not_found();
    };
    let key = twincast_media::object_key(sha, t);
    let size = match committed_size(&state, &key, true).await {
        Ok(Some(size)) => size,
        Ok(None) => return not_found(),
        Err(res) => return res,
    };
    // SVG keeps the node's CSP header below.
    if t != twincast_media::MediaType::Svg {
        if let Some(r) = redirect(&state, &key).await {
            return r;
        }
    }
    let mut res = serve(&state, &key, size, t.mime(), format!("\"{sha}\""), &headers).await;
    if t == twincast_media::MediaType::Svg {
        // Sanitized at upload; this is the second line of defence.
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
    }
    res
}

fn media_type_of_ext(ext: &str) -> Option<twincast_media::MediaType> {
    use twincast_media::MediaType::*;
    [Mp4, Webm, Png, Jpeg, Webp, Gif, Svg]
        .into_iter()
        .find(|t| t.ext() == ext)
}

fn rendition_mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "m3u8" => "application/vnd.apple.mpegurl",
        "m4s" => "video/iso.segment",
        "ts" => "video/mp2t",
        "mp4" => "video/mp4",
        "m4a" => "audio/mp4",
        "vtt" => "text/vtt; charset=utf-8",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

async fn rendition(
    State(state): State<AppState>,
    Path((sha, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let safe = is_sha(&sha)
        && !path.is_empty()
        && path.len() < 200
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if !safe {
        return not_found();
    }
    let key = format!("renditions/{sha}/{path}");
    let size = match committed_size(&state, &key, false).await {
        Ok(Some(size)) => size,
        Ok(None) => return not_found(),
        Err(res) => return res,
    };
    // A playlist names its segments relative to its own URL: it stays here, so they come back here too.
    if !path.ends_with(".m3u8") {
        if let Some(r) = redirect(&state, &key).await {
            return r;
        }
    }
    let etag = {
        use sha2::Digest;
        let h = sha2::Sha256::digest(format!("{key}:{size}").as_bytes());
        format!("\"r-{}\"", hex::encode(&h[..16]))
    };
    serve(&state, &key, size, rendition_mime(&path), etag, &headers).await
}

/// With `media_redirect_secs` and S3 storage: a 307 to a presigned URL of the committed object `key`, so the
/// object store (or a CDN before it) carries the bytes and answers ranges itself. `None`: the node serves them
/// (local storage, redirects off, or signing failed — then serving is the safe answer).
async fn redirect(state: &AppState, key: &str) -> Option<Response> {
    let secs = state.config.media_redirect_secs;
    if secs == 0 {
        return None;
    }
    match state
        .storage
        .presigned_get(key, std::time::Duration::from_secs(secs))
        .await
    {
        Ok(Some(url)) => Some(
            (
                StatusCode::TEMPORARY_REDIRECT,
                [
                    (header::LOCATION, url.to_string()),
                    // Never kept longer than half the URL's life.
                    (
                        header::CACHE_CONTROL,
                        format!("private, max-age={}", secs / 2),
                    ),
                ],
            )
                .into_response(),
        ),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(key, error = %e, "presigning failed: serving the object from this node");
            None
        }
    }
}

/// Size of a committed object, from the cache or from its row. `Err`: the answer when the database cannot say
/// (503 `database-unavailable` with `Retry-After`, not a 404 that would make a screen drop a file it still has).
async fn committed_size(
    state: &AppState,
    key: &str,
    original: bool,
) -> Result<Option<u64>, Response> {
    if let Some(size) = state
        .delivered
        .read()
        .ok()
        .and_then(|d| d.get(key).copied())
    {
        return Ok(Some(size));
    }
    let size = if original {
        state
            .store
            .media_by_object_key(key)
            .await
            .map(|r| r.map(|m| m.size as u64))
    } else {
        state
            .store
            .rendition_by_object_key(key)
            .await
            .map(|r| r.map(|m| m.size as u64))
    };
    let size = match size {
        Ok(Some(size)) => size,
        Ok(None) => return Ok(None),
        Err(e) => return Err(crate::error::ApiError::from(e).into_response()),
    };
    if let Ok(mut d) = state.delivered.write() {
        d.insert(key.to_string(), size);
    }
    Ok(Some(size))
}

fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == etag || t.strip_prefix("W/") == Some(etag))
}

async fn serve(
    state: &AppState,
    key: &str,
    size: u64,
    mime: &str,
    etag: String,
    headers: &HeaderMap,
) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        if etag_matches(inm, &etag) {
            return (StatusCode::NOT_MODIFIED, h).into_response();
        }
    }
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(mime).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    // If-Range with another validator means: send the whole (new) representation.
    let range_applies = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let mut status = StatusCode::OK;
    let mut range = None;
    if let (true, Some(r)) = (
        range_applies,
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
    ) {
        match http_range_header::parse_range_header(r).and_then(|p| p.validate(size)) {
            Ok(ranges) if ranges.len() == 1 => {
                let (start, end) = (*ranges[0].start(), *ranges[0].end());
                status = StatusCode::PARTIAL_CONTENT;
                if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                    h.insert(header::CONTENT_RANGE, v);
                }
                range = Some(start..end + 1);
            }
            // Several ranges: answer with the whole file (allowed by RFC 9110).
            Ok(_) => {}
            Err(_) => {
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    h.insert(header::CONTENT_RANGE, v);
                }
                return (StatusCode::RANGE_NOT_SATISFIABLE, h).into_response();
            }
        }
    }
    let len = range.as_ref().map(|r| r.end - r.start).unwrap_or(size);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    match state.storage.get(key, range).await {
        Ok(stream) => {
            let body = Body::from_stream(stream.map(|r| r.map_err(std::io::Error::other)));
            (status, h, body).into_response()
        }
        Err(twincast_media::MediaError::NotFound) => not_found(),
        // The object store does not answer: 503 `storage-unavailable` with `Retry-After` (a screen keeps what it
        // has cached and asks again), not a 500.
        Err(twincast_media::MediaError::Storage(m)) => {
            tracing::warn!(error = %m, key, "object store unavailable for delivery");
            crate::error::ApiError::from(twincast_app::AppError::Unavailable {
                code: "storage-unavailable",
                message: "the object store does not answer; try again later".into(),
            })
            .into_response()
        }
        Err(e) => crate::error::ApiError::internal(e).into_response(),
    }
}
