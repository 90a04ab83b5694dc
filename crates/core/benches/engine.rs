//! `cargo bench -p twincast-core --bench engine`
//!
//! Median wall time of `plan()` for one screen over 24 h with 1,000 eligible campaigns (29 partners, two
//! priority levels, 30% with a daily RRULE window in the screen's zone, 1–3 items of 10–30 s), and in the same
//! run a reference workload (sorting a fresh copy of 1,000 pseudo-random u64 values, 1,000 times) so results can
//! be compared across machines as a ratio.

use std::hint::black_box;
use std::time::{Duration, Instant};
use twincast_core::{plan, Campaign, ContentKind, Recurrence, Screen, Zone};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    for _ in 0..3 {
        f();
    }
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

fn campaigns() -> Vec<Campaign> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    (0..1000)
        .map(|i| {
            let mut c = Campaign::new(&format!("c{i:04}"), &format!("city{:02}", i % 29));
            c.priority = if i % 10 == 0 { 1 } else { 0 };
            c.weight = 1.0 + rnd(3) as f64;
            for k in 0..=rnd(3) {
                c = c.with_item(
                    &format!("c{i}-i{k}"),
                    ContentKind::Video,
                    10_000 + 1000 * rnd(21) as i64,
                );
            }
            if i % 10 < 3 {
                let hour = rnd(22) as i8;
                c.recurrence = Some(
                    Recurrence::new(
                        jiff::civil::date(2025, 11, 1).at(hour, 0, 0, 0),
                        "FREQ=DAILY",
                        vec![],
                        2 * 3_600_000,
                    )
                    .unwrap(),
                );
            }
            c
        })
        .collect()
}

fn main() {
    let screen = Screen::new("s1", "loc1", "airport", Zone::new("Europe/Berlin").unwrap());
    let cs = campaigns();
    let from: i64 = "2026-11-24T00:00:00+01:00"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    let to = from + 86_400_000;
    let plays = plan(&screen, &cs, &[], from, to).len();
    let engine = time(200, || {
        black_box(plan(black_box(&screen), black_box(&cs), &[], from, to));
    });

    let plain: Vec<Campaign> = cs
        .iter()
        .cloned()
        .map(|mut c| {
            c.recurrence = None;
            c
        })
        .collect();
    let no_rrule = time(200, || {
        black_box(plan(black_box(&screen), black_box(&plain), &[], from, to));
    });
    let mut buf = Vec::new();
    let expand = time(200, || {
        for c in &cs {
            buf.clear();
            c.active_intervals(&screen, from, to, &mut buf);
        }
        black_box(&buf);
    });
    println!(
        "engine without RRULEs: median {:.3} ms; RRULE expansion alone: median {:.3} ms",
        no_rrule.as_secs_f64() * 1e3,
        expand.as_secs_f64() * 1e3
    );
    let mut x = 88172645463325252u64;
    let data: Vec<u64> = (0..1000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        })
        .collect();
    let reference = time(20, || {
        for _ in 0..1000 {
            let mut v = data.clone();
            v.sort_unstable();
            black_box(v);
        }
    });
    println!(
        "engine: plan 24 h, 1,000 eligible campaigns ({plays} plays): median {:.3} ms",
        engine.as_secs_f64() * 1e3
    );
    println!(
        "reference: sort 1,000 u64 x 1,000: median {:.3} ms",
        reference.as_secs_f64() * 1e3
    );
    println!(
        "ratio engine/reference: {:.3}",
        engine.as_secs_f64() / reference.as_secs_f64()
    );
}
