//! The web player, embedded in the binary: `/player` (and `/player/`) serve its page, `/player/<file>` its
//! plain ES modules, CSS and Service Worker from `web/player/`.
//!
//! The page lives at `/player` (no trailing slash), so the Service Worker at `/player/sw.js` is registered with
//! scope `/player`, wider than its default (`/player/`): the worker script is served with
//! `Service-Worker-Allowed: /player` to permit that. Assets are revalidated on every load (`no-cache` + strong
//! ETag): the worker, not the HTTP cache, is what keeps the player running offline.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/player/"]
struct Assets;

/// Routes of the embedded web player.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/player", get(index))
        .route("/player/", get(index))
        .route("/player/{*path}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "webmanifest") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn serve(path: &str, headers: &HeaderMap) -> Response {
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return crate::error::ApiError::not_found("no such player file").into_response();
    }
    let Some(file) = Assets::get(path) else {
        return crate::error::ApiError::not_found("no such player file").into_response();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let mut res = if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(file.data.into_owned()));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(path)),
        );
        r
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if path == "sw.js" {
        h.insert(
            "service-worker-allowed",
            HeaderValue::from_static("/player"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(path: &str, inm: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(v) = inm {
            req = req.header(header::IF_NONE_MATCH, v);
        }
        router::<()>()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn serves_the_page_with_the_pairing_element() {
        for path in ["/player", "/player/"] {
            let res = get(path, None).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            assert_eq!(
                res.headers()[header::CONTENT_TYPE],
                "text/html; charset=utf-8"
            );
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap();
            let html = String::from_utf8(body.to_vec()).unwrap();
            assert!(html.contains("data-pairing-code"));
            assert!(html.contains("/player/js/main.js"));
        }
    }

    #[tokio::test]
    async fn worker_may_control_the_page_at_player() {
        let res = get("/player/sw.js", None).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["service-worker-allowed"], "/player");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "text/javascript; charset=utf-8"
        );
        let res = get("/player/js/main.js", None).await;
        assert!(res.headers().get("service-worker-allowed").is_none());
    }

    #[tokio::test]
    async fn etag_revalidation_answers_304() {
        let res = get("/player/player.css", None).await;
        let etag = res.headers()[header::ETAG].to_str().unwrap().to_string();
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        let res = get("/player/player.css", Some(&etag)).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let res = get("/player/player.css", Some("\"other\"")).await;
        assert_eq!(res.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn unknown_and_traversal_paths_are_404() {
        for path in [
            "/player/nope.js",
            "/player/../Cargo.toml",
            "/player/js//main.js",
            "/player/./sw.js",
        ] {
            assert_eq!(
                get(path, None).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
    }
}
