//! CAP subscriptions and geocode mapping: `/api/v1/alerts/sources` (the CAP documents and feeds polled on their
//! schedule, their last outcome, "poll now", what each entry became), `/api/v1/alerts/geocodes` (a CAP geocode
//! mapped to a location) and `/api/v1/alerts/{id}/approve` (an alert a source held). Admins and operators manage;
//! viewers read. docs/alerts.md lists the settings and the error codes recorded on a source.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_store::{
    AlertGeocode, AlertGeocodeInput, AlertRecord, AlertSource, AlertSourceEntry, AlertSourceInput,
};

/// The CAP sources, by name, with their last outcome.
#[utoipa::path(get, path = "/api/v1/alerts/sources", tag = "alerts",
    responses((status = 200, body = List<AlertSource>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<AlertSource>>> {
    Ok(Json(List {
        items: state.app.cap_sources(&who.actor()).await?,
        next_cursor: None,
    }))
}

/// Adds a CAP source; it is polled at once. Bad fields are 400 `invalid-cap-source` or `invalid-interval` with
/// the `field` member.
#[utoipa::path(post, path = "/api/v1/alerts/sources", tag = "alerts", request_body = AlertSourceInput,
    responses((status = 201, body = AlertSource, headers(("ETag" = String, description = "The source's version"))),
        (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "duplicate-source: a source has that name", body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<AlertSourceInput>,
) -> ApiResult<(StatusCode, Tagged<AlertSource>)> {
    let s = state.app.create_cap_source(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(s.version, s)))
}

/// One CAP source.
#[utoipa::path(get, path = "/api/v1/alerts/sources/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertSource, headers(("ETag" = String, description = "The source's version"))),
        (status = 403, body = Problem), (status = 404, description = "source-not-found", body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<AlertSource>> {
    let s = state.app.cap_source(&who.actor(), &id).await?;
    Ok(Tagged(s.version, s))
}

/// Replaces a source's settings; it is due again at once. With `If-Match`, only if unchanged since.
#[utoipa::path(put, path = "/api/v1/alerts/sources/{id}", tag = "alerts",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = AlertSourceInput,
    responses((status = 200, body = AlertSource, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, description = "source-not-found", body = Problem),
        (status = 409, description = "duplicate-source", body = Problem),
        (status = 412, description = "stale-version", body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<AlertSourceInput>,
) -> ApiResult<Tagged<AlertSource>> {
    let s = state
        .app
        .update_cap_source(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(s.version, s))
}

/// Deletes a source; its alerts stay.
#[utoipa::path(delete, path = "/api/v1/alerts/sources/{id}", tag = "alerts",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = Problem),
        (status = 404, description = "source-not-found", body = Problem),
        (status = 412, description = "stale-version", body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_cap_source(&who.actor(), &id, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Polls a source now and answers it with the outcome. A refused document is still a 200: the error is the
/// source's (`last_error.code`, docs/alerts.md).
#[utoipa::path(post, path = "/api/v1/alerts/sources/{id}/poll", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertSource), (status = 403, body = Problem),
        (status = 404, description = "source-not-found", body = Problem),
        (status = 409, description = "poll-in-progress", body = Problem)))]
pub async fn poll(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertSource>> {
    Ok(Json(
        state.app.poll_cap_source_now(&who.actor(), &id).await?,
    ))
}

/// The list's size.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// At most this many, 1..=500 (default 100).
    pub limit: Option<i64>,
}

/// What each entry of a source became (`published`, `held`, `duplicate`, `filtered`, `refused`, with a code).
#[utoipa::path(get, path = "/api/v1/alerts/sources/{id}/entries", tag = "alerts",
    params(("id" = String, Path), EntriesQuery),
    responses((status = 200, body = List<AlertSourceEntry>), (status = 403, body = Problem),
        (status = 404, description = "source-not-found", body = Problem)))]
pub async fn entries(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EntriesQuery>,
) -> ApiResult<Json<List<AlertSourceEntry>>> {
    Ok(Json(List {
        items: state
            .app
            .cap_source_entries(&who.actor(), &id, q.limit.unwrap_or(100))
            .await?,
        next_cursor: None,
    }))
}

/// Puts an alert a source held on air.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/approve", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertRecord), (status = 403, body = Problem),
        (status = 404, description = "alert-not-found", body = Problem),
        (status = 409, description = "alert-not-held: it is not waiting for approval", body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertRecord>> {
    Ok(Json(state.app.approve_alert(&who.actor(), &id).await?))
}

/// Every geocode mapping.
#[utoipa::path(get, path = "/api/v1/alerts/geocodes", tag = "alerts",
    responses((status = 200, body = List<AlertGeocode>), (status = 403, body = Problem)))]
pub async fn list_geocodes(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<AlertGeocode>>> {
    Ok(Json(List {
        items: state.app.alert_geocodes(&who.actor()).await?,
        next_cursor: None,
    }))
}

/// Maps a CAP geocode (`valueName` + `value`) to a location: alerts carrying it reach that location's screens.
#[utoipa::path(post, path = "/api/v1/alerts/geocodes", tag = "alerts", request_body = AlertGeocodeInput,
    responses((status = 201, body = AlertGeocode),
        (status = 400, description = "invalid-geocode, unknown-location (with `field`)", body = Problem),
        (status = 403, body = Problem),
        (status = 409, description = "duplicate-geocode", body = Problem)))]
pub async fn create_geocode(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<AlertGeocodeInput>,
) -> ApiResult<(StatusCode, Json<AlertGeocode>)> {
    let g = state.app.create_alert_geocode(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

/// Removes a geocode mapping.
#[utoipa::path(delete, path = "/api/v1/alerts/geocodes/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem),
        (status = 404, description = "geocode-not-found", body = Problem)))]
pub async fn delete_geocode(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_alert_geocode(&who.actor(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
