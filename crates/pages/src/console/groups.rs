//! Screen groups: list, create, edit name and members (with the version the form was read at), delete. Members
//! are kept as checkboxes; screens join from a search of the fleet (a multiple select).

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
use twincast_app::places::ScreenListQuery;
use twincast_app::AppError;
use twincast_store::{PageRequest, Role, ScreenGroup, ScreenGroupInput};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/groups", get(list).post(create))
        .route("/console/groups/new", get(new_form))
        .route("/console/groups/{slug}", get(edit_form).post(update))
        .route("/console/groups/{slug}/delete", post(delete))
}

fn can_edit(op: &Operator) -> bool {
    matches!(op.actor.user.role, Role::Admin | Role::Operator)
}

#[derive(Template)]
#[template(path = "console/groups.html")]
struct ListPage {
    c: Chrome,
    q: String,
    rows: Vec<ScreenGroup>,
    next: Option<String>,
    first: bool,
    can_edit: bool,
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    after: Option<String>,
}

/// `GET /console/groups`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let text = q.q.clone().unwrap_or_default().trim().to_string();
    let after = q.after.clone().filter(|a| !a.is_empty());
    let p = pages
        .app
        .list_groups(
            &op.actor,
            Some(text.as_str()).filter(|t| !t.is_empty()),
            None,
            &PageRequest {
                limit: 50,
                cursor: after.clone(),
            },
        )
        .await
        .lang(tr)?;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "locations", "groups-title"),
        q: text,
        rows: p.items,
        next: p.next_cursor,
        first: after.is_some(),
        can_edit: can_edit(&op),
    }))
}

/// The group form as typed: `csrf`, `slug`, `name`, `version` and `screens` (repeated).
#[derive(Debug, Default)]
struct GroupForm {
    csrf: String,
    slug: String,
    name: String,
    version: i64,
    screens: Vec<String>,
}

impl GroupForm {
    fn parse(pairs: Vec<(String, String)>) -> GroupForm {
        let mut f = GroupForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "slug" => f.slug = v,
                "name" => f.name = v,
                "version" => f.version = v.trim().parse().unwrap_or(0),
                "screens" if !v.is_empty() && !f.screens.contains(&v) => f.screens.push(v),
                _ => {}
            }
        }
        f
    }

    fn of(g: &ScreenGroup) -> GroupForm {
        GroupForm {
            csrf: String::new(),
            slug: g.slug.clone(),
            name: g.name.clone(),
            version: g.version,
            screens: g.screens.clone(),
        }
    }

    fn input(&self) -> ScreenGroupInput {
        ScreenGroupInput {
            slug: self.slug.trim().to_string(),
            name: self.name.trim().to_string(),
            screens: self.screens.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/group.html")]
struct EditPage {
    c: Chrome,
    current: Option<ScreenGroup>,
    f: GroupForm,
    /// Members as (id, name).
    members: Vec<(String, String)>,
    /// Screens that may join, as (id, name, location).
    candidates: Vec<(String, String, String)>,
    q: String,
    errors: FieldErrors,
    notice: Option<String>,
    can_edit: bool,
}

impl EditPage {
    fn action(&self) -> String {
        match &self.current {
            Some(g) => format!("/console/groups/{}", g.slug),
            None => "/console/groups".into(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct EditQuery {
    q: Option<String>,
}

/// Members with their names (the first 500 looked up; more show their ids) and the search's candidates.
async fn edit_page(
    pages: &Pages,
    op: &Operator,
    current: Option<ScreenGroup>,
    f: GroupForm,
    q: &str,
) -> Result<EditPage, AppError> {
    let mut members = Vec::new();
    for (i, id) in f.screens.iter().enumerate() {
        let name = if i < 500 {
            match pages.app.screen(id).await {
                Ok(s) => s.view.screen.name,
                Err(_) => id.clone(),
            }
        } else {
            id.clone()
        };
        members.push((id.clone(), name));
    }
    let candidates = pages
        .app
        .list_screens(
            &ScreenListQuery {
                q: Some(q.to_string()).filter(|q| !q.trim().is_empty()),
                sort: Some("name".into()),
                ..Default::default()
            },
            &PageRequest {
                limit: 200,
                cursor: None,
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|s| !f.screens.contains(&s.view.screen.id))
        .map(|s| (s.view.screen.id, s.view.screen.name, s.view.location))
        .collect();
    let mut c = Chrome::new(op, "locations", "group-new-title");
    if let Some(g) = &current {
        c.title = g.name.clone();
    }
    Ok(EditPage {
        c,
        current,
        f,
        members,
        candidates,
        q: q.to_string(),
        errors: FieldErrors::default(),
        notice: None,
        can_edit: can_edit(op),
    })
}

/// `GET /console/groups/new`.
async fn new_form(
    State(pages): State<Pages>,
    op: Operator,
    Query(q): Query<EditQuery>,
) -> PageResult {
    let tr = op.tr();
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let p = edit_page(
        &pages,
        &op,
        None,
        GroupForm::default(),
        q.q.as_deref().unwrap_or(""),
    )
    .await
    .lang(tr)?;
    Ok(page(&p))
}

/// `GET /console/groups/{slug}`.
async fn edit_form(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Query(q): Query<EditQuery>,
) -> PageResult {
    let tr = op.tr();
    let g = pages.app.group(&op.actor, &slug).await.lang(tr)?;
    let f = GroupForm::of(&g);
    let p = edit_page(&pages, &op, Some(g), f, q.q.as_deref().unwrap_or(""))
        .await
        .lang(tr)?;
    Ok(page(&p))
}

fn field_of(code: &str) -> &'static str {
    match code {
        "invalid-slug" | "conflict" | "slug-immutable" => "slug",
        "unknown-screen" | "screen-retired" => "screens",
        _ => "name",
    }
}

/// `POST /console/groups`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = GroupForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let e = match pages.app.create_group(&op.actor, f.input()).await {
        Ok(g) => {
            return Ok(Redirect::to(&format!("/console/groups/{}?saved=1", g.slug)).into_response())
        }
        Err(e) => e,
    };
    refused(&pages, &op, None, f, e).await
}

/// The form again with the refusal next to its field (status 400, 409 or 412), or the error page.
async fn refused(
    pages: &Pages,
    op: &Operator,
    current: Option<ScreenGroup>,
    mut f: GroupForm,
    e: AppError,
) -> PageResult {
    let tr = op.tr();
    let mut errors = FieldErrors::default();
    let mut notice = None;
    let status = match &e {
        AppError::Stale { current } => {
            notice = Some(tr.get("group-stale"));
            f.version = *current;
            StatusCode::PRECONDITION_FAILED
        }
        AppError::Invalid { .. } | AppError::Conflict { .. } => {
            errors.0.push((field_of(e.code()), admin_message(e, tr)));
            StatusCode::BAD_REQUEST
        }
        _ => return Err(Failure(tr, PageError::from_app(e))),
    };
    let mut p = edit_page(pages, op, current, f, "").await.lang(tr)?;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

/// `POST /console/groups/{slug}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let mut f = GroupForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.group(&op.actor, &slug).await.lang(tr)?;
    f.slug = slug.clone();
    let at = Some(f.version).filter(|v| *v > 0);
    let e = match pages
        .app
        .update_group(&op.actor, &slug, f.input(), at)
        .await
    {
        Ok(g) => {
            return Ok(Redirect::to(&format!("/console/groups/{}?saved=1", g.slug)).into_response())
        }
        Err(e) => e,
    };
    refused(&pages, &op, Some(current), f, e).await
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    version: i64,
}

/// `POST /console/groups/{slug}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let current = pages.app.group(&op.actor, &slug).await.lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_group(&op.actor, &slug, at).await {
        Ok(()) => Ok(Redirect::to("/console/groups?deleted=1").into_response()),
        Err(e) => {
            let f = GroupForm::of(&current);
            refused(&pages, &op, Some(current), f, e).await
        }
    }
}
