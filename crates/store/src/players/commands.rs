//! Remote commands of screens: queued, delivered (when a socket of the screen got it), then done or failed (the
//! player's answer). A queued command past its `expires_at` reads as `expired`; it is never delivered.

use crate::{audit, multi_row, AuditEntry, Page, PageRequest, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

/// One command of a screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScreenCommand {
    /// UUIDv7 (time-ordered).
    pub id: String,
    /// Target screen.
    pub screen_id: String,
    /// `reload`, `screenshot`, `identify` or `clear_cache`.
    pub command: String,
    /// Arguments (a JSON object, `{}` when none).
    #[schema(value_type = Object)]
    pub args: serde_json::Value,
    /// `queued`, `delivered`, `done`, `failed` or `expired`.
    pub state: String,
    /// Username of the account that sent it.
    pub created_by: String,
    /// When it was sent, epoch ms.
    pub created_at: i64,
    /// When a socket of the screen got it, epoch ms.
    pub delivered_at: Option<i64>,
    /// When the player answered, epoch ms.
    pub done_at: Option<i64>,
    /// What came of it (`done`).
    pub result: Option<String>,
    /// Why it failed (`failed`).
    pub error: Option<String>,
    /// A command not delivered by then expires, epoch ms.
    pub expires_at: i64,
}

/// A command to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewScreenCommand {
    /// Its id (UUIDv7, chosen by the caller so the audit entry can name it).
    pub id: String,
    /// Target screen.
    pub screen_id: String,
    /// The command's name.
    pub command: String,
    /// Arguments (a JSON object).
    pub args: serde_json::Value,
    /// Username of the sender.
    pub created_by: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
}

/// The columns of a command, with the expiry applied at `$1` (now).
const COLS: &str = "id, screen_id, command, args, \
     CASE WHEN state = 'queued' AND expires_at <= $1 THEN 'expired' ELSE state END AS state, \
     created_by, created_at, delivered_at, done_at, result, error, expires_at";

fn command(row: &AnyRow) -> Result<ScreenCommand> {
    Ok(ScreenCommand {
        id: row.try_get("id")?,
        screen_id: row.try_get("screen_id")?,
        command: row.try_get("command")?,
        args: serde_json::from_str(&row.try_get::<String, _>("args")?)?,
        state: row.try_get("state")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
        done_at: row.try_get("done_at")?,
        result: row.try_get("result")?,
        error: row.try_get("error")?,
        expires_at: row.try_get("expires_at")?,
    })
}

impl Store {
    /// Queues a command and writes its audit entry (at `audit.at`, the command's `created_at`) in one
    /// transaction. An unknown screen is [`StoreError::NotFound`]; a retired one `Conflict("screen-retired")`
    /// (checked in the transaction, so a screen retired meanwhile gets no command).
    pub async fn queue_command(
        &self,
        c: &NewScreenCommand,
        audit: &AuditEntry,
    ) -> Result<ScreenCommand> {
        let mut tx = self.begin_write().await?;
        let retired = sqlx::query("SELECT retired_at FROM screens WHERE id = $1")
            .bind(&c.screen_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get::<Option<i64>, _>("retired_at")?;
        if retired.is_some() {
            return Err(StoreError::Conflict("screen-retired".into()));
        }
        sqlx::query(
            "INSERT INTO screen_commands (id, screen_id, command, args, state, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7)",
        )
        .bind(&c.id)
        .bind(&c.screen_id)
        .bind(&c.command)
        .bind(serde_json::to_string(&c.args)?)
        .bind(&c.created_by)
        .bind(audit.at)
        .bind(c.expires_at)
        .execute(&mut *tx)
        .await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.screen_command(&c.id, audit.at).await
    }

    /// One command, its state as of `now`.
    pub async fn screen_command(&self, id: &str, now: i64) -> Result<ScreenCommand> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM screen_commands WHERE id = $2"
        )))
        .bind(now)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        command(&row)
    }

    /// The commands of a screen, newest first (keyset on the time-ordered id), states as of `now`; optionally
    /// only those in `state`.
    pub async fn list_screen_commands(
        &self,
        screen_id: &str,
        state: Option<&str>,
        now: i64,
        page: &PageRequest,
    ) -> Result<Page<ScreenCommand>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM (SELECT {COLS} FROM screen_commands WHERE screen_id = $2 AND ($3 = '' OR id < $3)) c \
             WHERE ($4 = '' OR state = $4) ORDER BY id DESC LIMIT $5"
        )))
        .bind(now)
        .bind(screen_id)
        .bind(page.after()?)
        .bind(state.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(command).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |c| c.id.as_str()))
    }

    /// The commands still to deliver (queued, not expired at `now`) of the screens in `screen_ids` (every
    /// screen when `None`), oldest first, at most 1,000. A list of screens is read with one statement per 200
    /// screens (the hellos of a fleet reconnecting at once; the connected screens of a node).
    pub async fn commands_to_deliver(
        &self,
        screen_ids: Option<&[String]>,
        now: i64,
    ) -> Result<Vec<ScreenCommand>> {
        const MAX: usize = 1000;
        let Some(ids) = screen_ids else {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM screen_commands WHERE state = 'queued' AND expires_at > $1 \
                 ORDER BY id LIMIT {MAX}"
            )))
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
            return rows.iter().map(command).collect();
        };
        let mut out = Vec::new();
        for chunk in ids.chunks(multi_row::ROWS_PER_STATEMENT) {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLS} FROM screen_commands WHERE state = 'queued' AND expires_at > $1 \
                 AND screen_id IN ({}) ORDER BY id LIMIT {MAX}",
                multi_row::in_list(2, chunk.len())
            )))
            .bind(now);
            for id in chunk {
                q = q.bind(id);
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(command(&r)?);
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out.truncate(MAX);
        Ok(out)
    }

    /// Marks queued commands as delivered at `now`; returns how many changed (already delivered or finished
    /// ones stay as they are).
    pub async fn mark_commands_delivered(&self, ids: &[String], now: i64) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut n = 0;
        for id in ids {
            n += sqlx::query(
                "UPDATE screen_commands SET state = 'delivered', delivered_at = $1 WHERE id = $2 AND state = 'queued'",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Records a player's answer to command `id` of screen `screen_id`: `state` `done` or `failed`, with `result`
    /// or `error`, at `audit.at`, with its audit entry. Not found (or another screen's) is
    /// [`StoreError::NotFound`]; a command already answered is a [`StoreError::Conflict`].
    pub async fn finish_command(
        &self,
        id: &str,
        screen_id: &str,
        state: &str,
        result: Option<&str>,
        error: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<ScreenCommand> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE screen_commands SET state = $1, result = $2, error = $3, done_at = $4, \
             delivered_at = COALESCE(delivered_at, $4) \
             WHERE id = $5 AND screen_id = $6 AND state IN ('queued', 'delivered')",
        )
        .bind(state)
        .bind(result)
        .bind(error)
        .bind(audit.at)
        .bind(id)
        .bind(screen_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            let row =
                sqlx::query("SELECT state FROM screen_commands WHERE id = $1 AND screen_id = $2")
                    .bind(id)
                    .bind(screen_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match row {
                None => StoreError::NotFound,
                Some(r) => StoreError::Conflict(format!(
                    "the command was already answered ({})",
                    r.try_get::<String, _>("state")?
                )),
            });
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.screen_command(id, audit.at).await
    }
}
