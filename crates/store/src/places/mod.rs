//! Locations and screens: their rows, versions (`If-Match`), audited writes, retirement and filtered lists.
//!
//! Every write takes the [`AuditEntry`] of its change and inserts it in the same transaction; `audit.at` stamps
//! the row (`created_at`/`updated_at`/`retired_at`).

mod screens;

pub use screens::{ScreenFilter, ScreenSort};

use crate::{
    audit, new_id, opt_f64, version, AuditEntry, Location, LocationInput, Page, PageRequest,
    Result, Store, StoreError,
};
use sqlx::any::AnyRow;
use sqlx::Row;

const LOCATION_COLS: &str = "id, slug, name, kind, lat, lon, tz, created_at, updated_at, version";

fn location(row: &AnyRow) -> Result<Location> {
    Ok(Location {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        kind: row.try_get("kind")?,
        lat: opt_f64(row, "lat")?,
        lon: opt_f64(row, "lon")?,
        tz: row.try_get("tz")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

/// `%text%` for `LIKE … ESCAPE '\'`, with the pattern characters of `text` escaped (lowercased when `lower`).
pub(crate) fn like_pattern(text: &str, lower: bool) -> String {
    let t = if lower {
        text.to_lowercase()
    } else {
        text.to_string()
    };
    let mut out = String::from("%");
    for c in t.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Which locations to list.
#[derive(Debug, Clone, Default)]
pub struct LocationFilter {
    /// Only locations of this kind.
    pub kind: Option<String>,
    /// Only locations whose name or slug contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
}

/// What a location change did beyond the location's row.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationChange {
    /// The location as it is now.
    pub location: Location,
    /// Ids of the (unretired) screens at the location: what they show may have changed.
    pub screens: Vec<String>,
}

impl Store {
    /// Adds a location and its audit entry (whose `resource_id` is set here), at `audit.at`. A taken slug is a
    /// [`StoreError::Conflict`].
    pub async fn create_location(&self, l: &LocationInput, audit: &AuditEntry) -> Result<Location> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO locations (id, slug, name, kind, lat, lon, tz, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(&l.slug)
        .bind(&l.name)
        .bind(&l.kind)
        .bind(l.lat)
        .bind(l.lon)
        .bind(&l.tz)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.location_by_id(&id).await
    }

    /// One location by slug.
    pub async fn location_by_slug(&self, slug: &str) -> Result<Location> {
        let row = self
            .one_row(
                &format!("SELECT {LOCATION_COLS} FROM locations WHERE slug = $1"),
                slug,
            )
            .await?;
        location(&row)
    }

    /// One location by id.
    pub async fn location_by_id(&self, id: &str) -> Result<Location> {
        let row = self
            .one_row(
                &format!("SELECT {LOCATION_COLS} FROM locations WHERE id = $1"),
                id,
            )
            .await?;
        location(&row)
    }

    /// Replaces the fields of location `id` if it is still at version `expected` (0: any), bumps its version and
    /// writes `audit`, in one transaction. Its unretired screens that carry the location's previous time zone
    /// (or coordinates) follow the new one (their versions bump too; the entry records their ids as
    /// `screens_followed`), and the schedule version bumps. A stale version is [`StoreError::Stale`].
    pub async fn update_location(
        &self,
        id: &str,
        l: &LocationInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<LocationChange> {
        let mut tx = self.begin_write().await?;
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LOCATION_COLS} FROM locations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let before = location(&before)?;
        let done = sqlx::query(
            "UPDATE locations SET slug = $1, name = $2, kind = $3, lat = $4, lon = $5, tz = $6, updated_at = $7, \
             version = version + 1 WHERE id = $8 AND ($9 = 0 OR version = $9)",
        )
        .bind(&l.slug)
        .bind(&l.name)
        .bind(&l.kind)
        .bind(l.lat)
        .bind(l.lon)
        .bind(&l.tz)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "locations", id, done.rows_affected()).await?;
        // Screens that carry the location's previous zone or coordinates follow it, in one statement (one
        // version step per screen).
        let tz_changed = before.tz != l.tz;
        let coords_changed = before.lat.is_some()
            && before.lon.is_some()
            && (before.lat, before.lon) != (l.lat, l.lon);
        let mut entry = audit.clone();
        if tz_changed || coords_changed {
            const FOLLOWS: &str = "location_id = $1 AND retired_at IS NULL \
                AND (($2 = 1 AND tz = $3) OR ($4 = 1 AND lat = $5 AND lon = $6))";
            let followers: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM screens WHERE {FOLLOWS} ORDER BY id"
            )))
            .bind(id)
            .bind(i64::from(tz_changed))
            .bind(&before.tz)
            .bind(i64::from(coords_changed))
            .bind(before.lat.unwrap_or(0.0))
            .bind(before.lon.unwrap_or(0.0))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("id"))
            .collect::<Result<_, _>>()?;
            if let Some(c) = entry
                .changes
                .as_object_mut()
                .filter(|_| !followers.is_empty())
            {
                c.insert(
                    "screens_followed".into(),
                    serde_json::json!([null, followers]),
                );
            }
            sqlx::query(
                "UPDATE screens SET \
                 tz = CASE WHEN $1 = 1 AND tz = $2 THEN $3 ELSE tz END, \
                 lat = CASE WHEN $4 = 1 AND lat = $5 AND lon = $6 THEN $7 ELSE lat END, \
                 lon = CASE WHEN $4 = 1 AND lat = $5 AND lon = $6 THEN $8 ELSE lon END, \
                 updated_at = $9, version = version + 1 \
                 WHERE location_id = $10 AND retired_at IS NULL \
                 AND (($1 = 1 AND tz = $2) OR ($4 = 1 AND lat = $5 AND lon = $6))",
            )
            .bind(i64::from(tz_changed))
            .bind(&before.tz)
            .bind(&l.tz)
            .bind(i64::from(coords_changed))
            .bind(before.lat.unwrap_or(0.0))
            .bind(before.lon.unwrap_or(0.0))
            .bind(l.lat)
            .bind(l.lon)
            .bind(audit.at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(LocationChange {
            location: self.location_by_id(id).await?,
            screens: self.screen_ids_at(id).await?,
        })
    }

    /// Deletes location `id` if still at version `expected` (0: any) and writes `audit`. Refused with
    /// [`StoreError::Conflict`] naming up to five of its screens (retired ones included: they keep their
    /// history there) while any screen references it.
    pub async fn delete_location(&self, id: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let rows =
            sqlx::query("SELECT name FROM screens WHERE location_id = $1 ORDER BY name LIMIT 6")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        if !rows.is_empty() {
            let mut names = rows
                .iter()
                .take(5)
                .map(|r| r.try_get::<String, _>("name").map(|n| format!("{n:?}")))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ");
            if rows.len() > 5 {
                names.push_str(", …");
            }
            return Err(StoreError::Conflict(format!(
                "screens are at this location: {names}"
            )));
        }
        let done = sqlx::query("DELETE FROM locations WHERE id = $1 AND ($2 = 0 OR version = $2)")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        version::outcome(&mut tx, "locations", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ids of the unretired screens at location `id`.
    pub async fn screen_ids_at(&self, location_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT id FROM screens WHERE location_id = $1 AND retired_at IS NULL ORDER BY id",
        )
        .bind(location_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?)
    }

    /// The kinds of location in use, sorted, each once.
    pub async fn location_kinds(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT kind FROM locations ORDER BY kind")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("kind"))
            .collect::<Result<_, _>>()?)
    }

    /// Locations ordered by slug, filtered by `f`.
    pub async fn list_locations(
        &self,
        f: &LocationFilter,
        page: &PageRequest,
    ) -> Result<Page<Location>> {
        let q =
            f.q.as_deref()
                .filter(|q| !q.is_empty())
                .map(|q| like_pattern(q, true))
                .unwrap_or_default();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LOCATION_COLS} FROM locations WHERE slug > $1 AND ($2 = '' OR kind = $2) \
             AND ($3 = '' OR LOWER(name) LIKE $3 ESCAPE '\\' OR slug LIKE $3 ESCAPE '\\') ORDER BY slug LIMIT $4"
        )))
        .bind(page.after()?)
        .bind(f.kind.as_deref().unwrap_or(""))
        .bind(q)
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(location).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |l| &l.slug))
    }
}

/// How many active screens of one location are online, offline or never seen.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocationFleet {
    /// Location id.
    #[serde(skip)]
    pub id: String,
    /// Location slug.
    pub slug: String,
    /// Location name.
    pub name: String,
    /// Location kind.
    pub kind: String,
    /// Latitude of the location, if known.
    pub lat: Option<f64>,
    /// Longitude of the location, if known.
    pub lon: Option<f64>,
    /// Screens heard from after the threshold.
    pub online: i64,
    /// Screens heard from before, not since the threshold.
    pub offline: i64,
    /// Screens never heard from.
    pub never_seen: i64,
}

impl Store {
    /// Active screens per location by status (a screen heard from after `online_after`, epoch ms, is online),
    /// locations with no active screen left out, ordered by location name.
    pub async fn fleet_by_location(&self, online_after: i64) -> Result<Vec<LocationFleet>> {
        let rows = sqlx::query(
            "SELECT l.id, l.slug, l.name, l.kind, l.lat, l.lon, \
             CAST(SUM(CASE WHEN s.last_seen_at > $1 THEN 1 ELSE 0 END) AS BIGINT) AS online, \
             CAST(SUM(CASE WHEN s.last_seen_at <= $1 THEN 1 ELSE 0 END) AS BIGINT) AS offline, \
             CAST(SUM(CASE WHEN s.last_seen_at IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS never_seen \
             FROM locations l JOIN screens s ON s.location_id = l.id AND s.retired_at IS NULL \
             GROUP BY l.id, l.slug, l.name, l.kind, l.lat, l.lon ORDER BY l.name, l.slug",
        )
        .bind(online_after)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LocationFleet {
                    id: r.try_get("id")?,
                    slug: r.try_get("slug")?,
                    name: r.try_get("name")?,
                    kind: r.try_get("kind")?,
                    lat: opt_f64(r, "lat")?,
                    lon: opt_f64(r, "lon")?,
                    online: r.try_get("online")?,
                    offline: r.try_get("offline")?,
                    never_seen: r.try_get("never_seen")?,
                })
            })
            .collect()
    }
}
