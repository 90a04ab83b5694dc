//! Media jobs by hand: cancel a queued or running job (its ffmpeg stops within a second) and retry a failed or
//! cancelled one. A job's state and progress (percent) are read with its media item (`GET /api/v1/media/{id}`).

use crate::auth::Principal;
use crate::error::{ApiResult, Problem};
use crate::AppState;
use axum::extract::{Path, State};
use axum::Json;
use twincast_store::Job;

/// Cancels a queued or running media job (admins, operators, an editor of its medium's partner).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "job-not-active: the job is done, failed or cancelled already", body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    Ok(Json(state.app.cancel_job(&who.actor(), &id).await?))
}

/// Queues a failed or cancelled media job again, at once, its attempts counted afresh (admins, operators, an
/// editor of its medium's partner).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = Job), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "job-not-retryable: the job is queued, running or done", body = Problem)))]
pub async fn retry(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    Ok(Json(state.app.retry_job(&who.actor(), &id).await?))
}
