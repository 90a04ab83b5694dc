//! The desk's tickers in the console (`/console/news/tickers`): which screens (location kinds, locations, screen
//! groups, screen tags) show which published short headlines (rubrics, story tags), how many and for how long
//! each. Saved through `App::create_news_ticker` / `update_news_ticker` at the version the form was opened with;
//! every field's refusal is shown next to the field.

use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use std::collections::BTreeSet;
use twincast_app::AppError;
use twincast_core::news::RUBRICS;
use twincast_store::{LocationFilter, NewsTicker, NewsTickerInput, PageRequest};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/news/tickers", get(list).post(create))
        .route("/console/news/tickers/new", get(new_form))
        .route("/console/news/tickers/{id}", get(edit_form).post(update))
        .route("/console/news/tickers/{id}/delete", post(delete))
}

const ALL: PageRequest = PageRequest {
    limit: PageRequest::MAX_LIMIT,
    cursor: None,
};

#[derive(Template)]
#[template(path = "console/tickers.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<NewsTicker>,
}

/// `GET /console/news/tickers`.
async fn list(State(pages): State<Pages>, op: Operator) -> PageResult {
    let tr = op.tr();
    let rows = pages.app.news_tickers(&op.actor).await.lang(tr)?;
    Ok(page(&ListPage {
        c: Chrome::new(&op, "news", "tickers-title"),
        rows,
    }))
}

/// The form as typed (checkbox groups repeat their name).
#[derive(Debug, Default)]
struct TickerForm {
    csrf: String,
    version: i64,
    name: String,
    location_kinds: BTreeSet<String>,
    locations: BTreeSet<String>,
    groups: BTreeSet<String>,
    screen_tags: String,
    rubrics: BTreeSet<String>,
    tags: String,
    max_items: String,
    seconds: String,
    enabled: bool,
}

fn words(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

impl TickerForm {
    fn parse(pairs: Vec<(String, String)>) -> TickerForm {
        let mut f = TickerForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "version" => f.version = v.trim().parse().unwrap_or(0),
                "name" => f.name = v,
                "location_kinds" => drop(f.location_kinds.insert(v)),
                "locations" => drop(f.locations.insert(v)),
                "groups" => drop(f.groups.insert(v)),
                "screen_tags" => f.screen_tags = v,
                "rubrics" => drop(f.rubrics.insert(v)),
                "tags" => f.tags = v,
                "max_items" => f.max_items = v,
                "seconds" => f.seconds = v,
                "enabled" => f.enabled = true,
                _ => {}
            }
        }
        f
    }

    fn of(t: &NewsTicker) -> TickerForm {
        let i = &t.input;
        TickerForm {
            csrf: String::new(),
            version: t.version,
            name: i.name.clone(),
            location_kinds: i.targets.location_kinds.iter().cloned().collect(),
            locations: i.targets.locations.iter().cloned().collect(),
            groups: i.targets.groups.iter().cloned().collect(),
            screen_tags: i.targets.tags.join(", "),
            rubrics: i.rubrics.iter().cloned().collect(),
            tags: i.tags.join(", "),
            max_items: i.max_items.to_string(),
            seconds: format!("{}", i.item_ms as f64 / 1000.0),
            enabled: i.enabled,
        }
    }

    /// The input, or `None` with the fields whose numbers do not read.
    fn input(&self, tr: crate::i18n::Tr, errors: &mut FieldErrors) -> Option<NewsTickerInput> {
        let max_items = self.max_items.trim().parse::<u32>().ok();
        if max_items.is_none() {
            errors
                .0
                .push(("max_items", tr.get("tickers-err-max-items")));
        }
        let seconds = self
            .seconds
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0);
        if seconds.is_none() {
            errors.0.push(("seconds", tr.get("tickers-err-seconds")));
        }
        let targets = twincast_core::Targets {
            location_kinds: self.location_kinds.iter().cloned().collect(),
            locations: self.locations.iter().cloned().collect(),
            groups: self.groups.iter().cloned().collect(),
            tags: words(&self.screen_tags),
            ..Default::default()
        };
        Some(NewsTickerInput {
            name: self.name.trim().to_string(),
            targets,
            rubrics: self.rubrics.iter().cloned().collect(),
            tags: words(&self.tags),
            max_items: max_items?,
            item_ms: (seconds? * 1000.0).round() as i64,
            enabled: self.enabled,
        })
    }
}

#[derive(Template)]
#[template(path = "console/ticker.html")]
struct EditPage {
    c: Chrome,
    current: Option<NewsTicker>,
    f: TickerForm,
    errors: FieldErrors,
    notice: Option<String>,
    /// Location kinds in use.
    kinds: Vec<String>,
    /// Locations: (id, name, kind).
    locations: Vec<(String, String, String)>,
    /// Screen groups: (slug, name).
    groups: Vec<(String, String)>,
    /// Rubrics: (slug, name in the reader's language).
    rubrics: Vec<(&'static str, &'static str)>,
}

impl EditPage {
    fn action(&self) -> String {
        match &self.current {
            Some(t) => format!("/console/news/tickers/{}", t.id),
            None => "/console/news/tickers".into(),
        }
    }
    fn has(&self, set: &BTreeSet<String>, v: &str) -> bool {
        set.contains(v)
    }
}

async fn edit_page(
    pages: &Pages,
    op: &Operator,
    current: Option<NewsTicker>,
    f: TickerForm,
) -> Result<EditPage, AppError> {
    let locs = pages
        .app
        .list_locations(&LocationFilter::default(), &ALL)
        .await?
        .items;
    let kinds: BTreeSet<String> = locs.iter().map(|l| l.kind.clone()).collect();
    let groups = pages
        .app
        .list_groups(&op.actor, None, None, &ALL)
        .await?
        .items
        .into_iter()
        .map(|g| (g.slug, g.name))
        .collect();
    let lang = op.tr().lang.tag();
    let mut c = Chrome::new(op, "news", "tickers-new");
    if let Some(t) = &current {
        c.title = t.input.name.clone();
    }
    Ok(EditPage {
        c,
        current,
        f,
        errors: FieldErrors::default(),
        notice: None,
        kinds: kinds.into_iter().collect(),
        locations: locs.into_iter().map(|l| (l.id, l.name, l.kind)).collect(),
        groups,
        rubrics: RUBRICS.iter().map(|r| (r.slug, r.name(lang))).collect(),
    })
}

/// `GET /console/news/tickers/new`.
async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    let tr = op.tr();
    pages.app.news_tickers(&op.actor).await.lang(tr)?; // the same roles as the list
    let f = TickerForm {
        max_items: "10".into(),
        seconds: "8".into(),
        enabled: true,
        ..TickerForm::default()
    };
    Ok(page(&edit_page(&pages, &op, None, f).await.lang(tr)?))
}

/// `GET /console/news/tickers/{id}`.
async fn edit_form(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    let tr = op.tr();
    let t = pages.app.news_ticker(&op.actor, &id).await.lang(tr)?;
    let f = TickerForm::of(&t);
    Ok(page(&edit_page(&pages, &op, Some(t), f).await.lang(tr)?))
}

/// The field a refusal is about (the app names it at the start of its message).
fn field_of(e: &AppError) -> &'static str {
    let msg = e.to_string();
    match e.code() {
        "invalid-range" if msg.contains("item_ms") => "seconds",
        "invalid-range" => "max_items",
        "invalid-rubric" => "rubrics",
        "invalid-tag" => "tags",
        "invalid-text" => "name",
        _ => "targets",
    }
}

fn message(e: &AppError, tr: crate::i18n::Tr) -> String {
    match field_of(e) {
        "seconds" => tr.get("tickers-err-seconds"),
        "max_items" => tr.get("tickers-err-max-items"),
        "tags" => tr.get("tickers-err-tags"),
        "name" => tr.get("tickers-err-name"),
        "rubrics" => tr.get("tickers-err-rubrics"),
        _ => tr.get("tickers-err-targets"),
    }
}

/// The form again with the refusal (400 or 412), or the error page.
async fn refused(
    pages: &Pages,
    op: &Operator,
    current: Option<NewsTicker>,
    mut f: TickerForm,
    e: Option<AppError>,
    mut errors: FieldErrors,
) -> PageResult {
    let tr = op.tr();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    match e {
        None => {}
        Some(AppError::Stale { current: v }) => {
            notice = Some(tr.get("tickers-stale"));
            f.version = v;
            status = StatusCode::PRECONDITION_FAILED;
        }
        Some(e @ AppError::Invalid { .. }) => errors.0.push((field_of(&e), message(&e, tr))),
        Some(e) => return Err(Failure(tr, PageError::from_app(e))),
    }
    let mut p = edit_page(pages, op, current, f).await.lang(tr)?;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

/// `POST /console/news/tickers`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = TickerForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let mut errors = FieldErrors::default();
    let Some(input) = f.input(tr, &mut errors) else {
        return refused(&pages, &op, None, f, None, errors).await;
    };
    match pages.app.create_news_ticker(&op.actor, &input).await {
        Ok(t) => {
            Ok(Redirect::to(&format!("/console/news/tickers/{}?saved=1", t.id)).into_response())
        }
        Err(e) => refused(&pages, &op, None, f, Some(e), errors).await,
    }
}

/// `POST /console/news/tickers/{id}`.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = TickerForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.news_ticker(&op.actor, &id).await.lang(tr)?;
    let mut errors = FieldErrors::default();
    let Some(input) = f.input(tr, &mut errors) else {
        return refused(&pages, &op, Some(current), f, None, errors).await;
    };
    let at = Some(f.version).filter(|v| *v > 0);
    match pages
        .app
        .update_news_ticker(&op.actor, &id, &input, at)
        .await
    {
        Ok(t) => {
            Ok(Redirect::to(&format!("/console/news/tickers/{}?saved=1", t.id)).into_response())
        }
        Err(e) => refused(&pages, &op, Some(current), f, Some(e), errors).await,
    }
}

#[derive(Debug, serde::Deserialize)]
struct DeleteForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

/// `POST /console/news/tickers/{id}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let at = Some(f.version).filter(|v| *v > 0);
    pages
        .app
        .delete_news_ticker(&op.actor, &id, at)
        .await
        .lang(tr)?;
    Ok(Redirect::to("/console/news/tickers").into_response())
}
