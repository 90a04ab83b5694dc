//! Who is calling: sessions (cookie + CSRF header), API tokens (Bearer), and what each role may do.
//!
//! Secrets (session cookies, API tokens) are random 256-bit values; only their SHA-256 is stored. Passwords are
//! argon2id PHC strings.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use twincast_app::Actor;
use twincast_store::{Role, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "twincast_session";
/// Header that must echo the session's CSRF token on state-changing cookie-authenticated requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

pub use twincast_app::secrets::{
    check_password_policy, hash_password, new_secret, secret_hash, verify_password,
};

/// What a session whose account must change an administrator-set password may still call (everything else is
/// 403 `password-change-required`).
pub const PASSWORD_CHANGE_PATHS: [&str; 3] = [
    "/api/v1/auth/password",
    "/api/v1/auth/me",
    "/api/v1/auth/logout",
];

/// How the caller proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    /// Browser session (CSRF-checked).
    Session,
    /// API token with its scopes.
    Token {
        /// Token id.
        id: String,
        /// Granted scopes (`read`, `write`).
        scopes: Vec<String>,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user: User,
    /// How it authenticated.
    pub via: Via,
}

impl Principal {
    /// The caller as the application layer sees it.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user.clone(),
            token_scopes: match &self.via {
                Via::Session => None,
                Via::Token { scopes, .. } => Some(scopes.clone()),
            },
            via: match &self.via {
                Via::Session => twincast_app::access::Via::Session,
                Via::Token { id, .. } => twincast_app::access::Via::Token(id.clone()),
            },
        }
    }

    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        Ok(self.actor().require(roles)?)
    }

    /// Whether the caller may change content of the partner `slug`.
    pub fn can_manage_partner(&self, slug: &str) -> bool {
        self.actor().can_manage_partner(slug)
    }

    /// Fails with 403 unless the caller may change content of partner `slug`.
    pub fn require_partner(&self, slug: &str) -> ApiResult<()> {
        Ok(self.actor().require_partner(slug)?)
    }

    /// Partners whose content the caller may change (`None` = all).
    pub fn partner_scope(&self) -> Option<Vec<String>> {
        self.actor().partner_scope()
    }
}

fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The session secret from the request's cookie, if any.
pub fn session_secret(parts: &Parts) -> Option<String> {
    cookie_value(parts, SESSION_COOKIE)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let auth = auth.to_str().map_err(|_| {
                ApiError::unauthenticated("the Authorization header is not readable")
            })?;
            let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
                return Err(ApiError::unauthenticated(
                    "only Authorization: Bearer TOKEN is accepted",
                ));
            };
            let (actor, id) = state
                .app
                .authenticate_token(token, !is_safe(&parts.method))
                .await?;
            return Ok(Principal {
                user: actor.user,
                via: Via::Token {
                    id,
                    scopes: actor.token_scopes.unwrap_or_default(),
                },
            });
        }
        let Some(secret) = session_secret(parts) else {
            return Err(ApiError::unauthenticated(
                "log in first (session cookie) or send Authorization: Bearer TOKEN",
            ));
        };
        let session = state.app.authenticate_session(&secret).await?;
        if !is_safe(&parts.method) {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf_token.as_str()) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "csrf-failed",
                    "state-changing requests with a session cookie must send the X-CSRF-Token header from login",
                ));
            }
        }
        if session.password_change_required && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(twincast_app::users::password_change_required().into());
        }
        Ok(Principal {
            user: session.actor.user,
            via: Via::Session,
        })
    }
}

/// A caller who may be anonymous.
pub struct MaybePrincipal(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybePrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.get(header::AUTHORIZATION).is_none() && session_secret(parts).is_none() {
            return Ok(MaybePrincipal(None));
        }
        Principal::from_request_parts(parts, state)
            .await
            .map(|p| MaybePrincipal(Some(p)))
    }
}
