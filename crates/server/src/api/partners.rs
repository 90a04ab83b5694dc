//! Partners: the content owners (sister cities in the demo). Reading is public (the portal shows them).

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

/// One partner.
#[utoipa::path(get, path = "/api/v1/partners/{slug}", tag = "partners", params(("slug" = String, Path)),
    responses((status = 200, body = Partner), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<Partner>> {
    Ok(Json(state.app.partner(&slug).await?))
}

/// Adds a partner (admin, operator).
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", request_body = PartnerInput,
    responses((status = 201, body = Partner), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<PartnerInput>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_partner(&who.actor(), &body).await?),
    ))
}

/// Replaces a partner's fields (admin, operator, or an editor of that partner, who cannot rename it).
#[utoipa::path(put, path = "/api/v1/partners/{slug}", tag = "partners", params(("slug" = String, Path)), request_body = PartnerInput,
    responses((status = 200, body = Partner), (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<PartnerInput>,
) -> ApiResult<Json<Partner>> {
    Ok(Json(
        state.app.update_partner(&who.actor(), &slug, &body).await?,
    ))
}

/// Deletes a partner that owns no media (admin, operator).
#[utoipa::path(delete, path = "/api/v1/partners/{slug}", tag = "partners", params(("slug" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_partner(&who.actor(), &slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
