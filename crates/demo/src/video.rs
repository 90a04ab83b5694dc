//! A short video per partner: the partner's card in Chinese, English and Russian, each still animated with a slow
//! camera move (zoom in, pan, zoom out) and joined by crossfades, with a fade in and out. The stills are drawn here
//! ([`partner_video_frames`], at 1.5× the video size so the camera moves smoothly); ffmpeg animates and encodes
//! them ([`partner_video_args`]). No `drawtext`: all text is drawn in the stills with the caller's fonts.

use std::path::Path;

use crate::card::draw_card;
use crate::text::Fonts;
use crate::{DemoError, Lang, Partner};

/// Width of the card video in pixels.
pub const VIDEO_WIDTH: u32 = 1280;
/// Height of the card video in pixels.
pub const VIDEO_HEIGHT: u32 = 720;
/// Length of the card video in seconds.
pub const VIDEO_SECONDS: u32 = 9;
/// Frame rate of the card video.
pub const VIDEO_FPS: u32 = 25;

/// The languages of the stills, in the order they play.
const FRAME_LANGS: [Lang; 3] = [Lang::Zh, Lang::En, Lang::Ru];
/// Crossfade length in frames (0.6 s).
const XFADE_FRAMES: u32 = 15;
/// Stills are drawn at this multiple of the video size (the camera move then needs no upscaling).
const STILL_SCALE_NUM: u32 = 3;
const STILL_SCALE_DEN: u32 = 2;

/// A still of a partner video: the file name the caller writes it under (in the directory later passed to
/// [`partner_video_args`]) and its PNG bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFrame {
    /// File name, e.g. `akashi-zh.png` (ASCII, no directory).
    pub name: String,
    /// The PNG.
    pub png: Vec<u8>,
}

fn frame_name(p: &Partner, lang: Lang) -> String {
    format!("{}-{}.png", p.slug, lang.code())
}

/// The stills of the partner's video (one card per language, 1920×1080), drawn with `fonts` (see
/// [`crate::partner_card_png`] for the fallback without them).
///
/// # Errors
/// [`DemoError::Png`] if encoding fails.
pub fn partner_video_frames(
    p: &Partner,
    fonts: Option<&Fonts>,
) -> Result<Vec<VideoFrame>, DemoError> {
    let (w, h) = (
        VIDEO_WIDTH * STILL_SCALE_NUM / STILL_SCALE_DEN,
        VIDEO_HEIGHT * STILL_SCALE_NUM / STILL_SCALE_DEN,
    );
    FRAME_LANGS
        .iter()
        .map(|&lang| {
            Ok(VideoFrame {
                name: frame_name(p, lang),
                png: draw_card(p, lang, fonts, w, h).png()?,
            })
        })
        .collect()
}

/// Roots (Hz) of the demo films' sound beds: G3, A3, B3, C4, D4.
const CHORD_ROOTS: [f64; 5] = [196.0, 220.0, 246.94, 261.63, 293.66];

/// The arguments (without the program name) for `ffmpeg` to render the partner's 9-second 1280×720 H.264 MP4 video (with an AAC sound bed)
/// into `out`, overwriting it, from the stills of [`partner_video_frames`] written into `frames_dir`. Inputs and
/// output are addressed with the `file:` protocol (and the output forced to the MP4 muxer), so a path that starts
/// with `-` or contains `:` is still taken as a plain file.
///
/// The caller runs them, e.g. `std::process::Command::new("ffmpeg").args(args)`, when ffmpeg (with libx264) is on
/// PATH.
///
/// # Errors
/// [`DemoError::EmptyPath`] for an empty path, [`DemoError::NonUtf8Path`] when a path is not valid UTF-8.
pub fn partner_video_args(
    p: &Partner,
    frames_dir: &Path,
    out: &Path,
) -> Result<Vec<String>, DemoError> {
    let utf8 = |path: &Path| -> Result<String, DemoError> {
        if path.as_os_str().is_empty() {
            return Err(DemoError::EmptyPath);
        }
        path.to_str()
            .map(str::to_string)
            .ok_or_else(|| DemoError::NonUtf8Path(path.to_string_lossy().into_owned()))
    };
    let out = utf8(out)?;
    utf8(frames_dir)?;
    let (w, h, secs, fps) = (VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_SECONDS, VIDEO_FPS);
    let segments = FRAME_LANGS.len() as u32;
    // Each still plays `seg` frames; neighbours overlap by a crossfade; together exactly `secs` seconds.
    let seg = (secs * fps + (segments - 1) * XFADE_FRAMES) / segments;
    let xfade = f64::from(XFADE_FRAMES) / f64::from(fps);

    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for lang in FRAME_LANGS {
        let input = utf8(&frames_dir.join(frame_name(p, lang)))?;
        args.extend([
            "-f".into(),
            "image2".into(),
            "-i".into(),
            format!("file:{input}"),
        ]);
    }
    // Camera moves over the 1.5× still: zoom in, pan left to right, zoom out. At most 4 % and never more than 3 %
    // off one side, so the card's margins (about 4 %) keep every edge of its content in the picture.
    let moves = [
        (format!("1+0.04*on/{seg}"), "iw/2-iw/zoom/2".to_string()),
        (
            "1.04".to_string(),
            format!("(iw-iw/zoom)*(0.25+0.5*on/{seg})"),
        ),
        (format!("1.04-0.04*on/{seg}"), "iw/2-iw/zoom/2".to_string()),
    ];
    let mut graph = Vec::new();
    for (i, (z, x)) in moves.iter().enumerate() {
        graph.push(format!(
            "[{i}:v]zoompan=z='{z}':x='{x}':y='ih/2-ih/zoom/2':d={seg}:s={w}x{h}:fps={fps},setsar=1,format=yuv420p[s{i}]"
        ));
    }
    let mut last = "s0".to_string();
    for i in 1..segments {
        let offset = f64::from(i * (seg - XFADE_FRAMES)) / f64::from(fps);
        let next = format!("x{i}");
        graph.push(format!(
            "[{last}][s{i}]xfade=transition=fade:duration={xfade}:offset={offset}[{next}]"
        ));
        last = next;
    }
    let fade_out = f64::from(secs) - 0.6;
    graph.push(format!(
        "[{last}]fade=t=in:st=0:d=0.5,fade=t=out:st={fade_out}:d=0.6,format=yuv420p[v]"
    ));
    // A soft sound bed (a major chord over its bass, breathing slowly), rooted per city, so that the films have
    // sound like real promotional films (the screens play them muted; the portal can offer them to listen to).
    let root = CHORD_ROOTS[p.slug.bytes().map(usize::from).sum::<usize>() % CHORD_ROOTS.len()];
    args.extend([
        "-f".into(),
        "lavfi".into(),
        "-i".into(),
        format!(
            "aevalsrc='(0.5+0.5*sin(2*PI*0.25*t))*(0.06*sin(2*PI*{r}*t)+0.05*sin(2*PI*{third}*t)+0.05*sin(2*PI*{fifth}*t))+0.07*sin(2*PI*{bass}*t)':s=44100:d={secs}",
            r = root,
            third = root * 1.26,
            fifth = root * 1.5,
            bass = root / 2.0,
        ),
    ]);
    graph.push(format!(
        "[{segments}:a]afade=t=in:st=0:d=0.8,afade=t=out:st={fade_out}:d=0.6,aformat=channel_layouts=stereo[a]"
    ));

    args.extend(
        [
            "-filter_complex",
            &graph.join(";"),
            "-map",
            "[v]",
            "-map",
            "[a]",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-r",
            &fps.to_string(),
            "-g",
            &(2 * fps).to_string(),
            "-t",
            &secs.to_string(),
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            &format!("file:{out}"),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{partner_by_slug, partners};

    #[test]
    fn args_name_size_length_codec_inputs_and_output() {
        let p = partner_by_slug("lahti").unwrap();
        let args =
            partner_video_args(p, Path::new("/tmp/f"), Path::new("/tmp/x/lahti.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:/tmp/x/lahti.mp4");
        let joined = args.join(" ");
        assert!(joined.contains("s=1280x720"), "{joined}");
        assert!(joined.contains("-c:v libx264"));
        assert!(
            joined.contains("-map [a] -c:a aac"),
            "a sound bed: {joined}"
        );
        assert!(joined.contains("-t 9"));
        assert!(!joined.contains("drawtext"), "text is drawn in the stills");
        for lang in ["zh", "en", "ru"] {
            assert!(
                joined.contains(&format!("-i file:/tmp/f/lahti-{lang}.png")),
                "{lang}: {joined}"
            );
        }
        // Three stills of 85 frames overlapping by 15 twice: 225 frames = 9 s at 25 fps.
        assert!(joined.contains("d=85:"), "{joined}");
        assert!(
            joined.contains("offset=2.8[") && joined.contains("offset=5.6["),
            "{joined}"
        );
    }

    #[test]
    fn frames_match_the_args_and_decode_at_one_and_a_half_times_the_video_size() {
        let p = partner_by_slug("sorocaba").unwrap();
        let frames = partner_video_frames(p, None).unwrap();
        assert_eq!(frames.len(), 3);
        let args = partner_video_args(p, Path::new("d"), Path::new("o.mp4")).unwrap();
        for f in &frames {
            assert!(args.contains(&format!("file:d/{}", f.name)), "{}", f.name);
            let (w, h, _) = crate::card::tests::decode(&f.png);
            assert_eq!((w, h), (1920, 1080));
        }
    }

    #[test]
    fn every_partner_gets_args() {
        for p in partners() {
            let args = partner_video_args(p, Path::new("f"), Path::new("out.mp4")).unwrap();
            assert!(args.iter().any(|a| a == "-filter_complex"));
        }
    }

    #[test]
    fn awkward_paths_stay_files() {
        let p = &partners()[0];
        let args = partner_video_args(p, Path::new("-d"), Path::new("-rf.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:-rf.mp4");
        assert!(args.iter().any(|a| a == "file:-d/akashi-zh.png"));
        let args =
            partner_video_args(p, Path::new("f"), Path::new("http://example.com/x.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:http://example.com/x.mp4");
    }

    #[test]
    fn bad_paths_are_refused() {
        let p = &partners()[0];
        assert_eq!(
            partner_video_args(p, Path::new("f"), Path::new("")),
            Err(DemoError::EmptyPath)
        );
        assert_eq!(
            partner_video_args(p, Path::new(""), Path::new("o.mp4")),
            Err(DemoError::EmptyPath)
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bad = std::ffi::OsStr::from_bytes(b"/tmp/\xff.mp4");
            assert!(matches!(
                partner_video_args(p, Path::new("f"), Path::new(bad)),
                Err(DemoError::NonUtf8Path(_))
            ));
        }
    }
}
