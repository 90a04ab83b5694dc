//! Screen layouts: which layout a screen gets and the geometry of its zones. Pure; the store
//! (`Store::screen_layout`) and the player hub's manifests both decide with [`choose`].
//!
//! A screen plays `fullscreen` (one `main` zone) unless a ticker campaign targets it; then it plays
//! `main_ticker_clock` (the main rotation, a ticker band and a clock), arranged by its orientation.

use crate::screen::Orientation;
use serde::{Deserialize, Serialize};

/// The layouts a screen can get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayoutName {
    /// One `main` zone over the whole screen.
    Fullscreen,
    /// `main`, a `ticker` band and a `clock`.
    MainTickerClock,
}

impl LayoutName {
    /// The name as players know it (`fullscreen`, `main_ticker_clock`).
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutName::Fullscreen => "fullscreen",
            LayoutName::MainTickerClock => "main_ticker_clock",
        }
    }

    /// The layout called `name`, if there is one.
    pub fn parse(name: &str) -> Option<LayoutName> {
        match name {
            "fullscreen" => Some(LayoutName::Fullscreen),
            "main_ticker_clock" => Some(LayoutName::MainTickerClock),
            _ => None,
        }
    }
}

/// A rectangle of a layout, in fractions of the screen (0..=1), origin top left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Zone {
    /// Zone name: `main`, `ticker` or `clock`.
    pub name: &'static str,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// The layout of one screen. Serializes as `{"name", "orientation", "zones"}`, the manifest's `layout` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// Which layout.
    pub name: LayoutName,
    /// The screen's orientation (the zones are arranged for it).
    pub orientation: Orientation,
    /// The zones, in drawing order.
    pub zones: Vec<Zone>,
}

/// The layout a screen of `orientation` gets: `main_ticker_clock` when ticker content targets it (`has_ticker`),
/// else `fullscreen`.
pub fn choose(orientation: Orientation, has_ticker: bool) -> Layout {
    let name = if has_ticker {
        LayoutName::MainTickerClock
    } else {
        LayoutName::Fullscreen
    };
    Layout {
        name,
        orientation,
        zones: zones(name, orientation),
    }
}

/// Zone geometry of layout `name` on a screen of `orientation`.
pub fn zones(name: LayoutName, orientation: Orientation) -> Vec<Zone> {
    let z = |name, x, y, w, h| Zone { name, x, y, w, h };
    match (name, orientation) {
        (LayoutName::MainTickerClock, Orientation::Landscape) => vec![
            z("main", 0.0, 0.0, 1.0, 0.9),
            z("ticker", 0.0, 0.9, 0.85, 0.1),
            z("clock", 0.85, 0.9, 0.15, 0.1),
        ],
        (LayoutName::MainTickerClock, Orientation::Portrait) => vec![
            z("clock", 0.0, 0.0, 1.0, 0.06),
            z("main", 0.0, 0.06, 1.0, 0.86),
            z("ticker", 0.0, 0.92, 1.0, 0.08),
        ],
        (LayoutName::Fullscreen, _) => vec![z("main", 0.0, 0.0, 1.0, 1.0)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticker_content_decides_the_layout() {
        for o in [Orientation::Landscape, Orientation::Portrait] {
            let full = choose(o, false);
            assert_eq!(full.name, LayoutName::Fullscreen);
            assert_eq!(full.orientation, o);
            assert_eq!(
                full.zones,
                vec![Zone {
                    name: "main",
                    x: 0.0,
                    y: 0.0,
                    w: 1.0,
                    h: 1.0
                }]
            );
            let ticker = choose(o, true);
            assert_eq!(ticker.name, LayoutName::MainTickerClock);
            let mut names: Vec<_> = ticker.zones.iter().map(|z| z.name).collect();
            names.sort_unstable();
            assert_eq!(names, ["clock", "main", "ticker"]);
        }
        assert_eq!(choose(Orientation::Portrait, true).zones[0].name, "clock");
        assert_eq!(choose(Orientation::Landscape, true).zones[0].name, "main");
    }

    #[test]
    fn zones_tile_the_screen() {
        for name in [LayoutName::Fullscreen, LayoutName::MainTickerClock] {
            for o in [Orientation::Landscape, Orientation::Portrait] {
                let zs = zones(name, o);
                let area: f64 = zs.iter().map(|z| z.w * z.h).sum();
                assert!((area - 1.0).abs() < 1e-9, "{name:?} {o:?}: area {area}");
                for z in &zs {
                    assert!(
                        z.x >= 0.0
                            && z.y >= 0.0
                            && z.x + z.w <= 1.0 + 1e-9
                            && z.y + z.h <= 1.0 + 1e-9
                    );
                }
            }
        }
    }

    #[test]
    fn names_round_trip_and_serialize_as_the_manifest_does() {
        for name in [LayoutName::Fullscreen, LayoutName::MainTickerClock] {
            assert_eq!(LayoutName::parse(name.as_str()), Some(name));
        }
        assert_eq!(LayoutName::parse("split"), None);
        let v = serde_json::to_value(choose(Orientation::Portrait, false)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "name": "fullscreen",
                "orientation": "portrait",
                "zones": [{ "name": "main", "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0 }],
            })
        );
    }
}
