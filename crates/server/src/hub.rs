//! The player hub: device-token cache, manifest cache and the players' WebSocket connections.
//!
//! It subscribes to [`AppState::events`]: on a schedule or alert change it recomputes the manifests of the
//! connected screens concerned and pushes `manifest_changed` / `alert` (with the new ETag) to their sockets; on a
//! command it forwards it to the screen's sockets. See `docs/player-protocol.md`.
//!
//! ## Manifest cache
//! A manifest is `screen part + shared part`. The shared part (layout, items, alerts, the engine's play sequence,
//! ticker, media) depends only on the schedule version, the horizon, the screen's orientation and time zone and
//! *which* campaigns and alerts target the screen, so screens with the same inputs share one computation. The
//! strong ETag is a hash of the shared part's digest and the screen part, so it changes exactly when the body does.

use crate::AppState;
use bytes::Bytes;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use twincast_core as tc;
use twincast_store::{Device, ResolvedItem, StoreError};

/// Player-protocol settings (environment: `TWINCAST_SCREEN_OFFLINE_AFTER_SECS`, `TWINCAST_DEVICE_TOKEN_TTL_DAYS`).
#[derive(Debug, Clone)]
pub struct PlayerSettings {
    /// A screen not heard from for this long is offline, ms (default 90 s).
    pub offline_after_ms: i64,
    /// Device token lifetime, ms (default 365 days).
    pub token_ttl_ms: i64,
    /// Pairing code lifetime, ms (15 min).
    pub pairing_ttl_ms: i64,
    /// WebSocket ping period.
    pub ping_every: Duration,
}

impl PlayerSettings {
    /// Defaults overridden by the environment.
    pub fn from_env() -> PlayerSettings {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<i64>().ok());
        PlayerSettings {
            offline_after_ms: num("TWINCAST_SCREEN_OFFLINE_AFTER_SECS")
                .unwrap_or(90)
                .max(1)
                * 1000,
            token_ttl_ms: num("TWINCAST_DEVICE_TOKEN_TTL_DAYS").unwrap_or(365).max(1) * 86_400_000,
            pairing_ttl_ms: 15 * 60_000,
            ping_every: Duration::from_secs(20),
        }
    }
}

/// A message for one socket.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A JSON text frame.
    Text(String),
    /// Close with this code.
    Close(u16),
}

struct Conn {
    id: u64,
    device_id: String,
    tx: mpsc::Sender<Outbound>,
}

/// A built manifest of one screen.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Quoted strong ETag.
    pub etag: String,
    /// JSON body.
    pub body: Bytes,
    /// Schedule version it was built from.
    pub version: i64,
    /// Horizon start.
    pub from: i64,
    /// Horizon hours.
    pub hours: i64,
}

struct Shared {
    digest: [u8; 32],
    tail: String,
}

struct Snapshot {
    version: i64,
    /// Main-zone campaigns per orientation (0 landscape, 1 portrait).
    main: [Vec<tc::Campaign>; 2],
    ticker: [Vec<tc::Campaign>; 2],
    alerts: Vec<tc::Alert>,
    resolved: [HashMap<(String, String), ResolvedItem>; 2],
    shared: Mutex<HashMap<[u8; 32], Arc<Shared>>>,
}

struct CachedScreen {
    at: Instant,
    name: String,
    screen: tc::Screen,
}

struct CachedDevice {
    at: Instant,
    device: Device,
}

/// Everything the player endpoints share. One per server.
pub struct Hub {
    /// Settings.
    pub settings: PlayerSettings,
    /// Pairing requests per client address (30 a minute).
    pub pairing_limiter: crate::LoginLimiter,
    conns: RwLock<HashMap<String, Vec<Conn>>>,
    next_conn: AtomicU64,
    version: AtomicI64,
    snapshot: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
    manifests: RwLock<HashMap<(String, i64), Arc<Manifest>>>,
    screens: RwLock<HashMap<String, CachedScreen>>,
    tokens: RwLock<HashMap<String, CachedDevice>>,
}

const SCREEN_TTL: Duration = Duration::from_secs(60);
const TOKEN_TTL: Duration = Duration::from_secs(60);
const HOUR: i64 = 3_600_000;

/// Serialized WebSocket message with the server time.
pub fn message(kind: &str, mut fields: Value) -> String {
    if let Value::Object(m) = &mut fields {
        m.insert("type".into(), json!(kind));
        m.insert("server_time".into(), json!(twincast_store::now_ms()));
    }
    fields.to_string()
}

impl Hub {
    /// A hub with no connections.
    pub fn new(settings: PlayerSettings) -> Hub {
        Hub {
            settings,
            pairing_limiter: governor::RateLimiter::keyed(governor::Quota::per_minute(
                std::num::NonZeroU32::new(30).unwrap_or(std::num::NonZeroU32::MIN),
            )),
            conns: RwLock::default(),
            next_conn: AtomicU64::new(1),
            version: AtomicI64::new(-1),
            snapshot: tokio::sync::Mutex::new(None),
            manifests: RwLock::default(),
            screens: RwLock::default(),
            tokens: RwLock::default(),
        }
    }

    // ------------------------------------------------------------ tokens

    /// The cached device of a token hash (fresh for a minute; revocations through this server drop it at once).
    pub fn cached_device(&self, token_hash: &str) -> Option<Device> {
        let t = self.tokens.read().ok()?;
        let c = t.get(token_hash)?;
        (c.at.elapsed() < TOKEN_TTL).then(|| c.device.clone())
    }

    /// Remembers a valid token.
    pub fn cache_device(&self, token_hash: &str, device: &Device) {
        if let Ok(mut t) = self.tokens.write() {
            if t.len() > 200_000 {
                t.clear();
            }
            t.insert(
                token_hash.to_string(),
                CachedDevice {
                    at: Instant::now(),
                    device: device.clone(),
                },
            );
        }
    }

    /// Forgets the revoked devices and closes their sockets (close code 4401 after a `revoked` message).
    pub fn revoke(&self, screen_id: &str, device_ids: &[String]) {
        if let Ok(mut t) = self.tokens.write() {
            t.retain(|_, c| !device_ids.contains(&c.device.id));
        }
        if let Ok(mut conns) = self.conns.write() {
            if let Some(list) = conns.get_mut(screen_id) {
                list.retain(|c| {
                    if device_ids.contains(&c.device_id) {
                        let _ = c.tx.try_send(Outbound::Text(message("revoked", json!({}))));
                        let _ = c.tx.try_send(Outbound::Close(4401));
                        false
                    } else {
                        true
                    }
                });
            }
        }
    }

    // ------------------------------------------------------------ connections

    /// Registers a socket of `screen_id`; returns its id and the receiving end.
    pub fn connect(&self, screen_id: &str, device_id: &str) -> (u64, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(32);
        let id = self.next_conn.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut conns) = self.conns.write() {
            conns.entry(screen_id.to_string()).or_default().push(Conn {
                id,
                device_id: device_id.to_string(),
                tx,
            });
        }
        (id, rx)
    }

    /// Unregisters a socket.
    pub fn disconnect(&self, screen_id: &str, conn: u64) {
        if let Ok(mut conns) = self.conns.write() {
            if let Some(list) = conns.get_mut(screen_id) {
                list.retain(|c| c.id != conn);
                if list.is_empty() {
                    conns.remove(screen_id);
                }
            }
        }
    }

    /// Whether a screen has an open socket.
    pub fn is_connected(&self, screen_id: &str) -> bool {
        self.conns
            .read()
            .map(|c| c.contains_key(screen_id))
            .unwrap_or(false)
    }

    /// Number of open sockets.
    pub fn connection_count(&self) -> usize {
        self.conns
            .read()
            .map(|c| c.values().map(Vec::len).sum())
            .unwrap_or(0)
    }

    /// Sends a message to every socket of a screen; returns how many got it.
    pub fn send_to(&self, screen_id: &str, text: &str) -> usize {
        let Ok(conns) = self.conns.read() else {
            return 0;
        };
        conns.get(screen_id).map_or(0, |list| {
            list.iter()
                .filter(|c| c.tx.try_send(Outbound::Text(text.to_string())).is_ok())
                .count()
        })
    }

    fn connected_screens(&self) -> Vec<String> {
        self.conns
            .read()
            .map(|c| c.keys().cloned().collect())
            .unwrap_or_default()
    }

    // ------------------------------------------------------------ manifests

    async fn current_version(&self, state: &AppState) -> Result<i64, StoreError> {
        let v = self.version.load(Ordering::Acquire);
        if v >= 0 {
            return Ok(v);
        }
        let v = state.store.schedule_version().await?;
        self.version.store(v, Ordering::Release);
        Ok(v)
    }

    async fn snapshot(&self, state: &AppState, version: i64) -> Result<Arc<Snapshot>, StoreError> {
        let mut guard = self.snapshot.lock().await;
        if let Some(s) = guard.as_ref() {
            if s.version == version {
                return Ok(s.clone());
            }
        }
        let store = &state.store;
        let main_rec = store.list_campaigns(None, Some("main")).await?;
        let ticker_rec = store.list_campaigns(None, Some("ticker")).await?;
        let alerts = store
            .list_alerts()
            .await?
            .iter()
            .map(|a| a.to_core())
            .collect();
        let mut main: [Vec<tc::Campaign>; 2] = Default::default();
        let mut ticker: [Vec<tc::Campaign>; 2] = Default::default();
        let mut resolved: [HashMap<(String, String), ResolvedItem>; 2] = Default::default();
        for (o, orientation) in [tc::Orientation::Landscape, tc::Orientation::Portrait]
            .into_iter()
            .enumerate()
        {
            main[o] = main_rec
                .iter()
                .filter_map(|c| twincast_store::to_core_campaign(c, orientation))
                .collect();
            ticker[o] = ticker_rec
                .iter()
                .filter_map(|c| twincast_store::to_core_campaign(c, orientation))
                .collect();
            for set in [&main[o], &ticker[o]] {
                for r in store.resolve_items(set).await? {
                    resolved[o].insert((r.campaign.clone(), r.item.clone()), r);
                }
            }
        }
        let snap = Arc::new(Snapshot {
            version,
            main,
            ticker,
            alerts,
            resolved,
            shared: Mutex::default(),
        });
        *guard = Some(snap.clone());
        Ok(snap)
    }

    async fn screen(
        &self,
        state: &AppState,
        screen_id: &str,
    ) -> Result<(String, tc::Screen), StoreError> {
        if let Ok(s) = self.screens.read() {
            if let Some(c) = s.get(screen_id) {
                if c.at.elapsed() < SCREEN_TTL {
                    return Ok((c.name.clone(), c.screen.clone()));
                }
            }
        }
        let view = state.store.screen(screen_id).await?;
        let screen = state.store.core_screen(screen_id).await?;
        if let Ok(mut s) = self.screens.write() {
            s.insert(
                screen_id.to_string(),
                CachedScreen {
                    at: Instant::now(),
                    name: view.screen.name.clone(),
                    screen: screen.clone(),
                },
            );
        }
        Ok((view.screen.name, screen))
    }

    /// The manifest of `screen_id` for the horizon of `hours` from the current hour (cached).
    pub async fn manifest(
        &self,
        state: &AppState,
        screen_id: &str,
        hours: i64,
        now: i64,
    ) -> Result<Arc<Manifest>, StoreError> {
        let from = now - now.rem_euclid(HOUR);
        let version = self.current_version(state).await?;
        if let Ok(m) = self.manifests.read() {
            if let Some(m) = m.get(&(screen_id.to_string(), hours)) {
                if m.version == version && m.from == from {
                    return Ok(m.clone());
                }
            }
        }
        let snap = self.snapshot(state, version).await?;
        let (name, screen) = self.screen(state, screen_id).await?;
        let m = Arc::new(build_manifest(&snap, &name, &screen, from, hours));
        if let Ok(mut cache) = self.manifests.write() {
            cache.insert((screen_id.to_string(), hours), m.clone());
        }
        Ok(m)
    }

    /// Forgets cached screens (all when `None`), e.g. after a screen or group change.
    pub fn forget_screens(&self, screens: Option<&[String]>) {
        if let Ok(mut s) = self.screens.write() {
            match screens {
                None => s.clear(),
                Some(ids) => ids.iter().for_each(|id| {
                    s.remove(id);
                }),
            }
        }
    }

    /// Re-reads the schedule version and pushes to the connected screens whose manifest changed. `alert` picks
    /// the message type.
    async fn refresh(&self, state: &AppState, only: Option<Vec<String>>, alert: bool) {
        match state.store.schedule_version().await {
            Ok(v) => self.version.store(v, Ordering::Release),
            Err(e) => {
                tracing::warn!(error = %e, "hub: cannot read the schedule version");
                return;
            }
        }
        self.forget_screens(only.as_deref());
        let targets = match only {
            Some(list) => list,
            None => self.connected_screens(),
        };
        let now = twincast_store::now_ms();
        for screen_id in targets {
            if !self.is_connected(&screen_id) {
                continue;
            }
            let previous = self
                .manifests
                .read()
                .ok()
                .and_then(|m| m.get(&(screen_id.clone(), 48)).map(|m| m.etag.clone()));
            match self.manifest(state, &screen_id, 48, now).await {
                Ok(m) if previous.as_deref() != Some(m.etag.as_str()) => {
                    let kind = if alert { "alert" } else { "manifest_changed" };
                    self.send_to(&screen_id, &message(kind, json!({"etag": m.etag})));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(screen_id, error = %e, "hub: manifest failed"),
            }
        }
    }

    /// Runs until the event channel closes: turns change events into pushes, and every 5 s notices schedule
    /// changes made by other processes.
    pub async fn run(self: Arc<Self>, state: AppState) {
        use crate::events::ServerEvent;
        use tokio::sync::broadcast::error::RecvError;
        let mut rx = state.events.subscribe();
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                ev = rx.recv() => match ev {
                    Ok(ServerEvent::ScheduleChanged { screens }) => self.refresh(&state, screens, false).await,
                    Ok(ServerEvent::AlertsChanged) => self.refresh(&state, None, true).await,
                    Ok(ServerEvent::Command { screen_id, command }) => {
                        let id = twincast_store::new_id();
                        self.send_to(&screen_id, &message("command", json!({"id": id, "command": command})));
                    }
                    Err(RecvError::Lagged(_)) => self.refresh(&state, None, true).await,
                    Err(RecvError::Closed) => break,
                },
                _ = tick.tick() => {
                    let known = self.version.load(Ordering::Acquire);
                    if let Ok(v) = state.store.schedule_version().await {
                        if known >= 0 && v != known {
                            self.refresh(&state, None, false).await;
                        }
                    }
                }
            }
        }
    }
}

#[derive(Serialize)]
struct ItemOut<'a> {
    campaign: &'a str,
    partner: Option<&'a str>,
    item: &'a str,
    kind: Value,
    duration_ms: i64,
    media: Option<&'a str>,
    template: Option<&'a str>,
    data: Option<&'a Value>,
    url: Option<&'a str>,
}

fn item_out<'a>(c: &'a tc::Campaign, r: &'a ResolvedItem) -> ItemOut<'a> {
    ItemOut {
        campaign: &c.id,
        partner: (c.partner != "_network").then_some(c.partner.as_str()),
        item: &r.item,
        kind: serde_json::to_value(&r.kind).unwrap_or(Value::Null),
        duration_ms: r.duration_ms,
        media: r.media.as_ref().map(|m| m.id.as_str()),
        template: r.template.as_deref(),
        data: r.data.as_ref(),
        url: r.url.as_deref(),
    }
}

fn build_manifest(
    snap: &Snapshot,
    name: &str,
    screen: &tc::Screen,
    from: i64,
    hours: i64,
) -> Manifest {
    let to = from + hours * HOUR;
    let o = usize::from(screen.orientation == tc::Orientation::Portrait);
    let main: Vec<&tc::Campaign> = snap.main[o].iter().filter(|c| c.targets(screen)).collect();
    let ticker: Vec<&tc::Campaign> = snap.ticker[o]
        .iter()
        .filter(|c| c.targets(screen))
        .collect();
    let alert_ids: Vec<&str> = snap
        .alerts
        .iter()
        .filter(|a| a.targets(screen))
        .map(|a| a.id.as_str())
        .collect();
    let mut key = Sha256::new();
    for part in [
        snap.version.to_string(),
        from.to_string(),
        hours.to_string(),
        screen.tz.name().to_string(),
        o.to_string(),
    ] {
        key.update(part.as_bytes());
        key.update([0]);
    }
    for c in &main {
        key.update(b"m");
        key.update(c.id.as_bytes());
    }
    for c in &ticker {
        key.update(b"t");
        key.update(c.id.as_bytes());
    }
    for a in &alert_ids {
        key.update(b"a");
        key.update(a.as_bytes());
    }
    let key: [u8; 32] = key.finalize().into();
    let cached = snap.shared.lock().ok().and_then(|m| m.get(&key).cloned());
    let shared = match cached {
        Some(s) => s,
        None => {
            let s = Arc::new(build_shared(snap, screen, &main, &ticker, from, to, key));
            if let Ok(mut m) = snap.shared.lock() {
                m.insert(key, s.clone());
            }
            s
        }
    };
    let screen_json = json!({
        "id": screen.id, "name": name, "location_id": screen.location_id,
        "location_kind": screen.location_kind, "tz": screen.tz.name(), "lat": screen.lat, "lon": screen.lon,
        "width": screen.resolution.width, "height": screen.resolution.height,
        "orientation": screen.orientation, "tags": screen.tags, "groups": screen.groups,
    })
    .to_string();
    let mut h = Sha256::new();
    h.update(shared.digest);
    h.update(screen_json.as_bytes());
    let etag = format!("\"{}\"", &hex::encode(h.finalize())[..32]);
    let body = format!(
        "{{\"format\":1,\"etag\":{},\"schedule_version\":{},\"horizon\":{{\"from\":{from},\"to\":{to}}},\
         \"refresh_before\":{},\"screen\":{screen_json},{}}}",
        json!(etag),
        snap.version,
        from + (hours * HOUR / 2).max(HOUR),
        shared.tail
    );
    Manifest {
        etag,
        body: Bytes::from(body),
        version: snap.version,
        from,
        hours,
    }
}

fn build_shared(
    snap: &Snapshot,
    screen: &tc::Screen,
    main: &[&tc::Campaign],
    ticker: &[&tc::Campaign],
    from: i64,
    to: i64,
    key: [u8; 32],
) -> Shared {
    let o = usize::from(screen.orientation == tc::Orientation::Portrait);
    let resolved = &snap.resolved[o];
    let owned: Vec<tc::Campaign> = main.iter().map(|c| (*c).clone()).collect();
    let plays = tc::plan_horizon(screen, &owned, &snap.alerts, from, to);
    let by_id: HashMap<&str, &tc::Campaign> = main.iter().map(|c| (c.id.as_str(), *c)).collect();
    let mut items: Vec<ItemOut> = Vec::new();
    let mut item_index: HashMap<(&str, &str), i64> = HashMap::new();
    let mut media: BTreeMap<&str, &twincast_store::MediaRef> = BTreeMap::new();
    let mut alerts: Vec<Value> = Vec::new();
    let mut alert_index: HashMap<&str, i64> = HashMap::new();
    let mut seq: Vec<[i64; 4]> = Vec::with_capacity(plays.len());
    for p in &plays {
        let r = match p.kind {
            tc::PlayKind::Campaign => {
                let (Some(cid), Some(iid)) = (p.campaign.as_deref(), p.item.as_deref()) else {
                    continue;
                };
                let Some(c) = by_id.get(cid) else { continue };
                let Some(res) = resolved.get(&(cid.to_string(), iid.to_string())) else {
                    continue;
                };
                *item_index
                    .entry((c.id.as_str(), res.item.as_str()))
                    .or_insert_with(|| {
                        if let Some(m) = &res.media {
                            media.insert(m.id.as_str(), m);
                        }
                        items.push(item_out(c, res));
                        items.len() as i64 - 1
                    })
            }
            tc::PlayKind::Alert => {
                let Some(aid) = p.alert.as_deref() else {
                    continue;
                };
                let Some(a) = snap.alerts.iter().find(|a| a.id == aid) else {
                    continue;
                };
                let idx = *alert_index.entry(a.id.as_str()).or_insert_with(|| {
                    alerts.push(json!({
                        "id": a.id, "severity": a.severity, "headline": a.headline,
                        "description": a.description, "instruction": a.instruction,
                        "effective": a.effective, "expires": a.expires,
                    }));
                    alerts.len() as i64 - 1
                });
                -idx - 1
            }
        };
        seq.push([p.start - from, p.end - p.start, r, i64::from(p.truncated)]);
    }
    let mut ticker_items: Vec<ItemOut> = Vec::new();
    for c in ticker {
        for it in &c.items {
            if let Some(res) = resolved.get(&(c.id.clone(), it.id.clone())) {
                if let Some(m) = &res.media {
                    media.insert(m.id.as_str(), m);
                }
                ticker_items.push(item_out(c, res));
            }
        }
    }
    let layout_name = if ticker.is_empty() {
        "fullscreen"
    } else {
        "main_ticker_clock"
    };
    let portrait = o == 1;
    let tail = json!({
        "layout": {
            "name": layout_name,
            "orientation": if portrait { "portrait" } else { "landscape" },
            "zones": twincast_store::layout_zones(layout_name, portrait),
        },
        "items": items,
        "alerts": alerts,
        "plays": seq,
        "ticker": ticker_items,
        "media": media.values().collect::<Vec<_>>(),
    })
    .to_string();
    // `tail` is an object; strip its braces to splice it after the screen part.
    let tail = tail[1..tail.len() - 1].to_string();
    let mut d = Sha256::new();
    d.update(key);
    d.update(tail.as_bytes());
    Shared {
        digest: d.finalize().into(),
        tail,
    }
}
