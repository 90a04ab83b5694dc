//! One screen's player side as operators and players reach it: screenshots, device revocation, status (commands:
//! [`super::commands`]).

use super::{body_bytes, PlayerAuth};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use twincast_app::places::ScreenStatus;
use twincast_app::player::MAX_SCREENSHOT;

/// Uploads a screenshot (PNG or JPEG, ≤ 5 MiB) after a `screenshot` command.
#[utoipa::path(post, path = "/api/v1/player/screenshot", tag = "player", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem)))]
pub async fn upload_screenshot(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    body: Body,
) -> ApiResult<StatusCode> {
    let bytes = body_bytes(body, MAX_SCREENSHOT, || {
        "a screenshot may have at most 5 MiB".into()
    })
    .await?;
    state.app.save_screenshot(&device, &bytes).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest screenshot of a screen.
#[utoipa::path(get, path = "/api/v1/screens/{id}/screenshot", tag = "screens", params(("id" = String, Path)),
    responses((status = 200, description = "PNG or JPEG"), (status = 404, body = crate::error::Problem)))]
pub async fn get_screenshot(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let shot = state.app.screenshot(&who.actor(), &id).await?;
    let mime = HeaderValue::from_str(&shot.mime).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, mime)], shot.data).into_response())
}

/// Revokes the screen's device token and closes its sockets.
#[utoipa::path(delete, path = "/api/v1/screens/{id}/device", tag = "screens", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let ids = state.app.revoke_device(&who.actor(), &id).await?;
    state.hub.revoke(&id, &ids);
    Ok(StatusCode::NO_CONTENT)
}

/// Status of one screen: online/offline, device, socket, last heartbeat.
#[utoipa::path(get, path = "/api/v1/screens/{id}/status", tag = "screens", params(("id" = String, Path)),
    responses((status = 200, description = "status"), (status = 404, body = crate::error::Problem)))]
pub async fn screen_status(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let s = state.app.screen_status(&who.actor(), &id).await?;
    Ok(Json(json!({
        "screen_id": s.screen_id,
        "status": if s.status == ScreenStatus::Online { "online" } else { "offline" },
        "last_seen_at": s.last_seen_at,
        "device": s.device.map(|d| json!({"id": d.id, "paired_at": d.paired_at, "token_expires_at": d.token_expires_at})),
        "connected": state.hub.is_connected(&id),
        "heartbeat": s.heartbeat,
    })))
}
