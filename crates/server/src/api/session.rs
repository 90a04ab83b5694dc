//! Logging in and out, and who am I.

use super::revision::Tagged;
use crate::auth::{self, MaybePrincipal, Principal, Via, SESSION_COOKIE};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use twincast_store::User;

pub use twincast_app::users::PasswordChange;

/// Credentials.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The logged-in account and the CSRF token to send as `X-CSRF-Token`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The account.
    pub user: User,
    /// Echo this in `X-CSRF-Token` on state-changing requests made with the session cookie (null for tokens).
    pub csrf_token: Option<String>,
    /// An administrator set this account's password: the session may do nothing but change it
    /// (`POST /api/v1/auth/password`), read `/auth/me` and log out; everything else is 403
    /// `password-change-required`.
    pub password_change_required: bool,
}

fn cookie(state: &AppState, value: &str, max_age: u64) -> String {
    let secure = if state.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// Logs in: sets the session cookie. Failed attempts are rate-limited per client address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<Login>,
) -> ApiResult<Response> {
    let ip = state.app.client_ip(peer.ip(), &headers);
    let started = state
        .app
        .login_from(ip, &body.username, body.password)
        .await?;
    let mut res = axum::Json(Me {
        password_change_required: started.user.must_change_password,
        user: started.user,
        csrf_token: Some(started.csrf_token),
    })
    .into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, &started.secret, started.ttl_secs)
            .parse()
            .map_err(ApiError::internal)?,
    );
    Ok(res)
}

/// Ends the session (idempotent).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: MaybePrincipal,
) -> ApiResult<Response> {
    if let Some(Principal {
        via: Via::Session, ..
    }) = who.0
    {
        let mut parts = axum::http::Request::new(()).into_parts().0;
        parts.headers = headers;
        if let Some(secret) = auth::session_secret(&parts) {
            state.app.logout(&secret).await?;
        }
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie(&state, "", 0).parse().map_err(ApiError::internal)?,
    );
    Ok(res)
}

/// The calling account.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
) -> ApiResult<axum::Json<Me>> {
    let csrf_token = match who.via {
        Via::Session => {
            let mut parts = axum::http::Request::new(()).into_parts().0;
            parts.headers = headers;
            match auth::session_secret(&parts) {
                Some(s) => Some(state.app.authenticate_session(&s).await?.csrf_token),
                None => None,
            }
        }
        Via::Token { .. } => None,
    };
    Ok(axum::Json(Me {
        password_change_required: matches!(who.via, Via::Session) && who.user.must_change_password,
        user: who.user,
        csrf_token,
    }))
}

/// Changes the caller's own password (the current one must be right: 403 `wrong-password` otherwise). Clears a
/// change an administrator required; ends the account's other sessions (the calling one stays).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChange,
    responses((status = 200, body = User, headers(("ETag" = String, description = "The account's new version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    who: Principal,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Tagged<User>> {
    let secret = match who.via {
        Via::Session => {
            let mut parts = axum::http::Request::new(()).into_parts().0;
            parts.headers = headers;
            auth::session_secret(&parts)
        }
        Via::Token { .. } => None,
    };
    let u = state
        .app
        .change_own_password(&who.actor(), body, secret.as_deref())
        .await?;
    Ok(Tagged(u.version, u))
}
