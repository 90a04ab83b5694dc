//! Postcard PNGs for partners, drawn in memory (no font, no download).
//!
//! Layout: horizontal bands in the partner's flag colours inside a white postcard border; a centred disc (white
//! ring, inner disc in the flag's second colour); a "stamp" in the top-right corner in the host city's colours; and
//! a small equirectangular world map at the bottom-left with a dotted line from Wuxi (red dot) to the partner
//! (yellow dot) over a 30° graticule; to the right of the map, a white label with the partner's English name in a
//! built-in 5×7 bitmap font (upper case, diacritics folded).

use crate::font::{glyph, GLYPH_H, GLYPH_W};
use crate::{host_city, DemoError, Partner, Rgb};

/// Largest accepted card side in pixels (a 4096×4096 RGB image is 48 MiB in memory).
pub const MAX_CARD_SIDE: u32 = 4096;

const WHITE: Rgb = Rgb(255, 255, 255);
const CN_RED: Rgb = Rgb(238, 28, 37);
const CN_YELLOW: Rgb = Rgb(255, 255, 0);
const OCEAN: Rgb = Rgb(22, 46, 84);
const PARTNER_DOT: Rgb = Rgb(255, 214, 0);
const OUTLINE: Rgb = Rgb(208, 208, 208);
const GRATICULE: Rgb = Rgb(52, 82, 124);
const LABEL_INK: Rgb = Rgb(26, 26, 26);

/// A PNG postcard of `width`×`height` pixels (8-bit RGB) for the partner.
///
/// Deterministic: the same partner and size always give the same bytes.
///
/// # Errors
/// [`DemoError::BadCardSize`] when a side is 0 or above [`MAX_CARD_SIDE`].
pub fn partner_card_png(p: &Partner, width: u32, height: u32) -> Result<Vec<u8>, DemoError> {
    if width == 0 || height == 0 || width > MAX_CARD_SIDE || height > MAX_CARD_SIDE {
        return Err(DemoError::BadCardSize {
            width,
            height,
            max: MAX_CARD_SIDE,
        });
    }
    let canvas = draw(p, width, height);
    encode(&canvas)
}

struct Canvas {
    w: u32,
    h: u32,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: u32, h: u32, fill: Rgb) -> Canvas {
        let mut px = Vec::with_capacity(w as usize * h as usize * 3);
        for _ in 0..(w as usize * h as usize) {
            px.extend_from_slice(&[fill.0, fill.1, fill.2]);
        }
        Canvas { w, h, px }
    }

    fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x >= i64::from(self.w) || y >= i64::from(self.h) {
            return;
        }
        let i = (y as usize * self.w as usize + x as usize) * 3;
        self.px[i..i + 3].copy_from_slice(&[c.0, c.1, c.2]);
    }

    /// Fill the half-open rectangle [x0, x1) × [y0, y1), clipped to the canvas.
    fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: Rgb) {
        let (x0, x1) = (x0.max(0), x1.min(i64::from(self.w)));
        let (y0, y1) = (y0.max(0), y1.min(i64::from(self.h)));
        for y in y0..y1 {
            for x in x0..x1 {
                self.set(x, y, c);
            }
        }
    }

    fn disc(&mut self, cx: i64, cy: i64, r: i64, c: Rgb) {
        for y in cy - r..=cy + r {
            for x in cx - r..=cx + r {
                let (dx, dy) = (x - cx, y - cy);
                if dx * dx + dy * dy <= r * r {
                    self.set(x, y, c);
                }
            }
        }
    }
}

fn draw(p: &Partner, w: u32, h: u32) -> Canvas {
    let (wi, hi) = (i64::from(w), i64::from(h));
    let side = wi.min(hi);
    let mut c = Canvas::new(w, h, WHITE);

    // Flag bands inside a white postcard border.
    let colors: &[Rgb] = if p.flag_colors.is_empty() {
        &[WHITE, OCEAN]
    } else {
        p.flag_colors
    };
    let border = side / 32;
    let (ix0, iy0, ix1, iy1) = (border, border, wi - border, hi - border);
    // A thin grey outline keeps white bands visible against the white border.
    let line = (side / 200).max(1);
    c.rect(ix0 - line, iy0 - line, ix1 + line, iy1 + line, OUTLINE);
    let inner_h = (iy1 - iy0).max(0);
    let n = colors.len() as i64;
    for (i, col) in colors.iter().enumerate() {
        let i = i as i64;
        let y0 = iy0 + inner_h * i / n;
        let y1 = iy0 + inner_h * (i + 1) / n;
        c.rect(ix0, y0, ix1, y1, *col);
    }

    // Centred disc: white ring, inner disc in the second flag colour (or the first if there is only one).
    let r = side / 4;
    let inner = colors.get(1).copied().unwrap_or(colors[0]);
    c.disc(wi / 2, hi / 2, r, WHITE);
    c.disc(wi / 2, hi / 2, r * 4 / 5, inner);
    c.disc(wi / 2, hi / 2, r * 2 / 5, colors[0]);

    // Stamp: a white square with a red field and a yellow star-like dot (the host city's colours).
    let s = side / 6;
    let (sx1, sy0) = (ix1 - side / 24, iy0 + side / 24);
    let sx0 = sx1 - s;
    c.rect(sx0, sy0, sx1, sy0 + s, WHITE);
    let m = (s / 12).max(1);
    c.rect(sx0 + m, sy0 + m, sx1 - m, sy0 + s - m, CN_RED);
    c.disc(sx0 + s / 3, sy0 + s / 3, s / 8, CN_YELLOW);

    // World map: equirectangular, 2:1, bottom-left, with Wuxi and the partner.
    let mw = (wi / 3).min(2 * hi / 3).max(2);
    let mh = (mw / 2).max(1);
    let (mx0, my1) = (ix0 + side / 24, iy1 - side / 24);
    let my0 = my1 - mh;
    c.rect(mx0 - 1, my0 - 1, mx0 + mw + 1, my1 + 1, WHITE);
    c.rect(mx0, my0, mx0 + mw, my1, OCEAN);
    // Graticule every 30 degrees.
    for k in 1..12 {
        c.rect(
            mx0 + mw * k / 12,
            my0,
            mx0 + mw * k / 12 + 1,
            my1,
            GRATICULE,
        );
    }
    for k in 1..6 {
        c.rect(
            mx0,
            my0 + mh * k / 6,
            mx0 + mw,
            my0 + mh * k / 6 + 1,
            GRATICULE,
        );
    }
    let to_px = |lat: f64, lon: f64| -> (i64, i64) {
        let x = ((lon.clamp(-180.0, 180.0) + 180.0) / 360.0 * (mw - 1) as f64).round() as i64;
        let y = ((90.0 - lat.clamp(-90.0, 90.0)) / 180.0 * (mh - 1) as f64).round() as i64;
        (mx0 + x, my0 + y)
    };
    let host = host_city();
    let (hx, hy) = to_px(host.lat, host.lon);
    let (px, py) = to_px(p.lat, p.lon);
    let steps = (hx - px).abs().max((hy - py).abs()).max(1);
    for k in (0..=steps).step_by(3) {
        c.set(
            px + (hx - px) * k / steps,
            py + (hy - py) * k / steps,
            WHITE,
        );
    }
    let dot = (mh / 18).max(1);
    c.disc(hx, hy, dot, CN_RED);
    c.disc(px, py, dot, PARTNER_DOT);

    // Name label right of the map, as large as fits (at least one pixel per font pixel), if there is room.
    let label: Vec<char> = p.names.en.chars().collect();
    let (lx0, lx1) = (mx0 + mw + side / 24, ix1 - side / 24);
    let pad = (side / 64).max(1);
    let cols = label.len() as i64 * (GLYPH_W + 1) - 1;
    let scale = ((lx1 - lx0 - 2 * pad) / cols.max(1)).min((mh / 2 - 2 * pad) / GLYPH_H);
    if scale >= 1 {
        let (tw, th) = (cols * scale, GLYPH_H * scale);
        let ly1 = my1;
        let ly0 = ly1 - th - 2 * pad;
        c.rect(lx0, ly0, lx0 + tw + 2 * pad, ly1, WHITE);
        draw_text(&mut c, lx0 + pad, ly0 + pad, scale, &label, LABEL_INK);
    }
    c
}

/// Draw `text` with its top-left corner at (x, y), each font pixel a `scale`×`scale` square.
fn draw_text(c: &mut Canvas, x: i64, y: i64, scale: i64, text: &[char], ink: Rgb) {
    for (i, ch) in text.iter().enumerate() {
        let gx = x + i as i64 * (GLYPH_W + 1) * scale;
        for (row, bits) in glyph(*ch).iter().enumerate() {
            for col in 0..GLYPH_W {
                if bits & (1 << (GLYPH_W - 1 - col)) != 0 {
                    let (px, py) = (gx + col * scale, y + row as i64 * scale);
                    c.rect(px, py, px + scale, py + scale, ink);
                }
            }
        }
    }
}

fn encode(c: &Canvas) -> Result<Vec<u8>, DemoError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, c.w, c.h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc
        .write_header()
        .map_err(|e| DemoError::Png(e.to_string()))?;
    writer
        .write_image_data(&c.px)
        .map_err(|e| DemoError::Png(e.to_string()))?;
    writer.finish().map_err(|e| DemoError::Png(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{partner_by_slug, partners};

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("PNG frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    fn pixel(buf: &[u8], w: u32, x: u32, y: u32) -> Rgb {
        let i = ((y * w + x) * 3) as usize;
        Rgb(buf[i], buf[i + 1], buf[i + 2])
    }

    #[test]
    fn every_partner_card_decodes_at_the_asked_size() {
        for (i, p) in partners().iter().enumerate() {
            let (w, h) = if i % 2 == 0 { (320, 200) } else { (180, 320) };
            let bytes = partner_card_png(p, w, h).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            let (dw, dh, buf) = decode(&bytes);
            assert_eq!((dw, dh), (w, h), "{}", p.slug);
            assert_eq!(buf.len(), (w * h * 3) as usize);
        }
    }

    #[test]
    fn card_shows_the_flag_colours_and_the_border() {
        let p = partner_by_slug("leverkusen").unwrap(); // black, red, gold bands
        let (w, h) = (640, 400);
        let (_, _, buf) = decode(&partner_card_png(p, w, h).unwrap());
        assert_eq!(pixel(&buf, w, 0, 0), WHITE, "postcard border");
        let border = 400 / 32;
        // Left edge of the inner area, outside the disc, stamp and map: one band per flag colour, top to bottom.
        let x = border as u32 + 2;
        let inner_h = 400 - 2 * border as u32;
        for (i, col) in p.flag_colors.iter().enumerate() {
            let y = border as u32 + inner_h * (2 * i as u32 + 1) / 6;
            if y < 260 {
                assert_eq!(pixel(&buf, w, x, y), *col, "band {i}");
            }
        }
        assert_eq!(
            pixel(&buf, w, w / 2, h / 2),
            p.flag_colors[0],
            "disc centre"
        );
    }

    #[test]
    fn card_carries_a_name_label() {
        let p = partner_by_slug("zielona-gora").unwrap();
        let (w, h) = (960, 600);
        let (_, _, buf) = decode(&partner_card_png(p, w, h).unwrap());
        // The label sits right of the map in the bottom third: dark ink on white there, nowhere else.
        let ink = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .filter(|&(x, y)| pixel(&buf, w, x, y) == LABEL_INK)
            .collect::<Vec<_>>();
        assert!(ink.len() > 200, "{} ink pixels", ink.len());
        assert!(
            ink.iter().all(|&(x, y)| x > w / 3 && y > h * 2 / 3),
            "ink outside the label"
        );
        // Without room for the label the card is still drawn, just without text.
        let (_, _, small) = decode(&partner_card_png(p, 40, 30).unwrap());
        assert!(!small.chunks(3).any(|px| px == [26, 26, 26]));
    }

    #[test]
    fn cards_are_deterministic_and_differ_between_partners() {
        let a = partner_by_slug("akashi").unwrap();
        let b = partner_by_slug("sorocaba").unwrap();
        assert_eq!(
            partner_card_png(a, 200, 120).unwrap(),
            partner_card_png(a, 200, 120).unwrap()
        );
        assert_ne!(
            partner_card_png(a, 200, 120).unwrap(),
            partner_card_png(b, 200, 120).unwrap()
        );
    }

    #[test]
    fn tiny_and_extreme_shapes_do_not_panic() {
        let p = &partners()[0];
        for (w, h) in [(1, 1), (1, 500), (500, 1), (2, 3), (MAX_CARD_SIDE, 8)] {
            let (dw, dh, _) = decode(&partner_card_png(p, w, h).unwrap());
            assert_eq!((dw, dh), (w, h));
        }
    }

    #[test]
    fn bad_sizes_are_refused() {
        let p = &partners()[0];
        for (w, h) in [(0, 10), (10, 0), (MAX_CARD_SIDE + 1, 10), (10, u32::MAX)] {
            assert_eq!(
                partner_card_png(p, w, h),
                Err(DemoError::BadCardSize {
                    width: w,
                    height: h,
                    max: MAX_CARD_SIDE
                })
            );
        }
    }
}
