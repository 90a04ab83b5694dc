//! The OpenAPI document: the served `/api/v1/openapi.json` equals the committed `docs/openapi.json`, every error it
//! documents is `application/problem+json`, and what it says about authentication matches what the server does.

use crate::common::*;
use reqwest::{Client, Method};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// `docs/openapi.json` of the workspace.
fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

/// The value with every object's keys sorted, so the committed file has one spelling.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Pretty-printed with sorted keys and a final newline: the form of `docs/openapi.json`.
fn render(doc: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&sorted(doc)).unwrap();
    text.push('\n');
    text
}

async fn served(s: &TestServer) -> Value {
    let res = Client::new()
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every operation of the document: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.push((method.clone(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn served_document_equals_the_committed_file() {
    let s = TestServer::start().await;
    let text = render(&served(&s).await);
    let path = committed_path();
    if std::env::var("TWINCAST_UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != text {
        let line = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(text.lines().count()));
        panic!(
            "docs/openapi.json is not the document the server serves (first difference at line {}: committed {:?}, served {:?}).\n\
             If the API change is intended, rewrite the file with\n  \
             TWINCAST_UPDATE_OPENAPI=1 cargo test -p twincast-server --test api openapi\n\
             and commit docs/openapi.json with it.",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            text.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

#[tokio::test]
async fn every_documented_error_is_problem_json() {
    let s = TestServer::start().await;
    let doc = served(&s).await;
    let problem = &doc["components"]["schemas"]["Problem"];
    let mut required: Vec<&str> = problem["required"]
        .as_array()
        .expect("Problem has required members")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort();
    assert_eq!(required, ["code", "detail", "status", "title", "type"]);
    let mut wrong = vec![];
    let mut errors = 0;
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.contains_key("500"),
            "{method} {path} does not document 500"
        );
        for (status, r) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            errors += 1;
            let want = serde_json::json!({
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            });
            if r["content"] != want {
                wrong.push(format!("{method} {path} {status}: {}", r["content"]));
            }
        }
    }
    assert!(errors > 100, "only {errors} error answers documented");
    assert!(
        wrong.is_empty(),
        "error answers not documented as problem+json:\n{}",
        wrong.join("\n")
    );
}

/// An anonymous request to every operation (path parameters `x`, no body) is answered with a status the operation
/// documents, an error as problem+json, and 401 exactly where the document requires credentials.
#[tokio::test]
async fn anonymous_answers_match_the_document() {
    let s = TestServer::start().await;
    let doc = served(&s).await;
    let client = Client::new();
    let mut wrong = vec![];
    for (method, path, op) in operations(&doc) {
        let url = path
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let res = client.request(m, s.url(&url)).send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // Credentials are required unless a requirement is empty (`{}`: anonymous allowed) or none is stated.
        let needs_auth = op["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|r| r != &serde_json::json!({})));
        if op["responses"].get(status.to_string()).is_none() {
            wrong.push(format!(
                "{method} {path}: answered {status}, not documented"
            ));
        }
        if status >= 400 && content_type != "application/problem+json" {
            wrong.push(format!("{method} {path}: {status} as {content_type:?}"));
        }
        if needs_auth != (status == 401) {
            wrong.push(format!(
                "{method} {path}: answered {status} to an anonymous caller, but the document says credentials are {}",
                if needs_auth { "required" } else { "optional" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Rejections of axum's own extractors (here a path segment that is not UTF-8) are problems too.
#[tokio::test]
async fn extractor_rejections_are_problems() {
    let s = TestServer::start().await;
    let res = Client::new()
        .get(s.url("/api/v1/partners/%FF"))
        .send()
        .await
        .unwrap();
    assert_problem(res, reqwest::StatusCode::BAD_REQUEST, "bad-request").await;
}
