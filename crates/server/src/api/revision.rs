//! HTTP face of row versions: the `If-Match` request header and the `ETag` response header.
//!
//! Every resource that can be updated carries a `version`; its `GET`, create and update answers send it as
//! `ETag: "<version>"`. An update or delete may send it back as `If-Match: "<version>"`: when someone changed the
//! resource in between, the answer is 412 `stale-version` and nothing changes. Without `If-Match` the change
//! applies to whatever is current (scripts, curl).

use crate::error::ApiError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The version named by `If-Match` (`"3"`, `W/"3"`, `3`), or `None` when absent or `*`.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get(header::IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = v.to_str().unwrap_or("").trim();
        if text == "*" {
            return Ok(IfMatch(None));
        }
        let bare = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
        bare.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(|n| IfMatch(Some(n)))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid-if-match",
                    format!("If-Match must be the ETag of the resource, e.g. \"3\"; got {text:?}"),
                )
            })
    }
}

/// A JSON answer with the resource's version as its `ETag`.
pub struct Tagged<T>(pub i64, pub T);

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let mut res = Json(self.1).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", self.0)) {
            res.headers_mut().insert(header::ETAG, v);
        }
        res
    }
}
