//! Bulk rows for load tests (`twincast fleet provision --media N`): many media items written in one transaction
//! with one audit entry, without objects behind them (pages and lists read rows only).

use crate::{audit, new_id, AuditEntry, Result, Store};

impl Store {
    /// Adds `count` approved image rows owned by the partners `partner_ids` in turn, named `fleet media N`, at
    /// `audit.at`, with the one `audit` entry (`resource_id` = the first new id); returns how many were added.
    pub async fn provision_media(
        &self,
        partner_ids: &[String],
        count: usize,
        audit: &AuditEntry,
    ) -> Result<usize> {
        if partner_ids.is_empty() || count == 0 {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let mut first = String::new();
        for i in 0..count {
            let id = new_id();
            if first.is_empty() {
                first = id.clone();
            }
            // A made-up content hash: 64 hex digits, unique.
            let sha = format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            );
            sqlx::query(
                "INSERT INTO media (id, partner_id, sha256, kind, media_type, mime, object_key, size, width, height, \
                 original_name, created_at, updated_at, moderation) \
                 VALUES ($1, $2, $3, 'image', 'png', 'image/png', $4, 1024, 1920, 1080, $5, $6, $6, 'approved')",
            )
            .bind(&id)
            .bind(&partner_ids[i % partner_ids.len()])
            .bind(&sha)
            .bind(format!("media/{sha}.png"))
            .bind(format!("fleet media {i:06}.png"))
            .bind(audit.at + i as i64)
            .execute(&mut *tx)
            .await?;
        }
        let mut entry = audit.clone();
        entry.resource_id = first;
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(count)
    }
}
