//! Proof of play over HTTP: a player's batches, and the operators' summary and aggregates.

use super::{body_bytes, PlayerAuth, MAX_PLAYS_BODY};
use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use twincast_app::player::{play_grouping, PlayReportQuery};
use twincast_store::PlayGrouping;
use utoipa::IntoParams;

pub use twincast_app::player::{PartnerPlays, PlaySummary};
pub use twincast_protocol::{PlayBatch, PlayBatchAnswer, PlayUpload, SignedPlayBatch, SignedPlays};

/// Records proof of play: idempotent by event id, durable before the answer, each new play appended to the
/// transparency log. A device that registered a key at pairing sends signed batches (docs/proof-of-play.md).
/// Refused: `400 invalid-signed-batch` (payload or signature not base64, payload not a batch), `400
/// device-has-no-key` (a signed batch from a device paired without a key), `403 batch-signature-invalid` (wrong
/// key or altered payload), `403 batch-device-mismatch` (signed for another device), `403 signature-required`
/// (an unsigned batch from a device with a key), `409 batch-replayed` (a sequence number not above the device's
/// last accepted one).
#[utoipa::path(post, path = "/api/v1/player/plays", tag = "player", request_body = PlayUpload,
    security(("bearer" = [])),
    responses((status = 200, body = PlayBatchAnswer), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 413, body = crate::error::Problem)))]
pub async fn plays(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    body: Body,
) -> ApiResult<Json<PlayBatchAnswer>> {
    let bytes = body_bytes(body, MAX_PLAYS_BODY, || {
        format!("a proof-of-play body may have at most {MAX_PLAYS_BODY} bytes")
    })
    .await?;
    let upload = PlayUpload::from_json(&bytes)
        .map_err(|e| ApiError::bad_request("invalid-body", format!("bad play batch: {e}")))?;
    let r = state.app.record_upload(&device, &upload).await?;
    Ok(Json(PlayBatchAnswer {
        accepted: r.accepted,
        duplicates: r.duplicates,
        received_at: r.received_at,
        refs: r.refs,
    }))
}

/// Filters of play reports.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlaysQuery {
    /// Screen id.
    pub screen: Option<String>,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// `started_at >= from` (epoch ms).
    pub from: Option<i64>,
    /// `started_at < to` (epoch ms).
    pub to: Option<i64>,
    /// Grouping of `/plays/aggregates`: `partner`, `location` or `day`.
    pub by: Option<String>,
}

impl PlaysQuery {
    fn report(&self) -> PlayReportQuery {
        PlayReportQuery {
            screen: self.screen.clone(),
            partner: self.partner.clone(),
            location: self.location.clone(),
            from: self.from,
            to: self.to,
        }
    }
}

/// Proof-of-play totals and per-partner plays/seconds.
#[utoipa::path(get, path = "/api/v1/plays/summary", tag = "plays", params(PlaysQuery),
    responses((status = 200, body = PlaySummary), (status = 403, body = crate::error::Problem)))]
pub async fn plays_summary(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<PlaysQuery>,
) -> ApiResult<Json<PlaySummary>> {
    if q.by.is_some() {
        return Err(ApiError::bad_request(
            "invalid-query",
            "`by` belongs to /api/v1/plays/aggregates",
        ));
    }
    Ok(Json(
        state.app.plays_summary(&who.actor(), &q.report()).await?,
    ))
}

/// Plays and seconds per partner, location or UTC day.
#[utoipa::path(get, path = "/api/v1/plays/aggregates", tag = "plays", params(PlaysQuery),
    responses((status = 200, description = "{by, rows: [{key, plays, seconds}]}"),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn plays_aggregates(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<PlaysQuery>,
) -> ApiResult<Json<Value>> {
    let by = play_grouping(q.by.as_deref().unwrap_or("partner"))?;
    let rows = state
        .app
        .plays_aggregates(&who.actor(), &q.report(), by)
        .await?;
    let name = match by {
        PlayGrouping::Partner => "partner",
        PlayGrouping::Location => "location",
        PlayGrouping::Day => "day",
    };
    Ok(Json(json!({"by": name, "rows": rows})))
}
