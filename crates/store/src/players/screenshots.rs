//! The latest screenshot of each screen.

use crate::{Result, Store, StoreError};
use sqlx::Row;

impl Store {
    /// Keeps `data` as the latest screenshot of a screen.
    pub async fn save_screenshot(
        &self,
        screen_id: &str,
        mime: &str,
        data: &[u8],
        now: i64,
    ) -> Result<()> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM screenshots WHERE screen_id = $1")
            .bind(screen_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO screenshots (screen_id, mime, data_b64, taken_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(screen_id)
        .bind(mime)
        .bind(b64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest screenshot of a screen: (MIME type, bytes, time).
    pub async fn screenshot(&self, screen_id: &str) -> Result<Option<(String, Vec<u8>, i64)>> {
        use base64::Engine;
        let row =
            sqlx::query("SELECT mime, data_b64, taken_at FROM screenshots WHERE screen_id = $1")
                .bind(screen_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            let data = base64::engine::general_purpose::STANDARD
                .decode(r.try_get::<String, _>("data_b64")?)
                .map_err(|e| StoreError::Invalid(format!("corrupt screenshot: {e}")))?;
            Ok((r.try_get("mime")?, data, r.try_get("taken_at")?))
        })
        .transpose()
    }
}
