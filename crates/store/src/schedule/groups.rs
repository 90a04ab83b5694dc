//! Screen groups: named sets of screens that campaigns target by slug.

use super::{bump, invalid, Tx, MAX_NAME_CHARS};
use crate::places::like_pattern;
use crate::{audit, new_id, version, AuditEntry, Page, PageRequest, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;
use twincast_core::validate;
use utoipa::ToSchema;

/// A named set of screens, usable as a campaign target (by slug).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ScreenGroup {
    /// Stable identifier.
    pub id: String,
    /// URL-safe short name, unique and immutable (campaign targets refer to it).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Member screen ids, sorted.
    pub screens: Vec<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Row version, for `If-Match` (the `ETag`).
    pub version: i64,
}

/// The fields of a new or changed screen group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenGroupInput {
    /// See [`ScreenGroup::slug`] (ignored on update: slugs are immutable).
    pub slug: String,
    /// See [`ScreenGroup::name`].
    pub name: String,
    /// Member screen ids.
    #[serde(default)]
    pub screens: Vec<String>,
}

fn group_row(row: &AnyRow) -> Result<ScreenGroup> {
    Ok(ScreenGroup {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        screens: Vec::new(),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    async fn check_group(&self, g: &ScreenGroupInput) -> Result<()> {
        validate::required_text("name", &g.name, MAX_NAME_CHARS)?;
        for s in &g.screens {
            self.screen(s).await.map_err(|e| match e {
                StoreError::NotFound => invalid(format!("screens: unknown screen {s:?}")),
                e => e,
            })?;
        }
        Ok(())
    }

    async fn set_members(tx: &mut Tx<'_>, group_id: &str, screens: &[String]) -> Result<()> {
        sqlx::query("DELETE FROM screen_group_members WHERE group_id = $1")
            .bind(group_id)
            .execute(&mut **tx)
            .await?;
        let mut seen = std::collections::BTreeSet::new();
        for s in screens.iter().filter(|s| seen.insert(s.as_str())) {
            sqlx::query("INSERT INTO screen_group_members (group_id, screen_id) VALUES ($1, $2)")
                .bind(group_id)
                .bind(s)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Adds a screen group and its audit entry (whose `resource_id` is set here), at `audit.at`. A taken slug is
    /// a [`StoreError::Conflict`]; a bad slug, empty name or unknown screen is [`StoreError::Invalid`].
    pub async fn create_group(
        &self,
        g: &ScreenGroupInput,
        audit: &AuditEntry,
    ) -> Result<ScreenGroup> {
        validate::slug("slug", &g.slug)?;
        self.check_group(g).await?;
        let id = new_id();
        let now = audit.at;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO screen_groups (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(&id)
        .bind(&g.slug)
        .bind(&g.name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::set_members(&mut tx, &id, &g.screens).await?;
        bump(&mut tx).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.group(&g.slug).await
    }

    /// Replaces a group's name and members (the slug stays) if it is still at version `expected` (0: any), bumps
    /// its version and writes `audit`, in one transaction. A stale version is [`StoreError::Stale`].
    pub async fn update_group(
        &self,
        slug: &str,
        g: &ScreenGroupInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<ScreenGroup> {
        let current = self.group(slug).await?;
        self.check_group(g).await?;
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE screen_groups SET name = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND ($4 = 0 OR version = $4)",
        )
        .bind(&g.name)
        .bind(audit.at)
        .bind(&current.id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "screen_groups", &current.id, done.rows_affected()).await?;
        Self::set_members(&mut tx, &current.id, &g.screens).await?;
        bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.group(slug).await
    }

    /// Deletes a group if still at version `expected` (0: any) and writes `audit` (campaigns that target it simply
    /// no longer match its screens).
    pub async fn delete_group(&self, slug: &str, expected: i64, audit: &AuditEntry) -> Result<()> {
        let current = self.group(slug).await?;
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("DELETE FROM screen_groups WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(&current.id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "screen_groups", &current.id, done.rows_affected()).await?;
        bump(&mut tx).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One group by slug, with its members.
    pub async fn group(&self, slug: &str) -> Result<ScreenGroup> {
        let row = self
            .one_row(
                "SELECT id, slug, name, created_at, updated_at, version FROM screen_groups WHERE slug = $1",
                slug,
            )
            .await?;
        let mut g = group_row(&row)?;
        let rows = sqlx::query(
            "SELECT screen_id FROM screen_group_members WHERE group_id = $1 ORDER BY screen_id",
        )
        .bind(&g.id)
        .fetch_all(&self.pool)
        .await?;
        g.screens = rows
            .iter()
            .map(|r| r.try_get("screen_id"))
            .collect::<Result<_, _>>()?;
        Ok(g)
    }

    /// Every group, ordered by slug, with members.
    pub async fn list_groups(&self) -> Result<Vec<ScreenGroup>> {
        let rows = sqlx::query(
            "SELECT id, slug, name, created_at, updated_at, version FROM screen_groups ORDER BY slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut groups = rows.iter().map(group_row).collect::<Result<Vec<_>>>()?;
        let members =
            sqlx::query("SELECT group_id, screen_id FROM screen_group_members ORDER BY screen_id")
                .fetch_all(&self.pool)
                .await?;
        let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
        for m in &members {
            by_group
                .entry(m.try_get("group_id")?)
                .or_default()
                .push(m.try_get("screen_id")?);
        }
        for g in &mut groups {
            g.screens = by_group.remove(&g.id).unwrap_or_default();
        }
        Ok(groups)
    }

    /// Every group's slug and name, ordered by slug, without members (for pickers and filters).
    pub async fn group_names(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT slug, name FROM screen_groups ORDER BY slug")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("slug")?, r.try_get("name")?)))
            .collect()
    }

    /// Groups ordered by slug, in keyset pages, with members: only those whose slug or name contains `q`
    /// (case-insensitive for ASCII) and, with `screen`, only those that contain that screen.
    pub async fn list_groups_page(
        &self,
        q: Option<&str>,
        screen: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<ScreenGroup>> {
        let q = q
            .filter(|q| !q.is_empty())
            .map(|q| like_pattern(q, true))
            .unwrap_or_default();
        let rows = sqlx::query(
            "SELECT id, slug, name, created_at, updated_at, version FROM screen_groups g WHERE slug > $1 \
             AND ($2 = '' OR LOWER(name) LIKE $2 ESCAPE '\\' OR slug LIKE $2 ESCAPE '\\') \
             AND ($3 = '' OR EXISTS (SELECT 1 FROM screen_group_members m WHERE m.group_id = g.id AND m.screen_id = $3)) \
             ORDER BY slug LIMIT $4",
        )
        .bind(page.after()?)
        .bind(q)
        .bind(screen.unwrap_or(""))
        .bind(page.limit() + 1)
        .fetch_all(&self.pool)
        .await?;
        let groups = rows.iter().map(group_row).collect::<Result<Vec<_>>>()?;
        let mut p = page.finish(groups, |g| &g.slug);
        for g in &mut p.items {
            let rows = sqlx::query(
                "SELECT screen_id FROM screen_group_members WHERE group_id = $1 ORDER BY screen_id",
            )
            .bind(&g.id)
            .fetch_all(&self.pool)
            .await?;
            g.screens = rows
                .iter()
                .map(|r| r.try_get("screen_id"))
                .collect::<Result<_, _>>()?;
        }
        Ok(p)
    }

    /// Slugs of the groups a screen belongs to.
    pub async fn screen_groups_of(&self, screen_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT g.slug AS slug FROM screen_group_members m JOIN screen_groups g ON g.id = m.group_id \
             WHERE m.screen_id = $1 ORDER BY g.slug",
        )
        .bind(screen_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get("slug"))
            .collect::<Result<_, _>>()?)
    }
}
