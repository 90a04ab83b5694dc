//! The typefaces of the demo's cards and videos: found on disk here (the demo crate does no IO) and handed to it as
//! bytes.

use std::path::PathBuf;
use std::sync::OnceLock;

use twincast_demo::{Fonts, Weight};

/// A face the demo's cards draw with: where Debian's `fonts-noto-core` / `fonts-noto-cjk` put it, the face index
/// inside a collection, and the fontconfig pattern that finds it elsewhere. Per weight, Noto Sans (Latin and
/// Cyrillic) comes first and Noto Sans CJK SC (index 2 of the collection: Simplified Chinese) covers the rest.
struct FontFace {
    weight: Weight,
    paths: &'static [&'static str],
    index: u32,
    pattern: &'static str,
}

const FONT_FACES: &[FontFace] = &[
    FontFace {
        weight: Weight::Regular,
        paths: &["/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"],
        index: 0,
        pattern: "Noto Sans:style=Regular",
    },
    FontFace {
        weight: Weight::Regular,
        paths: &[
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        ],
        index: 2,
        pattern: "Noto Sans CJK SC:style=Regular",
    },
    FontFace {
        weight: Weight::Bold,
        paths: &["/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"],
        index: 0,
        pattern: "Noto Sans:style=Bold",
    },
    FontFace {
        weight: Weight::Bold,
        paths: &[
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
            "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
            "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
        ],
        index: 2,
        pattern: "Noto Sans CJK SC:style=Bold",
    },
];

/// Where `fc-match` finds `pattern` (file and face index), if fontconfig is installed and names a Noto face:
/// fc-match always answers with some font, and a stand-in (DejaVu) would lack the scripts asked for.
fn fc_match(pattern: &str) -> Option<(PathBuf, u32)> {
    let out = std::process::Command::new("fc-match")
        .args(["-f", "%{file}\n%{index}\n%{family}", pattern])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let (file, index, family) = (lines.next()?, lines.next()?, lines.next().unwrap_or(""));
    let wanted = pattern.split(':').next().unwrap_or(pattern);
    (out.status.success() && family.split(',').any(|f| f == wanted))
        .then(|| (PathBuf::from(file), index.parse().unwrap_or(0)))
}

/// Reads the demo's typefaces from the known Debian paths, else where fontconfig finds them. `None` (with a
/// warning) when none is found: the cards then use the demo crate's bitmap font; a missing font never stops the
/// demo.
fn load_fonts() -> Option<Fonts> {
    let mut fonts = Fonts::new();
    let mut missing = Vec::new();
    for face in FONT_FACES {
        let found = face
            .paths
            .iter()
            .map(|p| (PathBuf::from(p), face.index))
            .find(|(p, _)| p.is_file())
            .or_else(|| fc_match(face.pattern));
        let loaded = found.and_then(|(path, index)| {
            let bytes = std::fs::read(&path).ok()?;
            match fonts.add(face.weight, bytes, index) {
                Ok(()) => Some(()),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "demo font unreadable");
                    None
                }
            }
        });
        if loaded.is_none() {
            missing.push(face.pattern);
        }
    }
    if fonts.is_empty() {
        tracing::warn!(
            "no demo fonts found (Debian: apt-get install fonts-noto-core fonts-noto-cjk): the partner cards \
             and videos use the built-in bitmap font, in English only"
        );
        return None;
    }
    if !missing.is_empty() {
        tracing::warn!(missing = ?missing, "some demo fonts were not found: text they would draw falls back");
    }
    Some(fonts)
}

/// The demo's typefaces, read once per process (off the async threads: the CJK collections are ~20 MB each).
pub(super) async fn demo_fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    if let Some(f) = FONTS.get() {
        return f.as_ref();
    }
    let loaded = tokio::task::spawn_blocking(load_fonts).await.ok().flatten();
    FONTS.get_or_init(|| loaded).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use twincast_demo::Lang;

    #[test]
    fn finds_the_noto_fonts_the_test_command_installs() {
        // scripts/test.sh installs fonts-noto-core and fonts-noto-cjk: all four faces load, and they cover every
        // name and description of the demo.
        let fonts =
            load_fonts().expect("demo fonts (apt-get install fonts-noto-core fonts-noto-cjk)");
        for p in twincast_demo::partners() {
            for lang in Lang::ALL {
                assert!(fonts.covers(p.names.get(lang)), "{} {lang:?}", p.slug);
                assert!(fonts.covers(p.description(lang)), "{} {lang:?}", p.slug);
            }
        }
    }

    #[test]
    fn fontconfig_finds_the_chinese_face_and_refuses_stand_ins() {
        let has_fc = std::process::Command::new("fc-match")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        let found = fc_match("Noto Sans CJK SC:style=Regular");
        if has_fc {
            let (path, index) = found.expect("fontconfig knows Noto Sans CJK SC");
            assert!(path.is_file(), "{}", path.display());
            assert_eq!(index, 2, "the Simplified Chinese face of the collection");
        } else {
            assert_eq!(found, None);
        }
        // fc-match answers an unknown family with some other font: that is not taken.
        assert_eq!(fc_match("No Such Family Twincast:style=Regular"), None);
    }
}
