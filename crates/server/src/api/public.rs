//! The public portal's API: anonymous view counts of the published videos (no cookie, no address stored; a
//! Do-Not-Track or Global Privacy Control request is not counted) and the daily counts as open data.

use super::ApiQuery;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use twincast_app::portal::{view_counted, ViewRequest};
use twincast_store::DailyViews;

/// Counts one view of a published video. Always `204` for a published video, counted or not; nothing about the
/// viewer is stored. Sent by the portal's player when a film first plays.
#[utoipa::path(post, path = "/api/v1/public/videos/{id}/views", tag = "portal",
    params(("id" = String, Path, description = "Media id of a published video"),
        ("DNT" = Option<String>, Header, description = "`1`: do not count"),
        ("Sec-GPC" = Option<String>, Header, description = "`1`: do not count")),
    responses((status = 204, description = "Counted, or not counted because the request opted out",
            headers(("Twincast-Counted" = String, description = "`1` when counted, `0` when the request opted out"))),
        (status = 404, body = crate::error::Problem)))]
pub async fn count_view(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<(StatusCode, [(&'static str, &'static str); 1])> {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    let counted = state
        .app
        .count_view(ViewRequest {
            media_id: &id,
            opt_out: !view_counted(h("dnt"), h("sec-gpc")),
        })
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        [("twincast-counted", if counted { "1" } else { "0" })],
    ))
}

/// Days of the daily view counts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ViewsQuery {
    /// First UTC day, `YYYY-MM-DD`.
    pub from: String,
    /// Last UTC day, `YYYY-MM-DD` (at most 366 days after `from`).
    pub to: String,
}

/// Views per published video and UTC day (open data: counts only).
#[utoipa::path(get, path = "/api/v1/public/views", tag = "portal", params(ViewsQuery),
    responses((status = 200, body = Vec<DailyViews>), (status = 400, body = crate::error::Problem)))]
pub async fn daily_views(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ViewsQuery>,
) -> ApiResult<Json<Vec<DailyViews>>> {
    Ok(Json(state.app.daily_views(&q.from, &q.to).await?))
}

/// What to search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// The text typed (at most 200 characters; query syntax is not interpreted).
    pub q: String,
    /// The reader's language (`ru`, `en`, `zh`): hits in it come first. Default `en`.
    pub lang: Option<String>,
    /// Only this kind: `city`, `news` or `project`.
    pub kind: Option<String>,
    /// Hits, 1..=50 (default 10).
    pub limit: Option<usize>,
}

/// One search hit.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// `city`, `news` or `project`.
    pub kind: String,
    /// The item's key (a city's slug).
    pub key: String,
    /// Language of the matching text.
    pub lang: String,
    /// Title in that language.
    pub title: String,
    /// The item's page (a path on this site).
    pub url: String,
    /// Plain text around the match.
    pub snippet: String,
    /// Relevance (higher is better; comparable within one answer only).
    pub score: f32,
}

/// Full-text search across the portal's content in Russian, English and Chinese.
#[utoipa::path(get, path = "/api/v1/search", tag = "portal", params(SearchParams),
    responses((status = 200, body = Vec<SearchHit>), (status = 400, body = crate::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SearchParams>,
) -> ApiResult<Json<Vec<SearchHit>>> {
    let kinds = match q.kind.as_deref() {
        None | Some("") => Vec::new(),
        Some(k) => vec![k.parse::<twincast_search::Kind>().map_err(|_| {
            twincast_app::AppError::invalid("invalid-kind", "kind must be city, news or project")
        })?],
    };
    let hits = state
        .app
        .portal_search(
            &q.q,
            q.lang.as_deref().unwrap_or("en"),
            &kinds,
            q.limit.unwrap_or(10),
        )
        .await?;
    Ok(Json(
        hits.into_iter()
            .map(|h| SearchHit {
                kind: h.kind.as_str().into(),
                key: h.key,
                lang: h.lang,
                title: h.title,
                url: h.url,
                snippet: h.snippet,
                score: h.score,
            })
            .collect(),
    ))
}
