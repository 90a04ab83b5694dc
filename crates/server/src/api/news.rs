//! The news desk's API: `/api/v1/news/articles` (the desk: contributors, news editors, operators, admins) with
//! the state actions, `/api/v1/news/rubrics`, and the public reads under `/api/v1/public/news` (what anyone sees
//! now, a story as IPTC ninjs 3.3, short headlines for tickers). The feeds (RSS, Atom, JSON Feed) and the news
//! sitemap are portal pages (`twincast_pages::portal::news_feeds`); docs/news.md lists every route.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use twincast_app::news::{formats, NewsArticleView, RubricView};
use twincast_app::AppError;
use twincast_core::news::Action;
use twincast_store::{NewsArticle, NewsArticleInput, NewsFilter, NewsHeadline};

/// The desk's list filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ArticleQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only in this stored state (`draft`, `in_review`, `scheduled`, `published`, `withdrawn`).
    pub state: Option<String>,
    /// Only of this rubric.
    pub rubric: Option<String>,
    /// Only with a version in this language.
    pub lang: Option<String>,
    /// Only with this tag.
    pub tag: Option<String>,
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// The desk's stories, newest first (a contributor sees only their own).
#[utoipa::path(get, path = "/api/v1/news/articles", tag = "news", params(ArticleQuery),
    responses((status = 200, body = List<NewsArticleView>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<ArticleQuery>,
) -> ApiResult<Json<List<NewsArticleView>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let filter = NewsFilter {
        state: nonempty(q.state),
        rubric: nonempty(q.rubric),
        lang: nonempty(q.lang),
        tag: nonempty(q.tag),
        author_id: None,
        q: None,
    };
    Ok(Json(
        state
            .app
            .list_news(&who.actor(), &filter, &page)
            .await?
            .into(),
    ))
}

/// Writes a new story as a draft (contributor, news editor, operator, admin). Bad fields are 400 with the
/// `field` member naming the field (`versions.en.short_headline`, `rubric`, …).
#[utoipa::path(post, path = "/api/v1/news/articles", tag = "news", request_body = NewsArticleInput,
    responses((status = 201, body = NewsArticleView, headers(("ETag" = String, description = "The story's version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, description = "duplicate-wire-item: the wire item is stored already", body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(body): ApiJson<NewsArticleInput>,
) -> ApiResult<(StatusCode, Tagged<NewsArticleView>)> {
    let a = state.app.create_news(&who.actor(), &body).await?;
    Ok((StatusCode::CREATED, Tagged(a.article.version, a)))
}

/// One story as the desk sees it (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/news/articles/{id}", tag = "news", params(("id" = String, Path)),
    responses((status = 200, body = NewsArticleView, headers(("ETag" = String, description = "The story's version, for If-Match"))),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<NewsArticleView>> {
    let a = state.app.news_article(&who.actor(), &id).await?;
    Ok(Tagged(a.article.version, a))
}

/// Replaces a story's fields (a contributor: their own draft; an editor: any). With `If-Match`, only if nobody
/// changed it since (412 `stale-version` otherwise).
#[utoipa::path(put, path = "/api/v1/news/articles/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = NewsArticleInput,
    responses((status = 200, body = NewsArticleView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<NewsArticleInput>,
) -> ApiResult<Tagged<NewsArticleView>> {
    let a = state
        .app
        .update_news(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(a.article.version, a))
}

/// Changes the fields a JSON merge patch (RFC 7396) names; same rules as the full update.
#[utoipa::path(patch, path = "/api/v1/news/articles/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of NewsArticleInput to change"),
    responses((status = 200, body = NewsArticleView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<NewsArticleView>> {
    let a = state
        .app
        .patch_news(&who.actor(), &id, &body, if_match)
        .await?;
    Ok(Tagged(a.article.version, a))
}

/// Deletes a story that is not out (a contributor: their own draft; an editor: any but a published one, which
/// is withdrawn first).
#[utoipa::path(delete, path = "/api/v1/news/articles/{id}", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "invalid-transition: a published story is withdrawn first", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state.app.delete_news(&who.actor(), &id, if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body of a state action (only `schedule` reads it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// For `schedule`: when to publish, RFC 3339 (`2026-12-01T02:00:00Z`) or a local date and time in the site's
    /// zone (`2026-12-01T10:00`).
    #[serde(default)]
    pub at: Option<String>,
}

async fn act(
    state: AppState,
    who: Principal,
    id: String,
    action: Action,
    at: Option<String>,
    if_match: Option<i64>,
) -> ApiResult<Tagged<NewsArticleView>> {
    let a = state
        .app
        .news_action(&who.actor(), &id, action, at.as_deref(), if_match)
        .await?;
    Ok(Tagged(a.article.version, a))
}

macro_rules! action {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "news",
            params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
            responses((status = 200, body = NewsArticleView, headers(("ETag" = String, description = "The new version"))),
                (status = 403, description = "forbidden: the role may not do this", body = crate::error::Problem),
                (status = 404, body = crate::error::Problem),
                (status = 409, description = "invalid-transition: not a step of the story's life from its state", body = crate::error::Problem),
                (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
        pub async fn $name(
            State(state): State<AppState>,
            who: Principal,
            Path(id): Path<String>,
            IfMatch(if_match): IfMatch,
        ) -> ApiResult<Tagged<NewsArticleView>> {
            act(state, who, id, $action, None, if_match).await
        }
    };
}

action!(
    submit,
    "/api/v1/news/articles/{id}/submit",
    Action::Submit,
    "Hands a draft to the editors (its writer, or an editor)."
);
action!(
    send_back,
    "/api/v1/news/articles/{id}/send-back",
    Action::SendBack,
    "Sends a submitted or scheduled story back to draft (news editor, operator, admin)."
);
action!(
    publish,
    "/api/v1/news/articles/{id}/publish",
    Action::Publish,
    "Publishes a story now (news editor, operator, admin)."
);
action!(
    withdraw,
    "/api/v1/news/articles/{id}/withdraw",
    Action::Withdraw,
    "Takes a published or scheduled story down (news editor, operator, admin)."
);
action!(
    reopen,
    "/api/v1/news/articles/{id}/reopen",
    Action::Reopen,
    "Makes a withdrawn story a draft again (news editor, operator, admin)."
);

/// Schedules a story's publication at `at` (news editor, operator, admin): it is visible from that instant
/// without any further step. `at` must be in the future.
#[utoipa::path(post, path = "/api/v1/news/articles/{id}/schedule", tag = "news",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = ActionBody,
    responses((status = 200, body = NewsArticleView, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "missing-time, invalid-time, time-in-past (member `field`: `at`)", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "invalid-transition", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn schedule(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Tagged<NewsArticleView>> {
    act(state, who, id, Action::Schedule, body.at, if_match).await
}

/// The desk's rubrics with their names in ru, en and zh.
#[utoipa::path(get, path = "/api/v1/news/rubrics", tag = "news",
    responses((status = 200, body = Vec<RubricView>)))]
pub async fn rubrics() -> Json<Vec<RubricView>> {
    Json(twincast_app::news::rubrics())
}

/// What the public may list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    /// Language: `ru`, `en` or `zh`.
    pub lang: String,
    /// Only of this rubric.
    pub rubric: Option<String>,
    /// Only with every one of these tags (comma-separated).
    pub tags: Option<String>,
    /// Only published before this instant (epoch ms; the next page).
    pub before: Option<i64>,
    /// At most this many (1..=100, default 20).
    pub limit: Option<i64>,
}

fn tags(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn limit(l: Option<i64>) -> ApiResult<i64> {
    match l {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::from(
            AppError::invalid(
                "invalid-limit",
                "limit must be a whole number from 1 to 100",
            )
            .with_member("field", "limit".into()),
        )),
    }
}

/// The stories the public sees now in a language, newest first.
#[utoipa::path(get, path = "/api/v1/public/news", tag = "news", params(PublicQuery),
    responses((status = 200, body = Vec<NewsArticle>), (status = 400, body = crate::error::Problem)))]
pub async fn public_list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PublicQuery>,
) -> ApiResult<Json<Vec<NewsArticle>>> {
    let n = limit(q.limit)?;
    let mut items = state
        .app
        .public_news(
            &q.lang,
            q.rubric.as_deref().filter(|s| !s.is_empty()),
            &tags(q.tags.as_deref()),
            q.before,
            n,
        )
        .await?;
    // The public never sees the desk's own fields.
    for a in &mut items {
        a.author_id.clear();
    }
    Ok(Json(items))
}

/// The language of an export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    /// `ru`, `en` or `zh` (default: the first version the story has, in that order).
    pub lang: Option<String>,
}

/// A published story as IPTC ninjs 3.3 (`application/ninjs+json`), in one language; the other languages are
/// its `associations` (`rel` `translation`).
#[utoipa::path(get, path = "/api/v1/public/news/{id}/ninjs", tag = "news",
    params(("id" = String, Path), LangQuery),
    responses((status = 200, content_type = "application/ninjs+json", body = Object),
        (status = 400, body = crate::error::Problem),
        (status = 404, description = "news-not-found, or no version in that language", body = crate::error::Problem)))]
pub async fn ninjs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LangQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = state.app.public_news_article(&id).await?;
    let lang = match q.lang.filter(|l| !l.is_empty()) {
        Some(l) => {
            twincast_core::news::rules::lang("lang", &l).map_err(|e| {
                AppError::invalid(e.code, e.message).with_member("field", "lang".into())
            })?;
            l
        }
        None => twincast_core::news::LANGS
            .iter()
            .find(|l| a.versions.contains_key(**l))
            .map(|l| l.to_string())
            .unwrap_or_default(),
    };
    let base = base(&state, &headers);
    let doc = formats::ninjs(&base, &a, &lang).ok_or_else(|| {
        AppError::missing("news-not-found", format!("the story has no {lang} version"))
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, formats::NINJS_TYPE),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        serde_json::to_string_pretty(&doc).map_err(AppError::internal)?,
    )
        .into_response())
}

/// Which headlines a ticker wants.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HeadlineQuery {
    /// `ru`, `en` or `zh`.
    pub lang: String,
    /// Only with every one of these tags (comma-separated).
    pub tags: Option<String>,
    /// At most this many (1..=100, default 20).
    pub limit: Option<i64>,
}

/// Published short headlines in a language (with every tag asked), newest first: what a ticker shows.
#[utoipa::path(get, path = "/api/v1/public/news/headlines", tag = "news", params(HeadlineQuery),
    responses((status = 200, body = Vec<NewsHeadline>), (status = 400, body = crate::error::Problem)))]
pub async fn headlines(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<HeadlineQuery>,
) -> ApiResult<Json<Vec<NewsHeadline>>> {
    let n = limit(q.limit)?;
    Ok(Json(
        state
            .app
            .news_headlines(&q.lang, &tags(q.tags.as_deref()), n)
            .await?,
    ))
}

/// Scheme and host for absolute URLs: the configured public URL, else the request's host.
fn base(state: &AppState, headers: &HeaderMap) -> String {
    let configured = state.config.public_base_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}
