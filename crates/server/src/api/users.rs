//! Accounts (admin only) and API tokens (each account its own).

use super::{check_text, List};
use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use twincast_store::{ApiToken, Role, User};

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: 1-64 letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Partner slugs (required for partner-editor, refused for other roles).
    #[serde(default)]
    pub partners: Vec<String>,
}

/// Checks a login name.
pub fn check_username(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(format!(
            "username {name:?} must be 1-64 ASCII letters, digits, '.', '_' or '-'"
        ));
    }
    Ok(())
}

/// Checks role and partner scope fit together.
pub fn check_scope(role: Role, partners: &[String]) -> Result<(), String> {
    match (role, partners.is_empty()) {
        (Role::PartnerEditor, true) => Err("a partner-editor needs at least one partner".into()),
        (Role::PartnerEditor, false) => Ok(()),
        (_, false) => Err(format!(
            "only partner-editors are scoped to partners, not {}",
            role.as_str()
        )),
        (_, true) => Ok(()),
    }
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = List<User>)))]
pub async fn list_users(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<User>>> {
    who.require(&[Role::Admin])?;
    Ok(Json(List {
        items: state.store.list_users().await?,
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
    who.require(&[Role::Admin])?;
    check_username(&body.username).map_err(|m| ApiError::bad_request("invalid-username", m))?;
    auth::check_password_policy(&body.password)
        .map_err(|m| ApiError::bad_request("weak-password", m))?;
    check_scope(body.role, &body.partners)
        .map_err(|m| ApiError::bad_request("invalid-scope", m))?;
    let hash = auth::hash_password(body.password)
        .await
        .map_err(ApiError::internal)?;
    let user = state
        .store
        .create_user(&body.username, &hash, body.role, &body.partners)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// A new API token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Label.
    pub name: String,
    /// `read` and/or `write` (default both).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Lifetime in days (default: no expiry).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A token as created: the secret is shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The secret to send as `Authorization: Bearer …`. Shown only now.
    pub token: String,
    /// The token's record.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// Validates scopes (default both).
pub fn check_scopes(scopes: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let scopes = scopes.unwrap_or_else(|| vec!["read".into(), "write".into()]);
    if scopes.is_empty() {
        return Err("a token needs at least one scope".into());
    }
    if let Some(bad) = scopes.iter().find(|s| *s != "read" && *s != "write") {
        return Err(format!("unknown scope {bad:?}: expected read or write"));
    }
    Ok(scopes)
}

/// The caller's API tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", responses((status = 200, body = List<ApiToken>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<List<ApiToken>>> {
    Ok(Json(List {
        items: state.store.list_tokens(&who.user.id).await?,
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
    check_text("name", &body.name, 100)?;
    let scopes =
        check_scopes(body.scopes).map_err(|m| ApiError::bad_request("invalid-scope", m))?;
    if let crate::auth::Via::Token { scopes: mine, .. } = &who.via {
        if scopes.iter().any(|s| !mine.contains(s)) {
            return Err(ApiError::forbidden(
                "a token cannot create a token with more scopes than its own",
            ));
        }
    }
    let secret = format!("tc_{}", auth::new_secret());
    let expires_at = body
        .expires_in_days
        .map(|d| twincast_store::now_ms() + i64::from(d) * 86_400_000);
    let info = state
        .store
        .create_token(
            &who.user.id,
            &body.name,
            &auth::secret_hash(&secret),
            &scopes,
            expires_at,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: secret,
            info,
        }),
    ))
}

/// Revokes a token (the caller's own; admins any).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let t = state.store.token_by_id(&id).await?;
    if t.user_id != who.user.id && who.user.role != Role::Admin {
        return Err(ApiError::not_found("no such resource"));
    }
    state.store.revoke_token(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
