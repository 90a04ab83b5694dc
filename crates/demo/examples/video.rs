//! Writes a partner's video stills into FRAMES_DIR (with the bitmap font) and prints the ffmpeg arguments that turn
//! them into OUT.mp4, one per line: `cargo run -p twincast-demo --example video -- SLUG FRAMES_DIR OUT.mp4`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: video SLUG FRAMES_DIR OUT";
    let (slug, frames, out) = (
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
        args.next().ok_or(usage)?,
    );
    let p =
        twincast_demo::partner_by_slug(&slug).ok_or_else(|| format!("unknown partner {slug:?}"))?;
    let frames = std::path::Path::new(&frames);
    std::fs::create_dir_all(frames)?;
    for f in twincast_demo::partner_video_frames(p, None)? {
        std::fs::write(frames.join(&f.name), &f.png)?;
    }
    for a in twincast_demo::partner_video_args(p, frames, std::path::Path::new(&out))? {
        println!("{a}");
    }
    Ok(())
}
