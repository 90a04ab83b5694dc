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

/// A built manifest of one screen: a small screen-specific prefix followed by a suffix shared by every screen
/// with the same inputs (so 10,000 screens do not hold 10,000 copies of the play sequence).
#[derive(Clone)]
pub struct Manifest {
    /// Quoted strong ETag.
    pub etag: String,
    /// Screen-specific start of the JSON body.
    prefix: Bytes,
    /// The gzip header and the prefix as stored (uncompressed, byte-aligned) deflate blocks.
    prefix_gz: Bytes,
    /// CRC-32 of the prefix.
    prefix_crc: crc32fast::Hasher,
    shared: Arc<Shared>,
    /// Schedule version it was built from.
    pub version: i64,
    /// Horizon start.
    pub from: i64,
    /// Horizon hours.
    pub hours: i64,
}

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manifest")
            .field("etag", &self.etag)
            .field("len", &self.len())
            .finish()
    }
}

impl Manifest {
    /// Length of the JSON body.
    fn len(&self) -> usize {
        self.prefix.len() + self.shared.suffix.len()
    }

    /// The JSON body as chunks (no copy of the shared part).
    pub fn chunks(&self) -> [Bytes; 2] {
        [self.prefix.clone(), self.shared.suffix.clone()]
    }

    /// The body gzip-encoded, as chunks: the screen's deflated prefix, the shared deflated suffix (compressed
    /// once per shared computation) and the trailer. Non-final stored blocks followed by an independently
    /// compressed stream form one valid deflate stream (RFC 1951: stored blocks end byte-aligned and no back
    /// reference crosses the seam); the CRC-32 of the whole is combined from the two parts' CRCs.
    pub fn gzip_chunks(&self) -> [Bytes; 3] {
        let mut crc = self.prefix_crc.clone();
        crc.combine(&self.shared.suffix_crc);
        let mut trailer = Vec::with_capacity(8);
        trailer.extend_from_slice(&crc.finalize().to_le_bytes());
        trailer.extend_from_slice(&(self.len() as u32).to_le_bytes());
        [
            self.prefix_gz.clone(),
            self.shared
                .suffix_gz
                .get_or_init(|| Bytes::from(deflate_final(&self.shared.suffix)))
                .clone(),
            Bytes::from(trailer),
        ]
    }
}

/// Compression level of the shared part (compressed once per group of screens; 6 halves the bytes of 1 on the
/// play sequence for a few milliseconds more).
const GZIP_LEVEL: u32 = 6;

/// gzip member header: deflate, no flags, no mtime, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `data` as raw deflate *stored* blocks, not final (a cheap, byte-aligned start of a deflate stream).
fn deflate_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / 65_535 + 1));
    for chunk in data.chunks(65_535) {
        let len = chunk.len() as u16;
        out.push(0); // BFINAL = 0, BTYPE = 00 (stored), padded to the byte boundary
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// `data` compressed as a complete raw deflate stream (final block included).
fn deflate_final(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 8 + 64),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

struct Shared {
    digest: [u8; 32],
    /// `,"layout":…}`: the end of every body built from it.
    suffix: Bytes,
    /// `suffix` as raw deflate blocks, final; compressed on first use (off the push path).
    suffix_gz: std::sync::OnceLock<Bytes>,
    suffix_crc: crc32fast::Hasher,
}

struct Snapshot {
    version: i64,
    /// Main-zone campaigns per orientation (0 landscape, 1 portrait).
    main: [Vec<tc::Campaign>; 2],
    ticker: [Vec<tc::Campaign>; 2],
    alerts: Vec<tc::Alert>,
    resolved: [HashMap<(String, String), ResolvedItem>; 2],
    shared: Mutex<HashMap<[u8; 32], Arc<Shared>>>,
    /// Whether some campaign targets screens by id (then every screen has its own targeting).
    ids_matter: bool,
    targeting: Mutex<HashMap<String, Arc<Targeting>>>,
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
    /// The manifest ETag each connected screen was last told about (`hello` or a push).
    announced: RwLock<HashMap<String, String>>,
    /// Heartbeats waiting for the next group commit.
    heartbeats: Arc<GroupCommit>,
}

type Pending = (
    twincast_store::HeartbeatRecord,
    tokio::sync::oneshot::Sender<Result<(), String>>,
);

/// Group commit of heartbeats: whoever finds no write in progress starts a writer task that stores everything
/// queued so far in one transaction, answers those requests, and repeats until the queue is empty. Alone, a
/// heartbeat is written at once; under load, many share one durable write. Every heartbeat is answered only
/// after its transaction committed.
#[derive(Default)]
struct GroupCommit {
    pending: Mutex<Vec<Pending>>,
    writing: std::sync::atomic::AtomicBool,
}

impl GroupCommit {
    async fn write_all(self: Arc<Self>, store: twincast_store::Store) {
        loop {
            let batch = self
                .pending
                .lock()
                .map(|mut p| std::mem::take(&mut *p))
                .unwrap_or_default();
            if batch.is_empty() {
                self.writing.store(false, Ordering::Release);
                // A heartbeat queued between the take and the store above found `writing` set: take it over.
                let more = self.pending.lock().map(|p| !p.is_empty()).unwrap_or(false);
                if more && !self.writing.swap(true, Ordering::AcqRel) {
                    continue;
                }
                return;
            }
            let rows: Vec<_> = batch.iter().map(|(r, _)| r.clone()).collect();
            match store.record_heartbeats(&rows).await {
                Ok(()) => {
                    for (_, done) in batch {
                        let _ = done.send(Ok(()));
                    }
                }
                // One bad row (say, of a screen deleted meanwhile) must not fail its neighbours: one by one.
                Err(e) if batch.len() == 1 => {
                    for (_, done) in batch {
                        let _ = done.send(Err(e.to_string()));
                    }
                }
                Err(_) => {
                    for (row, done) in batch {
                        let result = store
                            .record_heartbeats(std::slice::from_ref(&row))
                            .await
                            .map_err(|e| e.to_string());
                        let _ = done.send(result);
                    }
                }
            }
        }
    }
}

/// Shared parts built, and the microseconds spent building them (for the refresh log line).
static SHARED_BUILDS: AtomicU64 = AtomicU64::new(0);
static SHARED_BUILD_US: AtomicU64 = AtomicU64::new(0);

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
            announced: RwLock::default(),
            heartbeats: Arc::default(),
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
                    if let Ok(mut a) = self.announced.write() {
                        a.remove(screen_id);
                    }
                }
            }
        }
    }

    /// Stores a heartbeat durably (group commit with the heartbeats arriving meanwhile).
    pub async fn record_heartbeat(
        &self,
        store: &twincast_store::Store,
        record: twincast_store::HeartbeatRecord,
    ) -> Result<(), String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if let Ok(mut p) = self.heartbeats.pending.lock() {
            p.push((record, tx));
        }
        if !self.heartbeats.writing.swap(true, Ordering::AcqRel) {
            // A task of its own: the request may be cancelled, the write must finish.
            tokio::spawn(self.heartbeats.clone().write_all(store.clone()));
        }
        rx.await
            .unwrap_or_else(|_| Err("the heartbeat writer stopped".into()))
    }

    /// Records the manifest ETag a screen's socket was told about (in `hello`).
    pub fn announced(&self, screen_id: &str, etag: &str) {
        if let Ok(mut a) = self.announced.write() {
            a.insert(screen_id.to_string(), etag.to_string());
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
        let ids_matter = main
            .iter()
            .chain(ticker.iter())
            .flatten()
            .any(|c| !c.targets.screens.is_empty());
        let snap = Arc::new(Snapshot {
            version,
            main,
            ticker,
            alerts,
            resolved,
            shared: Mutex::default(),
            ids_matter,
            targeting: Mutex::default(),
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

    /// Fills the screen cache in one go when many of `ids` are missing or stale (one query instead of thousands
    /// during a refresh of a large fleet).
    async fn load_screens(&self, state: &AppState, ids: &[String]) {
        let stale = self
            .screens
            .read()
            .map(|s| {
                ids.iter()
                    .filter(|id| s.get(*id).is_none_or(|c| c.at.elapsed() >= SCREEN_TTL))
                    .count()
            })
            .unwrap_or(0);
        if stale < 64 {
            return;
        }
        match state.store.all_core_screens().await {
            Ok(all) => {
                if let Ok(mut s) = self.screens.write() {
                    let at = Instant::now();
                    for (name, screen) in all {
                        s.insert(screen.id.clone(), CachedScreen { at, name, screen });
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "hub: cannot load the screens"),
        }
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
        // Campaign and alert changes leave screens as they are; group changes name the screens they touch.
        if let Some(list) = &only {
            self.forget_screens(Some(list));
        }
        let targets = match only {
            Some(list) => list,
            None => self.connected_screens(),
        };
        self.load_screens(state, &targets).await;
        let now = twincast_store::now_ms();
        let kind = if alert { "alert" } else { "manifest_changed" };
        let started = Instant::now();
        let (considered, mut pushed) = (targets.len(), 0usize);
        let (builds0, build_us0) = (
            SHARED_BUILDS.load(Ordering::Relaxed),
            SHARED_BUILD_US.load(Ordering::Relaxed),
        );
        for (n, screen_id) in targets.into_iter().enumerate() {
            if !self.is_connected(&screen_id) {
                continue;
            }
            // Let the sockets just told (woken on this worker) send before computing more.
            if n % 32 == 31 {
                tokio::task::yield_now().await;
            }
            match self.manifest(state, &screen_id, 48, now).await {
                Ok(m) => {
                    // Compared with what the screen was told, not with the cache: a request of the screen's
                    // own (a heartbeat, a poll) may have rebuilt the cache before this loop got to it.
                    let told = self
                        .announced
                        .read()
                        .ok()
                        .and_then(|a| a.get(&screen_id).cloned());
                    if told.as_deref() != Some(m.etag.as_str()) {
                        self.announced(&screen_id, &m.etag);
                        self.send_to(&screen_id, &message(kind, json!({"etag": m.etag})));
                        pushed += 1;
                    }
                }
                Err(e) => tracing::warn!(screen_id, error = %e, "hub: manifest failed"),
            }
        }
        tracing::info!(
            considered,
            pushed,
            ms = started.elapsed().as_millis() as u64,
            shared_built = SHARED_BUILDS.load(Ordering::Relaxed) - builds0,
            shared_ms = (SHARED_BUILD_US.load(Ordering::Relaxed) - build_us0) / 1000,
            "hub: manifests refreshed"
        );
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
                            // Another process changed something, maybe screens or groups: reload them too.
                            self.forget_screens(None);
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

/// What targets a screen (indices into the snapshot's lists) and the key of its shared part.
struct Targeting {
    main: Vec<usize>,
    ticker: Vec<usize>,
    key: [u8; 32],
}

/// Everything targeting can depend on, besides the screen id, which counts only when a campaign lists screens.
fn targeting_signature(snap: &Snapshot, s: &tc::Screen, o: usize, from: i64, hours: i64) -> String {
    let id = if snap.ids_matter { s.id.as_str() } else { "" };
    format!(
        "{id}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}\u{0}{}\u{0}{}\u{0}{}\u{0}{o}\u{0}{from}\u{0}{hours}",
        s.location_id,
        s.location_kind,
        s.tags,
        s.groups,
        s.lat,
        s.lon,
        s.tz.name(),
    )
}

fn targeting(snap: &Snapshot, screen: &tc::Screen, o: usize, from: i64, hours: i64) -> Targeting {
    let pick = |list: &[tc::Campaign]| -> Vec<usize> {
        list.iter()
            .enumerate()
            .filter(|(_, c)| c.targets(screen))
            .map(|(i, _)| i)
            .collect()
    };
    let main = pick(&snap.main[o]);
    let ticker = pick(&snap.ticker[o]);
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
    for &i in &main {
        key.update(b"m");
        key.update(snap.main[o][i].id.as_bytes());
    }
    for &i in &ticker {
        key.update(b"t");
        key.update(snap.ticker[o][i].id.as_bytes());
    }
    for a in snap.alerts.iter().filter(|a| a.targets(screen)) {
        key.update(b"a");
        key.update(a.id.as_bytes());
    }
    Targeting {
        main,
        ticker,
        key: key.finalize().into(),
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
    // Which campaigns and alerts target a screen depends only on the fields targets look at; screens that agree
    // on them (all screens of one location, typically) share the filtering and the key.
    let sig = targeting_signature(snap, screen, o, from, hours);
    let known = snap
        .targeting
        .lock()
        .ok()
        .and_then(|m| m.get(&sig).cloned());
    let targeting = match known {
        Some(t) => t,
        None => {
            let t = Arc::new(targeting(snap, screen, o, from, hours));
            if let Ok(mut m) = snap.targeting.lock() {
                m.insert(sig, t.clone());
            }
            t
        }
    };
    let key = targeting.key;
    let cached = snap.shared.lock().ok().and_then(|m| m.get(&key).cloned());
    let shared = match cached {
        Some(s) => s,
        None => {
            let main: Vec<&tc::Campaign> =
                targeting.main.iter().map(|&i| &snap.main[o][i]).collect();
            let ticker: Vec<&tc::Campaign> = targeting
                .ticker
                .iter()
                .map(|&i| &snap.ticker[o][i])
                .collect();
            let t = Instant::now();
            let s = Arc::new(build_shared(snap, screen, &main, &ticker, from, to, key));
            SHARED_BUILDS.fetch_add(1, Ordering::Relaxed);
            SHARED_BUILD_US.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
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
    let prefix = format!(
        "{{\"format\":2,\"etag\":{},\"schedule_version\":{},\"horizon\":{{\"from\":{from},\"to\":{to}}},\
         \"refresh_before\":{},\"screen\":{screen_json}",
        json!(etag),
        snap.version,
        from + (hours * HOUR / 2).max(HOUR),
    );
    let mut prefix_gz = GZIP_HEADER.to_vec();
    prefix_gz.extend_from_slice(&deflate_stored(prefix.as_bytes()));
    let mut prefix_crc = crc32fast::Hasher::new();
    prefix_crc.update(prefix.as_bytes());
    Manifest {
        etag,
        prefix: Bytes::from(prefix),
        prefix_gz: Bytes::from(prefix_gz),
        prefix_crc,
        shared,
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
                if let Some(&i) = item_index.get(&(cid, iid)) {
                    i
                } else {
                    let Some(c) = by_id.get(cid) else { continue };
                    let Some(res) = resolved.get(&(cid.to_string(), iid.to_string())) else {
                        continue;
                    };
                    if let Some(m) = &res.media {
                        media.insert(m.id.as_str(), m);
                    }
                    items.push(item_out(c, res));
                    let i = items.len() as i64 - 1;
                    item_index.insert((cid, iid), i);
                    i
                }
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
    // Keys in order (as a map serializes them); the play sequence, the bulk, is written directly.
    let head = json!({
        "alerts": alerts,
        "items": items,
        "layout": {
            "name": layout_name,
            "orientation": if portrait { "portrait" } else { "landscape" },
            "zones": twincast_store::layout_zones(layout_name, portrait),
        },
        "media": media.values().collect::<Vec<_>>(),
    })
    .to_string();
    let mut tail = String::with_capacity(head.len() + seq.len() * 24 + 256);
    tail.push_str(&head[..head.len() - 1]);
    // Format 2: a play that starts where the previous one ended omits its start (`[duration, ref]`, or
    // `[duration, ref, 1]` when truncated); others are `[start_offset, duration, ref, truncated]`. A rotation then
    // repeats the same few entries, which gzip shrinks about eightfold compared with explicit starts.
    tail.push_str(",\"plays\":[");
    let mut prev_end = 0;
    for (i, [start, len, r, truncated]) in seq.iter().enumerate() {
        let mut b = itoa::Buffer::new();
        tail.push_str(if i > 0 { ",[" } else { "[" });
        if *start != prev_end {
            tail.push_str(b.format(*start));
            tail.push(',');
        }
        tail.push_str(b.format(*len));
        tail.push(',');
        tail.push_str(b.format(*r));
        if *start != prev_end {
            tail.push(',');
            tail.push_str(b.format(*truncated));
        } else if *truncated != 0 {
            tail.push_str(",1");
        }
        tail.push(']');
        prev_end = start + len;
    }
    tail.push_str("],\"ticker\":");
    tail.push_str(&serde_json::to_string(&ticker_items).unwrap_or_else(|_| "[]".into()));
    tail.push('}');
    // `tail` is an object; replace its opening brace with a comma to splice it after the screen part.
    let suffix = format!(",{}", &tail[1..]);
    let mut suffix_crc = crc32fast::Hasher::new();
    suffix_crc.update(suffix.as_bytes());
    // The key already names the schedule version and the inputs; the CRC and length of the content catch any
    // change of what they resolve to (e.g. a media rendition) without hashing 300 KB again.
    let mut d = Sha256::new();
    d.update(key);
    d.update(suffix_crc.clone().finalize().to_le_bytes());
    d.update((suffix.len() as u64).to_le_bytes());

    Shared {
        digest: d.finalize().into(),
        suffix: Bytes::from(suffix),
        suffix_crc,
        suffix_gz: std::sync::OnceLock::new(),
    }
}
