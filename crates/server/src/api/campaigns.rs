//! Campaigns, screen groups, `.ics` schedules, and the engine's answers over HTTP: explain and simulate.
//!
//! Authorization: everyone logged in reads; admins and operators write everything; a partner-editor creates, edits
//! and deletes campaigns only of its own partners (on update both the old and the new partner must be its own),
//! within its partner's limits, and its writes await review (see `api::moderation`).
//! Screen groups are written by admins and operators. Every change announces a [`ServerEvent::ScheduleChanged`](crate::events::ServerEvent::ScheduleChanged); the operations are [`twincast_app::schedule`]'s.

use super::revision::{IfMatch, Tagged};
use super::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use twincast_app::schedule::IcsExport;
pub use twincast_app::schedule::{CampaignList, GroupList, MAX_SIM_DAYS};
pub use twincast_store::{CampaignInput, CampaignRecord, ScreenGroup, ScreenGroupInput};

/// The media type of a request (`Content-Type` without parameters, lowercase; empty when absent).
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Filters of the campaign list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CampaignQuery {
    /// Only this partner's campaigns (slug).
    pub partner: Option<String>,
    /// Only campaigns in this zone (`main`, `ticker`).
    pub zone: Option<String>,
}

/// Campaigns, ordered by id.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "schedule", params(CampaignQuery),
    responses((status = 200, body = CampaignList)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> ApiResult<Json<CampaignList>> {
    let list = state
        .app
        .list_campaigns(&who.actor(), q.partner.as_deref(), q.zone.as_deref())
        .await?;
    Ok(Json(list))
}

/// Adds a campaign (admin, operator; partner-editor for its own partners, within the partner's limits). An
/// editor's campaign is `pending` until an operator approves it.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "schedule", request_body = CampaignInput,
    responses((status = 201, body = CampaignRecord, headers(("ETag" = String, description = "The campaign's version"))),
        (status = 400, body = Problem),
        (status = 403, description = "forbidden, priority-above-ceiling, target-not-allowed", body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<CampaignInput>,
) -> ApiResult<(StatusCode, Tagged<CampaignRecord>)> {
    let c = state.app.create_campaign(&who.actor(), b).await?;
    Ok((StatusCode::CREATED, Tagged(c.version, c)))
}

/// One campaign (its version is the `ETag`), with its review state and the approved version screens play while
/// a change awaits review.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignRecord, headers(("ETag" = String, description = "The campaign's version, for If-Match"))),
        (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<CampaignRecord>> {
    let c = state.app.campaign(&who.actor(), &id).await?;
    Ok(Tagged(c.version, c))
}

/// Replaces a campaign's fields. With `If-Match`, only if nobody changed it since (412 `stale-version`). An
/// editor's change is `pending`; screens keep playing the approved version until it is approved.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "schedule", request_body = CampaignInput,
    params(("id" = String, Path, description = "Campaign id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 200, body = CampaignRecord, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem),
        (status = 403, description = "forbidden, priority-above-ceiling, target-not-allowed", body = Problem),
        (status = 404, body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<CampaignInput>,
) -> ApiResult<Tagged<CampaignRecord>> {
    let c = state
        .app
        .update_campaign(&who.actor(), &id, b, if_match)
        .await?;
    Ok(Tagged(c.version, c))
}

/// Changes the fields a JSON merge patch (RFC 7396) names; same rules as the full update.
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Object, content_type = "application/merge-patch+json", description = "Fields of CampaignInput to change; null clears an optional field"),
    responses((status = 200, body = CampaignRecord, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = Problem),
        (status = 403, description = "forbidden, priority-above-ceiling, target-not-allowed", body = Problem),
        (status = 404, body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<serde_json::Value>,
) -> ApiResult<Tagged<CampaignRecord>> {
    let c = state
        .app
        .patch_campaign(&who.actor(), &id, &b, if_match)
        .await?;
    Ok(Tagged(c.version, c))
}

/// Deletes a campaign. With `If-Match`, only if nobody changed it since.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_campaign(&who.actor(), &id, if_match)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?tz=` of the `.ics` export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IcsQuery {
    /// IANA zone written as TZID of DTSTART/EXDATE; omitted = floating wall-clock times (the rule is evaluated in
    /// each screen's own zone).
    pub tz: Option<String>,
}

/// The campaign's recurrence as an RFC 5545 calendar with one VEVENT.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/schedule.ics", tag = "schedule", params(IcsQuery,
    ("id" = String, Path, description = "Campaign id")),
    responses((status = 200, content_type = "text/calendar", body = String),
        (status = 404, description = "No such campaign, or it has no recurrence (`no-recurrence`)", body = Problem)))]
pub async fn export_ics(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IcsQuery>,
) -> ApiResult<Response> {
    match state
        .app
        .export_ics(&who.actor(), &id, q.tz.as_deref())
        .await?
    {
        IcsExport::Calendar(text) => Ok((
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"schedule.ics\"",
                ),
            ],
            text,
        )
            .into_response()),
        IcsExport::NoRecurrence => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-recurrence",
            "the campaign has no recurrence: it plays all the time within its validity window",
        )),
    }
}

/// Sets the campaign's recurrence from the first VEVENT of an `.ics` body (DTSTART, DURATION or DTEND, RRULE,
/// EXDATE). Wall-clock times are kept; they are evaluated in each screen's zone.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/schedule.ics", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id")),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = CampaignRecord), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn import_ics(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<CampaignRecord>> {
    if body.len() > twincast_app::schedule::MAX_ICS_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "calendar-too-large",
            "the calendar exceeds 256 KiB",
        ));
    }
    let c = state
        .app
        .import_ics(&who.actor(), &id, &media_type(&headers), &body)
        .await?;
    Ok(Json(c))
}

// ------------------------------------------------------------------------------------------------- explain, simulate

/// `?at=` of explain.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExplainQuery {
    /// RFC 3339 instant (default: now).
    pub at: Option<String>,
}

/// What plays on a screen at an instant, and why every other campaign does not (`not_targeted`, `no_content`,
/// `not_yet_valid`, `expired`, `outside_recurrence`, `alert_active`, `outranked`, `waiting_turn`).
#[utoipa::path(get, path = "/api/v1/screens/{id}/explain", tag = "schedule", params(ExplainQuery,
    ("id" = String, Path, description = "Screen id")),
    responses((status = 200, description = "`{at, playing: {kind, start, end, partner, campaign, item, alert, headline, priority} | null, not_playing: [{campaign, partner, reason, detail}], zones?: [{campaign, partner, zone, plays, reason (zone_not_in_layout, not_targeted, no_content, not_yet_valid, expired) | null, detail}]}` (zones: the campaigns of free layout zones, when there are any)", body = Object),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn explain(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExplainQuery>,
) -> ApiResult<Json<twincast_core::Explanation>> {
    let e = state
        .app
        .explain(&who.actor(), &id, q.at.as_deref())
        .await?;
    Ok(Json(e))
}

/// `?from=&days=` of simulate.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SimulateQuery {
    /// RFC 3339 instant; the simulation starts at the screen's local midnight of that day (default: now).
    pub from: Option<String>,
    /// Number of local days, 1..=14 (default 7).
    pub days: Option<String>,
}

/// Each partner's target and achieved share of campaign airtime on a screen over N local days.
#[utoipa::path(get, path = "/api/v1/screens/{id}/simulate", tag = "schedule", params(SimulateQuery,
    ("id" = String, Path, description = "Screen id")),
    responses((status = 200, description = "`{from, to, total_seconds, partners: [{slug, target_share, achieved_share, seconds}]}`", body = Object),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn simulate(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SimulateQuery>,
) -> ApiResult<Json<twincast_core::SimReport>> {
    let report = state
        .app
        .simulate(&who.actor(), &id, q.from.as_deref(), q.days.as_deref())
        .await?;
    Ok(Json(report))
}
