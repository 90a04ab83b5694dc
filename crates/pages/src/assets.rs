//! The pages' static files (`web/pages/`: CSS, ES modules, vendored libraries with their licence headers),
//! embedded in the binary and served at `/assets/...` with strong ETags; and the catalogue's player messages as
//! JSON at `/i18n/<lang>.json`.

use crate::i18n::{Catalogue, Lang};
use axum::body::Body;
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/pages/"]
struct Files;

/// The asset routes.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/assets/{*path}", get(asset))
        .route("/i18n/{file}", get(messages))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, e)| e) {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such file").into_response()
}

fn with_etag(body: Vec<u8>, etag: String, ctype: &'static str, headers: &HeaderMap) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(body));
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
        r
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return not_found();
    }
    let Some(file) = Files::get(&path) else {
        return not_found();
    };
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    with_etag(file.data.into_owned(), etag, content_type(&path), &headers)
}

/// `GET /i18n/<lang>.json`: the player's messages (`player-*`) in one language, placeholders as `{ $name }`.
async fn messages(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(lang) = file.strip_suffix(".json").and_then(Lang::parse) else {
        return not_found();
    };
    if file.strip_suffix(".json") != Some(lang.tag()) {
        return not_found();
    }
    let body = serde_json::to_vec(&Catalogue::get().export(lang, "player-")).unwrap_or_default();
    let etag = format!(
        "\"{}\"",
        &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body))[..32]
    );
    with_etag(body, etag, "application/json", &headers)
}
