//! Fleets for load tests: `twincast fleet provision` writes screens, campaigns and device tokens straight into the
//! database; `twincast fleet-sim` runs N simulated players against a server over the real player protocol
//! (`docs/player-protocol.md`) and reports what they saw.
//!
//! A simulated player does what the web player does, minus the pixels: it pairs (or uses a provisioned device
//! token), holds its WebSocket (reconnecting with backoff and jitter), fetches the manifest with `If-None-Match`
//! when `hello`, `manifest_changed`, `alert` or `reload` say so, sends heartbeats and proof-of-play batches, and
//! answers pings. With `--change` the simulator, once every player holds a manifest, creates a campaign through
//! the operator API and measures, for each player, the time from that request to holding the new manifest.

use anyhow::{bail, Context, Result};
use clap::Args;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use tokio_tungstenite::tungstenite::Message;
use twincast_store::{CampaignInput, Location, PartnerInput, Screen, Store};

// ================================================================================================ provision

/// `twincast fleet provision`.
#[derive(Args, Debug, Clone)]
pub struct ProvisionArgs {
    /// Screens to add (named `fleet 00001` …), each with an active device token.
    #[arg(long)]
    pub screens: usize,
    /// Main-zone campaigns to add (partner-card slides), spread over the partners (see `--targeting`).
    #[arg(long, default_value_t = 0)]
    pub campaigns: usize,
    /// Partners the campaigns belong to (`fleet-p001` …; existing ones are reused).
    #[arg(long, default_value_t = 50)]
    pub partners: usize,
    /// Locations the screens are spread over (`fleet-l001` …; existing ones are reused).
    #[arg(long, default_value_t = 100)]
    pub locations: usize,
    /// Where to write the device tokens, one per line: `TOKEN<TAB>SCREEN_ID`.
    #[arg(long)]
    pub tokens_out: PathBuf,
    /// How campaigns target: `mixed` (of every ten, one everywhere, five a kind of place, four one place) or
    /// `places` (one everywhere, nine one place).
    #[arg(long, default_value = "mixed", value_parser = ["mixed", "places"])]
    pub targeting: String,
}

const KINDS: [&str; 4] = ["airport", "street", "metro", "bus_terminal"];
const ZONES: [&str; 4] = [
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
];
const CONTINENTS: [&str; 5] = ["Asia", "Europe", "Africa", "Americas", "Oceania"];

/// Adds the fleet; returns the number of screens written to the token file.
pub async fn provision(store: &Store, a: &ProvisionArgs) -> Result<usize> {
    if a.screens == 0 || a.screens > 100_000 {
        bail!("--screens must be between 1 and 100000");
    }
    if a.locations == 0 || a.locations > 10_000 || a.partners == 0 || a.partners > 1_000 {
        bail!("--locations must be 1..=10000 and --partners 1..=1000");
    }
    let mut partners = Vec::new();
    if a.campaigns > 0 {
        for i in 1..=a.partners {
            let slug = format!("fleet-p{i:03}");
            if store.partner_by_slug(&slug).await.is_err() {
                let names: BTreeMap<String, String> = ["en", "ru", "zh"]
                    .iter()
                    .map(|l| (l.to_string(), format!("Fleet partner {i}")))
                    .collect();
                store
                    .create_partner(&PartnerInput {
                        slug: slug.clone(),
                        names,
                        country: "DE".into(),
                        continent: CONTINENTS[i % CONTINENTS.len()].into(),
                        lat: Some(10.0 + i as f64 * 0.1),
                        lon: Some(20.0 + i as f64 * 0.1),
                        since: None,
                        description: format!("Load-test partner {i}"),
                        logo_media_id: None,
                    })
                    .await
                    .with_context(|| format!("adding partner {slug}"))?;
            }
            partners.push(slug);
        }
    }
    let mut locations = Vec::new();
    for i in 1..=a.locations {
        let slug = format!("fleet-l{i:03}");
        let l = match store.location_by_slug(&slug).await {
            Ok(l) => l,
            Err(_) => store
                .create_location(&Location {
                    id: String::new(),
                    slug: slug.clone(),
                    name: format!("Fleet location {i}"),
                    kind: KINDS[i % KINDS.len()].into(),
                    lat: Some(31.0 + (i % 50) as f64 * 0.01),
                    lon: Some(120.0 + (i / 50) as f64 * 0.01),
                    tz: ZONES[i % ZONES.len()].into(),
                })
                .await
                .with_context(|| format!("adding location {slug}"))?,
        };
        locations.push(l);
    }
    for i in 0..a.campaigns {
        let partner = &partners[i % partners.len()];
        // Like a real network: some content everywhere, most by kind of place, some for one place.
        let by_place = json!({"locations": [locations[i % locations.len()].id]});
        let targets = match (i % 10, a.targeting.as_str()) {
            (0, _) => json!({}),
            (1..=5, "mixed") => json!({"location_kinds": [KINDS[i % KINDS.len()]]}),
            _ => by_place,
        };
        let input: CampaignInput = serde_json::from_value(json!({
            "name": format!("fleet campaign {i:04}"),
            "partner": partner,
            "targets": targets,
            "items": [
                {"id": "card", "kind": "html", "template": "partner_card", "duration_ms": 10_000,
                 "data": {"city": format!("City {i}"), "country": "DE", "text": "Load-test slide"}},
                {"id": "card2", "kind": "html", "template": "partner_card", "duration_ms": 15_000,
                 "data": {"city": format!("City {i}"), "country": "DE", "text": "Second slide"}},
            ],
        }))?;
        store
            .create_campaign(&input, None)
            .await
            .with_context(|| format!("adding campaign {i}"))?;
    }
    let tmp = a.tokens_out.with_extension("partial");
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?,
    );
    let now = twincast_store::now_ms();
    let expires = now + 365 * 86_400_000;
    for i in 1..=a.screens {
        let l = &locations[(i - 1) % locations.len()];
        let portrait = i % 5 == 0;
        let (width, height) = if portrait { (1080, 1920) } else { (1920, 1080) };
        let view = store
            .create_screen(&Screen {
                id: String::new(),
                name: format!("fleet {i:05}"),
                location_id: l.id.clone(),
                lat: l.lat,
                lon: l.lon,
                tz: l.tz.clone(),
                width,
                height,
                orientation: if portrait { "portrait" } else { "landscape" }.into(),
                tags: vec!["fleet".into()],
                last_seen_at: None,
            })
            .await
            .with_context(|| format!("adding screen {i}"))?;
        let token = format!(
            "{}{}",
            twincast_server::api::player::TOKEN_PREFIX,
            twincast_server::auth::new_secret()
        );
        store
            .provision_device(
                &view.screen.id,
                &twincast_server::auth::secret_hash(&token),
                now,
                expires,
            )
            .await?;
        writeln!(out, "{token}\t{}", view.screen.id)?;
    }
    let f = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing tokens: {e}"))?;
    f.sync_all()?;
    std::fs::rename(&tmp, &a.tokens_out)?;
    Ok(a.screens)
}

// ================================================================================================ simulate

/// `twincast fleet-sim`.
#[derive(Args, Debug, Clone)]
pub struct SimArgs {
    /// Server base URL (`http://HOST:PORT`).
    #[arg(long)]
    pub server: String,
    /// Simulated players.
    #[arg(long)]
    pub screens: usize,
    /// Provisioned device tokens (`twincast fleet provision --tokens-out`), one per line; the first
    /// column is the token. Without it the players pair through the API (needs `--api-token`).
    #[arg(long)]
    pub tokens: Option<PathBuf>,
    /// Operator API token: claims pairing codes (screens `fleet-sim NNNNN` are created for them) and makes
    /// the `--change`.
    #[arg(long, env = "TWINCAST_API_TOKEN")]
    pub api_token: Option<String>,
    /// Once every player holds its manifest, create a campaign (targeting every screen) and measure how long
    /// each player takes to hold the new manifest; the campaign is deleted at the end.
    #[arg(long)]
    pub change: bool,
    /// Seconds to keep the fleet running after it is up (and after the change is measured).
    #[arg(long, default_value_t = 10)]
    pub hold: u64,
    /// Seconds to wait for everything to connect, and for the change to reach every player.
    #[arg(long, default_value_t = 120)]
    pub timeout: u64,
    /// Heartbeat period, seconds (each player's first one is spread over the period).
    #[arg(long, default_value_t = 30)]
    pub heartbeat_secs: u64,
    /// Proof-of-play batch period, seconds.
    #[arg(long, default_value_t = 60)]
    pub plays_secs: u64,
    /// WebSocket connections opened at once while the fleet comes up.
    #[arg(long, default_value_t = 256)]
    pub connect_concurrency: usize,
    /// HTTP requests in flight at once across the fleet, for manifests and (separately) for heartbeats and
    /// proof of play.
    #[arg(long, default_value_t = 128)]
    pub http_concurrency: usize,
    /// Linux pid of the server, to report its memory per connected screen (same machine only).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

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
    fn of(mut v: Vec<f64>) -> Latency {
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
    /// Reconnects after a lost socket.
    pub reconnects: u64,
    /// Errors by kind.
    pub errors: BTreeMap<String, u64>,
    /// After `--change`: time from the change request to holding the new manifest, per player.
    pub change: Option<ChangeReport>,
    /// Server memory, when `--server-pid` was given.
    pub server_memory: Option<MemoryReport>,
}

/// The `--change` measurement.
#[derive(Debug, Default, Serialize)]
pub struct ChangeReport {
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

#[derive(Default)]
struct Shared {
    connect: Mutex<Vec<f64>>,
    manifest: Mutex<Vec<f64>>,
    heartbeat: Mutex<Vec<f64>>,
    plays: Mutex<Vec<f64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    manifests_received: AtomicU64,
    manifest_bytes: AtomicU64,
    not_modified: AtomicU64,
    plays_accepted: AtomicU64,
    reconnects: AtomicU64,
    ever_connected: AtomicU64,
    open_now: AtomicU64,
    holding: AtomicU64,
    progress: Notify,
    stop: AtomicBool,
    stop_notify: Notify,
}

impl Shared {
    fn error(&self, kind: impl Into<String>) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(kind.into()).or_default() += 1;
        }
    }
    fn sample(v: &Mutex<Vec<f64>>, since: Instant) {
        if let Ok(mut v) = v.lock() {
            v.push(since.elapsed().as_secs_f64() * 1000.0);
        }
    }
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// One player's manifest state, readable by the change measurement.
#[derive(Default)]
struct Holding {
    etag: Option<String>,
    body: Option<bytes::Bytes>,
    /// Whether `body` is gzip-encoded.
    gzip: bool,
    /// The items of `body`, once read.
    items: Option<Arc<Vec<ItemRef>>>,
    /// When the current manifest arrived.
    at: Option<Instant>,
}

struct Player {
    n: usize,
    token: String,
    holding: Mutex<Holding>,
}

struct Ctx {
    base: String,
    ws_base: String,
    http: reqwest::Client,
    http_slots: Semaphore,
    manifest_slots: Semaphore,
    connect_slots: Semaphore,
    shared: Shared,
    heartbeat: Duration,
    plays: Duration,
}

fn rss_of(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn read_tokens(path: &Path, n: usize) -> Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let tokens: Vec<String> = text
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .take(n)
        .collect();
    if tokens.len() < n {
        bail!(
            "{} holds {} tokens, --screens asks for {n}",
            path.display(),
            tokens.len()
        );
    }
    Ok(tokens)
}

/// Runs the simulation and prints the report.
pub async fn simulate(a: SimArgs) -> Result<Report> {
    if a.screens == 0 || a.screens > 100_000 {
        bail!("--screens must be between 1 and 100000");
    }
    let base = a.server.trim_end_matches('/').to_string();
    let ws_base = if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if base.starts_with("https://") {
        bail!("--server: fleet-sim speaks plain http:// (loopback or LAN), not https://");
    } else {
        bail!("--server must start with http://, got {base:?}");
    };
    if a.change && a.api_token.is_none() {
        bail!("--change needs --api-token (an operator's API token)");
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.http_concurrency.max(1))
        .timeout(Duration::from_secs(60))
        .build()?;
    let ctx = Arc::new(Ctx {
        base: base.clone(),
        ws_base,
        http,
        http_slots: Semaphore::new(a.http_concurrency.max(1)),
        manifest_slots: Semaphore::new(a.http_concurrency.max(1)),
        connect_slots: Semaphore::new(a.connect_concurrency.max(1)),
        shared: Shared::default(),
        heartbeat: Duration::from_secs(a.heartbeat_secs.max(1)),
        plays: Duration::from_secs(a.plays_secs.max(1)),
    });
    // The server must answer before anything else.
    ctx.http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("{base}/healthz does not answer"))?;
    let rss_before = a.server_pid.and_then(rss_of);
    let tokens = match &a.tokens {
        Some(p) => read_tokens(p, a.screens)?,
        None => {
            let Some(api) = &a.api_token else {
                bail!("without --tokens the players pair, which needs --api-token");
            };
            pair_all(&ctx, api, a.screens).await?
        }
    };
    let started = Instant::now();
    let players: Vec<Arc<Player>> = tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            Arc::new(Player {
                n,
                token,
                holding: Mutex::default(),
            })
        })
        .collect();
    let tasks: Vec<_> = players
        .iter()
        .map(|p| tokio::spawn(run_player(ctx.clone(), p.clone())))
        .collect();
    // Wait until every player holds a manifest.
    let deadline = started + Duration::from_secs(a.timeout);
    let mut last_print = Instant::now();
    while (ctx.shared.holding.load(Ordering::Acquire) as usize) < a.screens
        && Instant::now() < deadline
    {
        let _ =
            tokio::time::timeout(Duration::from_millis(200), ctx.shared.progress.notified()).await;
        if last_print.elapsed() > Duration::from_secs(2) {
            eprintln!(
                "fleet-sim: {} connected, {} holding a manifest, {:.1}s",
                ctx.shared.open_now.load(Ordering::Relaxed),
                ctx.shared.holding.load(Ordering::Relaxed),
                started.elapsed().as_secs_f64()
            );
            last_print = Instant::now();
        }
    }
    let ramp_up = started.elapsed().as_secs_f64();
    eprintln!(
        "fleet-sim: up in {ramp_up:.1}s: {} connected, {} holding a manifest",
        ctx.shared.open_now.load(Ordering::Relaxed),
        ctx.shared.holding.load(Ordering::Relaxed)
    );
    // Let the last handshakes settle before sampling memory.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_connected = a.server_pid.and_then(rss_of);
    let connected_now = ctx.shared.open_now.load(Ordering::Acquire);
    let mut change = None;
    if a.change {
        if let Some(api) = &a.api_token {
            change = Some(measure_change(&ctx, api, &players, a.timeout).await?);
        }
    }
    tokio::time::sleep(Duration::from_secs(a.hold)).await;
    let connected_at_end = ctx.shared.open_now.load(Ordering::Acquire) as usize;
    ctx.shared.stop.store(true, Ordering::Release);
    ctx.shared.stop_notify.notify_waiters();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }
    let s = &ctx.shared;
    let take = |v: &Mutex<Vec<f64>>| Latency::of(v.lock().map(|v| v.clone()).unwrap_or_default());
    let report = Report {
        screens: a.screens,
        connected: s.ever_connected.load(Ordering::Acquire) as usize,
        connected_at_end,
        ramp_up_secs: ramp_up,
        connect: take(&s.connect),
        manifest: take(&s.manifest),
        heartbeat: take(&s.heartbeat),
        plays: take(&s.plays),
        manifests_received: s.manifests_received.load(Ordering::Acquire),
        manifest_bytes: s.manifest_bytes.load(Ordering::Acquire),
        not_modified: s.not_modified.load(Ordering::Acquire),
        plays_accepted: s.plays_accepted.load(Ordering::Acquire),
        reconnects: s.reconnects.load(Ordering::Acquire),
        errors: s.errors.lock().map(|e| e.clone()).unwrap_or_default(),
        change,
        server_memory: match (rss_before, rss_connected) {
            (Some(b), Some(c)) if connected_now > 0 => Some(MemoryReport {
                rss_before: b,
                rss_connected: c,
                bytes_per_screen: (c.saturating_sub(b)) as f64 / connected_now as f64,
            }),
            _ => None,
        },
    };
    if let Some(path) = &a.report {
        std::fs::write(path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(report)
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

async fn api_json(
    ctx: &Ctx,
    api: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = ctx
        .http
        .request(method.clone(), format!("{}{path}", ctx.base))
        .bearer_auth(api);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    if !status.is_success() {
        bail!("{method} {path}: {status}: {text}");
    }
    Ok(if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)?
    })
}

/// Pairs `n` players the way a new screen does: each asks for a code, the operator creates a screen and claims
/// the code for it, the player's poll returns its device token. (The server limits pairing requests to 30 a
/// minute per address, so large fleets use provisioned tokens.)
async fn pair_all(ctx: &Ctx, api: &str, n: usize) -> Result<Vec<String>> {
    let loc = match api_json(
        ctx,
        api,
        reqwest::Method::GET,
        "/api/v1/locations?limit=1",
        None,
    )
    .await?["items"][0]["slug"]
        .as_str()
    {
        Some(slug) => slug.to_string(),
        None => api_json(
            ctx,
            api,
            reqwest::Method::POST,
            "/api/v1/locations",
            Some(
                json!({"slug": "fleet-sim", "name": "Fleet simulator", "kind": "street",
                        "tz": "Europe/Berlin", "lat": 52.52, "lon": 13.405}),
            ),
        )
        .await?["slug"]
            .as_str()
            .context("no location slug")?
            .to_string(),
    };
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let pairing: Value = ctx
            .http
            .post(format!("{}/api/v1/player/pairings", ctx.base))
            .json(&json!({"player_version": "fleet-sim", "width": 1920, "height": 1080}))
            .send()
            .await?
            .error_for_status()
            .context("POST /api/v1/player/pairings")?
            .json()
            .await?;
        let code = pairing["code"].as_str().context("no pairing code")?;
        let screen = api_json(
            ctx,
            api,
            reqwest::Method::POST,
            "/api/v1/screens",
            Some(json!({"name": format!("fleet-sim {i:05}"), "location": loc,
                        "width": 1920, "height": 1080, "tags": ["fleet"]})),
        )
        .await?;
        let screen_id = screen["id"].as_str().context("no screen id")?;
        api_json(
            ctx,
            api,
            reqwest::Method::POST,
            &format!("/api/v1/pairings/{code}/claim"),
            Some(json!({"screen_id": screen_id})),
        )
        .await?;
        let polled: Value = ctx
            .http
            .get(format!(
                "{}/api/v1/player/pairings/{}?secret={}&wait=5",
                ctx.base,
                pairing["pairing_id"].as_str().unwrap_or_default(),
                pairing["poll_secret"].as_str().unwrap_or_default()
            ))
            .send()
            .await?
            .error_for_status()
            .context("polling the pairing")?
            .json()
            .await?;
        let token = polled["token"]
            .as_str()
            .with_context(|| format!("the claimed pairing gave no device token: {polled}"))?;
        tokens.push(token.to_string());
    }
    Ok(tokens)
}

async fn measure_change(
    ctx: &Arc<Ctx>,
    api: &str,
    players: &[Arc<Player>],
    timeout: u64,
) -> Result<ChangeReport> {
    let partners = api_json(
        ctx,
        api,
        reqwest::Method::GET,
        "/api/v1/partners?limit=1",
        None,
    )
    .await?;
    let slug = partners["items"][0]["slug"]
        .as_str()
        .context("--change needs at least one partner on the server")?
        .to_string();
    let before: Vec<Option<String>> = players
        .iter()
        .map(|p| p.holding.lock().ok().and_then(|h| h.etag.clone()))
        .collect();
    let t0 = Instant::now();
    let created = api_json(
        ctx,
        api,
        reqwest::Method::POST,
        "/api/v1/campaigns",
        Some(json!({
            "name": format!("fleet-sim change {}", twincast_store::now_ms()),
            "partner": slug,
            "items": [{"id": "card", "kind": "html", "template": "partner_card", "duration_ms": 10000,
                       "data": {"city": "Fleet", "country": "DE", "text": "fleet-sim change"}}],
        })),
    )
    .await?;
    let campaign = created["id"].as_str().unwrap_or_default().to_string();
    eprintln!(
        "fleet-sim: campaign {campaign} created in {:.1} ms; waiting for the fleet",
        t0.elapsed().as_secs_f64() * 1000.0
    );
    let deadline = t0 + Duration::from_secs(timeout);
    let measured = before.iter().filter(|e| e.is_some()).count();
    let updated_latencies = loop {
        let lat: Vec<f64> = players
            .iter()
            .zip(&before)
            .filter_map(|(p, old)| {
                let old = old.as_ref()?;
                let h = p.holding.lock().ok()?;
                match (&h.etag, h.at) {
                    (Some(e), Some(at)) if e != old && at >= t0 => {
                        Some((at - t0).as_secs_f64() * 1000.0)
                    }
                    _ => None,
                }
            })
            .collect();
        if lat.len() >= measured || Instant::now() >= deadline {
            break lat;
        }
        let _ =
            tokio::time::timeout(Duration::from_millis(100), ctx.shared.progress.notified()).await;
    };
    if !campaign.is_empty() {
        if let Err(e) = api_json(
            ctx,
            api,
            reqwest::Method::DELETE,
            &format!("/api/v1/campaigns/{campaign}"),
            None,
        )
        .await
        {
            eprintln!("fleet-sim: could not delete the change campaign {campaign}: {e:#}");
        }
    }
    let within = |ms: f64| {
        if measured == 0 {
            0.0
        } else {
            updated_latencies.iter().filter(|l| **l <= ms).count() as f64 / measured as f64
        }
    };
    Ok(ChangeReport {
        players: measured,
        updated: updated_latencies.len(),
        within_1s: within(1000.0),
        within_2s: within(2000.0),
        latency: Latency::of(updated_latencies.clone()),
    })
}

fn jitter(d: Duration) -> Duration {
    let f: f64 = rand::random_range(0.5..1.5);
    d.mul_f64(f)
}

/// One player: connect, hold, fetch on change, report; reconnect on loss until the fleet stops.
async fn run_player(ctx: Arc<Ctx>, p: Arc<Player>) {
    let mut attempt: u32 = 0;
    let mut first = true;
    // Spread the periodic work over the periods so 10,000 players do not all report at once.
    let mut next_heartbeat = Instant::now() + ctx.heartbeat.mul_f64(rand::random_range(0.0..1.0));
    let mut next_plays = Instant::now() + ctx.plays.mul_f64(rand::random_range(0.0..1.0));
    while !ctx.shared.stopped() {
        let url = format!("{}/api/v1/player/ws?token={}", ctx.ws_base, p.token);
        let t = Instant::now();
        let conn = {
            let _slot = ctx.connect_slots.acquire().await;
            if ctx.shared.stopped() {
                return;
            }
            let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
                .read_buffer_size(4 * 1024)
                .write_buffer_size(0)
                .max_message_size(Some(1 << 20));
            tokio::time::timeout(
                Duration::from_secs(30),
                tokio_tungstenite::connect_async_with_config(url, Some(config), true),
            )
            .await
        };
        let mut ws = match conn {
            Ok(Ok((ws, _))) => ws,
            Ok(Err(e)) => {
                let kind = match &e {
                    tokio_tungstenite::tungstenite::Error::Http(r) => {
                        format!("ws-http-{}", r.status().as_u16())
                    }
                    _ => "ws-connect".to_string(),
                };
                let fatal = kind == "ws-http-401";
                ctx.shared.error(kind);
                if fatal {
                    return;
                }
                backoff(&ctx, &mut attempt).await;
                continue;
            }
            Err(_) => {
                ctx.shared.error("ws-connect-timeout");
                backoff(&ctx, &mut attempt).await;
                continue;
            }
        };
        if !first {
            ctx.shared.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        let up_since = Instant::now();
        let mut saw_hello = false;
        ctx.shared.open_now.fetch_add(1, Ordering::AcqRel);

        let close_code = loop {
            tokio::select! {
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(text))) => {
                        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                        match v["type"].as_str() {
                            Some("hello") => {
                                if !saw_hello {
                                    saw_hello = true;
                                    Shared::sample(&ctx.shared.connect, t);
                                    if first {
                                        ctx.shared.ever_connected.fetch_add(1, Ordering::AcqRel);
                                    }
                                }
                                fetch_if_changed(&ctx, &p, v["etag"].as_str(), first).await;
                                first = false;
                            }
                            Some("manifest_changed") | Some("alert") => {
                                fetch_if_changed(&ctx, &p, v["etag"].as_str(), false).await;
                            }
                            Some("command") => {
                                if v["command"] == "reload" {
                                    fetch_if_changed(&ctx, &p, None, false).await;
                                }
                            }
                            Some("ping") => {
                                let pong = json!({"type": "pong", "server_time": v["server_time"]});
                                if ws.send(Message::Text(pong.to_string().into())).await.is_err() {
                                    break None;
                                }
                            }
                            Some("revoked") => {
                                ctx.shared.error("revoked");
                            }
                            _ => {}
                        }
                    }
                    Some(Ok(Message::Close(frame))) => break frame.map(|f| u16::from(f.code)),
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break None,
                },
                _ = tokio::time::sleep_until(next_heartbeat.min(next_plays).into()) => {
                    let now = Instant::now();
                    if now >= next_heartbeat {
                        next_heartbeat = now + ctx.heartbeat;
                        heartbeat(&ctx, &p).await;
                    }
                    if now >= next_plays {
                        next_plays = now + ctx.plays;
                        report_plays(&ctx, &p).await;
                    }
                }
                _ = ctx.shared.stop_notify.notified() => {
                    let _ = ws.close(None).await;
                    ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
                    return;
                }
            }
            if ctx.shared.stopped() {
                let _ = ws.close(None).await;
                ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
                return;
            }
        };
        ctx.shared.open_now.fetch_sub(1, Ordering::AcqRel);
        if close_code == Some(4401) {
            return;
        }
        ctx.shared.error("ws-lost");
        if up_since.elapsed() > Duration::from_secs(30) {
            attempt = 0;
        }
        backoff(&ctx, &mut attempt).await;
    }
}

async fn backoff(ctx: &Ctx, attempt: &mut u32) {
    let wait = jitter(Duration::from_secs(1) * 2u32.saturating_pow((*attempt).min(6)))
        .min(Duration::from_secs(60));
    *attempt = attempt.saturating_add(1);
    tokio::select! {
        _ = tokio::time::sleep(wait) => {}
        _ = ctx.shared.stop_notify.notified() => {}
    }
}

/// Fetches the manifest unless the player already holds `announced`.
async fn fetch_if_changed(ctx: &Ctx, p: &Player, announced: Option<&str>, first: bool) {
    let held = p.holding.lock().ok().and_then(|h| h.etag.clone());
    if announced.is_some() && held.as_deref() == announced {
        return;
    }
    let _slot = ctx.manifest_slots.acquire().await;
    let t = Instant::now();
    // Like a browser, ask for gzip; the body is kept as received and decoded only when read.
    let mut req = ctx
        .http
        .get(format!("{}/api/v1/player/manifest", ctx.base))
        .header(reqwest::header::ACCEPT_ENCODING, "gzip")
        .bearer_auth(&p.token);
    if let Some(e) = &held {
        req = req.header(reqwest::header::IF_NONE_MATCH, e.as_str());
    }
    let res = match req.send().await {
        Ok(r) => r,
        Err(_) => {
            ctx.shared.error("manifest-request");
            return;
        }
    };
    match res.status().as_u16() {
        200 => {
            let gzip = res
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"));
            let etag = res
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            match res.bytes().await {
                Ok(body) => {
                    Shared::sample(&ctx.shared.manifest, t);
                    ctx.shared
                        .manifests_received
                        .fetch_add(1, Ordering::Relaxed);
                    ctx.shared
                        .manifest_bytes
                        .fetch_add(body.len() as u64, Ordering::Relaxed);
                    let was_holding = {
                        let Ok(mut h) = p.holding.lock() else { return };
                        let was = h.etag.is_some();
                        h.etag = etag;
                        h.body = Some(body);
                        h.gzip = gzip;
                        h.items = None;
                        h.at = Some(Instant::now());
                        was
                    };
                    if !was_holding {
                        ctx.shared.holding.fetch_add(1, Ordering::AcqRel);
                    }
                    ctx.shared.progress.notify_waiters();
                }
                Err(_) => ctx.shared.error("manifest-body"),
            }
        }
        304 => {
            Shared::sample(&ctx.shared.manifest, t);
            ctx.shared.not_modified.fetch_add(1, Ordering::Relaxed);
            if first {
                ctx.shared.progress.notify_waiters();
            }
        }
        s => ctx.shared.error(format!("manifest-http-{s}")),
    }
}

async fn heartbeat(ctx: &Ctx, p: &Player) {
    let etag = p.holding.lock().ok().and_then(|h| h.etag.clone());
    let _slot = ctx.http_slots.acquire().await;
    let t = Instant::now();
    let res = ctx
        .http
        .post(format!("{}/api/v1/player/heartbeat", ctx.base))
        .bearer_auth(&p.token)
        .json(&json!({
            "player_version": "fleet-sim",
            "manifest_etag": etag,
            "storage_free_bytes": 1u64 << 30,
            "device_time": twincast_store::now_ms(),
        }))
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => Shared::sample(&ctx.shared.heartbeat, t),
        Ok(r) => ctx
            .shared
            .error(format!("heartbeat-http-{}", r.status().as_u16())),
        Err(_) => ctx.shared.error("heartbeat-request"),
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The `items` of a manifest body. The server writes the keys in order (`alerts`, `items`, `layout`, …), so only
/// the start of the body is decoded and read — the play sequence after it is the bulk; a full parse is the
/// fallback.
fn manifest_items(body: &[u8], gzip: bool) -> Option<ManifestItems> {
    use std::io::Read;
    let items_of = |text: &[u8]| -> Option<ManifestItems> {
        let start = find(text, b"\"items\":[", 0)? + b"\"items\":".len();
        let end = find(text, b"],\"layout\":", start)? + 1;
        let items = serde_json::from_slice(&text[start..end]).ok()?;
        Some(ManifestItems { items })
    };
    if !gzip {
        return items_of(body).or_else(|| serde_json::from_slice(body).ok());
    }
    let mut dec = flate2::read::GzDecoder::new(body);
    let mut text = Vec::with_capacity(64 * 1024);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = dec.read(&mut buf).ok()?;
        if n == 0 {
            return serde_json::from_slice(&text).ok();
        }
        text.extend_from_slice(&buf[..n]);
        if let Some(m) = items_of(&text) {
            return Some(m);
        }
    }
}

#[derive(Deserialize)]
struct ManifestItems {
    #[serde(default)]
    items: Vec<ItemRef>,
}

#[derive(Deserialize)]
struct ItemRef {
    campaign: String,
    item: String,
    partner: Option<String>,
    duration_ms: i64,
}

/// Sends one proof-of-play event per item of the manifest (up to 5), as if each had just played.
async fn report_plays(ctx: &Ctx, p: &Player) {
    let held = p
        .holding
        .lock()
        .ok()
        .and_then(|h| h.body.clone().map(|b| (b, h.gzip, h.items.clone())));
    let Some((body, gzip, items)) = held else {
        return;
    };
    let items = match items {
        Some(i) => i,
        None => {
            let Some(m) = manifest_items(&body, gzip) else {
                ctx.shared.error("manifest-unreadable");
                return;
            };
            let items = Arc::new(m.items);
            if let Ok(mut h) = p.holding.lock() {
                if h.body.as_ref().map(|b| b.as_ptr()) == Some(body.as_ptr()) {
                    h.items = Some(items.clone());
                }
            }
            items
        }
    };
    if items.is_empty() {
        return;
    }
    let now = twincast_store::now_ms();
    let events: Vec<Value> = items
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, it)| {
            let end = now - i as i64 * 1000;
            json!({
                "id": format!("fs{}-{}-{}", p.n, now, i),
                "campaign": it.campaign, "item": it.item, "partner": it.partner,
                "started_at": end - it.duration_ms.max(0), "ended_at": end,
            })
        })
        .collect();
    let _slot = ctx.http_slots.acquire().await;
    let t = Instant::now();
    let res = ctx
        .http
        .post(format!("{}/api/v1/player/plays", ctx.base))
        .bearer_auth(&p.token)
        .json(&json!({ "events": events }))
        .send()
        .await;
    match res {
        Ok(r) if r.status().is_success() => {
            Shared::sample(&ctx.shared.plays, t);
            if let Ok(v) = r.json::<Value>().await {
                ctx.shared
                    .plays_accepted
                    .fetch_add(v["accepted"].as_u64().unwrap_or(0), Ordering::Relaxed);
            }
        }
        Ok(r) => ctx
            .shared
            .error(format!("plays-http-{}", r.status().as_u16())),
        Err(_) => ctx.shared.error("plays-request"),
    }
}

#[cfg(test)]
mod tests {
    use super::{manifest_items, Latency};

    #[test]
    fn items_are_read_from_the_start_of_plain_and_gzip_bodies() {
        use std::io::Write;
        let body = br#"{"format":1,"screen":{"id":"s"},"alerts":[],"items":[{"campaign":"c","item":"i","partner":"p","duration_ms":10000,"data":{"t":"],\"layout\":"}}],"layout":{},"plays":[[0,10000,0,0]]}"#;
        let plain = manifest_items(body, false).expect("plain");
        assert_eq!(plain.items.len(), 1);
        assert_eq!(plain.items[0].campaign, "c");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(body).unwrap();
        let gz = manifest_items(&e.finish().unwrap(), true).expect("gzip");
        assert_eq!(gz.items[0].item, "i");
        assert!(manifest_items(b"not json", false).is_none());
    }

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
