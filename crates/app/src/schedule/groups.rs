//! Screen groups: named sets of screens, usable as campaign targets. Written by admins and operators.

use crate::error::{AppError, AppResult};
use crate::{validate, Actor, App, ServerEvent};
use serde::Serialize;
use twincast_core::campaign_rules::RuleError;
use twincast_store::{Role, ScreenGroup, ScreenGroupInput, StoreError};

/// Screen groups.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupList {
    /// Groups ordered by slug.
    pub items: Vec<ScreenGroup>,
}

impl App {
    /// Screen groups, by slug. Everyone logged in reads.
    pub async fn list_groups(&self, _actor: &Actor) -> AppResult<GroupList> {
        Ok(GroupList {
            items: self.store.list_groups().await?,
        })
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
        self.check_group(&input).await?;
        let g = self.store.create_group(&input).await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(g.screens.clone()),
        });
        Ok(g)
    }

    /// Replaces a group's name and members (admin, operator); the slug is immutable. Old and new members hear of it.
    pub async fn update_group(
        &self,
        actor: &Actor,
        slug: &str,
        input: ScreenGroupInput,
    ) -> AppResult<ScreenGroup> {
        actor.require(&[Role::Admin, Role::Operator])?;
        if input.slug != slug {
            return Err(AppError::invalid(
                "slug-immutable",
                "a group's slug cannot change (campaign targets refer to it)",
            ));
        }
        let before = self.store.group(slug).await?;
        self.check_group(&input).await?;
        let g = self.store.update_group(slug, &input).await?;
        let mut affected = before.screens;
        affected.extend(g.screens.iter().cloned());
        affected.sort();
        affected.dedup();
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(affected),
        });
        Ok(g)
    }

    /// Deletes a screen group (admin, operator); campaigns targeting it no longer match its screens.
    pub async fn delete_group(&self, actor: &Actor, slug: &str) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let before = self.store.group(slug).await?;
        self.store.delete_group(slug).await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(before.screens),
        });
        Ok(())
    }

    async fn check_group(&self, g: &ScreenGroupInput) -> AppResult<()> {
        validate::text("name", &g.name, 200)?;
        if g.name.trim().is_empty() {
            return Err(AppError::invalid("invalid", "name must not be empty"));
        }
        for s in &g.screens {
            match self.store.screen(s).await {
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
