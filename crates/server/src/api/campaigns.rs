//! Campaigns, screen groups, `.ics` schedules, and the engine's answers over HTTP: explain and simulate.
//!
//! Authorization: everyone logged in reads; admins and operators write everything; a partner-editor creates, edits
//! and deletes campaigns only of its own partners (on update both the old and the new partner must be its own).
//! Screen groups are written by admins and operators. Every change announces a [`ServerEvent::ScheduleChanged`].

use super::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult, Problem};
use crate::events::ServerEvent;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use twincast_store::{
    CampaignInput, CampaignRecord, Role, ScreenGroup, ScreenGroupInput, StoreError,
};

/// Longest simulation, in days.
pub const MAX_SIM_DAYS: u32 = 14;

fn announce(state: &AppState, screens: Option<Vec<String>>) {
    // No subscriber is fine: nobody needs to hear it.
    let _ = state.events.send(ServerEvent::ScheduleChanged { screens });
}

fn may_write_campaign(who: &Principal, partner: Option<&str>) -> ApiResult<()> {
    who.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    match partner {
        Some(slug) => who.require_partner(slug),
        None => who.require(&[Role::Admin, Role::Operator]).map_err(|_| {
            ApiError::forbidden("only operators may manage network campaigns without a partner")
        }),
    }
}

fn check_input(c: &CampaignInput) -> ApiResult<()> {
    super::check_text("name", &c.name, 200)?;
    if c.items.len() > 500 {
        return Err(ApiError::bad_request(
            "invalid",
            "a campaign holds at most 500 items",
        ));
    }
    Ok(())
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

/// Campaigns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignList {
    /// Campaigns ordered by id.
    pub items: Vec<CampaignRecord>,
}

/// Campaigns, ordered by id.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "schedule", params(CampaignQuery),
    responses((status = 200, body = CampaignList)))]
pub async fn list(
    State(state): State<AppState>,
    _who: Principal,
    ApiQuery(q): ApiQuery<CampaignQuery>,
) -> ApiResult<Json<CampaignList>> {
    let items = state
        .store
        .list_campaigns(q.partner.as_deref(), q.zone.as_deref())
        .await?;
    Ok(Json(CampaignList { items }))
}

/// Adds a campaign (admin, operator; partner-editor for its own partners).
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "schedule", request_body = CampaignInput,
    responses((status = 201, body = CampaignRecord), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<CampaignInput>,
) -> ApiResult<(StatusCode, Json<CampaignRecord>)> {
    may_write_campaign(&who, b.partner.as_deref().filter(|p| !p.is_empty()))?;
    check_input(&b)?;
    let c = state.store.create_campaign(&b, Some(&who.user.id)).await?;
    announce(&state, None);
    Ok((StatusCode::CREATED, Json(c)))
}

/// One campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignRecord), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<CampaignRecord>> {
    Ok(Json(state.store.campaign(&id).await?))
}

/// Replaces a campaign's fields.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "schedule", request_body = CampaignInput,
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, body = CampaignRecord), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<CampaignInput>,
) -> ApiResult<Json<CampaignRecord>> {
    who.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    let current = state.store.campaign(&id).await?;
    may_write_campaign(&who, current.partner.as_deref())?;
    may_write_campaign(&who, b.partner.as_deref().filter(|p| !p.is_empty()))?;
    check_input(&b)?;
    let c = state.store.update_campaign(&id, &b).await?;
    announce(&state, None);
    Ok(Json(c))
}

/// Deletes a campaign.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    who.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    let current = state.store.campaign(&id).await?;
    may_write_campaign(&who, current.partner.as_deref())?;
    state.store.delete_campaign(&id).await?;
    announce(&state, None);
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

fn ics_error(e: twincast_core::ics::IcsError) -> ApiError {
    ApiError::bad_request("invalid-ics", format!("the calendar was refused: {e}"))
}

/// The campaign's recurrence as an RFC 5545 calendar with one VEVENT.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/schedule.ics", tag = "schedule", params(IcsQuery,
    ("id" = String, Path, description = "Campaign id")),
    responses((status = 200, content_type = "text/calendar", body = String),
        (status = 404, description = "No such campaign, or it has no recurrence (`no-recurrence`)", body = Problem)))]
pub async fn export_ics(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<IcsQuery>,
) -> ApiResult<Response> {
    if let Some(tz) = &q.tz {
        super::places::check_tz(tz)?;
        twincast_core::Zone::new(tz)
            .map_err(|e| ApiError::bad_request("invalid-time-zone", e.to_string()))?;
    }
    let record = state.store.campaign(&id).await?;
    let campaign = twincast_store::to_core_campaign(&record, twincast_core::Orientation::Landscape)
        .ok_or_else(|| ApiError::internal("stored recurrence no longer validates"))?;
    let text =
        match twincast_core::ics::to_ics(&campaign, q.tz.as_deref()) {
            Ok(t) => t,
            Err(twincast_core::ics::IcsError::NoRecurrence) => return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no-recurrence",
                "the campaign has no recurrence: it plays all the time within its validity window",
            )),
            Err(e) => return Err(ApiError::internal(e)),
        };
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"schedule.ics\"",
            ),
        ],
        text,
    )
        .into_response())
}

/// Sets the campaign's recurrence from the first VEVENT of an `.ics` body (DTSTART, DURATION or DTEND, RRULE,
/// EXDATE). Wall-clock times are kept; they are evaluated in each screen's zone.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/schedule.ics", tag = "schedule",
    params(("id" = String, Path, description = "Campaign id")),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = CampaignRecord), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 415, body = Problem)))]
pub async fn import_ics(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<CampaignRecord>> {
    who.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    let current = state.store.campaign(&id).await?;
    may_write_campaign(&who, current.partner.as_deref())?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct != "text/calendar" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected-calendar",
            "the body must be an RFC 5545 calendar with Content-Type: text/calendar",
        ));
    }
    if body.len() > 256 * 1024 {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "calendar-too-large",
            "the calendar exceeds 256 KiB",
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::bad_request("invalid-ics", "the calendar is not UTF-8"))?;
    let schedule = twincast_core::ics::from_ics(text).map_err(ics_error)?;
    let c = state
        .store
        .set_campaign_recurrence(&id, Some(schedule.recurrence.spec().clone()))
        .await?;
    announce(&state, None);
    Ok(Json(c))
}

// ------------------------------------------------------------------------------------------------- groups

/// Screen groups.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupList {
    /// Groups ordered by slug.
    pub items: Vec<ScreenGroup>,
}

/// Screen groups, by slug.
#[utoipa::path(get, path = "/api/v1/screen-groups", tag = "schedule",
    responses((status = 200, body = GroupList)))]
pub async fn list_groups(
    State(state): State<AppState>,
    _who: Principal,
) -> ApiResult<Json<GroupList>> {
    Ok(Json(GroupList {
        items: state.store.list_groups().await?,
    }))
}

/// Adds a screen group (admin, operator).
#[utoipa::path(post, path = "/api/v1/screen-groups", tag = "schedule", request_body = ScreenGroupInput,
    responses((status = 201, body = ScreenGroup), (status = 400, body = Problem), (status = 409, body = Problem)))]
pub async fn create_group(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<ScreenGroupInput>,
) -> ApiResult<(StatusCode, Json<ScreenGroup>)> {
    who.require(&[Role::Admin, Role::Operator])?;
    super::check_slug("slug", &b.slug)?;
    super::check_text("name", &b.name, 200)?;
    let g = state.store.create_group(&b).await?;
    announce(&state, Some(g.screens.clone()));
    Ok((StatusCode::CREATED, Json(g)))
}

/// One screen group.
#[utoipa::path(get, path = "/api/v1/screen-groups/{slug}", tag = "schedule",
    params(("slug" = String, Path, description = "Group slug")),
    responses((status = 200, body = ScreenGroup), (status = 404, body = Problem)))]
pub async fn get_group(
    State(state): State<AppState>,
    _who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Json<ScreenGroup>> {
    Ok(Json(state.store.group(&slug).await?))
}

/// Replaces a group's name and members (admin, operator); the slug is immutable.
#[utoipa::path(put, path = "/api/v1/screen-groups/{slug}", tag = "schedule", request_body = ScreenGroupInput,
    params(("slug" = String, Path, description = "Group slug")),
    responses((status = 200, body = ScreenGroup), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn update_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<ScreenGroupInput>,
) -> ApiResult<Json<ScreenGroup>> {
    who.require(&[Role::Admin, Role::Operator])?;
    if b.slug != slug {
        return Err(ApiError::bad_request(
            "slug-immutable",
            "a group's slug cannot change (campaign targets refer to it)",
        ));
    }
    super::check_text("name", &b.name, 200)?;
    let before = state.store.group(&slug).await?;
    let g = state.store.update_group(&slug, &b).await?;
    let mut affected = before.screens;
    affected.extend(g.screens.iter().cloned());
    affected.sort();
    affected.dedup();
    announce(&state, Some(affected));
    Ok(Json(g))
}

/// Deletes a screen group (admin, operator).
#[utoipa::path(delete, path = "/api/v1/screen-groups/{slug}", tag = "schedule",
    params(("slug" = String, Path, description = "Group slug")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_group(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    who.require(&[Role::Admin, Role::Operator])?;
    let before = state.store.group(&slug).await?;
    state.store.delete_group(&slug).await?;
    announce(&state, Some(before.screens));
    Ok(StatusCode::NO_CONTENT)
}

// ------------------------------------------------------------------------------------------------- explain, simulate

fn parse_instant(name: &str, v: Option<&str>) -> ApiResult<i64> {
    match v {
        None => Ok(twincast_store::now_ms()),
        Some(s) => s
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|e| {
                ApiError::bad_request(
                    "invalid-time",
                    format!("{name} must be an RFC 3339 instant such as 2026-05-01T12:00:00Z: {e}"),
                )
            }),
    }
}

async fn inputs(
    state: &AppState,
    screen_id: &str,
) -> ApiResult<(
    twincast_core::Screen,
    Vec<twincast_core::Campaign>,
    Vec<twincast_core::Alert>,
)> {
    state
        .store
        .schedule_inputs(screen_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::not_found("no such screen"),
            e => e.into(),
        })
}

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
    responses((status = 200, description = "`{at, playing: {kind, start, end, partner, campaign, item, alert, headline, priority} | null, not_playing: [{campaign, partner, reason, detail}]}`", body = Object),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn explain(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ExplainQuery>,
) -> ApiResult<Json<twincast_core::Explanation>> {
    let at = parse_instant("at", q.at.as_deref())?;
    let (screen, campaigns, alerts) = inputs(&state, &id).await?;
    Ok(Json(twincast_core::explain(
        &screen, &campaigns, &alerts, at,
    )))
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
    _who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SimulateQuery>,
) -> ApiResult<Json<twincast_core::SimReport>> {
    let from = parse_instant("from", q.from.as_deref())?;
    let days = match q.days.as_deref() {
        None => 7,
        Some(d) => d
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_SIM_DAYS).contains(d))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid-days",
                    format!("days must be a whole number from 1 to {MAX_SIM_DAYS}, got {d:?}"),
                )
            })?,
    };
    let (screen, campaigns, alerts) = inputs(&state, &id).await?;
    // A week of planning is CPU work: keep it off the async workers.
    let report = tokio::task::spawn_blocking(move || {
        twincast_core::simulate(&screen, &campaigns, &alerts, from, days)
    })
    .await
    .map_err(ApiError::internal)?;
    Ok(Json(report))
}
