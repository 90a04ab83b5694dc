//! Prints the demo partners as a Markdown table: `cargo run -p twincast-demo --example list`.

fn main() {
    println!("| slug | en | ru | zh | country | continent | since | verified |");
    println!("|---|---|---|---|---|---|---|---|");
    for p in twincast_demo::partners() {
        let since = p.since.map(|y| y.to_string()).unwrap_or_else(|| "?".into());
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            p.slug,
            p.names.en,
            p.names.ru,
            p.names.zh,
            p.country,
            p.continent.code(),
            since,
            if p.verified { "yes" } else { "no" }
        );
    }
}
