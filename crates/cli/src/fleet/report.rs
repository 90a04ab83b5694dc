//! What `fleet-sim` reports: latency summaries, the change measurement, server memory.

use serde::Serialize;
use std::collections::BTreeMap;

/// Latency summary in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Latency {
    /// The summary of `v` (nearest-rank percentiles).
    pub(super) fn of(mut v: Vec<f64>) -> Latency {
        if v.is_empty() {
            return Latency::default();
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1];
        Latency {
            count: v.len(),
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p99_ms: q(0.99),
            max_ms: v[v.len() - 1],
        }
    }
}

/// What the simulator reports at the end.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Players asked for.
    pub screens: usize,
    /// Players that connected their WebSocket at least once.
    pub connected: usize,
    /// Players whose socket was open at the end of the hold.
    pub connected_at_end: usize,
    /// Seconds from start until every player held a manifest (or the timeout).
    pub ramp_up_secs: f64,
    /// WebSocket connect (handshake + `hello`).
    pub connect: Latency,
    /// Manifest fetches (200 and 304).
    pub manifest: Latency,
    /// Heartbeats.
    pub heartbeat: Latency,
    /// Proof-of-play batches.
    pub plays: Latency,
    /// Manifest bodies received.
    pub manifests_received: u64,
    /// Bytes of manifest bodies received.
    pub manifest_bytes: u64,
    /// 304 answers.
    pub not_modified: u64,
    /// Proof-of-play events accepted by the server.
    pub plays_accepted: u64,
    /// Proof-of-play events in the batches the server acknowledged (accepted + duplicates should equal it).
    pub plays_sent: u64,
    /// Events the server answered as duplicates (already recorded).
    pub plays_duplicates: u64,
    /// Reconnects after a lost socket.
    pub reconnects: u64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// After `--change`: time from the change request to holding the new manifest, per player.
    pub change: Option<ChangeReport>,
    /// After each `--change-cmd`, in order: the same measurement from starting the command.
    pub changes: Vec<ChangeReport>,
    /// Server memory, when `--server-pid` was given.
    pub server_memory: Option<MemoryReport>,
}

/// The `--change` measurement.
#[derive(Debug, Default, Serialize)]
pub struct ChangeReport {
    /// When the change was started, epoch ms.
    pub started_at_ms: i64,
    /// Players measured (those holding a manifest when the change was made).
    pub players: usize,
    /// Players holding the new manifest before the timeout.
    pub updated: usize,
    /// Fraction of `players` that held it within 1 s.
    pub within_1s: f64,
    /// Fraction of `players` that held it within 2 s.
    pub within_2s: f64,
    /// Latencies of the updated players.
    pub latency: Latency,
    /// Every updated player's latency, ms (reports of several simulator processes are merged from these).
    pub latencies_ms: Vec<f64>,
}

/// Server resident memory.
#[derive(Debug, Default, Serialize)]
pub struct MemoryReport {
    /// RSS before any player connected, bytes.
    pub rss_before: u64,
    /// RSS with the fleet connected and holding manifests, bytes.
    pub rss_connected: u64,
    /// (connected − before) / connected players.
    pub bytes_per_screen: f64,
}

/// Resident memory of a local process, bytes.
pub(super) fn rss_of(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Prints the report for people.
pub fn print_report(r: &Report) {
    let lat = |name: &str, l: &Latency| {
        println!(
            "{name:<12} n={:<7} p50={:>8.1}ms p90={:>8.1}ms p99={:>8.1}ms max={:>8.1}ms",
            l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms
        )
    };
    println!(
        "screens {}  connected {}  connected at end {}  up in {:.1}s  reconnects {}",
        r.screens, r.connected, r.connected_at_end, r.ramp_up_secs, r.reconnects
    );
    lat("connect", &r.connect);
    lat("manifest", &r.manifest);
    lat("heartbeat", &r.heartbeat);
    lat("plays", &r.plays);
    println!(
        "manifests {} ({} bytes), 304s {}, proof-of-play events accepted {}",
        r.manifests_received, r.manifest_bytes, r.not_modified, r.plays_accepted
    );
    if let Some(c) = &r.change {
        println!(
            "change: {}/{} players hold the new manifest; within 1 s {:.2}%, within 2 s {:.2}%",
            c.updated,
            c.players,
            c.within_1s * 100.0,
            c.within_2s * 100.0
        );
        lat("change", &c.latency);
    }
    if let Some(m) = &r.server_memory {
        println!(
            "server RSS {} MiB before, {} MiB connected: {:.1} KiB per connected screen",
            m.rss_before >> 20,
            m.rss_connected >> 20,
            m.bytes_per_screen / 1024.0
        );
    }
    if r.errors.is_empty() {
        println!("errors: none");
    } else {
        for (k, v) in &r.errors {
            println!("error {k}: {v}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Latency;

    #[test]
    fn percentiles_are_nearest_rank() {
        let l = Latency::of((1..=100).map(f64::from).collect());
        assert_eq!(
            (l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms),
            (100, 50.0, 90.0, 99.0, 100.0)
        );
        let one = Latency::of(vec![7.0]);
        assert_eq!((one.p50_ms, one.p99_ms), (7.0, 7.0));
        assert_eq!(Latency::of(vec![]).count, 0);
    }
}
