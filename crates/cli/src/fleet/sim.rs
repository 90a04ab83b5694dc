//! `twincast fleet-sim`: runs N simulated players and measures what they see.

use super::player::provisioned_key;
use super::player::DeviceKey;
use super::player::{run_player, Player};
use super::report::{rss_of, ChangeReport, Latency, MemoryReport, Report};
use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::Args;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};
use twincast_protocol::{ClaimRequest, PairingCreated, PairingRequest, PairingStatus};

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
    /// A shell command (`sh -c`) that makes a change every player should see (e.g. adds an entry to a CAP feed
    /// the server polls); run once every player holds its manifest, after `--change`, one after the other, each
    /// measured like `--change` (from starting the command until each player holds a new manifest). Repeatable.
    #[arg(long = "change-cmd")]
    pub change_cmds: Vec<String>,
    /// Several simulator processes measuring one change (a fleet larger than one process may hold open):
    /// once every player holds its manifest, write this file; the change is made by someone else.
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
    /// With `--ready-file`: then wait for this file, which holds the wall-clock time (epoch ms) at which the
    /// change was sent, and measure like `--change` from that time.
    #[arg(long, requires = "ready_file")]
    pub change_signal: Option<PathBuf>,
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

/// Counters and samples of the whole fleet.
#[derive(Default)]
pub(super) struct Shared {
    pub(super) connect: Mutex<Vec<f64>>,
    pub(super) manifest: Mutex<Vec<f64>>,
    pub(super) heartbeat: Mutex<Vec<f64>>,
    pub(super) plays: Mutex<Vec<f64>>,
    pub(super) errors: Mutex<BTreeMap<String, u64>>,
    pub(super) manifests_received: AtomicU64,
    pub(super) manifest_bytes: AtomicU64,
    pub(super) not_modified: AtomicU64,
    pub(super) plays_accepted: AtomicU64,
    /// Proof-of-play events sent in batches the server acknowledged (2xx), and of those the duplicates.
    pub(super) plays_sent: AtomicU64,
    pub(super) plays_duplicates: AtomicU64,
    pub(super) reconnects: AtomicU64,
    pub(super) ever_connected: AtomicU64,
    pub(super) open_now: AtomicU64,
    pub(super) holding: AtomicU64,
    pub(super) progress: Notify,
    pub(super) stop: AtomicBool,
    pub(super) stop_notify: Notify,
}

impl Shared {
    /// Counts an error of `kind`.
    pub(super) fn error(&self, kind: impl Into<String>) {
        if let Ok(mut e) = self.errors.lock() {
            *e.entry(kind.into()).or_default() += 1;
        }
    }
    /// Records the milliseconds since `since`.
    pub(super) fn sample(v: &Mutex<Vec<f64>>, since: Instant) {
        if let Ok(mut v) = v.lock() {
            v.push(since.elapsed().as_secs_f64() * 1000.0);
        }
    }
    /// Whether the fleet is stopping.
    pub(super) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }
}

/// What every player shares.
pub(super) struct Ctx {
    pub(super) base: String,
    pub(super) ws_base: String,
    pub(super) http: reqwest::Client,
    pub(super) http_slots: Semaphore,
    pub(super) manifest_slots: Semaphore,
    pub(super) connect_slots: Semaphore,
    pub(super) shared: Shared,
    pub(super) heartbeat: Duration,
    pub(super) plays: Duration,
}

/// Reads `TOKEN<TAB>SCREEN_ID[<TAB>DEVICE_ID]` lines: a line with the device id (written by `fleet provision`,
/// which registered the key derived from the token) makes a signing player.
fn read_tokens(path: &Path, n: usize) -> Result<Vec<(String, Option<DeviceKey>)>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let tokens: Vec<(String, Option<DeviceKey>)> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split('\t').map(str::trim);
            let token = f.next().filter(|t| !t.is_empty())?;
            let device = f.nth(1).filter(|d| !d.is_empty());
            Some((
                token.to_string(),
                device.map(|d| DeviceKey::new(d.to_string(), provisioned_key(token))),
            ))
        })
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
        .map(|(n, (token, signer))| {
            Arc::new(Player {
                n,
                token,
                signer,
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
    if let Some(ready) = &a.ready_file {
        let before = holding_now(&players);
        std::fs::write(ready, format!("{}\n", twincast_store::now_ms()))
            .with_context(|| format!("cannot write {}", ready.display()))?;
        if let Some(signal) = &a.change_signal {
            change =
                Some(await_signalled_change(&ctx, signal, &players, &before, a.timeout).await?);
        }
    }
    let mut changes = Vec::new();
    for cmd in &a.change_cmds {
        changes.push(measure_command(&ctx, cmd, &players, a.timeout).await?);
    }
    eprintln!("fleet-sim: hold of {}s starts", a.hold);
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
        plays_sent: s.plays_sent.load(Ordering::Acquire),
        plays_duplicates: s.plays_duplicates.load(Ordering::Acquire),
        reconnects: s.reconnects.load(Ordering::Acquire),
        errors: s.errors.lock().map(|e| e.clone()).unwrap_or_default(),
        change,
        changes,
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
async fn pair_all(ctx: &Ctx, api: &str, n: usize) -> Result<Vec<(String, Option<DeviceKey>)>> {
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
        let key = {
            use rand::RngCore;
            let mut seed = [0u8; 32];
            rand::rng().fill_bytes(&mut seed);
            ed25519_dalek::SigningKey::from_bytes(&seed)
        };
        let pairing: PairingCreated = ctx
            .http
            .post(format!("{}/api/v1/player/pairings", ctx.base))
            .json(&PairingRequest {
                player_version: Some("fleet-sim".into()),
                width: Some(1920),
                height: Some(1080),
                public_key: Some(B64.encode(key.verifying_key().to_bytes())),
                ..PairingRequest::default()
            })
            .send()
            .await?
            .error_for_status()
            .context("POST /api/v1/player/pairings")?
            .json()
            .await?;
        let code = &pairing.code;
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
            Some(serde_json::to_value(ClaimRequest {
                screen_id: screen_id.to_string(),
            })?),
        )
        .await?;
        let polled: PairingStatus = ctx
            .http
            .get(format!(
                "{}/api/v1/player/pairings/{}?secret={}&wait=5",
                ctx.base, pairing.pairing_id, pairing.poll_secret
            ))
            .send()
            .await?
            .error_for_status()
            .context("polling the pairing")?
            .json()
            .await?;
        let token = polled.token.with_context(|| {
            format!(
                "the claimed pairing gave no device token (status {})",
                polled.status
            )
        })?;
        let device = polled
            .device_id
            .context("the claimed pairing gave no device id")?;
        tokens.push((token, Some(DeviceKey::new(device, key))));
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
    let before = holding_now(players);
    let (t0, started_at_ms) = (Instant::now(), twincast_store::now_ms());
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
    let report = wait_for_change(ctx, players, &before, t0, started_at_ms, timeout).await;
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
    Ok(report)
}

/// Each player's manifest ETag now (`None`: holds none).
fn holding_now(players: &[Arc<Player>]) -> Vec<Option<String>> {
    players
        .iter()
        .map(|p| p.holding.lock().ok().and_then(|h| h.etag.clone()))
        .collect()
}

/// Runs `cmd` (`sh -c`) and measures, per player, the time until it holds a manifest other than the one it held.
async fn measure_command(
    ctx: &Arc<Ctx>,
    cmd: &str,
    players: &[Arc<Player>],
    timeout: u64,
) -> Result<ChangeReport> {
    let before = holding_now(players);
    let (t0, started_at_ms) = (Instant::now(), twincast_store::now_ms());
    let status = tokio::process::Command::new("sh")
        .args(["-c", cmd])
        .status()
        .await
        .with_context(|| format!("running --change-cmd {cmd:?}"))?;
    if !status.success() {
        bail!("--change-cmd {cmd:?} failed: {status}");
    }
    eprintln!(
        "fleet-sim: change command ran in {:.1} ms; waiting for the fleet",
        t0.elapsed().as_secs_f64() * 1000.0
    );
    Ok(wait_for_change(ctx, players, &before, t0, started_at_ms, timeout).await)
}

/// Waits for `signal` (the epoch ms at which another process sent the change) and measures the change from then.
async fn await_signalled_change(
    ctx: &Arc<Ctx>,
    signal: &Path,
    players: &[Arc<Player>],
    before: &[Option<String>],
    timeout: u64,
) -> Result<ChangeReport> {
    let deadline = Instant::now() + Duration::from_secs(timeout);
    let sent_ms: i64 = loop {
        // The signal is written to a temporary name and renamed: it is whole once it exists.
        if let Ok(text) = std::fs::read_to_string(signal) {
            break text
                .trim()
                .parse()
                .with_context(|| format!("{} holds no epoch ms: {text:?}", signal.display()))?;
        }
        if Instant::now() >= deadline {
            bail!(
                "no change signal in {} within {timeout} s",
                signal.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let ago = Duration::from_millis(twincast_store::now_ms().saturating_sub(sent_ms).max(0) as u64);
    let t0 = Instant::now().checked_sub(ago).unwrap_or_else(Instant::now);
    eprintln!(
        "fleet-sim: change signalled ({} ms ago); waiting for the fleet",
        ago.as_millis()
    );
    Ok(wait_for_change(ctx, players, before, t0, sent_ms, timeout).await)
}

/// Waits (at most `timeout` s from `t0`) until every player that held a manifest at `t0` holds another one.
async fn wait_for_change(
    ctx: &Arc<Ctx>,
    players: &[Arc<Player>],
    before: &[Option<String>],
    t0: Instant,
    started_at_ms: i64,
    timeout: u64,
) -> ChangeReport {
    let deadline = t0 + Duration::from_secs(timeout);
    let measured = before.iter().filter(|e| e.is_some()).count();
    let updated_latencies = loop {
        let lat: Vec<f64> = players
            .iter()
            .zip(before)
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
    let within = |ms: f64| {
        if measured == 0 {
            0.0
        } else {
            updated_latencies.iter().filter(|l| **l <= ms).count() as f64 / measured as f64
        }
    };
    ChangeReport {
        started_at_ms,
        players: measured,
        updated: updated_latencies.len(),
        within_1s: within(1000.0),
        within_2s: within(2000.0),
        latency: Latency::of(updated_latencies.clone()),
        latencies_ms: updated_latencies,
    }
}
