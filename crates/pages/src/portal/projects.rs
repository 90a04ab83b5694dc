//! The cooperation catalogue on the portal: `/{lang}/projects`, faceted browsing (field × district × country ×
//! status, each value with the number of projects choosing it would give) through a plain GET form, so that every
//! selection is a URL to share and reload and no script is needed; pages of [`PAGE`] projects; a map of the
//! matching projects at their partner cities, each dot a link to the project. The project's own page and its
//! expression-of-interest form are [`super::project`].
//!
//! Rendered per request from the catalogue (`no-cache` with the page's tag): the catalogue is small and changes
//! through any node.

use super::{base_url, failed, Site};
use crate::i18n::Lang;
use crate::map::{self, Point};
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use std::collections::BTreeMap;
use twincast_app::portal::Snapshot;
use twincast_core::cooperation::{facets, matches, Field, Project, Selection, Status, Theme};

/// Projects per page of the catalogue.
pub const PAGE: usize = 12;

/// The routes of one language (the catalogue and the project pages).
pub fn router(lang: Lang) -> Router<Pages> {
    Router::new()
        .route(
            &format!("/{}/projects", lang.tag()),
            get(move |s: State<Pages>, h: HeaderMap, q: Query<BrowseQuery>| browse(s, h, q, lang)),
        )
        .merge(super::project::router(lang))
}

/// The catalogue's GET form: one value per dimension (empty or absent: any) and the page.
#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    #[serde(default)]
    field: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<String>,
}

impl BrowseQuery {
    fn selection(&self) -> Selection {
        let some = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        Selection {
            field: some(&self.field),
            district: some(&self.district),
            country: some(&self.country),
            status: Status::parse(self.status.trim()),
        }
    }
}

/// The query string of a selection and page (`?field=…&page=2`; empty for the whole catalogue's first page).
pub fn query_of(sel: &Selection, page: usize) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("field", sel.field.as_deref()),
        ("district", sel.district.as_deref()),
        ("country", sel.country.as_deref()),
        ("status", sel.status.map(Status::as_str)),
    ] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", crate::view::url_escape(v)));
        }
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// One dimension of the form: its parameter, label, the values with their names and counts, the chosen value.
pub struct Facet {
    /// The query parameter (`field`, `district`, `country`, `status`).
    pub key: &'static str,
    /// Its label.
    pub label: String,
    /// "Any" with the count it gives.
    pub any: String,
    /// (value, name, count, chosen).
    pub options: Vec<(String, String, usize, bool)>,
    /// The chosen value's name and the link that drops it, when one is chosen.
    pub chosen: Option<(String, String)>,
}

/// A project in the list.
pub struct Card {
    /// Its page.
    pub href: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Status (key, name).
    pub status: (&'static str, String),
    /// The district's name.
    pub district: String,
    /// Countries' names.
    pub countries: String,
    /// Fields' names.
    pub fields: String,
    /// Dates, as shown.
    pub dates: String,
}

#[derive(Template)]
#[template(path = "portal/projects.html")]
struct BrowsePage {
    s: Site,
    facets: Vec<Facet>,
    cards: Vec<Card>,
    shown: usize,
    total: usize,
    pages: Vec<(usize, String, bool)>,
    prev: Option<String>,
    next: Option<String>,
    map: String,
    mapped: usize,
    filtered: bool,
    iati: String,
}

impl BrowsePage {
    /// "Projects: shown of total".
    fn count(&self) -> String {
        self.s.tr.args2(
            "pp-count",
            ("shown", &self.s.number(&(self.shown as i64))),
            ("total", &self.s.number(&(self.total as i64))),
        )
    }
}

/// A rendered catalogue page: revalidated on every visit (`no-cache`, answered 304 by its tag when unchanged).
pub fn revalidated(page: Result<String, askama::Error>) -> Response {
    match page {
        Ok(h) => super::respond(
            std::sync::Arc::new(super::Rendered::new(h)),
            "text/html; charset=utf-8",
            "no-cache",
        ),
        Err(e) => super::html(Err(e)),
    }
}

/// A field's name in `lang` (its slug when the vocabulary lacks it).
pub fn field_name(fields: &[Field], slug: &str, lang: &str) -> String {
    fields
        .iter()
        .find(|f| f.data.slug == slug)
        .map(|f| f.data.names.get(lang).to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| slug.to_string())
}

/// A status's name.
pub fn status_name(s: &Site, st: Status) -> String {
    s.t(&format!("pp-status-{}", st.as_str()))
}

/// A theme's name.
pub fn theme_name(s: &Site, t: Theme) -> String {
    s.t(&format!("pp-theme-{}", t.as_str()))
}

/// A project's dates as shown (`2025-04-01 – 2027-10-31`, or from the start only).
pub fn dates(p: &Project) -> String {
    match (&p.data.start_date, &p.data.end_date) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        (Some(a), None) => format!("{a} –"),
        (None, Some(b)) => format!("– {b}"),
        (None, None) => String::new(),
    }
}

/// A card for `p` in the page's language.
fn card(s: &Site, p: &Project, fields: &[Field]) -> Card {
    let lang = s.lang();
    let d = &p.data;
    Card {
        href: s.href(&format!("/projects/{}", crate::view::url_escape(&d.slug))),
        title: super::project::pick(&d.title, lang).0.to_string(),
        summary: super::project::pick(&d.summary, lang).0.to_string(),
        status: (d.status.as_str(), status_name(s, d.status)),
        district: d.district_name.get(lang).to_string(),
        countries: d
            .countries
            .iter()
            .map(|c| s.country(c))
            .collect::<Vec<_>>()
            .join(", "),
        fields: d
            .fields
            .iter()
            .map(|f| field_name(fields, f, lang))
            .collect::<Vec<_>>()
            .join(", "),
        dates: dates(p),
    }
}

/// The dots of `projects` on a world map: one per project and partner city with coordinates (several projects of
/// one city around it), each a link to the project's page.
pub fn project_points(s: &Site, projects: &[&Project], snap: &Snapshot) -> Vec<Point> {
    let mut by_city: BTreeMap<&str, Vec<&Project>> = BTreeMap::new();
    for p in projects {
        for c in &p.data.partners {
            by_city.entry(c.as_str()).or_default().push(p);
        }
    }
    let mut out = Vec::new();
    for (slug, list) in by_city {
        let Some(c) = snap.city(slug) else { continue };
        let (Some(lat), Some(lon)) = (c.partner.lat, c.partner.lon) else {
            continue;
        };
        let n = list.len();
        for (i, p) in list.into_iter().enumerate() {
            // Several projects of one city sit on a small circle around it (about 1.5°), so each stays reachable.
            let (dx, dy) = if n == 1 {
                (0.0, 0.0)
            } else {
                let a = std::f64::consts::TAU * i as f64 / n as f64;
                (1.5 * a.cos(), 1.5 * a.sin())
            };
            out.push(Point {
                lon: (lon + dx).clamp(-180.0, 180.0),
                lat: (lat + dy).clamp(-85.0, 85.0),
                r: 6.0,
                class: match p.data.status {
                    Status::Planned => "st-planned",
                    Status::Active => "st-active",
                    Status::Completed => "st-completed",
                },
                label: format!(
                    "{} — {}",
                    super::project::pick(&p.data.title, s.lang()).0,
                    s.name(c)
                ),
                href: Some(s.href(&format!(
                    "/projects/{}",
                    crate::view::url_escape(&p.data.slug)
                ))),
            });
        }
    }
    out
}

async fn browse(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Query(q): Query<BrowseQuery>,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let sel = q.selection();
    let (cat, fields, snap) = match (
        pages.app.catalogue(&Selection::default()).await,
        pages.app.coop_fields().await,
        pages.app.portal_snapshot().await,
    ) {
        (Ok(c), Ok(f), Ok(s)) => (c, f, s),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return failed(e),
    };
    let all = cat.items;
    let counts = facets(all.iter().map(|p| &p.data), &sel);
    let tr = crate::i18n::Tr::new(lang);
    let mut s = Site::new(lang, &base, "/projects", "projects", tr.get("pp-title"));
    s.description = tr.get("pp-lead");
    // The canonical URL keeps the selection: each view is a page of its own.
    s.path = format!("/projects{}", query_of(&sel, 1));
    s.head = super::share::page_head(&s);
    let l = lang.tag();
    let mut items: Vec<&Project> = all.iter().filter(|p| matches(&p.data, &sel)).collect();
    items.sort_by(|a, b| {
        super::project::pick(&a.data.title, l)
            .0
            .cmp(super::project::pick(&b.data.title, l).0)
    });
    let shown = items.len();
    let last = shown.div_ceil(PAGE).max(1);
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, last);
    let href = |page: usize| format!("{}{}", s.href("/projects"), query_of(&sel, page));
    // Names of the values each dimension offers (every project's district name in the page's language).
    let mut district_names: BTreeMap<String, String> = BTreeMap::new();
    for p in &all {
        district_names
            .entry(p.data.district.clone())
            .or_insert_with(|| p.data.district_name.get(l).to_string());
    }
    let facet = |key: &'static str,
                 label: &str,
                 counts: &BTreeMap<String, usize>,
                 chosen: Option<String>,
                 name: &dyn Fn(&str) -> String| {
        let mut options: Vec<(String, String, usize, bool)> = counts
            .iter()
            .map(|(v, n)| (v.clone(), name(v), *n, Some(v) == chosen.as_ref()))
            .collect();
        if let Some(c) = &chosen {
            if !counts.contains_key(c) {
                options.push((c.clone(), name(c), 0, true));
            }
        }
        options.sort_by(|a, b| a.1.cmp(&b.1));
        let mut without = sel.clone();
        match key {
            "field" => without.field = None,
            "district" => without.district = None,
            "country" => without.country = None,
            _ => without.status = None,
        }
        // "Any" gives what the other dimensions' selection gives.
        let any_count = all.iter().filter(|p| matches(&p.data, &without)).count();
        Facet {
            key,
            label: s.t(label),
            any: s.tr.arg("pp-any", "n", any_count),
            chosen: chosen.as_ref().map(|c| {
                (
                    name(c),
                    format!("{}{}", s.href("/projects"), query_of(&without, 1)),
                )
            }),
            options,
        }
    };
    let mut facets = vec![
        facet(
            "field",
            "pp-field",
            &counts.field,
            sel.field.clone(),
            &|v| field_name(&fields, v, l),
        ),
        facet(
            "district",
            "pp-district",
            &counts.district,
            sel.district.clone(),
            &|v| {
                district_names
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| v.to_string())
            },
        ),
        facet(
            "country",
            "pp-country",
            &counts.country,
            sel.country.clone(),
            &|v| s.country(v),
        ),
        facet(
            "status",
            "pp-status",
            &counts.status,
            sel.status.map(|x| x.as_str().to_string()),
            &|v| {
                Status::parse(v)
                    .map(|x| status_name(&s, x))
                    .unwrap_or_default()
            },
        ),
    ];
    // Statuses in lifecycle order, not by name.
    if let Some(f) = facets.last_mut() {
        f.options.sort_by_key(|o| Status::parse(&o.0));
    }
    let points = project_points(&s, &items, &snap);
    let page_items = &items[((page - 1) * PAGE).min(shown)..(page * PAGE).min(shown)];
    let body = BrowsePage {
        facets,
        cards: page_items.iter().map(|p| card(&s, p, &fields)).collect(),
        shown,
        total: all.len(),
        pages: (1..=last).map(|n| (n, href(n), n == page)).collect(),
        prev: (page > 1).then(|| href(page - 1)),
        next: (page < last).then(|| href(page + 1)),
        map: if points.is_empty() {
            String::new()
        } else {
            map::svg_of(
                (-170.0, -56.0, 180.0, 75.0),
                &points,
                1000.0,
                &s.t("pp-map-label"),
            )
        },
        mapped: points.len(),
        filtered: sel != Selection::default(),
        iati: "/api/v1/iati/activities".to_string(),
        s,
    };
    revalidated(body.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_is_a_query_string_and_back() {
        assert_eq!(query_of(&Selection::default(), 1), "");
        assert_eq!(query_of(&Selection::default(), 3), "?page=3");
        let sel = Selection {
            field: Some("artificial-intelligence".into()),
            district: None,
            country: Some("D&E".into()),
            status: Some(Status::Completed),
        };
        let q = query_of(&sel, 2);
        assert_eq!(
            q,
            "?field=artificial-intelligence&country=D%26E&status=completed&page=2"
        );
        let back = BrowseQuery {
            field: "artificial-intelligence".into(),
            country: "D&E".into(),
            status: "completed".into(),
            ..Default::default()
        };
        assert_eq!(back.selection(), sel);
        // Empty values and an unknown status select nothing.
        let none = BrowseQuery {
            field: " ".into(),
            status: "cancelled".into(),
            ..Default::default()
        };
        assert_eq!(none.selection(), Selection::default());
    }
}
