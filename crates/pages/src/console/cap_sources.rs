//! CAP subscriptions in the console: `/console/alerts/sources` (admins and operators manage, viewers read): the
//! sources with their settings, last poll, outcome and error, "poll now" and a link to each one's form
//! (`cap_source_form`: add, change, delete), the alerts sources hold for approval (every `<info>` block, approve),
//! and the geocode mapping (a CAP geocode → a location, its field errors beside the fields). docs/alerts.md.

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
use twincast_app::AppError;
use twincast_store::{AlertGeocode, AlertRecord, AlertSource, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route(
            "/console/alerts/sources",
            get(list).post(super::cap_source_form::create),
        )
        .route("/console/alerts/sources/{id}/poll", post(poll))
        .route("/console/alerts/held/{id}/approve", post(approve))
        .route("/console/alerts/geocodes", post(add_geocode))
        .route("/console/alerts/geocodes/{id}/delete", post(delete_geocode))
}

pub(super) const SECTION: &str = "alert-sources";

/// The geocode form as typed.
#[derive(Debug, Default, Deserialize)]
struct GeocodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    value_name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    location_id: String,
}

#[derive(Template)]
#[template(path = "console/cap_sources.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<AlertSource>,
    held: Vec<AlertRecord>,
    geocodes: Vec<(AlertGeocode, String)>,
    locations: Vec<(String, String)>,
    can_manage: bool,
    g: GeocodeForm,
    errors: FieldErrors,
    notice: Option<String>,
}

impl ListPage {
    fn outcome(&self, s: &AlertSource) -> String {
        self.c.tr.get(&format!("cap-outcome-{}", s.last_outcome))
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    saved: Option<String>,
    polled: Option<String>,
    approved: Option<String>,
    deleted: Option<String>,
}

async fn list_page(pages: &Pages, op: &Operator, g: GeocodeForm) -> Result<ListPage, AppError> {
    let rows = pages.app.cap_sources(&op.actor).await?;
    let held = pages
        .app
        .list_alerts(&op.actor)
        .await?
        .items
        .into_iter()
        .filter(|r| r.held && r.cancelled_at.is_none())
        .collect();
    let locs = pages
        .app
        .list_locations(
            &twincast_store::LocationFilter::default(),
            &twincast_store::PageRequest {
                limit: twincast_store::PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items;
    let name_of = |id: &str| {
        locs.iter()
            .find(|l| l.id == id)
            .map_or_else(|| id.to_string(), |l| l.name.clone())
    };
    let geocodes = pages
        .app
        .alert_geocodes(&op.actor)
        .await?
        .into_iter()
        .map(|g| {
            let n = name_of(&g.location_id);
            (g, n)
        })
        .collect();
    Ok(ListPage {
        c: Chrome::new(op, SECTION, "cap-title"),
        rows,
        held,
        geocodes,
        locations: locs
            .iter()
            .map(|l| (l.id.clone(), l.name.clone()))
            .collect(),
        can_manage: matches!(op.actor.user.role, Role::Admin | Role::Operator),
        g,
        errors: FieldErrors::default(),
        notice: None,
    })
}

/// `GET /console/alerts/sources`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let mut p = list_page(&pages, &op, GeocodeForm::default())
        .await
        .lang(tr)?;
    p.notice = if q.polled.is_some() {
        Some(tr.get("cap-polled"))
    } else if q.approved.is_some() {
        Some(tr.get("cap-approved"))
    } else if q.saved.is_some() {
        Some(tr.get("cap-saved"))
    } else if q.deleted.is_some() {
        Some(tr.get("cap-deleted"))
    } else {
        None
    };
    Ok(page(&p))
}

/// The page again with a refusal of the geocode form beside its field (400 or 409), or the error page.
async fn refused(pages: &Pages, op: &Operator, g: GeocodeForm, e: AppError) -> PageResult {
    let tr = op.tr();
    let (e, members) = e.split_members();
    if !matches!(e, AppError::Invalid { .. } | AppError::Conflict { .. }) {
        return Err(Failure(tr, PageError::from_app(e)));
    }
    let field: &'static str = match members.get("field").and_then(|v| v.as_str()) {
        Some("location_id") => "location_id",
        Some("value") => "value",
        _ => "value_name",
    };
    let id = format!("cap-field-{}", e.code());
    let message = if crate::i18n::Catalogue::get().has(tr.lang, &id) {
        tr.get(&id)
    } else {
        PageError::from_app(e).message(tr)
    };
    let mut p = list_page(pages, op, g).await.lang(tr)?;
    p.errors.0.push((field, message));
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `POST /console/alerts/sources/{id}/poll`.
async fn poll(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    pages
        .app
        .poll_cap_source_now(&op.actor, &id)
        .await
        .lang(tr)?;
    Ok(Redirect::to(&format!("/console/alerts/sources?polled={id}#s-{id}")).into_response())
}

/// `POST /console/alerts/held/{id}/approve`.
async fn approve(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    pages.app.approve_alert(&op.actor, &id).await.lang(tr)?;
    Ok(Redirect::to("/console/alerts/sources?approved=1").into_response())
}

/// `POST /console/alerts/geocodes`.
async fn add_geocode(
    State(pages): State<Pages>,
    op: Operator,
    Form(g): Form<GeocodeForm>,
) -> PageResult {
    op.check_csrf(&g.csrf).lang(op.tr())?;
    let input = twincast_store::AlertGeocodeInput {
        value_name: g.value_name.trim().to_string(),
        value: g.value.trim().to_string(),
        location_id: g.location_id.clone(),
    };
    match pages.app.create_alert_geocode(&op.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/console/alerts/sources?saved=1#geocodes").into_response()),
        Err(e) => refused(&pages, &op, g, e).await,
    }
}

/// `POST /console/alerts/geocodes/{id}/delete`.
async fn delete_geocode(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    pages
        .app
        .delete_alert_geocode(&op.actor, &id)
        .await
        .lang(tr)?;
    Ok(Redirect::to("/console/alerts/sources?saved=1#geocodes").into_response())
}
