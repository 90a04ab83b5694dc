//! The cooperation catalogue: projects and the field vocabulary (managed by admins and operators, read by anyone:
//! the portal shows them), IATI 2.03 export and import, and expressions of interest (a public form, rate-limited
//! per client address; the inbox is the managers').

use super::revision::{IfMatch, Tagged};
use super::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::net::SocketAddr;
use twincast_app::cooperation::{
    Catalogue, FormToken, ImportReport, InterestForm, InterestStatusChange, Submitted,
};
use twincast_core::cooperation::iati::MAX_IMPORT_BYTES;
use twincast_core::cooperation::{
    Field, FieldInput, InterestStatus, Project, ProjectInput, Selection, Status,
};
use twincast_store::Interest;

/// The catalogue's selection (one value per dimension).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CatalogueQuery {
    /// A field slug.
    pub field: Option<String>,
    /// A district or county slug.
    pub district: Option<String>,
    /// A partner country or region (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// `planned`, `active` or `completed`.
    pub status: Option<Status>,
}

/// Projects matching a selection of field × district × country × status, with the facet counts (public).
#[utoipa::path(get, path = "/api/v1/projects", tag = "cooperation", params(CatalogueQuery),
    responses((status = 200, body = Catalogue), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CatalogueQuery>,
) -> ApiResult<Json<Catalogue>> {
    let sel = Selection {
        field: q.field,
        district: q.district,
        country: q.country,
        status: q.status,
    };
    Ok(Json(state.app.catalogue(&sel).await?))
}

/// One project (its version is the `ETag`; public).
#[utoipa::path(get, path = "/api/v1/projects/{slug}", tag = "cooperation", params(("slug" = String, Path)),
    responses((status = 200, body = Project, headers(("ETag" = String, description = "The project's version, for If-Match"))),
        (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<Project>> {
    let p = state.app.project(&slug).await?;
    Ok(Tagged(p.version, p))
}

/// Adds a project (admin, operator). A refused field is named in the problem's `errors` (`field`, `code`,
/// `message`); codes include `required`, `invalid-date`, `end-before-start`, `end-in-future`, `invalid-country`,
/// `unknown-field`, `unknown-partner`, `invalid-email`.
#[utoipa::path(post, path = "/api/v1/projects", tag = "cooperation", request_body = ProjectInput,
    responses((status = 201, body = Project, headers(("ETag" = String, description = "The project's version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<ProjectInput>,
) -> ApiResult<(StatusCode, Tagged<Project>)> {
    let p = state.app.create_project(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(p.version, p)))
}

/// Replaces a project's fields (admin, operator). With `If-Match`, only if nobody changed it since (412
/// `stale-version` otherwise).
#[utoipa::path(put, path = "/api/v1/projects/{slug}", tag = "cooperation",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = ProjectInput,
    responses((status = 200, body = Project, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<ProjectInput>,
) -> ApiResult<Tagged<Project>> {
    let p = state
        .app
        .update_project(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(p.version, p))
}

/// Deletes a project and its expressions of interest (admin, operator).
#[utoipa::path(delete, path = "/api/v1/projects/{slug}", tag = "cooperation",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_project(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The field vocabulary with each field's DAC purpose codes and SDG goals (public).
#[utoipa::path(get, path = "/api/v1/project-fields", tag = "cooperation",
    responses((status = 200, body = Vec<Field>)))]
pub async fn list_fields(State(state): State<AppState>) -> ApiResult<Json<Vec<Field>>> {
    Ok(Json(state.app.coop_fields().await?))
}

/// Adds a field to the vocabulary (admin, operator); `invalid-dac` (not 5 digits), `invalid-sdg` (not 1–17).
#[utoipa::path(post, path = "/api/v1/project-fields", tag = "cooperation", request_body = FieldInput,
    responses((status = 201, body = Field), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn create_field(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<FieldInput>,
) -> ApiResult<(StatusCode, Tagged<Field>)> {
    let f = state.app.create_coop_field(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(f.version, f)))
}

/// Replaces a field's names and codes (admin, operator); the slug cannot change (`slug-immutable`).
#[utoipa::path(put, path = "/api/v1/project-fields/{slug}", tag = "cooperation",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = FieldInput,
    responses((status = 200, body = Field), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update_field(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<FieldInput>,
) -> ApiResult<Tagged<Field>> {
    let f = state
        .app
        .update_coop_field(&who.actor(), &slug, &body, if_match)
        .await?;
    Ok(Tagged(f.version, f))
}

/// Deletes a field no project uses (admin, operator; `field-in-use` names the projects that do).
#[utoipa::path(delete, path = "/api/v1/project-fields/{slug}", tag = "cooperation",
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete_field(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_coop_field(&who.actor(), &slug, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The catalogue as an IATI 2.03 activity file (`application/xml`; public).
#[utoipa::path(get, path = "/api/v1/iati/activities", tag = "cooperation",
    responses((status = 200, content_type = "application/xml", body = String)))]
pub async fn iati_export(State(state): State<AppState>) -> ApiResult<Response> {
    let xml = state.app.iati_export().await?;
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}

/// Imports an IATI 2.0x activity file (admin, operator): all activities or none. Refused: a DTD or entity
/// declaration (`iati-dtd`), an undefined entity (`iati-entity`), more than 4 MiB (`iati-too-large`, 413),
/// malformed XML (`iati-not-well-formed`), another root or version (`iati-not-activities`), an activity the
/// catalogue's rules refuse (`iati-activity`, with `activity` and `errors`).
#[utoipa::path(post, path = "/api/v1/iati/activities", tag = "cooperation",
    request_body(content = String, content_type = "application/xml", description = "An iati-activities document"),
    responses((status = 200, body = ImportReport), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem)))]
pub async fn iati_import(
    State(state): State<AppState>,
    who: Principal,
    body: axum::body::Body,
) -> ApiResult<Json<ImportReport>> {
    who.actor().require(&twincast_app::cooperation::MANAGERS)?;
    let bytes = axum::body::to_bytes(body, MAX_IMPORT_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "iati-too-large",
                format!("an IATI import is at most {MAX_IMPORT_BYTES} bytes"),
            )
        })?;
    Ok(Json(state.app.iati_import(&who.actor(), &bytes).await?))
}

/// A fresh expression-of-interest form for a project: the token to send back (no cookie) and the retention date
/// to show beside the consent box (public).
#[utoipa::path(get, path = "/api/v1/projects/{slug}/interest-form", tag = "cooperation", params(("slug" = String, Path)),
    responses((status = 200, body = FormToken), (status = 404, body = crate::error::Problem)))]
pub async fn interest_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<FormToken>> {
    Ok(Json(state.app.interest_form(&slug).await?))
}

/// Sends an expression of interest (public; rate-limited per client address: 429 `too-many-interests`). Stored
/// once per form token: 201 when stored now, 200 with the same id when that form was already sent. Refused:
/// field errors (`errors`), `rejected-as-spam` (honeypot), `form-too-fast`, `form-expired`, `invalid-form-token`.
#[utoipa::path(post, path = "/api/v1/projects/{slug}/interests", tag = "cooperation", params(("slug" = String, Path)),
    request_body = InterestForm,
    responses((status = 201, body = Submitted), (status = 200, body = Submitted),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
pub async fn submit_interest(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<InterestForm>,
) -> ApiResult<(StatusCode, Json<Submitted>)> {
    state
        .app
        .interest_allowed(state.app.client_ip(peer.ip(), &headers))
        .await?;
    let s = state.app.submit_interest(&slug, &body).await?;
    let status = if s.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(s)))
}

/// Inbox filter.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InterestQuery {
    /// `new`, `forwarded` or `closed`.
    pub status: Option<InterestStatus>,
}

/// Expressions of interest, newest first (admin, operator).
#[utoipa::path(get, path = "/api/v1/interests", tag = "cooperation", params(InterestQuery),
    responses((status = 200, body = Vec<Interest>), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn list_interests(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<InterestQuery>,
) -> ApiResult<Json<Vec<Interest>>> {
    Ok(Json(state.app.interests(&who.actor(), q.status).await?))
}

/// Sets an expression of interest's status (admin, operator).
#[utoipa::path(put, path = "/api/v1/interests/{id}/status", tag = "cooperation",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = InterestStatusChange,
    responses((status = 200, body = Interest), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn set_interest_status(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<InterestStatusChange>,
) -> ApiResult<Tagged<Interest>> {
    let i = state
        .app
        .set_interest_status(&who.actor(), &id, body.status, if_match)
        .await?;
    Ok(Tagged(i.version, i))
}
