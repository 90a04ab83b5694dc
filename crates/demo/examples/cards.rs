//! Writes every partner's card PNG into a directory, to look at them:
//! `cargo run -p twincast-demo --example cards -- /tmp/cards`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: cards DIR")?);
    std::fs::create_dir_all(&dir)?;
    for p in twincast_demo::partners() {
        let png = twincast_demo::partner_card_png(p, 960, 600)?;
        std::fs::write(dir.join(format!("{}.png", p.slug)), png)?;
    }
    println!(
        "wrote {} cards to {}",
        twincast_demo::partners().len(),
        dir.display()
    );
    Ok(())
}
