//! Tour mode: every city in turn, in the browser, like a screen plays them (fullscreen, a random next city,
//! pause, the city's caption). The page carries the playlist as JSON; `web/pages/js/tour.js` plays it. Without
//! a script the page is a list of the cities' pages.

use super::{base_url, failed, html, Site};
use crate::i18n::Lang;
use crate::Pages;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use twincast_app::portal::{City, Snapshot};

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    Router::new().route(
        &format!("/{}/tour", lang.tag()),
        get(move |s: State<Pages>, h: HeaderMap| tour(s, h, lang)),
    )
}

/// One stop of the tour, as the script reads it.
#[derive(Debug, Serialize)]
struct Stop {
    slug: String,
    name: String,
    country: String,
    about: String,
    href: String,
    video: String,
    hls: Option<String>,
    mp4: Option<String>,
    poster: Option<String>,
}

fn stops(s: &Site, snap: &Snapshot) -> Vec<Stop> {
    snap.cities
        .iter()
        .filter_map(|c: &City| {
            let v = c.videos.last()?;
            Some(Stop {
                slug: c.partner.slug.clone(),
                name: s.name(c).to_string(),
                country: s.country(&c.partner.country),
                about: s.about(c).to_string(),
                href: s.href(&format!("/cities/{}", c.partner.slug)),
                video: v.id.clone(),
                hls: v.hls.clone(),
                mp4: v.mp4.clone().or_else(|| Some(v.original.clone())),
                poster: v.poster.clone(),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/tour.html")]
struct TourPage {
    s: Site,
    stops: Vec<Stop>,
    json: String,
}

async fn tour(State(pages): State<Pages>, headers: HeaderMap, lang: Lang) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let key = format!("tour|{}|{base}", lang.tag());
    html(pages.caches.portal.get_or_render(key, snap.generation, || {
        let mut s = Site::new(
            lang,
            &base,
            "/tour",
            "tour",
            crate::i18n::Tr::new(lang).get("portal-tour-title"),
        );
        s.head = super::share::page_head(&s);
        let stops = stops(&s, &snap);
        // JSON inside <script>: `<` escaped so no text can close the element.
        let json = serde_json::to_string(&stops)
            .unwrap_or_else(|_| "[]".into())
            .replace('<', "\\u003c");
        TourPage { s, stops, json }.render()
    }))
}
