//! Twincast's screen-rendition step on one file, for `bench/transcode.sh`.
//!
//! `transcode_bench args INPUT OUTPUT CAP` prints the ffmpeg arguments of that step, one a line (the script runs
//! them alone, as the reference); `transcode_bench run INPUT OUTPUT CAP` runs the step as the media job worker
//! does ([`twincast_media::ffmpeg::screen_mp4`]: under `nice`, with `-progress` read into a progress control) and
//! prints its wall time in seconds.

use std::path::Path;
use std::time::Instant;
use twincast_media::ffmpeg;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: transcode_bench args|run INPUT OUTPUT CAP");
        std::process::exit(2);
    }
    let (input, output) = (Path::new(&a[2]), Path::new(&a[3]));
    let cap: u32 = a[4].parse().expect("CAP is a number");
    match a[1].as_str() {
        "args" => {
            for arg in ffmpeg::screen_mp4_args(input, output, cap, true).expect("UTF-8 paths") {
                println!("{arg}");
            }
        }
        "run" => {
            let probe = ffmpeg::probe(input).await.expect("ffprobe reads the input");
            let ctl = ffmpeg::Control::new();
            let t = Instant::now();
            ffmpeg::screen_mp4(input, output, cap, &ctl, probe.duration_ms)
                .await
                .expect("the screen rendition is made");
            println!("{:.3}", t.elapsed().as_secs_f64());
            eprintln!("progress reported: {} %", ctl.percent());
        }
        other => {
            eprintln!("unknown mode {other:?}");
            std::process::exit(2);
        }
    }
}
