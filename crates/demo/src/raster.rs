//! An RGB canvas with anti-aliased shapes: polygons filled by coverage (through `ab_glyph_rasterizer`, the same
//! rasterizer that draws the glyphs), rounded rectangles, thick polylines, and per-pixel painting for gradients.

use ab_glyph_rasterizer::{point, Rasterizer};

use crate::{DemoError, Rgb};

/// A point in canvas pixels (x right, y down).
pub(crate) type Pt = (f32, f32);

/// An 8-bit RGB image being drawn.
pub(crate) struct Canvas {
    pub(crate) w: u32,
    pub(crate) h: u32,
    px: Vec<u8>,
}

impl Canvas {
    pub(crate) fn new(w: u32, h: u32, fill: Rgb) -> Canvas {
        let px = [fill.0, fill.1, fill.2].repeat(w as usize * h as usize);
        Canvas { w, h, px }
    }

    /// Blend `c` over the pixel at (x, y) with opacity `a` (0..=1); outside the canvas nothing happens.
    pub(crate) fn blend(&mut self, x: i64, y: i64, c: Rgb, a: f32) {
        if a <= 0.0 || x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        let a = a.min(1.0);
        let i = (y as usize * self.w as usize + x as usize) * 3;
        for (k, v) in [c.0, c.1, c.2].into_iter().enumerate() {
            let old = f32::from(self.px[i + k]);
            self.px[i + k] = (old + (f32::from(v) - old) * a + 0.5) as u8;
        }
    }

    /// The pixel at (x, y) (tests and the bitmap fallback).
    #[cfg(test)]
    pub(crate) fn get(&self, x: u32, y: u32) -> Rgb {
        let i = (y as usize * self.w as usize + x as usize) * 3;
        Rgb(self.px[i], self.px[i + 1], self.px[i + 2])
    }

    /// Paint every pixel with `f(x, y)`.
    pub(crate) fn paint(&mut self, f: impl Fn(f32, f32) -> Rgb) {
        for y in 0..self.h {
            let row = y as usize * self.w as usize * 3;
            for x in 0..self.w {
                let c = f(x as f32 + 0.5, y as f32 + 0.5);
                let i = row + x as usize * 3;
                self.px[i..i + 3].copy_from_slice(&[c.0, c.1, c.2]);
            }
        }
    }

    /// Fill the polygons (each ring closed implicitly) with `c` at opacity `a`. Rings wound opposite to the outer
    /// ring cut holes; overlapping rings of the same winding just fill.
    pub(crate) fn fill(&mut self, rings: &[Vec<Pt>], c: Rgb, a: f32) {
        self.fill_clipped(rings, c, a, (0.0, 0.0, self.w as f32, self.h as f32));
    }

    /// [`Canvas::fill`] inside the rectangle `clip` = (x0, y0, x1, y1) only.
    pub(crate) fn fill_clipped(
        &mut self,
        rings: &[Vec<Pt>],
        c: Rgb,
        a: f32,
        clip: (f32, f32, f32, f32),
    ) {
        let (mut bx0, mut by0, mut bx1, mut by1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in rings.iter().flatten() {
            bx0 = bx0.min(p.0);
            by0 = by0.min(p.1);
            bx1 = bx1.max(p.0);
            by1 = by1.max(p.1);
        }
        let x0 = bx0.max(clip.0).max(0.0).floor();
        let y0 = by0.max(clip.1).max(0.0).floor();
        let x1 = bx1.min(clip.2).min(self.w as f32).ceil();
        let y1 = by1.min(clip.3).min(self.h as f32).ceil();
        if !(x1 > x0 && y1 > y0) {
            return;
        }
        let (rw, rh) = ((x1 - x0) as usize, (y1 - y0) as usize);
        // Clip edges to the box: moving a point onto the box border keeps the winding inside the box (the
        // rasterizer accumulates signed area along rows), and out-of-range x would spill into the next row.
        let (cx0, cy0) = (clip.0.max(x0), clip.1.max(y0));
        let (cx1, cy1) = (clip.2.min(x1), clip.3.min(y1));
        let clamp = |p: &Pt| point(p.0.clamp(cx0, cx1) - x0, p.1.clamp(cy0, cy1) - y0);
        let mut r = Rasterizer::new(rw, rh);
        for ring in rings {
            for (i, p) in ring.iter().enumerate() {
                let q = &ring[(i + 1) % ring.len()];
                r.draw_line(clamp(p), clamp(q));
            }
        }
        r.for_each_pixel_2d(|x, y, cov| {
            if cov > 0.0 {
                self.blend(
                    i64::from(x) + x0 as i64,
                    i64::from(y) + y0 as i64,
                    c,
                    cov * a,
                );
            }
        });
    }

    /// A polyline of `width` with round ends, inside `clip`.
    pub(crate) fn stroke(
        &mut self,
        pts: &[Pt],
        width: f32,
        c: Rgb,
        a: f32,
        clip: (f32, f32, f32, f32),
    ) {
        let hw = width / 2.0;
        let mut rings = Vec::new();
        for s in pts.windows(2) {
            let ((ax, ay), (bx, by)) = (s[0], s[1]);
            let len = ((bx - ax).powi(2) + (by - ay).powi(2)).sqrt();
            if len < 1e-3 {
                continue;
            }
            let (nx, ny) = (-(by - ay) / len * hw, (bx - ax) / len * hw);
            // Wound like `circle_ring`, so that segments and joints add up instead of cancelling.
            rings.push(vec![
                (ax - nx, ay - ny),
                (bx - nx, by - ny),
                (bx + nx, by + ny),
                (ax + nx, ay + ny),
            ]);
        }
        // Joints as discs (same winding as the segments, so overlaps only saturate).
        for p in pts.iter().skip(1).take(pts.len().saturating_sub(2)) {
            rings.push(circle_ring(p.0, p.1, hw));
        }
        self.fill_clipped(&rings, c, a, clip);
        if let (Some(f), Some(l)) = (pts.first(), pts.last()) {
            self.fill_clipped(&[circle_ring(f.0, f.1, hw)], c, a, clip);
            if pts.len() > 1 {
                self.fill_clipped(&[circle_ring(l.0, l.1, hw)], c, a, clip);
            }
        }
    }

    /// Encode as an 8-bit RGB PNG.
    pub(crate) fn png(&self) -> Result<Vec<u8>, DemoError> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, self.w, self.h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc
            .write_header()
            .map_err(|e| DemoError::Png(e.to_string()))?;
        writer
            .write_image_data(&self.px)
            .map_err(|e| DemoError::Png(e.to_string()))?;
        writer.finish().map_err(|e| DemoError::Png(e.to_string()))?;
        Ok(out)
    }
}

/// Linear mix of two colours, `t` = 0 gives `a`.
pub(crate) fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    // `as u8` saturates; + 0.5 rounds (the values are never negative).
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t + 0.5) as u8;
    Rgb(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// Relative luminance (0 = black, 1 = white), for picking a readable outline.
pub(crate) fn luminance(c: Rgb) -> f32 {
    (0.2126 * f32::from(c.0) + 0.7152 * f32::from(c.1) + 0.0722 * f32::from(c.2)) / 255.0
}

/// A clockwise (in screen coordinates) circle as a polygon.
pub(crate) fn circle_ring(cx: f32, cy: f32, r: f32) -> Vec<Pt> {
    let n = ((r * 1.5) as usize).clamp(12, 96);
    (0..n)
        .map(|i| {
            let t = i as f32 / n as f32 * std::f32::consts::TAU;
            (cx + r * t.cos(), cy + r * t.sin())
        })
        .collect()
}

/// A clockwise rounded rectangle as a polygon.
pub(crate) fn rounded_rect_ring(x0: f32, y0: f32, x1: f32, y1: f32, r: f32) -> Vec<Pt> {
    let r = r.min((x1 - x0) / 2.0).min((y1 - y0) / 2.0).max(0.0);
    let mut ring = Vec::new();
    let corners = [
        (x1 - r, y0 + r, -90.0_f32),
        (x1 - r, y1 - r, 0.0),
        (x0 + r, y1 - r, 90.0),
        (x0 + r, y0 + r, 180.0),
    ];
    for (cx, cy, start) in corners {
        for k in 0..=8 {
            let t = (start + 90.0 * k as f32 / 8.0).to_radians();
            ring.push((cx + r * t.cos(), cy + r * t.sin()));
        }
    }
    ring
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filled_square_is_opaque_inside_and_untouched_outside() {
        let mut c = Canvas::new(20, 20, Rgb(0, 0, 0));
        c.fill(
            &[vec![(5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0)]],
            Rgb(255, 0, 0),
            1.0,
        );
        assert_eq!(c.get(10, 10), Rgb(255, 0, 0));
        assert_eq!(c.get(2, 2), Rgb(0, 0, 0));
        assert_eq!(c.get(17, 10), Rgb(0, 0, 0));
    }

    #[test]
    fn a_hole_wound_the_other_way_stays_empty() {
        let mut c = Canvas::new(30, 30, Rgb(0, 0, 0));
        let outer = vec![(2.0, 2.0), (28.0, 2.0), (28.0, 28.0), (2.0, 28.0)];
        let hole = vec![(10.0, 10.0), (10.0, 20.0), (20.0, 20.0), (20.0, 10.0)];
        c.fill(&[outer, hole], Rgb(0, 255, 0), 1.0);
        assert_eq!(c.get(5, 5), Rgb(0, 255, 0));
        assert_eq!(c.get(15, 15), Rgb(0, 0, 0));
    }

    #[test]
    fn a_stroke_has_no_gaps_at_its_joints() {
        let mut c = Canvas::new(60, 20, Rgb(0, 0, 0));
        let pts: Vec<Pt> = (0..=50)
            .map(|i| (5.0 + i as f32, 10.0 + (i as f32 / 8.0).sin()))
            .collect();
        c.stroke(&pts, 3.0, Rgb(200, 0, 0), 1.0, (0.0, 0.0, 60.0, 20.0));
        for x in 6..54 {
            let best = (0..20).map(|y| c.get(x, y).0).max().unwrap();
            assert!(best >= 190, "gap at x={x}: {best}");
        }
    }

    #[test]
    fn shapes_beyond_the_edges_are_clipped_without_spilling() {
        let mut c = Canvas::new(10, 10, Rgb(0, 0, 0));
        // Wider than the canvas: must not wrap into the next row or panic.
        c.fill(
            &[vec![(-50.0, 2.0), (60.0, 2.0), (60.0, 4.0), (-50.0, 4.0)]],
            Rgb(9, 9, 9),
            1.0,
        );
        assert_eq!(c.get(0, 3), Rgb(9, 9, 9));
        assert_eq!(c.get(9, 3), Rgb(9, 9, 9));
        assert_eq!(c.get(5, 6), Rgb(0, 0, 0));
        c.fill(&[circle_ring(-100.0, -100.0, 5.0)], Rgb(1, 1, 1), 1.0);
        c.stroke(
            &[(0.0, 0.0)],
            3.0,
            Rgb(2, 2, 2),
            1.0,
            (0.0, 0.0, 10.0, 10.0),
        );
    }
}
