//! Every setting in one place: defaults, then a TOML file (`--config`), then `TWINCAST_*` environment variables
//! and command-line flags (the CLI layers those two with clap).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Output format of the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("unknown log format {s:?}: expected text or json")),
        }
    }
}

/// The server's settings.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: String,
    /// Directory for the SQLite database, local objects and temporary files.
    pub data_dir: PathBuf,
    /// Database URL; empty means SQLite in `data_dir/twincast.db`.
    pub database_url: String,
    /// Object storage URL; empty means the local directory `data_dir/objects`.
    pub storage_url: String,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: u64,
    /// Public base URL (scheme and host) used in links; `https://…` makes cookies `Secure`.
    pub public_base_url: String,
    /// Log output format.
    pub log_format: LogFormat,
    /// Browser session lifetime in seconds.
    pub session_ttl_secs: u64,
    /// Failed logins allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Expressions of interest accepted per client address and minute (the cooperation catalogue's public form).
    pub interests_per_minute: u32,
    /// How long one fetch of a news wire source may take, in seconds (docs/news.md, "Wire import").
    pub news_wire_timeout_secs: u64,
    /// How long one fetch of a CAP source (or of a CAP document its feed links to) may take, in seconds
    /// (docs/alerts.md, "Sources").
    pub cap_timeout_secs: u64,
    /// Concurrent media jobs (ffmpeg).
    pub media_workers: usize,
    /// A node's lease, in seconds: a node not heard from this long is dead, and the others take back its running
    /// jobs and the objects it was putting (docs/scale-out.md).
    pub node_lease_secs: u64,
    /// Make thumbnails, normalised MP4 and HLS when ffmpeg is on PATH.
    pub transcode: bool,
    /// The screen rendition's short side at most, in pixels (1080: full HD; a source is never enlarged; 0: the
    /// source's size). docs/media.md.
    pub rendition_max_short_side: u32,
    /// How long sessions and the console's busiest reads (dashboard, fleet table, media library) are kept, in ms;
    /// 0 turns it off. A change made on this node drops them at once; other nodes' changes, heartbeats and jobs'
    /// progress show within this time.
    pub read_cache_ms: i64,
    /// A screen not heard from for this many seconds is offline (and alerts, see docs/operations.md).
    pub screen_offline_after_secs: u64,
    /// Webhook URLs told of screens going offline and online (JSON POST, signed).
    pub webhook_urls: Vec<String>,
    /// Key of the webhooks' HMAC-SHA256 signature (`Twincast-Signature`); required when `webhook_urls` is set.
    pub webhook_secret: String,
    /// SMTP server for alert e-mail: `smtps://host:465` (TLS), `smtp://host:587?tls=required` (STARTTLS) or
    /// `smtp://host:port` (unencrypted: loopback relays only), with `user:password@` when the server needs a
    /// login; empty: no e-mail.
    pub smtp_url: String,
    /// Sender address of alert e-mail, e.g. `Twincast <noc@example.org>`.
    pub smtp_from: String,
    /// Recipients of alert e-mail.
    pub smtp_to: Vec<String>,
    /// A raster tile server for the console's maps, as a URL template with `{z}`, `{x}` and `{y}` (e.g. a city's
    /// own OpenStreetMap tiles); empty: the maps draw the bundled Natural Earth land shapes and fetch nothing.
    pub map_tile_url: String,
    /// The attribution the tiles' licence requires, shown on every map drawn on them.
    pub map_tile_attribution: String,
    /// The city the screens are in, for the portal's distances (`[host_city]` with `names = { en = "…", ru =
    /// "…", zh = "…" }`, `lat`, `lon`); unset: no distances.
    pub host_city: Option<HostCityConfig>,
    /// The site's IANA time zone (e.g. `Asia/Shanghai`): the news desk reads scheduled publication times given
    /// without an offset in it.
    pub site_time_zone: String,
    /// Private networks that fetches of URLs people type in (news wire sources) may reach, as CIDRs (e.g.
    /// `10.20.0.0/16` for a feed on the city's own network); empty: public addresses only (loopback, private,
    /// link-local and other special addresses are refused, redirects included).
    pub fetch_allow_networks: Vec<String>,
    /// On SIGTERM or SIGINT, answer `/readyz` with 503 for this many seconds while still serving everything, so a
    /// load balancer's health checks take the node out before it stops listening (docs/scale-out.md); then every
    /// screen's socket is closed with 1001 (going away) and its player reconnects, through the balancer, to another
    /// node. 0: stop at once.
    pub drain_secs: u64,
    /// Load balancers and reverse proxies in front of the nodes, as CIDRs (e.g. `10.0.0.0/24`): a connection from
    /// one of them is taken to come from the address its `X-Forwarded-For` names (login, pairing and form rate
    /// limits count per client address). Empty: the peer address, whatever the header says.
    pub trusted_proxies: Vec<String>,
    /// With S3 storage: answer `/media/…` and `/renditions/…` with a redirect (307) to a presigned URL valid this
    /// many seconds, so the object store (or a CDN in front of it) carries the bytes; 0: the node serves them.
    /// HLS playlists and SVG images are always served by the node (relative segment links, CSP header).
    pub media_redirect_secs: u64,
    /// Days after which logged plays are compacted into daily Parquet files in object storage, their hashes
    /// appended to the transparency log, and removed from the database (docs/proof-of-play.md, "Retention");
    /// 0: never.
    pub play_retention_days: u32,
}

/// The host city as configured.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostCityConfig {
    /// Names by language tag.
    pub names: std::collections::BTreeMap<String, String>,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./twincast-data"),
            database_url: String::new(),
            storage_url: String::new(),
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            public_base_url: String::new(),
            log_format: LogFormat::Text,
            session_ttl_secs: 12 * 3600,
            login_attempts_per_minute: 10,
            interests_per_minute: 5,
            news_wire_timeout_secs: 20,
            cap_timeout_secs: 20,
            media_workers: 1,
            node_lease_secs: 30,
            transcode: true,
            rendition_max_short_side: 1080,
            read_cache_ms: 2_000,
            screen_offline_after_secs: 90,
            webhook_urls: Vec::new(),
            webhook_secret: String::new(),
            smtp_url: String::new(),
            smtp_from: String::new(),
            smtp_to: Vec::new(),
            map_tile_url: String::new(),
            map_tile_attribution: String::new(),
            host_city: None,
            site_time_zone: "UTC".into(),
            fetch_allow_networks: Vec::new(),
            drain_secs: 0,
            trusted_proxies: Vec::new(),
            media_redirect_secs: 0,
            play_retention_days: 0,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &twincast_store::redact(&self.database_url))
            .field("storage_url", &redact_query(&self.storage_url))
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("public_base_url", &self.public_base_url)
            .field("log_format", &self.log_format)
            .field("screen_offline_after_secs", &self.screen_offline_after_secs)
            .field(
                "webhook_urls",
                &format!("{} URL(s)", self.webhook_urls.len()),
            )
            .field(
                "webhook_secret",
                &if self.webhook_secret.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("smtp_url", &twincast_store::redact(&self.smtp_url))
            .field("smtp_from", &self.smtp_from)
            .field("smtp_to", &self.smtp_to)
            .field("map_tile_url", &self.map_tile_url)
            .field("fetch_allow_networks", &self.fetch_allow_networks)
            .field("drain_secs", &self.drain_secs)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("media_redirect_secs", &self.media_redirect_secs)
            .field("play_retention_days", &self.play_retention_days)
            .finish_non_exhaustive()
    }
}

/// Hides secret query parameters of a storage URL.
fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        None => url.to_string(),
        Some((base, q)) => {
            let parts: Vec<String> = q
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.contains("secret") || k.contains("token") => {
                        format!("{k}=***")
                    }
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", parts.join("&"))
        }
    }
}

impl Config {
    /// Reads a TOML file over the defaults; unknown keys are an error.
    pub fn from_file(path: &Path) -> Result<Config, crate::error::StartError> {
        use crate::error::StartError;
        let text = std::fs::read_to_string(path).map_err(StartError::io(format!(
            "cannot read config file {}",
            path.display()
        )))?;
        toml::from_str(&text)
            .map_err(|e| StartError::Config(format!("config file {}: {e}", path.display())))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("twincast.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }

    /// Where uploads are spooled before they reach storage.
    pub fn tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp")
    }

    /// Scratch space of media jobs.
    pub fn work_dir(&self) -> PathBuf {
        self.data_dir.join("work")
    }

    /// Whether links and cookies are for https.
    pub fn secure_cookies(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    /// The silence after which a screen is offline, in ms (at least one second).
    pub fn offline_after_ms(&self) -> i64 {
        (self.screen_offline_after_secs.max(1) as i64).saturating_mul(1000)
    }

    /// The notification settings of the application layer.
    pub fn notify_settings(&self) -> twincast_app::health::NotifySettings {
        twincast_app::health::NotifySettings {
            webhook_urls: self.webhook_urls.clone(),
            webhook_secret: self.webhook_secret.clone(),
            smtp_url: self.smtp_url.clone(),
            smtp_from: self.smtp_from.clone(),
            smtp_to: self.smtp_to.clone(),
        }
    }

    /// Refuses a tile server URL that is not an `http(s)` template with `{z}`, `{x}` and `{y}`.
    pub fn check_map_tiles(&self) -> Result<(), String> {
        let u = &self.map_tile_url;
        if u.is_empty() {
            return Ok(());
        }
        let scheme_ok = u.starts_with("https://") || u.starts_with("http://");
        let parts_ok = ["{z}", "{x}", "{y}"].iter().all(|p| u.contains(p));
        if scheme_ok && parts_ok {
            Ok(())
        } else {
            Err(format!(
                "map_tile_url: {u:?} is not an http(s) URL template with {{z}}, {{x}} and {{y}}"
            ))
        }
    }

    /// An example configuration file with every key and its default.
    pub fn example() -> String {
        toml::to_string_pretty(&Config::default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_unknown_keys_fail() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(&p, "listen = \"0.0.0.0:9\"\nmax_upload_bytes = 5\n").unwrap();
        let c = Config::from_file(&p).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9");
        assert_eq!(c.max_upload_bytes, 5);
        assert_eq!(c.session_ttl_secs, Config::default().session_ttl_secs);
        std::fs::write(&p, "lisen = \"x\"\n").unwrap();
        let err = Config::from_file(&p).unwrap_err().to_string();
        assert!(err.contains("lisen"), "{err}");
    }

    #[test]
    fn a_tile_server_is_a_url_template() {
        let with = |u: &str| Config {
            map_tile_url: u.into(),
            ..Config::default()
        };
        assert!(with("").check_map_tiles().is_ok());
        assert!(with("https://tiles.example.org/{z}/{x}/{y}.png")
            .check_map_tiles()
            .is_ok());
        for bad in [
            "https://tiles.example.org/{z}/{x}.png",
            "ftp://tiles.example.org/{z}/{x}/{y}.png",
            "tiles",
        ] {
            let err = with(bad).check_map_tiles().unwrap_err();
            assert!(err.contains("map_tile_url"), "{err}");
        }
    }

    #[test]
    fn example_parses_and_secrets_are_redacted() {
        let c: Config = toml::from_str(&Config::example()).unwrap();
        assert_eq!(c.listen, Config::default().listen);
        let c = Config {
            database_url: "postgres://u:pw@h/db".into(),
            storage_url: "s3://b?endpoint=http://x&secret_access_key=SEKRIT".into(),
            webhook_secret: "HOOKSECRET".into(),
            smtp_url: "smtps://noc:MAILPW@mail.example.org:465".into(),
            ..Config::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("pw@") && !dbg.contains("SEKRIT"), "{dbg}");
        assert!(
            !dbg.contains("HOOKSECRET") && !dbg.contains("MAILPW"),
            "{dbg}"
        );
    }

    #[test]
    fn health_settings_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.toml");
        std::fs::write(
            &p,
            "screen_offline_after_secs = 30\nwebhook_urls = [\"https://hooks.example.org/t\"]\n\
             webhook_secret = \"s\"\nsmtp_url = \"smtp://127.0.0.1:2525\"\nsmtp_from = \"noc@example.org\"\n\
             smtp_to = [\"ops@example.org\"]\n",
        )
        .unwrap();
        let c = Config::from_file(&p).unwrap();
        assert_eq!(c.offline_after_ms(), 30_000);
        let n = c.notify_settings();
        assert_eq!(n.webhook_urls, vec!["https://hooks.example.org/t"]);
        assert_eq!(n.smtp_to, vec!["ops@example.org"]);
        assert_eq!(Config::default().offline_after_ms(), 90_000);
    }
}
