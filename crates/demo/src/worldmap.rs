//! The world-map inset of cards: Natural Earth's land (the `world-atlas` 110m TopoJSON vendored for the portal,
//! decoded here once), a regional equirectangular view that holds both cities, the great-circle route between
//! them, and the two cities marked.

use std::sync::OnceLock;

use crate::raster::{circle_ring, luminance, Canvas, Pt};
use crate::text::{Pen, Weight};
use crate::Rgb;

/// The vendored TopoJSON (land without country borders, so no disputed border is drawn).
const LAND_TOPOJSON: &str = include_str!("../../../web/pages/vendor/world-atlas/land-110m.json");

/// Land rings as (longitude, latitude) in degrees, each ring closed implicitly.
fn land() -> &'static [Vec<(f32, f32)>] {
    static LAND: OnceLock<Vec<Vec<(f32, f32)>>> = OnceLock::new();
    LAND.get_or_init(|| decode_topojson(LAND_TOPOJSON).unwrap_or_default())
}

/// Decode the polygons of every object of a quantized TopoJSON topology into rings of (lon, lat).
fn decode_topojson(json: &str) -> Option<Vec<Vec<(f32, f32)>>> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let t = &v["transform"];
    let (sx, sy) = (t["scale"][0].as_f64()?, t["scale"][1].as_f64()?);
    let (tx, ty) = (t["translate"][0].as_f64()?, t["translate"][1].as_f64()?);
    // Arcs are delta-encoded integer positions.
    let arcs: Vec<Vec<(f32, f32)>> = v["arcs"]
        .as_array()?
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.as_array()
                .map(|pts| {
                    pts.iter()
                        .filter_map(|p| {
                            x += p[0].as_i64()?;
                            y += p[1].as_i64()?;
                            Some(((x as f64 * sx + tx) as f32, (y as f64 * sy + ty) as f32))
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    let ring = |refs: &serde_json::Value| -> Option<Vec<(f32, f32)>> {
        let mut out: Vec<(f32, f32)> = Vec::new();
        for r in refs.as_array()? {
            let i = r.as_i64()?;
            // A negative index ~i is arc i reversed.
            let (idx, rev) = if i < 0 {
                ((!i) as usize, true)
            } else {
                (i as usize, false)
            };
            let mut pts = arcs.get(idx)?.clone();
            if rev {
                pts.reverse();
            }
            // Consecutive arcs share their joining point.
            let skip = usize::from(!out.is_empty());
            out.extend(pts.into_iter().skip(skip));
        }
        Some(out)
    };
    let mut rings = Vec::new();
    for object in v["objects"].as_object()?.values() {
        let geometries = match object["geometries"].as_array() {
            Some(g) => g.clone(),
            None => vec![object.clone()],
        };
        for g in geometries {
            let polygons: Vec<&serde_json::Value> = match g["type"].as_str()? {
                "Polygon" => vec![&g["arcs"]],
                "MultiPolygon" => g["arcs"].as_array()?.iter().collect(),
                _ => continue,
            };
            for polygon in polygons {
                for r in polygon.as_array()? {
                    rings.push(unwrap_ring(ring(r)?));
                }
            }
        }
    }
    Some(rings)
}

/// Make a ring continuous in longitude for planar drawing. TopoJSON rings that cross the antimeridian jump from
/// +180 to -180 (Russia's Chukotka, Fiji); shifting each point by whole turns next to its predecessor removes the
/// jump. A ring around a pole (Antarctica) then ends one turn away from its start: it is closed along the pole.
fn unwrap_ring(mut ring: Vec<(f32, f32)>) -> Vec<(f32, f32)> {
    for i in 1..ring.len() {
        let prev = ring[i - 1].0;
        let lon = &mut ring[i].0;
        while *lon - prev > 180.0 {
            *lon -= 360.0;
        }
        while *lon - prev < -180.0 {
            *lon += 360.0;
        }
    }
    // Unwrapping from a start at -180 can carry a whole continent one turn west: bring it back.
    if ring.iter().any(|p| p.0 < -180.5) {
        for p in &mut ring {
            p.0 += 360.0;
        }
    }
    if let (Some(&first), Some(&last)) = (ring.first(), ring.last()) {
        if (last.0 - first.0).abs() > 180.0 {
            let mean_lat: f32 = ring.iter().map(|p| p.1).sum::<f32>() / ring.len() as f32;
            let pole = if mean_lat < 0.0 { -90.0 } else { 90.0 };
            ring.push((last.0, pole));
            ring.push((first.0, pole));
        }
    }
    ring
}

/// Points along the great circle from `a` to `b` (lat, lon in degrees), as (lon, lat) with the longitude unwrapped
/// (continuous, possibly beyond ±180) so that the route never jumps across the map.
pub(crate) fn great_circle(a: (f64, f64), b: (f64, f64), n: usize) -> Vec<(f64, f64)> {
    let v = |(lat, lon): (f64, f64)| {
        let (la, lo) = (lat.to_radians(), lon.to_radians());
        [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
    };
    let (p, q) = (v(a), v(b));
    let dot = (p[0] * q[0] + p[1] * q[1] + p[2] * q[2]).clamp(-1.0, 1.0);
    let omega = dot.acos();
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(n + 1);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        let (wa, wb) = if omega.abs() < 1e-9 {
            (1.0 - t, t)
        } else {
            (
                ((1.0 - t) * omega).sin() / omega.sin(),
                (t * omega).sin() / omega.sin(),
            )
        };
        let r = [0, 1, 2].map(|k| wa * p[k] + wb * q[k]);
        let lat = r[2].atan2((r[0] * r[0] + r[1] * r[1]).sqrt()).to_degrees();
        let mut lon = r[1].atan2(r[0]).to_degrees();
        if let Some(&(prev, _)) = out.last() {
            while lon - prev > 180.0 {
                lon -= 360.0;
            }
            while lon - prev < -180.0 {
                lon += 360.0;
            }
        }
        out.push((lon, lat));
    }
    out
}

/// The spans in degrees the view must show around a route's extent (with a margin), and the horizontal factor:
/// degrees of longitude shrink away from the equator, so a view is drawn with its mid-latitude's factor.
fn view_spans(lon_min: f64, lon_max: f64, lat_min: f64, lat_max: f64) -> (f64, f64, f64) {
    let fx = ((lat_min + lat_max) / 2.0)
        .clamp(-45.0, 45.0)
        .to_radians()
        .cos();
    let lon_span = ((lon_max - lon_min) * 1.3 + 24.0).max(50.0);
    let lat_span = ((lat_max - lat_min) * 1.3 + 24.0).max(30.0);
    (lon_span, lat_span, fx)
}

/// Width over height of the view that shows the route from `a` to `b` (lat, lon) with its margins: the card
/// shapes its inset after it, so that a transpacific view is wide and a regional one squarer.
pub(crate) fn natural_aspect(a: (f64, f64), b: (f64, f64)) -> f32 {
    let route = great_circle(a, b, 48);
    let lons = route.iter().map(|p| p.0);
    let lats = route.iter().map(|p| p.1);
    let (lon_min, lon_max) = (
        lons.clone().fold(f64::MAX, f64::min),
        lons.fold(f64::MIN, f64::max),
    );
    let (lat_min, lat_max) = (
        lats.clone().fold(f64::MAX, f64::min),
        lats.fold(f64::MIN, f64::max),
    );
    let (lon_span, lat_span, fx) = view_spans(lon_min, lon_max, lat_min, lat_max);
    (lon_span * fx / lat_span) as f32
}

/// Colours of the inset.
pub(crate) struct MapStyle {
    pub(crate) ocean: Rgb,
    pub(crate) land: Rgb,
    pub(crate) graticule: Rgb,
    pub(crate) route: Rgb,
    pub(crate) host: Rgb,
    pub(crate) partner: Rgb,
    pub(crate) ink: Rgb,
}

/// A labelled city on the inset.
pub(crate) struct Marker<'a> {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
    pub(crate) label: &'a str,
}

/// Draw the inset into the rectangle (x0, y0, x1, y1): ocean, graticule, land, the route from `host` to `partner`
/// and both markers with labels (`label_size` pixels; no labels when 0).
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw_inset(
    c: &mut Canvas,
    rect: (f32, f32, f32, f32),
    host: &Marker<'_>,
    partner: &Marker<'_>,
    style: &MapStyle,
    pen: Pen<'_>,
    label_size: f32,
) {
    let (x0, y0, x1, y1) = rect;
    let (pw, ph) = (x1 - x0, y1 - y0);
    if pw < 4.0 || ph < 4.0 {
        return;
    }
    c.fill(
        &[vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]],
        style.ocean,
        1.0,
    );

    let route = great_circle((host.lat, host.lon), (partner.lat, partner.lon), 96);
    let (mut lon_min, mut lon_max, mut lat_min, mut lat_max) =
        (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(lon, lat) in &route {
        lon_min = lon_min.min(lon);
        lon_max = lon_max.max(lon);
        lat_min = lat_min.min(lat);
        lat_max = lat_max.max(lat);
    }
    let (lon_c, mut lat_c) = ((lon_min + lon_max) / 2.0, (lat_min + lat_max) / 2.0);
    let (lon_span, lat_span, fx) = view_spans(lon_min, lon_max, lat_min, lat_max);
    let k = (f64::from(pw) / (lon_span * fx)).min(f64::from(ph) / lat_span);
    let half_lat = f64::from(ph) / 2.0 / k;
    if half_lat < 85.0 {
        lat_c = lat_c.clamp(-85.0 + half_lat, 85.0 - half_lat);
    }
    let (cx, cy) = (f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0);
    let proj = |lon: f64, lat: f64| -> Pt {
        (
            (cx + (lon - lon_c) * k * fx) as f32,
            (cy - (lat - lat_c) * k) as f32,
        )
    };
    let clip = rect;

    // Graticule every 30 degrees (lines beyond the view are clipped).
    let gw = (pw / 400.0).max(0.6);
    for m in -12..=12 {
        let lon = f64::from(m) * 30.0 + (lon_c / 360.0).round() * 360.0;
        let line: Vec<Pt> = (-6..=6).map(|i| proj(lon, f64::from(i) * 15.0)).collect();
        c.stroke(&line, gw, style.graticule, 1.0, clip);
    }
    for p in -2..=2 {
        let lat = f64::from(p) * 30.0;
        let line = vec![proj(lon_c - 400.0, lat), proj(lon_c + 400.0, lat)];
        c.stroke(&line, gw, style.graticule, 1.0, clip);
    }

    // Land, repeated one turn to each side so that views across the antimeridian are whole.
    let mut rings: Vec<Vec<Pt>> = Vec::new();
    for shift in [-360.0, 0.0, 360.0] {
        for ring in land() {
            let pts: Vec<Pt> = ring
                .iter()
                .map(|&(lon, lat)| proj(f64::from(lon) + shift, f64::from(lat)))
                .collect();
            let (mut bx0, mut bx1) = (f32::MAX, f32::MIN);
            for p in &pts {
                bx0 = bx0.min(p.0);
                bx1 = bx1.max(p.0);
            }
            if bx1 >= x0 && bx0 <= x1 {
                rings.push(pts);
            }
        }
    }
    c.fill_clipped(&rings, style.land, 1.0, clip);

    // The route: a soft halo, then the line.
    let line: Vec<Pt> = route.iter().map(|&(lon, lat)| proj(lon, lat)).collect();
    let lw = (pw / 170.0).max(1.0);
    c.stroke(&line, lw * 3.0, style.ocean, 0.55, clip);
    c.stroke(&line, lw, style.route, 1.0, clip);

    // Markers: a white ring around a coloured dot.
    let r = (pw / 70.0).max(1.5);
    let (h, p) = (line[0], line[line.len() - 1]);
    for (pt, col) in [(h, style.host), (p, style.partner)] {
        c.fill_clipped(
            &[circle_ring(pt.0, pt.1, r * 1.45)],
            Rgb(255, 255, 255),
            1.0,
            clip,
        );
        c.fill_clipped(&[circle_ring(pt.0, pt.1, r)], col, 1.0, clip);
    }

    if label_size >= 6.0 {
        // Each label on the side away from the other city, flipped when it would leave the inset.
        let pad = r * 2.2;
        for (pt, other, m) in [(h, p, host), (p, h, partner)] {
            if !pen.can_draw(m.label) {
                continue;
            }
            let w = pen.width(m.label, label_size, Weight::Bold);
            let mut right = pt.0 >= other.0;
            if right && pt.0 + pad + w > x1 - 4.0 {
                right = false;
            } else if !right && pt.0 - pad - w < x0 + 4.0 {
                right = true;
            }
            let lx = if right { pt.0 + pad } else { pt.0 - pad - w };
            let below = pt.1 >= other.1 && pt.1 + label_size < y1 - 4.0;
            let ly = if below {
                pt.1 + label_size * 0.95
            } else {
                pt.1 - label_size * 0.25
            };
            let lx = lx.clamp(x0 + 4.0, (x1 - 4.0 - w).max(x0 + 4.0));
            // A halo in the ocean colour keeps the label readable over land and lines.
            let halo = if luminance(style.ink) < 0.5 {
                style.ocean
            } else {
                Rgb(0, 0, 0)
            };
            let o = (label_size / 14.0).max(1.0);
            for (dx, dy) in [
                (-o, 0.0),
                (o, 0.0),
                (0.0, -o),
                (0.0, o),
                (-o, -o),
                (o, o),
                (-o, o),
                (o, -o),
            ] {
                pen.draw(
                    c,
                    (lx + dx, ly + dy),
                    m.label,
                    label_size,
                    Weight::Bold,
                    halo,
                );
            }
            pen.draw(c, (lx, ly), m.label, label_size, Weight::Bold, style.ink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendored_land_decodes() {
        let rings = land();
        assert!(rings.len() > 100, "{} rings", rings.len());
        let points: usize = rings.iter().map(Vec::len).sum();
        assert!(points > 4000, "{points} points");
        for r in rings {
            assert!(r.len() >= 3);
            for &(lon, lat) in r {
                assert!(
                    (-180.5..=360.0).contains(&lon) && (-90.0..=90.0).contains(&lat),
                    "{lon} {lat}"
                );
            }
            // Unwrapped: no edge jumps across the map.
            for w in r.windows(2) {
                let along_a_pole = w[0].1.abs() == 90.0 && w[1].1.abs() == 90.0;
                assert!(along_a_pole || (w[1].0 - w[0].0).abs() <= 180.0, "{:?}", w);
            }
        }
    }

    #[test]
    fn the_route_to_america_crosses_the_pacific() {
        // Wuxi to Chattanooga: the short way goes north-east over the Pacific, so the unwrapped longitude grows.
        let r = great_circle((31.57, 120.30), (35.05, -85.31), 64);
        let last = r.last().unwrap();
        assert!((last.0 - (360.0 - 85.31)).abs() < 1e-6, "{last:?}");
        assert!(r.windows(2).all(|w| (w[1].0 - w[0].0).abs() < 20.0));
        assert!(
            r.iter().any(|p| p.1 > 50.0),
            "a great circle bends towards the pole"
        );
    }
}
