use thiserror::Error;

/// What can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule was broken (the message names it).
    #[error("conflict: {0}")]
    Conflict(String),
    /// An update named a version (If-Match) that is no longer the row's current one.
    #[error("stale version: the row is now at version {current}")]
    Stale {
        /// The row's current version.
        current: i64,
    },
    /// The caller passed something the store cannot accept.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database schema is newer than this binary understands.
    #[error("database schema version {found} is newer than this binary's {supported}")]
    NewerSchema {
        /// Version found.
        found: i64,
        /// Highest version this binary knows.
        supported: i64,
    },
    /// A JSON column could not be read.
    #[error("corrupt JSON in column: {0}")]
    Json(#[from] serde_json::Error),
    /// A backup file could not be read or written.
    #[error("backup I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The database failed.
    #[error("database: {0}")]
    Db(sqlx::Error),
}

/// The message of a [`StoreError::Conflict`] from a broken uniqueness rule (the database's own text differs between
/// SQLite and PostgreSQL and is only logged).
pub const UNIQUE_CONFLICT: &str = "already exists";

/// The message of a [`StoreError::Conflict`] from a broken foreign-key rule.
pub const REFERENCE_CONFLICT: &str = "referenced row missing or still in use";

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                let msg = db.message();
                if db.is_unique_violation() {
                    tracing::debug!(database_message = msg, "unique violation");
                    StoreError::Conflict(UNIQUE_CONFLICT.into())
                } else if db.is_foreign_key_violation() || msg.contains("FOREIGN KEY") {
                    tracing::debug!(database_message = msg, "foreign-key violation");
                    StoreError::Conflict(REFERENCE_CONFLICT.into())
                } else {
                    StoreError::Db(e)
                }
            }
            _ => StoreError::Db(e),
        }
    }
}

impl From<twincast_core::validate::Invalid> for StoreError {
    fn from(e: twincast_core::validate::Invalid) -> Self {
        StoreError::Invalid(e.message)
    }
}
