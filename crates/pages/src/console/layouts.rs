//! Layouts: list, create and edit the zones (a table of numbers in percent that works without a script; an ES
//! module draws them as positioned boxes in a landscape and a portrait frame as they are typed), delete, and
//! assign a layout to a screen or a screen group.

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
use std::collections::BTreeMap;
use twincast_app::places::ScreenListQuery;
use twincast_app::AppError;
use twincast_core::zones::ZoneSpec;
use twincast_store::{Layout, LayoutInput, PageRequest, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/layouts", get(list).post(create))
        .route("/console/layouts/new", get(new_form))
        .route("/console/layouts/{slug}", get(edit_form).post(update))
        .route("/console/layouts/{slug}/delete", post(delete))
        .route("/console/layouts/{slug}/assign", post(assign))
}

fn can_edit(op: &Operator) -> bool {
    matches!(op.actor.user.role, Role::Admin | Role::Operator)
}

/// Empty zone rows offered below the layout's own.
const SPARE_ROWS: usize = 3;

#[derive(Template)]
#[template(path = "console/layouts.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Layout>,
    can_edit: bool,
}

/// `GET /console/layouts`.
async fn list(State(pages): State<Pages>, op: Operator) -> PageResult {
    let tr = op.tr();
    let rows = pages
        .app
        .list_layouts(
            &op.actor,
            None,
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await
        .lang(tr)?
        .items;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "layouts", "layouts-title"),
        rows,
        can_edit: can_edit(&op),
    }))
}

/// A zone row as typed.
#[derive(Debug, Clone, Default)]
struct ZoneRow {
    name: String,
    x: String,
    y: String,
    w: String,
    h: String,
    overlay: bool,
}

/// The layout form as typed: zones come as `z<i>-name`, `z<i>-x`, … .
#[derive(Debug, Default)]
struct LayoutForm {
    csrf: String,
    slug: String,
    name: String,
    orientation: String,
    version: i64,
    zones: Vec<ZoneRow>,
}

impl LayoutForm {
    fn parse(pairs: Vec<(String, String)>) -> LayoutForm {
        let mut f = LayoutForm::default();
        let mut rows: BTreeMap<usize, ZoneRow> = BTreeMap::new();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "slug" => f.slug = v,
                "name" => f.name = v,
                "orientation" => f.orientation = v,
                "version" => f.version = v.trim().parse().unwrap_or(0),
                _ => {
                    let Some((i, field)) = k
                        .strip_prefix('z')
                        .and_then(|r| r.split_once('-'))
                        .and_then(|(i, f)| Some((i.parse::<usize>().ok()?, f)))
                    else {
                        continue;
                    };
                    if i >= 64 {
                        continue;
                    }
                    let r = rows.entry(i).or_default();
                    match field {
                        "name" => r.name = v,
                        "x" => r.x = v,
                        "y" => r.y = v,
                        "w" => r.w = v,
                        "h" => r.h = v,
                        "overlay" => r.overlay = true,
                        _ => {}
                    }
                }
            }
        }
        f.zones = rows.into_values().collect();
        f
    }

    fn of(l: &Layout) -> LayoutForm {
        LayoutForm {
            csrf: String::new(),
            slug: l.slug.clone(),
            name: l.name.clone(),
            orientation: l.orientation.clone(),
            version: l.version,
            zones: l
                .zones
                .iter()
                .map(|z| ZoneRow {
                    name: z.name.clone(),
                    x: z.x.to_string(),
                    y: z.y.to_string(),
                    w: z.w.to_string(),
                    h: z.h.to_string(),
                    overlay: z.overlay,
                })
                .collect(),
        }
    }

    /// The input, or the rows whose numbers do not read (rows with no name are left out).
    fn input(&self, tr: crate::i18n::Tr, errors: &mut FieldErrors) -> Option<LayoutInput> {
        let mut zones = Vec::new();
        for r in &self.zones {
            if r.name.trim().is_empty() {
                continue;
            }
            let num = |v: &str| v.trim().replace(',', ".").parse::<f64>().ok();
            match (num(&r.x), num(&r.y), num(&r.w), num(&r.h)) {
                (Some(x), Some(y), Some(w), Some(h)) => zones.push(ZoneSpec {
                    name: r.name.trim().to_string(),
                    x,
                    y,
                    w,
                    h,
                    overlay: r.overlay,
                }),
                _ => {
                    errors.0.push(("zones", tr.get("layout-zone-numbers")));
                    return None;
                }
            }
        }
        Some(LayoutInput {
            slug: self.slug.trim().to_string(),
            name: self.name.trim().to_string(),
            orientation: self.orientation.clone(),
            zones,
        })
    }
}

#[derive(Template)]
#[template(path = "console/layout.html")]
struct EditPage {
    c: Chrome,
    current: Option<Layout>,
    f: LayoutForm,
    errors: FieldErrors,
    notice: Option<String>,
    can_edit: bool,
    /// Screens to assign to: (id, name, location).
    screens: Vec<(String, String, String)>,
    /// Groups to assign to: (slug, name).
    groups: Vec<(String, String)>,
}

impl EditPage {
    fn action(&self) -> String {
        match &self.current {
            Some(l) => format!("/console/layouts/{}", l.slug),
            None => "/console/layouts".into(),
        }
    }
    /// The zone rows with spare empty ones.
    fn rows(&self) -> Vec<ZoneRow> {
        let mut r = self.f.zones.clone();
        r.extend(std::iter::repeat_n(ZoneRow::default(), SPARE_ROWS));
        r
    }
    /// The zones that read as numbers, for the server-drawn preview: (name, x, y, w, h).
    fn boxes(&self) -> Vec<(String, f64, f64, f64, f64)> {
        let num = |v: &str| v.trim().replace(',', ".").parse::<f64>().ok();
        self.f
            .zones
            .iter()
            .filter_map(|z| {
                Some((
                    z.name.clone(),
                    num(&z.x)?.clamp(0.0, 100.0),
                    num(&z.y)?.clamp(0.0, 100.0),
                    num(&z.w)?.clamp(0.0, 100.0),
                    num(&z.h)?.clamp(0.0, 100.0),
                ))
            })
            .filter(|z| !z.0.trim().is_empty())
            .collect()
    }
}

async fn edit_page(
    pages: &Pages,
    op: &Operator,
    current: Option<Layout>,
    f: LayoutForm,
) -> Result<EditPage, AppError> {
    let (screens, groups) = if current.is_some() && can_edit(op) {
        let screens = pages
            .app
            .list_screens(
                &ScreenListQuery {
                    sort: Some("name".into()),
                    ..Default::default()
                },
                &PageRequest {
                    limit: 500,
                    cursor: None,
                },
            )
            .await?
            .items
            .into_iter()
            .filter(|s| {
                current
                    .as_ref()
                    .is_some_and(|l| s.view.screen.orientation == l.orientation)
            })
            .map(|s| (s.view.screen.id, s.view.screen.name, s.view.location))
            .collect();
        let groups = pages
            .app
            .list_groups(
                &op.actor,
                None,
                None,
                &PageRequest {
                    limit: PageRequest::MAX_LIMIT,
                    cursor: None,
                },
            )
            .await?
            .items
            .into_iter()
            .map(|g| (g.slug, g.name))
            .collect();
        (screens, groups)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut c = Chrome::new(op, "layouts", "layout-new-title");
    if let Some(l) = &current {
        c.title = l.name.clone();
    }
    Ok(EditPage {
        c,
        current,
        f,
        errors: FieldErrors::default(),
        notice: None,
        can_edit: can_edit(op),
        screens,
        groups,
    })
}

/// `GET /console/layouts/new`: a main zone over the whole screen to start from.
async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    let tr = op.tr();
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let f = LayoutForm {
        orientation: "landscape".into(),
        zones: vec![ZoneRow {
            name: "main".into(),
            x: "0".into(),
            y: "0".into(),
            w: "100".into(),
            h: "100".into(),
            overlay: false,
        }],
        ..Default::default()
    };
    Ok(page(&edit_page(&pages, &op, None, f).await.lang(tr)?))
}

/// `GET /console/layouts/{slug}`.
async fn edit_form(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
) -> PageResult {
    let tr = op.tr();
    let l = pages.app.layout(&op.actor, &slug).await.lang(tr)?;
    let f = LayoutForm::of(&l);
    Ok(page(&edit_page(&pages, &op, Some(l), f).await.lang(tr)?))
}

fn field_of(code: &str) -> &'static str {
    match code {
        "invalid-slug" | "conflict" => "slug",
        "invalid-text" => "name",
        "invalid-orientation" | "layout-orientation" => "orientation",
        _ => "zones",
    }
}

/// The form again with the refusal (400, 409 or 412), or the error page.
async fn refused(
    pages: &Pages,
    op: &Operator,
    current: Option<Layout>,
    mut f: LayoutForm,
    e: Option<AppError>,
    mut errors: FieldErrors,
) -> PageResult {
    let tr = op.tr();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    match e {
        None => {}
        Some(AppError::Stale { current: v }) => {
            notice = Some(tr.get("layout-stale"));
            f.version = v;
            status = StatusCode::PRECONDITION_FAILED;
        }
        Some(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let field = field_of(e.code());
            errors
                .0
                .push((field, super::places_msg::admin_message(e, tr)));
        }
        Some(e) => return Err(Failure(tr, PageError::from_app(e))),
    }
    let mut p = edit_page(pages, op, current, f).await.lang(tr)?;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

/// `POST /console/layouts`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = LayoutForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let mut errors = FieldErrors::default();
    let Some(input) = f.input(tr, &mut errors) else {
        return refused(&pages, &op, None, f, None, errors).await;
    };
    match pages.app.create_layout(&op.actor, &input).await {
        Ok(l) => Ok(Redirect::to(&format!("/console/layouts/{}?saved=1", l.slug)).into_response()),
        Err(e) => refused(&pages, &op, None, f, Some(e), errors).await,
    }
}

/// `POST /console/layouts/{slug}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let mut f = LayoutForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.layout(&op.actor, &slug).await.lang(tr)?;
    f.slug = slug.clone();
    let mut errors = FieldErrors::default();
    let Some(input) = f.input(tr, &mut errors) else {
        return refused(&pages, &op, Some(current), f, None, errors).await;
    };
    let at = Some(f.version).filter(|v| *v > 0);
    match pages.app.update_layout(&op.actor, &slug, &input, at).await {
        Ok(l) => Ok(Redirect::to(&format!("/console/layouts/{}?saved=1", l.slug)).into_response()),
        Err(e) => refused(&pages, &op, Some(current), f, Some(e), errors).await,
    }
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// `POST /console/layouts/{slug}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let current = pages.app.layout(&op.actor, &slug).await.lang(tr)?;
    let at = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_layout(&op.actor, &slug, at).await {
        Ok(()) => Ok(Redirect::to("/console/layouts?deleted=1").into_response()),
        Err(e) => {
            let f = LayoutForm::of(&current);
            refused(
                &pages,
                &op,
                Some(current),
                f,
                Some(e),
                FieldErrors::default(),
            )
            .await
        }
    }
}

#[derive(Debug, Deserialize)]
struct AssignForm {
    csrf: String,
    /// `screen:<id>` or `group:<slug>`.
    target: String,
}

/// `POST /console/layouts/{slug}/assign`.
async fn assign(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(a): Form<AssignForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&a.csrf).lang(tr)?;
    let current = pages.app.layout(&op.actor, &slug).await.lang(tr)?;
    let done = match a.target.split_once(':') {
        Some(("screen", id)) => pages
            .app
            .set_screen_layout(&op.actor, id, Some(&slug))
            .await
            .map(|_| ()),
        Some(("group", g)) => pages
            .app
            .set_group_layout(&op.actor, g, Some(&slug))
            .await
            .map(|_| ()),
        _ => Err(AppError::invalid(
            "invalid-target",
            "choose a screen or a group",
        )),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/console/layouts/{slug}?assigned=1")).into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let f = LayoutForm::of(&current);
            let mut errors = FieldErrors::default();
            errors
                .0
                .push(("target", crate::view::PageError::from_app(e).message(tr)));
            refused(&pages, &op, Some(current), f, None, errors).await
        }
        Err(e) => Err(Failure(tr, PageError::from_app(e))),
    }
}
