//! Accounts (admin only, except reading one's own) and API tokens (each account its own; admins any). The rules
//! live in `twincast_app::users`.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_app::users::{TokenQuery, UserQuery};
use twincast_store::{ApiToken, Role, User, UserSort};

pub use twincast_app::users::{CreatedToken, NewToken, NewUser, PasswordReset};
pub use twincast_store::UserInput;

/// Account list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only disabled (`true`) or enabled (`false`) accounts.
    pub disabled: Option<bool>,
    /// Only login names containing this text (case-insensitive).
    pub q: Option<String>,
    /// `username` (default), `-username`, `created_at` or `-created_at` (`-`: descending).
    pub sort: Option<UserSort>,
}

/// Accounts (admin), filtered and sorted, a page at a time.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserListQuery),
    responses((status = 200, body = List<User>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<UserListQuery>,
) -> ApiResult<Json<List<User>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let query = UserQuery {
        role: q.role,
        disabled: q.disabled,
        q: q.q,
        sort: q.sort.unwrap_or_default(),
    };
    Ok(Json(
        state
            .app
            .list_users(&who.actor(), &query, &page)
            .await?
            .into(),
    ))
}

/// Adds an account (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User, headers(("ETag" = String, description = "The account's version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, Tagged<User>)> {
    let user = state.app.create_user(&who.actor(), body).await?;
    Ok((StatusCode::CREATED, Tagged(user.version, user)))
}

/// One account (admin; anyone their own). Its version is the `ETag`.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User, headers(("ETag" = String, description = "The account's version, for If-Match"))),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<User>> {
    let u = state.app.user(&who.actor(), &id).await?;
    Ok(Tagged(u.version, u))
}

/// Changes an account's role, partner scopes or disabled flag (admin): a JSON merge patch of `UserInput`. A
/// role change applies from the account's next request; disabling ends its sessions and refuses its tokens
/// (401). 409 `last-admin` when no enabled admin would remain, 409 `own-account` when an admin would disable
/// or re-role its own account.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = UserInput, content_type = "application/merge-patch+json", description = "Fields of UserInput to change"),
    responses((status = 200, body = User, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch_user(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<User>> {
    let u = state
        .app
        .patch_user(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(u.version, u))
}

/// Deletes an account that has no audit history (admin). An account that did anything recorded is kept: 409
/// `user-has-history` (disable it instead).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete_user(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state.app.delete_user(&who.actor(), &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables an account (admin): its sessions end, its sessions and tokens are refused (401) from the next
/// request, it cannot log in. Not one's own account (409 `own-account`) nor the last admin (409 `last-admin`).
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 200, body = User, headers(("ETag" = String, description = "The new version"))),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn disable_user(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Tagged<User>> {
    let u = state
        .app
        .set_user_disabled(&who.actor(), &id, true, if_match)
        .await?;
    Ok(Tagged(u.version, u))
}

/// Enables a disabled account again (admin); its unrevoked tokens work again.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 200, body = User, headers(("ETag" = String, description = "The new version"))),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn enable_user(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Tagged<User>> {
    let u = state
        .app
        .set_user_disabled(&who.actor(), &id, false, if_match)
        .await?;
    Ok(Tagged(u.version, u))
}

/// Sets a one-time password on an account (admin): its sessions end; at its next login it must choose its own
/// password (`POST /api/v1/auth/password`) before anything else (403 `password-change-required`). An admin's
/// own account is 409 `own-account` (it changes its password through `/auth/password`).
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = PasswordReset,
    responses((status = 200, body = User, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<PasswordReset>,
) -> ApiResult<Tagged<User>> {
    let u = state
        .app
        .reset_password(&who.actor(), &id, body, if_match)
        .await?;
    Ok(Tagged(u.version, u))
}

/// Token list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenListQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Whose tokens: an account id, or `all` (admins only; default: the caller's own).
    pub user: Option<String>,
    /// List revoked tokens too (default true; `false`: only unrevoked ones).
    pub include_revoked: Option<bool>,
}

/// API tokens, oldest first: the caller's own; admins anyone's (`user`).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", params(TokenListQuery),
    responses((status = 200, body = List<ApiToken>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<TokenListQuery>,
) -> ApiResult<Json<List<ApiToken>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let query = TokenQuery {
        user: q.user,
        include_revoked: q.include_revoked.unwrap_or(true),
    };
    Ok(Json(
        state
            .app
            .list_tokens(&who.actor(), &query, &page)
            .await?
            .into(),
    ))
}

/// Creates an API token for the caller (the secret is in this answer only).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let created = state.app.create_token(&who.actor(), body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One token (the caller's own; admins any), with `last_used_at`. Its version is the `ETag`.
#[utoipa::path(get, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 200, body = ApiToken, headers(("ETag" = String, description = "The token's version, for If-Match"))),
        (status = 404, body = crate::error::Problem)))]
pub async fn get_token(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<ApiToken>> {
    let t = state.app.token(&who.actor(), &id).await?;
    Ok(Tagged(t.version, t))
}

/// Revokes a token (the caller's own; admins any). Revoking a revoked token changes nothing.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 404, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state.app.revoke_token(&who.actor(), &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}
