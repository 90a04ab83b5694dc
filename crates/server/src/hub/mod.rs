//! The player hub: device-token cache, manifest cache and the players' WebSocket connections.
//!
//! It subscribes to [`AppState::events`]: on a schedule or alert change it recomputes the manifests of the
//! connected screens concerned and pushes `manifest_changed` / `alert` (with the new ETag) to their sockets; on a
//! command it delivers it to the screen's sockets (and queued commands when a screen connects). See `docs/player-protocol.md`; the messages are
//! [`twincast_protocol::Push`], the manifests are built in [`crate::manifest`].
//!
//! - `commands`: queued remote commands delivered to the screens' sockets.
//! - `connections`: the open sockets and what each screen was last told.
//! - `refresh`: change events → recomputed manifests → pushes (and the hub's metrics).

mod commands;
mod connections;
mod refresh;

use crate::manifest::build::{build_manifest, Snapshot};
use crate::AppState;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use twincast_core as tc;
use twincast_store::{Device, ResolvedItem, StoreError};

pub use crate::manifest::Manifest;
pub use refresh::HubRefresh;

/// Player-protocol settings: the offline silence from the configuration (`screen_offline_after_secs`, also
/// `TWINCAST_SCREEN_OFFLINE_AFTER_SECS` through the CLI), the device-token lifetime from the environment
/// (`TWINCAST_DEVICE_TOKEN_TTL_DAYS`).
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
    /// The settings of `config`, the token lifetime overridden by the environment.
    pub fn from_config(config: &crate::config::Config) -> PlayerSettings {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<i64>().ok());
        PlayerSettings {
            offline_after_ms: config.offline_after_ms(),
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
    conns: RwLock<HashMap<String, Vec<connections::Conn>>>,
    next_conn: AtomicU64,
    version: AtomicI64,
    snapshot: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
    manifests: RwLock<HashMap<(String, i64), Arc<Manifest>>>,
    screens: RwLock<HashMap<String, CachedScreen>>,
    tokens: RwLock<HashMap<String, CachedDevice>>,
    /// The manifest ETag each connected screen was last told about (`hello` or a push).
    announced: RwLock<HashMap<String, String>>,
    /// Schedule-version reads for screens whose socket another node holds.
    gate: VersionGate,
    /// The newest version those reads saw (-1: none).
    seen: AtomicI64,
    /// Tokens read one by one since the token cache was last filled whole.
    token_misses: AtomicU64,
    /// Bumped whenever cached tokens are forgotten or revoked: a fill read before then is not used.
    token_generation: AtomicU64,
    /// When the fill under way started (the others read their token alone meanwhile). A fill whose request was
    /// cancelled never ends; after [`FILL_ABANDONED`] another may start.
    token_filling: std::sync::Mutex<Option<Instant>>,
    /// Screens read one by one since the cache was last filled whole.
    screen_misses: AtomicU64,
    /// Held while the screen cache is filled whole.
    filling: tokio::sync::Mutex<()>,
}

/// Screens (or device tokens) read one by one before their cache is filled whole: a burst of misses is a fleet
/// (re)connecting to this node (it just started, or another one stopped), and one query for every screen (token)
/// then replaces one or two per screen.
const MISS_BURST: u64 = 32;

/// Reads of the schedule version on behalf of requests that must not be answered from an older one, shared by the
/// requests that wait together.
///
/// Behind a balancer a screen's socket is on one node and its manifest GET may reach another. The socket's node
/// pushes `manifest_changed` only after it read the new version, so a GET that follows a push must be answered
/// with a version read after the GET arrived; this node may not have heard of the change yet (its fan-out listener
/// or refresh worker may be behind). Each such request waits for a read that *started* after it arrived: while one
/// read is out, the requests arriving meanwhile wait for it to finish and then share the next one, so a burst of
/// 10,000 GETs costs the database a few reads, not 10,000.
#[derive(Default)]
struct VersionGate {
    /// Reads started so far; a read is numbered by this count once it starts.
    started: AtomicU64,
    /// The number and result of the last finished read (one read at a time).
    last: tokio::sync::Mutex<(u64, i64)>,
}

impl VersionGate {
    /// A schedule version read after this call began.
    async fn fresh(&self, state: &AppState) -> Result<i64, StoreError> {
        let arrived = self.started.load(Ordering::Acquire);
        let mut last = self.last.lock().await;
        if last.0 > arrived {
            return Ok(last.1);
        }
        let n = self.started.fetch_add(1, Ordering::AcqRel) + 1;
        let v = state.store.schedule_version().await?;
        *last = (n, v);
        Ok(v)
    }
}

/// A token-cache fill not ended after this long was abandoned (its request cancelled).
const FILL_ABANDONED: Duration = Duration::from_secs(30);

const SCREEN_TTL: Duration = Duration::from_secs(60);
/// Behind a balancer every node sees each screen's requests (a heartbeat every 30 s spread over the nodes), so a
/// token must stay cached for several heartbeat periods or most requests read the database; revocations drop it at
/// once through the fan-out, and a resynchronisation drops them all.
const TOKEN_TTL: Duration = Duration::from_secs(300);
const HOUR: i64 = 3_600_000;

impl Hub {
    /// A hub with no connections.
    pub fn new(settings: PlayerSettings) -> Hub {
        Hub {
            settings,
            conns: RwLock::default(),
            next_conn: AtomicU64::new(1),
            version: AtomicI64::new(-1),
            snapshot: tokio::sync::Mutex::new(None),
            manifests: RwLock::default(),
            screens: RwLock::default(),
            tokens: RwLock::default(),
            announced: RwLock::default(),
            gate: VersionGate::default(),
            seen: AtomicI64::new(-1),
            screen_misses: AtomicU64::new(0),
            token_misses: AtomicU64::new(0),
            token_generation: AtomicU64::new(0),
            token_filling: std::sync::Mutex::new(None),
            filling: tokio::sync::Mutex::new(()),
        }
    }

    // ------------------------------------------------------------ tokens

    /// The cached device of a token hash (fresh for 5 minutes; revocations through any node drop it at once, through
    /// the change fan-out).
    pub fn cached_device(&self, token_hash: &str) -> Option<Device> {
        let t = self.tokens.read().ok()?;
        let c = t.get(token_hash)?;
        (c.at.elapsed() < TOKEN_TTL).then(|| c.device.clone())
    }

    /// Forgets every cached token (after a resynchronisation: a revocation may have been missed).
    pub fn forget_tokens(&self) {
        if let Ok(mut t) = self.tokens.write() {
            self.token_generation.fetch_add(1, Ordering::AcqRel);
            t.clear();
        }
    }

    /// Counts a token-cache miss; a miss that completes a burst (32 since the last fill) while no
    /// fill is under way gets the generation to fill the cache whole with, and must call [`Hub::fill_tokens`].
    pub fn token_fill_wanted(&self) -> Option<u64> {
        let n = self.token_misses.fetch_add(1, Ordering::AcqRel) + 1;
        if n < MISS_BURST {
            return None;
        }
        let mut filling = self.token_filling.lock().ok()?;
        if filling.is_some_and(|at| at.elapsed() < FILL_ABANDONED) {
            return None;
        }
        *filling = Some(Instant::now());
        Some(self.token_generation.load(Ordering::Acquire))
    }

    /// Caches every device of `devices` (token hash, device), unless tokens were forgotten or revoked since
    /// `generation` was handed out (the list, read before, may still hold a revoked one).
    pub fn fill_tokens(&self, generation: u64, devices: Vec<(String, Device)>) {
        if let Ok(mut t) = self.tokens.write() {
            // Checked under the lock revocations also take: none can slip between the check and the fill.
            if self.token_generation.load(Ordering::Acquire) == generation {
                let at = Instant::now();
                t.extend(
                    devices
                        .into_iter()
                        .map(|(hash, device)| (hash, CachedDevice { at, device })),
                );
            }
        }
        self.token_misses.store(0, Ordering::Release);
        if let Ok(mut filling) = self.token_filling.lock() {
            *filling = None;
        }
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

    // ------------------------------------------------------------ manifests

    /// Takes `version` (read after a change made by this request) as the schedule version, if newer than the one
    /// known; `None` forgets the known one (read again on next use).
    pub(crate) fn schedule_version_is(&self, version: Option<i64>) {
        match version {
            Some(v) => {
                self.version.fetch_max(v, Ordering::AcqRel);
            }
            None => self.version.store(-1, Ordering::Release),
        }
    }

    async fn current_version(&self, state: &AppState) -> Result<i64, StoreError> {
        let v = self.version.load(Ordering::Acquire);
        if v >= 0 {
            return Ok(v);
        }
        let v = state.store.schedule_version().await?;
        self.version.store(v, Ordering::Release);
        Ok(v)
    }

    /// The snapshot of `version`: the engine inputs of every screen ([`twincast_store::Store::schedule_catalog`],
    /// the same path as `Store::schedule_inputs`) with their items resolved per orientation.
    async fn snapshot(&self, state: &AppState, version: i64) -> Result<Arc<Snapshot>, StoreError> {
        let mut guard = self.snapshot.lock().await;
        if let Some(s) = guard.as_ref() {
            if s.version == version {
                return Ok(s.clone());
            }
        }
        let store = &state.store;
        let inputs = store.schedule_catalog().await?;
        let mut resolved: [HashMap<(String, String), ResolvedItem>; 2] = Default::default();
        // Indexed like the catalog's lists: 0 landscape, 1 portrait.
        for (o, by_item) in resolved.iter_mut().enumerate() {
            let free: Vec<tc::Campaign> = inputs.free[o].iter().map(|(_, c)| c.clone()).collect();
            for set in [&inputs.main[o], &inputs.ticker[o], &free] {
                for r in store.resolve_items(set).await? {
                    by_item.insert((r.campaign.clone(), r.item.clone()), r);
                }
            }
            for r in &inputs.desk_items {
                by_item.insert((r.campaign.clone(), r.item.clone()), r.clone());
            }
        }
        let layouts = store.layout_assignments().await?;
        let playback = crate::manifest::build::Playback {
            media: store.playback_media().await?,
            decodes: store.all_screen_decodes().await?,
            partners: store.partner_names().await?,
        };
        let snap = Arc::new(
            Snapshot::new(version, inputs, resolved)
                .with_layouts(layouts)
                .with_playback(playback),
        );
        *guard = Some(snap.clone());
        Ok(snap)
    }

    fn cached_screen(&self, screen_id: &str) -> Option<(String, tc::Screen)> {
        let s = self.screens.read().ok()?;
        let c = s.get(screen_id)?;
        (c.at.elapsed() < SCREEN_TTL).then(|| (c.name.clone(), c.screen.clone()))
    }

    async fn screen(
        &self,
        state: &AppState,
        screen_id: &str,
    ) -> Result<(String, tc::Screen), StoreError> {
        if let Some(hit) = self.cached_screen(screen_id) {
            return Ok(hit);
        }
        if self.screen_misses.fetch_add(1, Ordering::AcqRel) + 1 >= MISS_BURST {
            let _filling = self.filling.lock().await;
            // Whoever held the lock before may have filled it meanwhile.
            if self.screen_misses.load(Ordering::Acquire) >= MISS_BURST {
                self.load_all_screens(state).await;
                self.screen_misses.store(0, Ordering::Release);
            }
            if let Some(hit) = self.cached_screen(screen_id) {
                return Ok(hit);
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

    /// The manifest a screen asked for: as [`Hub::manifest`], but for a screen whose socket is not on this node the
    /// schedule version is read anew (the hub's version gate): the node holding the socket may have told the screen of
    /// a change this node has not heard of yet.
    pub async fn manifest_asked(
        &self,
        state: &AppState,
        screen_id: &str,
        hours: i64,
        now: i64,
    ) -> Result<Arc<Manifest>, StoreError> {
        if !self.is_connected(screen_id) {
            // Not stored as the known version: the refresh worker's 5 s poll compares with that one to notice
            // changes made elsewhere, and must still see this change as new.
            let fresh = self.gate.fresh(state).await?;
            self.seen.fetch_max(fresh, Ordering::AcqRel);
        }
        self.manifest(state, screen_id, hours, now).await
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
        // Every caller builds from the newest version any of them saw, so the shared snapshot never goes back.
        let version = self
            .current_version(state)
            .await?
            .max(self.seen.load(Ordering::Acquire));
        if let Ok(m) = self.manifests.read() {
            if let Some(m) = m.get(&(screen_id.to_string(), hours)) {
                if m.version == version && m.from == from {
                    return Ok(m.clone());
                }
            }
        }
        let snap = self.snapshot(state, version).await?;
        let (name, screen) = self.screen(state, screen_id).await?;
        let m = Arc::new(build_manifest(&snap, &name, &screen, from, hours)?);
        if let Ok(mut cache) = self.manifests.write() {
            cache.insert((screen_id.to_string(), hours), m.clone());
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str) -> Device {
        Device {
            id: id.into(),
            screen_id: format!("screen-{id}"),
            paired_at: 1,
            token_expires_at: i64::MAX,
            revoked_at: None,
            public_key: None,
        }
    }

    fn hub() -> Hub {
        Hub::new(PlayerSettings {
            offline_after_ms: 90_000,
            token_ttl_ms: 86_400_000,
            pairing_ttl_ms: 900_000,
            ping_every: Duration::from_secs(20),
        })
    }

    #[test]
    fn a_burst_of_token_misses_fills_the_cache_unless_a_revocation_came_between() {
        let hub = hub();
        let wanted: Vec<u64> = (0..MISS_BURST)
            .filter_map(|_| hub.token_fill_wanted())
            .collect();
        assert_eq!(wanted, vec![0], "one miss of the burst fills");
        assert_eq!(
            (0..3 * MISS_BURST).find_map(|_| hub.token_fill_wanted()),
            None,
            "no second fill while one is under way"
        );
        // Revoked while the list was read: the list may hold the revoked device, so nothing of it is kept.
        hub.revoke("screen-a", &["a".to_string()]);
        hub.fill_tokens(
            0,
            vec![("ha".into(), device("a")), ("hb".into(), device("b"))],
        );
        assert!(hub.cached_device("ha").is_none() && hub.cached_device("hb").is_none());
        // The next burst fills.
        let g = (0..MISS_BURST)
            .find_map(|_| hub.token_fill_wanted())
            .unwrap();
        hub.fill_tokens(g, vec![("hb".into(), device("b"))]);
        assert_eq!(hub.cached_device("hb").map(|d| d.id), Some("b".to_string()));
        // A resynchronisation forgets them all, and a fill read before it is not used.
        hub.forget_tokens();
        hub.fill_tokens(g, vec![("hb".into(), device("b"))]);
        assert!(hub.cached_device("hb").is_none());
    }
}
