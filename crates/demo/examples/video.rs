//! Prints the ffmpeg arguments of a partner's card video, one per line:
//! `cargo run -p twincast-demo --example video -- SLUG OUT.mp4`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (slug, out) = (
        args.next().ok_or("usage: video SLUG OUT")?,
        args.next().ok_or("usage: video SLUG OUT")?,
    );
    let p =
        twincast_demo::partner_by_slug(&slug).ok_or_else(|| format!("unknown partner {slug:?}"))?;
    for a in twincast_demo::partner_video_args(p, std::path::Path::new(&out))? {
        println!("{a}");
    }
    Ok(())
}
