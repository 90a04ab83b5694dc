//! Writes every partner's card PNGs (landscape and portrait, in ru, en and zh) into a directory, to look at them:
//! `cargo run -p twincast-demo --example cards -- /tmp/cards [FONT_FILE[:INDEX] ...]`. Fonts given are added in
//! order to both weights' chains (a file whose name contains "Bold" to the bold chain only); without any, the cards
//! use the built-in bitmap font.

use std::path::PathBuf;

use twincast_demo::{Fonts, Lang, Weight};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: cards DIR [FONT[:INDEX] ...]")?);
    let mut fonts = Fonts::new();
    for spec in args {
        let (path, index) = match spec.rsplit_once(':') {
            Some((p, i)) if i.parse::<u32>().is_ok() => (p.to_string(), i.parse()?),
            _ => (spec.clone(), 0),
        };
        let bytes = std::fs::read(&path)?;
        let weight = if path.contains("Bold") {
            Weight::Bold
        } else {
            Weight::Regular
        };
        fonts.add(weight, bytes, index)?;
    }
    let fonts = (!fonts.is_empty()).then_some(&fonts);
    std::fs::create_dir_all(&dir)?;
    for p in twincast_demo::partners() {
        for lang in Lang::ALL {
            let png = twincast_demo::partner_card_png(p, lang, fonts, 1280, 720)?;
            std::fs::write(dir.join(format!("{}-{}.png", p.slug, lang.code())), png)?;
            let png = twincast_demo::partner_card_png(p, lang, fonts, 720, 1280)?;
            std::fs::write(
                dir.join(format!("{}-{}-portrait.png", p.slug, lang.code())),
                png,
            )?;
        }
    }
    println!(
        "wrote {} cards to {}",
        twincast_demo::partners().len() * 6,
        dir.display()
    );
    Ok(())
}
