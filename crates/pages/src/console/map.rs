//! The fleet map: every location with screens as a dot coloured by how many of them are online, drawn on
//! locally held land shapes (no tile server, nothing fetched), linked to the screen table filtered to it.

use crate::map::{draw, parse_view, view_of, Point};
use crate::session::Operator;
use crate::view::{page, Chrome, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use twincast_store::LocationFleet;

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/map", get(show))
        .route("/console/map/view.svg", get(view_svg))
}

#[derive(Debug, Default, Deserialize)]
struct ViewQuery {
    bbox: Option<String>,
    /// Read leniently like `bbox`: an unreadable width draws the default one rather than failing.
    width: Option<String>,
}

/// `GET /console/map/view.svg?bbox=w,s,e,n&width=N`: the land of one view, for the point pickers of the
/// location and campaign forms (`web/pages/js/map-pick.js` zooms and pans by asking for another view). An
/// unreadable `bbox` draws the world; the width is kept within 200..=1600 pixels.
async fn view_svg(
    State(pages): State<Pages>,
    op: Operator,
    Query(q): Query<ViewQuery>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let view = q
        .bbox
        .as_deref()
        .and_then(parse_view)
        .unwrap_or((-180.0, -60.0, 180.0, 85.0));
    let width = q
        .width
        .as_deref()
        .and_then(|w| w.trim().parse::<u32>().ok())
        .unwrap_or(640)
        .clamp(200, 1600);
    let width = f64::from(width);
    let label = op.tr().get("map-pick-label");
    let body = draw(view, &[], width, &label, pages.tiles.as_ref());
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "image/svg+xml; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct MapQuery {
    kind: Option<String>,
}

#[derive(Template)]
#[template(path = "console/map.html")]
struct MapPage {
    c: Chrome,
    map: String,
    kind: String,
    kinds: Vec<String>,
    unplaced: Vec<LocationFleet>,
}

impl MapPage {
    fn map_html(&self) -> askama::filters::Safe<&str> {
        askama::filters::Safe(self.map.as_str())
    }
}

/// The dot of one location: size by screens, colour by the share online.
fn point(l: &LocationFleet, tr: crate::i18n::Tr) -> Option<Point> {
    let (lat, lon) = (l.lat?, l.lon?);
    let total = l.online + l.offline + l.never_seen;
    let class = match (l.online, l.offline) {
        (0, 0) => "none",
        (_, 0) => "ok",
        (0, _) => "bad",
        _ => "some",
    };
    Some(Point {
        lon,
        lat,
        r: 5.0 + (total as f64).sqrt().min(12.0),
        class,
        label: format!(
            "{}: {} {}, {} {}, {} {}",
            l.name,
            tr.num(l.online),
            tr.get("status-online"),
            tr.num(l.offline),
            tr.get("status-offline"),
            tr.num(l.never_seen),
            tr.get("status-never_seen")
        ),
        href: Some(format!("/console/screens?location={}", l.slug)),
    })
}

/// `GET /console/map`.
async fn show(State(pages): State<Pages>, op: Operator, Query(q): Query<MapQuery>) -> PageResult {
    let tr = op.tr();
    let all = pages.fleet_by_location().await.lang(tr)?;
    let mut kinds: Vec<String> = all.iter().map(|l| l.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let kind = q.kind.unwrap_or_default();
    let shown: Vec<&LocationFleet> = all
        .iter()
        .filter(|l| kind.is_empty() || l.kind == kind)
        .collect();
    let points: Vec<Point> = shown.iter().filter_map(|l| point(l, tr)).collect();
    let unplaced = shown
        .iter()
        .filter(|l| l.lat.is_none() || l.lon.is_none())
        .map(|l| (*l).clone())
        .collect();
    Ok(page(&MapPage {
        c: Chrome::new(&op, "map", "map-title"),
        map: draw(
            view_of(&points),
            &points,
            1100.0,
            &tr.get("map-title"),
            pages.tiles.as_ref(),
        ),
        kind,
        kinds,
        unplaced,
    }))
}
