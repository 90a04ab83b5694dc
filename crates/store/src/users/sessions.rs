//! Browser sessions: stored by the hash of their cookie secret.

use crate::{now_ms, Result, Session, Store};
use sqlx::Row;

impl Store {
    /// Stores a session (by the hash of its secret) and records the login as the account's `last_login_at`
    /// (`at`, epoch ms), in one transaction.
    pub async fn create_session(&self, s: &Session, at: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&s.id_hash)
        .bind(&s.user_id)
        .bind(&s.csrf_token)
        .bind(at)
        .bind(s.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(at)
            .bind(&s.user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
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

    /// Number of sessions of account `user_id` (live or not yet purged).
    pub async fn count_sessions(&self, user_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
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
}
