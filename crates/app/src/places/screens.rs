//! Screens: create, update (full or merge patch), retire, one, and the filtered list.

use super::{screen_retired, NewScreen, ScreenStatus, ScreenWithStatus};
use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, validate, App, ServerEvent};
use serde::{Deserialize, Serialize};
use twincast_store::{Page, PageRequest, Role, Screen, ScreenFilter, ScreenSort, ScreenView};

/// The changeable fields of a screen (what a merge patch edits); the orientation follows from the size.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenInput {
    /// Display name.
    pub name: String,
    /// Location slug.
    pub location: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone.
    pub tz: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Tags for targeting.
    pub tags: Vec<String>,
    /// The language its audience reads: `ru`, `en` or `zh` (its ticker's news headlines are in it); absent: as
    /// it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Filters and order of the screen list (each `None` = no filter).
#[derive(Debug, Clone, Default)]
pub struct ScreenListQuery {
    /// Location slug.
    pub location: Option<String>,
    /// Location kind.
    pub location_kind: Option<String>,
    /// A tag the screen carries.
    pub tag: Option<String>,
    /// The slug of a screen group the screen belongs to.
    pub group: Option<String>,
    /// `online`, `offline` (heard from, not recently) or `never_seen`.
    pub status: Option<String>,
    /// Text the name contains.
    pub q: Option<String>,
    /// Retired screens instead of active ones.
    pub retired: bool,
    /// `created` (default) or `name`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
}

/// The input form of a stored screen.
pub fn screen_input_of(v: &ScreenView) -> ScreenInput {
    let s = &v.screen;
    ScreenInput {
        name: s.name.clone(),
        location: v.location_slug.clone(),
        lat: s.lat,
        lon: s.lon,
        tz: s.tz.clone(),
        width: u32::try_from(s.width).unwrap_or(0),
        height: u32::try_from(s.height).unwrap_or(0),
        tags: s.tags.clone(),
        language: Some(s.language.clone()),
    }
}

/// `language` when it is a language of the network (`ru`, `en`, `zh`), else `invalid-language`.
fn check_language(language: Option<&str>) -> AppResult<()> {
    match language {
        Some(l) => Ok(twincast_core::news::rules::lang("language", l)?),
        None => Ok(()),
    }
}

fn check_screen(
    name: &str,
    lat: Option<f64>,
    lon: Option<f64>,
    w: u32,
    h: u32,
    tags: &[String],
) -> AppResult<()> {
    validate::text("name", name, 200)?;
    if name.trim().is_empty() {
        return Err(AppError::invalid("invalid-name", "name must not be empty"));
    }
    validate::coords(lat, lon)?;
    if w == 0 || h == 0 || w > 16384 || h > 16384 {
        return Err(AppError::invalid(
            "invalid-resolution",
            "width and height must be 1..=16384",
        ));
    }
    for t in tags {
        validate::slug("tag", t)?;
    }
    Ok(())
}

fn orientation(w: u32, h: u32) -> String {
    if h > w { "portrait" } else { "landscape" }.into()
}

impl App {
    pub(crate) fn with_status(&self, view: ScreenView) -> ScreenWithStatus {
        let status = ScreenStatus::of(
            view.screen.last_seen_at,
            self.now_ms(),
            self.settings.offline_after_ms,
        );
        ScreenWithStatus { view, status }
    }

    /// Screens with their status, filtered and sorted by `q`, in keyset pages on (sort key, id).
    pub async fn list_screens(
        &self,
        q: &ScreenListQuery,
        page: &PageRequest,
    ) -> AppResult<Page<ScreenWithStatus>> {
        if let Some(s) = &q.status {
            if !["online", "offline", "never_seen"].contains(&s.as_str()) {
                return Err(AppError::invalid(
                    "invalid-status",
                    "status must be online, offline or never_seen",
                ));
            }
        }
        let sort = match q.sort.as_deref() {
            None | Some("created") => ScreenSort::Created,
            Some("name") => ScreenSort::Name,
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid-sort",
                    "sort must be created or name",
                ))
            }
        };
        let desc = match q.order.as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                return Err(AppError::invalid(
                    "invalid-order",
                    "order must be asc or desc",
                ))
            }
        };
        if let Some(t) = &q.tag {
            validate::slug("tag", t)?;
        }
        if let Some(g) = &q.group {
            validate::slug("group", g)?;
        }
        let filter = ScreenFilter {
            location: q.location.clone(),
            location_kind: q.location_kind.clone(),
            tag: q.tag.clone(),
            group: q.group.clone(),
            q: q.q.clone(),
            status: q.status.clone(),
            online_after: self.now_ms() - self.settings.offline_after_ms,
            retired: q.retired,
            sort,
            desc,
        };
        let p = self.store.list_screens(&filter, page).await?;
        Ok(Page {
            items: p.items.into_iter().map(|v| self.with_status(v)).collect(),
            next_cursor: p.next_cursor,
        })
    }

    /// One screen with its status (retired ones too).
    pub async fn screen(&self, id: &str) -> AppResult<ScreenWithStatus> {
        Ok(self.with_status(self.store.screen(id).await?))
    }

    /// Adds a screen at a location (admins, operators). Position and time zone default to the location's; the
    /// orientation follows from the size.
    pub async fn create_screen(&self, actor: &Actor, b: NewScreen) -> AppResult<ScreenWithStatus> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check_screen(&b.name, b.lat, b.lon, b.width, b.height, &b.tags)?;
        let loc = self.referenced_location(&b.location).await?;
        let tz = b.tz.unwrap_or(loc.tz.clone());
        validate::tz(&tz)?;
        check_language(b.language.as_deref())?;
        let language = b
            .language
            .unwrap_or_else(|| twincast_core::screen::DEFAULT_LANGUAGE.into());
        let input = ScreenInput {
            name: b.name,
            location: loc.slug.clone(),
            lat: b.lat.or(loc.lat),
            lon: b.lon.or(loc.lon),
            tz,
            width: b.width,
            height: b.height,
            tags: b.tags,
            language: Some(language.clone()),
        };
        let s = Screen {
            id: String::new(),
            name: input.name.clone(),
            location_id: loc.id,
            lat: input.lat,
            lon: input.lon,
            tz: input.tz.clone(),
            width: input.width.into(),
            height: input.height.into(),
            orientation: orientation(input.width, input.height),
            tags: input.tags.clone(),
            language,
            last_seen_at: None,
        };
        let entry = self
            .audit(actor, "screen.create", "")
            .partner(None)
            .created(&input);
        Ok(self.with_status(self.store.create_screen(&s, &entry).await?))
    }

    /// Replaces a screen's fields (admins, operators) if it is still at version `if_match` (when given); the
    /// orientation follows the size. A retired screen is `screen-retired` (409). The screen hears of the change.
    pub async fn update_screen(
        &self,
        actor: &Actor,
        id: &str,
        input: &ScreenInput,
        if_match: Option<i64>,
    ) -> AppResult<ScreenWithStatus> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.screen(id).await?;
        if current.retired_at.is_some() {
            return Err(screen_retired());
        }
        check_screen(
            &input.name,
            input.lat,
            input.lon,
            input.width,
            input.height,
            &input.tags,
        )?;
        validate::tz(&input.tz)?;
        check_language(input.language.as_deref())?;
        let filled;
        let input = if input.language.is_none() {
            filled = ScreenInput {
                language: Some(current.screen.language.clone()),
                ..input.clone()
            };
            &filled
        } else {
            input
        };
        let loc = self.referenced_location(&input.location).await?;
        let s = Screen {
            id: id.to_string(),
            name: input.name.clone(),
            location_id: loc.id,
            lat: input.lat,
            lon: input.lon,
            tz: input.tz.clone(),
            width: input.width.into(),
            height: input.height.into(),
            orientation: orientation(input.width, input.height),
            tags: input.tags.clone(),
            language: input
                .language
                .clone()
                .unwrap_or_else(|| current.screen.language.clone()),
            last_seen_at: current.screen.last_seen_at,
        };
        let entry = self
            .audit(actor, "screen.update", id)
            .partner(None)
            .diff(&screen_input_of(&current), input);
        let v = self
            .store
            .update_screen(id, &s, revision::expected(if_match), &entry)
            .await
            .map_err(|e| match e {
                twincast_store::StoreError::Conflict(m) if m == "screen-retired" => {
                    screen_retired()
                }
                e => e.into(),
            })?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(vec![id.to_string()]),
        });
        Ok(self.with_status(v))
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_screen`]). A patch that moves the
    /// screen to another location without naming `tz` (or `lat`/`lon`) moves those that were the old location's
    /// to the new location's.
    pub async fn patch_screen(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<ScreenWithStatus> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.screen(id).await?;
        if current.retired_at.is_some() {
            return Err(screen_retired());
        }
        let before = screen_input_of(&current);
        let mut input = revision::merge_patch(&before, patch)?;
        if input.location != before.location {
            let old = self
                .store
                .location_by_id(&current.screen.location_id)
                .await?;
            let new = self.referenced_location(&input.location).await?;
            let named = |k: &str| patch.get(k).is_some();
            if !named("tz") && before.tz == old.tz {
                input.tz = new.tz.clone();
            }
            if !named("lat") && !named("lon") && (before.lat, before.lon) == (old.lat, old.lon) {
                (input.lat, input.lon) = (new.lat, new.lon);
            }
        }
        self.update_screen(actor, id, &input, if_match).await
    }

    /// Retires a screen (admins, operators) if still at version `if_match`: it stays with its plays and audit,
    /// its device tokens are revoked (returned: the caller closes their sockets), and it leaves the schedule and
    /// the default lists. Retiring a retired screen is `screen-retired` (409).
    pub async fn retire_screen(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<Vec<String>> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.screen(id).await?;
        if current.retired_at.is_some() {
            return Err(screen_retired());
        }
        let entry = self.audit(actor, "screen.retire", id).partner(None);
        let at = entry.at;
        let entry = entry.field("retired_at", serde_json::Value::Null, at.into());
        let devices = self
            .store
            .retire_screen(id, revision::expected(if_match), &entry)
            .await
            .map_err(|e| match e {
                twincast_store::StoreError::Conflict(m) if m == "screen-retired" => {
                    screen_retired()
                }
                e => e.into(),
            })?;
        self.emit(ServerEvent::ScheduleChanged {
            screens: Some(vec![id.to_string()]),
        });
        self.devices_revoked(id, &devices);
        Ok(devices)
    }
}
