//! Proof of play's benchmark (bench/proof.sh; docs/benchmarks.md, "Proof of play"): appending plays to the
//! transparency log against plain inserts of the same rows in the same run, a month's report over a network of
//! screens, and inclusion-proof generation latency. Prints one JSON object.
//!
//! Knobs (env): `BENCH_PLAYS` (1,000,000), `BENCH_SCREENS` (10,000), `BENCH_BATCH` (plays per batch, 500),
//! `BENCH_PROOFS` (1,000), `BENCH_DIR` (a scratch directory, required), `BENCH_DATABASE_URL` (default SQLite in
//! `BENCH_DIR`).
//!
//! It measures `twincast_app`'s proof of play, but lives among the CLI's examples so that its release build reuses
//! what `cargo build --release -p twincast-cli` compiled (a bench target of `twincast-app` resolves other features
//! and rebuilt most dependencies).

use std::collections::BTreeMap;
use std::time::Instant;
use twincast_app::{Actor, App, Settings};
use twincast_core::proof::PlayRecord;
use twincast_store::{PartnerInput, Role, Store, User};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// 2026-11-01T00:00:00Z
const START: i64 = 1_793_491_200_000;
const DAY: i64 = 86_400_000;

/// Play `i` of `n` spread evenly over 30 days and `screens` screens, 10 partners.
fn play(i: u64, n: u64, screens: u64) -> PlayRecord {
    let screen = i % screens;
    let partner = (i / screens) % 10;
    let at = START + ((i as i128 * 30 * DAY as i128) / n as i128) as i64;
    PlayRecord {
        v: 1,
        reference: format!("{:032x}", i),
        event: format!("e{i}"),
        screen: format!("screen-{screen:05}"),
        location: format!("loc-{:03}", screen % 50),
        device: Some(format!("dev-{screen:05}")),
        partner: Some(format!("p{partner}")),
        campaign: Some(format!("c{partner}")),
        item: Some("item".into()),
        alert: None,
        media: Some("ab".repeat(32)),
        started_at: at,
        utc_offset_s: 3600,
        planned_ms: Some(10_000),
        actual_ms: 10_000 + (i % 7) as i64 * 100,
        policy: "count-v1".into(),
        counted: !i.is_multiple_of(13),
        reason: None,
        received_at: at + 11_000,
        batch: None,
    }
}

async fn store(url: &str) -> Store {
    Store::connect(url).await.expect("the database opens")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n = env("BENCH_PLAYS", 1_000_000);
    let screens = env("BENCH_SCREENS", 10_000);
    let batch = env("BENCH_BATCH", 500) as usize;
    let proofs = env("BENCH_PROOFS", 1_000);
    let dir = std::path::PathBuf::from(std::env::var("BENCH_DIR").expect("BENCH_DIR is set"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = |name: &str| {
        std::env::var("BENCH_DATABASE_URL")
            .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join(name).display()))
    };

    // Plain inserts of the same rows (the reference): one INSERT per row, one transaction per batch, as the log
    // append does, without the leaves.
    let plain = store(&url("plain.db")).await;
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let rows: Vec<PlayRecord> = (i..(i + batch as u64).min(n))
            .map(|k| play(k, n, screens))
            .collect();
        plain.bench_insert_plays_unlogged(&rows).await.unwrap();
        i += rows.len() as u64;
    }
    let plain_s = t.elapsed().as_secs_f64();
    drop(plain);

    // The same rows appended to the log (each play a leaf, its completed subtrees, in the batch's transaction).
    let logged = store(&url("log.db")).await;
    let t = Instant::now();
    let mut i = 0;
    while i < n {
        let rows: Vec<PlayRecord> = (i..(i + batch as u64).min(n))
            .map(|k| play(k, n, screens))
            .collect();
        logged
            .append_plays("bench", None, &rows, START)
            .await
            .unwrap();
        i += rows.len() as u64;
    }
    let log_s = t.elapsed().as_secs_f64();

    let storage = twincast_media::Storage::open("", &dir.join("objects"))
        .await
        .unwrap();
    let app = App::new(logged, storage, Settings::default());
    app.store
        .create_partner(
            &PartnerInput {
                slug: "p3".into(),
                names: BTreeMap::from([("en".to_string(), "P3".to_string())]),
                country: "DE".into(),
                continent: "europe".into(),
                lat: None,
                lon: None,
                since: None,
                description: String::new(),
                descriptions: BTreeMap::new(),
                logo_media_id: None,
            },
            &twincast_store::AuditEntry::by_system("partner.create", "", 0),
        )
        .await
        .unwrap();
    let admin = Actor::new(User {
        role: Role::Admin,
        ..User::default()
    });

    // A month's report of one partner (it reads every play of the month: other partners' make the shares).
    let from = "2026-11-01".parse().unwrap();
    let to = "2026-11-30".parse().unwrap();
    let t = Instant::now();
    let report = app
        .partner_report(&admin, "p3", from, to, None)
        .await
        .unwrap();
    let report_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let evidence = app
        .report_proof(&admin, "p3", from, to, Some(report.checkpoint.size))
        .await
        .unwrap();
    let evidence_s = t.elapsed().as_secs_f64();

    // Inclusion proofs of random leaves at the checkpoint.
    let size = report.checkpoint.size;
    let mut lat = Vec::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..proofs {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let t = Instant::now();
        app.inclusion_proof(x % size, size).await.unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    println!(
        "{}",
        serde_json::json!({
            "plays": n, "screens": screens, "batch": batch,
            "plain_s": plain_s, "plain_per_s": n as f64 / plain_s,
            "log_s": log_s, "log_per_s": n as f64 / log_s,
            "report_s": report_s, "report_rows": report.rows.len(), "report_plays": report.plays.len(),
            "evidence_s": evidence_s, "evidence_nodes": evidence.nodes.len(),
            "proofs": proofs, "proof_p50_ms": pct(0.5), "proof_p99_ms": pct(0.99),
        })
    );
}
