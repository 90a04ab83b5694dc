//! The news desk in the console: the list of stories (filters: state, rubric, language, text in a headline;
//! keyset pages) and a story's editor — its ru/en/zh versions as one form, a rendered preview of the bodies, and
//! the steps of its life the account may take (`App::news_actions`; the app checks again). Contributors see
//! their own stories; news editors, operators and admins all of them (the app's rule).

use super::news_form::{local_text, refusal, Errors, StoryForm};
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
use twincast_app::news::{Action, NewsArticleView};
use twincast_app::AppError;
use twincast_core::news::{State as StoryState, LANGS, RUBRICS};
use twincast_store::{NewsFilter, PageRequest};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/news", get(list).post(create))
        .route("/console/news/new", get(new_form))
        .route("/console/news/{id}", get(edit_form).post(update))
        .route("/console/news/{id}/act", post(act))
        .route("/console/news/{id}/delete", post(delete))
}

/// One row of the list.
struct Row {
    id: String,
    headline: String,
    langs: Vec<String>,
    rubric: String,
    state: String,
    /// When it is (or goes) public, as text in the site's zone.
    public_at: Option<String>,
    updated: i64,
}

#[derive(Template)]
#[template(path = "console/news_list.html")]
struct ListPage {
    c: Chrome,
    q: ListQuery,
    rows: Vec<Row>,
    next: Option<String>,
    states: Vec<&'static str>,
    rubrics: Vec<(&'static str, String)>,
    langs: &'static [&'static str],
    query: String,
    /// Whether the account sets up the desk's tickers (not contributors).
    tickers: bool,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct ListQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    rubric: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    q: String,
    after: Option<String>,
}

fn rubric_names(lang: &str) -> Vec<(&'static str, String)> {
    RUBRICS
        .iter()
        .map(|r| (r.slug, r.name(lang).to_string()))
        .collect()
}

/// The headline in the reader's language, else in the first language the story has.
fn headline_in(v: &NewsArticleView, lang: &str) -> String {
    let a = &v.article;
    a.versions
        .get(lang)
        .or_else(|| a.versions.values().next())
        .map(|x| x.headline.clone())
        .unwrap_or_default()
}

fn desk(op: &Operator) -> Result<(), Failure> {
    if twincast_app::App::on_news_desk(&op.actor) {
        Ok(())
    } else {
        Err(Failure(
            op.tr(),
            PageError::from_app(AppError::forbidden("not on the news desk")),
        ))
    }
}

/// `GET /console/news`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    desk(&op)?;
    let keep = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = NewsFilter {
        state: keep(&q.state),
        rubric: keep(&q.rubric),
        lang: keep(&q.lang),
        q: keep(&q.q),
        ..Default::default()
    };
    let p = pages
        .app
        .list_news(
            &op.actor,
            &filter,
            &PageRequest {
                limit: 50,
                cursor: q.after.clone().filter(|a| !a.is_empty()),
            },
        )
        .await
        .lang(tr)?;
    let tz = pages.app.site_time_zone().to_string();
    let lang = tr.lang.tag();
    let rows = p
        .items
        .iter()
        .map(|v| Row {
            id: v.article.id.clone(),
            headline: headline_in(v, lang),
            langs: v.article.versions.keys().cloned().collect(),
            rubric: twincast_core::news::Rubric::by_slug(&v.article.rubric)
                .map(|r| r.name(lang).to_string())
                .unwrap_or_else(|| v.article.rubric.clone()),
            state: v.effective_state.clone(),
            public_at: v.visible_from.map(|t| local_text(t, &tz)),
            updated: v.article.updated_at,
        })
        .collect();
    let query = format!(
        "state={}&rubric={}&lang={}&q={}",
        crate::view::url_escape(&q.state),
        crate::view::url_escape(&q.rubric),
        crate::view::url_escape(&q.lang),
        crate::view::url_escape(&q.q)
    );
    Ok(page(&ListPage {
        c: Chrome::new(&op, "news", "desk-title"),
        q,
        rows,
        next: p.next_cursor,
        states: StoryState::ALL.iter().map(|s| s.as_str()).collect(),
        rubrics: rubric_names(lang),
        langs: &LANGS,
        query,
        tickers: op.actor.user.role != twincast_store::Role::Contributor,
    }))
}

/// A choice of the editor's pickers: (value, label).
type Choice = (String, String);

#[derive(Template)]
#[template(path = "console/news_story.html")]
pub(super) struct StoryPage {
    c: Chrome,
    /// `None` for a new story.
    current: Option<NewsArticleView>,
    f: StoryForm,
    errors: Errors,
    notice: Option<String>,
    /// The step buttons the account may press (action names).
    actions: Vec<&'static str>,
    can_edit: bool,
    can_delete: bool,
    tz: String,
    rubrics: Vec<(&'static str, String)>,
    langs: &'static [&'static str],
    partners: Vec<Choice>,
    media: Vec<Choice>,
    projects: Vec<Choice>,
    /// Rendered (sanitised) bodies by language, for the preview.
    previews: Vec<(&'static str, String)>,
    /// The schedule field's value (kept when a schedule is refused).
    at: String,
    /// A refused step's message, next to the step buttons.
    act_error: Option<String>,
}

impl StoryPage {
    fn action(&self) -> String {
        match &self.current {
            Some(v) => format!("/console/news/{}", v.article.id),
            None => "/console/news".into(),
        }
    }

    /// The language's own name, e.g. `Русский`.
    fn lang_name(&self, tag: &str) -> &'static str {
        crate::i18n::Lang::parse(tag)
            .map(|l| l.endonym())
            .unwrap_or("")
    }

    /// A state's text in the page's language.
    fn state_name(&self, s: &str) -> String {
        self.c.tk("desk-state-", s).into_owned()
    }

    /// When the public sees it, as text in the site's zone.
    fn public_text(&self, ms: &i64) -> String {
        local_text(*ms, &self.tz)
    }

    /// The related-item pickers: (form name, label, choices).
    fn pickers(&self) -> Vec<(&'static str, String, &Vec<Choice>)> {
        vec![
            (
                "media_ids",
                self.c.t("desk-field-media").into_owned(),
                &self.media,
            ),
            (
                "partners",
                self.c.t("desk-field-partners").into_owned(),
                &self.partners,
            ),
            (
                "projects",
                self.c.t("desk-field-projects").into_owned(),
                &self.projects,
            ),
        ]
    }

    /// The error of a language version's field.
    fn err_of(&self, lang: &str, name: &str) -> Option<&str> {
        self.errors.of(&format!("versions.{lang}.{name}"))
    }

    fn has_action(&self, a: &str) -> bool {
        self.actions.contains(&a)
    }
}

async fn choices(
    pages: &Pages,
    op: &Operator,
) -> Result<(Vec<Choice>, Vec<Choice>, Vec<Choice>), Failure> {
    let tr = op.tr();
    let lang = tr.lang.tag();
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
    let projects = pages
        .app
        .catalogue(&Default::default())
        .await
        .lang(tr)?
        .items
        .into_iter()
        .map(|p| (p.id, p.data.title.get(lang).to_string()))
        .collect();
    Ok((partners, media, projects))
}

impl StoryPage {
    async fn build(
        pages: &Pages,
        op: &Operator,
        current: Option<NewsArticleView>,
        f: StoryForm,
    ) -> Result<StoryPage, Failure> {
        let mut c = Chrome::new(op, "news", "desk-new-title");
        let (actions, can_edit, can_delete) = match &current {
            Some(v) => {
                let all = pages.app.news_actions(&op.actor, &v.article);
                let names: Vec<&'static str> = all
                    .iter()
                    .filter(|a| !matches!(a, Action::Edit | Action::Delete))
                    .map(|a| a.as_str())
                    .collect();
                (
                    names,
                    all.contains(&Action::Edit),
                    all.contains(&Action::Delete),
                )
            }
            None => (Vec::new(), true, false),
        };
        if let Some(v) = &current {
            c.title = headline_in(v, op.tr().lang.tag());
        }
        let (partners, media, projects) = choices(pages, op).await?;
        let lang = op.tr().lang.tag();
        Ok(StoryPage {
            c,
            current,
            f,
            errors: Errors::default(),
            notice: None,
            actions,
            can_edit,
            can_delete,
            tz: pages.app.site_time_zone().to_string(),
            rubrics: rubric_names(lang),
            langs: &LANGS,
            partners,
            media,
            projects,
            previews: Vec::new(),
            at: String::new(),
            act_error: None,
        })
    }

    /// The rendered bodies of the form's versions (sanitised by the desk's renderer, as the portal shows them).
    fn preview(&mut self) {
        self.previews = self
            .f
            .versions
            .iter()
            .filter(|(_, v)| !v.body.trim().is_empty())
            .map(|(l, v)| (*l, twincast_app::news::render::body_html(&v.body)))
            .collect();
    }
}

/// `GET /console/news/new`.
async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    desk(&op)?;
    let p = StoryPage::build(&pages, &op, None, StoryForm::empty()).await?;
    Ok(page(&p))
}

#[derive(Debug, Default, Deserialize)]
struct Saved {
    saved: Option<String>,
}

/// `GET /console/news/{id}`.
async fn edit_form(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Query(s): Query<Saved>,
) -> PageResult {
    let tr = op.tr();
    let v = pages.app.news_article(&op.actor, &id).await.lang(tr)?;
    let f = StoryForm::of(&v.article, pages.app.site_time_zone());
    let mut p = StoryPage::build(&pages, &op, Some(v), f).await?;
    p.preview();
    const DONE: [&str; 8] = [
        "create",
        "update",
        "submit",
        "send-back",
        "schedule",
        "publish",
        "withdraw",
        "reopen",
    ];
    if let Some(what) = s.saved.filter(|w| DONE.contains(&w.as_str())) {
        p.notice = Some(tr.get(&format!("desk-done-{what}")));
    }
    Ok(page(&p))
}

/// `POST /console/news`: create, or preview without saving.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = StoryForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    desk(&op)?;
    let tz = pages.app.site_time_zone().to_string();
    let mut errors = Errors::default();
    let input = f.input(tr, &tz, &mut errors);
    let mut status = StatusCode::BAD_REQUEST;
    if f.intent == "preview" {
        status = StatusCode::OK;
    } else if let Some(input) = input {
        match pages.app.create_news(&op.actor, &input).await {
            Ok(v) => {
                return Ok(
                    Redirect::to(&format!("/console/news/{}?saved=create", v.article.id))
                        .into_response(),
                )
            }
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = StoryPage::build(&pages, &op, None, f).await?;
    p.errors = errors;
    p.preview();
    Ok(render(status, &p))
}

/// `POST /console/news/{id}`: save with the version the form was read at (or preview).
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let mut f = StoryForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    let current = pages.app.news_article(&op.actor, &id).await.lang(tr)?;
    let tz = pages.app.site_time_zone().to_string();
    let mut errors = Errors::default();
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    let input = f.input(tr, &tz, &mut errors);
    if f.intent == "preview" {
        status = StatusCode::OK;
    } else if let Some(input) = input {
        let at = Some(f.version).filter(|v| *v > 0);
        match pages.app.update_news(&op.actor, &id, &input, at).await {
            Ok(v) => {
                return Ok(
                    Redirect::to(&format!("/console/news/{}?saved=update", v.article.id))
                        .into_response(),
                )
            }
            Err(AppError::Stale { current: now }) => {
                // Keep what was typed; saving again deliberately replaces the other change.
                notice = Some(tr.get("desk-stale"));
                f.version = now;
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e) => refusal(&mut errors, e, tr).lang(tr)?,
        }
    }
    let mut p = StoryPage::build(&pages, &op, Some(current), f).await?;
    p.errors = errors;
    p.notice = notice;
    p.preview();
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct ActForm {
    csrf: String,
    action: String,
    #[serde(default)]
    at: String,
    version: i64,
}

fn action_named(s: &str) -> Option<Action> {
    Action::ALL
        .into_iter()
        .find(|a| a.as_str() == s && !matches!(a, Action::Edit | Action::Delete))
}

/// `POST /console/news/{id}/act`: a step of the story's life (submit, send back, schedule, publish, withdraw,
/// reopen), with the version shown.
async fn act(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(a): Form<ActForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&a.csrf).lang(tr)?;
    let Some(action) = action_named(&a.action) else {
        return Err(Failure(tr, PageError::not_found()));
    };
    let at = Some(a.at.as_str()).filter(|s| !s.trim().is_empty());
    let version = Some(a.version).filter(|v| *v > 0);
    let (message, status) = match pages
        .app
        .news_action(&op.actor, &id, action, at, version)
        .await
    {
        Ok(_) => {
            return Ok(
                Redirect::to(&format!("/console/news/{id}?saved={}", action.as_str()))
                    .into_response(),
            )
        }
        Err(AppError::Stale { .. }) => (tr.get("desk-stale-step"), StatusCode::PRECONDITION_FAILED),
        Err(e) => {
            let code = e.code();
            let p = PageError::from_app(e);
            (super::news_form::message(code, &p, tr), p.status)
        }
    };
    let current = pages.app.news_article(&op.actor, &id).await.lang(tr)?;
    let f = StoryForm::of(&current.article, pages.app.site_time_zone());
    let mut p = StoryPage::build(&pages, &op, Some(current), f).await?;
    p.act_error = Some(message);
    p.at = a.at;
    p.preview();
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct DeleteForm {
    csrf: String,
    version: i64,
}

/// `POST /console/news/{id}/delete`.
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(d): Form<DeleteForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&d.csrf).lang(tr)?;
    let version = Some(d.version).filter(|v| *v > 0);
    match pages.app.delete_news(&op.actor, &id, version).await {
        Ok(()) => Ok(Redirect::to("/console/news?deleted=1").into_response()),
        Err(AppError::Stale { .. }) => {
            let current = pages.app.news_article(&op.actor, &id).await.lang(tr)?;
            let f = StoryForm::of(&current.article, pages.app.site_time_zone());
            let mut p = StoryPage::build(&pages, &op, Some(current), f).await?;
            p.act_error = Some(tr.get("desk-stale-step"));
            Ok(render(StatusCode::PRECONDITION_FAILED, &p))
        }
        Err(e) => Err(Failure(tr, PageError::from_app(e))),
    }
}
