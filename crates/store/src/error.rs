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
    /// The database does not answer (down, restarting, unreachable, no connection within the pool's timeout): a
    /// condition that passes, answered as 503 with `Retry-After`. The database's own text is only logged.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// The database's disk is full (SQLite `SQLITE_FULL`, PostgreSQL `53100 disk_full`): nothing was written.
    #[error("database disk full: {0}")]
    Full(sqlx::Error),
    /// The database failed.
    #[error("database: {0}")]
    Db(sqlx::Error),
}

/// Whether `e` says that the database cannot do the work now, rather than that a statement failed, so that trying
/// again later may succeed: no connection (refused, reset, timed out in the pool, pool closed), PostgreSQL's
/// connection-exception (`08…`), operator-intervention (`57P01` admin shutdown, `57P02` crash shutdown, `57P03`
/// cannot connect now) and lock codes (`40001` serialization failure, `40P01` deadlock, `55P03` lock not
/// available), and SQLite's busy and locked (primary codes 5 and 6: another writer held the file past the busy
/// timeout).
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(db) => {
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let primary = db
                    .code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .map(|c| c & 0xff);
                return matches!(primary, Some(5 | 6));
            }
            db.code().is_some_and(|c| {
                c.starts_with("08")
                    || matches!(
                        c.as_ref(),
                        "57P01" | "57P02" | "57P03" | "40001" | "40P01" | "55P03"
                    )
            })
        }
        _ => false,
    }
}

impl StoreError {
    /// For an outage (no connection; the database shutting down or refusing connections), the same error for
    /// another caller whose work shared the failed transaction: trying that work again at once would meet the same
    /// outage. `None` for anything else, lock conflicts included (a deadlock, a serialization failure or a busy
    /// SQLite file may pass on a retry).
    pub fn outage_copy(&self) -> Option<StoreError> {
        let StoreError::Unavailable(e) = self else {
            return None;
        };
        let lock = match e {
            sqlx::Error::Database(db) => {
                db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    || matches!(db.code().as_deref(), Some("40001" | "40P01" | "55P03"))
            }
            _ => false,
        };
        (!lock).then(|| StoreError::Unavailable(sqlx::Error::Protocol(e.to_string())))
    }
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
            sqlx::Error::Database(_) if is_unavailable(&e) => {
                tracing::warn!(error = %e, "database unavailable");
                StoreError::Unavailable(e)
            }
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("13") | Some("53100")) =>
            {
                tracing::error!(error = %e, "database disk full");
                StoreError::Full(e)
            }
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
            _ if is_unavailable(&e) => {
                tracing::warn!(error = %e, "database unavailable");
                StoreError::Unavailable(e)
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

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn only_an_outage_is_copied_for_the_others_of_a_group() {
        let copy = StoreError::Unavailable(sqlx::Error::PoolTimedOut).outage_copy();
        assert!(matches!(copy, Some(StoreError::Unavailable(_))), "{copy:?}");
        assert!(StoreError::Conflict("x".into()).outage_copy().is_none());
        assert!(StoreError::Db(sqlx::Error::RowNotFound)
            .outage_copy()
            .is_none());
    }
}
