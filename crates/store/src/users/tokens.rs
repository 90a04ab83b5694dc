//! API tokens: stored by the hash of their secret; created and revoked with their audit entry.

use crate::{
    audit, new_id, now_ms, version, ApiToken, AuditEntry, Page, PageRequest, Result, Store,
    StoreError,
};
use sqlx::any::AnyRow;
use sqlx::Row;

fn token(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        scopes: serde_json::from_str(&row.try_get::<String, _>("scopes")?)?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
        version: row.try_get("version")?,
    })
}

const TOKEN_COLS: &str =
    "id, user_id, name, scopes, created_at, expires_at, revoked_at, last_used_at, version";

/// Which tokens to list.
#[derive(Debug, Clone, Default)]
pub struct TokenFilter {
    /// Only the tokens of this account (`None`: every account's).
    pub user_id: Option<String>,
    /// Whether revoked tokens are listed too (`false`: only unrevoked ones).
    pub include_revoked: bool,
}

impl Store {
    /// Stores an API token by the hash of its secret, with its audit entry (whose `resource_id` is set here), in
    /// one transaction at `audit.at`.
    pub async fn create_token(
        &self,
        user_id: &str,
        name: &str,
        token_hash: &str,
        scopes: &[String],
        expires_at: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<ApiToken> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(serde_json::to_string(scopes)?)
        .bind(audit.at)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.token_by_id(&id).await
    }

    /// A usable token (not revoked, not expired) by the hash of its secret; records its use.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.token_by_hash_at(token_hash, now_ms()).await
    }

    /// A token usable at `now` (epoch ms: not revoked, not expired) by the hash of its secret; records its use
    /// (`last_used_at`, bookkeeping: no new version, no audit entry).
    pub async fn token_by_hash_at(&self, token_hash: &str, now: i64) -> Result<Option<ApiToken>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        )))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let t = token(&row)?;
        // Coarse last-use tracking: at most one write a minute per token.
        if t.last_used_at.is_none_or(|at| now - at > 60_000) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&t.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(t))
    }

    /// Tokens matching `f`, oldest first (keyset on the time-ordered id).
    pub async fn list_tokens(&self, f: &TokenFilter, page: &PageRequest) -> Result<Page<ApiToken>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id > $1 AND ($2 = '' OR user_id = $2) \
             AND ($3 = 1 OR revoked_at IS NULL) ORDER BY id LIMIT $4"
        )))
        .bind(page.after()?)
        .bind(f.user_id.as_deref().unwrap_or(""))
        .bind(i64::from(f.include_revoked))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(token).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |t| t.id.as_str()))
    }

    /// One token by id.
    pub async fn token_by_id(&self, id: &str) -> Result<ApiToken> {
        let row = self
            .one_row(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"),
                id,
            )
            .await?;
        token(&row)
    }

    /// Revokes token `id` at `audit.at` if it is still at version `expected` (0: any), bumps its version and
    /// writes `audit`, in one transaction. Revoking a revoked token changes nothing and writes no entry (its
    /// first revocation time stays); the token is returned as it is.
    pub async fn revoke_token(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<ApiToken> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT revoked_at FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let revoked: Option<i64> = row.try_get("revoked_at")?;
        if revoked.is_none() {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1, version = version + 1 \
                 WHERE id = $2 AND revoked_at IS NULL AND ($3 = 0 OR version = $3)",
            )
            .bind(audit.at)
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
            version::outcome(&mut tx, "api_tokens", id, done.rows_affected()).await?;
            audit::insert(&mut tx, audit).await?;
        }
        tx.commit().await?;
        self.token_by_id(id).await
    }
}
