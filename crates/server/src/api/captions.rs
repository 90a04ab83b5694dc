//! Caption tracks of a video (docs/media.md, "Captions"): list, attach or replace one language's track (WebVTT or
//! SRT, converted to WebVTT), remove it. The rules live in `twincast_app::captions` and `twincast_core::captions`.

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use twincast_app::captions::{Caption, CaptionSet};

/// A video's caption tracks (any signed-in account, like the item itself).
#[utoipa::path(get, path = "/api/v1/media/{id}/captions", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Caption>), (status = 404, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Caption>>> {
    Ok(Json(state.app.captions(&id).await?))
}

/// Attaches or replaces the caption track of language `lang` (BCP 47: `ru`, `en`, `zh-Hans`…): the body is the
/// WebVTT or SRT file (told apart by its content; SRT is converted). 201 new, 200 replaced. Admins, operators, an
/// editor of the item's partner.
#[utoipa::path(put, path = "/api/v1/media/{id}/captions/{lang}", tag = "media",
    params(("id" = String, Path), ("lang" = String, Path, description = "BCP 47 language tag")),
    request_body(content_type = "text/vtt", description = "The WebVTT or SRT file (`application/x-subrip`)"),
    responses((status = 201, body = CaptionSet), (status = 200, body = CaptionSet),
        (status = 400, description = "invalid-language-tag, caption-empty, caption-not-utf8, caption-unknown-format, caption-bad-cue (the detail names the line)", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "captions-need-video", body = crate::error::Problem),
        (status = 422, description = "caption-too-large (over 1 MiB)", body = crate::error::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    who: Principal,
    Path((id, lang)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<CaptionSet>)> {
    let set = state
        .app
        .set_caption(&who.actor(), &id, &lang, &body)
        .await?;
    let status = if set.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(set)))
}

/// Removes the caption track of language `lang`.
#[utoipa::path(delete, path = "/api/v1/media/{id}/captions/{lang}", tag = "media",
    params(("id" = String, Path), ("lang" = String, Path, description = "BCP 47 language tag")),
    responses((status = 204), (status = 400, description = "invalid-language-tag", body = crate::error::Problem),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "not-found, caption-not-found", body = crate::error::Problem),
        (status = 409, description = "captions-need-video", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path((id, lang)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.delete_caption(&who.actor(), &id, &lang).await?;
    Ok(StatusCode::NO_CONTENT)
}
