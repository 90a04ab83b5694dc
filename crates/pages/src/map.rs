//! Maps drawn by the server, with nothing fetched from the internet: Natural Earth land shapes (the vendored
//! `world-atlas` TopoJSON, land only, so no border is drawn) projected around the points shown, as inline SVG.
//!
//! The projection is equirectangular around the middle latitude of the view (x scaled by its cosine): true enough
//! for a city or a country, readable for the world.

use serde::Deserialize;
use std::fmt::Write as _;
use std::sync::OnceLock;

#[derive(Deserialize)]
struct Topology {
    arcs: Vec<Vec<[i64; 2]>>,
    transform: Transform,
    objects: Objects,
}

#[derive(Deserialize)]
struct Transform {
    scale: [f64; 2],
    translate: [f64; 2],
}

#[derive(Deserialize)]
struct Objects {
    land: Collection,
}

#[derive(Deserialize)]
struct Collection {
    geometries: Vec<Geometry>,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon { arcs: Vec<Vec<i64>> },
    MultiPolygon { arcs: Vec<Vec<Vec<i64>>> },
}

/// A ring of (lon, lat) points with its bounding box.
struct Ring {
    points: Vec<(f64, f64)>,
    bbox: (f64, f64, f64, f64),
}

fn decode(json: &[u8]) -> Vec<Ring> {
    let Ok(topo) = serde_json::from_slice::<Topology>(json) else {
        tracing::error!("the vendored land shapes do not parse");
        return Vec::new();
    };
    let t = &topo.transform;
    let arcs: Vec<Vec<(f64, f64)>> = topo
        .arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0i64, 0i64);
            arc.iter()
                .map(|[dx, dy]| {
                    x += dx;
                    y += dy;
                    (
                        x as f64 * t.scale[0] + t.translate[0],
                        y as f64 * t.scale[1] + t.translate[1],
                    )
                })
                .collect()
        })
        .collect();
    let ring = |ids: &[i64]| {
        let mut points: Vec<(f64, f64)> = Vec::new();
        for &i in ids {
            let (idx, rev) = if i < 0 {
                ((!i) as usize, true)
            } else {
                (i as usize, false)
            };
            let Some(arc) = arcs.get(idx) else { continue };
            let mut seg: Vec<(f64, f64)> = arc.clone();
            if rev {
                seg.reverse();
            }
            if !points.is_empty() {
                seg.remove(0);
            }
            points.extend(seg);
        }
        let bbox = points.iter().fold(
            (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
            |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
        );
        Ring { points, bbox }
    };
    let mut rings = Vec::new();
    for g in &topo.objects.land.geometries {
        match g {
            Geometry::Polygon { arcs } => rings.extend(arcs.iter().map(|r| ring(r))),
            Geometry::MultiPolygon { arcs } => {
                for poly in arcs {
                    rings.extend(poly.iter().map(|r| ring(r)));
                }
            }
        }
    }
    rings
}

fn land() -> &'static [Ring] {
    static LAND: OnceLock<Vec<Ring>> = OnceLock::new();
    LAND.get_or_init(|| {
        let file = crate::assets::file("vendor/world-atlas/land-50m.json").unwrap_or_default();
        decode(&file)
    })
}

/// The coarser shapes (1:110m), for views wide enough that the finer ones would only add bytes.
fn land_coarse() -> &'static [Ring] {
    static LAND: OnceLock<Vec<Ring>> = OnceLock::new();
    LAND.get_or_init(|| {
        let file = crate::assets::file("vendor/world-atlas/land-110m.json").unwrap_or_default();
        decode(&file)
    })
}

/// How far outside the view (px) the land's off-view points are pulled in to.
const OFF_VIEW_PX: f64 = 24.0;

/// Views wider than this many degrees of longitude are drawn with [`land_coarse`].
const COARSE_FROM_DEGREES: f64 = 25.0;

/// One dot on a map.
#[derive(Debug, Clone)]
pub struct Point {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Radius in pixels.
    pub r: f64,
    /// CSS class (its colour), e.g. `ok`, `some`, `bad`, `none`.
    pub class: &'static str,
    /// What the dot is, for its title and accessible name.
    pub label: String,
    /// Where the dot links to, if anywhere.
    pub href: Option<String>,
}

/// The view: the points' bounding box widened by a margin (at least `min_span` degrees), or the world.
fn view(points: &[Point]) -> (f64, f64, f64, f64) {
    if points.is_empty() {
        return (-180.0, -60.0, 180.0, 85.0);
    }
    let (mut w, mut s, mut e, mut n) = points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), p| (a.min(p.lon), b.min(p.lat), c.max(p.lon), d.max(p.lat)),
    );
    let min_span = 0.2;
    let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
    let half_w = ((e - w) / 2.0 * 1.25).max(min_span / 2.0);
    let half_h = ((n - s) / 2.0 * 1.25).max(min_span / 2.0);
    w = (cx - half_w).max(-180.0);
    e = (cx + half_w).min(180.0);
    s = (cy - half_h).max(-85.0);
    n = (cy + half_h).min(85.0);
    (w, s, e, n)
}

/// An SVG map `width` pixels wide showing `points` (height follows the view's shape, capped), with a
/// graticule. `label` names the map for assistive technology.
pub fn svg(points: &[Point], width: f64, label: &str) -> String {
    svg_of(view(points), points, width, label)
}

/// A view (west, south, east, north in degrees) from a `w,s,e,n` text, clamped to the map's range; `None` when
/// it is not four numbers with west < east and south < north.
pub fn parse_view(text: &str) -> Option<(f64, f64, f64, f64)> {
    let v: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    let [w, s, e, n] = v.as_slice() else {
        return None;
    };
    if !v.iter().all(|x| x.is_finite()) {
        return None;
    }
    let (w, s, e, n) = (w.max(-180.0), s.max(-85.0), e.min(180.0), n.min(85.0));
    (w < e && s < n).then_some((w, s, e, n))
}

/// An SVG map of the view `(west, south, east, north)`, as [`svg`]. The `<svg>` carries its projection in
/// `data-geo="west,north,k,scale"` (x = (lon - west) * k * scale, y = (north - lat) * scale), so that a script
/// can turn a click into coordinates.
pub fn svg_of(
    (w, s, e, n): (f64, f64, f64, f64),
    points: &[Point],
    width: f64,
    label: &str,
) -> String {
    let k = ((s + n) / 2.0).to_radians().cos().max(0.2);
    let span_x = (e - w) * k;
    let span_y = n - s;
    // Fit the view into width × at most 0.7 width, keeping proportions.
    let scale = (width / span_x).min(width * 0.7 / span_y);
    let (vw, vh) = (span_x * scale, span_y * scale);
    let px = |lon: f64, lat: f64| ((lon - w) * k * scale, (n - lat) * scale);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<svg class=\"map\" viewBox=\"0 0 {vw:.0} {vh:.0}\" width=\"{vw:.0}\" height=\"{vh:.0}\" role=\"group\" aria-label=\"{}\" data-geo=\"{w},{n},{k},{scale}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    out.push_str(&base_layer((w, s, e, n), width, k, scale, (vw, vh)));
    dots(&mut out, points, px);
    out.push_str("</svg>");
    out
}

/// The sea, the land and the graticule of a view, drawn once per view and width and then kept (the fleet map and
/// the pickers ask for the same few views again and again; a drawing is some tens of kilobytes).
fn base_layer(
    (w, s, e, n): (f64, f64, f64, f64),
    width: f64,
    k: f64,
    scale: f64,
    (vw, vh): (f64, f64),
) -> std::sync::Arc<str> {
    type Drawn = Vec<([u64; 5], std::sync::Arc<str>)>;
    static KEPT: OnceLock<std::sync::Mutex<Drawn>> = OnceLock::new();
    let key = [w, s, e, n, width].map(f64::to_bits);
    let kept = KEPT.get_or_init(Default::default);
    if let Some((_, d)) = kept
        .lock()
        .ok()
        .and_then(|g| g.iter().find(|(k, _)| *k == key).cloned())
    {
        return d;
    }
    let px = |lon: f64, lat: f64| ((lon - w) * k * scale, (n - lat) * scale);
    let mut base = String::with_capacity(64 * 1024);
    base.push_str("<rect class=\"sea\" width=\"100%\" height=\"100%\"/><path class=\"land\" d=\"");
    let rings = if e - w > COARSE_FROM_DEGREES {
        land_coarse()
    } else {
        land()
    };
    for ring in rings {
        let (a, b, c, d) = ring.bbox;
        if c < w || a > e || d < s || b > n {
            continue;
        }
        let mut last = (f64::NAN, f64::NAN);
        for (i, &(lon, lat)) in ring.points.iter().enumerate() {
            // Points beyond the view are pulled onto a frame just outside it, where runs of them collapse into
            // one: a continent that crosses a regional view costs its visible part, not its whole coastline.
            let (x, y) = px(lon, lat);
            let (x, y) = (
                x.clamp(-OFF_VIEW_PX, vw + OFF_VIEW_PX),
                y.clamp(-OFF_VIEW_PX, vh + OFF_VIEW_PX),
            );
            if (x - last.0).abs() < 0.6 && (y - last.1).abs() < 0.6 {
                continue;
            }
            let _ = write!(base, "{}{x:.1} {y:.1}", if i == 0 { 'M' } else { 'L' });
            last = (x, y);
        }
        base.push('Z');
    }
    base.push_str("\"/>");
    // Graticule: lines at a round step for the span.
    let step = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0,
    ]
    .into_iter()
    .find(|st| (e - w) / st <= 8.0)
    .unwrap_or(30.0);
    base.push_str("<g class=\"grid\">");
    let mut lon = (w / step).ceil() * step;
    while lon <= e {
        let (x, _) = px(lon, n);
        let _ = write!(
            base,
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{vh:.0}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 2.0,
            vh - 4.0,
            deg(lon, 'E', 'W')
        );
        lon += step;
    }
    let mut lat = (s / step).ceil() * step;
    while lat <= n {
        let (_, y) = px(w, lat);
        let _ = write!(
            base,
            "<line x1=\"0\" y1=\"{y:.1}\" x2=\"{vw:.0}\" y2=\"{y:.1}\"/><text x=\"2\" y=\"{:.1}\">{}</text>",
            y - 2.0,
            deg(lat, 'N', 'S')
        );
        lat += step;
    }
    base.push_str("</g>");
    let drawn: std::sync::Arc<str> = base.into();
    if let Ok(mut g) = kept.lock() {
        if g.len() >= 32 {
            g.remove(0);
        }
        g.push((key, drawn.clone()));
    }
    drawn
}

/// The points as dots (linked where they have a link), placed by `px`.
fn dots(out: &mut String, points: &[Point], px: impl Fn(f64, f64) -> (f64, f64)) {
    for p in points {
        let (x, y) = px(p.lon, p.lat);
        let label = escape(&p.label);
        let dot = format!(
            "<circle class=\"dot {}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\"><title>{label}</title></circle>",
            p.class, p.r
        );
        match &p.href {
            Some(h) => {
                let _ = write!(
                    out,
                    "<a href=\"{}\" aria-label=\"{label}\">{dot}</a>",
                    escape(h)
                );
            }
            None => out.push_str(&dot),
        }
    }
}

/// A raster tile server drawn under the dots instead of the land shapes (the operator's choice, e.g. a city's own
/// OpenStreetMap tiles): the map is then in Web Mercator, as tiles are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tiles {
    /// URL template with `{z}`, `{x}` and `{y}` (and optionally `{s}`, replaced by `a`).
    pub url: String,
    /// The attribution the tiles' licence asks for, shown on the map.
    pub attribution: String,
}

/// Web Mercator pixel coordinates of (lon, lat) at zoom `z` (256-pixel tiles).
fn mercator(lon: f64, lat: f64, z: i32) -> (f64, f64) {
    let size = 256.0 * 2f64.powi(z);
    let phi = lat.clamp(-85.051_128, 85.051_128).to_radians();
    let x = (lon + 180.0) / 360.0 * size;
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / std::f64::consts::PI) / 2.0 * size;
    (x, y)
}

/// An SVG map of `view` on the operator's tiles: the zoom whose tiles fit the view into `width` pixels, each
/// visible tile as an `<image>`, the dots above and the attribution. The `<svg>` states its projection in
/// `data-proj="mercator"` and `data-geo="x0,y0,zoom"` (the view's top-left in world pixels at that zoom).
pub fn svg_tiles(
    (w, s, e, n): (f64, f64, f64, f64),
    points: &[Point],
    width: f64,
    label: &str,
    tiles: &Tiles,
) -> String {
    let (x0, y0) = mercator(w, n, 0);
    let (x1, y1) = mercator(e, s, 0);
    let fit = (width / (x1 - x0)).min(width * 0.75 / (y1 - y0));
    let z = (fit.log2().floor() as i32).clamp(0, 18);
    let f = 2f64.powi(z);
    let (x0, y0, vw, vh) = (x0 * f, y0 * f, (x1 - x0) * f, (y1 - y0) * f);
    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<svg class=\"map tiles\" viewBox=\"0 0 {vw:.0} {vh:.0}\" width=\"{vw:.0}\" height=\"{vh:.0}\" role=\"group\" aria-label=\"{}\" data-proj=\"mercator\" data-geo=\"{x0},{y0},{z}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(label)
    );
    let count = 2i64.pow(z as u32);
    let (tx0, tx1) = (
        (x0 / 256.0).floor() as i64,
        ((x0 + vw) / 256.0).ceil() as i64,
    );
    let (ty0, ty1) = (
        (y0 / 256.0).floor() as i64,
        ((y0 + vh) / 256.0).ceil() as i64,
    );
    for ty in ty0.max(0)..ty1.min(count) {
        for tx in tx0..tx1 {
            let url = tiles
                .url
                .replace("{z}", &z.to_string())
                .replace("{x}", &tx.rem_euclid(count).to_string())
                .replace("{y}", &ty.to_string())
                .replace("{s}", "a");
            let _ = write!(
                out,
                "<image href=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"256\" height=\"256\"/>",
                escape(&url),
                tx as f64 * 256.0 - x0,
                ty as f64 * 256.0 - y0
            );
        }
    }
    dots(&mut out, points, |lon, lat| {
        let (x, y) = mercator(lon, lat, z);
        (x - x0, y - y0)
    });
    if !tiles.attribution.is_empty() {
        let _ = write!(
            out,
            "<text class=\"attribution\" x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>",
            vw - 4.0,
            vh - 4.0,
            escape(&tiles.attribution)
        );
    }
    out.push_str("</svg>");
    out
}

/// A map of `view` with `points`: on the operator's tiles when configured, else on the bundled land shapes.
pub fn draw(
    view: (f64, f64, f64, f64),
    points: &[Point],
    width: f64,
    label: &str,
    tiles: Option<&Tiles>,
) -> String {
    match tiles {
        Some(t) => svg_tiles(view, points, width, label, t),
        None => svg_of(view, points, width, label),
    }
}

/// The view that shows `points` (see [`svg`]), for [`draw`].
pub fn view_of(points: &[Point]) -> (f64, f64, f64, f64) {
    view(points)
}

fn deg(v: f64, pos: char, neg: char) -> String {
    let h = if v >= 0.0 { pos } else { neg };
    let a = v.abs();
    if (a - a.round()).abs() < 1e-9 {
        format!("{a:.0}°{h}")
    } else {
        format!("{}°{h}", format!("{a:.2}").trim_end_matches('0'))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_land_shapes_decode_into_rings_on_the_globe() {
        let rings = land();
        assert!(rings.len() > 1000, "{} rings", rings.len());
        for r in rings {
            let (a, b, c, d) = r.bbox;
            assert!(
                (-180.0..=180.0).contains(&a) && (-180.0..=180.0).contains(&c),
                "{a} {c}"
            );
            assert!(
                (-90.0..=90.0).contains(&b) && (-90.0..=90.0).contains(&d),
                "{b} {d}"
            );
        }
    }

    #[test]
    fn a_map_fits_its_points_and_escapes_labels() {
        let p = |lon, lat, label: &str| Point {
            lon,
            lat,
            r: 5.0,
            class: "ok",
            label: label.into(),
            href: Some("/console/screens?location=a&status=offline".into()),
        };
        // Wuxi and Shanghai: the view is eastern China, not the world; both dots inside the picture.
        let svg = svg(
            &[
                p(120.3, 31.57, "Wuxi <airport>"),
                p(121.47, 31.23, "Shanghai"),
            ],
            800.0,
            "Map",
        );
        assert!(svg.contains("Wuxi &lt;airport&gt;") && !svg.contains("<airport>"));
        assert!(svg.contains("&amp;status=offline"));
        assert!(
            svg.contains("class=\"land\" d=\"M"),
            "the coast near Shanghai is drawn"
        );
        let vb: Vec<f64> = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        for c in svg.split("<circle").skip(1) {
            let num = |k: &str| -> f64 {
                c.split(&format!("{k}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            assert!((0.0..=vb[0]).contains(&num("cx")) && (0.0..=vb[1]).contains(&num("cy")));
        }
        // No point: the world.
        let world = svg_world();
        assert!(world.contains("180°E") || world.contains("150°E"));
    }

    #[test]
    fn a_view_is_four_ordered_numbers_and_the_svg_states_its_projection() {
        assert_eq!(parse_view("-10,40,20,60"), Some((-10.0, 40.0, 20.0, 60.0)));
        assert_eq!(
            parse_view("-200,-90,200,90"),
            Some((-180.0, -85.0, 180.0, 85.0))
        );
        for bad in [
            "",
            "1,2,3",
            "10,0,5,1",
            "0,10,5,1",
            "a,b,c,d",
            "0,0,1,1,1",
            "NaN,0,1,1",
        ] {
            assert_eq!(parse_view(bad), None, "{bad}");
        }
        let p = Point {
            lat: 50.0,
            lon: 5.0,
            r: 4.0,
            class: "ok",
            label: "p".into(),
            href: None,
        };
        let out = svg_of(
            (-10.0, 40.0, 20.0, 60.0),
            std::slice::from_ref(&p),
            600.0,
            "m",
        );
        let geo: Vec<f64> = out
            .split("data-geo=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        let (w, n, k, scale) = (geo[0], geo[1], geo[2], geo[3]);
        let cx = (p.lon - w) * k * scale;
        let cy = (n - p.lat) * scale;
        assert!(
            out.contains(&format!("cx=\"{cx:.1}\" cy=\"{cy:.1}\"")),
            "{cx} {cy}"
        );
    }

    #[test]
    fn tiles_cover_the_view_in_web_mercator() {
        let tiles = Tiles {
            url: "https://t.example/{z}/{x}/{y}.png?a=1&b=2".into(),
            attribution: "© Map <contributors>".into(),
        };
        assert_eq!(mercator(-180.0, 85.051_128, 0).0, 0.0);
        let (x, y) = mercator(0.0, 0.0, 3);
        assert!(
            (x - 1024.0).abs() < 1e-9 && (y - 1024.0).abs() < 1e-6,
            "{x} {y}"
        );
        let p = Point {
            lat: 0.0,
            lon: 0.0,
            r: 4.0,
            class: "ok",
            label: "Null Island".into(),
            href: None,
        };
        // The world in 800 pixels: zoom 1 (512 pixels), four tiles, the dot in the middle.
        let out = draw(
            (-180.0, -85.0, 180.0, 85.0),
            std::slice::from_ref(&p),
            800.0,
            "m",
            Some(&tiles),
        );
        assert!(out.contains("data-proj=\"mercator\""), "{out}");
        assert_eq!(out.matches("<image ").count(), 4, "{out}");
        assert!(out.contains("href=\"https://t.example/1/1/0.png?a=1&amp;b=2\""));
        assert!(out.contains("&lt;contributors&gt;"));
        assert!(out.contains("cx=\"256.0\""), "{out}");
        assert!(!out.contains("class=\"land\""));
        // A city: a deep zoom, a handful of tiles, never a tile row outside the world.
        let out = draw((120.2, 31.4, 120.4, 31.6), &[], 640.0, "m", Some(&tiles));
        let images = out.matches("<image ").count();
        assert!((1..=20).contains(&images), "{images}");
        assert!(out.contains("https://t.example/11/"), "{out}");
        // Without tiles, the land shapes.
        let out = draw((120.2, 31.4, 120.4, 31.6), &[], 640.0, "m", None);
        assert!(out.contains("class=\"land\"") && !out.contains("<image "));
    }

    fn svg_world() -> String {
        svg(&[], 800.0, "World")
    }
}
