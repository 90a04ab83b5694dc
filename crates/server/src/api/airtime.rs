//! Airtime from actual plays over HTTP (docs/airtime.md): the console charts' data (per partner per local day
//! against the planned share, by place, by local hour of day), fairness on real plays, the operator's airtime
//! settings, and the portal's public figures. The rules live in `twincast_app::airtime`.

use super::revision::{IfMatch, Tagged};
use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use twincast_app::airtime::{
    AirtimeHeatmap, AirtimePlaces, AirtimeQuery, AirtimeSeries, AirtimeSettingsInput, Fairness,
};
use twincast_store::AirtimeSettings;
use utoipa::IntoParams;

/// A chart's range (the screens' local days) and filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChartQuery {
    /// First local day, `YYYY-MM-DD` (default: 29 days before `to`).
    pub from: Option<String>,
    /// Last local day, inclusive (default: today, UTC); at most 366 days in all.
    pub to: Option<String>,
    /// Partner slug (partner-editors: one of theirs).
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// Screen id.
    pub screen: Option<String>,
}

impl ChartQuery {
    fn query(self) -> AirtimeQuery {
        AirtimeQuery {
            from: self.from,
            to: self.to,
            partner: self.partner,
            location: self.location,
            screen: self.screen,
        }
    }
}

/// The day fairness is judged on.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// Local day, `YYYY-MM-DD` (default: today, UTC).
    pub day: Option<String>,
}

/// Counted airtime per partner per local day, with each partner's planned share and its target line (the
/// planned share of each day's airtime). Partner-editors see their partners only; another partner is `403`.
#[utoipa::path(get, path = "/api/v1/airtime/daily", tag = "airtime", params(ChartQuery),
    responses((status = 200, body = AirtimeSeries), (status = 400, description = "invalid-range", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn daily(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<ChartQuery>,
) -> ApiResult<Json<AirtimeSeries>> {
    Ok(Json(
        state.app.airtime_series(&who.actor(), &q.query()).await?,
    ))
}

/// Counted airtime per place (location) and partner.
#[utoipa::path(get, path = "/api/v1/airtime/places", tag = "airtime", params(ChartQuery),
    responses((status = 200, body = AirtimePlaces), (status = 400, description = "invalid-range", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn places(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<ChartQuery>,
) -> ApiResult<Json<AirtimePlaces>> {
    Ok(Json(
        state.app.airtime_places(&who.actor(), &q.query()).await?,
    ))
}

/// Counted airtime per partner and the screens' local hour of day (a heat-map).
#[utoipa::path(get, path = "/api/v1/airtime/hours", tag = "airtime", params(ChartQuery),
    responses((status = 200, body = AirtimeHeatmap), (status = 400, description = "invalid-range", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn hours(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<ChartQuery>,
) -> ApiResult<Json<AirtimeHeatmap>> {
    Ok(Json(
        state.app.airtime_heatmap(&who.actor(), &q.query()).await?,
    ))
}

/// The simulator's planned share beside the achieved share, per partner for the network and per screen, on one
/// local day; `notice` is set when a deviation is above the threshold (the console shows it).
#[utoipa::path(get, path = "/api/v1/airtime/fairness", tag = "airtime", params(DayQuery),
    responses((status = 200, body = Fairness), (status = 400, description = "invalid-range", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
pub async fn fairness(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<Fairness>> {
    Ok(Json(
        state
            .app
            .airtime_fairness(&who.actor(), q.day.as_deref())
            .await?,
    ))
}

/// The airtime settings: public figures on the portal (default off) and the fairness threshold.
#[utoipa::path(get, path = "/api/v1/airtime/settings", tag = "airtime",
    responses((status = 200, body = AirtimeSettings, headers(("ETag" = String, description = "The version"))),
        (status = 401, body = crate::error::Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Tagged<AirtimeSettings>> {
    let s = state.app.airtime_settings(&who.actor()).await?;
    Ok(Tagged(s.version, s))
}

/// Changes the airtime settings (operators and admins; audited). With `If-Match`, only if nobody changed them
/// since. A threshold outside 1–100 is `400 invalid-threshold`.
#[utoipa::path(put, path = "/api/v1/airtime/settings", tag = "airtime",
    params(("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body = AirtimeSettingsInput,
    responses((status = 200, body = AirtimeSettings, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    who: Principal,
    IfMatch(if_match): IfMatch,
    ApiJson(body): ApiJson<AirtimeSettingsInput>,
) -> ApiResult<Tagged<AirtimeSettings>> {
    let s = state
        .app
        .set_airtime_settings(&who.actor(), &body, if_match)
        .await?;
    Ok(Tagged(s.version, s))
}

/// The portal's public figures: hours each partner city was shown per local month, the last twelve months.
/// `404 public-figures-off` while the operator has not enabled them.
#[utoipa::path(get, path = "/api/v1/public/airtime", tag = "airtime",
    responses((status = 200, description = "{months: [YYYY-MM…], partners: {slug: [hours per month…]}}"),
        (status = 404, description = "public-figures-off", body = crate::error::Problem)))]
pub async fn public_figures(State(state): State<AppState>) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    match state.app.public_figures().await? {
        Some(f) => {
            let mut res = Json(&*f).into_response();
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("public, max-age=300"),
            );
            Ok(res)
        }
        None => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "public-figures-off",
            "the operator has not published airtime figures",
        )),
    }
}
