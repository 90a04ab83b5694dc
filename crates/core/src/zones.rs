//! Layouts as data: named zones with position and size in percent of the screen, and the rules a layout keeps
//! ([`check_zones`]). Pure. The store keeps layouts; the manifest carries a screen's layout as fractions
//! ([`ZoneSpec::fractions`]); without an assigned layout a screen gets [`crate::layout::choose`]'s.

use crate::screen::Orientation;
use serde::{Deserialize, Serialize};

/// Most zones a layout may have.
pub const MAX_ZONES: usize = 16;

/// One zone of a layout, in percent of the screen (0..=100), origin top left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSpec {
    /// `main` (the rotation), `ticker` (the ticker band), `clock`, or a free name (`side`, `weather`, …):
    /// 1-32 of `a-z`, `0-9`, `_`, `-`, starting with a letter.
    pub name: String,
    /// Left edge, percent.
    pub x: f64,
    /// Top edge, percent.
    pub y: f64,
    /// Width, percent (> 0).
    pub w: f64,
    /// Height, percent (> 0).
    pub h: f64,
    /// Drawn over the zones before it: an intended overlap (e.g. a clock over the main zone's corner).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub overlay: bool,
}

impl ZoneSpec {
    /// The zone as fractions of the screen (`x / 100`, …), as the manifest carries zones.
    pub fn fractions(&self) -> (f64, f64, f64, f64) {
        (
            self.x / 100.0,
            self.y / 100.0,
            self.w / 100.0,
            self.h / 100.0,
        )
    }

    fn overlaps(&self, o: &ZoneSpec) -> bool {
        // Touching edges are not an overlap; a small tolerance absorbs decimal percents.
        const EPS: f64 = 1e-9;
        self.x < o.x + o.w - EPS
            && o.x < self.x + self.w - EPS
            && self.y < o.y + o.h - EPS
            && o.y < self.y + self.h - EPS
    }
}

/// Why a layout's zones were refused: a stable code and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ZoneError {
    /// `invalid-zone-name`, `zone-outside-screen`, `duplicate-zone`, `zones-overlap`, `main-zone-count`,
    /// `too-many-zones`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

fn err(code: &'static str, message: String) -> ZoneError {
    ZoneError { code, message }
}

/// Whether `n` is a zone name: 1-32 of `a-z`, `0-9`, `_`, `-`, starting with a letter.
pub fn is_zone_name(n: &str) -> bool {
    valid_name(n)
}

fn valid_name(n: &str) -> bool {
    let mut chars = n.chars();
    (1..=32).contains(&n.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Checks a layout's zones: at most [`MAX_ZONES`], valid unique names, exactly one `main`, every zone inside the
/// screen (`0 <= x`, `0 <= y`, `w > 0`, `h > 0`, `x + w <= 100`, `y + h <= 100`, all finite), and no two zones
/// overlapping unless the later one is marked `overlay`.
pub fn check_zones(zones: &[ZoneSpec]) -> Result<(), ZoneError> {
    if zones.len() > MAX_ZONES {
        return Err(err(
            "too-many-zones",
            format!("a layout has at most {MAX_ZONES} zones"),
        ));
    }
    for (i, z) in zones.iter().enumerate() {
        if !valid_name(&z.name) {
            return Err(err(
                "invalid-zone-name",
                format!("zone {i}: a name is 1-32 of a-z, 0-9, _ and -, starting with a letter"),
            ));
        }
        if zones[..i].iter().any(|o| o.name == z.name) {
            return Err(err(
                "duplicate-zone",
                format!("zone {:?} appears twice", z.name),
            ));
        }
        let finite = [z.x, z.y, z.w, z.h].iter().all(|v| v.is_finite());
        if !finite
            || z.x < 0.0
            || z.y < 0.0
            || z.w <= 0.0
            || z.h <= 0.0
            || z.x + z.w > 100.0 + 1e-9
            || z.y + z.h > 100.0 + 1e-9
        {
            return Err(err(
                "zone-outside-screen",
                format!(
                    "zone {:?} must lie inside the screen: 0 <= x, y; w, h > 0; x + w <= 100; y + h <= 100 (percent)",
                    z.name
                ),
            ));
        }
        if !z.overlay {
            if let Some(o) = zones[..i].iter().find(|o| z.overlaps(o)) {
                return Err(err(
                    "zones-overlap",
                    format!(
                        "zones {:?} and {:?} overlap; mark the later one \"overlay\": true if that is intended",
                        o.name, z.name
                    ),
                ));
            }
        }
    }
    let mains = zones.iter().filter(|z| z.name == "main").count();
    if mains != 1 {
        return Err(err(
            "main-zone-count",
            format!("a layout has exactly one zone named main (found {mains})"),
        ));
    }
    Ok(())
}

/// The zones of today's built-in layout for a screen of `orientation` with ticker content (`main`, `ticker`,
/// `clock`), in percent: what [`crate::layout::choose`] gives, as data.
pub fn builtin_zones(orientation: Orientation) -> Vec<ZoneSpec> {
    crate::layout::choose(orientation, true)
        .zones
        .iter()
        .map(|z| ZoneSpec {
            name: z.name.to_string(),
            x: z.x * 100.0,
            y: z.y * 100.0,
            w: z.w * 100.0,
            h: z.h * 100.0,
            overlay: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_layouts_are_valid() {
        for o in [Orientation::Landscape, Orientation::Portrait] {
            assert_eq!(check_zones(&builtin_zones(o)), Ok(()));
        }
    }
}
