//! Optional transcoding with the `ffmpeg`/`ffprobe` binaries on `PATH`.
//!
//! Every function writes to a temporary name next to its output and renames at the end, so an output path
//! never holds a half-written file. Failures carry the end of ffmpeg's stderr.

use std::path::{Path, PathBuf};

use crate::MediaError;

mod captions;
mod run;
pub use captions::{burn_captions, filter_value, STYLE as CAPTION_STYLE};
pub use run::{available, progress_line_us, Control, CANCELLED, NICENESS};
use run::{check_available, run, run_ctl};

/// HLS segment length in seconds (keyframes are forced on this grid so every segment has the same length).
pub const HLS_SEGMENT_SECONDS: u32 = 4;

/// The HLS renditions produced by [`hls`]: (name, height, video bitrate, audio bitrate).
pub const HLS_RENDITIONS: [(&str, u32, &str, &str); 2] =
    [("360p", 360, "800k", "96k"), ("720p", 720, "2500k", "128k")];

fn path_str(p: &Path) -> Result<&str, MediaError> {
    p.to_str()
        .ok_or_else(|| MediaError::Ffmpeg(format!("path is not UTF-8: {}", p.display())))
}

/// A sibling temp path with the same extension (ffmpeg picks the muxer from it).
fn temp_sibling(out: &Path) -> PathBuf {
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    let name = format!(".tmp-{}.{ext}", uuid::Uuid::new_v4().simple());
    out.with_file_name(name)
}

async fn finish_temp(
    tmp: &Path,
    out: &Path,
    res: Result<Vec<u8>, MediaError>,
) -> Result<(), MediaError> {
    match res {
        Ok(_) if tokio::fs::metadata(tmp).await.is_ok_and(|m| m.len() > 0) => {
            tokio::fs::rename(tmp, out).await?;
            Ok(())
        }
        Ok(_) => {
            let _ = tokio::fs::remove_file(tmp).await;
            Err(MediaError::Ffmpeg("ffmpeg produced no output".into()))
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(tmp).await;
            Err(e)
        }
    }
}

/// Does the input have an audio stream?
async fn has_audio(input: &Path) -> Result<bool, MediaError> {
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "a",
            "-show_entries",
            "stream=index",
            "-of",
            "csv=p=0",
            path_str(input)?,
        ],
    )
    .await?;
    Ok(!String::from_utf8_lossy(&out).trim().is_empty())
}

/// The codec names ffprobe uses, as Twincast names them (what players report in their heartbeat's `decodes`).
pub fn codec_name(ffprobe: &str) -> String {
    match ffprobe {
        "hevc" => "h265".into(),
        "mpeg2video" => "mpeg2".into(),
        "mpeg1video" => "mpeg1".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// Width, height, duration and codec of the first video stream, read by ffprobe (for what the native probe does
/// not read: ProRes, MPEG-2, Matroska, …). A file ffprobe cannot read is [`MediaError::Corrupt`] with its reason;
/// one without a video stream (or only a still picture, such as cover art) is [`MediaError::UnsupportedType`].
pub async fn probe(input: &Path) -> Result<crate::Probe, MediaError> {
    check_available()?;
    let out = run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height,disposition:format=duration",
            "-of",
            "json",
            path_str(input)?,
        ],
    )
    .await
    .map_err(|e| match e {
        MediaError::Ffmpeg(m) => MediaError::Corrupt(format!("ffprobe cannot read it ({m})")),
        e => e,
    })?;
    let v: serde_json::Value = serde_json::from_slice(&out)
        .map_err(|e| MediaError::Corrupt(format!("ffprobe answered no JSON: {e}")))?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let video = streams
        .iter()
        .find(|s| {
            s["codec_type"] == "video"
                && s["disposition"]["attached_pic"].as_i64().unwrap_or(0) == 0
        })
        .ok_or(MediaError::UnsupportedType)?;
    let dim = |k: &str| {
        video[k]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n > 0)
    };
    let duration_ms = v["format"]["duration"]
        .as_str()
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| (d * 1000.0).round() as u64);
    Ok(crate::Probe {
        width: dim("width"),
        height: dim("height"),
        duration_ms,
        codec: video["codec_name"].as_str().map(codec_name),
    })
}

/// A JPEG thumbnail at most 640 px wide: the frame at 1 s (or the first frame of shorter videos and images).
pub async fn thumbnail(input: &Path, out_jpeg: &Path) -> Result<(), MediaError> {
    frame_jpeg(input, out_jpeg, 640, "4").await
}

async fn frame_jpeg(input: &Path, out_jpeg: &Path, max_w: u32, q: &str) -> Result<(), MediaError> {
    check_available()?;
    let inp = path_str(input)?;
    let tmp = temp_sibling(out_jpeg);
    let t = path_str(&tmp)?;
    let vf = format!("scale='min({max_w},iw)':-2");
    let common = [
        "-frames:v",
        "1",
        "-vf",
        &vf,
        "-q:v",
        q,
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        t,
    ];
    let mut args = vec!["-nostdin", "-y", "-v", "error", "-ss", "1", "-i", inp];
    args.extend(common);
    let first = run("ffmpeg", &args).await;
    if first.is_ok() && tokio::fs::metadata(&tmp).await.is_ok_and(|m| m.len() > 0) {
        return finish_temp(&tmp, out_jpeg, first).await;
    }
    // shorter than 1 s, or a still image: take the first frame
    let mut args = vec!["-nostdin", "-y", "-v", "error", "-i", inp];
    args.extend(common);
    let res = run("ffmpeg", &args).await;
    finish_temp(&tmp, out_jpeg, res).await
}

/// Transcode to a web-safe MP4: H.264 (yuv420p, even dimensions), AAC audio if the input has audio,
/// `moov` first (faststart), at the source's size ([`screen_mp4`] with no cap).
pub async fn normalize_mp4(input: &Path, out_mp4: &Path) -> Result<(), MediaError> {
    screen_mp4(input, out_mp4, 0, &Control::new(), None).await
}

/// The scale filter of a screen rendition: the source's size, its short side capped at `max_short_side` pixels
/// (0: no cap; never enlarged), both sides even, the orientation kept (a portrait cut stays portrait).
pub fn screen_scale(max_short_side: u32) -> String {
    if max_short_side == 0 {
        return "scale=trunc(iw/2)*2:trunc(ih/2)*2".into();
    }
    let c = max_short_side;
    format!(
        "scale=w='if(gte(iw,ih),-2,trunc(min(iw,{c})/2)*2)':h='if(gte(iw,ih),trunc(min(ih,{c})/2)*2,-2)'"
    )
}

/// The H.264/AAC MP4 screens play: yuv420p, its short side capped at `max_short_side` ([`screen_scale`]), AAC
/// stereo if the input has sound, `moov` first (faststart). Progress (of `duration_ms`) and cancel through `ctl`.
pub async fn screen_mp4(
    input: &Path,
    out_mp4: &Path,
    max_short_side: u32,
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<(), MediaError> {
    screen_mp4_drawing(input, out_mp4, max_short_side, None, ctl, duration_ms).await
}

/// [`screen_mp4`] with `draw`, a filter appended to its video filter chain (burnt-in captions).
async fn screen_mp4_drawing(
    input: &Path,
    out_mp4: &Path,
    max_short_side: u32,
    draw: Option<&str>,
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<(), MediaError> {
    check_available()?;
    let tmp = temp_sibling(out_mp4);
    let audio = has_audio(input).await?;
    let args = screen_mp4_args_drawing(input, &tmp, max_short_side, audio, draw)?;
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let res = run_ctl(&refs, ctl, duration_ms).await.map(|()| Vec::new());
    finish_temp(&tmp, out_mp4, res).await
}

/// The ffmpeg arguments of [`screen_mp4`] (after `ffmpeg`): what `bench/transcode.sh` runs alone to compare.
pub fn screen_mp4_args(
    input: &Path,
    out: &Path,
    max_short_side: u32,
    audio: bool,
) -> Result<Vec<String>, MediaError> {
    screen_mp4_args_drawing(input, out, max_short_side, audio, None)
}

fn screen_mp4_args_drawing(
    input: &Path,
    out: &Path,
    max_short_side: u32,
    audio: bool,
    draw: Option<&str>,
) -> Result<Vec<String>, MediaError> {
    let mut args: Vec<String> = [
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        path_str(input)?,
        "-map",
        "0:v:0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if audio {
        args.extend(
            ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
                .iter()
                .map(|s| s.to_string()),
        );
    }
    // Square pixels: rounding a side to even must not leave a sample aspect ratio players stretch by.
    let mut vf = format!("{},setsar=1,format=yuv420p", screen_scale(max_short_side));
    if let Some(f) = draw {
        vf = format!("{vf},{f}");
    }
    args.extend(
        [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-pix_fmt",
            "yuv420p",
            "-vf",
            &vf,
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            path_str(out)?,
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    Ok(args)
}

/// The poster: a JPEG of the frame at 1 s (or the first frame of shorter videos), at most 1280 px wide.
pub async fn poster(input: &Path, out_jpeg: &Path) -> Result<(), MediaError> {
    frame_jpeg(input, out_jpeg, 1280, "2").await
}

/// The storyboard sprite of `plan` (a JPEG grid of frames, one every `plan.interval_s` seconds) for scrubbing.
pub async fn storyboard(
    input: &Path,
    out_jpeg: &Path,
    plan: &crate::storyboard::Storyboard,
) -> Result<(), MediaError> {
    check_available()?;
    let tmp = temp_sibling(out_jpeg);
    let vf = format!(
        "fps=1/{},scale={}:{},tile={}x{}",
        plan.interval_s, plan.tile_w, plan.tile_h, plan.columns, plan.rows
    );
    let args = [
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        path_str(input)?,
        "-an",
        "-vf",
        &vf,
        "-frames:v",
        "1",
        "-q:v",
        "5",
        "-f",
        "image2",
        "-c:v",
        "mjpeg",
        path_str(&tmp)?,
    ];
    let res = run("ffmpeg", &args).await;
    finish_temp(&tmp, out_jpeg, res).await
}

/// The loudness the portal's sound is normalised to: EBU R128 (−23 LUFS integrated, −1 dBTP true peak), by
/// ffmpeg's `loudnorm` in one pass, resampled to 48 kHz.
pub const LOUDNORM: &str = "loudnorm=I=-23:TP=-1:LRA=7,aresample=48000";

/// Bit rate of the audio-only rendition (AAC, stereo): a tenth of the smallest video rendition, for listening
/// on a slow or metered connection.
pub const AUDIO_ONLY_BITRATE: &str = "96k";

/// The sound of a video alone, as AAC in an MP4 container (`.m4a`, `moov` first), loudness-normalised
/// ([`LOUDNORM`]), for listening without the picture. `Ok(false)` and no file when the input has no audio stream.
pub async fn audio_only(input: &Path, out_m4a: &Path) -> Result<bool, MediaError> {
    check_available()?;
    if !has_audio(input).await? {
        return Ok(false);
    }
    let tmp = temp_sibling(out_m4a);
    let args = [
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        path_str(input)?,
        "-map",
        "0:a:0",
        "-vn",
        "-af",
        LOUDNORM,
        "-c:a",
        "aac",
        "-b:a",
        AUDIO_ONLY_BITRATE,
        "-ac",
        "2",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        path_str(&tmp)?,
    ];
    let res = run("ffmpeg", &args).await;
    finish_temp(&tmp, out_m4a, res).await?;
    Ok(true)
}

/// HLS (fMP4 segments) in the [`HLS_RENDITIONS`], keyframes forced every [`HLS_SEGMENT_SECONDS`] so segments
/// are even. Writes `out_dir/master.m3u8`, `out_dir/<name>/index.m3u8`, an init segment (`init_N.mp4`, named in
/// the playlist's `EXT-X-MAP`) and `seg_NNNNN.m4s`, and
/// returns every written file relative to `out_dir` (sorted, `/`-separated).
///
/// Built in a temp directory beside `out_dir` and renamed into place at the end; `out_dir` must not exist yet
/// (or be empty).
pub async fn hls(input: &Path, out_dir: &Path) -> Result<Vec<String>, MediaError> {
    hls_with(input, out_dir, &Control::new(), None).await
}

/// [`hls`] with its sound loudness-normalised ([`LOUDNORM`]), progress (of `duration_ms`) and cancel through
/// `ctl`.
pub async fn hls_with(
    input: &Path,
    out_dir: &Path,
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<Vec<String>, MediaError> {
    check_available()?;
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tokio::fs::create_dir_all(parent).await?;
    let work = parent.join(format!(".hls-tmp-{}", uuid::Uuid::new_v4().simple()));
    let res = hls_into(input, &work, ctl, duration_ms).await;
    let res = match res {
        Ok(()) => {
            if tokio::fs::metadata(out_dir).await.is_ok() {
                // rename over an empty directory works; a non-empty one is an error we report
                let _ = tokio::fs::remove_dir(out_dir).await;
            }
            tokio::fs::rename(&work, out_dir)
                .await
                .map_err(MediaError::from)
        }
        Err(e) => Err(e),
    };
    if let Err(e) = res {
        let _ = tokio::fs::remove_dir_all(&work).await;
        return Err(e);
    }
    let mut files = Vec::new();
    list_rel(out_dir, out_dir, &mut files)?;
    files.sort();
    Ok(files)
}

async fn hls_into(
    input: &Path,
    work: &Path,
    ctl: &Control,
    duration_ms: Option<u64>,
) -> Result<(), MediaError> {
    for (name, ..) in HLS_RENDITIONS {
        tokio::fs::create_dir_all(work.join(name)).await?;
    }
    let audio = has_audio(input).await?;
    let n = HLS_RENDITIONS.len();
    let mut filter = format!("[0:v:0]split={n}");
    for i in 0..n {
        filter.push_str(&format!("[v{i}]"));
    }
    for (i, (_, h, ..)) in HLS_RENDITIONS.iter().enumerate() {
        filter.push_str(&format!(";[v{i}]scale=-2:{h},format=yuv420p[v{i}o]"));
    }
    if audio {
        // The sound is normalised once and shared by every rendition.
        filter.push_str(&format!(";[0:a:0]{LOUDNORM},asplit={n}"));
        for i in 0..n {
            filter.push_str(&format!("[a{i}o]"));
        }
    }
    let gop = (HLS_SEGMENT_SECONDS * 25).to_string();
    let keyframes = format!("expr:gte(t,n_forced*{HLS_SEGMENT_SECONDS})");
    let mut args: Vec<String> = [
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        path_str(input)?,
        "-filter_complex",
        &filter,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut stream_map = Vec::new();
    for (i, (name, _, vb, ab)) in HLS_RENDITIONS.iter().enumerate() {
        args.extend(["-map".into(), format!("[v{i}o]")]);
        args.extend([
            format!("-c:v:{i}"),
            "libx264".into(),
            format!("-b:v:{i}"),
            vb.to_string(),
        ]);
        args.extend([
            format!("-maxrate:v:{i}"),
            vb.to_string(),
            format!("-bufsize:v:{i}"),
            vb.to_string(),
        ]);
        if audio {
            args.extend([
                "-map".into(),
                format!("[a{i}o]"),
                format!("-c:a:{i}"),
                "aac".into(),
            ]);
            args.extend([
                format!("-b:a:{i}"),
                ab.to_string(),
                format!("-ac:a:{i}"),
                "2".into(),
            ]);
            stream_map.push(format!("v:{i},a:{i},name:{name}"));
        } else {
            stream_map.push(format!("v:{i},name:{name}"));
        }
    }
    let seg_pattern = work.join("%v").join("seg_%05d.m4s");
    let playlist = work.join("%v").join("index.m3u8");
    args.extend(
        [
            "-preset",
            "veryfast",
            "-force_key_frames",
            &keyframes,
            "-g",
            &gop,
            "-sc_threshold",
            "0",
            "-f",
            "hls",
            "-hls_time",
            &HLS_SEGMENT_SECONDS.to_string(),
            "-hls_playlist_type",
            "vod",
            "-hls_segment_type",
            "fmp4",
            "-hls_flags",
            "independent_segments",
            "-master_pl_name",
            "master.m3u8",
            "-var_stream_map",
            &stream_map.join(" "),
            "-hls_segment_filename",
            path_str(&seg_pattern)?,
            path_str(&playlist)?,
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run_ctl(&refs, ctl, duration_ms).await?;
    if tokio::fs::metadata(work.join("master.m3u8")).await.is_err() {
        return Err(MediaError::Ffmpeg("ffmpeg wrote no master playlist".into()));
    }
    Ok(())
}

fn list_rel(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), MediaError> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let p = entry.path();
        if entry.file_type()?.is_dir() {
            list_rel(root, &p, out)?;
        } else if let Ok(rel) = p.strip_prefix(root) {
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(parts.join("/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_and_spans() {
        assert_eq!(progress_line_us("out_time_us=1500000"), Some(1_500_000));
        assert_eq!(progress_line_us("out_time_ms=-5"), Some(0));
        assert_eq!(progress_line_us("out_time=00:00:01.5"), None);
        let c = Control::new();
        c.step(20, 60);
        assert_eq!(c.percent(), 20);
        c.report(500_000, 1_000_000);
        assert_eq!(c.percent(), 40);
        c.report(100_000, 1_000_000);
        assert_eq!(c.percent(), 40, "never goes back");
        c.report(9_000_000, 1_000_000);
        assert_eq!(c.percent(), 60, "a run stays in its span");
    }
}
