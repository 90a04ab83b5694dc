//! Typefaces handed in by the caller ([`Fonts`]) and the text drawing of cards: real fonts when there are any,
//! else the built-in 5×7 bitmap font (Latin capitals only).

use ab_glyph::{Font, FontVec, GlyphId, PxScale, ScaleFont};

use crate::font::{glyph, GLYPH_H, GLYPH_W};
use crate::raster::Canvas;
use crate::{DemoError, Rgb};

/// The weight of a face in [`Fonts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Body text.
    Regular,
    /// Titles.
    Bold,
}

/// Typefaces for cards and video frames, as bytes the caller read (this crate does no IO).
///
/// Each weight has a fallback chain: a character is drawn with the first face of the chain that has a glyph for
/// it, so a Latin/Cyrillic face followed by a CJK face covers ru, en and zh. A missing bold chain falls back to
/// the regular one. A font collection (`.ttc`, e.g. `NotoSansCJK-Regular.ttc`) is read at the given face index
/// (index 2 of Noto Sans CJK is its Simplified Chinese face, "Noto Sans CJK SC").
#[derive(Default)]
pub struct Fonts {
    regular: Vec<FontVec>,
    bold: Vec<FontVec>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("regular", &self.regular.len())
            .field("bold", &self.bold.len())
            .finish()
    }
}

impl Fonts {
    /// No faces yet.
    pub fn new() -> Fonts {
        Fonts::default()
    }

    /// Append a face (TrueType/OpenType, or face `index` of a collection) to the chain of `weight`.
    ///
    /// # Errors
    /// [`DemoError::Font`] when the bytes are not a font or the collection has no face `index`.
    pub fn add(&mut self, weight: Weight, bytes: Vec<u8>, index: u32) -> Result<(), DemoError> {
        let font = FontVec::try_from_vec_and_index(bytes, index)
            .map_err(|e| DemoError::Font(format!("face {index}: {e}")))?;
        match weight {
            Weight::Regular => self.regular.push(font),
            Weight::Bold => self.bold.push(font),
        }
        Ok(())
    }

    /// `true` when no face was added.
    pub fn is_empty(&self) -> bool {
        self.regular.is_empty() && self.bold.is_empty()
    }

    /// `true` when every non-space character of `text` has a glyph in both weights' chains.
    pub fn covers(&self, text: &str) -> bool {
        text.chars().filter(|c| !c.is_whitespace()).all(|c| {
            find(self.chain(Weight::Regular), c).is_some()
                && find(self.chain(Weight::Bold), c).is_some()
        })
    }

    fn chain(&self, weight: Weight) -> &[FontVec] {
        match weight {
            Weight::Bold if !self.bold.is_empty() => &self.bold,
            _ if !self.regular.is_empty() => &self.regular,
            _ => &self.bold,
        }
    }
}

/// The face of `chain` that has a glyph for `c`, and the glyph.
fn find(chain: &[FontVec], c: char) -> Option<(usize, GlyphId)> {
    chain.iter().enumerate().find_map(|(i, f)| {
        let id = f.glyph_id(c);
        (id.0 != 0).then_some((i, id))
    })
}

/// Draws text with real fonts, or with the bitmap font when there are none.
#[derive(Clone, Copy)]
pub(crate) enum Pen<'a> {
    /// Real typefaces.
    Fonts(&'a Fonts),
    /// The built-in 5×7 bitmap font: capitals, digits, a little punctuation.
    Bitmap,
}

impl Pen<'_> {
    /// Width in pixels of `text` at `size` (the font's em height in pixels).
    pub(crate) fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        match self {
            Pen::Fonts(f) => {
                let chain = f.chain(weight);
                let mut w = 0.0;
                let mut prev: Option<(usize, GlyphId)> = None;
                for c in text.chars() {
                    let Some((i, id)) = find(chain, c).or_else(|| find(chain, '?')) else {
                        continue;
                    };
                    let sf = chain[i].as_scaled(PxScale::from(size));
                    if let Some((_, pid)) = prev.filter(|p| p.0 == i) {
                        w += sf.kern(pid, id);
                    }
                    w += sf.h_advance(id);
                    prev = Some((i, id));
                }
                w
            }
            Pen::Bitmap => {
                let s = bitmap_scale(size);
                let n = bitmap_text(text).chars().count() as f32;
                (n * (GLYPH_W + 1) as f32 - 1.0).max(0.0) * s
            }
        }
    }

    /// Draw `text` with its left end at `x` and its baseline at `y`; returns the width drawn.
    pub(crate) fn draw(
        &self,
        c: &mut Canvas,
        (x, y): (f32, f32),
        text: &str,
        size: f32,
        weight: Weight,
        ink: Rgb,
    ) -> f32 {
        match self {
            Pen::Fonts(f) => {
                let chain = f.chain(weight);
                let mut pen = x;
                let mut prev: Option<(usize, GlyphId)> = None;
                for ch in text.chars() {
                    let Some((i, id)) = find(chain, ch).or_else(|| find(chain, '?')) else {
                        continue;
                    };
                    let font = &chain[i];
                    let sf = font.as_scaled(PxScale::from(size));
                    if let Some((_, pid)) = prev.filter(|p| p.0 == i) {
                        pen += sf.kern(pid, id);
                    }
                    let g =
                        id.with_scale_and_position(PxScale::from(size), ab_glyph::point(pen, y));
                    if let Some(og) = font.outline_glyph(g) {
                        let b = og.px_bounds();
                        og.draw(|gx, gy, cov| {
                            c.blend(
                                b.min.x as i64 + i64::from(gx),
                                b.min.y as i64 + i64::from(gy),
                                ink,
                                cov,
                            );
                        });
                    }
                    pen += sf.h_advance(id);
                    prev = Some((i, id));
                }
                pen - x
            }
            Pen::Bitmap => {
                let s = bitmap_scale(size);
                let top = y - GLYPH_H as f32 * s;
                for (k, ch) in bitmap_text(text).chars().enumerate() {
                    let gx = x + k as f32 * (GLYPH_W + 1) as f32 * s;
                    for (row, bits) in glyph(ch).iter().enumerate() {
                        for col in 0..GLYPH_W {
                            if bits & (1 << (GLYPH_W - 1 - col)) != 0 {
                                let px = gx + col as f32 * s;
                                let py = top + row as f32 * s;
                                for yy in py.round() as i64..(py + s).round() as i64 {
                                    for xx in px.round() as i64..(px + s).round() as i64 {
                                        c.blend(xx, yy, ink, 1.0);
                                    }
                                }
                            }
                        }
                    }
                }
                self.width(text, size, weight)
            }
        }
    }

    /// `true` when the pen can draw every character of `text` (the bitmap font only draws ASCII).
    pub(crate) fn can_draw(&self, text: &str) -> bool {
        match self {
            Pen::Fonts(f) => f.covers(text),
            Pen::Bitmap => text.is_ascii(),
        }
    }

    /// `text` at the largest size up to `size` (and at least `min`) that fits `max_w`; the size chosen.
    pub(crate) fn fit(&self, text: &str, size: f32, min: f32, max_w: f32, weight: Weight) -> f32 {
        let w = self.width(text, size, weight);
        if w <= max_w || w <= 0.0 {
            size
        } else {
            (size * max_w / w).max(min)
        }
    }

    /// Break `text` into lines no wider than `max_w`: at spaces for alphabetic text, between any two characters
    /// for CJK text (never before closing punctuation). At most `max_lines` lines; the last is cut with "…".
    pub(crate) fn wrap(
        &self,
        text: &str,
        size: f32,
        weight: Weight,
        max_w: f32,
        max_lines: usize,
    ) -> Vec<String> {
        let cjk = text.chars().any(is_cjk);
        let units: Vec<String> = if cjk {
            let mut units: Vec<String> = Vec::new();
            for ch in text.chars() {
                let closing = "，。、；：？！）》」』”’".contains(ch);
                match units.last_mut() {
                    Some(last)
                        if closing || (!is_cjk(ch) && !last.chars().last().is_some_and(is_cjk)) =>
                    {
                        last.push(ch)
                    }
                    _ => units.push(ch.to_string()),
                }
            }
            units
        } else {
            text.split(' ').map(|w| format!("{w} ")).collect()
        };
        let mut lines: Vec<String> = Vec::new();
        let mut cur = String::new();
        for u in units {
            let candidate = format!("{cur}{u}");
            if !cur.is_empty() && self.width(candidate.trim_end(), size, weight) > max_w {
                lines.push(cur.trim_end().to_string());
                cur = u.trim_start().to_string();
            } else {
                cur = candidate;
            }
        }
        if !cur.trim().is_empty() {
            lines.push(cur.trim_end().to_string());
        }
        if lines.len() > max_lines {
            lines.truncate(max_lines);
            if let Some(last) = lines.last_mut() {
                while !last.is_empty() && self.width(&format!("{last}…"), size, weight) > max_w {
                    last.pop();
                }
                *last = format!("{}…", last.trim_end());
            }
        }
        lines
    }
}

/// `text` in the bitmap font's repertoire: separators become hyphens, commas and semicolons are left out (the
/// font has neither), anything else unknown is drawn as `?` by the font.
fn bitmap_text(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ',' | ';'))
        .map(|c| match c {
            '·' | '—' | '–' => '-',
            '\u{a0}' => ' ',
            c => c,
        })
        .collect()
}

/// Pixel scale of the bitmap font for a text `size` (a 7-pixel-high glyph fills ~70 % of the em).
fn bitmap_scale(size: f32) -> f32 {
    (size * 0.7 / GLYPH_H as f32).floor().max(1.0)
}

/// A CJK ideograph or CJK punctuation.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
}
