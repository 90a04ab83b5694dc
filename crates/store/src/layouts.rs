//! Layouts as data (`layouts`, migration 0008) and their assignment to screens and screen groups. Every change
//! that alters what a screen shows (an assignment, an edit of an assigned layout) bumps the schedule version in
//! its transaction, so the player hub rebuilds the manifests.

use crate::{audit, new_id, version, AuditEntry, Page, PageRequest, Result, Store};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use twincast_core::zones::ZoneSpec;
use utoipa::ToSchema;

/// A layout: named zones in percent of the screen, for one orientation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Layout {
    /// UUIDv7.
    pub id: String,
    /// URL-safe name, unique (the API names layouts by it).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// `landscape` or `portrait`: the screens it fits.
    pub orientation: String,
    /// The zones, in drawing order: `{name, x, y, w, h, overlay?}` in percent.
    #[schema(value_type = Vec<Object>)]
    pub zones: Vec<ZoneSpec>,
    /// Row version (the `ETag`), for `If-Match`.
    pub version: i64,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}

/// The fields of a new or changed layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LayoutInput {
    /// See [`Layout::slug`].
    pub slug: String,
    /// See [`Layout::name`].
    pub name: String,
    /// `landscape` or `portrait`.
    pub orientation: String,
    /// See [`Layout::zones`].
    #[schema(value_type = Vec<Object>)]
    pub zones: Vec<ZoneSpec>,
}

/// Which layout each screen and group has been given (loaded once per schedule version by the player hub).
#[derive(Debug, Clone, Default)]
pub struct LayoutAssignments {
    /// Screen id → its own layout.
    pub screens: HashMap<String, Arc<Layout>>,
    /// Group slug → the group's layout.
    pub groups: HashMap<String, Arc<Layout>>,
}

impl LayoutAssignments {
    /// The layout of a screen: its own, else that of the first of its `groups` (slugs, in order) whose layout
    /// fits its `orientation`; `None` when it has neither (the built-in choice applies).
    pub fn of(&self, screen_id: &str, groups: &[String], orientation: &str) -> Option<Arc<Layout>> {
        self.screens.get(screen_id).cloned().or_else(|| {
            groups
                .iter()
                .filter_map(|g| self.groups.get(g))
                .find(|l| l.orientation == orientation)
                .cloned()
        })
    }
}

const COLS: &str = "id, slug, name, orientation, zones, version, created_at, updated_at";

fn layout(row: &AnyRow) -> Result<Layout> {
    Ok(Layout {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        orientation: row.try_get("orientation")?,
        zones: serde_json::from_str(&row.try_get::<String, _>("zones")?)?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn bump_schedule(tx: &mut sqlx::Transaction<'static, sqlx::Any>) -> Result<()> {
    sqlx::query("UPDATE schedule_state SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Adds a layout and its audit entry (whose `resource_id` is set here) at `audit.at`. A taken slug is a
    /// conflict.
    pub async fn create_layout(&self, l: &LayoutInput, audit: &AuditEntry) -> Result<Layout> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO layouts (id, slug, name, orientation, zones, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(&l.slug)
        .bind(&l.name)
        .bind(&l.orientation)
        .bind(serde_json::to_string(&l.zones)?)
        .bind(audit.at)
        .execute(&mut *tx)
        .await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.layout_by_id(&id).await
    }

    /// Replaces the fields of layout `id` if still at version `expected` (0: any), with `audit`; screens using
    /// it get new manifests (schedule version bumped).
    pub async fn update_layout(
        &self,
        id: &str,
        l: &LayoutInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<Layout> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE layouts SET slug = $1, name = $2, orientation = $3, zones = $4, updated_at = $5, \
             version = version + 1 WHERE id = $6 AND ($7 = 0 OR version = $7)",
        )
        .bind(&l.slug)
        .bind(&l.name)
        .bind(&l.orientation)
        .bind(serde_json::to_string(&l.zones)?)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "layouts", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        bump_schedule(&mut tx).await?;
        tx.commit().await?;
        self.layout_by_id(id).await
    }

    /// Deletes layout `id` if still at version `expected` (0: any), with `audit`; refused (reference conflict)
    /// while a screen or group uses it.
    pub async fn delete_layout(&self, id: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM layouts WHERE id = $1 AND ($2 = 0 OR version = $2)")
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
        version::outcome(&mut tx, "layouts", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One layout by id.
    pub async fn layout_by_id(&self, id: &str) -> Result<Layout> {
        layout(
            &self
                .one_row(&format!("SELECT {COLS} FROM layouts WHERE id = $1"), id)
                .await?,
        )
    }

    /// One layout by slug.
    pub async fn layout_by_slug(&self, slug: &str) -> Result<Layout> {
        layout(
            &self
                .one_row(&format!("SELECT {COLS} FROM layouts WHERE slug = $1"), slug)
                .await?,
        )
    }

    /// Layouts by slug, optionally of one orientation.
    pub async fn list_layouts(
        &self,
        orientation: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<Layout>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM layouts WHERE slug > $1 AND ($2 = '' OR orientation = $2) ORDER BY slug LIMIT $3"
        )))
        .bind(page.after()?)
        .bind(orientation.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(layout).collect::<Result<Vec<_>>>()?;
        Ok(page.finish(items, |l| &l.slug))
    }

    /// The layout ids set on screen `screen_id` itself and on its groups (slug, layout id), by group slug.
    pub async fn screen_layout_ids(
        &self,
        screen_id: &str,
    ) -> Result<(Option<String>, Vec<(String, String)>)> {
        let own = self
            .one_row("SELECT layout_id FROM screens WHERE id = $1", screen_id)
            .await?
            .try_get("layout_id")?;
        let rows = sqlx::query(
            "SELECT g.slug AS slug, g.layout_id AS layout_id FROM screen_group_members m \
             JOIN screen_groups g ON g.id = m.group_id WHERE m.screen_id = $1 AND g.layout_id IS NOT NULL ORDER BY g.slug",
        )
        .bind(screen_id)
        .fetch_all(&self.pool)
        .await?;
        let groups = rows
            .iter()
            .map(|r| Ok((r.try_get("slug")?, r.try_get("layout_id")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok((own, groups))
    }

    /// Sets (or, with `None`, clears) the layout of screen `screen_id`, with `audit`, and bumps the schedule
    /// version.
    pub async fn set_screen_layout(
        &self,
        screen_id: &str,
        layout_id: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<()> {
        self.set_layout_of("screens", "id", screen_id, layout_id, audit)
            .await
    }

    /// Sets (or clears) the layout of screen group `slug`, with `audit`, and bumps the schedule version.
    pub async fn set_group_layout(
        &self,
        slug: &str,
        layout_id: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<()> {
        self.set_layout_of("screen_groups", "slug", slug, layout_id, audit)
            .await
    }

    async fn set_layout_of(
        &self,
        table: &str,
        key: &str,
        value: &str,
        layout_id: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET layout_id = $1 WHERE {key} = $2"
        )))
        .bind(layout_id)
        .bind(value)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(crate::StoreError::NotFound);
        }
        audit::insert(&mut tx, audit).await?;
        bump_schedule(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every assigned layout: per screen and per group.
    pub async fn layout_assignments(&self) -> Result<LayoutAssignments> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM layouts WHERE id IN (SELECT layout_id FROM screens WHERE layout_id IS NOT NULL) \
             OR id IN (SELECT layout_id FROM screen_groups WHERE layout_id IS NOT NULL)"
        )))
        .fetch_all(&self.pool)
        .await?;
        let mut by_id = HashMap::new();
        for r in &rows {
            let l = layout(r)?;
            by_id.insert(l.id.clone(), Arc::new(l));
        }
        let mut out = LayoutAssignments::default();
        if by_id.is_empty() {
            return Ok(out);
        }
        for (sql, screens) in [
            (
                "SELECT id AS k, layout_id FROM screens WHERE layout_id IS NOT NULL",
                true,
            ),
            (
                "SELECT slug AS k, layout_id FROM screen_groups WHERE layout_id IS NOT NULL",
                false,
            ),
        ] {
            for r in sqlx::query(sql).fetch_all(&self.pool).await? {
                let k: String = r.try_get("k")?;
                let id: String = r.try_get("layout_id")?;
                if let Some(l) = by_id.get(&id) {
                    if screens {
                        out.screens.insert(k, l.clone());
                    } else {
                        out.groups.insert(k, l.clone());
                    }
                }
            }
        }
        Ok(out)
    }
}
