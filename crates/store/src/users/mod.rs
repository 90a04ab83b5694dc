//! Accounts (this file), their sessions (`sessions.rs`) and API tokens (`tokens.rs`).
//!
//! Every change of an account or a token takes its [`AuditEntry`] and writes it in the change's transaction.
//! Password hashes never leave this module except in [`User::password_hash`], which is never serialized.

mod sessions;
mod tokens;

pub use tokens::TokenFilter;

use crate::{
    audit, new_id, version, AuditEntry, Page, PageRequest, Result, Role, Store, StoreError, User,
};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

fn user(row: &AnyRow, partners: Vec<String>) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role.parse().map_err(StoreError::Invalid)?,
        partners,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_login_at: row.try_get("last_login_at")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        version: row.try_get("version")?,
        password_hash: row.try_get("password_hash")?,
    })
}

const USER_COLS: &str =
    "id, username, password_hash, role, disabled, created_at, updated_at, last_login_at, \
     must_change_password, version";

/// The fields of an account an administrator changes (`PATCH /api/v1/users/{id}` is a merge patch of these).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// See [`User::role`].
    pub role: Role,
    /// See [`User::partners`] (partner-editors only; empty for every other role).
    pub partners: Vec<String>,
    /// See [`User::disabled`].
    pub disabled: bool,
}

impl UserInput {
    /// The editable fields of a stored account.
    pub fn of(u: &User) -> UserInput {
        UserInput {
            role: u.role,
            partners: u.partners.clone(),
            disabled: u.disabled,
        }
    }
}

/// The order of an account list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub enum UserSort {
    /// By login name, A to Z (the default).
    #[default]
    #[serde(rename = "username")]
    Username,
    /// By login name, Z to A.
    #[serde(rename = "-username")]
    UsernameDesc,
    /// Oldest first.
    #[serde(rename = "created_at")]
    Created,
    /// Newest first.
    #[serde(rename = "-created_at")]
    CreatedDesc,
}

/// Which accounts to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only this role.
    pub role: Option<Role>,
    /// Only disabled (`true`) or enabled (`false`) accounts.
    pub disabled: Option<bool>,
    /// Only login names containing this text (case-insensitive).
    pub q: Option<String>,
    /// The order.
    pub sort: UserSort,
}

/// `text` for a `LIKE … ESCAPE '\'` pattern that matches it anywhere, lower-cased.
fn contains_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Width of the zero-padded time in a `created_at` cursor (keeps cursor text ordered like the numbers).
fn time_key(at: i64, id: &str) -> String {
    format!("{at:020}|{id}")
}

async fn set_partners(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    user_id: &str,
    partner_slugs: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM user_partners WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for slug in partner_slugs {
        let done = sqlx::query(
            "INSERT INTO user_partners (user_id, partner_id) SELECT $1, id FROM partners WHERE slug = $2",
        )
        .bind(user_id)
        .bind(slug)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Invalid(format!(
                "no partner with slug {slug:?}"
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Adds an account, scoped to `partner_slugs` (which must exist), and its audit entry (whose `resource_id`
    /// is set here), in one transaction at `audit.at`. A taken name is a [`StoreError::Conflict`].
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        partner_slugs: &[String],
        audit: &AuditEntry,
    ) -> Result<User> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(&id)
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(audit.at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("user {username:?} already exists")),
            other => other,
        })?;
        set_partners(&mut tx, &id, partner_slugs).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.user_by_id(&id).await
    }

    async fn user_partners(&self, user_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT p.slug AS slug FROM user_partners up JOIN partners p ON p.id = up.partner_id WHERE up.user_id = $1 ORDER BY p.slug",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("slug")?)).collect()
    }

    /// One account by login name.
    pub async fn user_by_name(&self, username: &str) -> Result<User> {
        let row = self
            .one_row(
                &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
                username,
            )
            .await?;
        let id: String = row.try_get("id")?;
        user(&row, self.user_partners(&id).await?)
    }

    /// One account by id.
    pub async fn user_by_id(&self, id: &str) -> Result<User> {
        let row = self
            .one_row(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"), id)
            .await?;
        user(&row, self.user_partners(id).await?)
    }

    /// Accounts matching `f`, in its order (keyset pagination).
    pub async fn list_users(&self, f: &UserFilter, page: &PageRequest) -> Result<Page<User>> {
        let after = page.after()?;
        let by_name = matches!(f.sort, UserSort::Username | UserSort::UsernameDesc);
        // Every placeholder is used by its statement (PostgreSQL wants each one typed by its use).
        let (keyset, order, n) = match f.sort {
            UserSort::Username => ("($1 = '' OR username > $1)", "username", 1),
            UserSort::UsernameDesc => ("($1 = '' OR username < $1)", "username DESC", 1),
            UserSort::Created => (
                "($1 = '' OR created_at > $2 OR (created_at = $2 AND id > $3))",
                "created_at, id",
                3,
            ),
            UserSort::CreatedDesc => (
                "($1 = '' OR created_at < $2 OR (created_at = $2 AND id < $3))",
                "created_at DESC, id DESC",
                3,
            ),
        };
        let p = |i: usize| format!("${}", n + i);
        let sql = format!(
            "SELECT {USER_COLS} FROM users WHERE {keyset} \
             AND ({r} = '' OR role = {r}) AND ({d} < 0 OR disabled = {d}) \
             AND ({q} = '' OR LOWER(username) LIKE {q} ESCAPE '\\') \
             ORDER BY {order} LIMIT {l}",
            r = p(1),
            d = p(2),
            q = p(3),
            l = p(4),
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(after.clone());
        if !by_name {
            let bad = || StoreError::Invalid("cursor is not a cursor this server issued".into());
            let (at, id) = match after.split_once('|') {
                Some((at, id)) => (at.parse::<i64>().map_err(|_| bad())?, id.to_string()),
                None if after.is_empty() => (0, String::new()),
                None => return Err(bad()),
            };
            query = query.bind(at).bind(id);
        }
        let rows = query
            .bind(f.role.map(Role::as_str).unwrap_or(""))
            .bind(f.disabled.map_or(-1i64, i64::from))
            .bind(f.q.as_deref().map(contains_pattern).unwrap_or_default())
            .bind(page.limit() + 1)
            .fetch_all(&self.pool)
            .await?;
        let mut keyed = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let u = user(row, self.user_partners(&id).await?)?;
            let key = if by_name {
                u.username.clone()
            } else {
                time_key(u.created_at, &u.id)
            };
            keyed.push((key, u));
        }
        let page = page.finish(keyed, |(k, _)| k.as_str());
        Ok(Page {
            items: page.items.into_iter().map(|(_, u)| u).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// Replaces the role, partner scopes and disabled flag of account `id` if it is still at version `expected`
    /// (0: any), bumps its version and writes `audit`, in one transaction. Disabling ends the account's sessions
    /// (its API tokens stay, refused while it is disabled).
    pub async fn update_user(
        &self,
        id: &str,
        input: &UserInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let was_admin = lock_admins(&mut tx, id).await?;
        let done = sqlx::query(
            "UPDATE users SET role = $1, disabled = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 = 0 OR version = $5)",
        )
        .bind(input.role.as_str())
        .bind(i64::from(input.disabled))
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "users", id, done.rows_affected()).await?;
        if was_admin {
            keep_an_admin(&mut tx).await?;
        }
        set_partners(&mut tx, id, &input.partners).await?;
        if input.disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.user_by_id(id).await
    }

    /// Sets account `id`'s password hash and whether it must be changed at the next login, if the account is
    /// still at version `expected` (0: any); ends its sessions except `keep_session` (a session's id hash) and
    /// writes `audit`, in one transaction.
    pub async fn set_password(
        &self,
        id: &str,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<User> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 = 0 OR version = $5)",
        )
        .bind(password_hash)
        .bind(i64::from(must_change))
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "users", id, done.rows_affected()).await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(id)
            .bind(keep_session.unwrap_or(""))
            .execute(&mut *tx)
            .await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.user_by_id(id).await
    }

    /// Whether account `id` appears as the actor of any audit entry.
    pub async fn user_has_history(&self, id: &str) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE actor_id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Deletes account `id` (with its sessions, tokens and partner scopes) if it is still at version `expected`
    /// (0: any) and has done nothing the audit log recorded; writes `audit`. An account with history is a
    /// [`StoreError::Conflict`]: disable it instead, so the log keeps naming an account that exists.
    pub async fn delete_user(&self, id: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE actor_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if row.try_get::<i64, _>("n")? > 0 {
            return Err(StoreError::Conflict(
                "the account has audit history; disable it instead".into(),
            ));
        }
        let was_admin = lock_admins(&mut tx, id).await?;
        let done = sqlx::query("DELETE FROM users WHERE id = $1 AND ($2 = 0 OR version = $2)")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        version::outcome(&mut tx, "users", id, done.rows_affected()).await?;
        if was_admin {
            keep_an_admin(&mut tx).await?;
        }
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Number of enabled administrator accounts (the changes that could leave none refuse themselves, in their
    /// transaction: [`Store::update_user`], [`Store::delete_user`]).
    pub async fn count_enabled_admins(&self) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }
}

/// Locks the enabled administrators' rows for the rest of the transaction (a no-op update: PostgreSQL takes their
/// row locks; SQLite's write transaction holds its one lock already), so two changes that would each leave the
/// other as the last administrator run one after the other. Returns whether account `id` is one of them.
async fn lock_admins(tx: &mut sqlx::Transaction<'static, sqlx::Any>, id: &str) -> Result<bool> {
    sqlx::query("UPDATE users SET role = role WHERE role = 'admin' AND disabled = 0")
        .execute(&mut **tx)
        .await?;
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE id = $1 AND role = 'admin' AND disabled = 0",
    )
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Fails with `Conflict("last-admin")` when no enabled administrator is left (after the change, inside its
/// transaction: the caller drops the transaction, so nothing is written).
async fn keep_an_admin(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0")
        .fetch_one(&mut **tx)
        .await?;
    if row.try_get::<i64, _>("n")? == 0 {
        return Err(StoreError::Conflict("last-admin".into()));
    }
    Ok(())
}
