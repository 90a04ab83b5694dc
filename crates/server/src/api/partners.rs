//! Partners: the content owners (sister cities in the demo). Reading is public (the portal shows them).

use super::{check_coords, check_slug, check_text, ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_store::{Partner, PartnerInput, Role};

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

const LANGS_REQUIRED: [&str; 3] = ["ru", "en", "zh"];

/// Validates a partner's fields.
pub fn validate(p: &PartnerInput) -> ApiResult<()> {
    check_slug("slug", &p.slug)?;
    for lang in LANGS_REQUIRED {
        match p.names.get(lang) {
            Some(n) if !n.trim().is_empty() => check_text(&format!("names.{lang}"), n, 200)?,
            _ => {
                return Err(ApiError::bad_request(
                    "missing-name",
                    format!("names.{lang} is required (names in ru, en and zh)"),
                ))
            }
        }
    }
    for (lang, n) in &p.names {
        if lang.is_empty()
            || lang.len() > 16
            || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(ApiError::bad_request(
                "invalid-language",
                format!("{lang:?} is not a language tag"),
            ));
        }
        check_text(&format!("names.{lang}"), n, 200)?;
    }
    if p.country.len() != 2 || !p.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::bad_request(
            "invalid-country",
            format!(
                "country {:?} must be an ISO 3166-1 alpha-2 code such as DE",
                p.country
            ),
        ));
    }
    const CONTINENTS: [&str; 7] = [
        "africa",
        "antarctica",
        "asia",
        "europe",
        "north_america",
        "oceania",
        "south_america",
    ];
    if !CONTINENTS.contains(&p.continent.as_str()) {
        return Err(ApiError::bad_request(
            "invalid-continent",
            format!(
                "continent {:?} must be one of {}",
                p.continent,
                CONTINENTS.join(", ")
            ),
        ));
    }
    check_coords(p.lat, p.lon)?;
    if p.since.is_some_and(|y| !(1000..=9999).contains(&y)) {
        return Err(ApiError::bad_request(
            "invalid-year",
            "since must be a four-digit year",
        ));
    }
    check_text("description", &p.description, 4000)?;
    Ok(())
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
            .store
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
    Ok(Json(state.store.partner_by_slug(&slug).await?))
}

/// Adds a partner (admin, operator).
#[utoipa::path(post, path = "/api/v1/partners", tag = "partners", request_body = PartnerInput,
    responses((status = 201, body = Partner), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<PartnerInput>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    who.require(&[Role::Admin, Role::Operator])?;
    validate(&body)?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.create_partner(&body).await?),
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
    who.require_partner(&slug)?;
    if who.user.role == Role::PartnerEditor && body.slug != slug {
        return Err(ApiError::forbidden(
            "only admins and operators can rename a partner",
        ));
    }
    validate(&body)?;
    Ok(Json(state.store.update_partner(&slug, &body).await?))
}

/// Deletes a partner that owns no media (admin, operator).
#[utoipa::path(delete, path = "/api/v1/partners/{slug}", tag = "partners", params(("slug" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    who.require(&[Role::Admin, Role::Operator])?;
    state.store.delete_partner(&slug).await?;
    Ok(StatusCode::NO_CONTENT)
}
