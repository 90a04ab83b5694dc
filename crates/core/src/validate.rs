//! Field rules shared by every layer that accepts input (HTTP handlers, the store, the CLI): slugs, free text,
//! coordinates, screen resolutions, time zone names, location kinds, user names, file names. Pure functions, no IO.
//!
//! Each rule returns `Ok(())` or an [`Invalid`] with a stable machine-readable `code` (used as the problem type of
//! an HTTP 400) and a human message naming the field (`what`).

use std::fmt;

/// Longest slug, in bytes (slugs are ASCII).
pub const MAX_SLUG_LEN: usize = 64;

/// Largest screen width or height in pixels.
pub const MAX_RESOLUTION: u32 = 16384;

/// Why a field value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Stable code: `invalid-slug`, `invalid-text`, `invalid-coordinates`, `invalid-resolution`,
    /// `invalid-time-zone`, `invalid-kind`, `invalid-username`, `invalid-file-name`.
    pub code: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
}

impl Invalid {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Invalid {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Invalid {}

/// A slug (of partners, locations, screen groups, and screen tags): 1 to [`MAX_SLUG_LEN`] lowercase ASCII
/// letters, digits and single hyphens, neither starting nor ending with a hyphen. Code `invalid-slug`.
pub fn slug(what: &str, s: &str) -> Result<(), Invalid> {
    let ok = !s.is_empty()
        && s.len() <= MAX_SLUG_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "invalid-slug",
            format!("{what} {s:?} must be 1-64 lowercase letters, digits and single hyphens"),
        ))
    }
}

/// Free text (names, labels, player info): no control characters except newline, at most `max` characters
/// (Unicode scalar values). Code `invalid-text`. Empty text is allowed; see [`required_text`].
pub fn text(what: &str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::new(
            "invalid-text",
            format!("{what} contains control characters"),
        ));
    }
    if s.chars().count() > max {
        return Err(Invalid::new(
            "invalid-text",
            format!("{what} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// [`text`] that must also hold something other than white space (`"{what} must not be empty"`). Code
/// `invalid-text`.
pub fn required_text(what: &str, s: &str, max: usize) -> Result<(), Invalid> {
    if s.trim().is_empty() {
        return Err(Invalid::new(
            "invalid-text",
            format!("{what} must not be empty"),
        ));
    }
    text(what, s, max)
}

/// Latitude within ±90 and longitude within ±180 (degrees, WGS 84); either may be absent. NaN is refused. Code
/// `invalid-coordinates`.
pub fn coords(lat: Option<f64>, lon: Option<f64>) -> Result<(), Invalid> {
    if lat.is_some_and(|v| !(-90.0..=90.0).contains(&v))
        || lon.is_some_and(|v| !(-180.0..=180.0).contains(&v))
    {
        return Err(Invalid::new(
            "invalid-coordinates",
            "lat must be within ±90 and lon within ±180",
        ));
    }
    Ok(())
}

/// A screen resolution: width and height each 1 to [`MAX_RESOLUTION`] pixels. Code `invalid-resolution`.
pub fn resolution(width: u32, height: u32) -> Result<(), Invalid> {
    let range = 1..=MAX_RESOLUTION;
    if range.contains(&width) && range.contains(&height) {
        Ok(())
    } else {
        Err(Invalid::new(
            "invalid-resolution",
            "width and height must be 1..=16384",
        ))
    }
}

/// An IANA time zone name as a syntax check (whether the zone exists is [`crate::Zone::new`]'s question):
/// `Area/City` made of ASCII letters, digits, `_`, `-`, `+`, `/` (or `UTC`), at most 64 bytes, no `..`, not
/// starting with `/`. Code `invalid-time-zone`.
pub fn time_zone(tz: &str) -> Result<(), Invalid> {
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
        Err(Invalid::new(
            "invalid-time-zone",
            format!("{tz:?} is not an IANA time zone name"),
        ))
    }
}

/// A location kind (`airport`, `metro_station`, …): 1-40 lowercase ASCII letters, digits and `_`. Code
/// `invalid-kind`.
pub fn location_kind(kind: &str) -> Result<(), Invalid> {
    let ok = !kind.is_empty()
        && kind.len() <= 40
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "invalid-kind",
            format!("kind {kind:?} must be lowercase letters, digits and '_'"),
        ))
    }
}

/// A login name: 1-64 ASCII letters, digits, `.`, `_`, `-`. Code `invalid-username`.
pub fn username(name: &str) -> Result<(), Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "invalid-username",
            format!("username {name:?} must be 1-64 ASCII letters, digits, '.', '_' or '-'"),
        ))
    }
}

/// An uploaded file's name: 1-255 bytes, no `/` or `\`, not `.`, no `..`, no control characters. Code
/// `invalid-file-name`.
pub fn file_name(name: &str) -> Result<(), Invalid> {
    let bad = name.is_empty()
        || name.len() > 255
        || name.contains('/')
        || name.contains('\\')
        || name == "."
        || name.contains("..")
        || name.chars().any(|c| c.is_control());
    if bad {
        return Err(Invalid::new(
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
    fn slugs() {
        for ok in ["a", "wuxi", "cebu-city", "a1-b2-c3", "0", &"x".repeat(64)] {
            assert_eq!(slug("slug", ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a--b",
            "a_b",
            "A",
            "a b",
            "ä",
            "a/b",
            &"x".repeat(65),
        ] {
            let e = slug("slug", bad).unwrap_err();
            assert_eq!(e.code, "invalid-slug", "{bad:?}");
            assert_eq!(
                e.message,
                format!("slug {bad:?} must be 1-64 lowercase letters, digits and single hyphens")
            );
        }
    }

    #[test]
    fn texts() {
        assert_eq!(text("name", "", 3), Ok(()));
        assert_eq!(text("name", "a\nb", 3), Ok(()));
        assert_eq!(
            text("name", "äöü", 3),
            Ok(()),
            "counts characters, not bytes"
        );
        let e = text("name", "abcd", 3).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("invalid-text", "name is longer than 3 characters")
        );
        for bad in ["a\tb", "a\rb", "\u{0}", "a\u{7f}", "\u{85}"] {
            let e = text("name", bad, 100).unwrap_err();
            assert_eq!(
                (e.code, e.message.as_str()),
                ("invalid-text", "name contains control characters"),
                "{bad:?}"
            );
        }
        let e = required_text("name", " \n ", 100).unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("invalid-text", "name must not be empty")
        );
        assert_eq!(required_text("name", " x ", 100), Ok(()));
        assert!(required_text("name", "x\u{1}", 100).is_err());
    }

    #[test]
    fn coordinates() {
        for (lat, lon) in [
            (None, None),
            (Some(90.0), Some(180.0)),
            (Some(-90.0), Some(-180.0)),
            (Some(31.5), None),
            (None, Some(120.3)),
        ] {
            assert_eq!(coords(lat, lon), Ok(()), "{lat:?} {lon:?}");
        }
        for (lat, lon) in [
            (Some(90.01), None),
            (Some(-91.0), Some(0.0)),
            (None, Some(180.5)),
            (Some(f64::NAN), None),
            (None, Some(f64::INFINITY)),
        ] {
            let e = coords(lat, lon).unwrap_err();
            assert_eq!(e.code, "invalid-coordinates");
            assert_eq!(e.message, "lat must be within ±90 and lon within ±180");
        }
    }

    #[test]
    fn resolutions() {
        assert_eq!(resolution(1, 1), Ok(()));
        assert_eq!(resolution(16384, 16384), Ok(()));
        for (w, h) in [(0, 1080), (1920, 0), (16385, 1080), (1920, 16385)] {
            assert_eq!(resolution(w, h).unwrap_err().code, "invalid-resolution");
        }
    }

    #[test]
    fn invalid_displays_its_message() {
        let e = coords(Some(100.0), None).unwrap_err();
        assert_eq!(e.to_string(), e.message);
    }

    #[test]
    fn time_zones_kinds_usernames_file_names() {
        for ok in [
            "UTC",
            "Asia/Shanghai",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+8",
        ] {
            assert_eq!(time_zone(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            "",
            "Local",
            "../etc",
            "/etc/localtime",
            "Asia/Shang hai",
            &format!("A/{}", "x".repeat(63)),
        ] {
            let e = time_zone(bad).unwrap_err();
            assert_eq!(e.code, "invalid-time-zone", "{bad:?}");
            assert_eq!(e.message, format!("{bad:?} is not an IANA time zone name"));
        }
        assert_eq!(location_kind("metro_station"), Ok(()));
        for bad in ["", "Metro", "bus-stop", &"k".repeat(41)] {
            assert_eq!(
                location_kind(bad).unwrap_err().code,
                "invalid-kind",
                "{bad:?}"
            );
        }
        assert_eq!(username("a.b_c-D9"), Ok(()));
        for bad in ["", "a b", "ä", &"u".repeat(65)] {
            assert_eq!(
                username(bad).unwrap_err().code,
                "invalid-username",
                "{bad:?}"
            );
        }
        assert_eq!(file_name("clip 1.mp4"), Ok(()));
        for bad in [
            "",
            ".",
            "a/b",
            "a\\b",
            "../a",
            "a..b",
            "a\u{1}",
            &"f".repeat(256),
        ] {
            assert_eq!(
                file_name(bad).unwrap_err().code,
                "invalid-file-name",
                "{bad:?}"
            );
        }
    }
}
