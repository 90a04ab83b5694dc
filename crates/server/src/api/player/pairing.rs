//! Pairing over HTTP: the player opens and polls a pairing, an operator claims its code for a screen.

use super::body_bytes;
use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;
use twincast_app::player::PairingPoll;
use utoipa::IntoParams;

pub use twincast_protocol::{ClaimRequest, Claimed, PairingCreated, PairingRequest, PairingStatus};

/// Suggested poll period of a pending pairing, ms.
const POLL_INTERVAL_MS: i64 = 2000;
/// Longest long-poll wait, seconds.
const MAX_WAIT_SECS: u64 = 30;

/// Starts pairing: the player gets a short code to display.
#[utoipa::path(post, path = "/api/v1/player/pairings", tag = "player", request_body = PairingRequest,
    responses((status = 201, body = PairingCreated), (status = 400, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
pub async fn create_pairing(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<PairingCreated>)> {
    if !state
        .app
        .pairing_allowed(state.app.client_ip(peer.ip(), &headers))
        .await
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "too many pairing requests from this address; wait a minute",
        ));
    }
    let bytes = body_bytes(body, 16 * 1024, || {
        "the pairing request is larger than 16 KiB".into()
    })
    .await?;
    let info: PairingRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        PairingRequest::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request("invalid-body", format!("bad pairing request: {e}"))
        })?
    };
    let p = state
        .app
        .create_pairing(&info, state.hub.settings.pairing_ttl_ms)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PairingCreated {
            pairing_id: p.pairing_id,
            code: p.code,
            poll_secret: p.poll_secret,
            expires_at: p.expires_at,
            poll_interval_ms: POLL_INTERVAL_MS,
        }),
    ))
}

/// Poll parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// The pairing's poll secret.
    pub secret: String,
    /// Long-poll up to this many seconds (0–30).
    pub wait: Option<u64>,
}

/// Polls a pairing; answers the device token exactly once after the claim.
#[utoipa::path(get, path = "/api/v1/player/pairings/{pairing_id}", tag = "player",
    params(("pairing_id" = String, Path), PollQuery),
    responses((status = 200, body = PairingStatus), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem)))]
pub async fn poll_pairing(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PollQuery>,
) -> ApiResult<Json<PairingStatus>> {
    let wait = q.wait.unwrap_or(0);
    if wait > MAX_WAIT_SECS {
        return Err(ApiError::bad_request(
            "invalid-wait",
            "wait must be 0..=30 seconds",
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        match state.app.poll_pairing(&id, &q.secret).await? {
            PairingPoll::Paired { device, token } => {
                return Ok(Json(PairingStatus {
                    status: "paired".into(),
                    expires_at: None,
                    device_id: Some(device.id),
                    screen_id: Some(device.screen_id),
                    token: Some(token),
                    token_expires_at: Some(device.token_expires_at),
                }))
            }
            PairingPoll::Pending { expires_at } => {
                if tokio::time::Instant::now() >= deadline {
                    return Ok(Json(PairingStatus {
                        status: "pending".into(),
                        expires_at: Some(expires_at),
                        device_id: None,
                        screen_id: None,
                        token: None,
                        token_expires_at: None,
                    }));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Pairs the player showing `code` with a screen (replaces the screen's previous device).
#[utoipa::path(post, path = "/api/v1/pairings/{code}/claim", tag = "screens",
    params(("code" = String, Path)), request_body = ClaimRequest,
    responses((status = 200, body = Claimed), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn claim_pairing(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> ApiResult<Json<Claimed>> {
    let claimed = state
        .app
        .claim_pairing(
            &who.actor(),
            &code,
            &req.screen_id,
            state.hub.settings.token_ttl_ms,
        )
        .await?;
    let device = claimed.device;
    state.hub.revoke(&device.screen_id, &claimed.replaced);
    Ok(Json(Claimed {
        device_id: device.id,
        screen_id: device.screen_id,
        paired_at: device.paired_at,
    }))
}
