//! Locations (their kinds are data) and screens: their whole lifecycle.
//!
//! Admins and operators write; everyone signed in reads. Every write carries its audit entry (partner `None`:
//! places belong to the network, not to a partner) and takes an optional `If-Match` version. A change that alters
//! what screens show (a screen's location, zone, size or tags; a location's kind, zone or coordinates) emits
//! [`ServerEvent::ScheduleChanged`] naming those screens, so the player hub
//! pushes their new manifests. Retiring a screen keeps its row, plays and audit, revokes its device tokens and
//! drops it from the schedule and the default lists; a retired screen cannot be changed or paired
//! (`screen-retired`).

mod screens;

pub use screens::{ScreenInput, ScreenListQuery};

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, validate, App, ServerEvent};
use twincast_store::{
    Location, LocationFilter, LocationInput, Page, PageRequest, Role, ScreenView, StoreError,
};

/// A new location (the same fields as a full update).
pub type NewLocation = LocationInput;

/// A new screen.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScreen {
    /// Display name.
    pub name: String,
    /// Location slug.
    pub location: String,
    /// Latitude (default: the location's).
    pub lat: Option<f64>,
    /// Longitude (default: the location's).
    pub lon: Option<f64>,
    /// IANA time zone (default: the location's).
    pub tz: Option<String>,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Tags for targeting.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The language its audience reads: `ru`, `en` (default) or `zh`; its ticker's news headlines are in it.
    #[serde(default)]
    pub language: Option<String>,
}

/// Whether a screen is online, by when it was last heard from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenStatus {
    /// Heard from within the offline threshold.
    Online,
    /// Heard from before, not recently.
    Offline,
    /// Never heard from.
    NeverSeen,
}

impl ScreenStatus {
    /// The status of a screen last seen at `last_seen_at`, at `now`, with `offline_after_ms` of silence allowed.
    pub fn of(last_seen_at: Option<i64>, now: i64, offline_after_ms: i64) -> ScreenStatus {
        match last_seen_at {
            Some(t) if now - t < offline_after_ms => ScreenStatus::Online,
            Some(_) => ScreenStatus::Offline,
            None => ScreenStatus::NeverSeen,
        }
    }
    /// The status named `name` (`online`, `offline` or `never_seen`).
    pub fn named(name: &str) -> Option<ScreenStatus> {
        [
            ScreenStatus::Online,
            ScreenStatus::Offline,
            ScreenStatus::NeverSeen,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }

    /// `online`, `offline` or `never_seen`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScreenStatus::Online => "online",
            ScreenStatus::Offline => "offline",
            ScreenStatus::NeverSeen => "never_seen",
        }
    }
}

/// A screen with its status now.
#[derive(Debug, Clone)]
pub struct ScreenWithStatus {
    /// The screen, its location's name, slug and kind, its version and retirement.
    pub view: ScreenView,
    /// Online or not.
    pub status: ScreenStatus,
}

/// The 409 `screen-retired` of an operation on a retired screen.
pub fn screen_retired() -> AppError {
    AppError::conflict(
        "screen-retired",
        "this screen is retired: it cannot be changed or paired",
    )
}

/// Checks a location's fields.
pub fn check_location(l: &LocationInput) -> AppResult<()> {
    validate::slug("slug", &l.slug)?;
    validate::text("name", &l.name, 200)?;
    if l.name.trim().is_empty() {
        return Err(AppError::invalid("invalid-name", "name must not be empty"));
    }
    validate::kind(&l.kind)?;
    validate::tz(&l.tz)?;
    validate::coords(l.lat, l.lon)?;
    Ok(())
}

/// The input form of a stored location (what a full update would send to keep it as it is).
pub fn location_input_of(l: &Location) -> LocationInput {
    LocationInput {
        slug: l.slug.clone(),
        name: l.name.clone(),
        kind: l.kind.clone(),
        lat: l.lat,
        lon: l.lon,
        tz: l.tz.clone(),
    }
}

impl App {
    /// Locations, by slug, of one `kind` and/or matching `q` (name or slug).
    pub async fn list_locations(
        &self,
        filter: &LocationFilter,
        page: &PageRequest,
    ) -> AppResult<Page<Location>> {
        Ok(self.store.list_locations(filter, page).await?)
    }

    /// The kinds of location in use (airport, metro, …), sorted, each once.
    pub async fn location_kinds(&self) -> AppResult<Vec<String>> {
        Ok(self.store.location_kinds().await?)
    }

    /// One location by slug.
    pub async fn location(&self, slug: &str) -> AppResult<Location> {
        Ok(self.store.location_by_slug(slug).await?)
    }

    /// A location named in a request body: an unknown slug is `unknown-location` (400).
    pub(crate) async fn referenced_location(&self, slug: &str) -> AppResult<Location> {
        match self.store.location_by_slug(slug).await {
            Ok(l) => Ok(l),
            Err(StoreError::NotFound) => Err(AppError::invalid(
                "unknown-location",
                format!("no location {slug:?}"),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds a location (admins, operators).
    pub async fn create_location(&self, actor: &Actor, b: NewLocation) -> AppResult<Location> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check_location(&b)?;
        let entry = self
            .audit(actor, "location.create", "")
            .partner(None)
            .created(&b);
        Ok(self.store.create_location(&b, &entry).await?)
    }

    /// Replaces a location's fields (admins, operators) if it is still at version `if_match` (when given). Its
    /// screens that carry its previous zone or coordinates follow the new ones; every screen there hears of it.
    pub async fn update_location(
        &self,
        actor: &Actor,
        slug: &str,
        input: &LocationInput,
        if_match: Option<i64>,
    ) -> AppResult<Location> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check_location(input)?;
        let current = self.store.location_by_slug(slug).await?;
        let entry = self
            .audit(actor, "location.update", &current.id)
            .partner(None)
            .diff(&location_input_of(&current), input);
        let change = self
            .store
            .update_location(&current.id, input, revision::expected(if_match), &entry)
            .await?;
        if !change.screens.is_empty() {
            self.emit(ServerEvent::ScheduleChanged {
                screens: Some(change.screens),
            });
        }
        Ok(change.location)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_location`]).
    pub async fn patch_location(
        &self,
        actor: &Actor,
        slug: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<Location> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.location_by_slug(slug).await?;
        let input = revision::merge_patch(&location_input_of(&current), patch)?;
        self.update_location(actor, slug, &input, if_match).await
    }

    /// Deletes a location (admins, operators) if still at version `if_match`; refused with 409
    /// `location-in-use`, naming some of its screens, while any screen (retired ones too) is there.
    pub async fn delete_location(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.location_by_slug(slug).await?;
        let entry = self
            .audit(actor, "location.delete", &current.id)
            .partner(None)
            .deleted(&location_input_of(&current));
        match self
            .store
            .delete_location(&current.id, revision::expected(if_match), &entry)
            .await
        {
            Err(StoreError::Conflict(m)) => Err(AppError::conflict("location-in-use", m)),
            other => Ok(other?),
        }
    }
}

impl App {
    /// Active screens per location by status, by the app's clock and offline threshold (the dashboard's view).
    pub async fn fleet_by_location(&self) -> AppResult<Vec<twincast_store::LocationFleet>> {
        let online_after = self.now_ms() - self.settings.offline_after_ms;
        Ok(self.store.fleet_by_location(online_after).await?)
    }
}
