//! Layouts as data: CRUD (admins and operators change, every signed-in role reads) with `If-Match` and audit,
//! and the layout chosen per screen or screen group. A screen's own layout wins over its groups'; a group's
//! layout applies to its members of the same orientation; a screen with neither gets the built-in choice
//! (`twincast_core::layout::choose`). Every change that alters what screens show emits a schedule change.

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, validate, App, ServerEvent};
use serde::Serialize;
use serde_json::Value;
use twincast_core::zones::check_zones;
use twincast_store::{Layout, LayoutInput, Page, PageRequest, Role, StoreError};
use utoipa::ToSchema;

/// Checks a layout's fields: slug, name, orientation and zones (`twincast_core::zones::check_zones`).
pub fn check(l: &LayoutInput) -> AppResult<()> {
    validate::slug("slug", &l.slug)?;
    validate::text("name", &l.name, 200)?;
    if l.name.trim().is_empty() {
        return Err(AppError::invalid("invalid-text", "name must not be empty"));
    }
    if l.orientation != "landscape" && l.orientation != "portrait" {
        return Err(AppError::invalid(
            "invalid-orientation",
            "orientation must be landscape or portrait",
        ));
    }
    check_zones(&l.zones).map_err(|e| AppError::invalid(e.code, e.message))
}

/// The input form of a stored layout.
pub fn input_of(l: &Layout) -> LayoutInput {
    LayoutInput {
        slug: l.slug.clone(),
        name: l.name.clone(),
        orientation: l.orientation.clone(),
        zones: l.zones.clone(),
    }
}

/// The layout a screen gets, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreenLayoutChoice {
    /// The screen.
    pub screen_id: String,
    /// `screen` (its own), `group` (a group's) or `builtin` (none assigned: today's automatic choice).
    pub source: String,
    /// The group whose layout it is (`source` `group`).
    pub group: Option<String>,
    /// The layout (`null` for `builtin`).
    pub layout: Option<Layout>,
}

fn unknown_layout(slug: &str) -> AppError {
    AppError::invalid("unknown-layout", format!("no layout {slug:?}"))
}

impl App {
    /// Layouts by slug, optionally of one orientation (any signed-in role).
    pub async fn list_layouts(
        &self,
        _actor: &Actor,
        orientation: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<Layout>> {
        Ok(self.store.list_layouts(orientation, page).await?)
    }

    /// One layout by slug (any signed-in role).
    pub async fn layout(&self, _actor: &Actor, slug: &str) -> AppResult<Layout> {
        Ok(self.store.layout_by_slug(slug).await?)
    }

    /// Adds a layout (admins, operators).
    pub async fn create_layout(&self, actor: &Actor, input: &LayoutInput) -> AppResult<Layout> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check(input)?;
        let entry = self.audit(actor, "layout.create", "").created(input);
        Ok(self.store.create_layout(input, &entry).await?)
    }

    /// Replaces a layout's fields (admins, operators) if still at version `if_match` (when given). A layout in
    /// use keeps its orientation; its screens are told.
    pub async fn update_layout(
        &self,
        actor: &Actor,
        slug: &str,
        input: &LayoutInput,
        if_match: Option<i64>,
    ) -> AppResult<Layout> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check(input)?;
        let current = self.store.layout_by_slug(slug).await?;
        if input.orientation != current.orientation {
            return Err(AppError::conflict(
                "layout-orientation",
                "a layout's orientation cannot change (screens of that orientation may use it); create another",
            ));
        }
        let entry = self
            .audit(actor, "layout.update", &current.id)
            .diff(&input_of(&current), input);
        let l = self
            .store
            .update_layout(&current.id, input, revision::expected(if_match), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(l)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_layout`]).
    pub async fn patch_layout(
        &self,
        actor: &Actor,
        slug: &str,
        patch: &Value,
        if_match: Option<i64>,
    ) -> AppResult<Layout> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.layout_by_slug(slug).await?;
        let input = revision::merge_patch(&input_of(&current), patch)?;
        self.update_layout(actor, slug, &input, if_match).await
    }

    /// Deletes a layout no screen or group uses (admins, operators), if still at version `if_match`;
    /// `layout-in-use` (409) otherwise.
    pub async fn delete_layout(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.layout_by_slug(slug).await?;
        let entry = self
            .audit(actor, "layout.delete", &current.id)
            .deleted(&input_of(&current));
        match self
            .store
            .delete_layout(&current.id, revision::expected(if_match), &entry)
            .await
        {
            Err(StoreError::Conflict(_)) => Err(AppError::conflict(
                "layout-in-use",
                "screens or screen groups use this layout; assign them another first",
            )),
            other => Ok(other?),
        }
    }

    /// A layout named in a request (`None`: clear); an unknown slug is `unknown-layout` (400).
    async fn referenced_layout(&self, slug: Option<&str>) -> AppResult<Option<Layout>> {
        match slug {
            None => Ok(None),
            Some(s) => match self.store.layout_by_slug(s).await {
                Ok(l) => Ok(Some(l)),
                Err(StoreError::NotFound) => Err(unknown_layout(s)),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Gives screen `screen_id` the layout `slug` (or, with `None`, none: its groups' or the built-in one)
    /// (admins, operators). The layout must fit the screen's orientation (`layout-orientation`, 409). The screen
    /// is pushed its new manifest.
    pub async fn set_screen_layout(
        &self,
        actor: &Actor,
        screen_id: &str,
        slug: Option<&str>,
    ) -> AppResult<ScreenLayoutChoice> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let screen = self.store.screen(screen_id).await?;
        let layout = self.referenced_layout(slug).await?;
        if let Some(l) = &layout {
            if l.orientation != screen.screen.orientation {
                return Err(AppError::conflict(
                    "layout-orientation",
                    format!(
                        "layout {:?} is for {} screens; this screen is {}",
                        l.slug, l.orientation, screen.screen.orientation
                    ),
                ));
            }
        }
        let before = self.screen_layout(actor, screen_id).await?;
        let entry = self.audit(actor, "screen.layout", screen_id).field(
            "layout",
            before
                .layout
                .filter(|_| before.source == "screen")
                .map_or(Value::Null, |l| Value::String(l.slug)),
            slug.map_or(Value::Null, |s| Value::String(s.to_string())),
        );
        self.store
            .set_screen_layout(screen_id, layout.as_ref().map(|l| l.id.as_str()), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(vec![screen_id.to_string()]),
        });
        self.screen_layout(actor, screen_id).await
    }

    /// Gives screen group `group` the layout `slug` (or none) (admins, operators); it applies to the members of
    /// the layout's orientation that have no layout of their own. The members are pushed their new manifests.
    pub async fn set_group_layout(
        &self,
        actor: &Actor,
        group: &str,
        slug: Option<&str>,
    ) -> AppResult<Option<Layout>> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let g = self.store.group(group).await?;
        let layout = self.referenced_layout(slug).await?;
        let entry = self.audit(actor, "screen_group.layout", &g.id).field(
            "layout",
            Value::Null,
            slug.map_or(Value::Null, |s| Value::String(s.to_string())),
        );
        self.store
            .set_group_layout(group, layout.as_ref().map(|l| l.id.as_str()), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(g.screens),
        });
        Ok(layout)
    }

    /// The layout screen `screen_id` gets and where it comes from (any signed-in role).
    pub async fn screen_layout(
        &self,
        _actor: &Actor,
        screen_id: &str,
    ) -> AppResult<ScreenLayoutChoice> {
        let screen = self.store.screen(screen_id).await?;
        let (own, groups) = self.store.screen_layout_ids(screen_id).await?;
        let mut choice = ScreenLayoutChoice {
            screen_id: screen_id.to_string(),
            source: "builtin".into(),
            group: None,
            layout: None,
        };
        if let Some(id) = own {
            choice.source = "screen".into();
            choice.layout = Some(self.store.layout_by_id(&id).await?);
            return Ok(choice);
        }
        for (group, id) in groups {
            let l = self.store.layout_by_id(&id).await?;
            if l.orientation == screen.screen.orientation {
                choice.source = "group".into();
                choice.group = Some(group);
                choice.layout = Some(l);
                break;
            }
        }
        Ok(choice)
    }
}
