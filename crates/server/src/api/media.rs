//! The media library: streamed uploads (type from content, size-limited, content-addressed, deduplicated),
//! listing, details with derived files and job status, renaming, deletion (refused while campaigns use the item).
//! A partner-editor's upload is `pending` until reviewed (`api::moderation`); only approved media plays.

use super::revision::{IfMatch, Tagged};
use super::{ApiQuery, ListParams};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::AppState;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use twincast_media::Ingest;
use twincast_store::{Media, MediaInput, Role};

/// List filters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MediaQuery {
    /// Items per page, 1..=500.
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only this partner's (slug).
    pub partner: Option<String>,
    /// Only this kind: `video` or `image`.
    pub kind: Option<String>,
}

/// Public, content-addressed URL of a media item's file.
pub fn media_url(m: &Media) -> String {
    format!("/media/{}.{}", m.sha256, m.media_type)
}

/// A media item as the API shows it.
pub fn media_json(m: &Media) -> Value {
    let mut j = serde_json::to_value(m).unwrap_or_default();
    j["url"] = media_url(m).into();
    if let Some(o) = j.as_object_mut() {
        o.remove("object_key");
        o.remove("partner_id");
    }
    j
}

/// Checks an uploaded file's name: no path parts, no control characters.
pub fn check_file_name(name: &str) -> ApiResult<()> {
    Ok(twincast_app::validate::file_name(name)?)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    let detail = e.body_text();
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "upload-too-large", detail);
    }
    if detail.contains("incomplete") {
        ApiError::bad_request(
            "upload-truncated",
            format!("the upload ended early: {detail}"),
        )
    } else {
        ApiError::bad_request(
            "invalid-multipart",
            format!("the multipart body is malformed: {detail}"),
        )
    }
}

/// Uploads a file (multipart fields `file` and `partner`). 201 with the new item, or 200 with the existing one
/// when this partner already holds the same content.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content_type = "multipart/form-data", description = "fields `file` (the content) and `partner` (slug)"),
    responses((status = 201, body = Media), (status = 200, body = Media), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem), (status = 415, description = "unsupported-media-type, needs-ffmpeg", body = crate::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    who: Principal,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let actor = who.actor();
    actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected-multipart",
            format!("send multipart/form-data: {}", e.body_text()),
        )
    })?;
    let mut partner: Option<String> = None;
    let mut partner_checked = false;
    let mut file: Option<(twincast_media::Ingested, String)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name().unwrap_or("") {
            "partner" => {
                let slug = field.text().await.map_err(multipart_error)?;
                let slug = slug.trim().to_string();
                state.app.check_upload(&actor, &slug).await?;
                partner_checked = true;
                partner = Some(slug);
            }
            "file" => {
                if file.is_some() {
                    return Err(ApiError::bad_request(
                        "duplicate-field",
                        "send exactly one `file` field",
                    ));
                }
                let name = field.file_name().unwrap_or("upload").to_string();
                check_file_name(&name)?;
                // ProRes, MPEG-2, Matroska…: read by ffprobe where the media jobs transcode them.
                let mut ingest =
                    Ingest::new(&state.config.tmp_dir(), state.config.max_upload_bytes)
                        .await?
                        .with_ffprobe(state.app.settings.transcoding);
                while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                    ingest.push(&chunk).await?;
                }
                file = Some((ingest.finish().await?, name));
            }
            other => {
                return Err(ApiError::bad_request(
                    "unknown-field",
                    format!("unknown multipart field {other:?}: expected `file` and `partner`"),
                ))
            }
        }
    }
    let partner = partner
        .ok_or_else(|| ApiError::bad_request("missing-field", "the `partner` field is required"))?;
    let (ingested, name) =
        file.ok_or_else(|| ApiError::bad_request("missing-field", "the `file` field is required"))?;
    if !partner_checked {
        state.app.check_upload(&actor, &partner).await?;
    }
    let (m, created) = state
        .app
        .commit_media(&ingested, &partner, &name, &actor)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(media_json(&m))))
}

/// Media, oldest first.
#[utoipa::path(get, path = "/api/v1/media", tag = "media", params(MediaQuery),
    responses((status = 200, body = crate::api::List<Media>), (status = 400, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _who: Principal,
    ApiQuery(q): ApiQuery<MediaQuery>,
) -> ApiResult<Json<Value>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let p = state.app.list_media(q.partner, q.kind, &page).await?;
    Ok(Json(
        json!({ "items": p.items.iter().map(media_json).collect::<Vec<_>>(), "next_cursor": p.next_cursor }),
    ))
}

/// One media item with its derived files, processing jobs and review state (its version is the `ETag`).
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = Media, headers(("ETag" = String, description = "The item's version, for If-Match"))),
        (status = 404, body = crate::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Value>> {
    let (m, renditions, jobs) = state.app.media(&id).await?;
    let mut j = media_json(&m);
    let renditions: Vec<Value> = renditions
        .iter()
        .map(|r| json!({ "kind": r.kind, "url": format!("/{}", r.object_key), "mime": r.mime, "size": r.size }))
        .collect();
    j["renditions"] = renditions.into();
    j["jobs"] = serde_json::to_value(jobs).unwrap_or_default();
    j["transcoding"] = transcoding_json(&state);
    Ok(Tagged(m.version, j))
}

/// Changes a media item's `original_name` (admin, operator, an editor of its partner) or `partner` (admins and
/// operators; not while a campaign uses it: 409 `media-in-use`) by JSON merge patch (RFC 7396).
#[utoipa::path(patch, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = MediaInput, content_type = "application/merge-patch+json", description = "Fields of MediaInput to change"),
    responses((status = 200, body = Media, headers(("ETag" = String, description = "The new version"))),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "media-in-use: campaigns use it; the problem names them in `detail` and, as data, in its member `campaigns`: `[{\"id\", \"name\"}]`", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    ApiJson(b): ApiJson<Value>,
) -> ApiResult<Tagged<Value>> {
    let m = state
        .app
        .patch_media(&who.actor(), &id, &b, if_match)
        .await?;
    Ok(Tagged(m.version, media_json(&m)))
}

fn transcoding_json(state: &AppState) -> Value {
    if state.transcoding {
        json!({ "available": true })
    } else {
        let why = if state.config.transcode {
            "ffmpeg is not on the server's PATH"
        } else {
            "transcoding is turned off in the configuration"
        };
        json!({ "available": false, "reason": format!("{why}: files play as uploaded, without thumbnails, normalised MP4 or HLS") })
    }
}

/// Deletes a media item (admin, operator, or an editor of its partner) that no campaign uses (409 `media-in-use`
/// names the campaigns); its files go when nothing else uses them.
#[utoipa::path(delete, path = "/api/v1/media/{id}", tag = "media",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, description = "media-in-use: campaigns use it; the problem names them in `detail` and, as data, in its member `campaigns`: `[{\"id\", \"name\"}]`", body = crate::error::Problem),
        (status = 412, description = "stale-version: changed since it was read", body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> ApiResult<StatusCode> {
    let removed = state.app.delete_media(&who.actor(), &id, if_match).await?;
    if let Ok(mut d) = state.delivered.write() {
        for key in &removed {
            d.remove(key);
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// What this server can do: version, database, storage, transcoding.
#[utoipa::path(get, path = "/api/v1/system", tag = "media", responses((status = 200)))]
pub async fn system(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "database": format!("{:?}", state.store.backend()).to_lowercase(),
        "storage": state.storage.describe(),
        "max_upload_bytes": state.config.max_upload_bytes,
        "transcoding": transcoding_json(&state),
    }))
}
