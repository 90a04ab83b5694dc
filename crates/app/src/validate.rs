//! Field rules shared by every operation (names, slugs, free text, coordinates, time zones, file names).
//! Each returns an [`AppError::Invalid`] with a stable code.

use crate::error::{AppError, AppResult};
use twincast_store::Role;

/// A user-supplied slug: lowercase ASCII letters, digits and single hyphens, 1..=64, not starting or ending
/// with a hyphen.
pub fn slug(what: &str, s: &str) -> AppResult<()> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "invalid-slug",
            format!("{what} {s:?} must be 1-64 lowercase letters, digits and single hyphens"),
        ))
    }
}

/// Free text: no control characters but newlines, at most `max` characters.
pub fn text(what: &str, s: &str, max: usize) -> AppResult<()> {
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(
            "invalid-text",
            format!("{what} contains control characters"),
        ));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(
            "invalid-text",
            format!("{what} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Latitude within ±90 and longitude within ±180.
pub fn coords(lat: Option<f64>, lon: Option<f64>) -> AppResult<()> {
    if lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
        || lon.is_some_and(|v| !(-180.0..=180.0).contains(&v))
    {
        return Err(AppError::invalid(
            "invalid-coordinates",
            "lat must be within ±90 and lon within ±180",
        ));
    }
    Ok(())
}

/// An IANA time zone name: `Area/City` made of letters, digits, `_`, `-`, `+`, `/` (or `UTC`).
pub fn tz(tz: &str) -> AppResult<()> {
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && !tz.contains("..")
        && !tz.starts_with('/')
        && tz
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-+/".contains(&b))
        && (tz.contains('/') || tz == "UTC");
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "invalid-time-zone",
            format!("{tz:?} is not an IANA time zone name"),
        ))
    }
}

/// A location kind: 1-40 lowercase letters, digits and `_`.
pub fn kind(kind: &str) -> AppResult<()> {
    if kind.is_empty()
        || kind.len() > 40
        || !kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(AppError::invalid(
            "invalid-kind",
            format!("kind {kind:?} must be lowercase letters, digits and '_'"),
        ));
    }
    Ok(())
}

/// A login name: 1-64 ASCII letters, digits, `.`, `_`, `-`.
pub fn username(name: &str) -> AppResult<()> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(AppError::invalid(
            "invalid-username",
            format!("username {name:?} must be 1-64 ASCII letters, digits, '.', '_' or '-'"),
        ));
    }
    Ok(())
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
    let bad = name.is_empty()
        || name.len() > 255
        || name.contains('/')
        || name.contains('\\')
        || name == "."
        || name.contains("..")
        || name.chars().any(|c| c.is_control());
    if bad {
        return Err(AppError::invalid(
            "invalid-file-name",
            format!("file name {name:?} must be 1-255 bytes without path separators, '..' or control characters"),
        ));
    }
    Ok(())
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
