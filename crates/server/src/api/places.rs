//! Locations (kinds are data) and screens: list (keyset pages, filters, sort), get (with `ETag`), create, merge
//! patch and delete/retire with `If-Match`. Everyone signed in reads; admins and operators write. The operations
//! are [`twincast_app::places`]'s.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_app::places::{ScreenListQuery, ScreenWithStatus};
use twincast_store::{Location, LocationFilter, LocationInput, ScreenView};

pub use twincast_app::places::{NewLocation, NewScreen, ScreenInput};

/// List filters of locations.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LocationQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only locations of this kind (e.g. `airport`, `metro`).
    pub kind: Option<String>,
    /// Only locations whose name or slug contains this text (case-insensitive for ASCII letters).
    pub q: Option<String>,
}

/// List filters and order of screens. Pages are keyset pages on (sort key, id): walking `next_cursor` visits
/// every screen that exists throughout the walk exactly once.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScreenQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor` (only valid with the same filters and order).
    pub cursor: Option<String>,
    /// Only screens at the location with this slug.
    pub location: Option<String>,
    /// Only screens at locations of this kind.
    pub location_kind: Option<String>,
    /// Only screens carrying this tag.
    pub tag: Option<String>,
    /// Only members of the screen group with this slug.
    pub group: Option<String>,
    /// Only `online` (heard from within the offline threshold), `offline` (heard from, not recently) or
    /// `never_seen` screens.
    pub status: Option<String>,
    /// Only screens whose name contains this text (case-insensitive for ASCII letters).
    pub q: Option<String>,
    /// `true`: only retired screens (default `false`: only active ones).
    pub retired: Option<bool>,
    /// Sort key: `created` (default) or `name`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
}

const IF_MATCH: &str = "ETag of the version read; a newer version answers 412 stale-version";

/// Locations, by slug.
#[utoipa::path(get, path = "/api/v1/locations", tag = "places", params(LocationQuery),
    responses((status = 200, body = List<Location>), (status = 400, body = Problem)))]
pub async fn list_locations(
    State(state): State<AppState>,
    _who: Principal,
    ApiQuery(q): ApiQuery<LocationQuery>,
) -> ApiResult<Json<List<Location>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let filter = LocationFilter {
        kind: q.kind,
        q: q.q,
    };
    Ok(Json(state.app.list_locations(&filter, &page).await?.into()))
}

/// Adds a location (admin, operator).
#[utoipa::path(post, path = "/api/v1/locations", tag = "places", request_body = LocationInput,
    responses((status = 201, body = Location, headers(("ETag" = String, description = "The location's version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn create_location(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<NewLocation>,
) -> ApiResult<(StatusCode, Tagged<Location>)> {
    let l = state.app.create_location(&who.actor(), b).await?;
    Ok((StatusCode::CREATED, Tagged(l.version, l)))
}

/// One location (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/locations/{slug}", tag = "places", params(("slug" = String, Path)),
    responses((status = 200, body = Location, headers(("ETag" = String, description = "The location's version, for If-Match"))),
        (status = 404, body = Problem)))]
pub async fn get_location(
    State(state): State<AppState>,
    _who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<Location>> {
    let l = state.app.location(&slug).await?;
    Ok(Tagged(l.version, l))
}

/// Changes the fields of a location that a JSON merge patch (RFC 7396) names (admin, operator). Its screens that
/// carry its previous time zone or coordinates follow the new ones, and every screen there gets its new manifest.
#[utoipa::path(patch, path = "/api/v1/locations/{slug}", tag = "places",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of LocationInput to change; null clears lat/lon"),
    responses((status = 200, body = Location, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "conflict: the new slug is taken", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn patch_location(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<Location>> {
    let l = state
        .app
        .patch_location(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(l.version, l))
}

/// Deletes a location that no screen references (admin, operator); retired screens still reference theirs.
#[utoipa::path(delete, path = "/api/v1/locations/{slug}", tag = "places",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "location-in-use: screens are there (some are named)", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn delete_location(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_location(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Screens, with their location's name, slug and kind and their status.
#[utoipa::path(get, path = "/api/v1/screens", tag = "places", params(ScreenQuery),
    responses((status = 200, body = List<ScreenView>), (status = 400, body = Problem)))]
pub async fn list_screens(
    State(state): State<AppState>,
    _who: Principal,
    ApiQuery(q): ApiQuery<ScreenQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let query = ScreenListQuery {
        location: q.location,
        location_kind: q.location_kind,
        tag: q.tag,
        group: q.group,
        status: q.status,
        q: q.q,
        retired: q.retired.unwrap_or(false),
        sort: q.sort,
        order: q.order,
    };
    let p = state.app.list_screens(&query, &page).await?;
    let items: Vec<serde_json::Value> = p.items.iter().map(screen_json).collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next_cursor": p.next_cursor }),
    ))
}

/// A screen as the API shows it: its fields, `location`, `location_slug`, `location_kind` and `status`.
pub fn screen_json(s: &ScreenWithStatus) -> serde_json::Value {
    let mut j = serde_json::to_value(&s.view).unwrap_or_default();
    j["status"] = s.status.as_str().into();
    j
}

fn tagged(s: &ScreenWithStatus) -> Tagged<serde_json::Value> {
    Tagged(s.view.version, screen_json(s))
}

/// One screen (retired ones too; its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/screens/{id}", tag = "places", params(("id" = String, Path)),
    responses((status = 200, body = ScreenView, headers(("ETag" = String, description = "The screen's version, for If-Match"))),
        (status = 404, body = Problem)))]
pub async fn get_screen(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<serde_json::Value>> {
    Ok(tagged(&state.app.screen(&id).await?))
}

/// Adds a screen (admin, operator).
#[utoipa::path(post, path = "/api/v1/screens", tag = "places", request_body = NewScreen,
    responses((status = 201, body = ScreenView, headers(("ETag" = String, description = "The screen's version"))),
        (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn create_screen(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<NewScreen>,
) -> ApiResult<(StatusCode, Tagged<serde_json::Value>)> {
    let s = state.app.create_screen(&who.actor(), b).await?;
    Ok((StatusCode::CREATED, tagged(&s)))
}

/// Changes the fields of a screen that a JSON merge patch (RFC 7396) names (admin, operator): name, location,
/// lat/lon, tz, width/height (the orientation follows), tags. Moving it to another location without naming `tz`
/// (or `lat`/`lon`) takes the new location's when the screen had the old one's. The screen gets its new manifest
/// pushed. A retired screen cannot be changed (409 `screen-retired`).
#[utoipa::path(patch, path = "/api/v1/screens/{id}", tag = "places",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body(content = ScreenInput, content_type = "application/merge-patch+json", description = "Fields of ScreenInput to change; null clears lat/lon"),
    responses((status = 200, body = ScreenView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "screen-retired", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn patch_screen(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<serde_json::Value>> {
    let s = state
        .app
        .patch_screen(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(tagged(&s))
}

/// Retires a screen (admin, operator): the row stays with its plays and audit (`GET` still answers, with
/// `retired_at`), its device tokens are revoked and its open sockets closed at once, and it leaves the schedule
/// and the default lists (`?retired=true` lists it). It cannot be changed or paired again.
#[utoipa::path(delete, path = "/api/v1/screens/{id}", tag = "places",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "screen-retired: retired already", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn retire_screen(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    let devices = state.app.retire_screen(&who.actor(), &id, if_match).await?;
    state.hub.revoke(&id, &devices);
    Ok(StatusCode::NO_CONTENT)
}
