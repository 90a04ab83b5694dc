//! The news on the portal: `/{lang}/news` (the latest-news column: headlines with date and time, newest first,
//! `?before=` for older ones), `/{lang}/news/{id}` (a story: dateline, lead, body, source, contact block, its other
//! languages, schema.org `NewsArticle` JSON-LD) and `/{lang}/news/rubrics/{slug}` (one rubric). Every news page
//! announces the feeds (`<link rel="alternate">`). Rendered per request from what the public sees at this instant
//! (a scheduled story appears, an expired or withdrawn one leaves, at its time; nothing to invalidate).

use super::news_feeds::alternates;
use super::share::{attr, json_in_script};
use super::{base_url, failed, html, not_found, respond, Rendered, Site};
use crate::i18n::{Lang, Tr};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::fmt::Write;
use std::sync::Arc;
use twincast_app::news::formats::{article_url, content_html, published, rfc3339};
use twincast_core::news::{Rubric, RUBRICS};
use twincast_store::NewsArticle;

/// A rendered news page: revalidated on every visit (`no-cache`, answered 304 by its tag when unchanged), since a
/// story may appear or leave at any instant.
fn news_html(page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(h) => respond(
            Arc::new(Rendered::new(h)),
            "text/html; charset=utf-8",
            "no-cache",
        ),
        Err(e) => html(Err(e)),
    }
}

/// Stories per page of the latest-news column.
pub const PAGE: i64 = 30;

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    let tag = lang.tag();
    Router::new()
        .route(
            &format!("/{tag}/news"),
            get(move |s: State<Pages>, h: HeaderMap, q: Query<ListQuery>| {
                latest(s, h, q, lang, None)
            }),
        )
        .route(
            &format!("/{tag}/news/rubrics/{{slug}}"),
            get(
                move |s: State<Pages>,
                      h: HeaderMap,
                      q: Query<ListQuery>,
                      Path(slug): Path<String>| async move {
                    latest(s, h, q, lang, Some(slug)).await
                },
            ),
        )
        .route(
            &format!("/{tag}/news/{{id}}"),
            get(
                move |s: State<Pages>, h: HeaderMap, Path(id): Path<String>| {
                    article(s, h, id, lang)
                },
            ),
        )
}

/// The list's paging.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Only stories published before this instant (epoch ms).
    before: Option<i64>,
}

/// A headline in a list.
pub struct Row {
    /// The story's page.
    pub href: String,
    /// Headline.
    pub headline: String,
    /// Lead.
    pub lead: String,
    /// `YYYY-MM-DD HH:MM` in the site's zone.
    pub when: String,
    /// RFC 3339.
    pub when_iso: String,
    /// The rubric's name and page.
    pub rubric: (String, String),
}

/// `ms` as `YYYY-MM-DD HH:MM` in the zone `tz`.
pub fn local_time(ms: i64, tz: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned_datetime(zone)
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// The rows of `articles` in `lang`.
pub fn rows(articles: &[NewsArticle], lang: Lang, tz: &str) -> Vec<Row> {
    articles
        .iter()
        .filter_map(|a| {
            let v = a.versions.get(lang.tag())?;
            let r = Rubric::by_slug(&a.rubric)?;
            Some(Row {
                href: format!("/{}/news/{}", lang.tag(), a.id),
                headline: v.headline.clone(),
                lead: v.lead.clone(),
                when: local_time(published(a), tz),
                when_iso: rfc3339(published(a)),
                rubric: (
                    r.name(lang.tag()).to_string(),
                    format!("/{}/news/rubrics/{}", lang.tag(), r.slug),
                ),
            })
        })
        .collect()
}

fn feed_links(lang: Lang) -> String {
    let mut out = String::new();
    for (ty, title, href) in alternates(lang) {
        let _ = writeln!(
            out,
            r#"<link rel="alternate" type="{ty}" title="{}" href="{}">"#,
            attr(&title),
            attr(&href)
        );
    }
    out
}

#[derive(Template)]
#[template(path = "portal/news.html")]
struct ListPage {
    s: Site,
    rows: Vec<Row>,
    rubrics: Vec<(String, String, bool)>,
    older: Option<String>,
    feeds: Vec<(&'static str, String, String)>,
}

async fn latest(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
    lang: Lang,
    rubric: Option<String>,
) -> Response {
    let base = base_url(&pages, &headers);
    let tr = Tr::new(lang);
    let r = match rubric.as_deref() {
        Some(slug) => match Rubric::by_slug(slug) {
            Some(r) => Some(r),
            None => return not_found(lang, &base),
        },
        None => None,
    };
    let articles = match pages
        .app
        .public_news(lang.tag(), r.map(|r| r.slug), &[], q.before, PAGE)
        .await
    {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    let (path, title) = match r {
        Some(r) => (
            format!("/news/rubrics/{}", r.slug),
            r.name(lang.tag()).to_string(),
        ),
        None => ("/news".to_string(), tr.get("news-latest-title")),
    };
    let mut s = Site::new(lang, &base, &path, "news", title);
    s.head = feed_links(lang);
    let tz = pages.app.site_time_zone().to_string();
    let older = (articles.len() as i64 == PAGE)
        .then(|| {
            articles
                .last()
                .map(|a| format!("/{}{}?before={}", lang.tag(), path, published(a)))
        })
        .flatten();
    let page = ListPage {
        rows: rows(&articles, lang, &tz),
        rubrics: RUBRICS
            .iter()
            .map(|x| {
                (
                    x.name(lang.tag()).to_string(),
                    format!("/{}/news/rubrics/{}", lang.tag(), x.slug),
                    Some(x.slug) == r.map(|r| r.slug),
                )
            })
            .collect(),
        older,
        feeds: alternates(lang),
        s,
    };
    news_html(page.render())
}

#[derive(Template)]
#[template(path = "portal/news_article.html")]
struct ArticlePage {
    s: Site,
    headline: String,
    lead: String,
    body: String,
    dateline: String,
    when: String,
    when_iso: String,
    rubric: (String, String),
    tags: Vec<String>,
    source: Option<(String, String)>,
    contact: Vec<String>,
    others: Vec<(&'static str, &'static str, String, String)>,
}

async fn article(
    State(pages): State<Pages>,
    headers: HeaderMap,
    id: String,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let a = match pages.app.public_news_article(&id).await {
        Ok(a) => a,
        Err(twincast_app::AppError::Missing { .. }) | Err(twincast_app::AppError::NotFound(_)) => {
            return not_found(lang, &base)
        }
        Err(e) => return failed(e),
    };
    let Some(v) = a.versions.get(lang.tag()) else {
        return not_found(lang, &base);
    };
    let tz = pages.app.site_time_zone().to_string();
    let r = Rubric::by_slug(&a.rubric).copied().unwrap_or(RUBRICS[0]);
    let mut s = Site::new(
        lang,
        &base,
        &format!("/news/{}", a.id),
        "news",
        v.headline.clone(),
    );
    if !v.lead.is_empty() {
        s.description = v.lead.clone();
    }
    let date = if a.dateline_date.is_empty() {
        local_time(published(&a), &tz)[..10].to_string()
    } else {
        a.dateline_date.clone()
    };
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": v.headline,
        "description": v.lead,
        "datePublished": rfc3339(published(&a)),
        "dateModified": rfc3339(a.updated_at.max(published(&a))),
        "inLanguage": lang.tag(),
        "articleSection": r.name(lang.tag()),
        "keywords": a.tags.join(", "),
        "url": article_url(&base, lang.tag(), &a.id),
        "mainEntityOfPage": article_url(&base, lang.tag(), &a.id),
        "dateline": format!("{}, {}", v.dateline_place, date),
        "author": {"@type": "Organization", "name": if a.source.kind == "wire" { a.source.name.clone() } else { Tr::new(lang).get("portal-site") }},
        "publisher": {"@type": "Organization", "name": Tr::new(lang).get("portal-site")},
    });
    s.head = format!(
        "{}<script type=\"application/ld+json\">{}</script>\n",
        feed_links(lang),
        json_in_script(&ld)
    );
    let others = Lang::ALL
        .iter()
        .filter(|l| **l != lang)
        .filter_map(|l| {
            let ov = a.versions.get(l.tag())?;
            Some((
                l.tag(),
                l.endonym(),
                format!("/{}/news/{}", l.tag(), a.id),
                ov.headline.clone(),
            ))
        })
        .collect();
    let page = ArticlePage {
        headline: v.headline.clone(),
        lead: v.lead.clone(),
        body: content_html(&twincast_store::NewsVersion {
            lead: String::new(),
            ..v.clone()
        }),
        dateline: [v.dateline_place.as_str(), date.as_str()]
            .iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        when: local_time(published(&a), &tz),
        when_iso: rfc3339(published(&a)),
        rubric: (
            r.name(lang.tag()).to_string(),
            format!("/{}/news/rubrics/{}", lang.tag(), r.slug),
        ),
        tags: a.tags.clone(),
        source: (a.source.kind == "wire").then(|| (a.source.name.clone(), a.source.url.clone())),
        contact: v
            .contact
            .lines()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty())
            .collect(),
        others,
        s,
    };
    news_html(page.render())
}
