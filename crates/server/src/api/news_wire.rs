//! The news desk's wire sources: `/api/v1/news/sources` (news editors and admins): the feeds the desk subscribes
//! to, their schedule and last outcome, "poll now", and the items imported from each (their provenance).
//! docs/news.md ("Wire import") says how a poll works and lists the error codes recorded on a source.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_store::{WireItem, WireSource, WireSourceInput};

/// The wire sources, by name, with their last outcome.
#[utoipa::path(get, path = "/api/v1/news/sources", tag = "news",
    responses((status = 200, body = List<WireSource>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<WireSource>>> {
    Ok(Json(List {
        items: state.app.wire_sources(&who.actor()).await?,
        next_cursor: None,
    }))
}

/// Adds a wire source; it is polled as soon as the poller is free. Bad fields are 400 with the `field` member
/// (`invalid-url`, `invalid-format`, `invalid-language`, `invalid-rubric`, `invalid-tag`, `invalid-moderation`,
/// `invalid-interval`, `invalid-text`).
#[utoipa::path(post, path = "/api/v1/news/sources", tag = "news", request_body = WireSourceInput,
    responses((status = 201, body = WireSource, headers(("ETag" = String, description = "The source's version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, description = "duplicate-source: a source has that name", body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<WireSourceInput>,
) -> ApiResult<(StatusCode, Tagged<WireSource>)> {
    let s = state.app.create_wire_source(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(s.version, s)))
}

/// One wire source (its version is the `ETag`; polls do not change it).
#[utoipa::path(get, path = "/api/v1/news/sources/{id}", tag = "news", params(("id" = String, Path)),
    responses((status = 200, body = WireSource, headers(("ETag" = String, description = "The source's version, for If-Match"))),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "source-not-found", body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<WireSource>> {
    let s = state.app.wire_source(&who.actor(), &id).await?;
    Ok(Tagged(s.version, s))
}

/// Replaces a source's settings; it is due again at once (a new URL forgets the old feed's validators). With
/// `If-Match`, only if nobody changed it since (412 `stale-version`).
#[utoipa::path(put, path = "/api/v1/news/sources/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = WireSourceInput,
    responses((status = 200, body = WireSource, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, description = "source-not-found", body = crate::error::Problem),
        (status = 409, description = "duplicate-source: a source has that name", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<WireSourceInput>,
) -> ApiResult<Tagged<WireSource>> {
    let s = state
        .app
        .update_wire_source(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(s.version, s))
}

/// Deletes a source; the stories imported from it stay on the desk.
#[utoipa::path(delete, path = "/api/v1/news/sources/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, description = "source-not-found", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_wire_source(&who.actor(), &id, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Polls a source now, whatever its schedule, and answers it with the outcome (`last_outcome`, `last_error`,
/// `counts`). A feed that is refused is still a 200: the error is the source's (`last_error.code`:
/// `malformed-feed`, `dtd-refused`, `bad-encoding`, `unknown-encoding`, `not-a-feed`, `format-mismatch`,
/// `too-large`, `timeout`, `http-status`, `redirect-refused`, `address-refused`, `fetch-failed`, `import-failed`;
/// skipped items: `item-too-large`, `unsupported-language`, `missing-language`, `invalid-item`, `duplicate-wire-item`).
#[utoipa::path(post, path = "/api/v1/news/sources/{id}/poll", tag = "news", params(("id" = String, Path)),
    responses((status = 200, body = WireSource), (status = 403, body = crate::error::Problem),
        (status = 404, description = "source-not-found", body = crate::error::Problem),
        (status = 409, description = "poll-in-progress: another poll of it did not end in time", body = crate::error::Problem)))]
pub async fn poll(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<WireSource>> {
    Ok(Json(
        state.app.poll_wire_source_now(&who.actor(), &id).await?,
    ))
}

/// The list's size.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ItemsQuery {
    /// At most this many, 1..=500 (default 100).
    pub limit: Option<i64>,
}

/// The items imported from a source, newest first: original id, URL, when first and last fetched, the story.
#[utoipa::path(get, path = "/api/v1/news/sources/{id}/items", tag = "news", params(("id" = String, Path), ItemsQuery),
    responses((status = 200, body = List<WireItem>), (status = 403, body = crate::error::Problem),
        (status = 404, description = "source-not-found", body = crate::error::Problem)))]
pub async fn items(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ItemsQuery>,
) -> ApiResult<Json<List<WireItem>>> {
    Ok(Json(List {
        items: state
            .app
            .wire_items(&who.actor(), &id, q.limit.unwrap_or(100))
            .await?,
        next_cursor: None,
    }))
}
