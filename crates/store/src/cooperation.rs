//! The cooperation catalogue's tables: the field vocabulary (`coop_fields`), projects (`coop_projects`) and
//! expressions of interest (`coop_interests`). A project's or field's content is one JSON document; every change
//! writes its audit entry in its own transaction and bumps the row version (`If-Match`).

use crate::{audit, new_id, version, AuditEntry, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use twincast_core::cooperation::{
    Field, FieldInput, InterestInput, InterestStatus, Project, ProjectInput,
};

/// A stored expression of interest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interest {
    /// Stable identifier.
    pub id: String,
    /// The project's id.
    pub project_id: String,
    /// What was sent.
    #[serde(flatten)]
    pub data: InterestInput,
    /// Where it stands.
    pub status: InterestStatus,
    /// When it arrived, epoch ms.
    pub created_at: i64,
    /// When it is deleted, epoch ms (the retention date shown on the form).
    pub retain_until: i64,
    /// When it was e-mailed to the project's contact, epoch ms.
    pub emailed_at: Option<i64>,
    /// Row version.
    pub version: i64,
}

const PROJECT_COLS: &str = "id, doc, created_at, updated_at, version";
const INTEREST_COLS: &str =
    "id, project_id, doc, status, created_at, retain_until, emailed_at, version";

fn project(row: &AnyRow) -> Result<Project> {
    Ok(Project {
        id: row.try_get("id")?,
        data: serde_json::from_str(&row.try_get::<String, _>("doc")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

fn field(row: &AnyRow) -> Result<Field> {
    Ok(Field {
        id: row.try_get("id")?,
        data: serde_json::from_str(&row.try_get::<String, _>("doc")?)?,
        version: row.try_get("version")?,
    })
}

fn interest(row: &AnyRow) -> Result<Interest> {
    let status: String = row.try_get("status")?;
    Ok(Interest {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        data: serde_json::from_str(&row.try_get::<String, _>("doc")?)?,
        status: InterestStatus::parse(&status)
            .ok_or_else(|| StoreError::Invalid(format!("interest status {status:?}")))?,
        created_at: row.try_get("created_at")?,
        retain_until: row.try_get("retain_until")?,
        emailed_at: row.try_get::<Option<i64>, _>("emailed_at")?,
        version: row.try_get("version")?,
    })
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

async fn insert_project(tx: &mut Tx, id: &str, p: &ProjectInput, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO coop_projects (id, slug, district, status, doc, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, 1)",
    )
    .bind(id)
    .bind(&p.slug)
    .bind(&p.district)
    .bind(p.status.as_str())
    .bind(serde_json::to_string(p)?)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn replace_project(
    tx: &mut Tx,
    id: &str,
    p: &ProjectInput,
    expected: i64,
    at: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE coop_projects SET slug = $1, district = $2, status = $3, doc = $4, updated_at = $5, \
         version = version + 1 WHERE id = $6 AND ($7 = 0 OR version = $7)",
    )
    .bind(&p.slug)
    .bind(&p.district)
    .bind(p.status.as_str())
    .bind(serde_json::to_string(p)?)
    .bind(at)
    .bind(id)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    version::outcome(tx, "coop_projects", id, done.rows_affected()).await
}

impl Store {
    // ---- fields ----

    /// The field vocabulary, by slug.
    pub async fn coop_fields(&self) -> Result<Vec<Field>> {
        let rows = sqlx::query("SELECT id, doc, version FROM coop_fields ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(field).collect()
    }

    /// One field by slug.
    pub async fn coop_field(&self, slug: &str) -> Result<Field> {
        let row = self
            .one_row(
                "SELECT id, doc, version FROM coop_fields WHERE slug = $1",
                slug,
            )
            .await?;
        field(&row)
    }

    /// Adds a field and its audit entry. A taken slug is a conflict.
    pub async fn create_coop_field(&self, f: &FieldInput, audit: &AuditEntry) -> Result<Field> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO coop_fields (id, slug, doc, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)",
        )
        .bind(&id)
        .bind(&f.slug)
        .bind(serde_json::to_string(f)?)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.coop_field(&f.slug).await
    }

    /// Replaces field `id` (its slug stays: projects name fields by slug) if still at `expected` (0: any).
    pub async fn update_coop_field(
        &self,
        id: &str,
        f: &FieldInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Field> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE coop_fields SET doc = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND ($4 = 0 OR version = $4)",
        )
        .bind(serde_json::to_string(f)?)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "coop_fields", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.coop_field(&f.slug).await
    }

    /// Deletes field `id` if still at `expected` (0: any).
    pub async fn delete_coop_field(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM coop_fields WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "coop_fields", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- projects ----

    /// Every project, by slug (a catalogue has tens or hundreds).
    pub async fn coop_projects(&self) -> Result<Vec<Project>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PROJECT_COLS} FROM coop_projects ORDER BY slug"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(project).collect()
    }

    /// One project by slug.
    pub async fn coop_project(&self, slug: &str) -> Result<Project> {
        let row = self
            .one_row(
                &format!("SELECT {PROJECT_COLS} FROM coop_projects WHERE slug = $1"),
                slug,
            )
            .await?;
        project(&row)
    }

    /// One project by id.
    pub async fn coop_project_by_id(&self, id: &str) -> Result<Project> {
        let row = self
            .one_row(
                &format!("SELECT {PROJECT_COLS} FROM coop_projects WHERE id = $1"),
                id,
            )
            .await?;
        project(&row)
    }

    /// Adds a project and its audit entry (whose `resource_id` is set here). A taken slug is a conflict.
    pub async fn create_coop_project(
        &self,
        p: &ProjectInput,
        audit: &AuditEntry,
    ) -> Result<Project> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        insert_project(&mut tx, &id, p, audit.at).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.coop_project_by_id(&id).await
    }

    /// Replaces project `id` if still at version `expected` (0: any) and writes `audit`, in one transaction.
    pub async fn update_coop_project(
        &self,
        id: &str,
        p: &ProjectInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Project> {
        let mut tx = self.begin_write().await?;
        replace_project(&mut tx, id, p, expected, audit.at).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.coop_project_by_id(id).await
    }

    /// Deletes project `id` (and its expressions of interest) if still at `expected` (0: any).
    pub async fn delete_coop_project(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM coop_interests WHERE project_id = $1 AND EXISTS (SELECT 1 FROM coop_projects WHERE id = $1 AND ($2 = 0 OR version = $2))")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        let done =
            sqlx::query("DELETE FROM coop_projects WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "coop_projects", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports projects in one transaction: a slug already in the catalogue is replaced (its version bumped), a
    /// new one added. Each project's audit entry comes from `audit_of(index, existing id)`. All or nothing.
    /// Returns (created, updated).
    pub async fn import_coop_projects(
        &self,
        projects: &[ProjectInput],
        audit_of: impl Fn(usize, Option<&str>) -> AuditEntry,
    ) -> Result<(usize, usize)> {
        let mut tx = self.begin_write().await?;
        let (mut created, mut updated) = (0, 0);
        for (i, p) in projects.iter().enumerate() {
            let existing = sqlx::query("SELECT id FROM coop_projects WHERE slug = $1")
                .bind(&p.slug)
                .fetch_optional(&mut *tx)
                .await?;
            let mut entry = audit_of(i, None);
            match existing {
                Some(row) => {
                    let id: String = row.try_get("id")?;
                    entry = audit_of(i, Some(&id));
                    entry.resource_id = id.clone();
                    replace_project(&mut tx, &id, p, 0, entry.at).await?;
                    updated += 1;
                }
                None => {
                    let id = new_id();
                    insert_project(&mut tx, &id, p, entry.at).await?;
                    entry.resource_id = id;
                    created += 1;
                }
            }
            audit::insert(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok((created, updated))
    }

    // ---- expressions of interest ----

    /// Stores an expression of interest unless one with the same `idempotency_key` exists, with `outbox`'s
    /// deliveries (their event id is the interest's id) in the same transaction; returns the stored one and
    /// whether it was created now.
    pub async fn submit_interest(
        &self,
        project_id: &str,
        key: &str,
        input: &InterestInput,
        at: i64,
        retain_until: i64,
        outbox: &crate::Outbox,
    ) -> Result<(Interest, bool)> {
        if let Some(i) = self.interest_by_key(key).await? {
            return Ok((i, false));
        }
        let id = new_id();
        let mut tx = self.begin_write().await?;
        let res = sqlx::query(
            "INSERT INTO coop_interests (id, project_id, idempotency_key, doc, status, created_at, retain_until, version) \
             VALUES ($1, $2, $3, $4, 'new', $5, $6, 1)",
        )
        .bind(&id)
        .bind(project_id)
        .bind(key)
        .bind(serde_json::to_string(input)?)
        .bind(at)
        .bind(retain_until)
        .execute(&mut *tx)
        .await;
        match res {
            Ok(_) => {}
            // A concurrent double submit: the other request stored it.
            Err(e) => {
                drop(tx);
                return match StoreError::from(e) {
                    StoreError::Conflict(_) => match self.interest_by_key(key).await? {
                        Some(i) => Ok((i, false)),
                        None => Err(StoreError::Conflict(crate::UNIQUE_CONFLICT.into())),
                    },
                    other => Err(other),
                };
            }
        }
        let mut outbox = outbox.clone();
        outbox.event_id = id.clone();
        crate::health::queue(&mut tx, &outbox, at).await?;
        tx.commit().await?;
        Ok((self.interest(&id).await?, true))
    }

    async fn interest_by_key(&self, key: &str) -> Result<Option<Interest>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEREST_COLS} FROM coop_interests WHERE idempotency_key = $1"
        )))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(interest).transpose()
    }

    /// One expression of interest.
    pub async fn interest(&self, id: &str) -> Result<Interest> {
        let row = self
            .one_row(
                &format!("SELECT {INTEREST_COLS} FROM coop_interests WHERE id = $1"),
                id,
            )
            .await?;
        interest(&row)
    }

    /// Expressions of interest, newest first, optionally of one status.
    pub async fn interests(&self, status: Option<InterestStatus>) -> Result<Vec<Interest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEREST_COLS} FROM coop_interests WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id DESC LIMIT 1000"
        )))
        .bind(status.map(|s| s.as_str()).unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(interest).collect()
    }

    /// Sets an expression of interest's status if still at `expected` (0: any), with `audit`.
    pub async fn set_interest_status(
        &self,
        id: &str,
        status: InterestStatus,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Interest> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE coop_interests SET status = $1, version = version + 1 WHERE id = $2 AND ($3 = 0 OR version = $3)",
        )
        .bind(status.as_str())
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "coop_interests", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.interest(id).await
    }

    /// Records that an expression of interest was e-mailed.
    pub async fn mark_interest_emailed(&self, id: &str, at: i64) -> Result<()> {
        sqlx::query("UPDATE coop_interests SET emailed_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Expressions of interest not yet e-mailed (oldest first, at most `limit`).
    pub async fn interests_to_email(&self, limit: i64) -> Result<Vec<Interest>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {INTEREST_COLS} FROM coop_interests WHERE emailed_at IS NULL ORDER BY created_at LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(interest).collect()
    }

    /// Deletes the expressions of interest whose retention date has passed, and their e-mail deliveries (which
    /// carry the same data); returns how many expressions.
    pub async fn delete_expired_interests(&self, now: i64) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM notifications WHERE event = 'cooperation.interest' AND event_id IN \
             (SELECT id FROM coop_interests WHERE retain_until <= $1)",
        )
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM coop_interests WHERE retain_until <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }
}
