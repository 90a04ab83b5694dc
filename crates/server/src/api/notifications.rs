//! The notifications outbox: offline/online alerts sent by webhook and e-mail, with their delivery state, so an
//! operator can see what was delivered and what failed (admins and operators).

use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::{ApiResult, Problem};
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use twincast_store::Notification;

/// List filters of the outbox.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NotificationQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only rows of this state: `queued` (waiting for an attempt), `delivered` or `failed` (gave up).
    pub status: Option<String>,
}

/// The outbox, newest first (admin, operator).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "health", params(NotificationQuery),
    responses((status = 200, body = List<Notification>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> ApiResult<Json<List<Notification>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    Ok(Json(
        state
            .app
            .list_notifications(&who.actor(), q.status.as_deref(), &page)
            .await?
            .into(),
    ))
}
