//! `/{lang}/search?q=`: the portal's search (cities, news stories and cooperation projects), in the page's
//! language first. A query the application refuses (too long) is shown on its field with a 400.

use super::{base_url, failed, Site};
use crate::i18n::Lang;
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use twincast_app::AppError;
use twincast_search::Kind;

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    Router::new().route(
        &format!("/{}/search", lang.tag()),
        get(move |s: State<Pages>, h: HeaderMap, q: Query<SearchQuery>| search(s, h, q, lang)),
    )
}

/// The search form's fields.
#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// One result as shown.
struct Row {
    kind: &'static str,
    title: String,
    href: String,
    snippet: String,
    lang: String,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchPage {
    s: Site,
    rows: Vec<Row>,
    error: Option<String>,
    searched: bool,
}

/// Results shown per query.
const LIMIT: usize = 30;

async fn search(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let mut s = Site::new(
        lang,
        &base,
        "/search",
        "search",
        crate::i18n::Tr::new(lang).get("portal-search-title"),
    );
    s.query = q.q.clone();
    let text = q.q.trim();
    let (rows, error) = if text.is_empty() {
        (Vec::new(), None)
    } else {
        match pages.app.portal_search(text, lang.tag(), &[], LIMIT).await {
            Ok(hits) => (rows(&pages, lang, hits).await, None),
            Err(AppError::Invalid { .. }) => (
                Vec::new(),
                Some(s.tr.arg(
                    "portal-search-too-long",
                    "max",
                    twincast_app::portal::search::MAX_QUERY_CHARS,
                )),
            ),
            Err(e) => return failed(e),
        }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = SearchPage {
        searched: !text.is_empty(),
        s,
        rows,
        error,
    };
    match page.render() {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "search template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The hits as rows: one per item (its best language), a city named and linked in the page's language.
async fn rows(pages: &Pages, lang: Lang, hits: Vec<twincast_search::Hit>) -> Vec<Row> {
    let snap = pages.app.portal_snapshot().await.ok();
    // Projects are named and linked in the page's language, like cities (every project has all three titles).
    let projects: std::collections::HashMap<String, twincast_core::cooperation::Project> = if hits
        .iter()
        .any(|h| h.kind == Kind::Project)
    {
        match pages
            .app
            .catalogue(&twincast_core::cooperation::Selection::default())
            .await
        {
            Ok(c) => c
                .items
                .into_iter()
                .map(|p| (p.data.slug.clone(), p))
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "the catalogue could not be read for search results");
                Default::default()
            }
        }
    } else {
        Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for h in hits {
        if !seen.insert((h.kind, h.key.clone())) {
            continue;
        }
        let row = match h.kind {
            Kind::City => {
                let Some(c) = snap.as_ref().and_then(|s| s.city(&h.key)) else {
                    continue;
                };
                let same = h.lang == lang.tag();
                Row {
                    kind: "city",
                    title: c.name(lang.tag()).to_string(),
                    href: format!("/{}/cities/{}", lang.tag(), h.key),
                    snippet: if same {
                        h.snippet
                    } else {
                        c.description(lang.tag()).to_string()
                    },
                    lang: lang.tag().to_string(),
                }
            }
            Kind::Project => {
                let Some(p) = projects.get(&h.key) else {
                    continue;
                };
                let same = h.lang == lang.tag();
                Row {
                    kind: "project",
                    title: super::project::pick(&p.data.title, lang.tag())
                        .0
                        .to_string(),
                    href: format!(
                        "/{}/projects/{}",
                        lang.tag(),
                        crate::view::url_escape(&h.key)
                    ),
                    snippet: if same {
                        h.snippet
                    } else {
                        super::project::pick(&p.data.summary, lang.tag())
                            .0
                            .to_string()
                    },
                    lang: lang.tag().to_string(),
                }
            }
            Kind::News => Row {
                kind: h.kind.as_str(),
                title: h.title,
                href: h.url,
                snippet: h.snippet,
                lang: h.lang,
            },
        };
        out.push(row);
    }
    out
}
