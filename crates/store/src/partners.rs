use crate::{
    new_id, now_ms, opt_f64, Page, PageRequest, Partner, PartnerInput, Result, Store, StoreError,
};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLS: &str =
    "id, slug, names, country, continent, lat, lon, since, description, logo_media_id, created_at, updated_at";

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
        logo_media_id: row.try_get("logo_media_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

impl Store {
    /// Adds a partner. A taken slug is a [`StoreError::Conflict`].
    pub async fn create_partner(&self, p: &PartnerInput) -> Result<Partner> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO partners (id, slug, names, country, continent, lat, lon, since, description, logo_media_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
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
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.partner_by_id(&id).await
    }

    /// Replaces a partner's fields.
    pub async fn update_partner(&self, slug: &str, p: &PartnerInput) -> Result<Partner> {
        let done = sqlx::query(
            "UPDATE partners SET slug = $1, names = $2, country = $3, continent = $4, lat = $5, lon = $6, since = $7, \
             description = $8, logo_media_id = $9, updated_at = $10 WHERE slug = $11",
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
        .bind(now_ms())
        .bind(slug)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.partner_by_slug(&p.slug).await
    }

    /// Deletes a partner; refused (conflict) while it still owns media.
    pub async fn delete_partner(&self, slug: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM partners WHERE slug = $1")
            .bind(slug)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
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
