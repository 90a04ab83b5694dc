//! Remote commands: operators queue them and read their state; players answer them (also possible over the
//! WebSocket). The rules live in `twincast_app::player::commands`.

use super::PlayerAuth;
use crate::api::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use twincast_app::player::CommandInput;
use twincast_protocol::CommandResult;
use twincast_store::ScreenCommand;
use utoipa::IntoParams;

/// Queues a command for a screen (operator, admin). It reaches the screen's open socket at once, or the screen's
/// next connection to any server process before `expires_at`; the answer shows the command in state `queued`.
/// A retired screen takes no commands (409 `screen-retired`).
#[utoipa::path(post, path = "/api/v1/screens/{id}/commands", tag = "screens",
    params(("id" = String, Path)), request_body = CommandInput,
    responses((status = 202, body = ScreenCommand), (status = 400, description = "invalid-command, invalid-command-args, invalid-command-expiry", body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "screen-retired: the screen is retired", body = crate::error::Problem)))]
pub async fn send_command(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CommandInput>,
) -> ApiResult<(StatusCode, Json<ScreenCommand>)> {
    let sent = state.app.send_command(&who.actor(), &id, &req).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Filters of a screen's commands.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CommandQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only commands in this state: `queued`, `delivered`, `done`, `failed`, `expired`.
    pub state: Option<String>,
}

/// A screen's commands with their state, newest first (any signed-in user).
#[utoipa::path(get, path = "/api/v1/screens/{id}/commands", tag = "screens",
    params(("id" = String, Path), CommandQuery),
    responses((status = 200, body = List<ScreenCommand>), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn list_commands(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CommandQuery>,
) -> ApiResult<Json<List<ScreenCommand>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(Json(
        state
            .app
            .screen_commands(&who.actor(), &id, q.state.as_deref(), &page)
            .await?
            .into(),
    ))
}

/// One command of a screen (any signed-in user); `404 command-not-found`.
#[utoipa::path(get, path = "/api/v1/screens/{id}/commands/{command_id}", tag = "screens",
    params(("id" = String, Path), ("command_id" = String, Path)),
    responses((status = 200, body = ScreenCommand), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn get_command(
    State(state): State<AppState>,
    who: Principal,
    Path((id, command_id)): Path<(String, String)>,
) -> ApiResult<Json<ScreenCommand>> {
    Ok(Json(
        state
            .app
            .screen_command(&who.actor(), &id, &command_id)
            .await?,
    ))
}

/// The player's answer to a command of its screen (device token): `done` with a `result` or `failed` with an
/// `error`. `404 command-not-found`, `409 command-answered` when it was answered already.
#[utoipa::path(post, path = "/api/v1/player/commands/{id}/result", tag = "player", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = CommandResult,
    responses((status = 200, body = ScreenCommand), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn command_result(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommandResult>,
) -> ApiResult<Json<ScreenCommand>> {
    Ok(Json(state.app.finish_command(&device, &id, &body).await?))
}
