//! Captions burnt into a screen rendition: the [`super::screen_mp4`] encode with libass's `subtitles` filter
//! drawing a WebVTT track onto the picture (public screens play without sound).

use std::path::Path;

use super::{path_str, screen_mp4_drawing, Control};
use crate::MediaError;

/// How burnt-in captions look: Noto Sans (fontconfig falls back to Noto Sans CJK for Chinese and Japanese), large,
/// white on a three-quarters opaque dark box (`BorderStyle=3`) so they read on any picture and from across a hall;
/// sizes are in libass's 288-line script space, so they scale with the rendition.
pub const STYLE: &str =
    "FontName=Noto Sans,FontSize=20,PrimaryColour=&H00FFFFFF,OutlineColour=&H40000000,\
BorderStyle=3,Outline=5,Shadow=0,MarginV=20";

/// `value` escaped for an option value of one filter inside a filtergraph (ffmpeg's two levels of escaping: the
/// filter's `\ ' :`, then the graph's `\ ' [ ] , ;`).
pub fn filter_value(value: &str) -> String {
    let escape = |s: &str, special: &[char]| {
        let mut out = String::with_capacity(s.len() + 8);
        for c in s.chars() {
            if special.contains(&c) {
                out.push('\\');
            }
            out.push(c);
        }
        out
    };
    let filter = escape(value, &['\\', '\'', ':']);
    escape(&filter, &['\\', '\'', '[', ']', ',', ';'])
}

/// The screen rendition of `input` (as [`super::screen_mp4`]: H.264/AAC, short side capped at `max_short_side`)
/// with the cues of the WebVTT file `vtt` drawn onto the picture, written to `out_mp4`.
pub async fn burn_captions(
    input: &Path,
    vtt: &Path,
    out_mp4: &Path,
    max_short_side: u32,
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<(), MediaError> {
    let draw = format!(
        "subtitles=filename={}:force_style={}",
        filter_value(path_str(vtt)?),
        filter_value(STYLE)
    );
    screen_mp4_drawing(
        input,
        out_mp4,
        max_short_side,
        Some(&draw),
        ctl,
        duration_ms,
    )
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn filter_values_are_escaped_at_both_levels() {
        assert_eq!(super::filter_value("/tmp/a.vtt"), "/tmp/a.vtt");
        assert_eq!(super::filter_value("/t:x/a.vtt"), "/t\\\\:x/a.vtt");
        assert_eq!(super::filter_value("it's"), "it\\\\\\'s");
        assert_eq!(super::filter_value("a,b[c];"), "a\\,b\\[c\\]\\;");
    }
}
