//! The manifest over HTTP: strong ETags, `304`, gzip, and bodies served from the hub's shared chunks.

use super::PlayerAuth;
use crate::api::ApiQuery;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

/// Manifest parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ManifestQuery {
    /// Horizon in hours, 1–168 (default 48).
    pub hours: Option<i64>,
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Everything the screen needs to play offline for the horizon (see the protocol document).
#[utoipa::path(get, path = "/api/v1/player/manifest", tag = "player", params(ManifestQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the manifest (JSON), with a strong ETag"),
        (status = 304, description = "unchanged"), (status = 401, body = crate::error::Problem)))]
pub async fn manifest(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    ApiQuery(q): ApiQuery<ManifestQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let hours = q.hours.unwrap_or(48);
    if !(1..=168).contains(&hours) {
        return Err(ApiError::bad_request(
            "invalid-hours",
            "hours must be between 1 and 168",
        ));
    }
    let m = state
        .hub
        .manifest_asked(&state, &device.screen_id, hours, state.app.now_ms())
        .await?;
    let etag = HeaderValue::from_str(&m.etag).map_err(ApiError::internal)?;
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if etag_matches(&headers, &m.etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                vary,
            ],
        )
            .into_response());
    }
    let json = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if accepts_gzip(&headers) {
        return Ok((
            [
                json,
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                (header::ETAG, etag),
                cache,
                vary,
            ],
            Body::new(Chunks::new(m.gzip_chunks().into())),
        )
            .into_response());
    }
    Ok((
        [json, (header::ETAG, etag), cache, vary],
        Body::new(Chunks::new(m.chunks().into())),
    )
        .into_response())
}

/// Whether `Accept-Encoding` admits gzip (RFC 9110 §12.5.3: `gzip` or `*` with a non-zero weight).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut star = None;
    for v in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for part in v.split(',') {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            match name.as_str() {
                "gzip" | "x-gzip" => gzip = Some(q > 0.0),
                "*" => star = Some(q > 0.0),
                _ => {}
            }
        }
    }
    gzip.or(star).unwrap_or(false)
}

/// A response body of ready chunks with an exact length (so `Content-Length` is sent), sharing the chunks'
/// memory instead of copying it.
pub struct Chunks {
    chunks: std::collections::VecDeque<bytes::Bytes>,
    remaining: u64,
}

impl Chunks {
    /// The body of these chunks, in order.
    pub fn new(chunks: std::collections::VecDeque<bytes::Bytes>) -> Chunks {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Chunks { chunks, remaining }
    }
}

impl http_body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        while let Some(c) = self.chunks.pop_front() {
            if !c.is_empty() {
                self.remaining -= c.len() as u64;
                return std::task::Poll::Ready(Some(Ok(http_body::Frame::data(c))));
            }
        }
        std::task::Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}
