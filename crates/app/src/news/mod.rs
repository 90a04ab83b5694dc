//! The news desk: stories with a version per language, their life (draft → in review → scheduled → published →
//! withdrawn, `twincast_core::news::transition`), what the public sees at an instant
//! (`twincast_core::news::visible_at`, said again in the store's public queries), the Markdown of a body rendered
//! and sanitised ([`render`]), and the formats the stories go out in ([`formats`]: RSS 2.0, Atom, JSON Feed 1.1,
//! a Google News sitemap, IPTC ninjs 3.3).
//!
//! Who: contributors write and submit their own drafts; news editors (and admins and operators) do everything
//! else. Nothing flips a scheduled story to published: it is visible from its `publish_at` because visibility is
//! computed from time.

pub mod check;
pub mod formats;
pub mod render;
pub mod tickers;

pub use tickers::TickerClock;
pub mod wire;
mod wire_fetch;

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use serde::Serialize;
use twincast_core::news::{self as core, DeskRole, Refused, Times};
pub use twincast_core::news::{Action, State};
use twincast_store::{
    NewsArticle, NewsArticleInput, NewsFilter, NewsHeadline, Page, PageRequest, PublicNewsQuery,
    Role, StoreError,
};
use utoipa::ToSchema;

/// The roles that work on the desk.
pub const DESK_ROLES: [Role; 4] = [
    Role::Admin,
    Role::Operator,
    Role::NewsEditor,
    Role::Contributor,
];

/// A story as the desk sees it: the stored story and what it is now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewsArticleView {
    /// The story.
    #[serde(flatten)]
    pub article: NewsArticle,
    /// The state now: a scheduled story whose time has come is `published`.
    pub effective_state: String,
    /// Whether the public sees it now (published, past its embargo, not expired).
    pub visible: bool,
    /// The first instant the public sees it (publication or embargo end, whichever is later), epoch ms.
    pub visible_from: Option<i64>,
}

/// A rubric with its names.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RubricView {
    /// Slug.
    pub slug: String,
    /// Names by language.
    pub names: std::collections::BTreeMap<String, String>,
}

/// The times of a stored story.
pub fn times(a: &NewsArticle) -> Times {
    Times {
        publish_at: a.publish_at,
        embargo_until: a.embargo_until,
        expires_at: a.expires_at,
    }
}

/// The stored state of a story (a row written by this code always has a known one).
pub fn state(a: &NewsArticle) -> State {
    State::parse(&a.state).unwrap_or(State::Draft)
}

/// The desk's view of `a` at `now`.
pub fn view(a: NewsArticle, now: i64) -> NewsArticleView {
    let (s, t) = (state(&a), times(&a));
    NewsArticleView {
        effective_state: core::effective_state(s, &t, now).as_str().to_string(),
        visible: core::visible_at(s, &t, now),
        visible_from: core::visible_from(s, &t),
        article: a,
    }
}

/// Every rubric with its names.
pub fn rubrics() -> Vec<RubricView> {
    core::RUBRICS
        .iter()
        .map(|r| RubricView {
            slug: r.slug.to_string(),
            names: core::LANGS
                .iter()
                .map(|l| (l.to_string(), r.name(l).to_string()))
                .collect(),
        })
        .collect()
}

fn desk_role(actor: &Actor) -> AppResult<DeskRole> {
    match actor.user.role {
        Role::Admin | Role::Operator | Role::NewsEditor => Ok(DeskRole::Editor),
        Role::Contributor => Ok(DeskRole::Contributor),
        other => Err(AppError::forbidden(format!(
            "the role {} does not work on the news desk",
            other.as_str()
        ))),
    }
}

fn refused(e: Refused) -> AppError {
    match e {
        Refused::Role { .. } => AppError::forbidden(e.to_string()),
        Refused::State { .. } => AppError::conflict("invalid-transition", e.to_string()),
    }
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::missing("news-not-found", "no such article"),
        other => other.into(),
    }
}

impl App {
    /// Tells the screens' hub when a story that is or was out changed (the store bumped the schedule version in
    /// the same transaction): tickers show the desk's headlines.
    fn tickers_changed(&self, before: &NewsArticle, after: &NewsArticle) {
        let out = |a: &NewsArticle| a.state == "published" || a.state == "scheduled";
        if out(before) || out(after) {
            self.emit(crate::ServerEvent::ScheduleChanged { screens: None });
        }
    }

    /// The site's zone, in which scheduled times without an offset are read.
    pub fn site_time_zone(&self) -> &str {
        &self.settings.site_time_zone
    }

    async fn desk_article(&self, actor: &Actor, id: &str) -> AppResult<(DeskRole, NewsArticle)> {
        let role = desk_role(actor)?;
        let a = self.store.news_article(id).await.map_err(not_found)?;
        // A contributor sees only what they wrote.
        if role == DeskRole::Contributor && a.author_id != actor.user.id {
            return Err(AppError::missing("news-not-found", "no such article"));
        }
        Ok((role, a))
    }

    fn allowed(
        &self,
        role: DeskRole,
        actor: &Actor,
        a: &NewsArticle,
        action: Action,
    ) -> AppResult<State> {
        let now = self.now_ms();
        let from = core::effective_state(state(a), &times(a), now);
        core::transition(from, action, role, a.author_id == actor.user.id).map_err(refused)
    }

    async fn check_references(
        &self,
        input: &NewsArticleInput,
        own_id: Option<&str>,
    ) -> AppResult<()> {
        check::check(input)?;
        for (i, slug) in input.partners.iter().enumerate() {
            if let Err(e) = self.referenced_partner(slug).await {
                return Err(e.with_member("field", format!("partners[{i}]").into()));
            }
        }
        for (i, id) in input.media_ids.iter().enumerate() {
            match self.store.media(id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(AppError::invalid(
                        "unknown-media",
                        format!("media_ids[{i}]: no media item {id:?}"),
                    )
                    .with_member("field", format!("media_ids[{i}]").into()))
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(id) = input
            .source
            .original_id
            .as_deref()
            .filter(|s| !s.is_empty())
        {
            let stored = self.store.news_by_source(&input.source.name, id).await?;
            if stored.is_some_and(|a| Some(a.id.as_str()) != own_id) {
                return Err(AppError::conflict(
                    "duplicate-wire-item",
                    format!("the {} item {id:?} is stored already", input.source.name),
                )
                .with_member("field", "source.original_id".into()));
            }
        }
        Ok(())
    }

    /// Writes a new story as a draft by `actor` (contributors, news editors, operators, admins).
    pub async fn create_news(
        &self,
        actor: &Actor,
        input: &NewsArticleInput,
    ) -> AppResult<NewsArticleView> {
        desk_role(actor)?;
        self.check_references(input, None).await?;
        let entry = self.audit(actor, "news.create", "").created(input);
        let a = self
            .store
            .create_news_article(input, State::Draft.as_str(), None, &actor.user.id, &entry)
            .await?;
        Ok(view(a, self.now_ms()))
    }

    /// One story as the desk sees it (a contributor: only their own).
    pub async fn news_article(&self, actor: &Actor, id: &str) -> AppResult<NewsArticleView> {
        let (_, a) = self.desk_article(actor, id).await?;
        Ok(view(a, self.now_ms()))
    }

    /// Replaces a story's fields (a contributor: their own draft; an editor: any), if still at `if_match`.
    pub async fn update_news(
        &self,
        actor: &Actor,
        id: &str,
        input: &NewsArticleInput,
        if_match: Option<i64>,
    ) -> AppResult<NewsArticleView> {
        let (role, current) = self.desk_article(actor, id).await?;
        self.allowed(role, actor, &current, Action::Edit)?;
        self.check_references(input, Some(id)).await?;
        let entry = self
            .audit(actor, "news.update", id)
            .diff(&current.input(), input);
        let a = self
            .store
            .update_news_article(id, input, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        self.tickers_changed(&current, &a);
        Ok(view(a, self.now_ms()))
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_news`]).
    pub async fn patch_news(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<NewsArticleView> {
        let (_, current) = self.desk_article(actor, id).await?;
        let input = revision::merge_patch(&current.input(), patch)?;
        self.update_news(actor, id, &input, if_match).await
    }

    /// Moves a story along its life: `submit`, `send-back`, `schedule` (at `at`: RFC 3339, or a local date and
    /// time in the site's zone; in the future), `publish` (now), `withdraw`, `reopen`.
    pub async fn news_action(
        &self,
        actor: &Actor,
        id: &str,
        action: Action,
        at: Option<&str>,
        if_match: Option<i64>,
    ) -> AppResult<NewsArticleView> {
        if matches!(action, Action::Edit | Action::Delete) {
            return Err(AppError::invalid(
                "invalid-action",
                "edit and delete are not state actions",
            ));
        }
        let (role, current) = self.desk_article(actor, id).await?;
        let to = self.allowed(role, actor, &current, action)?;
        let now = self.now_ms();
        let publish_at = match action {
            Action::Publish => Some(now),
            Action::Schedule => {
                let at = at.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                    AppError::invalid(
                        "missing-time",
                        "at: scheduling needs the time of publication",
                    )
                    .with_member("field", "at".into())
                })?;
                let t = core::parse_instant(at.trim(), self.site_time_zone()).map_err(|e| {
                    AppError::invalid("invalid-time", format!("at: {e}"))
                        .with_member("field", "at".into())
                })?;
                if t <= now {
                    return Err(AppError::invalid(
                        "time-in-past",
                        "at: a scheduled publication must be in the future (publish it now instead)",
                    )
                    .with_member("field", "at".into()));
                }
                Some(t)
            }
            Action::Withdraw => current.publish_at,
            _ => None,
        };
        let entry = self
            .audit(actor, &format!("news.{}", action.as_str()), id)
            .field("state", current.state.clone().into(), to.as_str().into())
            .field("publish_at", current.publish_at.into(), publish_at.into());
        let a = self
            .store
            .set_news_state(
                id,
                to.as_str(),
                publish_at,
                revision::expected(if_match),
                &entry,
            )
            .await?;
        self.portal_changed();
        self.tickers_changed(&current, &a);
        Ok(view(a, now))
    }

    /// The steps of its life `actor` may take on `a` now (what the console offers as buttons; the operations
    /// check again). Editing and deleting are included as `Edit` and `Delete`.
    pub fn news_actions(&self, actor: &Actor, a: &NewsArticle) -> Vec<Action> {
        let Ok(role) = desk_role(actor) else {
            return Vec::new();
        };
        Action::ALL
            .into_iter()
            .filter(|x| self.allowed(role, actor, a, *x).is_ok())
            .collect()
    }

    /// Whether `actor` works on the news desk (sees its console pages).
    pub fn on_news_desk(actor: &Actor) -> bool {
        desk_role(actor).is_ok()
    }

    /// Deletes a story that is not out (a contributor: their own draft), if still at `if_match`.
    pub async fn delete_news(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        let (role, current) = self.desk_article(actor, id).await?;
        self.allowed(role, actor, &current, Action::Delete)?;
        let entry = self
            .audit(actor, "news.delete", id)
            .deleted(&current.input());
        self.store
            .delete_news_article(id, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        self.tickers_changed(&current, &current);
        Ok(())
    }

    /// The desk's list, newest first (a contributor sees only their own stories).
    pub async fn list_news(
        &self,
        actor: &Actor,
        filter: &NewsFilter,
        page: &PageRequest,
    ) -> AppResult<Page<NewsArticleView>> {
        let role = desk_role(actor)?;
        let mut f = filter.clone();
        if let Some(s) = &f.state {
            if State::parse(s).is_none() {
                return Err(AppError::invalid(
                    "invalid-state",
                    format!("state: unknown state {s:?}"),
                )
                .with_member("field", "state".into()));
            }
        }
        if let Some(r) = &f.rubric {
            check::field_error_if("rubric", core::rules::rubric("rubric", r))?;
        }
        if let Some(l) = &f.lang {
            check::field_error_if("lang", core::rules::lang("lang", l))?;
        }
        if role == DeskRole::Contributor {
            f.author_id = Some(actor.user.id.clone());
        }
        let page = self.store.list_news(&f, page).await?;
        let now = self.now_ms();
        Ok(Page {
            items: page.items.into_iter().map(|a| view(a, now)).collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// What the public sees now in `lang` (optionally of one rubric, carrying every tag of `tags`, published
    /// before `before`), newest first.
    pub async fn public_news(
        &self,
        lang: &str,
        rubric: Option<&str>,
        tags: &[String],
        before: Option<i64>,
        limit: i64,
    ) -> AppResult<Vec<NewsArticle>> {
        check::field_error_if("lang", core::rules::lang("lang", lang))?;
        if let Some(r) = rubric {
            check::field_error_if("rubric", core::rules::rubric("rubric", r))?;
        }
        Ok(self
            .store
            .public_news(&PublicNewsQuery {
                lang: lang.to_string(),
                rubric: rubric.map(str::to_string),
                tags: tags.to_vec(),
                at: self.now_ms(),
                before,
                limit,
            })
            .await?)
    }

    /// One story the public sees now (any other is `news-not-found`).
    pub async fn public_news_article(&self, id: &str) -> AppResult<NewsArticle> {
        let a = self.store.news_article(id).await.map_err(not_found)?;
        if core::visible_at(state(&a), &times(&a), self.now_ms()) {
            Ok(a)
        } else {
            Err(AppError::missing("news-not-found", "no such article"))
        }
    }

    /// The portal search's documents of the stories the public sees now: one per story and language, titled with
    /// the headline, the lead and the body's text as its body.
    pub async fn news_search_docs(&self) -> AppResult<Vec<twincast_search::Doc>> {
        let mut docs = Vec::new();
        for lang in core::LANGS {
            for a in self.public_news(lang, None, &[], None, 500).await? {
                if let Some(v) = a.versions.get(lang) {
                    docs.push(twincast_search::Doc {
                        kind: twincast_search::Kind::News,
                        key: a.id.clone(),
                        lang: lang.to_string(),
                        title: v.headline.clone(),
                        body: format!("{} {}", v.lead, render::plain_text(&v.body)),
                        url: format!("/{lang}/news/{}", a.id),
                    });
                }
            }
        }
        Ok(docs)
    }

    /// Published short headlines in `lang` with every tag of `tags`, newest first (what tickers show).
    pub async fn news_headlines(
        &self,
        lang: &str,
        tags: &[String],
        limit: i64,
    ) -> AppResult<Vec<NewsHeadline>> {
        check::field_error_if("lang", core::rules::lang("lang", lang))?;
        Ok(self
            .store
            .news_headlines(lang, tags, self.now_ms(), limit)
            .await?)
    }
}
