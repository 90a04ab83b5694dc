use crate::{
    new_id, now_ms, opt_f64, Location, Page, PageRequest, Result, Screen, ScreenView, Store,
};
use sqlx::any::AnyRow;
use sqlx::Row;

fn location(row: &AnyRow) -> Result<Location> {
    Ok(Location {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        lat: opt_f64(row, "lat")?,
        lon: opt_f64(row, "lon")?,
        tz: row.try_get("tz")?,
    })
}

fn screen(row: &AnyRow) -> Result<Screen> {
    Ok(Screen {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        location_id: row.try_get("location_id")?,
        lat: opt_f64(row, "lat")?,
        lon: opt_f64(row, "lon")?,
        tz: row.try_get("tz")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        orientation: row.try_get("orientation")?,
        tags: serde_json::from_str(&row.try_get::<String, _>("tags")?)?,
        last_seen_at: row.try_get("last_seen_at")?,
    })
}

const SCREEN_COLS: &str = "s.id AS id, s.name AS name, s.location_id AS location_id, s.lat AS lat, s.lon AS lon, \
    s.tz AS tz, s.width AS width, s.height AS height, s.orientation AS orientation, s.tags AS tags, \
    s.last_seen_at AS last_seen_at, l.name AS location, l.kind AS location_kind";

impl Store {
    /// Adds a location; `id` is ignored (a new one is assigned).
    pub async fn create_location(&self, l: &Location) -> Result<Location> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO locations (id, slug, name, kind, lat, lon, tz, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&l.slug)
        .bind(&l.name)
        .bind(&l.kind)
        .bind(l.lat)
        .bind(l.lon)
        .bind(&l.tz)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.location_by_slug(&l.slug).await
    }

    /// One location by slug.
    pub async fn location_by_slug(&self, slug: &str) -> Result<Location> {
        let row = self
            .one_row(
                "SELECT id, slug, name, kind, lat, lon, tz FROM locations WHERE slug = $1",
                slug,
            )
            .await?;
        location(&row)
    }

    /// Locations ordered by slug, optionally of one kind.
    pub async fn list_locations(
        &self,
        kind: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Location>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, kind, lat, lon, tz FROM locations WHERE slug > $1 AND ($2 = '' OR kind = $2) ORDER BY slug LIMIT $3",
        )
        .bind(page.after()?)
        .bind(kind.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(location).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |l| &l.slug))
    }

    /// Adds a screen; `id` is ignored (a new one is assigned).
    pub async fn create_screen(&self, s: &Screen) -> Result<ScreenView> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO screens (id, name, location_id, lat, lon, tz, width, height, orientation, tags, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&id)
        .bind(&s.name)
        .bind(&s.location_id)
        .bind(s.lat)
        .bind(s.lon)
        .bind(&s.tz)
        .bind(s.width)
        .bind(s.height)
        .bind(&s.orientation)
        .bind(serde_json::to_string(&s.tags)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.screen(&id).await
    }

    /// One screen with its location.
    pub async fn screen(&self, id: &str) -> Result<ScreenView> {
        let row = self.one_row(&format!(
            "SELECT {SCREEN_COLS} FROM screens s JOIN locations l ON l.id = s.location_id WHERE s.id = $1"
        ), id).await?;
        Ok(ScreenView {
            screen: screen(&row)?,
            location: row.try_get("location")?,
            location_kind: row.try_get("location_kind")?,
        })
    }

    /// Screens ordered by id, optionally at locations of one kind.
    pub async fn list_screens(
        &self,
        location_kind: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ScreenView>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SCREEN_COLS} FROM screens s JOIN locations l ON l.id = s.location_id \
             WHERE s.id > $1 AND ($2 = '' OR l.kind = $2) ORDER BY s.id LIMIT $3"
        )))
        .bind(page.after()?)
        .bind(location_kind.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows
            .iter()
            .map(|row| {
                Ok(ScreenView {
                    screen: screen(row)?,
                    location: row.try_get("location")?,
                    location_kind: row.try_get("location_kind")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |s| &s.screen.id))
    }
}
