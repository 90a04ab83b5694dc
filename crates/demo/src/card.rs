//! Postcard PNGs for partners, drawn in memory with the typefaces the caller hands in.
//!
//! Layout (landscape; portrait stacks the same blocks): a deep diagonal gradient; top left, a chip in the flag's
//! colours with the country and "Partner city of Wuxi"; the city's name in the card's language, large and bold,
//! with its names in the two other languages under it; a short rule in the flag's accent colour; the one-sentence
//! description; at the bottom the year the relationship began and the distance to Wuxi; on the right a framed
//! world-map inset with the great-circle route from Wuxi to the city. Without fonts the text is drawn with the
//! built-in bitmap font, in English only (the other scripts have no bitmap glyphs).

use crate::flag::draw_flag;
use crate::raster::{luminance, mix, rounded_rect_ring, Canvas};
use crate::text::{Fonts, Pen, Weight};
use crate::worldmap::{draw_inset, natural_aspect, MapStyle, Marker};
use crate::{distance_km, host_city, words, DemoError, Lang, Partner, Rgb};

/// Largest accepted card side in pixels (a 4096×4096 RGB image is 48 MiB in memory).
pub const MAX_CARD_SIDE: u32 = 4096;

pub(crate) const BG_FROM: Rgb = Rgb(10, 31, 58);
pub(crate) const BG_TO: Rgb = Rgb(18, 88, 104);
const WHITE: Rgb = Rgb(255, 255, 255);
const TITLE: Rgb = Rgb(255, 255, 255);
const MUTED: Rgb = Rgb(170, 203, 222);
const BODY: Rgb = Rgb(226, 238, 245);
/// Amber: the partner's marker, and the accent rule when the flag has no colour that reads on the background.
const FALLBACK_ACCENT: Rgb = Rgb(242, 166, 73);

/// A PNG postcard of `width`×`height` pixels (8-bit RGB) for the partner, with text in `lang`.
///
/// `fonts` are the typefaces to draw with (see [`Fonts`]); with `None`, or with fonts that lack a glyph the card
/// needs, the built-in bitmap font draws the English text instead. Deterministic: the same partner, language,
/// fonts and size always give the same bytes.
///
/// # Errors
/// [`DemoError::BadCardSize`] when a side is 0 or above [`MAX_CARD_SIDE`].
pub fn partner_card_png(
    p: &Partner,
    lang: Lang,
    fonts: Option<&Fonts>,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, DemoError> {
    check_size(width, height)?;
    draw_card(p, lang, fonts, width, height).png()
}

pub(crate) fn check_size(width: u32, height: u32) -> Result<(), DemoError> {
    if width == 0 || height == 0 || width > MAX_CARD_SIDE || height > MAX_CARD_SIDE {
        return Err(DemoError::BadCardSize {
            width,
            height,
            max: MAX_CARD_SIDE,
        });
    }
    Ok(())
}

/// The strings of a card, in one language.
struct Words {
    country: String,
    kicker: &'static str,
    title: &'static str,
    others: String,
    description: &'static str,
    since_label: &'static str,
    since: Option<String>,
    distance_label: &'static str,
    distance: String,
    host_label: &'static str,
    partner_label: &'static str,
}

fn words_for(p: &Partner, lang: Lang) -> Words {
    let host = host_city();
    let country = words::country(p.country)
        .map(|c| c.get(lang))
        .unwrap_or(p.country);
    let others = Lang::ALL
        .into_iter()
        .filter(|l| *l != lang)
        .map(|l| p.names.get(l))
        .collect::<Vec<_>>()
        .join("  ·  ");
    Words {
        country: if lang == Lang::Zh {
            country.to_string()
        } else {
            country.to_uppercase()
        },
        kicker: words::PARTNER_OF_WUXI.get(lang),
        title: p.names.get(lang),
        others,
        description: p.description(lang),
        since_label: words::SINCE.get(lang),
        since: p.since.map(|y| y.to_string()),
        distance_label: words::DISTANCE.get(lang),
        distance: words::km(lang, distance_km(host.lat, host.lon, p.lat, p.lon)),
        host_label: host.names.get(lang),
        partner_label: p.names.get(lang),
    }
}

/// The flag colour that reads best as an accent on the dark background.
fn accent(p: &Partner) -> Rgb {
    p.flag_colors
        .iter()
        .copied()
        .filter(|c| {
            let l = luminance(*c);
            let sat = i32::from(c.0.max(c.1).max(c.2)) - i32::from(c.0.min(c.1).min(c.2));
            (0.2..0.9).contains(&l) && sat > 90
        })
        .max_by(|a, b| luminance(*a).total_cmp(&luminance(*b)))
        .unwrap_or(FALLBACK_ACCENT)
}

pub(crate) fn draw_card(p: &Partner, lang: Lang, fonts: Option<&Fonts>, w: u32, h: u32) -> Canvas {
    let mut c = Canvas::new(w, h, BG_FROM);
    let (wf, hf) = (w as f32, h as f32);
    // A diagonal gradient, with two large faint discs for depth (painted in one pass: this is most of the pixels).
    let norm = (wf * wf + hf * hf).max(1.0);
    let discs = [
        (wf * 0.92, hf * 0.08, wf.max(hf) * 0.42, 0.035),
        (wf * 0.05, hf * 1.02, wf.max(hf) * 0.30, 0.025),
    ];
    c.paint(|x, y| {
        let mut col = mix(BG_FROM, BG_TO, ((x * wf + y * hf) / norm).clamp(0.0, 1.0));
        for (cx, cy, r, a) in discs {
            let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
            let cover = (r - d + 0.5).clamp(0.0, 1.0);
            if cover > 0.0 {
                col = mix(col, WHITE, a * cover);
            }
        }
        col
    });

    let pen = match fonts {
        Some(f) if !f.is_empty() => Pen::Fonts(f),
        _ => Pen::Bitmap,
    };
    let mut t = words_for(p, lang);
    let (pen, lang) = if pen.can_draw(&format!(
        "{}{}{}{}",
        t.title, t.others, t.description, t.country
    )) {
        (pen, lang)
    } else {
        // Bitmap font (or fonts without the script): English text only, and no names in other scripts.
        t = words_for(p, Lang::En);
        t.others = String::new();
        (Pen::Bitmap, Lang::En)
    };

    let landscape = wf >= hf * 1.15;
    // Layout unit: a hundredth of the short side, limited so that text fits the long side too.
    let u = if landscape {
        hf.min(wf * 0.5625) / 100.0
    } else {
        wf.min(hf * 0.5625) / 100.0
    };
    let m = 7.0 * u;
    // The inset takes the shape of its view (wide across the Pacific, squarer for a neighbour), within limits.
    let host = host_city();
    let aspect = natural_aspect((host.lat, host.lon), (p.lat, p.lon));
    let (col_x0, col_x1, map_rect) = if landscape {
        let mx0 = wf * 0.555;
        let mw = wf - m - mx0;
        let mh = (mw / aspect)
            .max(mw * 0.6)
            .min(hf - 2.0 * m)
            .min(mw * 1.1)
            .max(0.0);
        let my0 = (hf - mh) / 2.0;
        (m, mx0 - 5.0 * u, (mx0, my0, wf - m, my0 + mh))
    } else {
        let mw = wf - 2.0 * m;
        let my1 = hf - m - 17.0 * u;
        let mh = (mw / aspect).clamp(mw * 0.6, mw * 0.9);
        (m, wf - m, (m, my1 - mh, wf - m, my1))
    };
    let col_w = col_x1 - col_x0;
    let acc = accent(p);

    // The map inset, framed like a print laid on the card.
    let (mx0, my0, mx1, my1) = map_rect;
    let frame = (1.1 * u).max(1.0);
    if mx1 - mx0 > 8.0 && my1 - my0 > 8.0 {
        c.fill(
            &[rounded_rect_ring(
                mx0 + u * 0.6,
                my0 + u * 0.9,
                mx1 + u * 0.6,
                my1 + u * 0.9,
                1.4 * u,
            )],
            Rgb(0, 0, 0),
            0.25,
        );
        let print = rounded_rect_ring(mx0 - frame, my0 - frame, mx1 + frame, my1 + frame, 1.4 * u);
        c.fill(&[print], WHITE, 1.0);
        let style = MapStyle {
            ocean: Rgb(221, 236, 243),
            land: Rgb(196, 214, 190),
            graticule: Rgb(204, 224, 234),
            route: Rgb(214, 69, 51),
            host: Rgb(214, 40, 40),
            partner: FALLBACK_ACCENT,
            ink: Rgb(25, 42, 58),
        };
        draw_inset(
            &mut c,
            (mx0, my0, mx1, my1),
            &Marker {
                lat: host.lat,
                lon: host.lon,
                label: t.host_label,
            },
            &Marker {
                lat: p.lat,
                lon: p.lon,
                label: t.partner_label,
            },
            &style,
            pen,
            (3.3 * u).round(),
        );
    }

    if u < 0.8 {
        return c; // Too small for legible text: colours and map only.
    }

    // Kicker: flag chip, country and "partner city of Wuxi".
    let chip_h = 4.6 * u;
    let chip_w = chip_h * 1.5;
    let (chip_x, chip_y) = (col_x0, m);
    let (o, r) = (0.35 * u, 0.9 * u);
    let border = rounded_rect_ring(
        chip_x - o,
        chip_y - o,
        chip_x + chip_w + o,
        chip_y + chip_h + o,
        r,
    );
    c.fill(&[border], WHITE, 0.9);
    let colors: &[Rgb] = if p.flag_colors.is_empty() {
        &[WHITE, acc]
    } else {
        p.flag_colors
    };
    draw_flag(&mut c, p.country, colors, chip_x, chip_y, chip_w, chip_h);
    let ks = 3.0 * u;
    let kx = chip_x + chip_w + 2.2 * u;
    let kb = chip_y + chip_h * 0.5 + ks * 0.36;
    let kw = pen.draw(&mut c, (kx, kb), &t.country, ks, Weight::Bold, WHITE);
    let rest = format!("  ·  {}", t.kicker);
    if kx + kw + pen.width(&rest, ks, Weight::Regular) <= col_x1 {
        pen.draw(&mut c, (kx + kw, kb), &rest, ks, Weight::Regular, MUTED);
    }

    // Title and the names in the other languages.
    let ts = pen.fit(t.title, 12.5 * u, 6.0 * u, col_w, Weight::Bold);
    let mut y = m + chip_h + 5.0 * u + ts * 0.95;
    pen.draw(&mut c, (col_x0, y), t.title, ts, Weight::Bold, TITLE);
    if !t.others.is_empty() {
        let os = pen.fit(&t.others, 4.4 * u, 2.6 * u, col_w, Weight::Regular);
        y += os * 1.7;
        pen.draw(&mut c, (col_x0, y), &t.others, os, Weight::Regular, MUTED);
    }
    y += 4.2 * u;
    let rule = rounded_rect_ring(col_x0, y, col_x0 + 9.0 * u, y + 0.8 * u, 0.4 * u);
    c.fill(&[rule], acc, 1.0);

    // Description, wrapped.
    let ds = 3.9 * u;
    let lh = if lang == Lang::Zh { 1.6 } else { 1.45 } * ds;
    let bottom_block = 14.0 * u;
    let text_bottom = if landscape {
        hf - m - bottom_block
    } else {
        my0 - 3.0 * u
    };
    y += 2.4 * u;
    let max_lines = (((text_bottom - y) / lh).floor() as usize).clamp(1, 6);
    for line in pen.wrap(t.description, ds, Weight::Regular, col_w, max_lines) {
        y += lh;
        pen.draw(&mut c, (col_x0, y), &line, ds, Weight::Regular, BODY);
    }

    // Facts row: since (when known) and distance.
    let ls = 2.7 * u;
    let vs = 6.6 * u;
    let base = hf - m;
    let mut fx = col_x0;
    let mut fact = |c: &mut Canvas, label: &str, value: &str| {
        let lw = pen.width(label, ls, Weight::Regular);
        let vw = pen.width(value, vs, Weight::Bold);
        if fx + lw.max(vw) > col_x1 && fx > col_x0 {
            return;
        }
        pen.draw(c, (fx, base - vs * 1.08), label, ls, Weight::Regular, MUTED);
        pen.draw(c, (fx, base), value, vs, Weight::Bold, WHITE);
        fx += lw.max(vw) + 7.0 * u;
    };
    if let Some(year) = &t.since {
        fact(&mut c, t.since_label, year);
    }
    fact(&mut c, t.distance_label, &t.distance);
    c
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{partner_by_slug, partners};

    pub(crate) fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let dec = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = dec.read_info().expect("PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("PNG frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn every_partner_card_decodes_at_the_asked_size() {
        for (i, p) in partners().iter().enumerate() {
            let (w, h) = if i % 2 == 0 { (320, 200) } else { (180, 320) };
            let lang = Lang::ALL[i % 3];
            let bytes = partner_card_png(p, lang, None, w, h).unwrap();
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            let (dw, dh, buf) = decode(&bytes);
            assert_eq!((dw, dh), (w, h), "{}", p.slug);
            assert_eq!(buf.len(), (w * h * 3) as usize);
        }
    }

    #[test]
    fn the_bitmap_fallback_still_writes_the_name_and_shows_the_map() {
        let p = partner_by_slug("zielona-gora").unwrap();
        let c = draw_card(p, Lang::Zh, None, 960, 540);
        // White title ink in the left column, land green in the map on the right.
        let white = (0..540)
            .flat_map(|y| (0..500).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x, y) == WHITE)
            .count();
        assert!(white > 300, "{white} white pixels");
        let land = (0..540)
            .flat_map(|y| (540..960).map(move |x| (x, y)))
            .filter(|&(x, y)| c.get(x, y) == Rgb(196, 214, 190))
            .count();
        assert!(land > 2000, "{land} land pixels");
    }

    #[test]
    fn cards_are_deterministic_and_differ_between_partners() {
        let a = partner_by_slug("akashi").unwrap();
        let b = partner_by_slug("sorocaba").unwrap();
        let card = |p| partner_card_png(p, Lang::En, None, 200, 120).unwrap();
        assert_eq!(card(a), card(a));
        assert_ne!(card(a), card(b));
    }

    #[test]
    fn tiny_and_extreme_shapes_do_not_panic() {
        let p = &partners()[0];
        for (w, h) in [
            (1, 1),
            (1, 500),
            (500, 1),
            (2, 3),
            (MAX_CARD_SIDE, 8),
            (8, MAX_CARD_SIDE),
        ] {
            let (dw, dh, _) = decode(&partner_card_png(p, Lang::Ru, None, w, h).unwrap());
            assert_eq!((dw, dh), (w, h));
        }
    }

    #[test]
    fn bad_sizes_are_refused() {
        let p = &partners()[0];
        for (w, h) in [(0, 10), (10, 0), (MAX_CARD_SIDE + 1, 10), (10, u32::MAX)] {
            assert_eq!(
                partner_card_png(p, Lang::En, None, w, h),
                Err(DemoError::BadCardSize {
                    width: w,
                    height: h,
                    max: MAX_CARD_SIDE
                })
            );
        }
    }
}
