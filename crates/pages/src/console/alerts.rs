//! Alerts: issue one from a form (headline, severity, texts, how long, where) or a CAP 1.2 file; before it is sent,
//! a preview lists the screens it reaches per location (the app's own targeting); cancel; the history.

use crate::map::{draw, view_of, Point, Tiles};
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::schedule::AlertPreview;
use twincast_app::AppError;
use twincast_store::{AlertRecord, Location, LocationFilter, PageRequest, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/alerts", get(list).post(issue))
        .route("/console/alerts/preview", post(preview))
        .route("/console/alerts/{id}/cancel", post(cancel))
}

/// Severities as CAP names them, mildest first.
const SEVERITIES: &[&str] = &["Minor", "Moderate", "Severe", "Extreme", "Unknown"];

/// The issue form as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct AlertForm {
    csrf: String,
    headline: String,
    severity: String,
    description: String,
    instruction: String,
    minutes: String,
    scope: String,
    locations: Vec<String>,
    kinds: Vec<String>,
    tags: String,
    /// A CAP 1.2 document, when one was uploaded.
    cap: Option<String>,
    cap_name: String,
}

impl AlertForm {
    fn blank() -> AlertForm {
        AlertForm {
            severity: "Severe".into(),
            scope: "everywhere".into(),
            minutes: "60".into(),
            ..Default::default()
        }
    }

    async fn read(mut m: Multipart) -> Result<AlertForm, PageError> {
        let mut f = AlertForm::blank();
        f.locations.clear();
        let bad = |_| PageError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid-body",
            detail: "the form could not be read".into(),
        };
        while let Some(field) = m.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "cap" {
                let file = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !bytes.is_empty() {
                    f.cap = Some(String::from_utf8_lossy(&bytes).into_owned());
                    f.cap_name = file;
                }
                continue;
            }
            let v = field.text().await.map_err(bad)?;
            match name.as_str() {
                "csrf" => f.csrf = v,
                "headline" => f.headline = v,
                "severity" => f.severity = v,
                "description" => f.description = v,
                "instruction" => f.instruction = v,
                "minutes" => f.minutes = v,
                "scope" => f.scope = v,
                "locations" => f.locations.push(v),
                "kinds" => f.kinds.push(v),
                "tags" => f.tags = v,
                _ => {}
            }
        }
        Ok(f)
    }

    /// The body and media type for the app, or the fields in error.
    fn body(
        &self,
        now_ms: i64,
        tr: crate::i18n::Tr,
    ) -> Result<(String, &'static str), FieldErrors> {
        if let Some(cap) = &self.cap {
            return Ok((cap.clone(), "application/cap+xml"));
        }
        let mut errors = FieldErrors::default();
        if self.headline.trim().is_empty() {
            errors
                .0
                .push(("headline", tr.get("alert-headline-required")));
        }
        if !SEVERITIES.contains(&self.severity.as_str()) {
            errors
                .0
                .push(("severity", tr.get("alert-severity-required")));
        }
        let minutes = self.minutes.trim();
        let expires = if minutes.is_empty() {
            None
        } else {
            match minutes.parse::<i64>() {
                Ok(m) if (1..=60 * 24 * 31).contains(&m) => {
                    jiff::Timestamp::from_millisecond(now_ms + m * 60_000).ok()
                }
                _ => {
                    errors.0.push(("minutes", tr.get("alert-minutes-range")));
                    None
                }
            }
        };
        let split = |s: &str| -> Vec<String> {
            s.split([',', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect()
        };
        let (locations, kinds, tags) = match self.scope.as_str() {
            "everywhere" => (vec![], vec![], vec![]),
            "locations" => (self.locations.clone(), vec![], vec![]),
            "kinds" => (vec![], self.kinds.clone(), vec![]),
            "tags" => (vec![], vec![], split(&self.tags)),
            _ => (vec![], vec![], vec![]),
        };
        let empty_scope = match self.scope.as_str() {
            "everywhere" => false,
            "locations" => locations.is_empty(),
            "kinds" => kinds.is_empty(),
            "tags" => tags.is_empty(),
            _ => true,
        };
        if empty_scope {
            errors.0.push(("scope", tr.get("alert-scope-required")));
        }
        if errors.any() {
            return Err(errors);
        }
        let mut v = serde_json::json!({
            "headline": self.headline.trim(),
            "severity": self.severity,
            "description": self.description.trim(),
            "instruction": self.instruction.trim(),
            "locations": locations,
            "location_kinds": kinds,
            "tags": tags,
        });
        if let Some(e) = expires {
            v["expires"] = e.to_string().into();
        }
        Ok((v.to_string(), "application/json"))
    }
}

/// One alert of the history.
struct Row {
    r: AlertRecord,
    /// On air now (not cancelled, not expired, displayable, started).
    on_air: bool,
}

#[derive(Template)]
#[template(path = "console/alerts.html")]
struct AlertsPage {
    c: Chrome,
    f: AlertForm,
    errors: FieldErrors,
    rows: Vec<Row>,
    locations: Vec<Location>,
    kinds: Vec<String>,
    severities: &'static [&'static str],
    can_issue: bool,
    /// The preview of what the form would send, and its body for the confirm form.
    preview: Option<(AlertPreview, String, String)>,
    /// The preview's reached locations on a map (SVG; empty when none has coordinates).
    preview_map: String,
}

impl AlertsPage {
    fn preview_map_html(&self) -> askama::filters::Safe<&str> {
        askama::filters::Safe(self.preview_map.as_str())
    }
    fn has_location(&self, id: &str) -> bool {
        self.f.locations.iter().any(|l| l == id)
    }
    fn severity_of(&self, pv: &AlertPreview) -> &'static str {
        use twincast_core::alert::Severity;
        match pv.alert.severity {
            Severity::Unknown => "Unknown",
            Severity::Minor => "Minor",
            Severity::Moderate => "Moderate",
            Severity::Severe => "Severe",
            Severity::Extreme => "Extreme",
        }
    }
    fn has_kind(&self, k: &str) -> bool {
        self.f.kinds.iter().any(|x| x == k)
    }
}

async fn alerts_page(pages: &Pages, op: &Operator, f: AlertForm) -> Result<AlertsPage, AppError> {
    let now = pages.app.now_ms();
    let rows = pages
        .app
        .list_alerts(&op.actor)
        .await?
        .items
        .into_iter()
        .map(|r| {
            let a = r.to_core();
            let on_air = a.is_displayable()
                && !r.held
                && r.cancelled_at.is_none()
                && a.start() <= now
                && a.expires.is_none_or(|e| e > now);
            Row { r, on_air }
        })
        .collect();
    let locations = pages
        .app
        .list_locations(
            &LocationFilter::default(),
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items;
    let mut kinds: Vec<String> = locations.iter().map(|l| l.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    Ok(AlertsPage {
        c: Chrome::new(op, "alerts", "alerts-title"),
        f,
        errors: FieldErrors::default(),
        rows,
        locations,
        kinds,
        severities: SEVERITIES,
        can_issue: matches!(op.actor.user.role, Role::Admin | Role::Operator),
        preview: None,
        preview_map: String::new(),
    })
}

/// `GET /console/alerts`.
async fn list(State(pages): State<Pages>, op: Operator) -> PageResult {
    let tr = op.tr();
    let p = alerts_page(&pages, &op, AlertForm::blank())
        .await
        .lang(tr)?;
    Ok(page(&p))
}

/// A refusal of the alert's content, shown on the form (CAP problems next to the file field).
fn field_error(f: &AlertForm, e: AppError, tr: crate::i18n::Tr) -> Result<FieldErrors, Failure> {
    match &e {
        AppError::Invalid { .. } | AppError::UnsupportedMedia { .. } => {
            let field = if f.cap.is_some() { "cap" } else { "headline" };
            let msg = PageError::from_app(e);
            // The application's message names what is wrong in the document: keep it after the reader's text.
            let text = if crate::i18n::Catalogue::get().has(tr.lang, &format!("error-{}", msg.code))
            {
                format!("{} ({})", msg.message(tr), msg.detail)
            } else {
                format!("{} {}", tr.get("alert-refused"), msg.detail)
            };
            Ok(FieldErrors(vec![(field, text)]))
        }
        _ => Err(Failure(tr, PageError::from_app(e))),
    }
}

/// The locations an alert would reach, as dots on the map (size by screens reached); empty when none of them
/// has coordinates.
fn reach_map(
    pv: &AlertPreview,
    locations: &[Location],
    tiles: Option<&Tiles>,
    tr: crate::i18n::Tr,
) -> String {
    let points: Vec<Point> = pv
        .by_location
        .iter()
        .filter_map(|r| {
            let l = locations.iter().find(|l| l.slug == r.slug)?;
            Some(Point {
                lat: l.lat?,
                lon: l.lon?,
                r: 5.0 + (r.screens as f64).sqrt().min(12.0),
                class: "bad",
                label: format!("{}: {} / {}", r.name, tr.num(r.screens), tr.num(r.of)),
                href: Some(format!("/console/screens?location={}", r.slug)),
            })
        })
        .collect();
    if points.is_empty() {
        String::new()
    } else {
        draw(
            view_of(&points),
            &points,
            720.0,
            &tr.get("alert-reach-map"),
            tiles,
        )
    }
}

/// `POST /console/alerts/preview` (multipart: the form and an optional CAP file).
async fn preview(State(pages): State<Pages>, op: Operator, m: Multipart) -> PageResult {
    let tr = op.tr();
    let f = AlertForm::read(m).await.lang(tr)?;
    op.check_csrf(&f.csrf).lang(tr)?;
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let errors = match f.body(pages.app.now_ms(), tr) {
        Ok((body, media_type)) => {
            match pages
                .app
                .preview_alert(&op.actor, media_type, body.as_bytes())
                .await
            {
                Ok(pv) => {
                    let mut p = alerts_page(&pages, &op, f).await.lang(tr)?;
                    p.preview_map = reach_map(&pv, &p.locations, pages.tiles.as_ref(), tr);
                    p.preview = Some((pv, body, media_type.to_string()));
                    return Ok(page(&p));
                }
                Err(e) => field_error(&f, e, tr)?,
            }
        }
        Err(errors) => errors,
    };
    let mut p = alerts_page(&pages, &op, f).await.lang(tr)?;
    p.errors = errors;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

#[derive(Debug, Deserialize)]
struct IssueForm {
    csrf: String,
    body: String,
    format: String,
}

/// `POST /console/alerts`: sends what the preview showed.
async fn issue(State(pages): State<Pages>, op: Operator, Form(f): Form<IssueForm>) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let media_type = if f.format == "application/cap+xml" {
        "application/cap+xml"
    } else {
        "application/json"
    };
    let r = pages
        .app
        .issue_alert(&op.actor, media_type, f.body.as_bytes())
        .await
        .lang(tr)?;
    Ok(Redirect::to(&format!("/console/alerts?issued={}#alert-{}", r.id, r.id)).into_response())
}

#[derive(Debug, Deserialize)]
struct CancelForm {
    csrf: String,
}

/// `POST /console/alerts/{id}/cancel`.
async fn cancel(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<CancelForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    pages.app.cancel_alert(&op.actor, &id).await.lang(tr)?;
    Ok(Redirect::to("/console/alerts?cancelled=1").into_response())
}
