//! Layouts as data: zones in percent for landscape or portrait screens (admins and operators change them, every
//! signed-in user reads them), and the layout of a screen or a screen group. The rules live in
//! `twincast_app::layouts`.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_app::layouts::ScreenLayoutChoice;
use twincast_store::{Layout, LayoutInput};
use utoipa::{IntoParams, ToSchema};

/// List filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LayoutQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only layouts for `landscape` or `portrait` screens.
    pub orientation: Option<String>,
}

/// Layouts, by slug (the migration seeds `landscape` and `portrait`, today's layouts with a ticker).
#[utoipa::path(get, path = "/api/v1/layouts", tag = "layouts", params(LayoutQuery),
    responses((status = 200, body = List<Layout>), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<LayoutQuery>,
) -> ApiResult<Json<List<Layout>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(Json(
        state
            .app
            .list_layouts(&who.actor(), q.orientation.as_deref(), &page)
            .await?
            .into(),
    ))
}

/// One layout (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/layouts/{slug}", tag = "layouts", params(("slug" = String, Path)),
    responses((status = 200, body = Layout, headers(("ETag" = String, description = "The layout's version, for If-Match"))),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<Layout>> {
    let l = state.app.layout(&who.actor(), &slug).await?;
    Ok(Tagged(l.version, l))
}

/// Adds a layout (admin, operator). Zones: `{name, x, y, w, h, overlay?}` in percent, inside the screen,
/// exactly one `main`, no overlap unless the later zone says `"overlay": true`.
#[utoipa::path(post, path = "/api/v1/layouts", tag = "layouts", request_body = LayoutInput,
    responses((status = 201, body = Layout, headers(("ETag" = String, description = "The layout's version"))),
        (status = 400, description = "invalid-slug, invalid-orientation, invalid-zone-name, zone-outside-screen, duplicate-zone, zones-overlap, main-zone-count, too-many-zones", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<LayoutInput>,
) -> ApiResult<(StatusCode, Tagged<Layout>)> {
    let l = state.app.create_layout(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(l.version, l)))
}

/// Replaces a layout's fields (admin, operator); its orientation cannot change (`409 layout-orientation`). The
/// screens using it get a new manifest. With `If-Match`, only if nobody changed it since.
#[utoipa::path(put, path = "/api/v1/layouts/{slug}", tag = "layouts",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = LayoutInput,
    responses((status = 200, body = Layout, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<LayoutInput>,
) -> ApiResult<Tagged<Layout>> {
    let l = state
        .app
        .update_layout(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(l.version, l))
}

/// Changes the fields a JSON merge patch (RFC 7396) names; same rules as the full update.
#[utoipa::path(patch, path = "/api/v1/layouts/{slug}", tag = "layouts",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of LayoutInput to change"),
    responses((status = 200, body = Layout, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<Layout>> {
    let l = state
        .app
        .patch_layout(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(l.version, l))
}

/// Deletes a layout no screen or group uses (admin, operator); `409 layout-in-use` otherwise.
#[utoipa::path(delete, path = "/api/v1/layouts/{slug}", tag = "layouts",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_layout(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The layout to give a screen or a group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoutChoice {
    /// A layout's slug; `null` for none (a screen then gets its groups' layout or the built-in one).
    pub layout: Option<String>,
}

/// The layout a screen gets and where it comes from (`screen`, `group` or `builtin`).
#[utoipa::path(get, path = "/api/v1/screens/{id}/layout", tag = "layouts", params(("id" = String, Path)),
    responses((status = 200, body = ScreenLayoutChoice), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn get_screen_layout(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<ScreenLayoutChoice>> {
    Ok(Json(state.app.screen_layout(&who.actor(), &id).await?))
}

/// Gives a screen a layout of its orientation, or none (admin, operator); the screen is pushed its new
/// manifest. `400 unknown-layout`, `409 layout-orientation`.
#[utoipa::path(put, path = "/api/v1/screens/{id}/layout", tag = "layouts", params(("id" = String, Path)),
    request_body = LayoutChoice,
    responses((status = 200, body = ScreenLayoutChoice), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn set_screen_layout(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LayoutChoice>,
) -> ApiResult<Json<ScreenLayoutChoice>> {
    Ok(Json(
        state
            .app
            .set_screen_layout(&who.actor(), &id, body.layout.as_deref())
            .await?,
    ))
}

/// Gives a screen group a layout, or none (admin, operator): it applies to the members of the layout's
/// orientation that have no layout of their own, which are pushed their new manifests. Answers the layout.
#[utoipa::path(put, path = "/api/v1/screen-groups/{slug}/layout", tag = "layouts", params(("slug" = String, Path)),
    request_body = LayoutChoice,
    responses((status = 200, body = Option<Layout>), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn set_group_layout(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<LayoutChoice>,
) -> ApiResult<Json<Option<Layout>>> {
    Ok(Json(
        state
            .app
            .set_group_layout(&who.actor(), &slug, body.layout.as_deref())
            .await?,
    ))
}
