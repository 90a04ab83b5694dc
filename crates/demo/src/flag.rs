//! Small flag chips: the simple geometry of a few flags (a disc, a Nordic cross, vertical tricolours), colour bands
//! in the flag's colours for the rest. A reminder of the flag, not a faithful drawing.

use crate::raster::{circle_ring, Canvas, Pt};
use crate::Rgb;

fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Vec<Pt> {
    vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// Draw the flag of `country` (ISO alpha-2) in `colors` into (x, y, w, h).
pub(crate) fn draw_flag(
    c: &mut Canvas,
    country: &str,
    colors: &[Rgb],
    x: f32,
    y: f32,
    w: f32,
    h: f32,
) {
    let col = |i: usize| {
        colors
            .get(i)
            .or(colors.first())
            .copied()
            .unwrap_or(Rgb(255, 255, 255))
    };
    let (x1, y1) = (x + w, y + h);
    match country {
        // A disc on a plain field (Japan: red on white; Korea: drawn as its red-over-blue disc).
        "JP" => {
            c.fill(&[rect(x, y, x1, y1)], col(0), 1.0);
            c.fill(
                &[circle_ring(x + w / 2.0, y + h / 2.0, h * 0.3)],
                col(1),
                1.0,
            );
        }
        "KR" => {
            c.fill(&[rect(x, y, x1, y1)], col(0), 1.0);
            let (cx, cy, r) = (x + w / 2.0, y + h / 2.0, h * 0.25);
            c.fill(&[circle_ring(cx, cy, r)], col(2), 1.0);
            let top: Vec<Pt> = (0..=24)
                .map(|i| {
                    let t = std::f32::consts::PI * (1.0 + i as f32 / 24.0);
                    (cx + r * t.cos(), cy + r * t.sin())
                })
                .collect();
            c.fill(&[top], col(1), 1.0);
        }
        // Nordic crosses: field, then the cross set towards the hoist.
        "FI" | "DK" | "SE" => {
            let (field, cross) = (col(0), col(1));
            c.fill(&[rect(x, y, x1, y1)], field, 1.0);
            let t = h * 0.22;
            let vx = x + w * 0.36;
            c.fill(
                &[
                    rect(vx, y, vx + t, y1),
                    rect(x, y + (h - t) / 2.0, x1, y + (h + t) / 2.0),
                ],
                cross,
                1.0,
            );
        }
        // Vertical bands (Canada and Portugal approximated by their fields).
        "FR" | "BE" | "MX" | "CA" => {
            let n = colors.len().max(1);
            for i in 0..n {
                let (a, b) = (
                    x + w * i as f32 / n as f32,
                    x + w * (i + 1) as f32 / n as f32,
                );
                c.fill(&[rect(a, y, b, y1)], col(i), 1.0);
            }
            if country == "CA" {
                // Red, white, red: the white middle twice as wide.
                c.fill(
                    &[rect(x, y, x + w / 4.0, y1), rect(x1 - w / 4.0, y, x1, y1)],
                    col(0),
                    1.0,
                );
                c.fill(&[rect(x + w / 4.0, y, x1 - w / 4.0, y1)], col(1), 1.0);
            }
        }
        // Stripes and a plain canton.
        "US" => {
            for i in 0..7 {
                let (a, b) = (y + h * i as f32 / 7.0, y + h * (i + 1) as f32 / 7.0);
                c.fill(
                    &[rect(x, a, x1, b)],
                    if i % 2 == 0 { col(0) } else { col(1) },
                    1.0,
                );
            }
            c.fill(&[rect(x, y, x + w * 0.42, y + h * 4.0 / 7.0)], col(2), 1.0);
        }
        // A field with a bordered cross (the Union Flag's saltires left out).
        "GB" => {
            c.fill(&[rect(x, y, x1, y1)], col(0), 1.0);
            let (t, b) = (h * 0.2, h * 0.12);
            let (cx, cy) = (x + w / 2.0, y + h / 2.0);
            c.fill(
                &[rect(cx - t, y, cx + t, y1), rect(x, cy - t, x1, cy + t)],
                col(1),
                1.0,
            );
            c.fill(
                &[rect(cx - b, y, cx + b, y1), rect(x, cy - b, x1, cy + b)],
                col(2),
                1.0,
            );
        }
        "PT" => {
            c.fill(&[rect(x, y, x + w * 0.4, y1)], col(0), 1.0);
            c.fill(&[rect(x + w * 0.4, y, x1, y1)], col(1), 1.0);
            c.fill(
                &[circle_ring(x + w * 0.4, y + h / 2.0, h * 0.2)],
                col(2),
                1.0,
            );
        }
        _ => {
            let n = colors.len().max(1);
            for i in 0..n {
                let (a, b) = (
                    y + h * i as f32 / n as f32,
                    y + h * (i + 1) as f32 / n as f32,
                );
                c.fill(&[rect(x, a, x1, b)], col(i), 1.0);
            }
        }
    }
}
