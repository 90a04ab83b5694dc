use crate::{
    audit, new_id, opt_f64, version, AuditEntry, Page, PageRequest, Partner, PartnerInput, Result,
    Store,
};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLS: &str =
    "id, slug, names, country, continent, lat, lon, since, description, descriptions, logo_media_id, created_at, updated_at, version";

fn partner(row: &AnyRow) -> Result<Partner> {
    Ok(Partner {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        names: serde_json::from_str(&row.try_get::<String, _>("names")?)?,
        country: row.try_get("country")?,
        continent: row.try_get("continent")?,
        lat: opt_f64(row, "lat")?,
        lon: opt_f64(row, "lon")?,
        since: row.try_get("since")?,
        description: row.try_get("description")?,
        descriptions: serde_json::from_str(&row.try_get::<String, _>("descriptions")?)?,
        logo_media_id: row.try_get("logo_media_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Adds a partner and its audit entry (whose `resource_id` is set here), at `audit.at`. A taken slug is a
    /// [`StoreError::Conflict`](crate::StoreError::Conflict).
    pub async fn create_partner(&self, p: &PartnerInput, audit: &AuditEntry) -> Result<Partner> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO partners (id, slug, names, country, continent, lat, lon, since, description, logo_media_id, created_at, updated_at, descriptions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)",
        )
        .bind(&id)
        .bind(&p.slug)
        .bind(serde_json::to_string(&p.names)?)
        .bind(&p.country)
        .bind(&p.continent)
        .bind(p.lat)
        .bind(p.lon)
        .bind(p.since)
        .bind(&p.description)
        .bind(&p.logo_media_id)
        .bind(audit.at)
        .bind(serde_json::to_string(&p.descriptions)?)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.partner_by_id(&id).await
    }

    /// Replaces the fields of partner `id` if it is still at version `expected` (0: any), bumps its version and
    /// writes `audit`, in one transaction. A stale version is [`StoreError::Stale`](crate::StoreError::Stale).
    pub async fn update_partner(
        &self,
        id: &str,
        p: &PartnerInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Partner> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE partners SET slug = $1, names = $2, country = $3, continent = $4, lat = $5, lon = $6, since = $7, \
             description = $8, logo_media_id = $9, updated_at = $10, version = version + 1, \
             descriptions = $13 WHERE id = $11 AND ($12 = 0 OR version = $12)",
        )
        .bind(&p.slug)
        .bind(serde_json::to_string(&p.names)?)
        .bind(&p.country)
        .bind(&p.continent)
        .bind(p.lat)
        .bind(p.lon)
        .bind(p.since)
        .bind(&p.description)
        .bind(&p.logo_media_id)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .bind(serde_json::to_string(&p.descriptions)?)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "partners", id, done.rows_affected()).await?;
        // Manifests carry the partner's name (a fallback slate shows it): a rename changes them.
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.partner_by_id(id).await
    }

    /// Deletes partner `id` if still at version `expected` (0: any) and writes `audit`; refused (conflict) while
    /// it still owns media or campaigns.
    pub async fn delete_partner(&self, id: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM partners WHERE id = $1 AND ($2 = 0 OR version = $2)")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        version::outcome(&mut tx, "partners", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One partner by slug.
    pub async fn partner_by_slug(&self, slug: &str) -> Result<Partner> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM partners WHERE slug = $1"),
                slug,
            )
            .await?;
        partner(&row)
    }

    /// One partner by id.
    pub async fn partner_by_id(&self, id: &str) -> Result<Partner> {
        let row = self
            .one_row(&format!("SELECT {COLS} FROM partners WHERE id = $1"), id)
            .await?;
        partner(&row)
    }

    /// Every partner, by slug (the portal's cities: a network has tens or hundreds).
    pub async fn all_partners(&self) -> Result<Vec<Partner>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM partners ORDER BY slug"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(partner).collect()
    }

    /// Partners ordered by slug, optionally of one continent or country.
    pub async fn list_partners(
        &self,
        continent: Option<&str>,
        country: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Partner>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM partners WHERE slug > $1 AND ($2 = '' OR continent = $2) AND ($3 = '' OR country = $3) \
             ORDER BY slug LIMIT $4"
        )))
        .bind(page.after()?)
        .bind(continent.unwrap_or(""))
        .bind(country.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(partner).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |p| &p.slug))
    }

    /// Number of partners.
    pub async fn count_partners(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM partners")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}
