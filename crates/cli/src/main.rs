//! `twincast`: one binary for the whole system. See `twincast --help`.

mod accounts;
mod backup;
mod demo;
mod fleet;
mod verify;

use accounts::{TokenCmd, UserCmd};

/// The allocator: mimalloc gives freed memory back to the system after a burst (a change rebuilds every screen's
/// manifest at once), where glibc's per-thread arenas kept their high-water mark; in the soak it also held the server
/// about 90 MiB lower (docs/benchmarks.md, "Soak").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use twincast_server::config::{Config, LogFormat};
use twincast_server::AppState;

#[derive(Parser)]
#[command(
    name = "twincast",
    version,
    about = "Showcase screen network and portal server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: shared by every subcommand that touches the database or storage.
#[derive(Args, Clone, Default)]
struct Common {
    /// TOML configuration file (`twincast config example` prints one).
    #[arg(long, env = "TWINCAST_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, local objects, spool).
    #[arg(long, env = "TWINCAST_DATA_DIR", global = true)]
    data: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(long, env = "TWINCAST_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Object storage URL: file:///DIR or s3://BUCKET?endpoint=…&region=…&access_key_id=…&secret_access_key=…
    #[arg(long = "storage", env = "TWINCAST_STORAGE_URL", global = true)]
    storage_url: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "TWINCAST_LOG_FORMAT", global = true)]
    log_format: Option<LogFormat>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TWINCAST_LISTEN")]
    listen: Option<String>,
    /// Largest accepted upload in bytes.
    #[arg(long, env = "TWINCAST_MAX_UPLOAD_BYTES")]
    max_upload_bytes: Option<u64>,
    /// Public base URL (https://… makes cookies Secure).
    #[arg(long, env = "TWINCAST_PUBLIC_BASE_URL")]
    public_base_url: Option<String>,
    /// Seconds `/readyz` answers 503 after SIGTERM before the node stops (behind a load balancer).
    #[arg(long, env = "TWINCAST_DRAIN_SECS")]
    drain_secs: Option<u64>,
    /// With S3 storage: redirect media requests to presigned URLs valid this many seconds (0: serve them).
    #[arg(long, env = "TWINCAST_MEDIA_REDIRECT_SECS")]
    media_redirect_secs: Option<u64>,
    /// A load balancer's network whose X-Forwarded-For is believed, as a CIDR (repeat, or comma-separated in the
    /// environment).
    #[arg(
        long = "trusted-proxy",
        env = "TWINCAST_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Option<Vec<String>>,
}

/// Screen health, offline alerts, the console's maps and outbound fetches (serve, demo); each overrides the
/// configuration file.
#[derive(Args, Clone, Default)]
struct HealthArgs {
    /// Seconds of silence after which a screen is offline (and alerts).
    #[arg(long, env = "TWINCAST_SCREEN_OFFLINE_AFTER_SECS")]
    screen_offline_after_secs: Option<u64>,
    /// Webhook URL told of offline/online transitions (repeat, or comma-separated in the environment).
    #[arg(
        long = "webhook-url",
        env = "TWINCAST_WEBHOOK_URLS",
        value_delimiter = ','
    )]
    webhook_urls: Option<Vec<String>>,
    /// Key of the webhooks' HMAC-SHA256 signature.
    #[arg(long, env = "TWINCAST_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// SMTP server for alert e-mail: smtps://user:pass@host:465 or smtp://host:587?tls=required.
    #[arg(long, env = "TWINCAST_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Sender of alert e-mail.
    #[arg(long, env = "TWINCAST_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Recipient of alert e-mail (repeat, or comma-separated in the environment).
    #[arg(long = "smtp-to", env = "TWINCAST_SMTP_TO", value_delimiter = ',')]
    smtp_to: Option<Vec<String>>,
    /// Tile server for the console's maps: a URL template with {z}, {x} and {y}.
    #[arg(long, env = "TWINCAST_MAP_TILE_URL")]
    map_tile_url: Option<String>,
    /// The attribution the map tiles' licence requires.
    #[arg(long, env = "TWINCAST_MAP_TILE_ATTRIBUTION")]
    map_tile_attribution: Option<String>,
    /// A private network wire sources may be fetched from, as a CIDR (repeat, or comma-separated in the
    /// environment); default: public addresses only (`twincast demo`: also loopback).
    #[arg(
        long = "fetch-allow-network",
        env = "TWINCAST_FETCH_ALLOW_NETWORKS",
        value_delimiter = ','
    )]
    fetch_allow_networks: Option<Vec<String>>,
    /// How long sessions and the console's busiest reads are kept, in ms (0: not at all); any change made on this
    /// node drops them at once (ARCHITECTURE.md, "Reads kept for a moment").
    #[arg(long, env = "TWINCAST_READ_CACHE_MS")]
    read_cache_ms: Option<i64>,
}

impl HealthArgs {
    /// Applies the flags and environment over the file's settings.
    fn apply(self, c: &mut Config) {
        if let Some(ms) = self.read_cache_ms {
            c.read_cache_ms = ms;
        }
        if let Some(s) = self.screen_offline_after_secs {
            c.screen_offline_after_secs = s;
        }
        if let Some(u) = self.webhook_urls {
            c.webhook_urls = u;
        }
        if let Some(s) = self.webhook_secret {
            c.webhook_secret = s;
        }
        if let Some(u) = self.smtp_url {
            c.smtp_url = u;
        }
        if let Some(f) = self.smtp_from {
            c.smtp_from = f;
        }
        if let Some(t) = self.smtp_to {
            c.smtp_to = t;
        }
        if let Some(u) = self.map_tile_url {
            c.map_tile_url = u;
        }
        if let Some(a) = self.map_tile_attribution {
            c.map_tile_attribution = a;
        }
        if let Some(n) = self.fetch_allow_networks {
            c.fetch_allow_networks = n;
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        serve: ServeArgs,
        #[command(flatten)]
        health: HealthArgs,
    },
    /// Runs the server with the demo network (seeded on first start).
    Demo {
        #[command(flatten)]
        common: Common,
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Seed the demo network into the data directory and exit (no server, no video generation).
        #[arg(long)]
        seed_only: bool,
        /// How many partner cities get a film, rendered and transcoded in the background (the first N in the
        /// demo's order; 0: none). Every partner city is seeded with its card either way; films already in the
        /// data directory stay. Default: all 29.
        #[arg(long, env = "TWINCAST_DEMO_FILMS", value_parser = demo::parse_films)]
        films: Option<usize>,
        #[command(flatten)]
        health: HealthArgs,
    },
    /// Accounts.
    User {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// API tokens.
    Token {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// The media library.
    Media {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: MediaCmd,
    },
    /// Whole-deployment backups: the database and every object it refers to, into a directory or an S3 bucket.
    Backup {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: backup::BackupCmd,
    },
    /// Database maintenance (`db backup` and `db restore` cover the database only, not the media objects: use
    /// `twincast backup` for a whole deployment).
    Db {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: DbCmd,
    },
    /// Load-test fleets: provisioned screens, campaigns and device tokens.
    Fleet {
        #[command(flatten)]
        common: Common,
        #[command(subcommand)]
        cmd: FleetCmd,
    },
    /// Runs N simulated players against a server and reports latencies and errors.
    FleetSim(fleet::SimArgs),
    /// Configuration.
    Config {
        #[command(subcommand)]
        cmd: ConfigCmd,
    },
    /// Checks proof of play offline: a play's inclusion in a signed checkpoint, the consistency of two checkpoints.
    Verify {
        #[command(subcommand)]
        cmd: verify::VerifyCmd,
    },
}

#[derive(Subcommand)]
enum MediaCmd {
    /// Imports files for a partner; content already present is skipped.
    Import {
        /// Files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Partner slug.
        #[arg(long)]
        partner: String,
    },
}

#[derive(Subcommand)]
enum DbCmd {
    /// Applies pending migrations.
    Migrate,
    /// Writes a consistent online backup of the database (only: no media objects) to FILE.
    Backup {
        /// Output file.
        file: PathBuf,
    },
    /// Restores FILE into an empty database (refuses a backup from a newer schema). Database only: media objects
    /// are not in FILE (see `twincast backup restore`).
    Restore {
        /// Backup file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum FleetCmd {
    /// Adds screens with device tokens (and optionally partners' campaigns) straight into the database.
    Provision(fleet::ProvisionArgs),
}

#[derive(Subcommand)]
enum ConfigCmd {
    /// Prints an example configuration file with every key and its default.
    Example,
}

fn config(common: &Common) -> Result<Config> {
    let mut c = match &common.config {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    if let Some(d) = &common.data {
        c.data_dir = d.clone();
    }
    if let Some(u) = &common.database_url {
        c.database_url = u.clone();
    }
    if let Some(u) = &common.storage_url {
        c.storage_url = u.clone();
    }
    if let Some(f) = common.log_format {
        c.log_format = f;
    }
    Ok(c)
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TWINCAST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => b.json().try_init(),
        LogFormat::Text => b.try_init(),
    };
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

/// The listening socket's accept queue. Behind a balancer that opens a connection per request, the burst of a
/// change (every screen fetching its manifest) overflowed the default (128 here) and each dropped connection cost
/// its request a 1 s SYN retry (bench/fleet-nodes.sh). The kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// Listens on `listen` (`HOST:PORT`, the first address that binds) with [`LISTEN_BACKLOG`].
async fn bind(listen: &str) -> Result<tokio::net::TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(listen).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As the standard library's bind does on Unix: a restarted node binds at once.
        socket.set_reuseaddr(true)?;
        match socket.bind(addr) {
            Ok(()) => return Ok(socket.listen(LISTEN_BACKLOG)?),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map_or_else(
        || anyhow::anyhow!("{listen} names no address"),
        anyhow::Error::from,
    ))
}

async fn serve(
    state: AppState,
    listen: &str,
    workers: twincast_app::background::Supervisor,
) -> Result<()> {
    let listener = bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let server = twincast_server::Server::start_with(
        state,
        listener,
        twincast_server::shutdown_signal(),
        workers,
    )
    .await?;
    tracing::info!(addr = %server.addr, "listening");
    let report = server.handle.await??;
    if !report.aborted.is_empty() {
        tracing::warn!(aborted = ?report.aborted, "workers did not stop in time");
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            common,
            serve: s,
            health,
        } => {
            let mut c = config(&common)?;
            health.apply(&mut c);
            if let Some(l) = s.listen {
                c.listen = l;
            }
            if let Some(m) = s.max_upload_bytes {
                c.max_upload_bytes = m;
            }
            if let Some(u) = s.public_base_url {
                c.public_base_url = u;
            }
            if let Some(d) = s.drain_secs {
                c.drain_secs = d;
            }
            if let Some(r) = s.media_redirect_secs {
                c.media_redirect_secs = r;
            }
            if let Some(p) = s.trusted_proxies {
                c.trusted_proxies = p;
            }
            init_logs(c.log_format);
            let listen = c.listen.clone();
            let state = AppState::open(c).await?;
            serve(state, &listen, twincast_app::background::Supervisor::new()).await
        }
        Command::Demo {
            common,
            port,
            seed_only,
            films,
            health,
        } => {
            let mut c = config(&common)?;
            health.apply(&mut c);
            c.listen = format!("127.0.0.1:{port}");
            if c.host_city.is_none() {
                c.host_city = Some(demo::host_city());
            }
            // The demo runs on this machine for whoever tries it: feeds they serve here may be added as sources.
            if c.fetch_allow_networks.is_empty() {
                c.fetch_allow_networks = vec!["127.0.0.0/8".into(), "::1/128".into()];
            }
            if c.site_time_zone == "UTC" {
                c.site_time_zone = twincast_demo::host_city().tz.into();
            }
            init_logs(c.log_format);
            let listen = c.listen.clone();
            let state = AppState::open(c).await?;
            let report = demo::seed(&state).await?;
            if seed_only {
                println!(
                    "demo network seeded into {}",
                    state.config.data_dir.display()
                );
                return Ok(());
            }
            demo::print_welcome(&listen, &report);
            let mut workers = twincast_app::background::Supervisor::new();
            workers.spawn(demo::DemoVideos::new(
                state.clone(),
                films.unwrap_or(twincast_demo::partners().len()),
            ));
            serve(state, &listen, workers).await
        }
        Command::User { common, cmd } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            let app = AppState::open(c).await?.app;
            accounts::user(app, cmd).await
        }
        Command::Token { common, cmd } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            let app = AppState::open(c).await?.app;
            accounts::token(app, cmd).await
        }
        Command::Media { common, cmd } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            let state = AppState::open(c).await?;
            match cmd {
                MediaCmd::Import { files, partner } => import(&state, &files, &partner).await,
            }
        }
        Command::Db { common, cmd } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            match cmd {
                DbCmd::Migrate => {
                    let store = twincast_store::Store::connect(&c.database_url()).await?;
                    println!("schema version {}", store.schema_version().await?);
                }
                DbCmd::Backup { file } => {
                    let store = twincast_store::Store::connect(&c.database_url()).await?;
                    let tmp = file.with_extension("partial");
                    let mut out = std::io::BufWriter::new(
                        std::fs::File::create(&tmp)
                            .with_context(|| format!("cannot create {}", tmp.display()))?,
                    );
                    let n = store.backup(&mut out).await?;
                    let f = out
                        .into_inner()
                        .map_err(|e| anyhow::anyhow!("writing backup: {e}"))?;
                    f.sync_all()?;
                    std::fs::rename(&tmp, &file)?;
                    println!("backed up {n} rows to {}", file.display());
                }
                DbCmd::Restore { file } => {
                    let input = std::io::BufReader::new(
                        std::fs::File::open(&file)
                            .with_context(|| format!("cannot open {}", file.display()))?,
                    );
                    let store = twincast_store::Store::connect(&c.database_url()).await?;
                    let n = store.restore(input).await?;
                    println!("restored {n} rows from {}", file.display());
                }
            }
            Ok(())
        }
        Command::Backup { common, cmd } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            backup::run(c, cmd).await
        }
        Command::Fleet {
            common,
            cmd: FleetCmd::Provision(a),
        } => {
            let c = config(&common)?;
            init_logs(c.log_format);
            std::fs::create_dir_all(&c.data_dir)
                .with_context(|| format!("cannot create {}", c.data_dir.display()))?;
            let store = twincast_store::Store::connect(&c.database_url()).await?;
            let n = fleet::provision(&store, &a).await?;
            println!(
                "provisioned {n} screens; device tokens in {}",
                a.tokens_out.display()
            );
            Ok(())
        }
        Command::FleetSim(a) => {
            let report = fleet::simulate(a).await?;
            fleet::print_report(&report);
            if report.connected < report.screens {
                bail!(
                    "only {} of {} players connected",
                    report.connected,
                    report.screens
                );
            }
            Ok(())
        }
        Command::Config {
            cmd: ConfigCmd::Example,
        } => {
            print!("{}", Config::example());
            Ok(())
        }
        Command::Verify { cmd } => verify::run(cmd),
    }
}

async fn import(state: &AppState, files: &[PathBuf], partner: &str) -> Result<()> {
    use tokio::io::AsyncReadExt;
    if let Err(e) = state.store.partner_by_slug(partner).await {
        bail!("partner {partner:?}: {e}");
    }
    let mut failed = 0;
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upload")
            .to_string();
        let result: Result<String> = async {
            let mut f = tokio::fs::File::open(path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            let len = f.metadata().await?.len();
            let bar = indicatif::ProgressBar::new(len).with_style(
                indicatif::ProgressStyle::with_template(
                    "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar.set_message(name.clone());
            let mut ingest =
                twincast_media::Ingest::new(&state.config.tmp_dir(), state.config.max_upload_bytes)
                    .await?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = f.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                ingest.push(&buf[..n]).await?;
                bar.inc(n as u64);
            }
            let ingested = ingest.finish().await?;
            let (m, created) = state
                .app
                .commit_media(&ingested, partner, &name, &twincast_app::App::local_admin())
                .await?;
            bar.finish_and_clear();
            Ok(if created {
                format!(
                    "imported {} -> {} ({})",
                    path.display(),
                    m.id,
                    twincast_server::api::media::media_url(&m)
                )
            } else {
                format!("skipped {}: already present as {}", path.display(), m.id)
            })
        }
        .await;
        match result {
            Ok(msg) => println!("{msg}"),
            Err(e) => {
                failed += 1;
                eprintln!("failed {}: {e:#}", path.display());
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files failed", files.len());
    }
    Ok(())
}
