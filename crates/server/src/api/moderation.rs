//! Moderation over HTTP: approving and rejecting partner-editors' campaigns and media, the review queue, and the
//! per-partner limits (priority ceiling, allowed targets). The rules are [`twincast_app::moderation`]'s.

use super::revision::{IfMatch, Tagged};
use crate::api::media::media_json;
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
pub use twincast_app::moderation::ReviewQueue;
use twincast_store::{CampaignRecord, Media, PartnerLimits};

/// A rejection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why, for the editor (required, up to 1000 characters).
    pub reason: String,
}

/// Approves the pending version of a campaign (admin, operator; not the submitter): it reaches screens.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/approve", tag = "moderation",
    params(("id" = String, Path, description = "Campaign id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version reviewed")),
    responses((status = 200, body = CampaignRecord, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "forbidden (editors, viewers), own-item (the submitter)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "not-pending: nothing awaits review", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn approve_campaign(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Tagged<CampaignRecord>> {
    let c = state
        .app
        .review_campaign(&who.actor(), &id, true, None, if_match)
        .await?;
    Ok(Tagged(c.version, c))
}

/// Rejects the pending version of a campaign with a reason (admin, operator; not the submitter). The previous
/// approved version, if any, keeps playing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reject", tag = "moderation", request_body = RejectBody,
    params(("id" = String, Path, description = "Campaign id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version reviewed")),
    responses((status = 200, body = CampaignRecord, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "missing-reason", body = Problem),
        (status = 403, description = "forbidden (editors, viewers), own-item (the submitter)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "not-pending: nothing awaits review", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn reject_campaign(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<RejectBody>,
) -> ApiResult<Tagged<CampaignRecord>> {
    let c = state
        .app
        .review_campaign(&who.actor(), &id, false, Some(&b.reason), if_match)
        .await?;
    Ok(Tagged(c.version, c))
}

/// Approves a pending media item (admin, operator; not the uploader): campaigns may play it.
#[utoipa::path(post, path = "/api/v1/media/{id}/approve", tag = "moderation",
    params(("id" = String, Path, description = "Media id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version reviewed")),
    responses((status = 200, body = Media, headers(("ETag" = String, description = "The new version"))),
        (status = 403, description = "forbidden (editors, viewers), own-item (the uploader)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "not-pending: nothing awaits review", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn approve_media(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<Tagged<Value>> {
    let m = state
        .app
        .review_media(&who.actor(), &id, true, None, if_match)
        .await?;
    Ok(Tagged(m.version, media_json(&m)))
}

/// Rejects a pending media item with a reason (admin, operator; not the uploader): it does not play.
#[utoipa::path(post, path = "/api/v1/media/{id}/reject", tag = "moderation", request_body = RejectBody,
    params(("id" = String, Path, description = "Media id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version reviewed")),
    responses((status = 200, body = Media, headers(("ETag" = String, description = "The new version"))),
        (status = 400, description = "missing-reason", body = Problem),
        (status = 403, description = "forbidden (editors, viewers), own-item (the uploader)", body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "not-pending: nothing awaits review", body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn reject_media(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<RejectBody>,
) -> ApiResult<Tagged<Value>> {
    let m = state
        .app
        .review_media(&who.actor(), &id, false, Some(&b.reason), if_match)
        .await?;
    Ok(Tagged(m.version, media_json(&m)))
}

/// The review queue: for admins and operators every pending campaign and media item (who submitted it, when);
/// for a partner-editor its partners' pending and rejected items with the reviewer's reason.
#[utoipa::path(get, path = "/api/v1/moderation/pending", tag = "moderation",
    responses((status = 200, body = ReviewQueue), (status = 403, body = Problem)))]
pub async fn pending(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<Json<ReviewQueue>> {
    Ok(Json(state.app.review_queue(&who.actor()).await?))
}

/// A partner's limits on its editors (the partner's version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/partners/{slug}/limits", tag = "moderation",
    params(("slug" = String, Path)),
    responses((status = 200, body = PartnerLimits, headers(("ETag" = String, description = "The partner's version, for If-Match"))),
        (status = 404, body = Problem)))]
pub async fn get_limits(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
) -> ApiResult<Tagged<PartnerLimits>> {
    let (l, v) = state.app.partner_limits(&who.actor(), &slug).await?;
    Ok(Tagged(v, l))
}

/// Sets a partner's limits on its editors (admin, operator): the highest priority they may give and the places
/// (locations, location kinds, screen groups) they may target. `null` lifts a limit.
#[utoipa::path(put, path = "/api/v1/partners/{slug}/limits", tag = "moderation", request_body = PartnerLimits,
    params(("slug" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the partner version read")),
    responses((status = 200, body = PartnerLimits, headers(("ETag" = String, description = "The partner's new version"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 412, description = "stale-version: changed since it was read", body = Problem)))]
pub async fn put_limits(
    State(state): State<AppState>,
    who: Principal,
    Path(slug): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<PartnerLimits>,
) -> ApiResult<Tagged<PartnerLimits>> {
    let (l, v) = state
        .app
        .set_partner_limits(&who.actor(), &slug, &b, if_match)
        .await?;
    Ok(Tagged(v, l))
}
