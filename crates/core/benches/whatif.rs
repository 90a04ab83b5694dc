//! `cargo bench -p twincast-core --bench whatif`
//!
//! The engine side of the what-if benchmark (`./bench/whatif.sh` measures it through the API): a network shaped
//! like `twincast fleet provision` (10,000 screens in 100 locations of 4 kinds and 4 zones, a fifth portrait;
//! 1,000 campaigns of 50 partners, one in ten everywhere, five a kind of place, four one place; two 10-15 s
//! slides each), a change to a campaign that targets every screen, 14 days; in the same run, `simulate` of one
//! screen (today's single-screen answer) as the reference.

use std::hint::black_box;
use std::time::{Duration, Instant};
use twincast_core::{
    simulate, whatif, Campaign, ContentKind, Orientation, Screen, Targets, WhatIfInput, Zone,
};

const KINDS: [&str; 4] = ["airport", "street", "metro", "bus_terminal"];
const ZONES: [&str; 4] = [
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    f();
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let screens: Vec<Screen> = (1..=10_000usize)
        .map(|i| {
            let l = (i - 1) % 100 + 1;
            let mut s = Screen::new(
                &format!("s{i:05}"),
                &format!("l{l:03}"),
                KINDS[l % 4],
                Zone::new(ZONES[l % 4]).unwrap(),
            );
            s.lat = 31.0 + (l % 50) as f64 * 0.01;
            s.lon = 120.0 + (l / 50) as f64 * 0.01;
            s.tags = vec!["fleet".into()];
            if i % 5 == 0 {
                s.orientation = Orientation::Portrait;
            }
            s
        })
        .collect();
    let campaigns: Vec<Campaign> = (0..1000usize)
        .map(|i| {
            let mut c = Campaign::new(&format!("c{i:04}"), &format!("p{:03}", i % 50 + 1))
                .with_item("card", ContentKind::Html, 10_000)
                .with_item("card2", ContentKind::Html, 15_000);
            c.targets = match i % 10 {
                0 => Targets::default(),
                1..=5 => Targets {
                    location_kinds: vec![KINDS[i % 4].into()],
                    ..Targets::default()
                },
                _ => Targets {
                    locations: vec![format!("l{:03}", i % 100 + 1)],
                    ..Targets::default()
                },
            };
            c
        })
        .collect();
    let mut after = campaigns.clone();
    after[0].weight = 4.0;
    let from: i64 = "2026-11-24T12:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    let input = WhatIfInput {
        screens: &screens,
        before: [&campaigns, &campaigns],
        after: [&after, &after],
        alerts: &[],
        filter: None,
        from,
        days: 14,
    };
    let w = whatif(&input);
    let network = time(3, || {
        black_box(whatif(black_box(&input)));
    });
    let one = time(3, || {
        black_box(simulate(black_box(&screens[0]), &campaigns, &[], from, 14));
    });
    println!(
        "what-if, whole network ({} screens affected, {} classes, {} simulations), 14 days: median {:.1} ms",
        w.screens,
        w.classes.len(),
        w.simulations,
        network.as_secs_f64() * 1e3
    );
    println!(
        "simulate, one screen, 14 days: median {:.1} ms",
        one.as_secs_f64() * 1e3
    );
    println!("ratio: {:.2}", network.as_secs_f64() / one.as_secs_f64());
}
