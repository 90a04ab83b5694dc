//! The news desk's wire sources: `/console/news/sources` (news editors and admins): the list with each source's
//! last poll, outcome and error, "poll now", and the form to add or change a source (with its field errors).

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
use twincast_core::news::wire::Format;
use twincast_core::news::{LANGS, RUBRICS};
use twincast_store::{WireSource, WireSourceInput};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/news/sources", get(list).post(create))
        .route("/console/news/sources/new", get(new_form))
        .route("/console/news/sources/{id}", get(edit_form).post(update))
        .route("/console/news/sources/{id}/poll", post(poll))
        .route("/console/news/sources/{id}/delete", post(delete))
}

/// The section key (the desk's "News" section, when the console has one).
const SECTION: &str = "news-sources";

#[derive(Template)]
#[template(path = "console/news_sources.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<WireSource>,
    notice: Option<String>,
}

impl ListPage {
    /// The outcome's name.
    fn outcome(&self, s: &WireSource) -> String {
        self.c.tr.get(&format!("wire-outcome-{}", s.last_outcome))
    }

    /// An error code's name in the page's language (the code itself when the catalogue has no name for it).
    fn problem(&self, code: &str) -> String {
        let id = format!("wire-error-{code}");
        if crate::i18n::Catalogue::get().has(self.c.tr.lang, &id) {
            self.c.tr.get(&id)
        } else {
            code.to_string()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    saved: Option<String>,
    deleted: Option<String>,
    polled: Option<String>,
}

/// `GET /console/news/sources`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let rows = pages.app.wire_sources(&op.actor).await.lang(tr)?;
    let notice = if q.polled.is_some() {
        Some(tr.get("wire-polled"))
    } else if q.saved.is_some() {
        Some(tr.get("wire-saved"))
    } else if q.deleted.is_some() {
        Some(tr.get("wire-deleted"))
    } else {
        None
    };
    Ok(page(&ListPage {
        c: Chrome::new(&op, SECTION, "wire-title"),
        rows,
        notice,
    }))
}

/// The form as typed.
#[derive(Debug, Default, Deserialize)]
struct SourceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    rubric: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    moderation: String,
    #[serde(default)]
    interval_min: String,
    #[serde(default)]
    enabled: Option<String>,
}

impl SourceForm {
    fn of(s: &WireSource) -> SourceForm {
        SourceForm {
            csrf: String::new(),
            version: s.version,
            name: s.input.name.clone(),
            url: s.input.url.clone(),
            format: s.input.format.clone(),
            lang: s.input.lang.clone(),
            rubric: s.input.rubric.clone(),
            tags: s.input.tags.join(", "),
            moderation: s.input.moderation.clone(),
            interval_min: (s.input.interval_secs / 60).to_string(),
            enabled: s.input.enabled.then(|| "on".into()),
        }
    }

    fn blank() -> SourceForm {
        SourceForm {
            format: "auto".into(),
            rubric: "world".into(),
            moderation: "review".into(),
            interval_min: "15".into(),
            enabled: Some("on".into()),
            ..SourceForm::default()
        }
    }

    /// The input, or the field whose text is not even a number.
    fn input(&self) -> Result<WireSourceInput, &'static str> {
        let minutes: i64 = self
            .interval_min
            .trim()
            .parse()
            .map_err(|_| "interval_secs")?;
        Ok(WireSourceInput {
            name: self.name.trim().to_string(),
            url: self.url.trim().to_string(),
            format: self.format.clone(),
            lang: self.lang.clone(),
            rubric: self.rubric.clone(),
            tags: self
                .tags
                .split([',', '，', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            moderation: self.moderation.clone(),
            interval_secs: minutes.saturating_mul(60),
            enabled: self.enabled.is_some(),
        })
    }
}

#[derive(Template)]
#[template(path = "console/news_source.html")]
struct EditPage {
    c: Chrome,
    current: Option<WireSource>,
    f: SourceForm,
    errors: FieldErrors,
    notice: Option<String>,
    formats: Vec<&'static str>,
    langs: Vec<&'static str>,
    /// Rubrics as (slug, name in the page's language).
    rubrics: Vec<(&'static str, String)>,
}

impl EditPage {
    fn new(op: &Operator, current: Option<WireSource>, f: SourceForm) -> EditPage {
        let tr = op.tr();
        let mut c = Chrome::new(op, SECTION, "wire-new-title");
        if let Some(s) = &current {
            c.title = s.input.name.clone();
        }
        EditPage {
            c,
            current,
            f,
            errors: FieldErrors::default(),
            notice: None,
            formats: Format::ALL.to_vec(),
            langs: LANGS.to_vec(),
            rubrics: RUBRICS
                .iter()
                .map(|r| (r.slug, r.name(tr.lang.tag()).to_string()))
                .collect(),
        }
    }

    fn action(&self) -> String {
        match &self.current {
            Some(s) => format!("/console/news/sources/{}", s.id),
            None => "/console/news/sources".into(),
        }
    }
}

/// `GET /console/news/sources/new`.
async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    // The list says whether this account may manage sources (403 otherwise).
    pages.app.wire_sources(&op.actor).await.lang(op.tr())?;
    Ok(page(&EditPage::new(&op, None, SourceForm::blank())))
}

/// `GET /console/news/sources/{id}`.
async fn edit_form(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    let s = pages.app.wire_source(&op.actor, &id).await.lang(op.tr())?;
    let f = SourceForm::of(&s);
    Ok(page(&EditPage::new(&op, Some(s), f)))
}

/// The field a refusal is about.
fn field_of(code: &str) -> &'static str {
    match code {
        "invalid-url" => "url",
        "invalid-format" => "format",
        "invalid-language" => "lang",
        "invalid-rubric" => "rubric",
        "invalid-tag" => "tags",
        "invalid-moderation" => "moderation",
        "invalid-interval" => "interval_secs",
        _ => "name",
    }
}

/// The form again with the refusal beside its field (400, 409 or 412), or the error page.
fn refused(
    op: &Operator,
    current: Option<WireSource>,
    mut f: SourceForm,
    e: AppError,
) -> PageResult {
    let tr = op.tr();
    let (e, _) = e.split_members();
    let mut errors = FieldErrors::default();
    let mut notice = None;
    let status = if let AppError::Stale { current } = e {
        notice = Some(tr.get("wire-stale"));
        f.version = current;
        StatusCode::PRECONDITION_FAILED
    } else if matches!(e, AppError::Invalid { .. } | AppError::Conflict { .. }) {
        let code = e.code();
        let id = format!("wire-field-{code}");
        let message = if crate::i18n::Catalogue::get().has(tr.lang, &id) {
            tr.get(&id)
        } else {
            PageError::from_app(e).message(tr)
        };
        errors.0.push((field_of(code), message));
        StatusCode::BAD_REQUEST
    } else {
        return Err(Failure(tr, PageError::from_app(e)));
    };
    let mut p = EditPage::new(op, current, f);
    p.notice = notice;
    p.errors = errors;
    Ok(render(status, &p))
}

fn not_a_number(op: &Operator, current: Option<WireSource>, f: SourceForm) -> PageResult {
    let mut p = EditPage::new(op, current, f);
    p.errors
        .0
        .push(("interval_secs", op.tr().get("wire-field-invalid-interval")));
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

/// `POST /console/news/sources`.
async fn create(State(pages): State<Pages>, op: Operator, Form(f): Form<SourceForm>) -> PageResult {
    op.check_csrf(&f.csrf).lang(op.tr())?;
    let Ok(input) = f.input() else {
        return not_a_number(&op, None, f);
    };
    match pages.app.create_wire_source(&op.actor, &input).await {
        Ok(_) => Ok(Redirect::to("/console/news/sources?saved=1").into_response()),
        Err(e) => refused(&op, None, f, e),
    }
}

/// `POST /console/news/sources/{id}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<SourceForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.wire_source(&op.actor, &id).await.lang(tr)?;
    let Ok(input) = f.input() else {
        return not_a_number(&op, Some(current), f);
    };
    let at = Some(f.version).filter(|v| *v > 0);
    match pages
        .app
        .update_wire_source(&op.actor, &id, &input, at)
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/news/sources?saved=1").into_response()),
        Err(e) => refused(&op, Some(current), f, e),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// `POST /console/news/sources/{id}/poll`: polls now, then back to the list with its outcome.
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
        .poll_wire_source_now(&op.actor, &id)
        .await
        .lang(tr)?;
    Ok(Redirect::to(&format!("/console/news/sources?polled={id}#s-{id}")).into_response())
}

/// `POST /console/news/sources/{id}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let current = pages.app.wire_source(&op.actor, &id).await.lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_wire_source(&op.actor, &id, at).await {
        Ok(()) => Ok(Redirect::to("/console/news/sources?deleted=1").into_response()),
        Err(e) => {
            let f = SourceForm::of(&current);
            refused(&op, Some(current), f, e)
        }
    }
}
