//! What the OpenAPI document says about errors, made true in one place.
//!
//! Handlers document their success answers and the errors of their own rules; the errors that every route of a
//! kind can answer come from shared code (the extractors, `auth.rs`, `error.rs`), so [`Conformance`] adds them to
//! every operation after the document is assembled, and documents every 4xx/5xx body as
//! `application/problem+json` with the [`Problem`](crate::error::Problem) schema (which is what
//! [`ApiError`](crate::error::ApiError) and [`problem_for_rejections`](crate::error::problem_for_rejections)
//! send). The statuses added here, and what in the server answers them:
//!
//! | status | operations | answered by |
//! | --- | --- | --- |
//! | 400 | with a path or query parameter or a request body | `ApiQuery`, axum's `Path`, `ApiJson`, the handlers' checks |
//! | 401 | that authenticate the caller (user or device) | `Principal`, `MaybePrincipal` with bad credentials, `PlayerAuth` |
//! | 403 | user-authenticated | roles; a session whose password must be changed (`password-change-required`); with an unsafe method also the write scope of the token and the CSRF header of the session |
//! | 404 | with a path parameter | `StoreError::NotFound` of the named resource |
//! | 409 | user-authenticated with an unsafe method | unique and foreign-key violations (`StoreError::Conflict`) |
//! | 413 | with a request body | axum's body limit, `Ingest`, the raw-body handlers' limits |
//! | 415 | with a request body, except [`RAW_BODY`] | `ApiJson` (not JSON), multipart, CAP and iCalendar types |
//! | 422 | with a `multipart/form-data` body (uploads) | the media checks (`corrupt-media`, `unsafe-svg`) |
//! | 500 | every operation | `ApiError::internal` (the cause is logged, never sent) |
//! | 503 | every operation | `database-unavailable` (the database does not answer) and `storage-unavailable` (the object store does not answer), both with `Retry-After`; the player WebSocket also `node-draining` (the node is stopping) |
//! | 507 | with an unsafe method | `insufficient-storage`: the disk is full (upload spool, local objects or the database's own disk), nothing was stored |
//!
//! It also documents as query parameters the fields of `IntoParams` structs read with `ApiQuery` (utoipa takes
//! them for path parameters), marks user-authenticated operations with their `security`, and the WebSocket with
//! its device token.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, Response};

/// Operations that anyone may call: no user authentication (a device token, where the player protocol needs one,
/// is declared by the handler's own `security`).
pub const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("get", "/api/v1/partners"),
    ("get", "/api/v1/partners/{slug}"),
    ("get", "/api/v1/system"),
    ("post", "/api/v1/public/videos/{id}/views"),
    ("get", "/api/v1/public/views"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/news/rubrics"),
    ("get", "/api/v1/public/news"),
    ("get", "/api/v1/public/news/headlines"),
    ("get", "/api/v1/public/news/{id}/ninjs"),
    ("get", "/api/v1/projects"),
    ("get", "/api/v1/projects/{slug}"),
    ("get", "/api/v1/project-fields"),
    ("get", "/api/v1/iati/activities"),
    ("get", "/api/v1/projects/{slug}/interest-form"),
    ("post", "/api/v1/projects/{slug}/interests"),
    ("post", "/api/v1/player/pairings"),
    ("get", "/api/v1/player/pairings/{pairing_id}"),
    ("get", "/api/v1/proof/key"),
    ("get", "/api/v1/proof/checkpoint"),
    ("get", "/api/v1/proof/inclusion"),
    ("get", "/api/v1/proof/consistency"),
    ("options", "/api/v1/tus"),
    ("get", "/api/v1/public/airtime"),
    ("get", "/api/v1/proof/report-key"),
];

/// Player operations that take a device token but whose handler states no `security` (the WebSocket also accepts
/// it as `?token=`, since browsers cannot set headers there).
pub const DEVICE_AUTH: &[(&str, &str)] = &[("get", "/api/v1/player/ws")];

/// Operations open to anyone that still check credentials when some are sent (`MaybePrincipal`).
pub const OPTIONAL_AUTH: &[(&str, &str)] = &[("post", "/api/v1/auth/logout")];

/// Operations that read their body as raw bytes whatever its `Content-Type`, so they never answer 415.
pub const RAW_BODY: &[(&str, &str)] = &[
    ("post", "/api/v1/player/pairings"),
    ("post", "/api/v1/player/plays"),
];

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The post-processing of the assembled document (see the module documentation).
pub struct Conformance;

impl utoipa::Modify for Conformance {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let methods = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
                ("options", &mut item.options),
                ("trace", &mut item.trace),
            ];
            for (method, op) in methods {
                if let Some(op) = op.as_mut() {
                    conform(method, path, op);
                }
            }
        }
    }
}

fn listed(list: &[(&str, &str)], method: &str, path: &str) -> bool {
    list.iter().any(|(m, p)| *m == method && *p == path)
}

fn user_auth() -> Vec<SecurityRequirement> {
    vec![
        SecurityRequirement::new("bearer", Vec::<String>::new()),
        SecurityRequirement::new("session", Vec::<String>::new()),
    ]
}

/// A parameter documented `in: path` that names no `{segment}` of the path is a query parameter: handlers read
/// queries with `ApiQuery`, which utoipa's axum support does not recognise as `Query`, so `IntoParams` structs come
/// out as (required) path parameters. Optional ones (nullable schema) are not required.
fn fix_query_parameters(path: &str, op: &mut Operation) {
    for p in op.parameters.iter_mut().flatten() {
        if let RefOr::T(p) = p {
            if p.parameter_in == ParameterIn::Path && !path.contains(&format!("{{{}}}", p.name)) {
                p.parameter_in = ParameterIn::Query;
                let nullable = serde_json::to_value(&p.schema).is_ok_and(|s| {
                    let null = serde_json::json!({"type": "null"});
                    s["type"]
                        .as_array()
                        .is_some_and(|t| t.iter().any(|t| t == "null"))
                        || s["oneOf"].as_array().is_some_and(|o| o.contains(&null))
                });
                p.required = if nullable {
                    Required::False
                } else {
                    Required::True
                };
            }
        }
    }
}

fn conform(method: &str, path: &str, op: &mut Operation) {
    fix_query_parameters(path, op);
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_param = |place: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let path_param = has_param(ParameterIn::Path) || path.contains('{');
    let query_param = has_param(ParameterIn::Query);
    let body_types: Vec<String> = match &op.request_body {
        Some(RefOr::T(b)) => b.content.keys().cloned().collect(),
        Some(RefOr::Ref(_)) => vec![String::new()],
        None => vec![],
    };
    let has_body = !body_types.is_empty();
    let unsafe_method = !matches!(method, "get" | "head" | "options");

    let public = listed(PUBLIC, method, path);
    let optional = listed(OPTIONAL_AUTH, method, path);
    let device =
        listed(DEVICE_AUTH, method, path) || op.security.as_ref().is_some_and(|s| !s.is_empty());
    if device && op.security.is_none() {
        op.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
    let user = !public && !optional && !device;
    if user {
        op.security = Some(user_auth());
    } else if optional {
        let mut s = vec![SecurityRequirement::default()];
        s.extend(user_auth());
        op.security = Some(s);
    }

    let mut add = |status: u16| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(reason(status))));
    };
    if path_param || query_param || has_body {
        add(400);
    }
    if user || optional || device {
        add(401);
    }
    if user || optional {
        add(403);
    }
    if path_param {
        add(404);
    }
    if user && unsafe_method {
        add(409);
    }
    if has_body {
        add(413);
        if !listed(RAW_BODY, method, path) {
            add(415);
        }
    }
    if body_types.iter().any(|t| t == "multipart/form-data") {
        add(422);
    }
    add(500);
    add(503);
    if unsafe_method {
        add(507);
    }

    for (status, response) in op.responses.responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(r)) = (error, response) {
            if r.description.is_empty() {
                r.description = reason(status.parse().unwrap_or(500)).to_string();
            }
            r.content.clear();
            r.content.insert(
                PROBLEM_JSON.to_string(),
                RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
            );
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request: a parameter, the body or a rule of the operation was not met (`code` says which)",
        401 => "Unauthenticated: no, unknown, expired or revoked credentials",
        403 => "Forbidden: the role, the token's scopes or the session's CSRF header do not allow this",
        404 => "Not found",
        409 => "Conflict with the current state (taken name, resource still in use, already done)",
        413 => "The body is larger than this operation accepts",
        415 => "The body's media type is not accepted here",
        422 => "The content could not be read as its format, or was refused",
        500 => "Internal error (details are in the server log, never in the answer)",
        503 => "Unavailable for now: the database (`database-unavailable`) or the object store (`storage-unavailable`) does not answer; nothing was changed. Retry after the seconds of `Retry-After`",
        507 => "Insufficient storage (`insufficient-storage`): the server's disk (uploads, objects or the database) is full; nothing was stored",
        _ => axum::http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}
