//! Writes a partner's video stills into FRAMES_DIR and prints the ffmpeg arguments that turn them into OUT.mp4,
//! one per line: `cargo run -p twincast-demo --example video -- SLUG FRAMES_DIR OUT.mp4 [FONT_FILE[:INDEX] ...]`
//! (fonts as in the `cards` example; without any, the bitmap font).

use twincast_demo::{Fonts, Weight};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: video SLUG FRAMES_DIR OUT [FONT[:INDEX] ...]";
    let (slug, frames, out) = (
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
    );
    let mut fonts = Fonts::new();
    for spec in args {
        let (path, index) = match spec.rsplit_once(':') {
            Some((p, i)) if i.parse::<u32>().is_ok() => (p.to_string(), i.parse()?),
            _ => (spec.clone(), 0),
        };
        let weight = if path.contains("Bold") {
            Weight::Bold
        } else {
            Weight::Regular
        };
        fonts.add(weight, std::fs::read(&path)?, index)?;
    }
    let fonts = (!fonts.is_empty()).then_some(&fonts);
    let p =
        twincast_demo::partner_by_slug(&slug).ok_or_else(|| format!("unknown partner {slug:?}"))?;
    let frames = std::path::Path::new(&frames);
    std::fs::create_dir_all(frames)?;
    for f in twincast_demo::partner_video_frames(p, fonts)? {
        std::fs::write(frames.join(&f.name), &f.png)?;
    }
    for a in twincast_demo::partner_video_args(p, frames, std::path::Path::new(&out))? {
        println!("{a}");
    }
    Ok(())
}
