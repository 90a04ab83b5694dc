//! The portal's public airtime figures (`/{lang}/airtime`, docs/airtime.md): the hours each partner city was
//! shown on the host city's screens, per local month, the last twelve months. Only while the operator has enabled
//! them (a console setting, default off); otherwise the page does not exist (404). The figures are summed at most
//! once a minute (`App::public_figures`); the page is tagged and may be kept by shared caches for a minute.

use super::{base_url, failed, not_found, respond, Rendered, Site};
use crate::i18n::Lang;
use crate::Pages;
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    Router::new().route(
        &format!("/{}/airtime", lang.tag()),
        get(move |s: State<Pages>, h: HeaderMap| page(s, h, lang)),
    )
}

/// One partner city's row.
struct Row {
    href: Option<String>,
    name: String,
    hours: Vec<String>,
    total: String,
}

#[derive(Template)]
#[template(path = "portal/airtime.html")]
struct AirtimePage {
    s: Site,
    months: Vec<String>,
    rows: Vec<Row>,
}

fn hours(h: f64) -> String {
    format!("{h:.1}")
}

async fn page(State(pages): State<Pages>, headers: HeaderMap, lang: Lang) -> Response {
    let base = base_url(&pages, &headers);
    let figures = match pages.app.public_figures().await {
        Ok(Some(f)) => f,
        Ok(None) => return not_found(lang, &base),
        Err(e) => return failed(e),
    };
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let s = Site::new(
        lang,
        &base,
        "/airtime",
        "",
        crate::i18n::Tr::new(lang).get("portal-airtime-title"),
    );
    let mut rows: Vec<Row> = figures
        .partners
        .iter()
        .map(|(slug, per_month)| {
            let city = snap.cities.iter().find(|c| c.partner.slug == *slug);
            Row {
                href: city.map(|_| s.href(&format!("/cities/{slug}"))),
                name: city.map_or_else(|| slug.clone(), |c| s.name(c).to_string()),
                hours: per_month.iter().map(|h| hours(*h)).collect(),
                total: hours(per_month.iter().sum()),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let t = AirtimePage {
        s,
        months: figures.months.clone(),
        rows,
    };
    match t.render() {
        Ok(html) => respond(
            Arc::new(Rendered::new(html)),
            "text/html; charset=utf-8",
            "public, max-age=60",
        ),
        Err(e) => failed(twincast_app::AppError::internal(e)),
    }
}
