//! Operations: health, readiness, metrics, the start page, the API documents, crash recovery at start, and the
//! one path by which an ingested file becomes a committed media item.

use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::Instant;
use twincast_media::Ingested;
use twincast_store::Media;

/// Commits an ingested file: object first (atomic put), then the row. A crash between the two leaves only an
/// unreferenced object, which [`recover`] removes; a row never points at a missing object.
pub async fn commit_media(
    state: &AppState,
    ingested: &Ingested,
    partner: &str,
    original_name: &str,
    created_by: Option<&str>,
) -> ApiResult<(Media, bool)> {
    let key = twincast_media::object_key(&ingested.sha256, ingested.media_type);
    if state.storage.size(&key).await? != Some(ingested.size) {
        state.storage.put_file(&key, &ingested.path).await?;
    }
    let p = &ingested.probe;
    let m = Media {
        id: String::new(),
        partner_id: String::new(),
        partner: partner.to_string(),
        sha256: ingested.sha256.clone(),
        kind: ingested.media_type.kind().to_string(),
        media_type: ingested.media_type.ext().to_string(),
        mime: ingested.media_type.mime().to_string(),
        object_key: key,
        size: ingested.size as i64,
        width: p.width.map(i64::from),
        height: p.height.map(i64::from),
        duration_ms: p.duration_ms.map(|d| d as i64),
        codec: p.codec.clone(),
        original_name: original_name.to_string(),
        created_by: created_by.map(str::to_string),
        created_at: 0,
    };
    let (m, created) = state.store.add_media(&m).await?;
    if created && state.transcoding && ingested.media_type != twincast_media::MediaType::Svg {
        state.store.enqueue_job("transcode", Some(&m.id), 5).await?;
        state.jobs_notify.notify_one();
    }
    metrics::counter!("twincast_media_ingested_total", "created" => created.to_string())
        .increment(1);
    Ok((m, created))
}

/// After a crash: empties the upload spool, removes objects no row references, and requeues interrupted jobs.
pub async fn recover(state: &AppState) -> anyhow::Result<()> {
    let tmp = state.config.tmp_dir();
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    std::fs::create_dir_all(&tmp)?;
    let _ = std::fs::remove_dir_all(state.config.work_dir());
    let referenced = state.store.referenced_object_keys().await?;
    let mut removed = state.storage.remove_stale_staging().await?;
    for prefix in ["media/", "renditions/"] {
        for key in state.storage.list(prefix).await? {
            if !referenced.contains(&key) {
                state.storage.delete(&key).await?;
                removed += 1;
            }
        }
    }
    let requeued = state.store.requeue_running_jobs().await?;
    if removed > 0 || requeued > 0 {
        tracing::info!(removed, requeued, "recovered from an unclean stop");
    }
    Ok(())
}

/// Counts and times every request by route and status.
pub async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    metrics::counter!("twincast_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("twincast_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    res
}

/// Operations routes, the API documents and the start page.
pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let doc = openapi.clone();
    Router::new()
        .route("/", get(start_page))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                .url("/api/docs/openapi.json", openapi.as_ref().clone()),
        )
}

async fn readyz(State(state): State<AppState>) -> Response {
    let db = state.store.ping().await;
    let storage = state.storage.check().await;
    let body = serde_json::json!({
        "database": db.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
        "storage": storage.as_ref().map(|_| "ok".to_string()).unwrap_or_else(|e| e.to_string()),
    });
    let status = if db.is_ok() && storage.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn start_page() -> Html<&'static str> {
    Html(include_str!("start.html"))
}
