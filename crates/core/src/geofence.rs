//! Geofences: polygons and circles on the WGS 84 sphere, tested against a screen's coordinates.
//!
//! Points are written `lat,lon` (as CAP does); internally `geo` wants x = longitude, y = latitude.

use geo::{Coord, Intersects, LineString, Point, Polygon};
use serde::{Deserialize, Serialize};

/// A point as latitude/longitude degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude, -90..=90.
    pub lat: f64,
    /// Longitude, -180..=180.
    pub lon: f64,
}

impl LatLon {
    /// Whether both coordinates are finite and in range.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lon.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lon)
    }
}

/// A target area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Geofence {
    /// A polygon given by its vertices (closing the ring is optional).
    Polygon {
        /// Vertices.
        points: Vec<LatLon>,
    },
    /// A circle of `radius_km` around `center` (great-circle distance).
    Circle {
        /// Centre.
        center: LatLon,
        /// Radius in kilometres.
        radius_km: f64,
    },
}

/// Mean Earth radius in km (IUGG).
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle (haversine) distance between two points in kilometres.
pub fn haversine_km(a: LatLon, b: LatLon) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

impl Geofence {
    /// Whether the point lies inside the area (boundary included).
    pub fn contains(&self, p: LatLon) -> bool {
        if !p.is_valid() {
            return false;
        }
        match self {
            Geofence::Circle { center, radius_km } => haversine_km(*center, p) <= *radius_km,
            Geofence::Polygon { points } => {
                if points.len() < 3 {
                    return false;
                }
                let ring: Vec<Coord<f64>> = points
                    .iter()
                    .map(|q| Coord { x: q.lon, y: q.lat })
                    .collect();
                let poly = Polygon::new(LineString::new(ring), vec![]);
                poly.intersects(&Point::new(p.lon, p.lat))
            }
        }
    }

    /// Checks the shape: at least 3 distinct vertices for a polygon, a finite non-negative radius for a circle,
    /// all coordinates in range. Returns a human-readable problem.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Geofence::Circle { center, radius_km } => {
                if !center.is_valid() {
                    return Err("circle centre out of range".into());
                }
                if !radius_km.is_finite() || *radius_km < 0.0 {
                    return Err("circle radius must be a non-negative number of km".into());
                }
            }
            Geofence::Polygon { points } => {
                if points.iter().any(|p| !p.is_valid()) {
                    return Err("polygon vertex out of range".into());
                }
                let mut distinct = points.clone();
                if distinct.len() > 1 && distinct.first() == distinct.last() {
                    distinct.pop();
                }
                if distinct.len() < 3 {
                    return Err("polygon needs at least 3 distinct vertices".into());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_and_circle() {
        let sq = Geofence::Polygon {
            points: vec![
                LatLon { lat: 0.0, lon: 0.0 },
                LatLon {
                    lat: 0.0,
                    lon: 10.0,
                },
                LatLon {
                    lat: 10.0,
                    lon: 10.0,
                },
                LatLon {
                    lat: 10.0,
                    lon: 0.0,
                },
            ],
        };
        assert!(sq.contains(LatLon { lat: 5.0, lon: 5.0 }));
        assert!(!sq.contains(LatLon {
            lat: 5.0,
            lon: 15.0
        }));
        let c = Geofence::Circle {
            center: LatLon {
                lat: 52.52,
                lon: 13.405,
            },
            radius_km: 10.0,
        };
        assert!(c.contains(LatLon {
            lat: 52.55,
            lon: 13.40
        }));
        // Potsdam is ~27 km away.
        assert!(!c.contains(LatLon {
            lat: 52.39,
            lon: 13.06
        }));
    }
}
