//! Screens: create, update, retire, one, and the filtered, sorted keyset list.

use super::like_pattern;
use crate::{
    audit, new_id, opt_f64, version, AuditEntry, Page, PageRequest, Result, Screen, ScreenView,
    Store, StoreError,
};
use base64::Engine;
use sqlx::any::AnyRow;
use sqlx::Row;

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
        language: row.try_get("language")?,
        last_seen_at: row.try_get("last_seen_at")?,
    })
}

fn view(row: &AnyRow) -> Result<ScreenView> {
    Ok(ScreenView {
        screen: screen(row)?,
        location: row.try_get("location")?,
        location_kind: row.try_get("location_kind")?,
        location_slug: row.try_get("location_slug")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        retired_at: row.try_get("retired_at")?,
        version: row.try_get("version")?,
    })
}

const SCREEN_COLS: &str = "s.id AS id, s.name AS name, s.location_id AS location_id, s.lat AS lat, s.lon AS lon, \
    s.tz AS tz, s.width AS width, s.height AS height, s.orientation AS orientation, s.tags AS tags, \
    s.language AS language, s.last_seen_at AS last_seen_at, s.created_at AS created_at, s.updated_at AS updated_at, \
    s.retired_at AS retired_at, s.version AS version, l.name AS location, l.kind AS location_kind, \
    l.slug AS location_slug";

/// The order of a screen list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ScreenSort {
    /// By creation time (then id): the default.
    #[default]
    Created,
    /// By name (then id), in the database's collation.
    Name,
}

/// Which screens to list, and in which order.
#[derive(Debug, Clone, Default)]
pub struct ScreenFilter {
    /// Only screens at the location with this slug.
    pub location: Option<String>,
    /// Only screens at locations of this kind.
    pub location_kind: Option<String>,
    /// Only screens carrying this tag.
    pub tag: Option<String>,
    /// Only members of the screen group with this slug.
    pub group: Option<String>,
    /// Only screens whose name contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
    /// Only `online`, `offline` (heard from, not recently) or `never_seen` screens.
    pub status: Option<String>,
    /// A screen heard from after this instant (epoch ms) is online (used with `status`).
    pub online_after: i64,
    /// Retired screens instead of the active ones.
    pub retired: bool,
    /// Sort key.
    pub sort: ScreenSort,
    /// Descending instead of ascending.
    pub desc: bool,
}

impl Store {
    /// Adds a screen (`id`, `last_seen_at` are ignored) and its audit entry (whose `resource_id` is set here), at
    /// `audit.at`.
    pub async fn create_screen(&self, s: &Screen, audit: &AuditEntry) -> Result<ScreenView> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO screens (id, name, location_id, lat, lon, tz, width, height, orientation, tags, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11, $11)",
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
        .bind(audit.at)
        .bind(&s.language)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.screen(&id).await
    }

    /// One screen with its location (retired ones too).
    pub async fn screen(&self, id: &str) -> Result<ScreenView> {
        let row = self.one_row(&format!(
            "SELECT {SCREEN_COLS} FROM screens s JOIN locations l ON l.id = s.location_id WHERE s.id = $1"
        ), id).await?;
        view(&row)
    }

    /// Fails with `Conflict("screen-retired")` when screen `id` is retired (inside a write transaction).
    async fn refuse_retired(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: &str,
    ) -> Result<()> {
        let row = sqlx::query("SELECT retired_at FROM screens WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if row.try_get::<Option<i64>, _>("retired_at")?.is_some() {
            return Err(StoreError::Conflict("screen-retired".into()));
        }
        Ok(())
    }

    /// Replaces the fields of screen `id` (name, location, coordinates, zone, size, orientation, tags) if it is
    /// still at version `expected` (0: any), bumps its version and writes `audit`, in one transaction. A retired
    /// screen is `Conflict("screen-retired")`; a stale version [`StoreError::Stale`]. The schedule version bumps
    /// (cached manifests are rebuilt, other processes reload their screens).
    pub async fn update_screen(
        &self,
        id: &str,
        s: &Screen,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<ScreenView> {
        let mut tx = self.begin_write().await?;
        Self::refuse_retired(&mut tx, id).await?;
        let done = sqlx::query(
            "UPDATE screens SET name = $1, location_id = $2, lat = $3, lon = $4, tz = $5, width = $6, height = $7, \
             orientation = $8, tags = $9, updated_at = $10, language = $13, version = version + 1 \
             WHERE id = $11 AND ($12 = 0 OR version = $12)",
        )
        .bind(&s.name)
        .bind(&s.location_id)
        .bind(s.lat)
        .bind(s.lon)
        .bind(&s.tz)
        .bind(s.width)
        .bind(s.height)
        .bind(&s.orientation)
        .bind(serde_json::to_string(&s.tags)?)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .bind(&s.language)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "screens", id, done.rows_affected()).await?;
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.screen(id).await
    }

    /// Retires screen `id` if still at version `expected` (0: any): sets `retired_at` (= `audit.at`), revokes its
    /// devices and writes `audit`, in one transaction; its plays, groups and audit stay. Returns the revoked device
    /// ids (whose sockets the caller closes). Retiring twice is `Conflict("screen-retired")`.
    pub async fn retire_screen(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin_write().await?;
        Self::refuse_retired(&mut tx, id).await?;
        let done = sqlx::query(
            "UPDATE screens SET retired_at = $1, updated_at = $1, version = version + 1 \
             WHERE id = $2 AND ($3 = 0 OR version = $3)",
        )
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "screens", id, done.rows_affected()).await?;
        let devices: Vec<String> =
            sqlx::query("SELECT id FROM devices WHERE screen_id = $1 AND revoked_at IS NULL")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
        sqlx::query(
            "UPDATE devices SET revoked_at = $1 WHERE screen_id = $2 AND revoked_at IS NULL",
        )
        .bind(audit.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        crate::schedule::bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(devices)
    }

    /// Screens filtered and sorted by `f`, in keyset pages on (sort key, id): a page never repeats or skips a
    /// screen that existed throughout the walk.
    pub async fn list_screens(
        &self,
        f: &ScreenFilter,
        page: &PageRequest,
    ) -> Result<Page<ScreenView>> {
        let (col, cmp, dir) = match (f.sort, f.desc) {
            (ScreenSort::Created, false) => ("s.created_at", ">", "ASC"),
            (ScreenSort::Created, true) => ("s.created_at", "<", "DESC"),
            (ScreenSort::Name, false) => ("s.name", ">", "ASC"),
            (ScreenSort::Name, true) => ("s.name", "<", "DESC"),
        };
        let after = page.after()?;
        let cursor: Option<(serde_json::Value, String)> = if after.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&after).map_err(|_| {
                StoreError::Invalid("cursor is not a cursor this server issued".into())
            })?)
        };
        let sql = format!(
            "SELECT {SCREEN_COLS} FROM screens s JOIN locations l ON l.id = s.location_id \
             WHERE ($1 = '' OR l.slug = $1) AND ($2 = '' OR l.kind = $2) \
             AND ($3 = '' OR s.tags LIKE $3 ESCAPE '\\') AND ($4 = '' OR LOWER(s.name) LIKE $4 ESCAPE '\\') \
             AND ($5 = '' OR ($5 = 'online' AND s.last_seen_at > $6) OR ($5 = 'offline' AND s.last_seen_at <= $6) \
                  OR ($5 = 'never_seen' AND s.last_seen_at IS NULL)) \
             AND (($7 = 1 AND s.retired_at IS NOT NULL) OR ($7 = 0 AND s.retired_at IS NULL)) \
             AND ($8 = 0 OR {col} {cmp} $9 OR ({col} = $9 AND s.id {cmp} $10)) \
             AND ($12 = '' OR s.id IN (SELECT m.screen_id FROM screen_group_members m \
                  JOIN screen_groups g ON g.id = m.group_id WHERE g.slug = $12)) \
             ORDER BY {col} {dir}, s.id {dir} LIMIT $11"
        );
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let tag = f
            .tag
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| like_pattern(&format!("\"{t}\""), false))
            .unwrap_or_default();
        let q =
            f.q.as_deref()
                .filter(|q| !q.is_empty())
                .map(|q| like_pattern(q, true))
                .unwrap_or_default();
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(opt(&f.location))
            .bind(opt(&f.location_kind))
            .bind(tag)
            .bind(q)
            .bind(opt(&f.status))
            .bind(f.online_after)
            .bind(i64::from(f.retired))
            .bind(i64::from(cursor.is_some()));
        let (key, id) = cursor.unwrap_or((serde_json::Value::Null, String::new()));
        query = match f.sort {
            ScreenSort::Created => query.bind(key.as_i64().unwrap_or(0)),
            ScreenSort::Name => query.bind(key.as_str().unwrap_or("").to_string()),
        };
        let rows = query
            .bind(id)
            .bind(page.limit() + 1)
            .bind(opt(&f.group))
            .fetch_all(&self.pool)
            .await?;
        let mut items = rows.iter().map(view).collect::<Result<Vec<_>>>()?;
        let limit = page.limit() as usize;
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| {
                let key = match f.sort {
                    ScreenSort::Created => serde_json::json!(last.created_at),
                    ScreenSort::Name => serde_json::json!(last.screen.name),
                };
                let text = serde_json::json!([key, last.screen.id]).to_string();
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
            })
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}
