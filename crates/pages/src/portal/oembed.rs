//! The oEmbed endpoint (oEmbed 1.0, <https://oembed.com>): `GET /oembed?url=…&format=json&maxwidth=&maxheight=`.
//!
//! `url` is a city's page (`/{lang}/cities/{slug}`, optionally `?v={media id}`; without it the city's newest
//! film) or an embed page (`/{lang}/embed/{media id}`) of this site, in any language; the answer's texts are in
//! that URL's language. The answer is a `video` whose `html` is an `<iframe>` of the embed page, 16:9 within
//! `maxwidth` × `maxheight`.
//!
//! Errors are RFC 9457 problems with the API's shape (`type` `/problems/<code>`, `title`, `status`, `detail`,
//! `code`): `url-required` (400), `invalid-parameter` (400, a size that is not a whole number), `not-found` (404:
//! another host, not a page of a film, an unknown city or film), `format-unsupported` (501: the spec's answer to
//! any format but JSON).

use super::share::{absolute, attr, city_url, embed_url, fit, poster_size};
use super::{base_url, failed};
use crate::i18n::{Lang, Tr};
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use twincast_app::portal::{City, Snapshot, Video};

/// The route.
pub fn router() -> Router<Pages> {
    Router::new().route("/oembed", get(oembed))
}

/// The query, as given (checked by the handler so that every error is a problem document).
#[derive(Debug, Default, Deserialize)]
pub struct OembedQuery {
    url: Option<String>,
    format: Option<String>,
    maxwidth: Option<String>,
    maxheight: Option<String>,
}

/// An RFC 9457 problem answer, shaped like the API's.
pub fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": format!("/problems/{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    });
    (
        status,
        [
            (header::CONTENT_TYPE, "application/problem+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// A page of this site that shows one film: its language, city and film.
fn resolve<'a>(
    snap: &'a Snapshot,
    base: &str,
    url: &str,
) -> Result<(Lang, &'a City, &'a Video), &'static str> {
    let u = url::Url::parse(url).map_err(|_| "the url is not an absolute URL")?;
    let ours = url::Url::parse(base).map_err(|_| "this site's address is not known")?;
    if !matches!(u.scheme(), "http" | "https")
        || u.host_str() != ours.host_str()
        || u.port() != ours.port()
    {
        return Err("the url is not a page of this site");
    }
    let segments: Vec<&str> = u.path_segments().map(Iterator::collect).unwrap_or_default();
    let lang = segments
        .first()
        .and_then(|t| Lang::parse(t).filter(|l| l.tag() == *t))
        .ok_or("the url is not a page of this site")?;
    match segments.get(1..) {
        Some(["cities", slug]) | Some(["cities", slug, ""]) => {
            let c = snap.city(slug).ok_or("no such city")?;
            let v = match u.query_pairs().find(|(k, _)| k == "v") {
                Some((_, id)) => c.videos.iter().find(|v| v.id == id),
                None => c.videos.last(),
            }
            .ok_or("no such film on this city's page")?;
            Ok((lang, c, v))
        }
        Some(["embed", id]) => {
            let (c, v) = snap.video(id).ok_or("no such film")?;
            Ok((lang, c, v))
        }
        _ => Err("the url is not the page of a film"),
    }
}

/// A size bound: absent or empty is no bound (0).
fn bound(v: &Option<String>) -> Result<u32, ()> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(0),
        Some(s) => s.parse().map_err(|_| ()),
    }
}

async fn oembed(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Query(q): Query<OembedQuery>,
) -> Response {
    let Some(url) = q.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "url-required",
            "the url parameter names the page to embed",
        );
    };
    match q.format.as_deref().map(str::trim) {
        None | Some("") | Some("json") => {}
        Some(_) => {
            return problem(
                StatusCode::NOT_IMPLEMENTED,
                "format-unsupported",
                "only format=json is supported",
            )
        }
    }
    let (Ok(maxwidth), Ok(maxheight)) = (bound(&q.maxwidth), bound(&q.maxheight)) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-parameter",
            "maxwidth and maxheight are whole numbers of pixels",
        );
    };
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let (lang, c, v) = match resolve(&snap, &base, url) {
        Ok(found) => found,
        Err(detail) => return problem(StatusCode::NOT_FOUND, "not-found", detail),
    };
    let tr = Tr::new(lang);
    let tag = lang.tag();
    let city = c.name(tag);
    let (w, h) = fit(maxwidth, maxheight);
    let src = embed_url(&base, tag, &v.id);
    let title = format!("{} · {city}", v.title);
    let mut body = json!({
        "type": "video",
        "version": "1.0",
        "title": v.title,
        "author_name": city,
        "author_url": city_url(&base, tag, &c.partner.slug),
        "provider_name": tr.get("portal-site"),
        "provider_url": format!("{base}/{tag}/"),
        "html": format!(
            r#"<iframe src="{}" width="{w}" height="{h}" title="{}" frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen loading="lazy"></iframe>"#,
            attr(&src),
            attr(&title)
        ),
        "width": w,
        "height": h,
        "cache_age": 3600,
    });
    if let Some(p) = &v.poster {
        let (tw, th) = poster_size(v);
        body["thumbnail_url"] = absolute(&base, p).into();
        body["thumbnail_width"] = tw.into();
        body["thumbnail_height"] = th.into();
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=60"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body.to_string(),
    )
        .into_response()
}
