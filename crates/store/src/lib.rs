//! Twincast storage: one data-access layer with one meaning for every query, over SQLite (the default,
//! embedded) and PostgreSQL.
//!
//! Every query is written once in portable SQL (`$N` placeholders, `RETURNING`-free, TEXT ids, BIGINT epoch-ms
//! times, JSON as TEXT) and runs through sqlx's `Any` driver, so both backends share the same code path. The
//! contract test suite (`tests/contract.rs`) runs against both.
//!
//! Architecture invariant: nothing outside this crate writes SQL.

mod airtime;
pub use airtime::{AirtimeFilter, AirtimeSettings};
pub mod audit;
pub use audit::{AuditEntry, AuditFilter};
mod backup;
mod captions;
mod catalog;
mod cooperation;
pub use catalog::ScheduleCatalog;
pub use cooperation::Interest;
mod error;
mod fleet;
mod health;
pub use health::*;
pub mod jobs;
mod layouts;
mod library;
pub use layouts::{Layout, LayoutAssignments, LayoutInput};
pub use library::{LibraryFilter, LibraryItem};
mod media;
pub use media::MediaFilter;
mod migrate;
pub mod model;
pub mod moderation;
mod multi_row;
pub use moderation::{
    AllowedTargets, CampaignRef, Moderation, ModerationState, PartnerLimits, Publish, QueueItem,
    Review,
};
mod alert_sources;
pub use alert_sources::{
    AlertGeocode, AlertGeocodeInput, AlertPollRecord, AlertSource, AlertSourceCounts,
    AlertSourceEntry, AlertSourceInput, AreaFilter, GeocodePattern, SourceProblem,
};
mod news;
mod news_tickers;
mod nodes;
pub use nodes::{AbandonedObject, ChangeListener, CHANGE_CHANNEL};
mod news_wire;
pub use news::{
    NewsArticle, NewsArticleInput, NewsFilter, NewsHeadline, NewsSource, NewsVersion,
    PublicNewsQuery,
};
pub use news_tickers::{NewsTicker, NewsTickerInput, TickerHeadline};
pub use news_wire::{
    WireCounts, WireItem, WirePollRecord, WireProblem, WireSource, WireSourceInput,
};
mod partners;
mod places;
mod playback;
pub use captions::{captioned_lang, CAPTIONED};
pub use playback::{H264Rendition, PlaybackMedia};
mod portal;
mod proof;
mod proof_log;
mod reports;
pub use places::{LocationChange, LocationFilter, LocationFleet, ScreenFilter, ScreenSort};
pub use portal::{DailyViews, PublicMedia};
pub use proof::{Appended, BatchRow, CheckpointRow, LogKeyRow, PlayAppend, PlayContext};
pub use reports::{ArchiveRow, PlayCursor};
mod players;
pub use players::*;
mod schedule;
pub use schedule::*;
mod uploads;
pub use uploads::UploadSession;
mod users;
pub use users::{TokenFilter, UserFilter, UserInput, UserSort};
pub mod version;

pub use backup::{BackupHeader, ObjectRef, TABLES as BACKUP_TABLES};
pub use error::{is_unavailable, StoreError, REFERENCE_CONFLICT, UNIQUE_CONFLICT};
pub use migrate::{MIGRATIONS, SCHEMA_VERSION};
pub use model::*;
/// The database driver's error (carried by [`StoreError::Unavailable`] and [`StoreError::Db`]).
pub use sqlx::Error as SqlxError;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::time::{SystemTime, UNIX_EPOCH};

/// Result alias of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (WAL, foreign keys on).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    /// PostgreSQL: one connection of its own for readiness ([`Store::ping`]), opened when first asked.
    probe: Option<AnyPool>,
    backend: Backend,
    /// The URL it was opened with (PostgreSQL's change listener opens its own connection).
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Current time in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How long a request waits for a PostgreSQL connection (including reconnecting to a database that went away)
/// before it is answered `database-unavailable`.
pub const POSTGRES_ACQUIRE_TIMEOUT_SECS: u64 = 5;

/// A new time-ordered identifier.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Store {
    /// Connects to `url` (`sqlite://PATH?mode=rwc`, `sqlite::memory:` or `postgres://…`) and applies pending
    /// migrations. SQLite gets WAL journaling, foreign keys and a busy timeout.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL {:?}: expected sqlite:… or postgres://…",
                redact(url)
            )));
        };
        let memory = url.contains(":memory:");
        let mut opts = AnyPoolOptions::new();
        opts = match backend {
            // An in-memory SQLite database exists once per connection: keep exactly one.
            Backend::Sqlite if memory => opts.max_connections(1).min_connections(1),
            // SQLite's connections live in this process: closing an idle or old one (sqlx's defaults: after 10
            // and 30 minutes) only drops its page and statement caches, rebuilt on the next connection, and
            // leaves their freed memory fragmented in the C allocator SQLite uses (the soak's creep).
            Backend::Sqlite => opts
                .max_connections(8)
                .idle_timeout(None)
                .max_lifetime(None),
            // A database that is down answers in seconds (503 with Retry-After), not after sqlx's default 30 s of
            // reconnecting: readiness probes and players' retries need a prompt answer.
            Backend::Postgres => {
                opts.max_connections(16)
                    .acquire_timeout(std::time::Duration::from_secs(
                        POSTGRES_ACQUIRE_TIMEOUT_SECS,
                    ))
            }
        };
        if backend == Backend::Sqlite {
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Executor;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    Ok(())
                })
            });
        }
        if backend == Backend::Sqlite && !memory {
            // SQLite rolls a transaction back by itself when a write fails with a full disk (SQLITE_FULL); the
            // ROLLBACK sqlx then sends fails, and the connection keeps believing it is inside a transaction, so
            // every later write on it would fail. Once the queued rollback has run (the ping waits for it), such a
            // connection is closed instead of going back to the pool. (Not for `:memory:`: its one connection
            // is the database.)
            opts = opts.after_release(|conn, _meta| {
                Box::pin(async move {
                    use sqlx::Connection;
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            });
        }
        let pool = opts.connect(url).await.map_err(StoreError::from)?;
        if backend == Backend::Sqlite && !memory {
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_all(&pool)
                .await?;
        }
        // A readiness check answers whether the database answers, not whether this node's pool has a free
        // connection: under a burst (a fleet reconnecting) every pooled connection is busy for seconds, and a probe
        // queued behind them would time out and take a working node out of its load balancer.
        let probe = (backend == Backend::Postgres).then(|| {
            AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .acquire_timeout(std::time::Duration::from_secs(
                    POSTGRES_ACQUIRE_TIMEOUT_SECS,
                ))
                .idle_timeout(None)
                .connect_lazy(url)
        });
        let probe = probe.transpose().map_err(StoreError::from)?;
        let store = Store {
            pool,
            probe,
            backend,
            url: url.into(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The underlying pool (for tests and the backup module).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so waiting for
    /// another writer is covered by the busy timeout; a deferred `BEGIN` that reads first and writes later fails
    /// with SQLITE_BUSY, without waiting, when another connection commits in between. PostgreSQL: plain `BEGIN`.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The one row `sql` selects with `$1 = key`, or [`StoreError::NotFound`].
    pub(crate) async fn one_row(&self, sql: &str, key: &str) -> Result<AnyRow> {
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Readiness: the database answers a trivial query. On PostgreSQL it is asked through a connection of its
    /// own, so a node whose pool is busy still answers promptly; SQLite, in this process, through the pool.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .fetch_one(self.probe.as_ref().unwrap_or(&self.pool))
            .await?;
        Ok(())
    }

    /// Closes every connection (waits for them to be returned).
    pub async fn close(&self) {
        if let Some(probe) = &self.probe {
            probe.close().await;
        }
        self.pool.close().await;
    }
}

/// Hides the password of a database URL for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..s], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// A page of a list and the cursor of the next page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Opaque cursor of the next page, `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Page request: at most `limit` items after `cursor`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Maximum items (1..=500).
    pub limit: u32,
    /// Opaque cursor from a previous page.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// Largest page the API hands out.
    pub const MAX_LIMIT: u32 = 500;

    /// The decoded key after which this page starts.
    pub(crate) fn after(&self) -> Result<String> {
        use base64::Engine;
        match &self.cursor {
            None => Ok(String::new()),
            Some(c) => base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    StoreError::Invalid("cursor is not a cursor this server issued".into())
                }),
        }
    }

    pub(crate) fn limit(&self) -> i64 {
        self.limit.clamp(1, Self::MAX_LIMIT) as i64
    }

    /// Cuts a `limit + 1` fetch into a page, with `key` giving each item's sort key.
    pub(crate) fn finish<T>(&self, mut items: Vec<T>, key: impl Fn(&T) -> &str) -> Page<T> {
        use base64::Engine;
        let limit = self.limit() as usize;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items
                .last()
                .map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key(last)))
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

pub(crate) fn opt_f64(row: &AnyRow, col: &str) -> Result<Option<f64>> {
    Ok(row.try_get::<Option<f64>, _>(col)?)
}

impl Store {
    /// Creates a new, empty PostgreSQL database beside the one `admin_url` names and returns its URL (for test
    /// suites that need a fresh database each).
    pub async fn create_scratch_database(admin_url: &str) -> Result<String> {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| StoreError::Invalid("database URL has no database name".into()))?;
        let name = format!("t_{}", new_id().replace('-', ""));
        let mut conn = sqlx::AnyConnection::connect(admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        Ok(format!("{base}/{name}"))
    }
}
