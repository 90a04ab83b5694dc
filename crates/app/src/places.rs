//! Locations (their kinds are data) and screens.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::{validate, App};
use serde::Deserialize;
use twincast_store::{Location, Page, PageRequest, Role, Screen, ScreenView, StoreError};

/// A new location.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Kind of place: lowercase letters, digits, `_`.
    pub kind: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub tz: String,
}

/// A new screen.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
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
    /// The screen, its location's name and kind.
    pub view: ScreenView,
    /// Online or not.
    pub status: ScreenStatus,
}

impl App {
    /// Locations, by slug.
    pub async fn list_locations(
        &self,
        kind: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<Location>> {
        Ok(self.store.list_locations(kind, page).await?)
    }

    /// Adds a location (admins, operators).
    pub async fn create_location(&self, actor: &Actor, b: NewLocation) -> AppResult<Location> {
        actor.require(&[Role::Admin, Role::Operator])?;
        validate::slug("slug", &b.slug)?;
        validate::text("name", &b.name, 200)?;
        validate::kind(&b.kind)?;
        validate::tz(&b.tz)?;
        validate::coords(b.lat, b.lon)?;
        let l = Location {
            id: String::new(),
            slug: b.slug,
            name: b.name,
            kind: b.kind,
            lat: b.lat,
            lon: b.lon,
            tz: b.tz,
        };
        Ok(self.store.create_location(&l).await?)
    }

    fn with_status(&self, view: ScreenView) -> ScreenWithStatus {
        let status = ScreenStatus::of(
            view.screen.last_seen_at,
            self.now_ms(),
            self.settings.offline_after_ms,
        );
        ScreenWithStatus { view, status }
    }

    /// Screens with their status; `status` (`online` | `offline`, where offline includes never seen) filters
    /// each page.
    pub async fn list_screens(
        &self,
        location_kind: Option<&str>,
        status: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<ScreenWithStatus>> {
        let online = match status {
            None => None,
            Some("online") => Some(true),
            Some("offline") => Some(false),
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid-status",
                    "status must be online or offline",
                ))
            }
        };
        let p = self.store.list_screens(location_kind, page).await?;
        Ok(Page {
            items: p
                .items
                .into_iter()
                .map(|v| self.with_status(v))
                .filter(|s| online.is_none_or(|o| o == (s.status == ScreenStatus::Online)))
                .collect(),
            next_cursor: p.next_cursor,
        })
    }

    /// One screen with its status.
    pub async fn screen(&self, id: &str) -> AppResult<ScreenWithStatus> {
        Ok(self.with_status(self.store.screen(id).await?))
    }

    /// Adds a screen at a location (admins, operators). Position and time zone default to the location's; the
    /// orientation follows from the size.
    pub async fn create_screen(&self, actor: &Actor, b: NewScreen) -> AppResult<ScreenWithStatus> {
        actor.require(&[Role::Admin, Role::Operator])?;
        validate::text("name", &b.name, 200)?;
        validate::coords(b.lat, b.lon)?;
        if b.width == 0 || b.height == 0 || b.width > 16384 || b.height > 16384 {
            return Err(AppError::invalid(
                "invalid-resolution",
                "width and height must be 1..=16384",
            ));
        }
        for t in &b.tags {
            validate::slug("tag", t)?;
        }
        let loc = match self.store.location_by_slug(&b.location).await {
            Ok(l) => l,
            Err(StoreError::NotFound) => {
                return Err(AppError::invalid(
                    "unknown-location",
                    format!("no location {:?}", b.location),
                ))
            }
            Err(e) => return Err(e.into()),
        };
        let tz = b.tz.unwrap_or(loc.tz.clone());
        validate::tz(&tz)?;
        let s = Screen {
            id: String::new(),
            name: b.name,
            location_id: loc.id,
            lat: b.lat.or(loc.lat),
            lon: b.lon.or(loc.lon),
            tz,
            width: b.width.into(),
            height: b.height.into(),
            orientation: if b.height > b.width {
                "portrait"
            } else {
                "landscape"
            }
            .into(),
            tags: b.tags,
            last_seen_at: None,
        };
        Ok(self.with_status(self.store.create_screen(&s).await?))
    }
}
