//! The field vocabulary of the cooperation catalogue (`/console/project-fields`, admins and operators): each
//! field's names in ru/en/zh with its OECD DAC purpose codes and UN SDG goals (the IATI export's sectors and
//! tags), edited one form per field; a field is added with a slug that cannot change later; deleting one a
//! project uses is refused, naming the projects.

use super::project_form::{form_field, message, Errors};
use super::projects::manager;
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::AppError;
use twincast_core::cooperation::{Field, FieldInput, Localized};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/project-fields", get(list).post(create))
        .route("/console/project-fields/{slug}", post(update))
        .route("/console/project-fields/{slug}/delete", post(delete))
}

/// One field's form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct FieldForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default, rename = "names.ru")]
    ru: String,
    #[serde(default, rename = "names.en")]
    en: String,
    #[serde(default, rename = "names.zh")]
    zh: String,
    #[serde(default)]
    dac: String,
    #[serde(default)]
    sdg: String,
    #[serde(default)]
    version: i64,
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
}

impl FieldForm {
    fn of(f: &Field) -> FieldForm {
        FieldForm {
            csrf: String::new(),
            slug: f.data.slug.clone(),
            ru: f.data.names.ru.clone(),
            en: f.data.names.en.clone(),
            zh: f.data.names.zh.clone(),
            dac: join(&f.data.dac),
            sdg: join(&f.data.sdg),
            version: f.version,
        }
    }

    fn input(&self, tr: crate::i18n::Tr, errors: &mut Errors) -> Option<FieldInput> {
        fn numbers<T: std::str::FromStr>(s: &str) -> Option<Vec<T>> {
            s.split([',', '，', ';', ' '])
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| x.parse().ok())
                .collect()
        }
        let dac = numbers::<u32>(&self.dac);
        if dac.is_none() {
            errors.add("dac", tr.get("coop-err-invalid-dac"));
        }
        let sdg = numbers::<u8>(&self.sdg);
        if sdg.is_none() {
            errors.add("sdg", tr.get("coop-err-invalid-sdg"));
        }
        Some(FieldInput {
            slug: self.slug.trim().to_string(),
            names: Localized {
                ru: self.ru.trim().to_string(),
                en: self.en.trim().to_string(),
                zh: self.zh.trim().to_string(),
            },
            dac: dac?,
            sdg: sdg?,
        })
    }
}

#[derive(Template)]
#[template(path = "console/project_fields.html")]
struct FieldsPage {
    c: Chrome,
    /// Every field's form (the one refused as typed).
    rows: Vec<FieldForm>,
    /// The new field's form.
    new: FieldForm,
    /// Whose form the errors belong to (slug; empty = the new one).
    errors_of: Option<String>,
    errors: Errors,
    notice: Option<String>,
}

impl FieldsPage {
    /// The error of `field` in the form of `slug`.
    fn err(&self, slug: &str, field: &str) -> Option<&str> {
        match &self.errors_of {
            Some(s) if s == slug => self.errors.of(field),
            _ => None,
        }
    }

    /// `slug`'s id prefix in the page (`new` for the new field).
    fn pre(&self, slug: &str) -> String {
        if slug.is_empty() {
            "new".into()
        } else {
            format!("f-{slug}")
        }
    }
}

async fn build(pages: &Pages, op: &Operator) -> Result<FieldsPage, Failure> {
    let rows = pages
        .app
        .coop_fields()
        .await
        .lang(op.tr())?
        .iter()
        .map(FieldForm::of)
        .collect();
    Ok(FieldsPage {
        c: Chrome::new(op, "projects", "coop-fields-title"),
        rows,
        new: FieldForm::default(),
        errors_of: None,
        errors: Errors::default(),
        notice: None,
    })
}

/// `GET /console/project-fields`.
async fn list(
    State(pages): State<Pages>,
    op: Operator,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    manager(&op)?;
    let mut p = build(&pages, &op).await?;
    let q = q.unwrap_or_default();
    if q.contains("saved=1") {
        p.notice = Some(op.tr().get("coop-saved"));
    } else if q.contains("deleted=1") {
        p.notice = Some(op.tr().get("coop-deleted"));
    }
    Ok(page(&p))
}

fn refusal(errors: &mut Errors, e: AppError, tr: crate::i18n::Tr) -> Result<(), PageError> {
    let code = e.code();
    let (inner, members) = e.split_members();
    if let Some(list) = members.get("errors").and_then(|v| v.as_array()) {
        for x in list {
            let s = |k: &str| x[k].as_str().unwrap_or("").to_string();
            errors.add(
                &form_field(&s("field")),
                message(&s("code"), &s("message"), tr),
            );
        }
        return Ok(());
    }
    match (&inner, code) {
        (AppError::Conflict { .. }, "conflict") => errors.add("slug", tr.get("adm-slug-taken")),
        (AppError::Conflict { .. }, "field-in-use") => {
            let used: Vec<String> = members
                .get("projects")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            errors.add(
                "delete",
                tr.arg("coop-field-in-use", "projects", used.join(", ")),
            );
        }
        _ => return Err(PageError::from_app(inner)),
    }
    Ok(())
}

/// `POST /console/project-fields`: a new field.
async fn create(State(pages): State<Pages>, op: Operator, Form(f): Form<FieldForm>) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    manager(&op)?;
    let mut errors = Errors::default();
    if let Some(input) = f.input(tr, &mut errors) {
        match pages.app.create_coop_field(&op.actor, &input).await {
            Ok(_) => return Ok(Redirect::to("/console/project-fields?saved=1").into_response()),
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = build(&pages, &op).await?;
    p.new = f;
    p.errors_of = Some(String::new());
    p.errors = errors;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

/// `POST /console/project-fields/{slug}`: names and codes, with the version shown.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(mut f): Form<FieldForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    manager(&op)?;
    f.slug = slug.clone();
    let mut errors = Errors::default();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    if let Some(input) = f.input(tr, &mut errors) {
        let at = Some(f.version).filter(|v| *v > 0);
        match pages
            .app
            .update_coop_field(&op.actor, &slug, &input, at)
            .await
        {
            Ok(_) => return Ok(Redirect::to("/console/project-fields?saved=1").into_response()),
            Err(AppError::Stale { current }) => {
                notice = Some(tr.get("coop-stale"));
                f.version = current;
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = build(&pages, &op).await?;
    for r in p.rows.iter_mut().filter(|r| r.slug == slug) {
        *r = f.clone();
    }
    p.errors_of = Some(slug);
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    version: i64,
}

/// `POST /console/project-fields/{slug}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    manager(&op)?;
    let at = Some(d.version).filter(|v| *v > 0);
    let mut errors = Errors::default();
    let status = match pages.app.delete_coop_field(&op.actor, &slug, at).await {
        Ok(()) => return Ok(Redirect::to("/console/project-fields?deleted=1").into_response()),
        Err(AppError::Stale { .. }) => {
            errors.add("delete", tr.get("coop-stale-delete"));
            StatusCode::PRECONDITION_FAILED
        }
        Err(e) => {
            refusal(&mut errors, e, tr).lang(tr)?;
            StatusCode::CONFLICT
        }
    };
    let mut p = build(&pages, &op).await?;
    p.errors_of = Some(slug);
    p.errors = errors;
    Ok(render(status, &p))
}
