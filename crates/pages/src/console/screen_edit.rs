//! Editing a screen from the console (`/console/screens/{id}/edit`): name, location, time zone, size, tags and
//! coordinates, saved by `App::update_screen` at the version the form was opened with (a newer version keeps what
//! was typed and says so; a second save overwrites deliberately); and unpairing its player
//! (`/console/screens/{id}/unpair`, `App::revoke_device`: the player's token stops at once and its socket closes).

use crate::i18n::Tr;
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::places::ScreenInput;
use twincast_app::AppError;
use twincast_store::{LocationFilter, PageRequest, ScreenView};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/screens/{id}/edit", get(edit_form).post(save))
        .route("/console/screens/{id}/unpair", post(unpair))
}

/// The edit form as typed.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ScreenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    width: String,
    #[serde(default)]
    height: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    language: String,
}

impl ScreenForm {
    fn of(v: &ScreenView) -> ScreenForm {
        let s = &v.screen;
        ScreenForm {
            csrf: String::new(),
            version: v.version,
            name: s.name.clone(),
            location: v.location_slug.clone(),
            tz: s.tz.clone(),
            width: s.width.to_string(),
            height: s.height.to_string(),
            tags: s.tags.join(", "),
            lat: s.lat.map(|v| v.to_string()).unwrap_or_default(),
            lon: s.lon.map(|v| v.to_string()).unwrap_or_default(),
            language: s.language.clone(),
        }
    }

    /// The input, or `None` with the fields' errors.
    fn input(&self, tr: Tr, errors: &mut FieldErrors) -> Option<ScreenInput> {
        let pixels = |field: &'static str, text: &str, errors: &mut FieldErrors| {
            text.trim().parse::<u32>().ok().or_else(|| {
                errors.0.push((field, tr.get("screen-edit-bad-size")));
                None
            })
        };
        let degrees = |field: &'static str, text: &str, limit: f64, errors: &mut FieldErrors| {
            let t = text.trim();
            if t.is_empty() {
                return Some(None);
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= limit => Some(Some(v)),
                _ => {
                    errors.0.push((field, tr.get("screen-edit-bad-coordinate")));
                    None
                }
            }
        };
        let width = pixels("width", &self.width, errors);
        let height = pixels("height", &self.height, errors);
        let lat = degrees("lat", &self.lat, 90.0, errors);
        let lon = degrees("lon", &self.lon, 180.0, errors);
        Some(ScreenInput {
            name: self.name.trim().to_string(),
            location: self.location.trim().to_string(),
            lat: lat?,
            lon: lon?,
            tz: self.tz.trim().to_string(),
            width: width?,
            height: height?,
            tags: self
                .tags
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            language: Some(self.language.trim().to_string()).filter(|l| !l.is_empty()),
        })
    }
}

#[derive(Template)]
#[template(path = "console/screen_edit.html")]
struct EditPage {
    c: Chrome,
    id: String,
    f: ScreenForm,
    errors: FieldErrors,
    notice: Option<String>,
    /// Every location (slug, name).
    locations: Vec<(String, String)>,
}

async fn edit_page(
    pages: &Pages,
    op: &Operator,
    id: &str,
    f: ScreenForm,
) -> Result<EditPage, Failure> {
    let tr = op.tr();
    let locations = pages
        .app
        .list_locations(
            &LocationFilter::default(),
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await
        .lang(tr)?
        .items
        .into_iter()
        .map(|l| (l.slug, l.name))
        .collect();
    Ok(EditPage {
        c: Chrome::new(op, "screens", "screen-edit-title"),
        id: id.to_string(),
        f,
        errors: FieldErrors::default(),
        notice: None,
        locations,
    })
}

/// Admins and operators edit screens; the app refuses the others too, the page says so first.
fn may_edit(op: &Operator) -> Result<(), Failure> {
    op.actor
        .require(&[twincast_store::Role::Admin, twincast_store::Role::Operator])
        .lang(op.tr())
}

/// `GET /console/screens/{id}/edit`.
async fn edit_form(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    let tr = op.tr();
    may_edit(&op)?;
    let s = pages.app.screen(&id).await.lang(tr)?;
    if s.view.retired_at.is_some() {
        // A retired screen keeps its history and cannot change: its page says so.
        return Ok(Redirect::to(&format!("/console/screens/{id}")).into_response());
    }
    let p = edit_page(&pages, &op, &id, ScreenForm::of(&s.view)).await?;
    Ok(page(&p))
}

/// The form field an app refusal belongs to.
fn field_of(code: &str) -> &'static str {
    match code {
        "invalid-name" | "invalid-text" => "name",
        "unknown-location" | "invalid-location" => "location",
        "invalid-time-zone" => "tz",
        "invalid-resolution" => "width",
        "invalid-slug" => "tags",
        "invalid-coordinates" | "invalid-lat" => "lat",
        "invalid-lon" => "lon",
        _ => "form",
    }
}

/// `POST /console/screens/{id}/edit`.
async fn save(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(mut f): Form<ScreenForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    may_edit(&op)?;
    let mut errors = FieldErrors::default();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    if let Some(input) = f.input(tr, &mut errors) {
        let at = Some(f.version).filter(|v| *v > 0);
        match pages.app.update_screen(&op.actor, &id, &input, at).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!("/console/screens/{id}?saved=1")).into_response())
            }
            Err(AppError::Stale { current }) => {
                notice = Some(tr.get("screen-edit-stale"));
                f.version = current;
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
                let field = field_of(e.code());
                errors.0.push((field, PageError::from_app(e).message(tr)));
            }
            Err(e) => return Err(Failure(tr, PageError::from_app(e))),
        }
    }
    let mut p = edit_page(&pages, &op, &id, f).await?;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `POST /console/screens/{id}/unpair`: the player's token stops at once; the screen stays, ready to pair again.
async fn unpair(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let devices = pages.app.revoke_device(&op.actor, &id).await.lang(tr)?;
    (pages.devices_revoked)(&id, &devices);
    Ok(Redirect::to(&format!("/console/screens/{id}?unpaired=1")).into_response())
}
