//! Screen groups: named sets of screens that campaigns target by slug. Everyone signed in reads; admins and
//! operators write, with `If-Match` on update, patch and delete; a membership change pushes new manifests to the
//! screens that joined or left. The operations are [`twincast_app::schedule`]'s.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
pub use twincast_app::schedule::GroupList;
pub use twincast_store::{ScreenGroup, ScreenGroupInput};

const IF_MATCH: &str = "ETag of the version read; a newer version answers 412 stale-version";

/// List filters of screen groups.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GroupQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only groups whose slug or name contains this text (case-insensitive for ASCII letters).
    pub q: Option<String>,
    /// Only groups that contain this screen (id).
    pub screen: Option<String>,
}

/// Screen groups, by slug, in keyset pages.
#[utoipa::path(get, path = "/api/v1/screen-groups", tag = "schedule", params(GroupQuery),
    responses((status = 200, body = GroupList), (status = 400, body = Problem)))]
pub async fn list_groups(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<GroupQuery>,
) -> ApiResult<Json<GroupList>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(Json(
        state
            .app
            .list_groups(&who.actor(), q.q.as_deref(), q.screen.as_deref(), &page)
            .await?,
    ))
}

/// Adds a screen group (admin, operator).
#[utoipa::path(post, path = "/api/v1/screen-groups", tag = "schedule", request_body = ScreenGroupInput,
    responses((status = 201, body = ScreenGroup, headers(("ETag" = String, description = "The group's version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn create_group(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<ScreenGroupInput>,
) -> ApiResult<(StatusCode, Tagged<ScreenGroup>)> {
    let g = state.app.create_group(&who.actor(), b).await?;
    Ok((StatusCode::CREATED, Tagged(g.version, g)))
}

/// One screen group (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/screen-groups/{slug}", tag = "schedule",
    params(("slug" = String, Path, description = "Group slug")),
    responses((status = 200, body = ScreenGroup, headers(("ETag" = String, description = "The group's version, for If-Match"))),
        (status = 404, body = Problem)))]
pub async fn get_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<ScreenGroup>> {
    let g = state.app.group(&who.actor(), &slug).await?;
    Ok(Tagged(g.version, g))
}

/// Replaces a group's name and members (admin, operator); the slug is immutable.
#[utoipa::path(put, path = "/api/v1/screen-groups/{slug}", tag = "schedule", request_body = ScreenGroupInput,
    params(("slug" = String, Path, description = "Group slug"), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    responses((status = 200, body = ScreenGroup, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "screen-retired: a retired screen cannot join", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn update_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<ScreenGroupInput>,
) -> ApiResult<Tagged<ScreenGroup>> {
    let g = state
        .app
        .update_group(&who.actor(), &slug, b, if_match)
        .await?;
    Ok(Tagged(g.version, g))
}

/// Changes the fields of a group that a JSON merge patch (RFC 7396) names (admin, operator); `screens` replaces
/// the member list.
#[utoipa::path(patch, path = "/api/v1/screen-groups/{slug}", tag = "schedule",
    params(("slug" = String, Path, description = "Group slug"), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of ScreenGroupInput to change"),
    responses((status = 200, body = ScreenGroup, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "screen-retired: a retired screen cannot join", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn patch_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<ScreenGroup>> {
    let g = state
        .app
        .patch_group(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(g.version, g))
}

/// Deletes a screen group (admin, operator).
#[utoipa::path(delete, path = "/api/v1/screen-groups/{slug}", tag = "schedule",
    params(("slug" = String, Path, description = "Group slug"), ("If-Match" = Option<String>, Header, description = IF_MATCH)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn delete_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_group(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
