//! Who is looking at a page, and in which language.
//!
//! The console uses the API's session (the same cookie, so a login in one is a login in the other). A page asked
//! for without a live session redirects to the login page and comes back afterwards. Every form that changes
//! something carries the session's CSRF token in a hidden `csrf` field ([`Operator::check_csrf`]); the cookie is
//! `SameSite=Lax` as well.

use crate::i18n::{Lang, Tr};
use crate::Pages;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use twincast_app::Actor;

/// Name of the session cookie (the API's).
pub const SESSION_COOKIE: &str = "twincast_session";
/// Name of the cookie remembering the chosen language.
pub const LANG_COOKIE: &str = "twincast_lang";

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value of the session cookie (`max_age` 0 removes it).
pub fn session_cookie(pages: &Pages, value: &str, max_age: u64) -> String {
    let secure = if pages.secure_cookies { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The request's language: remembered choice, else the browser's.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::negotiate(
        cookie(headers, LANG_COOKIE).as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Anyone: the language and the path asked for.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The page's language.
    pub tr: Tr,
    /// Path and query of the request (for the language switcher's way back).
    pub here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Visitor {
            tr: Tr::new(lang_of(&parts.headers)),
            here: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
        })
    }
}

/// A logged-in operator (any role) on a console page.
#[derive(Debug, Clone)]
pub struct Operator {
    /// The account and role as the application layer sees it.
    pub actor: Actor,
    /// The session's CSRF token, put into every form.
    pub csrf: String,
    /// The page's language and path.
    pub visitor: Visitor,
}

impl Operator {
    /// The page's language.
    pub fn tr(&self) -> Tr {
        self.visitor.tr
    }

    /// Whether a form's `csrf` field is this session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), crate::view::PageError> {
        if subtle_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(crate::view::PageError::csrf())
        }
    }
}

/// Compares two byte strings in time independent of where they differ.
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The way to the login page and back to `here`.
pub fn to_login(here: &str) -> Response {
    let next = form_urlencoded(here);
    Redirect::to(&format!("/console/login?next={next}")).into_response()
}

fn form_urlencoded(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl FromRequestParts<Pages> for Operator {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, pages: &Pages) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, pages).await;
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(&visitor.here));
        };
        match pages.app.authenticate_session(&secret).await {
            Ok(s) => {
                if s.password_change_required && parts.uri.path() != "/console/password" {
                    return Err(Redirect::to("/console/password").into_response());
                }
                Ok(Operator {
                    actor: s.actor,
                    csrf: s.csrf_token,
                    visitor,
                })
            }
            Err(twincast_app::AppError::Unauthenticated { .. }) => Err(to_login(&visitor.here)),
            Err(e) => Err(crate::view::PageError::from_app(e).render(visitor.tr)),
        }
    }
}

/// A safe place to go back to after login or a language switch: a local path only (never `//host` or a URL).
pub fn local_path(next: Option<&str>, default: &str) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => default.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            local_path(Some("/console/screens?x=1"), "/console"),
            "/console/screens?x=1"
        );
        assert_eq!(local_path(Some("//evil.example/"), "/console"), "/console");
        assert_eq!(
            local_path(Some("https://evil.example/"), "/console"),
            "/console"
        );
        assert_eq!(local_path(Some("/\\evil.example"), "/console"), "/console");
        assert_eq!(local_path(None, "/console"), "/console");
    }

    #[test]
    fn the_way_back_is_encoded() {
        let r = to_login("/console/screens?q=a b&x=é");
        let loc = r.headers()[header::LOCATION].to_str().unwrap().to_string();
        assert_eq!(
            loc,
            "/console/login?next=/console/screens%3Fq%3Da%20b%26x%3D%C3%A9"
        );
    }
}
