//! What crawlers read first: `GET /robots.txt` (the portal is open, the console, API, player and developer
//! pages are not) and `GET /sitemap.xml` (every portal page in every language, each with its `hreflang`
//! alternates and `x-default`; a city's page with its films as Google video entries; the cooperation catalogue and
//! every project's page).

use super::share::{absolute, attr, embed_url, iso_time};
use super::{base_url, failed, St};
use crate::i18n::Lang;
use crate::Pages;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::fmt::Write;
use twincast_app::portal::Snapshot;

/// The routes.
pub fn router() -> Router<Pages> {
    Router::new()
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
}

/// Paths no crawler needs: the operator console, the API, the screens' player, the developer start page.
pub const DISALLOWED: [&str; 4] = ["/console", "/api/", "/player", "/dev"];

/// The text of `robots.txt` for a site at `base`.
pub fn robots_txt(base: &str) -> String {
    let mut out = String::from("User-agent: *\nAllow: /\n");
    for p in DISALLOWED {
        let _ = writeln!(out, "Disallow: {p}");
    }
    let _ = writeln!(out, "\nSitemap: {base}/sitemap.xml");
    out
}

async fn robots(axum::extract::State(pages): St, headers: HeaderMap) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        robots_txt(&base_url(&pages, &headers)),
    )
        .into_response()
}

/// A page's path after the language prefix and its alternates: one `<url>` per language.
fn page(out: &mut String, base: &str, path: &str, extra: impl Fn(&mut String, Lang)) {
    for lang in Lang::ALL {
        let _ = write!(
            out,
            "<url><loc>{}</loc>",
            attr(&format!("{base}/{}{path}", lang.tag()))
        );
        for l in Lang::ALL {
            let _ = write!(
                out,
                r#"<xhtml:link rel="alternate" hreflang="{}" href="{}"/>"#,
                l.tag(),
                attr(&format!("{base}/{}{path}", l.tag()))
            );
        }
        let _ = write!(
            out,
            r#"<xhtml:link rel="alternate" hreflang="x-default" href="{}"/>"#,
            attr(&format!("{base}/en{path}"))
        );
        extra(out, lang);
        out.push_str("</url>\n");
    }
}

/// The sitemap of every portal page on `base` (`projects`: the cooperation projects' slugs).
pub fn sitemap_xml(base: &str, snap: &Snapshot, projects: &[String]) -> String {
    let mut out = String::from(concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        "\n",
        r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml" xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">"#,
        "\n"
    ));
    for path in ["/", "/cities", "/tour", "/projects"] {
        page(&mut out, base, path, |_, _| {});
    }
    for slug in projects {
        let path = format!("/projects/{}", crate::view::url_escape(slug));
        page(&mut out, base, &path, |_, _| {});
    }
    for c in snap.cities.iter() {
        let path = format!("/cities/{}", crate::view::url_escape(&c.partner.slug));
        page(&mut out, base, &path, |out, lang| {
            let tag = lang.tag();
            // Google requires a thumbnail for a video entry: films without a poster are left out.
            for v in c.videos.iter().rev() {
                let Some(poster) = &v.poster else { continue };
                let about = match c.description(tag).trim() {
                    "" => format!("{} · {}", c.name(tag), v.title),
                    d => d.chars().take(2048).collect(),
                };
                let _ = write!(
                    out,
                    "<video:video><video:thumbnail_loc>{}</video:thumbnail_loc><video:title>{}</video:title>\
                     <video:description>{}</video:description><video:content_loc>{}</video:content_loc>\
                     <video:player_loc>{}</video:player_loc>",
                    attr(&absolute(base, poster)),
                    attr(&format!("{} · {}", c.name(tag), v.title)),
                    attr(&about),
                    attr(&absolute(base, v.mp4.as_deref().unwrap_or(&v.original))),
                    attr(&embed_url(base, tag, &v.id)),
                );
                if let Some(d) = v.duration_ms {
                    let s = ((d + 500) / 1000).clamp(1, 28_800);
                    let _ = write!(out, "<video:duration>{s}</video:duration>");
                }
                let _ = write!(
                    out,
                    "<video:publication_date>{}</video:publication_date></video:video>",
                    iso_time(v.created_at)
                );
            }
        });
    }
    out.push_str("</urlset>\n");
    out
}

async fn sitemap(axum::extract::State(pages): St, headers: HeaderMap) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    // Projects change apart from the cities (and through any node): the kept sitemap is also keyed by them.
    let projects = match pages.app.catalogue(&Default::default()).await {
        Ok(c) => c.items,
        Err(e) => return failed(e),
    };
    let mut h = std::hash::DefaultHasher::new();
    for p in &projects {
        std::hash::Hash::hash(&(&p.id, p.version, &p.data.slug), &mut h);
    }
    let generation = snap.generation ^ std::hash::Hasher::finish(&h).rotate_left(17);
    let slugs: Vec<String> = projects.into_iter().map(|p| p.data.slug).collect();
    let base = base_url(&pages, &headers);
    let body = pages
        .caches
        .portal
        .get_or_render(format!("sitemap|{base}"), generation, || {
            Ok(sitemap_xml(&base, &snap, &slugs))
        });
    match body {
        Ok(b) => super::respond(b, "application/xml; charset=utf-8", "public, max-age=300"),
        Err(e) => {
            tracing::error!(error = %e, "sitemap failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "sitemap failed").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_names_the_sitemap_and_keeps_crawlers_off_the_console() {
        let r = robots_txt("https://twin.example");
        assert!(r.starts_with("User-agent: *\nAllow: /\n"));
        for p in DISALLOWED {
            assert!(r.contains(&format!("\nDisallow: {p}\n")), "{r}");
        }
        assert!(r.ends_with("Sitemap: https://twin.example/sitemap.xml\n"));
    }

    #[test]
    fn an_empty_network_still_lists_the_portal_pages() {
        let snap = Snapshot {
            cities: Default::default(),
            host: None,
            read_at: 0,
            generation: 1,
            stamp: String::new(),
        };
        let x = sitemap_xml("http://h&", &snap, &[]);
        assert_eq!(x.matches("<url>").count(), 12);
        assert!(x.contains("<loc>http://h&amp;/ru/tour</loc>"));
        assert!(!x.contains("h&/"));
        let x = sitemap_xml("http://h", &snap, &["lake-tai".into()]);
        assert_eq!(x.matches("<url>").count(), 15);
        assert!(x.contains("<loc>http://h/zh/projects/lake-tai</loc>"));
        assert!(x.contains(r#"hreflang="ru" href="http://h/ru/projects/lake-tai""#));
    }
}
