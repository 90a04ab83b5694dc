//! Locations: list, create, edit (with the version the form was read at: a stale form keeps what was typed and
//! says so), delete (refused while screens are there, naming them). A time zone is picked from jiff's bundled
//! database (an input with a datalist); coordinates are two fields carrying a `data-map-pick` hook for the map.

use super::places_msg::admin_message;
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::sync::OnceLock;
use twincast_app::places::ScreenListQuery;
use twincast_app::AppError;
use twincast_store::{Location, LocationFilter, LocationInput, PageRequest, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/locations", get(list).post(create))
        .route("/console/locations/new", get(new_form))
        .route("/console/locations/{slug}", get(edit_form).post(update))
        .route("/console/locations/{slug}/delete", post(delete))
}

/// Every IANA zone name in jiff's bundled database, sorted (computed once).
pub(super) fn zones() -> &'static [String] {
    static ZONES: OnceLock<Vec<String>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut z: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.to_string())
            .filter(|n| n.contains('/') || n == "UTC")
            .collect();
        z.sort();
        z
    })
}

/// The location kinds known to the catalogue (others may be typed).
const KINDS: &[&str] = &["airport", "street", "metro", "bus_terminal"];

/// Parses an optional decimal number field: empty is `None`; anything else that is not a number is `Err`.
pub(super) fn opt_number(v: &str) -> Result<Option<f64>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.replace(',', ".").parse::<f64>().map(Some).map_err(|_| ())
}

#[derive(Template)]
#[template(path = "console/locations.html")]
struct ListPage {
    c: Chrome,
    q: String,
    rows: Vec<Location>,
    next: Option<String>,
    first: bool,
    can_edit: bool,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

fn can_edit(op: &Operator) -> bool {
    matches!(op.actor.user.role, Role::Admin | Role::Operator)
}

/// `GET /console/locations`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let text = q.q.clone().unwrap_or_default().trim().to_string();
    let after = q.after.clone().filter(|a| !a.is_empty());
    let p = pages
        .app
        .list_locations(
            &LocationFilter {
                kind: None,
                q: Some(text.clone()).filter(|t| !t.is_empty()),
            },
            &PageRequest {
                limit: 50,
                cursor: after.clone(),
            },
        )
        .await
        .lang(tr)?;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "locations", "locations-title"),
        q: text,
        rows: p.items,
        next: p.next_cursor,
        first: after.is_some(),
        can_edit: can_edit(&op),
    }))
}

/// What the form shows (as typed).
#[derive(Debug, Default, Deserialize)]
struct LocationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    version: i64,
}

impl LocationForm {
    fn of(l: &Location) -> LocationForm {
        let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        LocationForm {
            csrf: String::new(),
            slug: l.slug.clone(),
            name: l.name.clone(),
            kind: l.kind.clone(),
            tz: l.tz.clone(),
            lat: num(l.lat),
            lon: num(l.lon),
            version: l.version,
        }
    }

    /// The input, or the fields whose text is not a number.
    fn input(&self, tr: crate::i18n::Tr, errors: &mut FieldErrors) -> Option<LocationInput> {
        let lat =
            opt_number(&self.lat).map_err(|_| errors.0.push(("lat", tr.get("adm-field-number"))));
        let lon =
            opt_number(&self.lon).map_err(|_| errors.0.push(("lon", tr.get("adm-field-number"))));
        Some(LocationInput {
            slug: self.slug.trim().to_string(),
            name: self.name.trim().to_string(),
            kind: self.kind.trim().to_string(),
            lat: lat.ok()?,
            lon: lon.ok()?,
            tz: self.tz.trim().to_string(),
        })
    }
}

/// The form field an application error belongs to.
fn field_of(code: &str) -> &'static str {
    match code {
        "invalid-slug" | "conflict" => "slug",
        "invalid-kind" => "kind",
        "invalid-time-zone" => "tz",
        "invalid-coordinates" => "lat",
        _ => "name",
    }
}

#[derive(Template)]
#[template(path = "console/location.html")]
struct EditPage {
    c: Chrome,
    /// `None` for a new location.
    current: Option<Location>,
    f: LocationForm,
    errors: FieldErrors,
    /// A message above the form (stale version, location in use).
    notice: Option<String>,
    /// Screens named by a refused delete.
    in_use: Vec<(String, String)>,
    can_edit: bool,
    zones: &'static [String],
    kinds: &'static [&'static str],
}

impl EditPage {
    /// Where the form posts.
    fn action(&self) -> String {
        match &self.current {
            Some(l) => format!("/console/locations/{}", l.slug),
            None => "/console/locations".into(),
        }
    }

    fn new(op: &Operator, current: Option<Location>, f: LocationForm) -> EditPage {
        let mut c = Chrome::new(op, "locations", "location-new-title");
        if let Some(l) = &current {
            c.title = l.name.clone();
        }
        EditPage {
            c,
            current,
            f,
            errors: FieldErrors::default(),
            notice: None,
            in_use: Vec::new(),
            can_edit: can_edit(op),
            zones: zones(),
            kinds: KINDS,
        }
    }
}

/// `GET /console/locations/new`.
async fn new_form(op: Operator) -> PageResult {
    op.actor
        .require(&[Role::Admin, Role::Operator])
        .lang(op.tr())?;
    let f = LocationForm {
        tz: "UTC".into(),
        ..Default::default()
    };
    Ok(page(&EditPage::new(&op, None, f)))
}

/// `GET /console/locations/{slug}`.
async fn edit_form(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
) -> PageResult {
    let l = pages.app.location(&slug).await.lang(op.tr())?;
    let f = LocationForm::of(&l);
    Ok(page(&EditPage::new(&op, Some(l), f)))
}

/// `POST /console/locations`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(f): Form<LocationForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let mut errors = FieldErrors::default();
    if let Some(input) = f.input(tr, &mut errors) {
        match pages.app.create_location(&op.actor, input).await {
            Ok(l) => {
                return Ok(
                    Redirect::to(&format!("/console/locations/{}?saved=1", l.slug)).into_response(),
                )
            }
            Err(e) => refusal(&mut errors, e, tr)?,
        }
    }
    let mut p = EditPage::new(&op, None, f);
    p.errors = errors;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

/// A field error for a refused input, or the error page for anything else (forbidden, internal).
fn refusal(errors: &mut FieldErrors, e: AppError, tr: crate::i18n::Tr) -> Result<(), Failure> {
    match &e {
        AppError::Invalid { .. } | AppError::Conflict { .. } => {
            let field = field_of(e.code());
            errors.0.push((field, admin_message(e, tr)));
            Ok(())
        }
        _ => Err(Failure(tr, PageError::from_app(e))),
    }
}

/// `POST /console/locations/{slug}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(mut f): Form<LocationForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.location(&slug).await.lang(tr)?;
    let mut errors = FieldErrors::default();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    if let Some(input) = f.input(tr, &mut errors) {
        let at = Some(f.version).filter(|v| *v > 0);
        match pages
            .app
            .update_location(&op.actor, &slug, &input, at)
            .await
        {
            Ok(l) => {
                return Ok(
                    Redirect::to(&format!("/console/locations/{}?saved=1", l.slug)).into_response(),
                )
            }
            Err(AppError::Stale { current: now }) => {
                // Keep what was typed; a second save deliberately overwrites the newer version.
                notice = Some(tr.get("location-stale"));
                f.version = now;
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e) => refusal(&mut errors, e, tr)?,
        }
    }
    let mut p = EditPage::new(&op, Some(current), f);
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    version: i64,
}

/// `POST /console/locations/{slug}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let current = pages.app.location(&slug).await.lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    let (notice, status) = match pages.app.delete_location(&op.actor, &slug, at).await {
        Ok(()) => return Ok(Redirect::to("/console/locations?deleted=1").into_response()),
        Err(e) if e.code() == "location-in-use" => {
            (tr.get("location-in-use"), StatusCode::CONFLICT)
        }
        Err(AppError::Stale { .. }) => (
            tr.get("location-stale-delete"),
            StatusCode::PRECONDITION_FAILED,
        ),
        Err(e) => return Err(Failure(tr, PageError::from_app(e))),
    };
    let mut in_use = Vec::new();
    if status == StatusCode::CONFLICT {
        // Active screens first, then retired ones (they keep the location too).
        for retired in [false, true] {
            let p = pages
                .app
                .list_screens(
                    &ScreenListQuery {
                        location: Some(slug.clone()),
                        sort: Some("name".into()),
                        retired,
                        ..Default::default()
                    },
                    &PageRequest {
                        limit: 20,
                        cursor: None,
                    },
                )
                .await
                .lang(tr)?;
            in_use.extend(
                p.items
                    .into_iter()
                    .map(|s| (s.view.screen.id, s.view.screen.name)),
            );
        }
    }
    let f = LocationForm::of(&current);
    let mut p = EditPage::new(&op, Some(current), f);
    p.notice = Some(notice);
    p.in_use = in_use;
    Ok(render(status, &p))
}
