//! The audit log: append-only, written in the transaction of the change it records.
//!
//! A write that changes state takes an [`AuditEntry`] and calls [`insert`] on its own transaction before it
//! commits, so a change and its entry are visible together or not at all. Nothing in this crate updates or deletes
//! audit rows (`crates/cli/tests/invariants.rs` checks that no SQL text does).

use crate::{new_id, Page, PageRequest, Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// One audit entry: who, when, what, from where, and the fields that changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// UUIDv7, time-ordered (assigned by [`insert`] when empty).
    pub id: String,
    /// Epoch ms (the application clock).
    pub at: i64,
    /// The account's id; `None` for the system itself (workers).
    pub actor_id: Option<String>,
    /// The account's username, or `system`.
    pub actor: String,
    /// How the actor came: `session`, `token`, `cli`, `device` or `system`.
    pub via: String,
    /// The API token's id (for `token`), when known.
    pub via_id: Option<String>,
    /// What was done, `resource.verb`, e.g. `screen.update`.
    pub action: String,
    /// The kind of thing changed, e.g. `screen`.
    pub resource: String,
    /// Its id.
    pub resource_id: String,
    /// The partner (slug) the thing belongs to, if any: partner-editors see their partners' entries.
    pub partner: Option<String>,
    /// Changed fields: `{"field": [before, after]}` (before is null on create, after is null on delete).
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

impl AuditEntry {
    /// An entry of Twincast itself (`actor` `system`, `via` `system`) doing `action` (`resource.verb`) on
    /// `resource_id` at `at`, with no changes: for workers, tools and tests that write without an account.
    pub fn by_system(action: &str, resource_id: &str, at: i64) -> AuditEntry {
        AuditEntry {
            id: String::new(),
            at,
            actor_id: None,
            actor: "system".into(),
            via: "system".into(),
            via_id: None,
            action: action.into(),
            resource: action.split('.').next().unwrap_or(action).into(),
            resource_id: resource_id.into(),
            partner: None,
            changes: serde_json::Value::Object(Default::default()),
        }
    }
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this resource kind.
    pub resource: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Only this actor (account id).
    pub actor_id: Option<String>,
    /// Only this actor (account name as recorded, e.g. `system`).
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries at or after (epoch ms).
    pub from: Option<i64>,
    /// Only entries before (epoch ms).
    pub until: Option<i64>,
    /// Only entries of these partners (slugs); `None` = every entry, `Some(empty)` = none.
    pub partners: Option<Vec<String>>,
}

/// Appends `e` inside the caller's transaction.
pub async fn insert(tx: &mut sqlx::Transaction<'static, sqlx::Any>, e: &AuditEntry) -> Result<()> {
    let id = if e.id.is_empty() {
        new_id()
    } else {
        e.id.clone()
    };
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor, via, via_id, action, resource, resource_id, partner, changes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(e.at)
    .bind(e.actor_id.as_deref())
    .bind(&e.actor)
    .bind(&e.via)
    .bind(e.via_id.as_deref())
    .bind(&e.action)
    .bind(&e.resource)
    .bind(&e.resource_id)
    .bind(e.partner.as_deref())
    .bind(serde_json::to_string(&e.changes)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn entry(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor: row.try_get("actor")?,
        via: row.try_get("via")?,
        via_id: row.try_get("via_id")?,
        action: row.try_get("action")?,
        resource: row.try_get("resource")?,
        resource_id: row.try_get("resource_id")?,
        partner: row.try_get("partner")?,
        changes: serde_json::from_str(&row.try_get::<String, _>("changes")?)?,
    })
}

impl Store {
    /// Appends one entry in a transaction of its own (for changes that are not rows of this store, e.g. a command
    /// sent to a screen's socket). Changes to rows write their entry with [`insert`] in their own transaction.
    pub async fn append_audit(&self, e: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        insert(&mut tx, e).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Entries matching `f`, newest first (keyset on the time-ordered id).
    pub async fn list_audit(
        &self,
        f: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>> {
        if matches!(&f.partners, Some(p) if p.is_empty()) {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        let after = page.after()?;
        // The partner filter: an exact match on one of the slugs (`$11`, `$12`, …; `$8` says whether to filter).
        let slugs: &[String] = f.partners.as_deref().unwrap_or_default();
        let within = if slugs.is_empty() {
            String::new()
        } else {
            let marks: Vec<String> = (0..slugs.len()).map(|i| format!("${}", 11 + i)).collect();
            format!(" OR partner IN ({})", marks.join(", "))
        };
        let sql = format!(
            "SELECT id, at, actor_id, actor, via, via_id, action, resource, resource_id, partner, changes \
             FROM audit_log \
             WHERE ($1 = '' OR id < $1) \
               AND ($2 = '' OR resource = $2) AND ($3 = '' OR resource_id = $3) \
               AND ($4 = '' OR actor_id = $4) AND ($5 = '' OR action = $5) \
               AND at >= $6 AND at < $7 \
               AND ($8 = ''{within}) \
               AND ($10 = '' OR actor = $10) \
             ORDER BY id DESC LIMIT $9"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after)
            .bind(f.resource.as_deref().unwrap_or(""))
            .bind(f.resource_id.as_deref().unwrap_or(""))
            .bind(f.actor_id.as_deref().unwrap_or(""))
            .bind(f.action.as_deref().unwrap_or(""))
            .bind(f.from.unwrap_or(i64::MIN))
            .bind(f.until.unwrap_or(i64::MAX))
            .bind(if f.partners.is_some() { "1" } else { "" })
            .bind(page.limit() + 1)
            .bind(f.actor.as_deref().unwrap_or(""));
        for slug in slugs {
            q = q.bind(slug);
        }
        let rows = q.fetch_all(&self.pool).await?;
        let items = rows.iter().map(entry).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |e| e.id.as_str()))
    }
}
