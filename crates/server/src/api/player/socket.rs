//! The push channel: a player's WebSocket, registered with the hub, which sends it the pushes.

use super::{authenticate, bearer, unauthorized};
use crate::api::ApiQuery;
use crate::error::{ApiError, ApiResult};
use crate::hub::Outbound;
use crate::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use twincast_protocol::{PlayerMessage, Push};
use twincast_store::Device;
use utoipa::IntoParams;

/// WebSocket parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    /// Device token (browsers cannot set headers on WebSockets).
    pub token: Option<String>,
}

/// The push channel: `hello`, `manifest_changed`, `alert`, `command`, `ping`, `revoked` (JSON text frames); the
/// player sends `pong` and `command_result`.
#[utoipa::path(get, path = "/api/v1/player/ws", tag = "player", params(WsQuery),
    responses((status = 101, description = "WebSocket"), (status = 401, body = crate::error::Problem),
        (status = 503, description = "`node-draining`: the node is stopping; connect again", body = crate::error::Problem)))]
pub async fn ws(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WsQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let token = match (bearer(&headers)?, q.token) {
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => {
            return Err(unauthorized(
                "missing-device-token",
                "send Authorization: Bearer DEVICE_TOKEN or ?token=",
            ))
        }
    };
    let device = authenticate(&state, &token).await?;
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        // The node is stopping: the player retries, and the load balancer sends it to another node.
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "node-draining",
            "this node is stopping: connect again (another node will answer)",
        ));
    }
    let upgrade = upgrade.map_err(|e| {
        ApiError::bad_request(
            "websocket-required",
            format!("not a WebSocket upgrade: {e}"),
        )
    })?;
    // Players send only small pongs and receive small JSON messages: small buffers keep a connected screen
    // cheap (the defaults reserve 128 KiB per socket), and a client cannot make the server buffer much.
    Ok(upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| serve_socket(state, device, socket))
        .into_response())
}

/// Handles a player's message: a command's result is recorded; pongs and anything else are ignored.
async fn answer(state: &AppState, device: &Device, text: &str) {
    if let Ok(PlayerMessage::CommandResult { id, result }) = serde_json::from_str(text) {
        if let Err(e) = state.app.finish_command(device, &id, &result).await {
            tracing::debug!(command = id, error = %e, "player: command result not recorded");
        }
    }
}

async fn serve_socket(state: AppState, device: Device, mut socket: WebSocket) {
    let hub = state.hub.clone();
    let screen_id = device.screen_id.clone();
    let (conn, mut rx) = hub.connect(&screen_id, &device.id);
    // Marked as seen (grouped with the other hellos of a reconnecting fleet) while the manifest is looked up.
    let (seen, manifest) = tokio::join!(
        state.app.screen_seen(&screen_id),
        hub.manifest(&state, &screen_id, 48, state.app.now_ms())
    );
    if let Err(e) = seen {
        tracing::debug!(screen_id, error = %e, "player: screen not marked as seen");
    }
    let etag = manifest.map(|m| m.etag.clone()).ok();
    if let Some(e) = &etag {
        hub.announced(&screen_id, e);
    }
    let hello = Push::Hello {
        screen_id: screen_id.clone(),
        device_id: device.id.clone(),
        etag,
        server_time: state.app.now_ms(),
    }
    .to_text();
    if socket.send(Message::Text(hello.into())).await.is_ok() {
        // Commands queued while the screen was away follow the hello through the socket's channel.
        hub.deliver_queued(&state, &screen_id).await;
        let mut ping = tokio::time::interval(hub.settings.ping_every);
        ping.tick().await;
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(Outbound::Text(t)) => {
                        if socket.send(Message::Text(t.into())).await.is_err() { break; }
                    }
                    Some(Outbound::Close(code)) => {
                        let _ = socket.send(Message::Close(Some(axum::extract::ws::CloseFrame {
                            code, reason: if code == 1001 { "going away" } else { "revoked" }.into() }))).await;
                        break;
                    }
                    None => break,
                },
                msg = socket.recv() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(Message::Text(text))) => answer(&state, &device, &text).await,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    let ping = Push::Ping { server_time: state.app.now_ms() }.to_text();
                    if socket.send(Message::Text(ping.into())).await.is_err() { break; }
                }
            }
        }
    }
    hub.disconnect(&screen_id, conn);
}
