//! Operations: health, readiness, metrics, the API documents and crash recovery at start.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use std::time::Instant;

/// After a crash: empties this node's upload spool and work directory, starts this node's lease and takes back
/// what dead nodes left (their running jobs, the objects they were putting: `twincast_app::nodes`). It never
/// lists the object store, except with SQLite and local storage — one node on one machine by construction —,
/// where objects no row references are also removed (objects written before pending records existed).
pub async fn recover(state: &AppState) -> Result<(), crate::error::StartError> {
    use crate::error::StartError;
    let tmp = state.config.tmp_dir();
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        for e in entries.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
    }
    std::fs::create_dir_all(&tmp).map_err(StartError::io("recreating the upload spool"))?;
    let _ = std::fs::remove_dir_all(state.config.work_dir());
    // Resumable uploads survive a restart; expired ones and spool files without a session do not.
    if let Err(e) = state.app.expire_uploads().await {
        tracing::warn!(error = %e, "could not remove expired uploads");
    }
    if let Err(e) = state.app.remove_orphan_spools().await {
        tracing::warn!(error = %e, "could not remove orphan upload spool files");
    }
    let reclaimed = state
        .app
        .start_node()
        .await
        .map_err(|e| StartError::Config(format!("starting this node's lease: {e}")))?;
    let mut removed = state
        .storage
        .remove_stale_staging()
        .await
        .map_err(StartError::storage("removing staging files"))?;
    let single = state.store.backend() == twincast_store::Backend::Sqlite
        && !state.storage.describe().starts_with("s3");
    if single {
        let referenced = state
            .store
            .referenced_object_keys()
            .await
            .map_err(StartError::store("listing referenced objects"))?;
        for prefix in ["media/", "renditions/"] {
            let keys = state
                .storage
                .list(prefix)
                .await
                .map_err(StartError::storage("listing objects"))?;
            for key in keys {
                if !referenced.contains(&key) {
                    state
                        .storage
                        .delete(&key)
                        .await
                        .map_err(StartError::storage("removing an orphan object"))?;
                    removed += 1;
                }
            }
        }
    }
    let requeued = if state.store.backend() == twincast_store::Backend::Sqlite {
        state
            .store
            .requeue_running_jobs()
            .await
            .map_err(StartError::store("requeueing interrupted jobs"))?
    } else {
        0
    };
    if removed > 0 || requeued > 0 {
        tracing::info!(
            removed,
            requeued,
            reclaimed_jobs = reclaimed.jobs,
            reclaimed_objects = reclaimed.objects,
            "recovered from an unclean stop"
        );
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

/// Whether a request may change what the console shows: any method but GET, HEAD and OPTIONS on the console's
/// pages or the API, except what players and the public send (heartbeats, pairing requests, plays, views and
/// expressions of interest), which the console's reads pick up by age ([`twincast_app::reads`]).
pub fn may_change_reads(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if path.starts_with("/console/") {
        return true;
    }
    path.starts_with("/api/v1/")
        && !["/api/v1/player", "/api/v1/plays", "/api/v1/public"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// After a request that may have changed something ([`may_change_reads`]) has been answered, and so its writes
/// committed, the console's kept reads are dropped: whoever changed something sees it on the next page.
pub async fn drop_reads_after_writes(
    axum::extract::State(app): axum::extract::State<twincast_app::App>,
    req: Request,
    next: Next,
) -> Response {
    let changes = may_change_reads(req.method(), req.uri().path());
    let res = next.run(req).await;
    if changes {
        app.reads.changed();
    }
    res
}

/// Operations routes and the API documents.
pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    let doc = openapi.clone();
    Router::new()
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
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        let body = serde_json::json!({"draining": true});
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
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
