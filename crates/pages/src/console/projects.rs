//! The cooperation catalogue in the console (admins and operators, the app's `MANAGERS`): the projects list
//! (filters: status, field, district) and the project editor — titles, summaries and descriptions in ru/en/zh,
//! district, partner cities and countries, fields, themes, status, dates, organisations with roles, contact,
//! media and related news — saved with the version it was read at (a stale form keeps what was typed).

use super::project_form::{refusal, role_name, Errors, ProjectForm};
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::AppError;
use twincast_core::cooperation::{OrgRole, Project, Selection, Status, Theme};
use twincast_store::{NewsFilter, PageRequest};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/projects", get(list).post(create))
        .route("/console/projects/new", get(new_form))
        .route("/console/projects/{slug}", get(edit_form).post(update))
        .route("/console/projects/{slug}/delete", post(delete))
}

/// The catalogue's managers (the app checks again).
pub(super) fn manager(op: &Operator) -> Result<(), Failure> {
    op.actor
        .require(&twincast_app::cooperation::MANAGERS)
        .lang(op.tr())
}

#[derive(Debug, Default, Clone, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    district: String,
}

#[derive(Template)]
#[template(path = "console/projects.html")]
struct ListPage {
    c: Chrome,
    q: ListQuery,
    rows: Vec<Project>,
    total: usize,
    statuses: Vec<&'static str>,
    fields: Vec<(String, String)>,
    districts: Vec<(String, String)>,
}

impl ListPage {
    fn title(&self, p: &Project) -> String {
        p.data.title.get(self.c.tr.lang.tag()).to_string()
    }
    fn district(&self, p: &Project) -> String {
        p.data.district_name.get(self.c.tr.lang.tag()).to_string()
    }
}

/// `GET /console/projects`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    manager(&op)?;
    let keep = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let selection = Selection {
        field: keep(&q.field),
        district: keep(&q.district),
        country: None,
        status: Status::parse(q.status.trim()),
    };
    let all = pages.app.catalogue(&Selection::default()).await.lang(tr)?;
    let lang = tr.lang.tag();
    let mut districts: Vec<(String, String)> = all
        .items
        .iter()
        .map(|p| {
            (
                p.data.district.clone(),
                p.data.district_name.get(lang).to_string(),
            )
        })
        .collect();
    districts.sort();
    districts.dedup_by(|a, b| a.0 == b.0);
    let cat = pages.app.catalogue(&selection).await.lang(tr)?;
    let fields = field_names(&pages, &op).await?;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "projects", "coop-title"),
        q,
        rows: cat.items,
        total: cat.total,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        fields,
        districts,
    }))
}

async fn field_names(pages: &Pages, op: &Operator) -> Result<Vec<(String, String)>, Failure> {
    let lang = op.tr().lang.tag();
    Ok(pages
        .app
        .coop_fields()
        .await
        .lang(op.tr())?
        .into_iter()
        .map(|f| {
            let name = f.data.names.get(lang).to_string();
            (f.data.slug, name)
        })
        .collect())
}

type Choice = (String, String);

#[derive(Template)]
#[template(path = "console/project.html")]
struct EditPage {
    c: Chrome,
    current: Option<Project>,
    f: ProjectForm,
    errors: Errors,
    notice: Option<String>,
    fields: Vec<Choice>,
    partners: Vec<Choice>,
    media: Vec<Choice>,
    news: Vec<Choice>,
    themes: Vec<&'static str>,
    statuses: Vec<&'static str>,
    roles: Vec<&'static str>,
}

impl EditPage {
    fn action(&self) -> String {
        match &self.current {
            Some(p) => format!("/console/projects/{}", p.data.slug),
            None => "/console/projects".into(),
        }
    }

    /// The text of a per-language field as typed.
    fn loc(&self, field: &str, lang: &str) -> String {
        let l = match field {
            "title" => &self.f.title,
            "summary" => &self.f.summary,
            "description" => &self.f.description,
            _ => &self.f.district_name,
        };
        l.get(lang).to_string()
    }

    /// The error of `field.lang`.
    fn err_of(&self, field: &str, lang: &str) -> Option<&str> {
        self.errors.of(&format!("{field}.{lang}"))
    }

    /// The error of organisation row `i`'s `name`.
    fn org_err(&self, i: &usize, name: &str) -> Option<&str> {
        self.errors.of(&format!("organisations.{i}.{name}"))
    }

    /// The pickers of related items: (form name, label, choices).
    fn pickers(&self) -> Vec<(&'static str, String, &Vec<Choice>)> {
        vec![
            (
                "fields",
                self.c.t("coop-field-fields").into_owned(),
                &self.fields,
            ),
            (
                "partners",
                self.c.t("coop-field-partners").into_owned(),
                &self.partners,
            ),
            (
                "media",
                self.c.t("desk-field-media").into_owned(),
                &self.media,
            ),
            ("news", self.c.t("coop-field-news").into_owned(), &self.news),
        ]
    }

    fn lang_name(&self, tag: &str) -> &'static str {
        crate::i18n::Lang::parse(tag)
            .map(|l| l.endonym())
            .unwrap_or("")
    }

    async fn build(
        pages: &Pages,
        op: &Operator,
        current: Option<Project>,
        f: ProjectForm,
    ) -> Result<EditPage, Failure> {
        let tr = op.tr();
        let lang = tr.lang.tag();
        let mut c = Chrome::new(op, "projects", "coop-new-title");
        if let Some(p) = &current {
            c.title = p.data.title.get(lang).to_string();
        }
        let partners = pages
            .app
            .list_partners(
                None,
                None,
                &PageRequest {
                    limit: 200,
                    cursor: None,
                },
            )
            .await
            .lang(tr)?
            .items
            .into_iter()
            .map(|p| {
                let name = p.names.get(lang).cloned().unwrap_or_else(|| p.slug.clone());
                (p.slug, name)
            })
            .collect();
        let media = pages
            .app
            .media_library(
                &op.actor,
                &Default::default(),
                &PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await
            .lang(tr)?
            .items
            .into_iter()
            .map(|m| {
                (
                    m.media.id,
                    format!("{} ({})", m.media.original_name, m.media.kind),
                )
            })
            .collect();
        let news = pages
            .app
            .list_news(
                &op.actor,
                &NewsFilter::default(),
                &PageRequest {
                    limit: 100,
                    cursor: None,
                },
            )
            .await
            .lang(tr)?
            .items
            .into_iter()
            .map(|v| {
                let a = v.article;
                let h = a
                    .versions
                    .get(lang)
                    .or_else(|| a.versions.values().next())
                    .map(|x| x.headline.clone())
                    .unwrap_or_default();
                (a.id, h)
            })
            .collect();
        Ok(EditPage {
            c,
            current,
            f,
            errors: Errors::default(),
            notice: None,
            fields: field_names(pages, op).await?,
            partners,
            media,
            news,
            themes: Theme::ALL.iter().map(|t| t.as_str()).collect(),
            statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
            roles: [
                OrgRole::Funding,
                OrgRole::Accountable,
                OrgRole::Extending,
                OrgRole::Implementing,
            ]
            .into_iter()
            .map(role_name)
            .collect(),
        })
    }
}

/// `GET /console/projects/new`.
async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    manager(&op)?;
    Ok(page(
        &EditPage::build(&pages, &op, None, ProjectForm::empty()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
struct Saved {
    saved: Option<String>,
}

/// `GET /console/projects/{slug}`.
async fn edit_form(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Query(s): Query<Saved>,
) -> PageResult {
    manager(&op)?;
    let p = pages.app.project(&slug).await.lang(op.tr())?;
    let f = ProjectForm::of(&p.data, p.version);
    let mut page_ = EditPage::build(&pages, &op, Some(p), f).await?;
    if s.saved.is_some() {
        page_.notice = Some(op.tr().get("coop-saved"));
    }
    Ok(page(&page_))
}

/// `POST /console/projects`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = ProjectForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    manager(&op)?;
    let mut errors = Errors::default();
    if let Some(input) = f.input(tr, &mut errors) {
        match pages.app.create_project(&op.actor, &input).await {
            Ok(p) => {
                return Ok(
                    Redirect::to(&format!("/console/projects/{}?saved=1", p.data.slug))
                        .into_response(),
                )
            }
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = EditPage::build(&pages, &op, None, f).await?;
    p.errors = errors;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

/// `POST /console/projects/{slug}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let mut f = ProjectForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    manager(&op)?;
    let current = pages.app.project(&slug).await.lang(tr)?;
    let mut errors = Errors::default();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    // The slug names the project: it is not changed from this form.
    f.slug = current.data.slug.clone();
    if let Some(input) = f.input(tr, &mut errors) {
        let at = Some(f.version).filter(|v| *v > 0);
        match pages.app.update_project(&op.actor, &slug, &input, at).await {
            Ok(p) => {
                return Ok(
                    Redirect::to(&format!("/console/projects/{}?saved=1", p.data.slug))
                        .into_response(),
                )
            }
            Err(AppError::Stale { current: now }) => {
                notice = Some(tr.get("coop-stale"));
                f.version = now;
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = EditPage::build(&pages, &op, Some(current), f).await?;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    version: i64,
}

/// `POST /console/projects/{slug}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_project(&op.actor, &slug, at).await {
        Ok(()) => Ok(Redirect::to("/console/projects?deleted=1").into_response()),
        Err(AppError::Stale { .. }) => {
            let current = pages.app.project(&slug).await.lang(tr)?;
            let f = ProjectForm::of(&current.data, current.version);
            let mut p = EditPage::build(&pages, &op, Some(current), f).await?;
            p.notice = Some(tr.get("coop-stale-delete"));
            Ok(render(StatusCode::PRECONDITION_FAILED, &p))
        }
        Err(e) => Err(Failure(tr, PageError::from_app(e))),
    }
}
