//! The news desk's public formats on the portal: `/{lang}/news/feed.rss` (RSS 2.0), `/{lang}/news/feed.atom`
//! (Atom) and `/{lang}/news/feed.json` (JSON Feed 1.1) — the 50 newest stories the public sees now in that
//! language — and `/news-sitemap.xml` (the Google News sitemap: stories of the last two days in every
//! language). Written by `twincast_app::news::formats`; computed per request from the clock, so a scheduled
//! story enters and an expired or withdrawn one leaves the feeds at its instant.

use super::{base_url, failed};
use crate::i18n::{Lang, Tr};
use crate::Pages;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use twincast_app::news::formats::{self, FeedInfo};

/// Stories per feed.
pub const FEED_SIZE: i64 = 50;

/// The routes: the feeds of every language and the news sitemap.
pub fn router() -> Router<Pages> {
    let mut r = Router::new().route("/news-sitemap.xml", get(sitemap));
    for lang in Lang::ALL {
        let tag = lang.tag();
        for ext in ["rss", "atom", "json"] {
            r = r.route(
                &format!("/{tag}/news/feed.{ext}"),
                get(move |s: State<Pages>, h: HeaderMap| feed(s, h, lang, ext)),
            );
        }
    }
    r
}

/// The feeds' `<link rel="alternate">` lines for a page in `lang` (type, title, href).
pub fn alternates(lang: Lang) -> Vec<(&'static str, String, String)> {
    let tr = Tr::new(lang);
    let tag = lang.tag();
    vec![
        (
            "application/rss+xml",
            tr.get("news-feed-rss"),
            format!("/{tag}/news/feed.rss"),
        ),
        (
            "application/atom+xml",
            tr.get("news-feed-atom"),
            format!("/{tag}/news/feed.atom"),
        ),
        (
            "application/feed+json",
            tr.get("news-feed-json"),
            format!("/{tag}/news/feed.json"),
        ),
    ]
}

async fn feed(
    State(pages): State<Pages>,
    headers: HeaderMap,
    lang: Lang,
    ext: &'static str,
) -> Response {
    let articles = match pages
        .app
        .public_news(lang.tag(), None, &[], None, FEED_SIZE)
        .await
    {
        Ok(a) => a,
        Err(e) => return failed(e),
    };
    let tr = Tr::new(lang);
    let info = FeedInfo {
        base: base_url(&pages, &headers),
        lang: lang.tag().to_string(),
        title: tr.get("news-feed-title"),
        description: tr.get("news-feed-description"),
        updated: articles
            .iter()
            .map(|a| a.updated_at.max(formats::published(a)))
            .max()
            .unwrap_or_else(|| pages.app.now_ms()),
    };
    let (body, ty) = match ext {
        "rss" => (
            formats::rss(&info, &articles),
            "application/rss+xml; charset=utf-8",
        ),
        "atom" => (
            formats::atom(&info, &articles),
            "application/atom+xml; charset=utf-8",
        ),
        _ => (
            formats::json_feed(&info, &articles),
            "application/feed+json; charset=utf-8",
        ),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=60"),
        ],
        body,
    )
        .into_response()
}

async fn sitemap(State(pages): State<Pages>, headers: HeaderMap) -> Response {
    let mut all = Vec::new();
    for lang in Lang::ALL {
        match pages
            .app
            .public_news(lang.tag(), None, &[], None, 500)
            .await
        {
            Ok(a) => all.extend(a),
            Err(e) => return failed(e),
        }
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all.dedup_by(|a, b| a.id == b.id);
    let name = Tr::new(Lang::En).get("news-feed-title");
    let body = formats::news_sitemap(&base_url(&pages, &headers), &name, &all, pages.app.now_ms());
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}
