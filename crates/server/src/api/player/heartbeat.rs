//! Heartbeats over HTTP: validated and stored (many to a transaction) by the application.

use super::PlayerAuth;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::Json;

pub use twincast_protocol::{CacheState, CurrentItem, Heartbeat, HeartbeatAnswer, PlayerError};

/// When the player should send its next heartbeat, ms.
const NEXT_HEARTBEAT_MS: i64 = 30_000;

/// Status report; answers the server time for clock-offset estimation.
#[utoipa::path(post, path = "/api/v1/player/heartbeat", tag = "player", request_body = Heartbeat,
    security(("bearer" = [])),
    responses((status = 200, body = HeartbeatAnswer), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
pub async fn heartbeat(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    ApiJson(hb): ApiJson<Heartbeat>,
) -> ApiResult<Json<HeartbeatAnswer>> {
    let record = state.app.accept_heartbeat(&device, &hb)?;
    let now = record.at;
    state.app.record_heartbeat(record).await?;
    if let Some(d) = &hb.decodes {
        let codecs = twincast_app::player::normalize_decodes(d)?;
        if state.app.record_decodes(&device, &codecs).await? {
            // The manifest named in the answer is already the one with this screen's files.
            state
                .hub
                .schedule_version_is(state.store.schedule_version().await.ok());
        }
    }
    let etag = state
        .hub
        .manifest(&state, &device.screen_id, 48, now)
        .await
        .map(|m| m.etag.clone())
        .ok();
    Ok(Json(HeartbeatAnswer {
        server_time: state.app.now_ms(),
        manifest_etag: etag,
        next_heartbeat_ms: NEXT_HEARTBEAT_MS,
        token_expires_at: device.token_expires_at,
    }))
}
