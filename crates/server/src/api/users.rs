//! Accounts (admin only) and API tokens (each account its own). The rules live in `twincast_app::users`.

use super::List;
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use twincast_store::{ApiToken, User};

pub use twincast_app::users::{CreatedToken, NewToken, NewUser};

/// Every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = List<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<User>>> {
    Ok(Json(List {
        items: state.app.list_users(&who.actor()).await?,
        next_cursor: None,
    }))
}

/// Adds an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let user = state.app.create_user(&who.actor(), body).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = List<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<ApiToken>>> {
    Ok(Json(List {
        items: state.app.list_tokens(&who.actor()).await?,
        next_cursor: None,
    }))
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let created = state.app.create_token(&who.actor(), body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revokes a token (the caller's own; admins any).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&who.actor(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
