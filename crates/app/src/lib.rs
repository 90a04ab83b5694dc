//! The Twincast application layer: every domain operation, once.
//!
//! Front doors (the HTTP server, the CLI) parse a request, build an [`access::Actor`], call one method of [`App`]
//! and render its result or its [`AppError`]. Each operation here does its validation (field rules in
//! [`validate`], schedule rules in `twincast_core`), its role checks, its writes through the store and object
//! storage, and emits the change events screens need ([`events`]). Time comes from an injected [`clock::Clock`].
//!
//! Architecture invariant: this crate knows nothing of HTTP (no axum, no status codes) and writes no SQL.

pub mod access;
pub mod airtime;
pub mod audit;
pub mod audit_query;
pub mod background;
pub mod backup;
pub mod cap_sources;
pub mod captions;
pub mod clock;
pub mod cooperation;
pub mod error;
pub mod events;
pub mod fanout;
pub mod group_commit;
pub mod health;
pub mod jobs;
pub mod layouts;
pub mod library;
pub mod limits;
pub mod media;
pub mod moderation;
pub mod news;
pub mod nodes;
pub mod outbound;
pub mod partners;
pub mod places;
pub mod player;
mod polled;
pub mod portal;
pub mod proof;
pub mod proxies;
pub mod reads;
pub mod reports;
pub mod revision;
pub mod schedule;
pub mod secrets;
pub mod settings_view;
pub mod uploads;
pub mod users;
pub mod validate;

pub use access::Actor;
pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use error::{AppError, AppResult};
pub use events::ServerEvent;

use std::path::PathBuf;
use std::sync::Arc;
use twincast_media::Storage;
use twincast_store::Store;

/// Settings the domain operations need (a subset of the server's configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether ffmpeg is available and transcoding is on.
    pub transcoding: bool,
    /// Session lifetime in seconds.
    pub session_ttl_secs: u64,
    /// Silence after which a screen counts as offline, in ms.
    pub offline_after_ms: i64,
    /// Scratch directory of background jobs.
    pub work_dir: PathBuf,
    /// Where offline/online notifications go.
    pub notify: health::NotifySettings,
    /// Spool directory of resumable uploads (`uploads`).
    pub uploads_dir: PathBuf,
    /// The largest file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The host city (where the screens are), for the portal's distances; `None`: not configured.
    pub host: Option<portal::HostCity>,
    /// The site's IANA time zone: scheduled publication times without an offset are read in it.
    pub site_time_zone: String,
    /// The cooperation catalogue's settings (IATI reporting organisation, interest retention, form tokens).
    pub cooperation: cooperation::CooperationSettings,
    /// How the news desk's wire import fetches feeds.
    pub news_wire: news::wire::WireSettings,
    /// How CAP subscriptions fetch their sources.
    pub cap_sources: cap_sources::CapSettings,
    /// Which private networks fetches of URLs people type in (wire sources) may reach.
    pub outbound: outbound::OutboundPolicy,
    /// Which peers' `X-Forwarded-For` names the client (load balancers, reverse proxies).
    pub proxies: proxies::TrustedProxies,
    /// How long a node's lease lasts without renewal, ms (default 30 s): a node dead this long loses its running
    /// jobs and pending objects to the others (see [`nodes`]).
    pub node_lease_ms: i64,
    /// Login attempts allowed per client address and minute, across every node (see [`limits`]).
    pub login_per_minute: u32,
    /// Expressions of interest a client address may send per minute (a sliding minute shared by every node).
    pub interests_per_minute: u32,
    /// The transparency log's origin: the first line of its checkpoints and its key's name (e.g.
    /// `screens.example.org/airtime`; no spaces, no `+`).
    pub proof_origin: String,
    /// The screen rendition's short side at most, in pixels (0: the source's size; never enlarged).
    pub rendition_max_short_side: u32,
    /// How long sessions and the console's busiest reads are kept, ms (0: not at all; see [`reads`]).
    pub read_cache_ms: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            transcoding: false,
            session_ttl_secs: 12 * 3600,
            offline_after_ms: 90_000,
            work_dir: std::env::temp_dir().join("twincast-work"),
            notify: health::NotifySettings::default(),
            uploads_dir: std::env::temp_dir().join("twincast-uploads"),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            host: None,
            site_time_zone: "UTC".into(),
            cooperation: cooperation::CooperationSettings::default(),
            news_wire: news::wire::WireSettings::default(),
            cap_sources: cap_sources::CapSettings::default(),
            outbound: outbound::OutboundPolicy::default(),
            proxies: proxies::TrustedProxies::default(),
            node_lease_ms: 30_000,
            login_per_minute: 10,
            interests_per_minute: 5,
            proof_origin: "twincast.invalid/airtime".into(),
            rendition_max_short_side: 1080,
            read_cache_ms: 2_000,
        }
    }
}

/// The application: the store, object storage, clock, settings and the change channel. Cheap to clone.
#[derive(Clone, Debug)]
pub struct App {
    /// The database.
    pub store: Store,
    /// The object store.
    pub storage: Storage,
    /// Where time comes from.
    pub clock: SharedClock,
    /// Settings.
    pub settings: Arc<Settings>,
    /// Change notifications for the screens' push channel (schedules, alerts, commands).
    pub events: tokio::sync::broadcast::Sender<ServerEvent>,
    /// This process's id among the nodes of the database (new at every start; see [`nodes`]).
    pub node_id: Arc<str>,
    /// Where [`App::emit`] also sends events for the other nodes (set by [`fanout::Publisher`] on PostgreSQL).
    pub fanout: Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<ServerEvent>>>,
    /// Wakes the media job worker when a job is queued.
    pub jobs_notify: Arc<tokio::sync::Notify>,
    /// Wakes the notifier when notifications are queued.
    pub outbox_notify: Arc<tokio::sync::Notify>,
    /// Wakes the CAP poller when a source is added or changed.
    pub cap_poll_notify: Arc<tokio::sync::Notify>,
    /// What the public portal keeps between requests.
    pub portal: Arc<portal::PortalCache>,
    /// The portal's full-text index (in memory; rebuilt from the database, see `portal::search`).
    pub search: Arc<twincast_search::SearchIndex>,
    /// What the airtime charts and fairness keep between requests (planned shares, public figures).
    pub airtime: Arc<airtime::AirtimeCache>,
    /// Sessions and console reads kept for a moment (see [`reads`]).
    pub reads: Arc<reads::Reads>,
    /// Proof-of-play batches appended many to a transaction (see [`group_commit`]).
    pub plays: Arc<proof::PlaysCommitter>,
    /// Heartbeats stored many to a transaction (see [`group_commit`]).
    pub heartbeats: Arc<player::HeartbeatsCommitter>,
    /// Sockets' hellos: screens marked as seen and queued commands read many at a time (see [`player::hello`]).
    pub hellos: Arc<player::Hellos>,
}

impl App {
    /// An application over `store` and `storage` with the system clock.
    pub fn new(store: Store, storage: Storage, settings: Settings) -> App {
        App {
            plays: proof::plays_committer(store.clone()),
            heartbeats: player::heartbeats_committer(store.clone()),
            hellos: Arc::new(player::Hellos::new(store.clone())),
            store,
            storage,
            clock: Arc::new(SystemClock),
            events: tokio::sync::broadcast::channel(events::EVENT_CAPACITY).0,
            node_id: twincast_store::new_id().into(),
            fanout: Arc::default(),
            jobs_notify: Arc::default(),
            outbox_notify: Arc::default(),
            cap_poll_notify: Arc::default(),
            portal: Arc::default(),
            search: Arc::new(
                twincast_search::SearchIndex::in_memory()
                    .expect("an in-memory index needs no IO and always opens"),
            ),
            airtime: Arc::default(),
            reads: Arc::new(reads::Reads::new(settings.read_cache_ms)),
            settings: Arc::new(settings),
        }
    }

    /// The same application reading time from `clock`.
    pub fn with_clock(mut self, clock: SharedClock) -> App {
        self.clock = clock;
        self
    }

    /// Now, in epoch milliseconds, from the application's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Announces a change to whoever listens (the player hub of this process at once, and the other nodes' through
    /// [`fanout`] when the database is shared). Nobody listening is not an error.
    pub fn emit(&self, event: ServerEvent) {
        if let Some(out) = self.fanout.get() {
            let _ = out.send(event.clone());
        }
        let _ = self.events.send(event);
    }

    /// Announces revoked devices of `screen_id` (every node's hub forgets their tokens and closes their sockets).
    pub fn devices_revoked(&self, screen_id: &str, devices: &[String]) {
        if !devices.is_empty() {
            self.emit(ServerEvent::DevicesRevoked {
                screen_id: screen_id.to_string(),
                devices: devices.to_vec(),
            });
        }
    }
}
