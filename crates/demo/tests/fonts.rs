//! Cards drawn with the real Noto fonts that the project's scripts install (Debian `fonts-noto-core` and
//! `fonts-noto-cjk`). These tests fail, not skip, when the fonts are missing: `scripts/test.sh` installs them.

use twincast_demo::{partner_by_slug, partner_card_png, partners, Fonts, Lang, Weight};

/// (weight, candidate paths, face index): Noto Sans for Latin and Cyrillic, Noto Sans CJK SC (face 2 of the
/// collection) for Chinese.
const FACES: &[(Weight, &[&str], u32)] = &[
    (
        Weight::Regular,
        &["/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"],
        0,
    ),
    (
        Weight::Regular,
        &["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"],
        2,
    ),
    (
        Weight::Bold,
        &["/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"],
        0,
    ),
    (
        Weight::Bold,
        &["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"],
        2,
    ),
];

fn noto() -> Fonts {
    let mut fonts = Fonts::new();
    for (weight, paths, index) in FACES {
        let path = paths
            .iter()
            .find(|p| std::path::Path::new(p).is_file())
            .unwrap_or_else(|| {
                panic!("{paths:?} missing: apt-get install fonts-noto-core fonts-noto-cjk (scripts/test.sh does)")
            });
        fonts
            .add(*weight, std::fs::read(path).unwrap(), *index)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    fonts
}

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Distinct grey levels of the near-white title ink: anti-aliased glyph edges give many, a bitmap font few.
fn edge_shades(buf: &[u8], w: u32, region: (u32, u32, u32, u32)) -> usize {
    let (x0, y0, x1, y1) = region;
    let mut shades = std::collections::BTreeSet::new();
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * w + x) * 3) as usize;
            shades.insert((buf[i], buf[i + 1], buf[i + 2]));
        }
    }
    shades.len()
}

#[test]
fn the_fonts_cover_every_name_and_description() {
    let fonts = noto();
    for p in partners() {
        for lang in Lang::ALL {
            assert!(fonts.covers(p.names.get(lang)), "{} {lang:?} name", p.slug);
            assert!(
                fonts.covers(p.description(lang)),
                "{} {lang:?} description",
                p.slug
            );
        }
    }
    for h in twincast_demo::headlines() {
        assert!(fonts.covers(h.zh), "{}", h.slug);
    }
}

#[test]
fn cards_render_with_the_fonts_in_every_language_at_the_asked_size() {
    let fonts = noto();
    let p = partner_by_slug("zielona-gora").unwrap();
    let mut cards = Vec::new();
    for lang in Lang::ALL {
        for (w, h) in [(1280, 720), (720, 1280), (333, 211)] {
            let bytes = partner_card_png(p, lang, Some(&fonts), w, h).unwrap();
            let (dw, dh, buf) = decode(&bytes);
            assert_eq!((dw, dh), (w, h), "{lang:?}");
            assert_eq!(buf.len(), (w * h * 3) as usize);
            if (w, h) == (1280, 720) {
                cards.push((lang, buf));
            }
        }
    }
    // The three languages differ (title and description), and each differs from the bitmap fallback.
    assert_ne!(cards[0].1, cards[1].1);
    assert_ne!(cards[1].1, cards[2].1);
    let (_, _, bitmap) = decode(&partner_card_png(p, Lang::En, None, 1280, 720).unwrap());
    assert_ne!(cards[1].1, bitmap);
    // The title (top left) is anti-aliased: many more shades than the bitmap font leaves.
    let title = (40, 120, 640, 230);
    let real = edge_shades(&cards[1].1, 1280, title);
    let blocky = edge_shades(&bitmap, 1280, title);
    assert!(
        real > blocky + 50,
        "{real} shades with fonts, {blocky} without"
    );
}

#[test]
fn a_chinese_card_without_cjk_faces_falls_back_instead_of_drawing_boxes() {
    // Only the Latin/Cyrillic faces: the zh card cannot be set, so it is drawn like the bitmap fallback in English.
    let mut latin = Fonts::new();
    let path = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf";
    latin
        .add(
            Weight::Regular,
            std::fs::read(path).expect("fonts-noto-core"),
            0,
        )
        .unwrap();
    let p = partner_by_slug("akashi").unwrap();
    assert!(!latin.covers(p.names.zh));
    let zh = partner_card_png(p, Lang::Zh, Some(&latin), 640, 360).unwrap();
    let fallback = partner_card_png(p, Lang::En, None, 640, 360).unwrap();
    assert!(
        zh == fallback,
        "the zh card without CJK faces is not the English fallback"
    );
}

#[test]
fn bad_font_bytes_are_an_error_not_a_panic() {
    let mut fonts = Fonts::new();
    assert!(fonts
        .add(Weight::Regular, b"not a font".to_vec(), 0)
        .is_err());
    assert!(fonts.is_empty());
}
