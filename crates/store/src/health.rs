//! Screen health and the notifications outbox: each screen's last known online/offline state, and one outbox row
//! per delivery (webhook URL or e-mail recipient) of an event (offline/online, an item pending review). An event
//! and its outbox rows are written in the transaction of the change that raises it, so an event is either recorded
//! with all its deliveries or not at all.

use crate::{new_id, Page, PageRequest, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A screen as the health watch sees it: when it was last heard from and its recorded state.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchedScreen {
    /// Screen id.
    pub id: String,
    /// Screen name.
    pub name: String,
    /// Location slug.
    pub location_slug: String,
    /// Location name.
    pub location: String,
    /// Last heartbeat (or other contact), epoch ms; `None` if never heard from.
    pub last_seen_at: Option<i64>,
    /// Recorded health state (`online` | `offline`), `None` before the first observation.
    pub state: Option<String>,
}

/// An outbox row to write with a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    /// `webhook` or `email`.
    pub channel: String,
    /// The webhook URL or the e-mail address.
    pub target: String,
    /// The event's JSON body (the webhook body; the e-mail is written from it).
    pub payload: serde_json::Value,
}

/// The deliveries of one event raised by a write (e.g. `moderation.pending`), queued in the transaction of that
/// write, so the event is recorded with all its deliveries exactly when the change is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outbox {
    /// The event's name (`moderation.pending`, …).
    pub event: String,
    /// Identifier of the event, shared by its rows.
    pub event_id: String,
    /// One row per channel and target (none: nothing to queue).
    pub rows: Vec<NewNotification>,
}

/// A screen's health state to record (see [`Store::record_health`]).
#[derive(Debug, Clone, PartialEq)]
pub struct HealthTransition {
    /// Screen id.
    pub screen_id: String,
    /// The recorded state this changes (`None`: the first observation).
    pub from: Option<String>,
    /// The new state, `online` or `offline`.
    pub state: String,
    /// The screen's last contact, epoch ms.
    pub last_seen_at: Option<i64>,
    /// When the change was seen, epoch ms.
    pub at: i64,
    /// `screen.offline` or `screen.online`.
    pub event: String,
    /// Identifier of the event, shared by its outbox rows.
    pub event_id: String,
}

/// A transition with its outbox rows and audit entry (see [`Store::record_health_batch`]).
#[derive(Debug, Clone)]
pub struct HealthRecord {
    /// The transition.
    pub transition: HealthTransition,
    /// Its deliveries (none for a first observation).
    pub outbox: Vec<NewNotification>,
    /// Its audit entry (written only when the state changes).
    pub audit: crate::AuditEntry,
}

/// What [`Store::record_health`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthChange {
    /// First observation of the screen: the state was recorded, no event.
    Initial,
    /// The state changed: recorded with its outbox rows.
    Changed,
    /// The recorded state already was this one (e.g. another process recorded it first): nothing written.
    Unchanged,
    /// The screen no longer exists or was retired: nothing written.
    Gone,
}

/// A delivery in the notifications outbox.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Notification {
    /// Identifier (UUIDv7, time-ordered).
    pub id: String,
    /// The event this delivers (shared by every channel and target of one event; receivers dedupe on it).
    pub event_id: String,
    /// `screen.offline`, `screen.online` or `moderation.pending`.
    pub event: String,
    /// The screen concerned (screen events).
    pub screen_id: Option<String>,
    /// `webhook` or `email`.
    pub channel: String,
    /// Webhook URL or e-mail address.
    pub target: String,
    /// The event's JSON body.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// `queued`, `delivered` or `failed` (gave up after the last attempt).
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the next attempt is due, epoch ms (queued rows).
    pub next_attempt_at: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the event was recorded, epoch ms.
    pub created_at: i64,
    /// When it was delivered, epoch ms.
    pub delivered_at: Option<i64>,
}

/// Statuses of outbox rows.
pub const NOTIFICATION_STATUSES: &[&str] = &["queued", "delivered", "failed"];

const COLS: &str =
    "id, event_id, event, screen_id, channel, target, payload, status, attempts, next_attempt_at, \
    last_error, created_at, delivered_at";

fn notification(row: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        event: row.try_get("event")?,
        screen_id: row.try_get("screen_id")?,
        channel: row.try_get("channel")?,
        target: row.try_get("target")?,
        payload: serde_json::from_str(&row.try_get::<String, _>("payload")?)?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

impl Store {
    /// Every screen in service (not retired) with its location, last contact and recorded health state.
    pub async fn watched_screens(&self) -> Result<Vec<WatchedScreen>> {
        let rows = sqlx::query(
            "SELECT s.id AS id, s.name AS name, l.slug AS location_slug, l.name AS location, \
             s.last_seen_at AS last_seen_at, h.state AS state \
             FROM screens s JOIN locations l ON l.id = s.location_id \
             LEFT JOIN screen_health h ON h.screen_id = s.id WHERE s.retired_at IS NULL ORDER BY s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WatchedScreen {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    location_slug: r.try_get("location_slug")?,
                    location: r.try_get("location")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    state: r.try_get("state")?,
                })
            })
            .collect()
    }

    /// Screens not retired by (location slug, status at `now`), the status by the rule of the application's
    /// `ScreenStatus::of` (`online` while `now - last_seen_at < offline_after_ms`, then `offline`; `never_seen`
    /// without a contact; a test holds the two together): what a node that does not record the transitions needs
    /// for its gauges, counted by the database instead of every screen read.
    pub async fn screen_counts(
        &self,
        now: i64,
        offline_after_ms: i64,
    ) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT l.slug AS slug, CASE WHEN s.last_seen_at IS NULL THEN 'never_seen' \
             WHEN $1 - s.last_seen_at < $2 THEN 'online' ELSE 'offline' END AS status, COUNT(*) AS n \
             FROM screens s JOIN locations l ON l.id = s.location_id WHERE s.retired_at IS NULL \
             GROUP BY 1, 2",
        )
        .bind(now)
        .bind(offline_after_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("slug")?, r.try_get("status")?, r.try_get("n")?)))
            .collect()
    }

    /// Records `t.state` for a screen. The first observation (`t.from` is `None`) is recorded without an event;
    /// a change is recorded together with its outbox rows and its audit entry, all in one transaction. A change
    /// is recorded once: if the stored state is no longer `t.from` (another process was first), nothing is
    /// written.
    pub async fn record_health(
        &self,
        t: &HealthTransition,
        outbox: &[NewNotification],
        audit: &crate::AuditEntry,
    ) -> Result<HealthChange> {
        let mut tx = self.begin_write().await?;
        let change = record_one(&mut tx, t, outbox, audit).await?;
        tx.commit().await?;
        Ok(change)
    }

    /// [`Store::record_health`] for many screens in one transaction (one durable write for a pass that sees many
    /// screens change at once, e.g. a fleet starting or a network outage), with what happened to each, in order.
    pub async fn record_health_batch(&self, items: &[HealthRecord]) -> Result<Vec<HealthChange>> {
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(items.len());
        for r in items {
            out.push(record_one(&mut tx, &r.transition, &r.outbox, &r.audit).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The recorded health state of a screen and when it changed.
    pub async fn screen_health(&self, screen_id: &str) -> Result<Option<(String, i64)>> {
        let row = sqlx::query("SELECT state, changed_at FROM screen_health WHERE screen_id = $1")
            .bind(screen_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("state")?, r.try_get("changed_at")?)))
            .transpose()
    }

    /// One outbox row.
    pub async fn notification(&self, id: &str) -> Result<Notification> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM notifications WHERE id = $1"),
                id,
            )
            .await?;
        notification(&row)
    }

    /// The outbox, newest first, optionally only rows of one status.
    pub async fn list_notifications(
        &self,
        status: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Notification>> {
        if let Some(s) = status {
            if !NOTIFICATION_STATUSES.contains(&s) {
                return Err(StoreError::Invalid(format!(
                    "unknown notification status {s:?}"
                )));
            }
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM notifications WHERE ($1 = '' OR id < $1) AND ($2 = '' OR status = $2) \
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(page.after()?)
        .bind(status.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(notification).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |n| &n.id))
    }

    /// Claims the oldest queued row due at `now` for one attempt: its `next_attempt_at` moves to `lease_until`,
    /// so no other worker takes it meanwhile, and a worker that dies mid-attempt leaves it to be retried then.
    pub async fn claim_notification(
        &self,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<Notification>> {
        loop {
            let Some(row) = sqlx::query(
                "SELECT id, next_attempt_at FROM notifications WHERE status = 'queued' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let id: String = row.try_get("id")?;
            let due: i64 = row.try_get("next_attempt_at")?;
            let n = sqlx::query(
                "UPDATE notifications SET next_attempt_at = $1 WHERE id = $2 AND status = 'queued' AND next_attempt_at = $3",
            )
            .bind(lease_until)
            .bind(&id)
            .bind(due)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if n == 1 {
                return self.notification(&id).await.map(Some);
            }
        }
    }

    /// When the next queued row is due, if any.
    pub async fn next_notification_due(&self) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(next_attempt_at) AS due FROM notifications WHERE status = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>("due")?)
    }

    /// Records a delivered attempt.
    pub async fn notification_delivered(&self, id: &str, at: i64) -> Result<()> {
        sqlx::query(
            "UPDATE notifications SET status = 'delivered', attempts = attempts + 1, delivered_at = $1, \
             last_error = NULL WHERE id = $2",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: queued again for `retry_at`, or `failed` for good when `retry_at` is `None`.
    pub async fn notification_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let (status, at) = match retry_at {
            Some(t) => ("queued", t),
            None => ("failed", 0),
        };
        sqlx::query(
            "UPDATE notifications SET status = $1, attempts = attempts + 1, last_error = $2, \
             next_attempt_at = CASE WHEN $1 = 'queued' THEN $3 ELSE next_attempt_at END WHERE id = $4",
        )
        .bind(status)
        .bind(error)
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// One screen's part of [`Store::record_health`], inside the caller's transaction.
async fn record_one(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    t: &HealthTransition,
    outbox: &[NewNotification],
    audit: &crate::AuditEntry,
) -> Result<HealthChange> {
    let HealthTransition {
        screen_id,
        from,
        state,
        last_seen_at,
        at,
        event,
        event_id,
    } = t;
    let (at, last_seen_at) = (*at, *last_seen_at);
    let exists = sqlx::query("SELECT id FROM screens WHERE id = $1 AND retired_at IS NULL")
        .bind(screen_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if !exists {
        return Ok(HealthChange::Gone);
    }
    let Some(from) = from.as_deref() else {
        let n = sqlx::query(
            "INSERT INTO screen_health (screen_id, state, last_seen_at, changed_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (screen_id) DO NOTHING",
        )
        .bind(screen_id)
        .bind(state)
        .bind(last_seen_at)
        .bind(at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        return Ok(if n == 1 {
            HealthChange::Initial
        } else {
            HealthChange::Unchanged
        });
    };
    let n = sqlx::query(
        "UPDATE screen_health SET state = $1, last_seen_at = $2, changed_at = $3 WHERE screen_id = $4 AND state = $5",
    )
    .bind(state)
    .bind(last_seen_at)
    .bind(at)
    .bind(screen_id)
    .bind(from)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n != 1 {
        return Ok(HealthChange::Unchanged);
    }
    insert_rows(tx, event_id, event, Some(screen_id), outbox, at).await?;
    crate::audit::insert(tx, audit).await?;
    Ok(HealthChange::Changed)
}

/// Queues `outbox`'s rows, due at `at`, inside the caller's transaction (the write that raises the event).
pub(crate) async fn queue(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    outbox: &Outbox,
    at: i64,
) -> Result<()> {
    insert_rows(tx, &outbox.event_id, &outbox.event, None, &outbox.rows, at).await
}

async fn insert_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: &str,
    event: &str,
    screen_id: Option<&str>,
    rows: &[NewNotification],
    at: i64,
) -> Result<()> {
    for o in rows {
        sqlx::query(
            "INSERT INTO notifications (id, event_id, event, screen_id, channel, target, payload, status, attempts, \
             next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $8)",
        )
        .bind(new_id())
        .bind(event_id)
        .bind(event)
        .bind(screen_id)
        .bind(&o.channel)
        .bind(&o.target)
        .bind(o.payload.to_string())
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
