//! Partners: the content owners (sister cities in the demo). Reading is public (the portal shows them).

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_store::{Partner, PartnerInput};

/// List filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PartnerQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only partners on this continent.
    pub continent: Option<String>,
    /// Only partners in this country (ISO alpha-2).
    pub country: Option<String>,
}

/// Partners, by slug.
#[utoipa::path(get, path = "/api/v1/partners", tag = "partners", params(PartnerQuery),
    responses((status = 200, body = List<Partner>), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PartnerQuery>,
) -> ApiResult<Json<List<Partner>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(Json(
        state
            .app
            .list_partners(q.continent.as_deref(), q.country.as_deref(), &page)
            .await?
            .into(),
    ))
}

/// One partner (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/partners/{slug}", tag = "partners", params(("slug" = String, Path)),
    responses((status = 200, body = Partner, headers(("ETag" = String, description = "The partner's version, for If-Match"))),
        (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<Partner>> {
    let p = state.app.partner(&slug).await?;
    Ok(Tagged(p.version, p))
}

/// Adds a partner (admin, operator).
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", request_body = PartnerInput,
    responses((status = 201, body = Partner, headers(("ETag" = String, description = "The partner's version"))),
        (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<PartnerInput>,
) -> ApiResult<(StatusCode, Tagged<Partner>)> {
    let p = state.app.create_partner(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(p.version, p)))
}

/// Replaces a partner's fields (admin, operator, or an editor of that partner, who cannot rename it). With
/// `If-Match`, only if nobody changed it since (412 `stale-version` otherwise).
#[utoipa::path(put, path = "/api/v1/partners/{slug}", tag = "partners",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = PartnerInput,
    responses((status = 200, body = Partner, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<PartnerInput>,
) -> ApiResult<Tagged<Partner>> {
    let p = state
        .app
        .update_partner(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(p.version, p))
}

/// Changes the fields a JSON merge patch (RFC 7396) names; same rules as the full update.
#[utoipa::path(patch, path = "/api/v1/partners/{slug}", tag = "partners",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of PartnerInput to change; null clears an optional field"),
    responses((status = 200, body = Partner, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<Partner>> {
    let p = state
        .app
        .patch_partner(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(p.version, p))
}

/// Deletes a partner that owns no media or campaigns (admin, operator).
#[utoipa::path(delete, path = "/api/v1/partners/{slug}", tag = "partners",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_partner(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
