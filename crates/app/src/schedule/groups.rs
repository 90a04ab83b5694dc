//! Screen groups: named sets of screens, usable as campaign targets. Written by admins and operators; every write
//! is audited (partner `None`) and takes an optional `If-Match` version; membership changes reach the screens
//! that joined or left (a [`ServerEvent::ScheduleChanged`] naming them).

use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::places::screen_retired;
use crate::{revision, validate, Actor, App, ServerEvent};
use serde::Serialize;
use twincast_core::campaign_rules::RuleError;
use twincast_store::{PageRequest, Role, ScreenGroup, ScreenGroupInput, StoreError};

/// A page of screen groups.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupList {
    /// Groups ordered by slug.
    pub items: Vec<ScreenGroup>,
    /// Cursor of the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The input form of a stored group.
fn input_of(g: &ScreenGroup) -> ScreenGroupInput {
    ScreenGroupInput {
        slug: g.slug.clone(),
        name: g.name.clone(),
        screens: g.screens.clone(),
    }
}

impl App {
    /// Screen groups, by slug, in keyset pages: those whose slug or name contains `q`, and with `screen` only
    /// those that contain it. Everyone logged in reads.
    pub async fn list_groups(
        &self,
        _actor: &Actor,
        q: Option<&str>,
        screen: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<GroupList> {
        let p = self.store.list_groups_page(q, screen, page).await?;
        Ok(GroupList {
            items: p.items,
            next_cursor: p.next_cursor,
        })
    }

    /// Every group's slug and name, by slug (for pickers and filters). Everyone logged in reads.
    pub async fn group_names(&self, _actor: &Actor) -> AppResult<Vec<(String, String)>> {
        Ok(self.store.group_names().await?)
    }

    /// One screen group.
    pub async fn group(&self, _actor: &Actor, slug: &str) -> AppResult<ScreenGroup> {
        Ok(self.store.group(slug).await?)
    }

    /// Adds a screen group (admin, operator). A taken slug is a conflict; its members hear of the change.
    pub async fn create_group(
        &self,
        actor: &Actor,
        input: ScreenGroupInput,
    ) -> AppResult<ScreenGroup> {
        actor.require(&[Role::Admin, Role::Operator])?;
        validate::slug("slug", &input.slug)?;
        self.check_group(&input, &[]).await?;
        let entry = self
            .audit(actor, "screen_group.create", "")
            .partner(None)
            .created(&input);
        let g = self.store.create_group(&input, &entry).await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(g.screens.clone()),
        });
        Ok(g)
    }

    /// Replaces a group's name and members (admin, operator) if it is still at version `if_match` (when given);
    /// the slug is immutable. Old and new members hear of it.
    pub async fn update_group(
        &self,
        actor: &Actor,
        slug: &str,
        input: ScreenGroupInput,
        if_match: Option<i64>,
    ) -> AppResult<ScreenGroup> {
        actor.require(&[Role::Admin, Role::Operator])?;
        if input.slug != slug {
            return Err(AppError::invalid(
                "slug-immutable",
                "a group's slug cannot change (campaign targets refer to it)",
            ));
        }
        let before = self.store.group(slug).await?;
        self.check_group(&input, &before.screens).await?;
        let entry = self
            .audit(actor, "screen_group.update", &before.id)
            .partner(None)
            .diff(&input_of(&before), &input);
        let g = self
            .store
            .update_group(slug, &input, revision::expected(if_match), &entry)
            .await?;
        let mut affected = before.screens;
        affected.extend(g.screens.iter().cloned());
        affected.sort();
        affected.dedup();
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(affected),
        });
        Ok(g)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_group`]; `screens` replaces the
    /// whole member list).
    pub async fn patch_group(
        &self,
        actor: &Actor,
        slug: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<ScreenGroup> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.group(slug).await?;
        let input = revision::merge_patch(&input_of(&current), patch)?;
        self.update_group(actor, slug, input, if_match).await
    }

    /// Deletes a screen group (admin, operator) if still at version `if_match`; campaigns targeting it no longer
    /// match its screens, which hear of it.
    pub async fn delete_group(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let before = self.store.group(slug).await?;
        let entry = self
            .audit(actor, "screen_group.delete", &before.id)
            .partner(None)
            .deleted(&input_of(&before));
        self.store
            .delete_group(slug, revision::expected(if_match), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(before.screens),
        });
        Ok(())
    }

    /// Name and members: every member must exist; a retired screen may stay (`kept`) but not join.
    async fn check_group(&self, g: &ScreenGroupInput, kept: &[String]) -> AppResult<()> {
        validate::text("name", &g.name, 200)?;
        if g.name.trim().is_empty() {
            return Err(AppError::invalid("invalid", "name must not be empty"));
        }
        for s in &g.screens {
            match self.store.screen(s).await {
                Ok(v) if v.retired_at.is_some() && !kept.contains(s) => {
                    return Err(screen_retired())
                }
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(RuleError::unknown("screen", "screens", s).into())
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}
