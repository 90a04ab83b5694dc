//! ffmpeg arguments for a short card video per partner, from lavfi sources only.
//!
//! The video: flag-colour bands inside a white frame, a white panel in the middle, a square in the flag's second
//! colour swinging across it, a progress bar filling along the bottom, fade in and out. No `drawtext`: a font file
//! cannot be assumed on every machine.

use std::path::Path;

use crate::{DemoError, Partner, Rgb};

/// Width of the card video in pixels.
pub const VIDEO_WIDTH: u32 = 1280;
/// Height of the card video in pixels.
pub const VIDEO_HEIGHT: u32 = 720;
/// Length of the card video in seconds.
pub const VIDEO_SECONDS: u32 = 9;
/// Frame rate of the card video.
pub const VIDEO_FPS: u32 = 25;

/// The arguments (without the program name) for `ffmpeg` to render the partner's 9-second 1280×720 H.264 MP4 card
/// video into `out`, overwriting it. The output is forced to the MP4 muxer and addressed with the `file:` protocol,
/// so a path that starts with `-` or contains `:` is still taken as a plain file.
///
/// The caller runs them, e.g. `std::process::Command::new("ffmpeg").args(args)`, when ffmpeg (with libx264) is on
/// PATH.
///
/// # Errors
/// [`DemoError::EmptyPath`] for an empty path, [`DemoError::NonUtf8Path`] when `out` is not valid UTF-8.
pub fn partner_video_args(p: &Partner, out: &Path) -> Result<Vec<String>, DemoError> {
    if out.as_os_str().is_empty() {
        return Err(DemoError::EmptyPath);
    }
    let out = out
        .to_str()
        .ok_or_else(|| DemoError::NonUtf8Path(out.to_string_lossy().into_owned()))?;

    let colors: &[Rgb] = if p.flag_colors.is_empty() {
        &[Rgb(255, 255, 255)]
    } else {
        p.flag_colors
    };
    let accent = colors.get(1).copied().unwrap_or(colors[0]);
    let (w, h, secs, fps) = (VIDEO_WIDTH, VIDEO_HEIGHT, VIDEO_SECONDS, VIDEO_FPS);
    let n = colors.len() as u32;

    let mut chain = Vec::new();
    for (i, c) in colors.iter().enumerate() {
        let (y0, y1) = (h * i as u32 / n, h * (i as u32 + 1) / n);
        chain.push(format!(
            "drawbox=x=0:y={y0}:w={w}:h={}:color={}:t=fill",
            y1 - y0,
            c.to_ffmpeg()
        ));
    }
    chain.push("drawbox=x=0:y=0:w=iw:h=ih:color=white:t=24".to_string());
    let (pw, ph) = (w / 2, h / 2);
    chain.push(format!(
        "drawbox=x={}:y={}:w={pw}:h={ph}:color=white:t=fill",
        (w - pw) / 2,
        (h - ph) / 2
    ));
    let sq = ph / 2;
    let fade_out = f64::from(secs) - 0.6;
    let graph = format!(
        "[0:v]{bands}[bg];\
         color=c={accent}:s={sq}x{sq}:r={fps}:d={secs}[sq];\
         color=c=white:s={w}x10:r={fps}:d={secs}[bar];\
         [bg][sq]overlay=x='(W-w)/2+{amp}*sin(2*PI*t/{secs})':y='(H-h)/2':shortest=1[v1];\
         [v1][bar]overlay=x='-w+w*t/{secs}':y=H-34:shortest=1,\
         fade=t=in:st=0:d=0.6,fade=t=out:st={fade_out}:d=0.6,format=yuv420p[v]",
        bands = chain.join(","),
        accent = accent.to_ffmpeg(),
        amp = (pw - sq) / 2,
    );

    let args = [
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        &format!(
            "color=c={}:s={w}x{h}:r={fps}:d={secs}",
            colors[0].to_ffmpeg()
        ),
        "-filter_complex",
        &graph,
        "-map",
        "[v]",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "23",
        "-pix_fmt",
        "yuv420p",
        "-g",
        &(2 * fps).to_string(),
        "-t",
        &secs.to_string(),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        &format!("file:{out}"),
    ];
    Ok(args.iter().map(|s| s.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{partner_by_slug, partners};

    #[test]
    fn args_name_size_length_codec_and_output() {
        let p = partner_by_slug("lahti").unwrap();
        let args = partner_video_args(p, Path::new("/tmp/x/lahti.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:/tmp/x/lahti.mp4");
        let joined = args.join(" ");
        assert!(joined.contains("s=1280x720"), "{joined}");
        assert!(joined.contains("-c:v libx264"));
        assert!(joined.contains("-t 9"));
        assert!(!joined.contains("drawtext"), "no font dependency");
        for c in p.flag_colors {
            assert!(joined.contains(&c.to_ffmpeg()), "colour {c:?} missing");
        }
    }

    #[test]
    fn every_partner_gets_args() {
        for p in partners() {
            let args = partner_video_args(p, Path::new("out.mp4")).unwrap();
            assert!(args.iter().any(|a| a == "-filter_complex"));
            // Every band is at least one pixel high.
            assert!(!args.iter().any(|a| a.contains(":h=0:")), "{}", p.slug);
        }
    }

    #[test]
    fn awkward_paths_stay_files() {
        let p = &partners()[0];
        let args = partner_video_args(p, Path::new("-rf.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:-rf.mp4");
        let args = partner_video_args(p, Path::new("http://example.com/x.mp4")).unwrap();
        assert_eq!(args.last().unwrap(), "file:http://example.com/x.mp4");
    }

    #[test]
    fn bad_paths_are_refused() {
        let p = &partners()[0];
        assert_eq!(
            partner_video_args(p, Path::new("")),
            Err(DemoError::EmptyPath)
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let bad = std::ffi::OsStr::from_bytes(b"/tmp/\xff.mp4");
            assert!(matches!(
                partner_video_args(p, Path::new(bad)),
                Err(DemoError::NonUtf8Path(_))
            ));
        }
    }
}
