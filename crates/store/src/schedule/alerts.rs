//! Emergency alerts (CAP 1.2 or the JSON form) as stored.

use super::bump;
use crate::{new_id, AuditEntry, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;
use twincast_core as tc;
use utoipa::ToSchema;

/// A stored emergency alert message (CAP 1.2 or the JSON form).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AlertRecord {
    /// Stable identifier (this server's).
    pub id: String,
    /// CAP `identifier`.
    pub identifier: String,
    /// CAP `sender`.
    pub sender: String,
    /// Sent, epoch ms.
    pub sent: i64,
    /// `Alert`, `Update`, `Cancel`, `Ack` or `Error`.
    pub msg_type: String,
    /// `Actual`, `Exercise`, `System`, `Test` or `Draft`.
    pub status: String,
    /// `Extreme` … `Unknown`.
    pub severity: String,
    /// Headline.
    pub headline: String,
    /// Start, epoch ms.
    pub effective: Option<i64>,
    /// End, epoch ms.
    pub expires: Option<i64>,
    /// Identifiers of earlier messages this one updates or cancels.
    pub references: Vec<String>,
    /// `cap` or `json`.
    pub source_format: String,
    /// Set when an operator cancelled it here, epoch ms.
    pub cancelled_at: Option<i64>,
    /// The parsed alert the engine uses.
    #[schema(value_type = Object)]
    pub parsed: tc::Alert,
    /// Creator's user id.
    pub created_by: Option<String>,
    /// Received, epoch ms.
    pub created_at: i64,
    /// The CAP source it came from (`None`: issued here).
    pub source_id: Option<String>,
    /// Whether it waits for an operator's approval (not on air until approved).
    pub held: bool,
    /// When an operator approved it, epoch ms.
    pub approved_at: Option<i64>,
}

impl AlertRecord {
    /// The engine's alert: the parsed message, ended at `cancelled_at` when cancelled here.
    pub fn to_core(&self) -> tc::Alert {
        let mut a = self.parsed.clone();
        if let Some(c) = self.cancelled_at {
            a.expires = Some(a.expires.map_or(c, |e| e.min(c)));
        }
        a
    }
}

const ALERT_COLS: &str =
    "id, identifier, sender, sent, msg_type, status, severity, headline, effective, expires, \
    refs, source_format, parsed, cancelled_at, created_by, created_at, source_id, held, approved_at";

fn alert_row(row: &AnyRow) -> Result<AlertRecord> {
    Ok(AlertRecord {
        id: row.try_get("id")?,
        identifier: row.try_get("identifier")?,
        sender: row.try_get("sender")?,
        sent: row.try_get("sent")?,
        msg_type: row.try_get("msg_type")?,
        status: row.try_get("status")?,
        severity: row.try_get("severity")?,
        headline: row.try_get("headline")?,
        effective: row.try_get("effective")?,
        expires: row.try_get("expires")?,
        references: serde_json::from_str(&row.try_get::<String, _>("refs")?)?,
        source_format: row.try_get("source_format")?,
        parsed: serde_json::from_str(&row.try_get::<String, _>("parsed")?)?,
        cancelled_at: row.try_get("cancelled_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        source_id: row.try_get("source_id")?,
        held: row.try_get::<i64, _>("held")? != 0,
        approved_at: row.try_get("approved_at")?,
    })
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Inserts an alert row with id `id` in `tx`. A (sender, identifier) stored already is a conflict.
pub(crate) async fn insert_alert(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    alert: &tc::Alert,
    format: &str,
    source: &str,
    created_by: Option<&str>,
    at: i64,
) -> Result<()> {
    let refs: Vec<&str> = alert
        .references
        .iter()
        .map(|r| r.identifier.as_str())
        .collect();
    sqlx::query(
        "INSERT INTO alerts (id, identifier, sender, sent, msg_type, status, severity, headline, effective, expires, \
         refs, source_format, source, parsed, cancelled_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15, $16)",
    )
    .bind(id)
    .bind(&alert.id)
    .bind(&alert.sender)
    .bind(alert.sent)
    .bind(enum_name(&alert.msg_type))
    .bind(enum_name(&alert.status))
    .bind(enum_name(&alert.severity))
    .bind(&alert.headline)
    .bind(alert.effective)
    .bind(alert.expires)
    .bind(serde_json::to_string(&refs)?)
    .bind(format)
    .bind(source)
    .bind(serde_json::to_string(alert)?)
    .bind(created_by)
    .bind(at)
    .execute(&mut **tx)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!(
            "an alert from sender {:?} with identifier {:?} already exists",
            alert.sender, alert.id
        )),
        e => e,
    })?;
    Ok(())
}

impl Store {
    /// Stores a parsed alert message with its source text (`format` is `cap` or `json`) at `audit.at`, and its
    /// audit entry (whose `resource_id` is set here), in one transaction. A message with the same sender and
    /// identifier is a [`StoreError::Conflict`].
    pub async fn create_alert(
        &self,
        alert: &tc::Alert,
        format: &str,
        source: &str,
        created_by: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<AlertRecord> {
        let mut tx = self.begin_write().await?;
        let id = new_id();
        insert_alert(&mut tx, &id, alert, format, source, created_by, audit.at).await?;
        bump(&mut tx).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        crate::audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.alert(&id).await
    }

    /// One alert.
    pub async fn alert(&self, id: &str) -> Result<AlertRecord> {
        let row = self
            .one_row(
                &format!("SELECT {ALERT_COLS} FROM alerts WHERE id = $1"),
                id,
            )
            .await?;
        alert_row(&row)
    }

    /// The source text (CAP XML or JSON) of an alert.
    pub async fn alert_source(&self, id: &str) -> Result<String> {
        let row = self
            .one_row("SELECT source FROM alerts WHERE id = $1", id)
            .await?;
        Ok(row.try_get("source")?)
    }

    /// Every alert, newest `sent` first.
    pub async fn list_alerts(&self) -> Result<Vec<AlertRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLS} FROM alerts ORDER BY sent DESC, id DESC"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(alert_row).collect()
    }

    /// Cancels an alert here (it stops at `audit.at`) and writes `audit`, in one transaction. Cancelling twice
    /// keeps the first time and writes no second entry.
    pub async fn cancel_alert(&self, id: &str, audit: &AuditEntry) -> Result<AlertRecord> {
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query("SELECT COUNT(*) AS n FROM alerts WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if exists == 0 {
            return Err(StoreError::NotFound);
        }
        let done = sqlx::query(
            "UPDATE alerts SET cancelled_at = $1 WHERE id = $2 AND cancelled_at IS NULL",
        )
        .bind(audit.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() > 0 {
            bump(&mut tx).await?;
            crate::audit::insert(&mut tx, audit).await?;
        }
        tx.commit().await?;
        self.alert(id).await
    }
}
