//! Print what twincast-media sees in files: `cargo run -p twincast-media --example probe -- FILE...`

fn main() {
    for arg in std::env::args().skip(1) {
        let path = std::path::Path::new(&arg);
        let head = match std::fs::read(path) {
            Ok(b) => b
                .into_iter()
                .take(twincast_media::SNIFF_LEN)
                .collect::<Vec<u8>>(),
            Err(e) => {
                println!("{arg}: {e}");
                continue;
            }
        };
        match twincast_media::sniff(&head) {
            None => println!("{arg}: unrecognised"),
            Some(t) => println!("{arg}: {t:?} {:?}", twincast_media::probe_file(path, t)),
        }
    }
}
