//! Row versions for optimistic concurrency (`If-Match`): an update names the version it read, and bumps it.
//!
//! The pattern, in one transaction: `UPDATE t SET …, version = version + 1 WHERE id = $1 AND ($2 = 0 OR
//! version = $2)`, then [`outcome`] with the number of rows it touched: no row means either no such row
//! ([`StoreError::NotFound`]) or another writer got there first ([`StoreError::Stale`] with the current version).
//! `expected = 0` means "whatever the current version is" (a caller that sent no `If-Match`).

use crate::{Result, StoreError};
use sqlx::Row;

/// Tables that carry a `version` column (the only names [`outcome`] and [`current`] accept).
const VERSIONED: &[&str] = &[
    "partners",
    "users",
    "api_tokens",
    "locations",
    "screens",
    "screen_groups",
    "campaigns",
    "media",
    "layouts",
    "news_articles",
    "news_tickers",
    "coop_fields",
    "coop_projects",
    "coop_interests",
    "news_wire_sources",
];

/// The current version of row `id` of `table`, or [`StoreError::NotFound`].
pub async fn current(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &str,
    id: &str,
) -> Result<i64> {
    if !VERSIONED.contains(&table) {
        return Err(StoreError::Invalid(format!(
            "{table} has no version column"
        )));
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT version FROM {table} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(row.try_get("version")?)
}

/// Turns the row count of a versioned `UPDATE` into Ok or the reason it touched nothing.
pub async fn outcome(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    table: &str,
    id: &str,
    rows_affected: u64,
) -> Result<()> {
    if rows_affected > 0 {
        return Ok(());
    }
    let now = current(tx, table, id).await?;
    Err(StoreError::Stale { current: now })
}
