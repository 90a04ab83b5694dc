//! The portal's home (world map, what the screens show now, every city by continent), the cities by continent
//! and country, a city's page with its videos, and a random city.

use super::{base_url, failed, html, not_found, Site};
use crate::i18n::Lang;
use crate::map::{self, Point};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use twincast_app::portal::{City, NowOnScreen, Snapshot, Video};

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    let t = lang.tag();
    Router::new()
        .route(
            &format!("/{t}/"),
            get(move |s: State<Pages>, h: HeaderMap| home(s, h, lang)),
        )
        .route(
            &format!("/{t}/cities"),
            get(move |s: State<Pages>, h: HeaderMap| cities(s, h, lang)),
        )
        .route(
            &format!("/{t}/cities/{{slug}}"),
            get(
                move |s: State<Pages>, h: HeaderMap, p: Path<String>, q: Query<CityQuery>| {
                    city(s, h, p, q, lang)
                },
            ),
        )
        .route(
            &format!("/{t}/random"),
            get(move |s: State<Pages>, q: Query<RandomQuery>| random(s, q, lang)),
        )
}

/// Continents in the order the portal lists them, with the CSS class of their markers.
pub const CONTINENTS: [(&str, &str); 7] = [
    ("asia", "c-asia"),
    ("europe", "c-europe"),
    ("africa", "c-africa"),
    ("north_america", "c-north_america"),
    ("south_america", "c-south_america"),
    ("oceania", "c-oceania"),
    ("antarctica", "c-antarctica"),
];

/// The cities grouped by continent, in [`CONTINENTS`] order (empty continents left out).
fn by_continent(snap: &Snapshot) -> Vec<(&'static str, Vec<&City>)> {
    CONTINENTS
        .iter()
        .map(|(k, _)| {
            (
                *k,
                snap.cities
                    .iter()
                    .filter(|c| c.partner.continent == *k)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// The world map of every city with coordinates, each marker a link to its page.
fn world_map(s: &Site, snap: &Snapshot) -> String {
    let points: Vec<Point> = snap
        .cities
        .iter()
        .filter_map(|c| {
            Some(Point {
                lon: c.partner.lon?,
                lat: c.partner.lat?,
                r: 6.0,
                class: CONTINENTS
                    .iter()
                    .find(|(k, _)| *k == c.partner.continent)
                    .map(|(_, cls)| *cls)
                    .unwrap_or("c-other"),
                label: format!("{}, {}", s.name(c), s.country(&c.partner.country)),
                href: Some(s.href(&format!("/cities/{}", c.partner.slug))),
            })
        })
        .collect();
    let mut points = points;
    if let Some(h) = &snap.host {
        points.push(Point {
            lon: h.lon,
            lat: h.lat,
            r: 7.0,
            class: "host",
            label: h
                .names
                .get(s.lang())
                .or_else(|| h.names.get("en"))
                .cloned()
                .unwrap_or_default(),
            href: None,
        });
    }
    map::svg_of(
        (-170.0, -56.0, 180.0, 75.0),
        &points,
        1000.0,
        &s.t("portal-map-label"),
    )
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage<'a> {
    s: Site,
    map: String,
    continents: Vec<(&'static str, Vec<&'a City>)>,
    now: Vec<NowRow>,
    /// The latest headlines (at most [`HOME_NEWS`]).
    news: Vec<super::news::Row>,
    count: usize,
    countries: usize,
}

/// How many of the latest headlines the home page shows.
const HOME_NEWS: i64 = 5;

/// A place and what plays there, ready to show.
struct NowRow {
    place: String,
    kind: String,
    city: Option<(String, String)>,
    alert: bool,
}

fn now_rows(s: &Site, snap: &Snapshot, now: &[NowOnScreen]) -> Vec<NowRow> {
    now.iter()
        .map(|n| NowRow {
            place: n.place.clone(),
            kind: s.kind(&n.kind),
            city: n.partner.as_deref().and_then(|p| snap.city(p)).map(|c| {
                (
                    s.name(c).to_string(),
                    s.href(&format!("/cities/{}", c.partner.slug)),
                )
            }),
            alert: n.alert,
        })
        .collect()
}

async fn home(State(pages): State<Pages>, headers: HeaderMap, lang: Lang) -> Response {
    let (snap, now) = match (
        pages.app.portal_snapshot().await,
        pages.app.now_on_screens().await,
    ) {
        (Ok(s), Ok(n)) => (s, n),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let key = format!("home|{}|{base}", lang.tag());
    // What the screens show changes by the play: re-render at most every 5 s.
    let generation = snap.generation.wrapping_mul(1_000_003) ^ (pages.app.now_ms() / 5_000) as u64;
    if let Some(page) = pages.caches.portal.get(&key, generation) {
        return html(Ok(page));
    }
    // The latest headlines, read only when the page is rendered again (at most every 5 s): a story appears or
    // leaves the home page within that time. A failed read shows the page without them.
    let news = match pages
        .app
        .public_news(lang.tag(), None, &[], None, HOME_NEWS)
        .await
    {
        Ok(articles) => super::news::rows(&articles, lang, pages.app.site_time_zone()),
        Err(e) => {
            tracing::warn!(error = %e, "the home page's latest news could not be read");
            Vec::new()
        }
    };
    html(pages.caches.portal.get_or_render(key, generation, || {
        let mut s = Site::new(lang, &base, "/", "home", Site::title_of(lang));
        s.head = super::share::page_head(&s);
        let mut countries: Vec<&str> = snap
            .cities
            .iter()
            .map(|c| c.partner.country.as_str())
            .collect();
        countries.sort_unstable();
        countries.dedup();
        HomePage {
            map: world_map(&s, &snap),
            continents: by_continent(&snap),
            now: now_rows(&s, &snap, &now),
            news,
            count: snap.cities.len(),
            countries: countries.len(),
            s,
        }
        .render()
    }))
}

#[derive(Template)]
#[template(path = "portal/cities.html")]
struct CitiesPage<'a> {
    s: Site,
    continents: Vec<(&'static str, ByCountry<'a>)>,
}

/// A continent's cities by country name.
type ByCountry<'a> = Vec<(String, Vec<&'a City>)>;

async fn cities(State(pages): State<Pages>, headers: HeaderMap, lang: Lang) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let key = format!("cities|{}|{base}", lang.tag());
    html(pages.caches.portal.get_or_render(key, snap.generation, || {
        let mut s = Site::new(
            lang,
            &base,
            "/cities",
            "cities",
            crate::i18n::Tr::new(lang).get("portal-cities-title"),
        );
        s.head = super::share::page_head(&s);
        let continents = by_continent(&snap)
            .into_iter()
            .map(|(k, list)| {
                let mut by_country: Vec<(String, Vec<&City>)> = Vec::new();
                for c in list {
                    let name = s.country(&c.partner.country);
                    match by_country.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, v)) => v.push(c),
                        None => by_country.push((name, vec![c])),
                    }
                }
                by_country.sort_by(|a, b| a.0.cmp(&b.0));
                (k, by_country)
            })
            .collect();
        CitiesPage { s, continents }.render()
    }))
}

/// `?v=`: the video to show first.
#[derive(Debug, Deserialize)]
pub struct CityQuery {
    v: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/city.html")]
struct CityPage<'a> {
    s: Site,
    c: &'a City,
    video: Option<&'a Video>,
    others: Vec<&'a Video>,
    names: Vec<(&'a str, &'a str)>,
    distance: Option<String>,
    host: Option<String>,
    prev: (String, String),
    next: (String, String),
    map: String,
    /// The cooperation projects with this city among their partners: (title, page).
    projects: Vec<(String, String)>,
    /// The catalogue filtered by the city's country.
    projects_href: String,
    /// The latest stories related to the city.
    news: Vec<super::news::Row>,
}

/// How many related stories a city's page lists.
const CITY_NEWS: usize = 5;

impl CityPage<'_> {
    /// A film's title: its file's name, or the city's name when the file is only named after the city.
    fn film(&self, v: &Video) -> String {
        if v.title.to_lowercase().starts_with(&self.c.partner.slug) {
            self.s.name(self.c).to_string()
        } else {
            v.title.clone()
        }
    }

    /// A duration in ms as `m:ss`.
    fn clock(&self, ms: &Option<i64>) -> String {
        ms.map(|ms| format!("{}:{:02}", ms / 60_000, ms / 1000 % 60))
            .unwrap_or_default()
    }
}

async fn city(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<CityQuery>,
    lang: Lang,
) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let Some(i) = snap.cities.iter().position(|c| c.partner.slug == slug) else {
        return not_found(lang, &base);
    };
    let c = &snap.cities[i];
    let video = match q.v.as_deref() {
        Some(v) => match c.videos.iter().find(|x| x.id == v) {
            Some(x) => Some(x),
            None => return not_found(lang, &base),
        },
        None => c.videos.last(),
    };
    let key = format!(
        "city|{}|{slug}|{}|{base}",
        lang.tag(),
        video.map(|v| v.id.as_str()).unwrap_or("")
    );
    // The city's projects and news change apart from the cities: re-render at most every 5 s (as the home page),
    // reading them only then. A failed read shows the page without them.
    let generation = snap.generation.wrapping_mul(1_000_003) ^ (pages.app.now_ms() / 5_000) as u64;
    if let Some(page) = pages.caches.portal.get(&key, generation) {
        return html(Ok(page));
    }
    let related = match pages.related(lang.tag()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "a city's projects and news could not be read");
            Default::default()
        }
    };
    let projects: Vec<(String, String)> = {
        let mut v: Vec<(String, String)> = related
            .partner_projects(&slug)
            .iter()
            .map(|p| {
                (
                    super::project::pick(&p.data.title, lang.tag())
                        .0
                        .to_string(),
                    format!(
                        "/{}/projects/{}",
                        lang.tag(),
                        crate::view::url_escape(&p.data.slug)
                    ),
                )
            })
            .collect();
        v.sort();
        v
    };
    let news = super::news::rows(
        &related.partner_news(&slug, CITY_NEWS),
        lang,
        pages.app.site_time_zone(),
    );
    html(pages.caches.portal.get_or_render(key, generation, || {
        let mut s = Site::new(
            lang,
            &base,
            &format!("/cities/{slug}"),
            "cities",
            c.name(lang.tag()).to_string(),
        );
        s.description = c.description(lang.tag()).to_string();
        s.head = super::share::city_head(&s, c, video);
        let n = snap.cities.len();
        let link = |j: usize| {
            let o = &snap.cities[j % n];
            (
                o.name(lang.tag()).to_string(),
                s.href(&format!("/cities/{}", o.partner.slug)),
            )
        };
        let mut points = Vec::new();
        if let Some(h) = &snap.host {
            points.push(Point {
                lon: h.lon,
                lat: h.lat,
                r: 5.0,
                class: "host",
                label: h.names.get(lang.tag()).cloned().unwrap_or_default(),
                href: None,
            });
        }
        if let (Some(lat), Some(lon)) = (c.partner.lat, c.partner.lon) {
            points.push(Point {
                lon,
                lat,
                r: 7.0,
                class: "here",
                label: c.name(lang.tag()).to_string(),
                href: None,
            });
        }
        CityPage {
            projects_href: format!(
                "{}?country={}",
                s.href("/projects"),
                crate::view::url_escape(&c.partner.country)
            ),
            projects,
            news,
            names: ["ru", "en", "zh"]
                .into_iter()
                .filter(|l| *l != lang.tag())
                .filter_map(|l| c.partner.names.get(l).map(|n| (l, n.as_str())))
                .collect(),
            distance: c.distance_km.map(|d| lang.number(d.round() as i64)),
            host: snap
                .host
                .as_ref()
                .and_then(|h| h.names.get(lang.tag()).or_else(|| h.names.get("en")))
                .cloned(),
            prev: link(i + n - 1),
            next: link(i + 1),
            others: c
                .videos
                .iter()
                .rev()
                .filter(|v| video.is_none_or(|x| x.id != v.id))
                .collect(),
            map: if points.is_empty() {
                String::new()
            } else {
                map::svg_of(
                    city_view(&points),
                    &points,
                    480.0,
                    &s.t("portal-city-map-label"),
                )
            },
            video,
            c,
            s,
        }
        .render()
    }))
}

/// A view around the host city and the partner with room to spare (at least 24° wide), clamped to the map.
fn city_view(points: &[Point]) -> (f64, f64, f64, f64) {
    let (w, s, e, n) = points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(a, b, c, d), p| (a.min(p.lon), b.min(p.lat), c.max(p.lon), d.max(p.lat)),
    );
    let (cx, cy) = ((w + e) / 2.0, (s + n) / 2.0);
    let half_w = ((e - w) * 0.7).max(12.0);
    let half_h = ((n - s) * 0.7).max(half_w * 0.45);
    (
        (cx - half_w).max(-180.0),
        (cy - half_h).max(-80.0),
        (cx + half_w).min(180.0),
        (cy + half_h).min(84.0),
    )
}

/// `?from=`: the city to leave (never chosen again at once).
#[derive(Debug, Deserialize)]
pub struct RandomQuery {
    from: Option<String>,
}

/// `GET /{lang}/random`: a city chosen at random (not `from`).
async fn random(State(pages): State<Pages>, Query(q): Query<RandomQuery>, lang: Lang) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let choices: Vec<&City> = snap
        .cities
        .iter()
        .filter(|c| q.from.as_deref() != Some(c.partner.slug.as_str()))
        .collect();
    if choices.is_empty() {
        return Redirect::to(&format!("/{}/cities", lang.tag())).into_response();
    }
    let pick = pick_index(pages.app.now_ms(), choices.len());
    let mut res = Redirect::to(&format!(
        "/{}/cities/{}",
        lang.tag(),
        choices[pick].partner.slug
    ))
    .into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// A well-mixed index below `n` from a seed (SplitMix64).
fn pick_index(seed: i64, n: usize) -> usize {
    let mut z = (seed as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z % n as u64) as usize
}

impl Site {
    /// The home page's title in `lang`.
    pub fn title_of(lang: Lang) -> String {
        crate::i18n::Tr::new(lang).get("portal-title")
    }
}

#[cfg(test)]
mod tests {
    use super::pick_index;

    #[test]
    fn random_picks_stay_in_range_and_spread() {
        let mut seen = [0usize; 5];
        for seed in 0..1000 {
            seen[pick_index(seed, 5)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 120), "{seen:?}");
    }
}
