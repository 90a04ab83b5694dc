//! The desk's tickers: `/api/v1/news/tickers` (news editors, operators, admins). A ticker names the screens
//! (targets, as a campaign's) and the stories (rubrics, tags) whose short headlines run in their ticker zone, in
//! each screen's language; see docs/news.md.

use super::revision::{IfMatch, Tagged};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use twincast_store::{NewsTicker, NewsTickerInput};

/// Every ticker, by name.
#[utoipa::path(get, path = "/api/v1/news/tickers", tag = "news",
    responses((status = 200, body = Vec<NewsTicker>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<Vec<NewsTicker>>> {
    Ok(Json(state.app.news_tickers(&who.actor()).await?))
}

/// Sets up a ticker; the screens it targets show its headlines at the next push (at once). Bad fields are 400
/// naming the field (`max_items`, `item_ms`, `rubrics`, `tags`, `targets`).
#[utoipa::path(post, path = "/api/v1/news/tickers", tag = "news", request_body = NewsTickerInput,
    responses((status = 201, body = NewsTicker, headers(("ETag" = String, description = "The ticker's version"))),
        (status = 400, description = "invalid-range, invalid-rubric, invalid-tag, invalid-text, invalid-targets, unknown-group", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewsTickerInput>,
) -> ApiResult<(StatusCode, Tagged<NewsTicker>)> {
    let t = state.app.create_news_ticker(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(t.version, t)))
}

/// One ticker (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/news/tickers/{id}", tag = "news", params(("id" = String, Path)),
    responses((status = 200, body = NewsTicker, headers(("ETag" = String, description = "The ticker's version, for If-Match"))),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "ticker-not-found", body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<NewsTicker>> {
    let t = state.app.news_ticker(&who.actor(), &id).await?;
    Ok(Tagged(t.version, t))
}

/// Replaces a ticker's settings. With `If-Match`, only if nobody changed it since (412 `stale-version`).
#[utoipa::path(put, path = "/api/v1/news/tickers/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = NewsTickerInput,
    responses((status = 200, body = NewsTicker, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, description = "ticker-not-found", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<NewsTickerInput>,
) -> ApiResult<Tagged<NewsTicker>> {
    let t = state
        .app
        .update_news_ticker(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(t.version, t))
}

/// Changes the fields a JSON merge patch (RFC 7396) names (e.g. `{"enabled": false}`).
#[utoipa::path(patch, path = "/api/v1/news/tickers/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of NewsTickerInput to change"),
    responses((status = 200, body = NewsTicker, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, description = "ticker-not-found", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<NewsTicker>> {
    let t = state
        .app
        .patch_news_ticker(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(t.version, t))
}

/// Removes a ticker; its screens lose its headlines at the next push (at once).
#[utoipa::path(delete, path = "/api/v1/news/tickers/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, description = "ticker-not-found", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_news_ticker(&who.actor(), &id, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
