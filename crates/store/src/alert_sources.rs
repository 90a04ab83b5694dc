//! CAP subscriptions and geocode mapping (migration 0016, docs/alerts.md).
//!
//! - `alert_geocodes`: an operator maps a CAP geocode (`valueName` + `value`) to a location once; the schedule
//!   catalog adds the mapped locations to every alert carrying that geocode. A change bumps the schedule version.
//! - `alert_sources`: the subscriptions. `next_poll_at` + `lease_until` are the persisted polling schedule, as for
//!   the news wire: one conditional `UPDATE` claims a source, so one poll per source runs at a time.
//! - `alert_source_entries`: what each entry of a source became (dedup of entries; a refused entry is not fetched
//!   again). An imported alert, its entry row, its audit entry and (when held) its notification rows are written
//!   in one transaction.

use crate::schedule::bump;
use crate::{audit, new_id, version, AlertRecord, AuditEntry, Outbox, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use twincast_core as tc;
use utoipa::ToSchema;

pub use crate::news_wire::WireProblem as SourceProblem;

/// A geocode mapped to a location.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AlertGeocode {
    /// Stable identifier.
    pub id: String,
    /// CAP `valueName`, e.g. `EMMA_ID`.
    pub value_name: String,
    /// CAP `value`, e.g. `DE413`.
    pub value: String,
    /// The location whose screens alerts with this geocode reach.
    pub location_id: String,
    /// Epoch ms.
    pub created_at: i64,
}

/// What an operator sends to map a geocode.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertGeocodeInput {
    /// CAP `valueName`.
    pub value_name: String,
    /// CAP `value`.
    pub value: String,
    /// Location id.
    pub location_id: String,
}

/// A source's area filter: which alerts of the source may go on air at all.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaFilter {
    /// Only alerts with one of these geocodes (a `value` ending in `*` is a prefix); empty: any geocode.
    #[serde(default)]
    pub geocodes: Vec<GeocodePattern>,
    /// Whether an alert without any polygon, circle or geocode (which would reach every screen) is accepted.
    #[serde(default)]
    pub everywhere: bool,
}

/// A geocode or a prefix of its values.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GeocodePattern {
    /// CAP `valueName`.
    pub value_name: String,
    /// CAP `value`, or a prefix ending in `*`.
    pub value: String,
}

/// What an operator sets on a CAP source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertSourceInput {
    /// Name, unique among sources.
    pub name: String,
    /// A CAP document's address, or an Atom/RSS feed whose entries are or link to CAP documents (http or https).
    pub url: String,
    /// Lowest CAP severity that goes on air (`Unknown` … `Extreme`).
    #[serde(default = "unknown")]
    pub min_severity: String,
    /// Lowest CAP urgency (`Unknown`, `Past`, `Future`, `Expected`, `Immediate`).
    #[serde(default = "unknown")]
    pub min_urgency: String,
    /// Lowest CAP certainty (`Unknown`, `Unlikely`, `Possible`, `Likely`, `Observed`).
    #[serde(default = "unknown")]
    pub min_certainty: String,
    /// The area filter.
    #[serde(default)]
    pub area: AreaFilter,
    /// `auto-publish` (on air at once) or `hold` (waits for an operator's approval; the on-call operator is notified).
    pub moderation: String,
    /// Refuse documents whose XML signature cannot be verified (today: every document; see docs/alerts.md).
    #[serde(default)]
    pub require_signature: bool,
    /// Seconds between polls (30..=86400).
    #[serde(default = "default_interval")]
    pub interval_secs: i64,
    /// Whether it is polled on its schedule.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn unknown() -> String {
    "Unknown".into()
}
fn default_interval() -> i64 {
    60
}
fn yes() -> bool {
    true
}

/// Counts of the last poll and of all time.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct AlertSourceCounts {
    /// Entries (or 1 for a CAP document) in the last poll.
    pub entries: i64,
    /// Alerts the last poll put on air.
    pub created: i64,
    /// Alerts the last poll held for approval.
    pub held: i64,
    /// Entries the last poll refused or filtered out.
    pub skipped: i64,
    /// Alerts imported from this source, ever.
    pub imported: i64,
}

/// A stored CAP source with its schedule and last outcome.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AlertSource {
    /// Stable identifier.
    pub id: String,
    /// Its settings.
    #[serde(flatten)]
    pub input: AlertSourceInput,
    /// When it is next due, epoch ms.
    pub next_poll_at: i64,
    /// Whether a poll holds it now.
    pub polling: bool,
    /// When it was last polled, epoch ms.
    pub last_poll_at: Option<i64>,
    /// `never`, `ok`, `not-modified`, `partial` (some entries refused; see `last_error`) or `failed`.
    pub last_outcome: String,
    /// The last poll's error (or the first entry it refused).
    pub last_error: Option<SourceProblem>,
    /// Counts.
    pub counts: AlertSourceCounts,
    /// `ETag` last sent by the source.
    #[serde(skip)]
    pub etag: Option<String>,
    /// `Last-Modified` last sent by the source.
    #[serde(skip)]
    pub last_modified: Option<String>,
    /// Who added it.
    pub created_by: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// Row version (`ETag` / `If-Match`).
    pub version: i64,
}

/// What a poll found.
#[derive(Debug, Clone, Default)]
pub struct AlertPollRecord {
    /// When it ended, epoch ms.
    pub at: i64,
    /// See [`AlertSource::last_outcome`].
    pub outcome: String,
    /// See [`AlertSource::last_error`].
    pub error: Option<SourceProblem>,
    /// New `ETag` (`None`: keep).
    pub etag: Option<String>,
    /// New `Last-Modified` (`None`: keep).
    pub last_modified: Option<String>,
    /// Counts (`imported` is added to the total).
    pub counts: AlertSourceCounts,
    /// When it is due again.
    pub next_poll_at: i64,
}

/// An entry of a source and what it became.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct AlertSourceEntry {
    /// Source id.
    pub source_id: String,
    /// The entry's id in its feed (or `sender,identifier,sent` for a CAP document).
    pub entry_id: String,
    /// `published`, `held`, `duplicate`, `filtered` or `refused`.
    pub outcome: String,
    /// Why it was filtered or refused (a stable code), else empty.
    pub code: String,
    /// The alert it became.
    pub alert_id: Option<String>,
    /// Epoch ms.
    pub fetched_at: i64,
}

const COLS: &str = "id, name, url, min_severity, min_urgency, min_certainty, area, moderation, require_signature, \
    interval_secs, enabled, next_poll_at, lease_until, etag, last_modified, last_poll_at, last_outcome, last_error_code, \
    last_error, last_entries, last_created, last_held, last_skipped, total_imported, created_by, created_at, updated_at, version";

fn source(row: &AnyRow, now: i64) -> Result<AlertSource> {
    let code: Option<String> = row.try_get("last_error_code")?;
    let message: Option<String> = row.try_get("last_error")?;
    let lease: Option<i64> = row.try_get("lease_until")?;
    Ok(AlertSource {
        id: row.try_get("id")?,
        input: AlertSourceInput {
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            min_severity: row.try_get("min_severity")?,
            min_urgency: row.try_get("min_urgency")?,
            min_certainty: row.try_get("min_certainty")?,
            area: serde_json::from_str(&row.try_get::<String, _>("area")?)?,
            moderation: row.try_get("moderation")?,
            require_signature: row.try_get::<i64, _>("require_signature")? != 0,
            interval_secs: row.try_get("interval_secs")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
        },
        next_poll_at: row.try_get("next_poll_at")?,
        polling: lease.is_some_and(|l| l > now),
        last_poll_at: row.try_get("last_poll_at")?,
        last_outcome: row.try_get("last_outcome")?,
        last_error: code.map(|code| SourceProblem {
            code,
            message: message.unwrap_or_default(),
        }),
        counts: AlertSourceCounts {
            entries: row.try_get("last_entries")?,
            created: row.try_get("last_created")?,
            held: row.try_get("last_held")?,
            skipped: row.try_get("last_skipped")?,
            imported: row.try_get("total_imported")?,
        },
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

async fn put_entry(tx: &mut Tx, e: &AlertSourceEntry) -> Result<()> {
    sqlx::query("DELETE FROM alert_source_entries WHERE source_id = $1 AND entry_id = $2")
        .bind(&e.source_id)
        .bind(&e.entry_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO alert_source_entries (source_id, entry_id, outcome, code, alert_id, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&e.source_id)
    .bind(&e.entry_id)
    .bind(&e.outcome)
    .bind(&e.code)
    .bind(e.alert_id.as_deref())
    .bind(e.fetched_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    // ---- geocode mapping ----

    /// Every geocode mapping, by name and value.
    pub async fn alert_geocodes(&self) -> Result<Vec<AlertGeocode>> {
        let rows = sqlx::query(
            "SELECT id, value_name, value, location_id, created_at FROM alert_geocodes \
             ORDER BY value_name, value, location_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AlertGeocode {
                    id: r.try_get("id")?,
                    value_name: r.try_get("value_name")?,
                    value: r.try_get("value")?,
                    location_id: r.try_get("location_id")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Maps a geocode to a location (bumps the schedule version), with its audit entry. The same mapping twice is
    /// a conflict; an unknown location is a foreign-key failure reported as `NotFound`-like `Invalid` by the app.
    pub async fn create_alert_geocode(
        &self,
        g: &AlertGeocodeInput,
        audit: &AuditEntry,
    ) -> Result<AlertGeocode> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO alert_geocodes (id, value_name, value, location_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&id)
        .bind(&g.value_name)
        .bind(&g.value)
        .bind(&g.location_id)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        bump(&mut tx).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(AlertGeocode {
            id,
            value_name: g.value_name.clone(),
            value: g.value.clone(),
            location_id: g.location_id.clone(),
            created_at: audit.at,
        })
    }

    /// Removes a mapping (bumps the schedule version), with its audit entry.
    pub async fn delete_alert_geocode(&self, id: &str, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM alert_geocodes WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds the mapped locations of each alert's geocodes to its `locations` (the catalog's view).
    pub(crate) async fn resolve_geocodes(&self, alerts: &mut [tc::Alert]) -> Result<()> {
        if alerts.iter().all(|a| a.geocodes.is_empty()) {
            return Ok(());
        }
        let map = self.alert_geocodes().await?;
        for a in alerts.iter_mut() {
            for g in &a.geocodes {
                for m in map
                    .iter()
                    .filter(|m| m.value_name == g.value_name && m.value == g.value)
                {
                    if !a.locations.contains(&m.location_id) {
                        a.locations.push(m.location_id.clone());
                    }
                }
            }
        }
        Ok(())
    }

    // ---- sources ----

    /// Adds a source, due at once, with its audit entry. A name in use is a conflict.
    pub async fn create_cap_source(
        &self,
        s: &AlertSourceInput,
        created_by: &str,
        audit: &AuditEntry,
    ) -> Result<AlertSource> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO alert_sources (id, name, url, min_severity, min_urgency, min_certainty, area, moderation, \
             require_signature, interval_secs, enabled, next_poll_at, created_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $12, 1)",
        )
        .bind(&id)
        .bind(&s.name)
        .bind(&s.url)
        .bind(&s.min_severity)
        .bind(&s.min_urgency)
        .bind(&s.min_certainty)
        .bind(serde_json::to_string(&s.area)?)
        .bind(&s.moderation)
        .bind(i64::from(s.require_signature))
        .bind(s.interval_secs)
        .bind(i64::from(s.enabled))
        .bind(audit.at)
        .bind(created_by)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.cap_source(&id, audit.at).await
    }

    /// Replaces a source's settings if still at version `expected` (0: any); due at once again; a new URL forgets
    /// the validators.
    pub async fn update_cap_source(
        &self,
        id: &str,
        s: &AlertSourceInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<AlertSource> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE alert_sources SET etag = CASE WHEN url = $2 THEN etag ELSE NULL END, \
             last_modified = CASE WHEN url = $2 THEN last_modified ELSE NULL END, \
             name = $1, url = $2, min_severity = $3, min_urgency = $4, min_certainty = $5, area = $6, moderation = $7, \
             require_signature = $8, interval_secs = $9, enabled = $10, next_poll_at = $11, updated_at = $11, \
             version = version + 1 WHERE id = $12 AND ($13 = 0 OR version = $13)",
        )
        .bind(&s.name)
        .bind(&s.url)
        .bind(&s.min_severity)
        .bind(&s.min_urgency)
        .bind(&s.min_certainty)
        .bind(serde_json::to_string(&s.area)?)
        .bind(&s.moderation)
        .bind(i64::from(s.require_signature))
        .bind(s.interval_secs)
        .bind(i64::from(s.enabled))
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "alert_sources", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.cap_source(id, audit.at).await
    }

    /// Deletes a source and its entry rows (its alerts stay) if still at version `expected`.
    pub async fn delete_cap_source(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM alert_source_entries WHERE source_id = $1 AND EXISTS \
             (SELECT 1 FROM alert_sources WHERE id = $1 AND ($2 = 0 OR version = $2))",
        )
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        let done =
            sqlx::query("DELETE FROM alert_sources WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "alert_sources", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One source.
    pub async fn cap_source(&self, id: &str, now: i64) -> Result<AlertSource> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM alert_sources WHERE id = $1"),
                id,
            )
            .await?;
        source(&row, now)
    }

    /// Every source, by name.
    pub async fn cap_sources(&self, now: i64) -> Result<Vec<AlertSource>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM alert_sources ORDER BY name, id"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| source(r, now)).collect()
    }

    /// Claims a source until `lease_until`: `id` whatever its schedule, or the enabled source due longest.
    pub async fn claim_cap_source(
        &self,
        id: Option<&str>,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<AlertSource>> {
        let id = match id {
            Some(id) => id.to_string(),
            None => {
                let Some(row) = sqlx::query(
                    "SELECT id FROM alert_sources WHERE enabled = 1 AND next_poll_at <= $1 \
                     AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_poll_at, id LIMIT 1",
                )
                .bind(now)
                .fetch_optional(&self.pool)
                .await?
                else {
                    return Ok(None);
                };
                row.try_get("id")?
            }
        };
        let done = sqlx::query(
            "UPDATE alert_sources SET lease_until = $1 WHERE id = $2 AND (lease_until IS NULL OR lease_until <= $3)",
        )
        .bind(lease_until)
        .bind(&id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            self.cap_source(&id, now).await.map(Some)
        } else {
            self.cap_source(&id, now).await?;
            Ok(None)
        }
    }

    /// Records a poll's outcome and releases the lease, with the audit entry of a poll someone asked for.
    pub async fn finish_cap_poll(
        &self,
        id: &str,
        r: &AlertPollRecord,
        audit: Option<&AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE alert_sources SET lease_until = NULL, next_poll_at = $1, last_poll_at = $2, last_outcome = $3, \
             last_error_code = $4, last_error = $5, etag = COALESCE($6, etag), last_modified = COALESCE($7, last_modified), \
             last_entries = $8, last_created = $9, last_held = $10, last_skipped = $11, \
             total_imported = total_imported + $12 WHERE id = $13",
        )
        .bind(r.next_poll_at)
        .bind(r.at)
        .bind(&r.outcome)
        .bind(r.error.as_ref().map(|e| e.code.clone()))
        .bind(r.error.as_ref().map(|e| e.message.clone()))
        .bind(r.etag.as_deref())
        .bind(r.last_modified.as_deref())
        .bind(r.counts.entries)
        .bind(r.counts.created)
        .bind(r.counts.held)
        .bind(r.counts.skipped)
        .bind(r.counts.imported)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(entry) = audit {
            audit::insert(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The entry row of (source, entry id), if seen.
    pub async fn cap_source_entry(
        &self,
        source_id: &str,
        entry_id: &str,
    ) -> Result<Option<AlertSourceEntry>> {
        let row = sqlx::query(
            "SELECT source_id, entry_id, outcome, code, alert_id, fetched_at FROM alert_source_entries \
             WHERE source_id = $1 AND entry_id = $2",
        )
        .bind(source_id)
        .bind(entry_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| entry_row(&r)).transpose()
    }

    /// A source's entries, newest first.
    pub async fn cap_source_entries(
        &self,
        source_id: &str,
        limit: i64,
    ) -> Result<Vec<AlertSourceEntry>> {
        let rows = sqlx::query(
            "SELECT source_id, entry_id, outcome, code, alert_id, fetched_at FROM alert_source_entries \
             WHERE source_id = $1 ORDER BY fetched_at DESC, entry_id LIMIT $2",
        )
        .bind(source_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_row).collect()
    }

    /// Records an entry that became no alert (duplicate, filtered, refused).
    pub async fn record_cap_entry(&self, e: &AlertSourceEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        put_entry(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The alert stored for (sender, identifier), if any.
    pub async fn alert_by_key(
        &self,
        sender: &str,
        identifier: &str,
    ) -> Result<Option<AlertRecord>> {
        let row = sqlx::query("SELECT id FROM alerts WHERE sender = $1 AND identifier = $2")
            .bind(sender)
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(r) => Ok(Some(self.alert(&r.try_get::<String, _>("id")?).await?)),
            None => Ok(None),
        }
    }

    /// Stores an alert from a source (held or on air), its entry row, its audit entry and the outbox rows of a
    /// held alert's notification in one transaction. A (sender, identifier) already stored is a conflict.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_alert(
        &self,
        id: &str,
        alert: &tc::Alert,
        source_text: &str,
        source_id: &str,
        held: bool,
        entry: &AlertSourceEntry,
        audit: &AuditEntry,
        outbox: &Outbox,
    ) -> Result<AlertRecord> {
        let mut tx = self.begin_write().await?;
        crate::schedule::insert_alert(&mut tx, id, alert, "cap", source_text, None, audit.at)
            .await?;
        sqlx::query("UPDATE alerts SET source_id = $1, held = $2 WHERE id = $3")
            .bind(source_id)
            .bind(i64::from(held))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut e = entry.clone();
        e.alert_id = Some(id.to_string());
        put_entry(&mut tx, &e).await?;
        if !held {
            bump(&mut tx).await?;
        }
        let mut a = audit.clone();
        a.resource_id = id.to_string();
        audit::insert(&mut tx, &a).await?;
        crate::health::queue(&mut tx, outbox, audit.at).await?;
        tx.commit().await?;
        self.alert(id).await
    }

    /// Puts a held alert on air (bumps the schedule version), with its audit entry. An alert that is not held
    /// is a conflict.
    pub async fn approve_alert(
        &self,
        id: &str,
        by: &str,
        audit: &AuditEntry,
    ) -> Result<AlertRecord> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE alerts SET held = 0, approved_by = $1, approved_at = $2 WHERE id = $3 AND held = 1",
        )
        .bind(by)
        .bind(audit.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            self.alert(id).await?;
            return Err(StoreError::Conflict("the alert is not held".into()));
        }
        bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.alert(id).await
    }
}

fn entry_row(r: &AnyRow) -> Result<AlertSourceEntry> {
    Ok(AlertSourceEntry {
        source_id: r.try_get("source_id")?,
        entry_id: r.try_get("entry_id")?,
        outcome: r.try_get("outcome")?,
        code: r.try_get("code")?,
        alert_id: r.try_get("alert_id")?,
        fetched_at: r.try_get("fetched_at")?,
    })
}
