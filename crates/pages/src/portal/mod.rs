//! The public portal: `/` and `/{lang}/…` (`en`, `ru`, `zh`). Anyone can watch the partner cities' videos, see
//! them on a world map, follow a tour that plays every city in turn like a screen does, and see what the city's
//! screens show now. No login, no cookie: the language is in the URL (`/` sends a first visit to the browser's
//! language), and every page links its other languages (`hreflang`).
//!
//! Pages are rendered from the application's [`Snapshot`](twincast_app::portal::Snapshot) and kept, rendered,
//! until the snapshot changes ([`PageCache`]): a busy page costs a lookup, not a database round trip.

mod airtime;
mod cities;
mod embed;
mod news;
pub mod news_feeds;
mod oembed;
mod project;
mod projects;
mod search;
pub mod share;
mod sitemap;
mod tour;

use crate::i18n::{Lang, Tr};
use crate::view::url_escape;
use crate::Pages;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use twincast_app::portal::City;

/// The portal's routes.
pub fn router() -> Router<Pages> {
    let mut r = Router::new()
        .route("/", get(root))
        .merge(oembed::router())
        .merge(sitemap::router())
        .merge(news_feeds::router());
    for lang in Lang::ALL {
        let tag = lang.tag();
        r = r
            .route(
                &format!("/{tag}"),
                get(move || async move { Redirect::permanent(&format!("/{tag}/")) }),
            )
            .merge(cities::router(lang))
            .merge(embed::router(lang))
            .merge(tour::router(lang))
            .merge(search::router(lang))
            .merge(news::router(lang))
            .merge(projects::router(lang))
            .merge(airtime::router(lang));
    }
    r.layer(axum::middleware::from_fn(negotiate))
}

/// `GET /`: the portal in the browser's language (`Accept-Language`, else English).
async fn root(headers: HeaderMap) -> Response {
    let lang = Lang::negotiate(
        crate::session::cookie(&headers, crate::session::LANG_COOKIE).as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut res = Redirect::to(&format!("/{}/", lang.tag())).into_response();
    res.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    res
}

/// What every portal page shows around its content: language, title, the way to the same page in the other
/// languages, the search box.
#[derive(Debug, Clone)]
pub struct Site {
    /// The page's language.
    pub tr: Tr,
    /// The page title (translated).
    pub title: String,
    /// A one-line summary (meta description, OpenGraph).
    pub description: String,
    /// The page's path after the language prefix (`/`, `/cities`, `/cities/akashi`).
    pub path: String,
    /// Scheme and host for absolute URLs (canonical, hreflang).
    pub base: String,
    /// The navigation entry of the page (`home`, `cities`, `tour`, `news`, `projects`, `search`).
    pub section: &'static str,
    /// What the search box holds.
    pub query: String,
    /// Extra `<head>` markup (OpenGraph, JSON-LD), already escaped.
    pub head: String,
}

impl Site {
    /// The furniture of a page at `path` (after the language prefix).
    pub fn new(lang: Lang, base: &str, path: &str, section: &'static str, title: String) -> Site {
        let tr = Tr::new(lang);
        Site {
            description: tr.get("portal-lead"),
            tr,
            title,
            path: path.to_string(),
            base: base.to_string(),
            section,
            query: String::new(),
            head: String::new(),
        }
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        self.tr.get(id)
    }

    /// The page's language tag.
    pub fn lang(&self) -> &'static str {
        self.tr.lang.tag()
    }

    /// A path in the page's language (`/cities` → `/ru/cities`).
    pub fn href(&self, path: &str) -> String {
        format!("/{}{}", self.lang(), path)
    }

    /// The absolute URL of this page in `lang`.
    pub fn url_in(&self, lang: &str) -> String {
        format!("{}/{lang}{}", self.base, self.path)
    }

    /// The absolute URL of this page (canonical).
    pub fn canonical(&self) -> String {
        self.url_in(self.lang())
    }

    /// The languages for the switcher: (tag, own name, path of this page in it, whether current).
    pub fn langs(&self) -> Vec<(&'static str, &'static str, String, bool)> {
        Lang::ALL
            .iter()
            .map(|l| {
                (
                    l.tag(),
                    l.endonym(),
                    format!("/{}{}", l.tag(), self.path),
                    *l == self.tr.lang,
                )
            })
            .collect()
    }

    /// The navigation: (key, href, label).
    pub fn nav(&self) -> Vec<(&'static str, String, String)> {
        [
            ("home", "/", "portal-nav-home"),
            ("cities", "/cities", "portal-nav-cities"),
            ("tour", "/tour", "portal-nav-tour"),
            ("news", "/news", "portal-nav-news"),
            ("projects", "/projects", "portal-nav-projects"),
        ]
        .into_iter()
        .map(|(k, p, l)| (k, self.href(p), self.t(l)))
        .collect()
    }

    /// Whether `key` is the current section.
    pub fn is_current(&self, key: &str) -> bool {
        self.section == key
    }

    /// A country's name from its ISO code (the code when the catalogue lacks it).
    pub fn country(&self, code: &str) -> String {
        country(self.tr, code)
    }

    /// A continent's name.
    pub fn continent(&self, key: &str) -> String {
        let id = format!("continent-{key}");
        if crate::i18n::Catalogue::get().has(self.tr.lang, &id) {
            self.t(&id)
        } else {
            key.to_string()
        }
    }

    /// A place kind's name (`airport`, …).
    pub fn kind(&self, kind: &str) -> String {
        let id = format!("kind-{kind}");
        if crate::i18n::Catalogue::get().has(self.tr.lang, &id) {
            self.t(&id)
        } else {
            kind.to_string()
        }
    }

    /// A whole number per locale.
    pub fn number(&self, n: &i64) -> String {
        self.tr.lang.number(*n)
    }

    /// A city's name in the page's language.
    pub fn name<'a>(&self, c: &'a City) -> &'a str {
        c.name(self.lang())
    }

    /// A city's description in the page's language.
    pub fn about<'a>(&self, c: &'a City) -> &'a str {
        c.description(self.lang())
    }

    /// `s`, encoded for a query parameter.
    pub fn escape_param(&self, s: &str) -> String {
        url_escape(s)
    }
}

/// A country's name from its ISO code in `tr`'s language (the code when the catalogue lacks it).
pub fn country(tr: Tr, code: &str) -> String {
    let id = format!("country-{code}");
    if crate::i18n::Catalogue::get().has(tr.lang, &id) {
        tr.get(&id)
    } else {
        code.to_string()
    }
}

/// Scheme and host for absolute URLs: the configured public base URL, else the request's `Host` over HTTP.
pub fn base_url(pages: &Pages, headers: &HeaderMap) -> String {
    if !pages.base_url.is_empty() {
        return pages.base_url.clone();
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

/// A rendered page: its bytes, gzip-compressed once, and its entity tag.
#[derive(Debug)]
pub struct Rendered {
    raw: Bytes,
    gz: Bytes,
    etag: HeaderValue,
}

impl Rendered {
    /// `html`, compressed and tagged.
    pub fn new(html: String) -> Rendered {
        use sha2::Digest as _;
        use std::io::Write as _;
        let raw = Bytes::from(html);
        let mut enc = flate2::write::GzEncoder::new(
            Vec::with_capacity(raw.len() / 4),
            flate2::Compression::new(6),
        );
        let gz = match enc.write_all(&raw).and_then(|_| enc.finish()) {
            Ok(v) => Bytes::from(v),
            Err(_) => Bytes::new(),
        };
        let digest = sha2::Sha256::digest(&raw);
        let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..12])))
            .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
        Rendered { raw, gz, etag }
    }
}

/// The most rendered pages kept at once (a few per city and language on a real network).
const MAX_KEPT_PAGES: usize = 4096;

/// Rendered portal pages, each kept with the generation of the data it was rendered from.
#[derive(Debug, Default)]
pub struct PageCache {
    pages: Mutex<HashMap<String, (u64, Arc<Rendered>)>>,
}

impl PageCache {
    /// The page kept under `key` if it was rendered from `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<Rendered>> {
        let g = self.pages.lock().ok()?;
        g.get(key)
            .filter(|(gen, _)| *gen == generation)
            .map(|(_, page)| page.clone())
    }

    /// The page kept under `key` if rendered from `generation`, else `render`'s output, kept.
    pub fn get_or_render(
        &self,
        key: String,
        generation: u64,
        render: impl FnOnce() -> Result<String, askama::Error>,
    ) -> Result<Arc<Rendered>, askama::Error> {
        if let Ok(g) = self.pages.lock() {
            if let Some((gen, page)) = g.get(&key) {
                if *gen == generation {
                    return Ok(page.clone());
                }
            }
        }
        let page = Arc::new(Rendered::new(render()?));
        if let Ok(mut g) = self.pages.lock() {
            if g.len() >= MAX_KEPT_PAGES {
                g.retain(|_, (gen, _)| *gen == generation);
            }
            // Keys carry request-chosen parts (the `Host` a link is built from, a film id): past the bound even
            // in one generation, a page is served without being kept rather than letting requests grow memory.
            if g.len() < MAX_KEPT_PAGES {
                g.insert(key, (generation, page.clone()));
            }
        }
        Ok(page)
    }
}

/// A rendered page as an HTML response that shared caches may keep briefly ([`negotiate`] then answers a
/// matching `If-None-Match` with 304 and sends the gzip form to a client that accepts it).
pub fn html(page: Result<Arc<Rendered>, askama::Error>) -> Response {
    match page {
        Ok(p) => respond(p, "text/html; charset=utf-8", "public, max-age=10"),
        Err(e) => {
            tracing::error!(error = %e, "portal template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

/// A rendered document of `content_type` with its tag, for [`negotiate`] to finish.
pub fn respond(p: Arc<Rendered>, content_type: &'static str, cache: &'static str) -> Response {
    let mut res = (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::VARY, "Accept-Encoding"),
        ],
        p.raw.clone(),
    )
        .into_response();
    res.headers_mut().insert(header::ETAG, p.etag.clone());
    res.extensions_mut().insert(p);
    res
}

/// Serves a [`Rendered`] page as the request prefers: 304 when its `If-None-Match` names the page's tag, gzip when
/// it accepts gzip (compressed once, when the page was rendered), else the plain bytes.
pub async fn negotiate(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let inm = req.headers().get(header::IF_NONE_MATCH).cloned();
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|e| {
                let mut parts = e.split(';');
                parts.next().is_some_and(|n| n.trim() == "gzip")
                    && !parts.any(|q| matches!(q.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"))
            })
        });
    let mut res = next.run(req).await;
    let Some(page) = res.extensions_mut().remove::<Arc<Rendered>>() else {
        return res;
    };
    if res.status() == StatusCode::OK && inm.is_some_and(|t| t == page.etag) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for h in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(v) = res.headers().get(&h) {
                not_modified.headers_mut().insert(h, v.clone());
            }
        }
        return not_modified;
    }
    if gzip && !page.gz.is_empty() {
        res.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        res.headers_mut().remove(header::CONTENT_LENGTH);
        *res.body_mut() = axum::body::Body::from(page.gz.clone());
    }
    res
}

/// The portal's "not found" page in `lang`.
pub fn not_found(lang: Lang, base: &str) -> Response {
    #[derive(askama::Template)]
    #[template(path = "portal/missing.html")]
    struct Missing {
        s: Site,
    }
    let tr = Tr::new(lang);
    let s = Site::new(lang, base, "/", "", tr.get("portal-missing-title"));
    let mut res =
        html(askama::Template::render(&Missing { s }).map(|h| Arc::new(Rendered::new(h))));
    *res.status_mut() = StatusCode::NOT_FOUND;
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// An internal failure of a portal page (logged; the reader sees a short apology).
pub fn failed(e: twincast_app::AppError) -> Response {
    tracing::error!(error = %e, "portal page failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "The page is not available right now; please try again in a moment.",
    )
        .into_response()
}

/// Keeps the state type's name short in handlers.
pub type St = State<Pages>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_pages_stay_bounded_whatever_the_keys() {
        let cache = PageCache::default();
        for i in 0..MAX_KEPT_PAGES + 100 {
            let page = cache
                .get_or_render(format!("home|en|http://host{i}"), 7, || {
                    Ok(format!("<p>{i}</p>"))
                })
                .unwrap();
            assert_eq!(page.raw, Bytes::from(format!("<p>{i}</p>")), "still served");
        }
        assert_eq!(cache.pages.lock().unwrap().len(), MAX_KEPT_PAGES);
        // A new generation drops the old pages and keeps again.
        cache
            .get_or_render("home|en|http://host0".into(), 8, || Ok("<p>new</p>".into()))
            .unwrap();
        assert_eq!(cache.pages.lock().unwrap().len(), 1);
    }
}
