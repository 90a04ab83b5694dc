//! One CAP source's form (`/console/alerts/sources/new`, `/console/alerts/sources/{id}`): every setting the API
//! has — name, address, the minimum severity, urgency and certainty, the area filter (geocodes and "everywhere"),
//! auto-publish or hold, require-signature, the poll interval, enabled — with the source's last outcome and error,
//! the refusals beside their fields, and delete. Admins and operators; the same page adds and changes a source.

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
use twincast_app::cap_sources::{CERTAINTIES, SEVERITIES, URGENCIES};
use twincast_app::AppError;
use twincast_store::{AlertSource, AlertSourceInput, AreaFilter, GeocodePattern, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/alerts/sources/new", get(new_form))
        .route("/console/alerts/sources/{id}", get(edit_form).post(update))
        .route("/console/alerts/sources/{id}/delete", post(delete))
}

/// The form as typed (also what `POST /console/alerts/sources` reads).
#[derive(Debug, Default, Deserialize)]
pub(super) struct SourceForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    min_severity: String,
    #[serde(default)]
    min_urgency: String,
    #[serde(default)]
    min_certainty: String,
    /// One geocode a line: `valueName=value` (a trailing `*` in the value is a prefix).
    #[serde(default)]
    geocodes: String,
    #[serde(default)]
    everywhere: Option<String>,
    #[serde(default)]
    moderation: String,
    #[serde(default)]
    require_signature: Option<String>,
    #[serde(default)]
    interval_secs: String,
    #[serde(default)]
    enabled: Option<String>,
}

fn on(b: bool) -> Option<String> {
    b.then(|| "on".into())
}

impl SourceForm {
    fn of(s: &AlertSource) -> SourceForm {
        let i = &s.input;
        SourceForm {
            csrf: String::new(),
            version: s.version,
            name: i.name.clone(),
            url: i.url.clone(),
            min_severity: i.min_severity.clone(),
            min_urgency: i.min_urgency.clone(),
            min_certainty: i.min_certainty.clone(),
            geocodes: i
                .area
                .geocodes
                .iter()
                .map(|g| format!("{}={}", g.value_name, g.value))
                .collect::<Vec<_>>()
                .join("\n"),
            everywhere: on(i.area.everywhere),
            moderation: i.moderation.clone(),
            require_signature: on(i.require_signature),
            interval_secs: i.interval_secs.to_string(),
            enabled: on(i.enabled),
        }
    }

    fn blank() -> SourceForm {
        SourceForm {
            min_severity: "Moderate".into(),
            min_urgency: "Unknown".into(),
            min_certainty: "Unknown".into(),
            moderation: "hold".into(),
            interval_secs: "60".into(),
            enabled: on(true),
            ..SourceForm::default()
        }
    }

    /// The input, or the field whose text cannot even be read (a line without `=`, an interval not a number).
    fn input(&self) -> Result<AlertSourceInput, &'static str> {
        let geocodes = self
            .geocodes
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (n, v) = l.split_once('=').ok_or("geocodes")?;
                Ok(GeocodePattern {
                    value_name: n.trim().to_string(),
                    value: v.trim().to_string(),
                })
            })
            .collect::<Result<Vec<_>, &'static str>>()?;
        Ok(AlertSourceInput {
            name: self.name.trim().to_string(),
            url: self.url.trim().to_string(),
            min_severity: self.min_severity.clone(),
            min_urgency: self.min_urgency.clone(),
            min_certainty: self.min_certainty.clone(),
            area: AreaFilter {
                geocodes,
                everywhere: self.everywhere.is_some(),
            },
            moderation: self.moderation.clone(),
            require_signature: self.require_signature.is_some(),
            interval_secs: self
                .interval_secs
                .trim()
                .parse()
                .map_err(|_| "interval_secs")?,
            enabled: self.enabled.is_some(),
        })
    }
}

/// One of the three "lowest that goes on air" choices.
pub(super) struct Minimum {
    /// The field's name.
    pub(super) name: &'static str,
    /// Its label's message id.
    pub(super) label: &'static str,
    /// The CAP words, lowest first.
    pub(super) values: &'static [&'static str],
    /// The catalogue prefix of the words' names.
    pub(super) prefix: &'static str,
}

const MINIMUMS: [Minimum; 3] = [
    Minimum {
        name: "min_severity",
        label: "cap-min-severity",
        values: &SEVERITIES,
        prefix: "severity-",
    },
    Minimum {
        name: "min_urgency",
        label: "cap-min-urgency",
        values: &URGENCIES,
        prefix: "cap-urgency-",
    },
    Minimum {
        name: "min_certainty",
        label: "cap-min-certainty",
        values: &CERTAINTIES,
        prefix: "cap-certainty-",
    },
];

#[derive(Template)]
#[template(path = "console/cap_source.html")]
struct EditPage {
    c: Chrome,
    current: Option<AlertSource>,
    f: SourceForm,
    errors: FieldErrors,
    notice: Option<String>,
    minimums: &'static [Minimum],
}

impl EditPage {
    fn new(op: &Operator, current: Option<AlertSource>, f: SourceForm) -> EditPage {
        let mut c = Chrome::new(op, super::cap_sources::SECTION, "cap-add");
        if let Some(s) = &current {
            c.title = s.input.name.clone();
        }
        EditPage {
            c,
            current,
            f,
            errors: FieldErrors::default(),
            notice: None,
            minimums: &MINIMUMS,
        }
    }

    fn action(&self) -> String {
        match &self.current {
            Some(s) => format!("/console/alerts/sources/{}", s.id),
            None => "/console/alerts/sources".into(),
        }
    }

    /// The current value of a minimum's field.
    fn minimum(&self, name: &str) -> &str {
        match name {
            "min_urgency" => &self.f.min_urgency,
            "min_certainty" => &self.f.min_certainty,
            _ => &self.f.min_severity,
        }
    }

    fn outcome(&self, s: &AlertSource) -> String {
        self.c.tr.get(&format!("cap-outcome-{}", s.last_outcome))
    }
}

fn may_manage(op: &Operator) -> Result<(), Failure> {
    op.actor
        .require(&[Role::Admin, Role::Operator])
        .lang(op.tr())
}

/// `GET /console/alerts/sources/new`.
async fn new_form(op: Operator) -> PageResult {
    may_manage(&op)?;
    Ok(page(&EditPage::new(&op, None, SourceForm::blank())))
}

/// `GET /console/alerts/sources/{id}`.
async fn edit_form(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    may_manage(&op)?;
    let s = pages.app.cap_source(&op.actor, &id).await.lang(op.tr())?;
    let f = SourceForm::of(&s);
    Ok(page(&EditPage::new(&op, Some(s), f)))
}

/// The form field an application field (`area.geocodes[2].value`, …) is shown beside.
fn form_field(field: &str) -> &'static str {
    match field {
        "url" => "url",
        "min_severity" => "min_severity",
        "min_urgency" => "min_urgency",
        "min_certainty" => "min_certainty",
        "moderation" => "moderation",
        "interval_secs" => "interval_secs",
        f if f.starts_with("area") || f == "geocodes" => "geocodes",
        _ => "name",
    }
}

/// The form again with the refusal beside its field (400, 409 or 412), or the error page.
fn refused(
    op: &Operator,
    current: Option<AlertSource>,
    mut f: SourceForm,
    e: AppError,
) -> PageResult {
    let tr = op.tr();
    let (e, members) = e.split_members();
    let mut p_notice = None;
    let mut errors = FieldErrors::default();
    let status = if let AppError::Stale { current } = e {
        p_notice = Some(tr.get("cap-stale"));
        f.version = current;
        StatusCode::PRECONDITION_FAILED
    } else if matches!(e, AppError::Invalid { .. } | AppError::Conflict { .. }) {
        let field = form_field(members.get("field").and_then(|v| v.as_str()).unwrap_or(""));
        let id = format!("cap-field-{}", e.code());
        let detail = PageError::from_app(e);
        // The application's message names the line or value; keep it after the reader's text.
        let message = if crate::i18n::Catalogue::get().has(tr.lang, &id) {
            format!("{} ({})", tr.get(&id), detail.detail)
        } else {
            detail.message(tr)
        };
        errors.0.push((field, message));
        StatusCode::BAD_REQUEST
    } else {
        return Err(Failure(tr, PageError::from_app(e)));
    };
    let mut p = EditPage::new(op, current, f);
    p.notice = p_notice;
    p.errors = errors;
    Ok(render(status, &p))
}

/// The form again with a field that could not be read.
fn unreadable(
    op: &Operator,
    current: Option<AlertSource>,
    f: SourceForm,
    field: &'static str,
) -> PageResult {
    let mut p = EditPage::new(op, current, f);
    p.errors
        .0
        .push((field, op.tr().get(&format!("cap-field-unreadable-{field}"))));
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

/// `POST /console/alerts/sources`.
pub(super) async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(f): Form<SourceForm>,
) -> PageResult {
    op.check_csrf(&f.csrf).lang(op.tr())?;
    let input = match f.input() {
        Ok(i) => i,
        Err(field) => return unreadable(&op, None, f, field),
    };
    match pages.app.create_cap_source(&op.actor, &input).await {
        Ok(s) => Ok(
            Redirect::to(&format!("/console/alerts/sources?saved=1#s-{}", s.id)).into_response(),
        ),
        Err(e) => refused(&op, None, f, e),
    }
}

/// `POST /console/alerts/sources/{id}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<SourceForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.cap_source(&op.actor, &id).await.lang(tr)?;
    let input = match f.input() {
        Ok(i) => i,
        Err(field) => return unreadable(&op, Some(current), f, field),
    };
    let at = Some(f.version).filter(|v| *v > 0);
    match pages
        .app
        .update_cap_source(&op.actor, &id, &input, at)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/console/alerts/sources?saved=1#s-{id}")).into_response())
        }
        Err(e) => refused(&op, Some(current), f, e),
    }
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// `POST /console/alerts/sources/{id}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let current = pages.app.cap_source(&op.actor, &id).await.lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_cap_source(&op.actor, &id, at).await {
        Ok(()) => Ok(Redirect::to("/console/alerts/sources?deleted=1").into_response()),
        Err(e) => {
            let f = SourceForm::of(&current);
            refused(&op, Some(current), f, e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_reads_back_from_its_form() {
        let mut f = SourceForm::blank();
        f.name = " Met ".into();
        f.url = "https://example.org/cap.atom".into();
        f.geocodes = "EMMA_ID = DE4*\n\n  NUTS3=DE111 \n".into();
        f.require_signature = on(true);
        let i = f.input().unwrap();
        assert_eq!(i.name, "Met");
        assert_eq!(i.area.geocodes.len(), 2);
        assert_eq!(i.area.geocodes[0].value, "DE4*");
        assert_eq!(i.area.geocodes[1].value_name, "NUTS3");
        assert!(i.require_signature && i.enabled && !i.area.everywhere);
        f.geocodes = "EMMA_ID DE4".into();
        assert_eq!(f.input().unwrap_err(), "geocodes");
        f.geocodes.clear();
        f.interval_secs = "soon".into();
        assert_eq!(f.input().unwrap_err(), "interval_secs");
        assert_eq!(form_field("area.geocodes[3].value"), "geocodes");
    }
}
