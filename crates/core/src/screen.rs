//! Screens: the context the engine needs about one display.
//!
//! Location kinds ("airport", "street", "metro", "bus_terminal", ...) are plain data, not an enum, so operators
//! can add kinds without a release.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A validated IANA time zone, serialized as its name (e.g. `"Europe/Berlin"`).
///
/// Zone data is bundled into the binary (`jiff` with `tzdb-bundle-always`), so results do not depend on the host.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// Error for an unknown time-zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown IANA time zone {0:?}")]
pub struct UnknownZone(pub String);

impl Zone {
    /// Looks up an IANA zone name in the bundled database.
    pub fn new(name: &str) -> Result<Self, UnknownZone> {
        let tz = jiff::tz::TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))?;
        Ok(Self {
            name: name.to_string(),
            tz,
        })
    }
    /// The UTC zone.
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }
    /// The zone's IANA name as given.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The underlying `jiff` zone.
    pub fn tz(&self) -> &jiff::tz::TimeZone {
        &self.tz
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Zone::new(&name).map_err(serde::de::Error::custom)
    }
}

/// Validation errors of a screen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScreenError {
    /// A required text field is empty.
    #[error("screen field `{0}` must not be empty")]
    Empty(&'static str),
    /// Latitude/longitude out of range.
    #[error("screen coordinates out of range: lat {0}, lon {1}")]
    BadCoordinates(f64, f64),
    /// Zero width or height.
    #[error("screen resolution must be non-zero")]
    BadResolution,
}

/// Screen orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Wider than tall.
    #[default]
    Landscape,
    /// Taller than wide.
    Portrait,
}

/// Pixel resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Default for Resolution {
    fn default() -> Self {
        Self {
            width: 1920,
            height: 1080,
        }
    }
}

/// Everything the engine needs to know about one screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screen {
    /// Stable screen id.
    pub id: String,
    /// Location id (the place the screen belongs to).
    pub location_id: String,
    /// Location kind, free-form data: "airport", "street", "metro", "bus_terminal", ...
    pub location_kind: String,
    /// Free-form tags ("arrivals", "outdoor", ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Screen groups the screen belongs to.
    #[serde(default)]
    pub groups: Vec<String>,
    /// IANA time zone in which recurrences are evaluated for this screen.
    pub tz: Zone,
    /// Latitude in degrees (WGS 84).
    pub lat: f64,
    /// Longitude in degrees (WGS 84).
    pub lon: f64,
    /// Resolution in pixels.
    #[serde(default)]
    pub resolution: Resolution,
    /// Orientation.
    #[serde(default)]
    pub orientation: Orientation,
    /// The language its audience reads (`ru`, `en`, `zh`): news headlines on its ticker are in this language.
    #[serde(default = "default_language")]
    pub language: String,
}

/// The language of a screen that names none.
pub const DEFAULT_LANGUAGE: &str = "en";

fn default_language() -> String {
    DEFAULT_LANGUAGE.into()
}

impl Screen {
    /// A screen with the given id, location, kind and zone at (0, 0), no tags or groups: handy for tests.
    pub fn new(id: &str, location_id: &str, location_kind: &str, tz: Zone) -> Self {
        Self {
            id: id.into(),
            location_id: location_id.into(),
            location_kind: location_kind.into(),
            tags: Vec::new(),
            groups: Vec::new(),
            tz,
            lat: 0.0,
            lon: 0.0,
            resolution: Resolution::default(),
            orientation: Orientation::default(),
            language: default_language(),
        }
    }

    /// Checks what an HTTP layer should reject with 400: empty ids and out-of-range coordinates. (The zone is
    /// already validated when a [`Screen`] is built or deserialized.)
    pub fn validate(&self) -> Result<(), ScreenError> {
        if self.id.trim().is_empty() {
            return Err(ScreenError::Empty("id"));
        }
        if self.location_id.trim().is_empty() {
            return Err(ScreenError::Empty("location_id"));
        }
        if self.location_kind.trim().is_empty() {
            return Err(ScreenError::Empty("location_kind"));
        }
        if !(crate::geofence::LatLon {
            lat: self.lat,
            lon: self.lon,
        })
        .is_valid()
        {
            return Err(ScreenError::BadCoordinates(self.lat, self.lon));
        }
        if self.resolution.width == 0 || self.resolution.height == 0 {
            return Err(ScreenError::BadResolution);
        }
        Ok(())
    }

    /// Whether the screen carries `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Whether the screen is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_and_validation() {
        assert!(Zone::new("Mars/Olympus").is_err());
        let json = r#"{"id":"s","location_id":"l","location_kind":"metro","tz":"Europe/Berlin","lat":52.5,"lon":13.4}"#;
        let s: Screen = serde_json::from_str(json).unwrap();
        assert_eq!(s.tz.name(), "Europe/Berlin");
        assert!(s.validate().is_ok());
        assert!(
            serde_json::from_str::<Screen>(&json.replace("Europe/Berlin", "Nowhere/Land")).is_err()
        );
        let mut bad = s.clone();
        bad.lat = 91.0;
        assert_eq!(bad.validate(), Err(ScreenError::BadCoordinates(91.0, 13.4)));
        assert_eq!(serde_json::to_value(&s).unwrap()["tz"], "Europe/Berlin");
    }
}
