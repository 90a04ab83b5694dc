use crate::{new_id, now_ms, ApiToken, Result, Role, Session, Store, StoreError, User};
use sqlx::any::AnyRow;
use sqlx::Row;

fn user(row: &AnyRow, partners: Vec<String>) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: role.parse().map_err(StoreError::Invalid)?,
        partners,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: row.try_get("created_at")?,
        password_hash: row.try_get("password_hash")?,
    })
}

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
    })
}

const USER_COLS: &str = "id, username, password_hash, role, disabled, created_at";
const TOKEN_COLS: &str =
    "id, user_id, name, scopes, created_at, expires_at, revoked_at, last_used_at";

impl Store {
    /// Adds an account, scoped to `partner_slugs` (which must exist), in one transaction.
    pub async fn create_user(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        partner_slugs: &[String],
    ) -> Result<User> {
        let id = new_id();
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, role, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(&id)
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("user {username:?} already exists")),
            other => other,
        })?;
        for slug in partner_slugs {
            let done = sqlx::query(
                "INSERT INTO user_partners (user_id, partner_id) SELECT $1, id FROM partners WHERE slug = $2",
            )
            .bind(&id)
            .bind(slug)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Invalid(format!(
                    "no partner with slug {slug:?}"
                )));
            }
        }
        tx.commit().await?;
        self.user_by_name(username).await
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

    /// Every account, by name.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLS} FROM users ORDER BY username"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            out.push(user(row, self.user_partners(&id).await?)?);
        }
        Ok(out)
    }

    /// Sets a new password hash and ends the account's sessions.
    pub async fn set_password(&self, username: &str, password_hash: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3")
                .bind(password_hash)
                .bind(now_ms())
                .bind(username)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)",
        )
        .bind(username)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a session (by the hash of its secret).
    pub async fn create_session(&self, s: &Session) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(now_ms())
        .bind(s.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A live (unexpired) session by the hash of its secret.
    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>> {
        self.session_at(id_hash, now_ms()).await
    }

    /// A session by the hash of its secret that is still live at `now` (epoch ms).
    pub async fn session_at(&self, id_hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT id_hash, user_id, csrf_token, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(Session {
                id_hash: r.try_get("id_hash")?,
                user_id: r.try_get("user_id")?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Ends a session.
    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Stores an API token by the hash of its secret.
    pub async fn create_token(
        &self,
        user_id: &str,
        name: &str,
        token_hash: &str,
        scopes: &[String],
        expires_at: Option<i64>,
    ) -> Result<ApiToken> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(serde_json::to_string(scopes)?)
        .bind(now_ms())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"
        )))
        .bind(&id)
        .fetch_one(&self.pool)
        .await?;
        token(&row)
    }

    /// A usable token (not revoked, not expired) by the hash of its secret; records its use.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.token_by_hash_at(token_hash, now_ms()).await
    }

    /// A token usable at `now` (epoch ms: not revoked, not expired) by the hash of its secret; records its use.
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

    /// Tokens of one account.
    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id"
        )))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token).collect()
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

    /// Revokes a token (idempotent).
    pub async fn revoke_token(&self, id: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
