//! Emergency alerts: CAP 1.2 XML (`application/cap+xml`, `application/xml`, `text/xml`) or a simple JSON form
//! (`application/json`). Validation is [`twincast_core::Alert::from_cap_xml`]'s: no DTD, no entities beyond the
//! predefined ones, the CAP 1.2 namespace, required elements present. Every 4xx names what is wrong with a stable
//! code. Admins and operators send and cancel; everyone logged in reads. Every change announces
//! [`ServerEvent::AlertsChanged`](crate::events::ServerEvent::AlertsChanged).

use super::campaigns::media_type;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Problem};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
pub use twincast_app::schedule::AlertList;
use twincast_store::AlertRecord;

/// Issues an alert: a CAP 1.2 document (`Alert`, `Update` or `Cancel`, the latter two referencing earlier
/// identifiers) or the JSON form `{headline, severity?, expires?, areas?, locations?, location_kinds?, tags?,
/// msg_type?, references?, ...}` (`id` and `sent` default to a new id and now). Answers 201 with the stored alert.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts",
    request_body(description = "CAP 1.2 XML or the JSON form", content(
        (String = "application/cap+xml"), (String = "application/xml"), (Object = "application/json"))),
    responses((status = 201, body = AlertRecord), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "An alert with this sender and identifier exists", body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AlertRecord>)> {
    if body.len() > twincast_core::alert::MAX_CAP_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "alert-too-large",
            format!(
                "an alert may be at most {} bytes",
                twincast_core::alert::MAX_CAP_BYTES
            ),
        ));
    }
    let record = state
        .app
        .issue_alert(&who.actor(), &media_type(&headers), &body)
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Every alert, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", responses((status = 200, body = AlertList)))]
pub async fn list(State(state): State<AppState>, who: Principal) -> ApiResult<Json<AlertList>> {
    Ok(Json(state.app.list_alerts(&who.actor()).await?))
}

/// One alert.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertRecord), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertRecord>> {
    Ok(Json(state.app.alert(&who.actor(), &id).await?))
}

/// Takes an alert off the screens now (admin, operator). Idempotent: the first cancellation time is kept.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/cancel", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertRecord), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertRecord>> {
    Ok(Json(state.app.cancel_alert(&who.actor(), &id).await?))
}
