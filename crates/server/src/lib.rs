//! The Twincast HTTP server: the `/api/v1` JSON API (with its OpenAPI document), content-addressed media delivery,
//! sessions and tokens, the operations endpoints, the background media worker and the embedded web pages.
//!
//! [`Server::start`] takes a bound listener and a shutdown future, so tests run the real server on port 0.

pub mod api;
pub mod auth;
pub mod config;
pub mod delivery;
pub mod error;
pub mod events;
pub mod hub;
pub mod manifest;
pub mod ops;
pub mod player_web;

use crate::config::Config;
use crate::error::StartError;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::net::TcpListener;
use twincast_media::Storage;
use twincast_store::Store;

/// Everything a request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The application layer: every domain operation (shares `store`, `storage`, `events`, `jobs_notify`).
    pub app: twincast_app::App,
    /// The database.
    pub store: Store,
    /// The object store.
    pub storage: Storage,
    /// Settings.
    pub config: Arc<Config>,
    /// Sizes of objects known to be committed (object key → bytes): delivery's fast path.
    pub delivered: Arc<RwLock<HashMap<String, u64>>>,
    /// Wakes the media worker when a job is queued (= `app.jobs_notify`).
    pub jobs_notify: Arc<tokio::sync::Notify>,
    /// Whether ffmpeg is on PATH.
    pub transcoding: bool,
    /// Prometheus rendering.
    pub metrics: PrometheusHandle,
    /// Change notifications (schedules, alerts, commands) for the screens' push channel (= `app.events`).
    pub events: tokio::sync::broadcast::Sender<events::ServerEvent>,
    /// Player connections, device-token and manifest caches.
    pub hub: Arc<hub::Hub>,
    /// Set when the node has been told to stop: `/readyz` answers 503 and new screen sockets are refused, so a load
    /// balancer moves traffic to the other nodes (`drain_secs`).
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}

fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Only the first server in a process installs the global recorder (tests start many).
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

impl AppState {
    /// Opens the database and storage named by `config` (applying migrations) and prepares the data directory.
    pub async fn open(config: Config) -> Result<AppState, StartError> {
        std::fs::create_dir_all(&config.data_dir).map_err(StartError::io(format!(
            "cannot create data directory {}",
            config.data_dir.display()
        )))?;
        std::fs::create_dir_all(config.tmp_dir())
            .map_err(StartError::io("cannot create the upload spool directory"))?;
        let store = Store::connect(&config.database_url())
            .await
            .map_err(StartError::store(format!(
                "opening database {}",
                twincast_store::redact(&config.database_url())
            )))?;
        let storage = Storage::open(&config.storage_url, &config.data_dir)
            .await
            .map_err(StartError::storage("opening object storage"))?;
        storage
            .create_bucket_if_missing()
            .await
            .map_err(StartError::storage("creating the storage bucket"))?;
        let transcoding = config.transcode && twincast_media::ffmpeg::available();
        let notify = config.notify_settings();
        notify.check().map_err(StartError::Config)?;
        config.check_map_tiles().map_err(StartError::Config)?;
        twincast_core::Zone::new(&config.site_time_zone).map_err(|e| {
            StartError::Config(format!("site_time_zone {:?}: {e}", config.site_time_zone))
        })?;
        let outbound = twincast_app::outbound::OutboundPolicy::parse(&config.fetch_allow_networks)
            .map_err(|e| StartError::Config(format!("fetch_allow_networks: {e}")))?;
        let proxies = twincast_app::proxies::TrustedProxies::parse(&config.trusted_proxies)
            .map_err(|e| StartError::Config(format!("trusted_proxies: {e}")))?;
        let app = twincast_app::App::new(
            store.clone(),
            storage.clone(),
            twincast_app::Settings {
                transcoding,
                session_ttl_secs: config.session_ttl_secs,
                offline_after_ms: config.offline_after_ms(),
                work_dir: config.work_dir(),
                notify,
                uploads_dir: config.data_dir.join("uploads"),
                max_upload_bytes: config.max_upload_bytes,
                host: config
                    .host_city
                    .as_ref()
                    .map(|h| twincast_app::portal::HostCity {
                        names: h.names.clone(),
                        lat: h.lat,
                        lon: h.lon,
                    }),
                site_time_zone: config.site_time_zone.clone(),
                cooperation: twincast_app::cooperation::CooperationSettings::default(),
                news_wire: twincast_app::news::wire::WireSettings {
                    timeout: std::time::Duration::from_secs(config.news_wire_timeout_secs.max(1)),
                },
                cap_sources: twincast_app::cap_sources::CapSettings {
                    timeout: std::time::Duration::from_secs(config.cap_timeout_secs.max(1)),
                },
                outbound,
                proxies,
                node_lease_ms: config.node_lease_secs.max(1) as i64 * 1000,
                login_per_minute: config.login_attempts_per_minute.max(1),
                interests_per_minute: config.interests_per_minute.max(1),
                proof_origin: proof_origin(&config.public_base_url),
                rendition_max_short_side: config.rendition_max_short_side,
                read_cache_ms: config.read_cache_ms,
            },
        );
        Ok(AppState {
            events: app.events.clone(),
            jobs_notify: app.jobs_notify.clone(),
            app,
            store,
            storage,
            delivered: Arc::default(),
            transcoding,
            metrics: metrics_handle(),
            hub: Arc::new(hub::Hub::new(hub::PlayerSettings::from_config(&config))),
            draining: Arc::default(),
            config: Arc::new(config),
        })
    }
}

/// What the console and portal pages reach: the application layer and hooks into this server (closing revoked
/// players' sockets; the rate limits are the app's, shared by every node).
fn pages(state: &AppState) -> twincast_pages::Pages {
    let hub = state.hub.clone();
    twincast_pages::Pages {
        app: state.app.clone(),
        secure_cookies: state.config.secure_cookies(),
        devices_revoked: Arc::new(move |screen, devices| hub.revoke(screen, devices)),
        token_ttl_ms: state.hub.settings.token_ttl_ms,
        caches: Default::default(),
        base_url: state
            .config
            .public_base_url
            .trim_end_matches('/')
            .to_string(),
        tiles: (!state.config.map_tile_url.is_empty()).then(|| twincast_pages::map::Tiles {
            url: state.config.map_tile_url.clone(),
            attribution: state.config.map_tile_attribution.clone(),
        }),
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let (api_router, mut openapi) = api::router().split_for_parts();
    utoipa::Modify::modify(&api::openapi::Conformance, &mut openapi);
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(api_router.layer(axum::middleware::map_response(
            error::problem_for_rejections,
        )))
        .merge(ops::router(openapi))
        .merge(delivery::router())
        .merge(player_web::router())
        .merge(twincast_pages::router(pages(&state)))
        .fallback(|| async { error::ApiError::not_found("no such page") })
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "this method is not allowed here",
            )
        })
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.app.clone(),
            ops::drop_reads_after_writes,
        ))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// How long background workers get to drain after the HTTP server has stopped.
pub const SHUTDOWN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// A running server.
pub struct Server {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Completes when the server has stopped (requests drained, workers stopped), with what the workers did.
    pub handle:
        tokio::task::JoinHandle<Result<twincast_app::background::ShutdownReport, StartError>>,
    /// The states of the background workers.
    pub workers: twincast_app::background::StateReader,
}

impl Server {
    /// Recovers from any earlier crash (spool, orphan objects, interrupted jobs), starts the media worker and
    /// serves on `listener` until `shutdown` completes, then drains in-flight requests.
    pub async fn start(
        state: AppState,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<Server, StartError> {
        Server::start_with(
            state,
            listener,
            shutdown,
            twincast_app::background::Supervisor::new(),
        )
        .await
    }

    /// [`Server::start`] with more background workers (e.g. the demo's media generation), stopped with the
    /// server's own.
    pub async fn start_with(
        state: AppState,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
        mut workers: twincast_app::background::Supervisor,
    ) -> Result<Server, StartError> {
        ops::recover(&state).await?;
        let addr = listener
            .local_addr()
            .map_err(StartError::io("reading the listening address"))?;
        for _ in 0..state.config.media_workers.max(1) {
            workers.spawn(twincast_app::jobs::MediaJobs::new(state.app.clone()));
        }
        let states = workers.state_reader();
        workers.spawn(hub::HubRefresh::new(state.clone()));
        // Many nodes on one PostgreSQL database: this node's lease, and change events to and from the others.
        workers.spawn(twincast_app::nodes::NodeLease::new(state.app.clone()));
        workers.spawn(twincast_app::fanout::Publisher::new(state.app.clone()));
        workers.spawn(twincast_app::fanout::Listener::new(state.app.clone()));
        let (health_watch, notifier) = twincast_app::health::workers(&state.app)
            .map_err(|e| StartError::Config(format!("notifications: {e}")))?;
        workers.spawn(health_watch);
        workers.spawn(notifier);
        workers.spawn(twincast_app::cooperation::InterestSweep::new(
            state.app.clone(),
        ));
        workers.spawn(twincast_app::news::TickerClock::new(state.app.clone()));
        workers.spawn(twincast_app::news::wire::WirePoller::new(state.app.clone()));
        workers.spawn(twincast_app::cap_sources::CapPoller::new(state.app.clone()));
        workers.spawn(twincast_app::proof::Checkpointer::new(state.app.clone()));
        // Only when retention is configured (so the worker count of a default start is unchanged).
        if state.config.play_retention_days > 0 {
            workers.spawn(twincast_app::reports::Compactor::new(
                state.app.clone(),
                state.config.play_retention_days,
            ));
        }
        let app = router(state.clone());
        let shutdown = drain_then(state.clone(), shutdown);
        let handle = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(StartError::io("serving HTTP"))?;
            let report = workers.shutdown(SHUTDOWN_DEADLINE).await;
            state.store.close().await;
            Ok(report)
        });
        Ok(Server {
            addr,
            handle,
            workers: states,
        })
    }
}

/// `shutdown`, then the drain: `/readyz` answers 503 for `drain_secs` while everything is still served (a load
/// balancer's health checks take the node out), then every screen's socket is closed with 1001 so its player
/// reconnects elsewhere; only then does the server stop listening and finish the requests in flight.
async fn drain_then(state: AppState, shutdown: impl Future<Output = ()> + Send + 'static) {
    shutdown.await;
    state
        .draining
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let secs = state.config.drain_secs;
    if secs > 0 {
        tracing::info!(secs, "draining: /readyz answers 503 before the node stops");
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    let sockets = state.hub.close_all(1001);
    tracing::info!(sockets, "closed the screens' sockets (going away)");
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: draining requests");
}

/// The transparency log's origin for a public base URL: `<host>/airtime` (`twincast.invalid/airtime` without
/// one). It is fixed when the log's key is made (docs/proof-of-play.md).
pub fn proof_origin(public_base_url: &str) -> String {
    let host = public_base_url
        .split("://")
        .nth(1)
        .unwrap_or("")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        "twincast.invalid/airtime".into()
    } else {
        format!("{}/airtime", host.to_ascii_lowercase())
    }
}
