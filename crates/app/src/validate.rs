//! Field rules shared by every operation (names, slugs, free text, coordinates, time zones, file names), as
//! [`AppError::Invalid`] with a stable code. The pure rules are `twincast_core::validate`'s; this module only
//! adds the ones about roles and token scopes, and maps the result into the domain error.

use crate::error::{AppError, AppResult};
use twincast_core::validate as core;
use twincast_store::Role;

impl From<core::Invalid> for AppError {
    fn from(e: core::Invalid) -> Self {
        AppError::invalid(e.code, e.message)
    }
}

/// A user-supplied slug: lowercase ASCII letters, digits and single hyphens, 1..=64.
pub fn slug(what: &str, s: &str) -> AppResult<()> {
    Ok(core::slug(what, s)?)
}

/// Free text: no control characters but newlines, at most `max` characters.
pub fn text(what: &str, s: &str, max: usize) -> AppResult<()> {
    Ok(core::text(what, s, max)?)
}

/// Latitude within ±90 and longitude within ±180.
pub fn coords(lat: Option<f64>, lon: Option<f64>) -> AppResult<()> {
    Ok(core::coords(lat, lon)?)
}

/// An IANA time zone name of the bundled database: `Area/City` (or `UTC`).
pub fn tz(tz: &str) -> AppResult<()> {
    core::time_zone(tz)?;
    // The name must also be a zone of the bundled database: the schedule cannot place an unknown zone's screens.
    twincast_core::Zone::new(tz)
        .map_err(|e| AppError::invalid("invalid-time-zone", e.to_string()))?;
    Ok(())
}

/// A location kind: 1-40 lowercase letters, digits and `_`.
pub fn kind(kind: &str) -> AppResult<()> {
    Ok(core::location_kind(kind)?)
}

/// A login name: 1-64 ASCII letters, digits, `.`, `_`, `-`.
pub fn username(name: &str) -> AppResult<()> {
    Ok(core::username(name)?)
}

/// Role and partner scope fit together: partner-editors have partners, nobody else does.
pub fn scope(role: Role, partners: &[String]) -> AppResult<()> {
    let bad = |m: String| Err(AppError::invalid("invalid-scope", m));
    match (role, partners.is_empty()) {
        (Role::PartnerEditor, true) => bad("a partner-editor needs at least one partner".into()),
        (Role::PartnerEditor, false) => Ok(()),
        (_, false) => bad(format!(
            "only partner-editors are scoped to partners, not {}",
            role.as_str()
        )),
        (_, true) => Ok(()),
    }
}

/// API token scopes: `read` and/or `write`, default both.
pub fn token_scopes(scopes: Option<Vec<String>>) -> AppResult<Vec<String>> {
    let scopes = scopes.unwrap_or_else(|| vec!["read".into(), "write".into()]);
    if scopes.is_empty() {
        return Err(AppError::invalid(
            "invalid-scope",
            "a token needs at least one scope",
        ));
    }
    if let Some(bad) = scopes.iter().find(|s| *s != "read" && *s != "write") {
        return Err(AppError::invalid(
            "invalid-scope",
            format!("unknown scope {bad:?}: expected read or write"),
        ));
    }
    Ok(scopes)
}

/// An uploaded file's name: no path parts, no control characters, 1-255 bytes.
pub fn file_name(name: &str) -> AppResult<()> {
    Ok(core::file_name(name)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(slug("slug", "wuxi-airport").is_ok());
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", &"x".repeat(65)] {
            assert_eq!(
                slug("slug", bad).unwrap_err().code(),
                "invalid-slug",
                "{bad}"
            );
        }
        assert!(text("t", "a\nb", 3).is_ok());
        assert!(text("t", "a\u{7}", 3).is_err());
        assert!(text("t", "abcd", 3).is_err());
        assert!(coords(Some(90.0), Some(-180.0)).is_ok());
        assert!(coords(Some(90.1), None).is_err());
        assert!(tz("Asia/Shanghai").is_ok() && tz("UTC").is_ok());
        assert!(tz("../etc").is_err() && tz("Local").is_err());
        assert!(username("a.b_c-d").is_ok() && username("a b").is_err());
        assert!(scope(Role::PartnerEditor, &[]).is_err());
        assert!(scope(Role::Admin, &["x".into()]).is_err());
        assert_eq!(token_scopes(None).unwrap(), vec!["read", "write"]);
        assert!(token_scopes(Some(vec!["admin".into()])).is_err());
        assert!(file_name("a.mp4").is_ok() && file_name("../a").is_err());
    }
}
