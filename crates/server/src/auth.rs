//! Who is calling: sessions (cookie + CSRF header), API tokens (Bearer), and what each role may do.
//!
//! Secrets (session cookies, API tokens) are random 256-bit values; only their SHA-256 is stored. Passwords are
//! argon2id PHC strings.

use crate::error::{ApiError, ApiResult};
use crate::AppState;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use twincast_store::{Role, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "twincast_session";
/// Header that must echo the session's CSRF token on state-changing cookie-authenticated requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A new random secret, URL-safe.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Hex SHA-256 of a secret (what the store keeps).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// argon2id hash of a password (runs off the async threads).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    })
    .await?
}

/// Whether `password` matches the stored hash (runs off the async threads).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password is acceptable.
pub fn check_password_policy(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("a password needs at least 8 characters".into());
    }
    if password.len() > 1024 {
        return Err("a password may have at most 1024 bytes".into());
    }
    Ok(())
}

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
    /// Fails with 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the role {} may not do this",
                self.user.role.as_str()
            )))
        }
    }

    /// Whether the caller may change content of the partner `slug`.
    pub fn can_manage_partner(&self, slug: &str) -> bool {
        match self.user.role {
            Role::Admin | Role::Operator => true,
            Role::PartnerEditor => self.user.partners.iter().any(|p| p == slug),
            Role::Viewer => false,
        }
    }

    /// Fails with 403 unless the caller may change content of partner `slug`.
    pub fn require_partner(&self, slug: &str) -> ApiResult<()> {
        if self.can_manage_partner(slug) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "you may not change content of partner {slug:?}"
            )))
        }
    }

    /// Partners whose content the caller may change (`None` = all).
    pub fn partner_scope(&self) -> Option<Vec<String>> {
        match self.user.role {
            Role::Admin | Role::Operator => None,
            Role::PartnerEditor => Some(self.user.partners.clone()),
            Role::Viewer => Some(vec![]),
        }
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
            let t = state
                .store
                .token_by_hash(&secret_hash(token))
                .await?
                .ok_or_else(|| {
                    ApiError::unauthenticated("the API token is unknown, expired or revoked")
                })?;
            let user = state.store.user_by_id(&t.user_id).await?;
            if user.disabled {
                return Err(ApiError::unauthenticated("the account is disabled"));
            }
            if !is_safe(&parts.method) && !t.scopes.iter().any(|s| s == "write") {
                return Err(ApiError::forbidden("this API token has no write scope"));
            }
            return Ok(Principal {
                user,
                via: Via::Token {
                    id: t.id,
                    scopes: t.scopes,
                },
            });
        }
        let Some(secret) = session_secret(parts) else {
            return Err(ApiError::unauthenticated(
                "log in first (session cookie) or send Authorization: Bearer TOKEN",
            ));
        };
        let session = state
            .store
            .session(&secret_hash(&secret))
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "session-expired",
                    "the session has expired or was ended; log in again",
                )
            })?;
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
        let user = state.store.user_by_id(&session.user_id).await?;
        if user.disabled {
            return Err(ApiError::unauthenticated("the account is disabled"));
        }
        Ok(Principal {
            user,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hash_round_trip() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong horse".into(), h).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(secret_hash(&a).len(), 64);
        assert!(check_password_policy("short").is_err());
        assert!(check_password_policy("long enough").is_ok());
    }
}
