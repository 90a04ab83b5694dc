//! The expressions-of-interest inbox (`/console/interests`, admins and operators — the app's `MANAGERS`; the app
//! scopes the inbox to no partner, so partner-editors have no inbox): newest first, filtered by status and
//! project; an expression's page with what was sent, when it was e-mailed and when it is deleted, and its status
//! (new → forwarded → closed) changed with the version shown.

use super::projects::manager;
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
use std::collections::BTreeMap;
use twincast_app::AppError;
use twincast_core::cooperation::InterestStatus;
use twincast_store::Interest;

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/interests", get(list))
        .route("/console/interests/{id}", get(show))
        .route("/console/interests/{id}/status", post(set_status))
}

const STATUSES: [&str; 3] = ["new", "forwarded", "closed"];

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    project: String,
}

#[derive(Template)]
#[template(path = "console/interests.html")]
struct ListPage {
    c: Chrome,
    q: ListQuery,
    rows: Vec<Interest>,
    /// Project id → (slug, title in the page's language).
    projects: BTreeMap<String, (String, String)>,
    statuses: [&'static str; 3],
}

impl ListPage {
    fn project_title(&self, id: &str) -> String {
        self.projects
            .get(id)
            .map(|p| p.1.clone())
            .unwrap_or_default()
    }
}

async fn project_names(
    pages: &Pages,
    op: &Operator,
) -> Result<BTreeMap<String, (String, String)>, Failure> {
    let lang = op.tr().lang.tag();
    Ok(pages
        .app
        .catalogue(&Default::default())
        .await
        .lang(op.tr())?
        .items
        .into_iter()
        .map(|p| {
            (
                p.id,
                (p.data.slug.clone(), p.data.title.get(lang).to_string()),
            )
        })
        .collect())
}

/// `GET /console/interests`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    manager(&op)?;
    let status = InterestStatus::parse(q.status.trim());
    let project = Some(q.project.trim()).filter(|p| !p.is_empty());
    let rows = pages
        .app
        .interest_inbox(&op.actor, status, project)
        .await
        .lang(tr)?;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "interests", "coop-interests-title"),
        projects: project_names(&pages, &op).await?,
        q,
        rows,
        statuses: STATUSES,
    }))
}

#[derive(Template)]
#[template(path = "console/interest.html")]
struct ItemPage {
    c: Chrome,
    i: Interest,
    project: Option<(String, String)>,
    statuses: [&'static str; 3],
    notice: Option<String>,
    error: Option<String>,
}

async fn item_page(pages: &Pages, op: &Operator, i: Interest) -> Result<ItemPage, Failure> {
    let mut projects = project_names(pages, op).await?;
    let mut c = Chrome::new(op, "interests", "coop-interest-title");
    c.title = format!("{} — {}", c.title, i.data.organisation);
    Ok(ItemPage {
        c,
        project: projects.remove(&i.project_id),
        i,
        statuses: STATUSES,
        notice: None,
        error: None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct Saved {
    saved: Option<String>,
}

/// `GET /console/interests/{id}`.
async fn show(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Query(s): Query<Saved>,
) -> PageResult {
    manager(&op)?;
    let i = pages.app.interest(&op.actor, &id).await.lang(op.tr())?;
    let mut p = item_page(&pages, &op, i).await?;
    if s.saved.is_some() {
        p.notice = Some(op.tr().get("coop-saved"));
    }
    Ok(page(&p))
}

#[derive(Debug, Deserialize)]
struct StatusForm {
    csrf: String,
    status: String,
    version: i64,
}

/// `POST /console/interests/{id}/status`.
async fn set_status(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    manager(&op)?;
    let (error, status) = match InterestStatus::parse(f.status.trim()) {
        None => (tr.get("coop-err-choose"), StatusCode::BAD_REQUEST),
        Some(s) => {
            let at = Some(f.version).filter(|v| *v > 0);
            match pages.app.set_interest_status(&op.actor, &id, s, at).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/console/interests/{id}?saved=1")).into_response()
                    )
                }
                Err(AppError::Stale { .. }) => (
                    tr.get("coop-interest-stale"),
                    StatusCode::PRECONDITION_FAILED,
                ),
                Err(e) => return Err(Failure(tr, PageError::from_app(e))),
            }
        }
    };
    let i = pages.app.interest(&op.actor, &id).await.lang(tr)?;
    let mut p = item_page(&pages, &op, i).await?;
    p.error = Some(error);
    Ok(render(status, &p))
}
