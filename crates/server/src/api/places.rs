//! Locations (kinds are data) and screens.

use super::{check_coords, check_slug, check_text, ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_store::{Location, Role, Screen, ScreenView};

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
}

/// A new location.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Kind of place: lowercase letters, digits, `_`.
    pub kind: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub tz: String,
}

/// A new screen.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScreen {
    /// Display name.
    pub name: String,
    /// Location slug.
    pub location: String,
    /// Latitude (default: the location's).
    pub lat: Option<f64>,
    /// Longitude (default: the location's).
    pub lon: Option<f64>,
    /// IANA time zone (default: the location's).
    pub tz: Option<String>,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Tags for targeting.
    #[serde(default)]
    pub tags: Vec<String>,
}

fn check_kind(kind: &str) -> ApiResult<()> {
    if kind.is_empty()
        || kind.len() > 40
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ApiError::bad_request(
            "invalid-kind",
            format!("kind {kind:?} must be lowercase letters, digits and '_'"),
        ));
    }
    Ok(())
}

/// Checks an IANA time zone name: `Area/City` made of letters, digits, `_`, `-`, `+`, `/`.
pub fn check_tz(tz: &str) -> ApiResult<()> {
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && !tz.contains("..")
        && !tz.starts_with('/')
        && tz
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-+/".contains(&b))
        && (tz.contains('/') || tz == "UTC");
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid-time-zone",
            format!("{tz:?} is not an IANA time zone name"),
        ))
    }
}

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
            .store
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
    who.require(&[Role::Admin, Role::Operator])?;
    check_slug("slug", &b.slug)?;
    check_text("name", &b.name, 200)?;
    check_kind(&b.kind)?;
    check_tz(&b.tz)?;
    check_coords(b.lat, b.lon)?;
    let l = Location {
        id: String::new(),
        slug: b.slug,
        name: b.name,
        kind: b.kind,
        lat: b.lat,
        lon: b.lon,
        tz: b.tz,
    };
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_location(&l).await?),
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
        .store
        .list_screens(q.location_kind.as_deref(), &page)
        .await?;
    let items: Vec<serde_json::Value> = p.items.iter().map(screen_json).collect();
    Ok(Json(
        serde_json::json!({ "items": items, "next_cursor": p.next_cursor }),
    ))
}

/// A screen as the API shows it: its fields, `location`, `location_kind` and `status`.
pub fn screen_json(v: &ScreenView) -> serde_json::Value {
    let mut j = serde_json::to_value(v).unwrap_or_default();
    let status = match v.screen.last_seen_at {
        Some(t) if twincast_store::now_ms() - t < 120_000 => "online",
        Some(_) => "offline",
        None => "never_seen",
    };
    j["status"] = status.into();
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
    Ok(Json(screen_json(&state.store.screen(&id).await?)))
}

/// Adds a screen (admin, operator).
#[utoipa::path(post, path = "/api/v1/screens", tag = "places", request_body = NewScreen,
    responses((status = 201, body = ScreenView), (status = 400, body = crate::error::Problem)))]
pub async fn create_screen(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<NewScreen>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    who.require(&[Role::Admin, Role::Operator])?;
    check_text("name", &b.name, 200)?;
    check_coords(b.lat, b.lon)?;
    if b.width == 0 || b.height == 0 || b.width > 16384 || b.height > 16384 {
        return Err(ApiError::bad_request(
            "invalid-resolution",
            "width and height must be 1..=16384",
        ));
    }
    for t in &b.tags {
        check_slug("tag", t)?;
    }
    let loc = match state.store.location_by_slug(&b.location).await {
        Ok(l) => l,
        Err(twincast_store::StoreError::NotFound) => {
            return Err(ApiError::bad_request(
                "unknown-location",
                format!("no location {:?}", b.location),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let tz = b.tz.unwrap_or(loc.tz.clone());
    check_tz(&tz)?;
    let s = Screen {
        id: String::new(),
        name: b.name,
        location_id: loc.id,
        lat: b.lat.or(loc.lat),
        lon: b.lon.or(loc.lon),
        tz,
        width: b.width.into(),
        height: b.height.into(),
        orientation: if b.height > b.width {
            "portrait"
        } else {
            "landscape"
        }
        .into(),
        tags: b.tags,
        last_seen_at: None,
    };
    Ok((
        StatusCode::CREATED,
        Json(screen_json(&state.store.create_screen(&s).await?)),
    ))
}
