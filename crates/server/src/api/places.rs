//! Locations (kinds are data) and screens.

use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_app::places::ScreenWithStatus;
use twincast_store::{Location, ScreenView};

/// List filters of locations.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LocationQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only locations of this kind (e.g. `airport`, `metro`).
    pub kind: Option<String>,
}

/// List filters of screens.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScreenQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only screens at locations of this kind.
    pub location_kind: Option<String>,
    /// Only `online` or `offline` screens (offline includes never seen); filters each page.
    pub status: Option<String>,
}

pub use twincast_app::places::{NewLocation, NewScreen};

/// Locations, by slug.
#[utoipa::path(get, path = "/api/v1/locations", tag = "places", params(LocationQuery),
    responses((status = 200, body = List<Location>)))]
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
    Ok(Json(
        state
            .app
            .list_locations(q.kind.as_deref(), &page)
            .await?
            .into(),
    ))
}

/// Adds a location (admin, operator).
#[utoipa::path(post, path = "/api/v1/locations", tag = "places", request_body = NewLocation,
    responses((status = 201, body = Location), (status = 400, body = crate::error::Problem)))]
pub async fn create_location(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<NewLocation>,
) -> ApiResult<(StatusCode, Json<Location>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_location(&who.actor(), b).await?),
    ))
}

/// Screens, with their location's name and kind and their status.
#[utoipa::path(get, path = "/api/v1/screens", tag = "places", params(ScreenQuery),
    responses((status = 200, body = List<ScreenView>)))]
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
    let p = state
        .app
        .list_screens(q.location_kind.as_deref(), q.status.as_deref(), &page)
        .await?;
    let items: Vec<serde_json::Value> = p.items.iter().map(screen_json).collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next_cursor": p.next_cursor }),
    ))
}

/// A screen as the API shows it: its fields, `location`, `location_kind` and `status`.
pub fn screen_json(s: &ScreenWithStatus) -> serde_json::Value {
    let mut j = serde_json::to_value(&s.view).unwrap_or_default();
    j["status"] = s.status.as_str().into();
    j
}

/// One screen.
#[utoipa::path(get, path = "/api/v1/screens/{id}", tag = "places", params(("id" = String, Path)),
    responses((status = 200, body = ScreenView), (status = 404, body = crate::error::Problem)))]
pub async fn get_screen(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(screen_json(&state.app.screen(&id).await?)))
}

/// Adds a screen (admin, operator).
#[utoipa::path(post, path = "/api/v1/screens", tag = "places", request_body = NewScreen,
    responses((status = 201, body = ScreenView), (status = 400, body = crate::error::Problem)))]
pub async fn create_screen(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<NewScreen>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    Ok((
        StatusCode::CREATED,
        Json(screen_json(
            &state.app.create_screen(&who.actor(), b).await?,
        )),
    ))
}
