//! SQLite's "database is locked" (another writer held the file past the busy timeout) is a transient condition:
//! the store calls it `Unavailable` (answered 503 with Retry-After), not a failed statement (500).

use sqlx::{AnyConnection, Connection, Executor};
use twincast_store::StoreError;

#[tokio::test]
async fn a_locked_sqlite_database_is_unavailable_not_a_failure() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    // The store creates the file and its schema.
    let store = twincast_store::Store::connect(&url).await.unwrap();
    let mut holder = AnyConnection::connect(&url).await.unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let mut other = AnyConnection::connect(&url).await.unwrap();
    other.execute("PRAGMA busy_timeout = 0").await.unwrap();
    let err = other.execute("BEGIN IMMEDIATE").await.unwrap_err();
    assert!(
        matches!(StoreError::from(err), StoreError::Unavailable(_)),
        "a busy database is Unavailable"
    );
    holder.execute("ROLLBACK").await.unwrap();
    // Once the lock is gone the same statement works.
    other.execute("BEGIN IMMEDIATE").await.unwrap();
    other.execute("ROLLBACK").await.unwrap();
    // A failed statement stays a failure.
    let err = other
        .execute("SELECT * FROM no_such_table")
        .await
        .unwrap_err();
    assert!(matches!(StoreError::from(err), StoreError::Db(_)));
    store.close().await;
}
