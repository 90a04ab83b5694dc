//! IPTC ninjs items (3.x camelCase, and the 1.x/2.x lowercase names) read with serde. A ninjs source serves one
//! item (an object with `uri`), an array of items, or an object whose `items` is such an array.

use super::{Raw, WireError};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Value {
    #[serde(default)]
    value: String,
    #[serde(default, alias = "contenttype")]
    #[serde(rename = "contentType")]
    content_type: String,
    #[serde(default)]
    role: String,
}

#[derive(Debug, Deserialize)]
struct Subject {
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: String,
}

#[derive(Debug, Deserialize)]
struct Item {
    uri: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    headline: Option<String>,
    #[serde(default)]
    headlines: Vec<Value>,
    #[serde(default)]
    description_text: Option<String>,
    #[serde(default)]
    descriptions: Vec<Value>,
    #[serde(default)]
    body_html: Option<String>,
    #[serde(default)]
    body_text: Option<String>,
    #[serde(default)]
    bodies: Vec<Value>,
    #[serde(default, alias = "subject")]
    subjects: Vec<Subject>,
    #[serde(default, alias = "versioncreated", rename = "versionCreated")]
    version_created: Option<String>,
    #[serde(default, alias = "firstcreated", rename = "firstCreated")]
    first_created: Option<String>,
    #[serde(default, alias = "contentcreated", rename = "contentCreated")]
    content_created: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Doc {
    One(Box<Item>),
    Many(Vec<Item>),
    Wrapped { items: Vec<Item> },
}

fn instant(s: &Option<String>) -> Option<i64> {
    s.as_deref()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond())
}

fn pick(values: &[Value], roles: &[&str]) -> Option<String> {
    roles
        .iter()
        .find_map(|r| values.iter().find(|v| v.role == *r))
        .or_else(|| values.first())
        .map(|v| v.value.clone())
}

/// The items of a ninjs document (`json` is valid JSON already).
pub(super) fn parse(json: &str) -> Result<(Option<String>, Vec<Raw>), WireError> {
    let doc: Doc = serde_json::from_str(json).map_err(|e| {
        WireError::new(
            "malformed-feed",
            format!("the document is not ninjs (an item with a \"uri\", or a list of them): {e}"),
        )
    })?;
    let items = match doc {
        Doc::One(i) => vec![*i],
        Doc::Many(v) | Doc::Wrapped { items: v } => v,
    };
    let raws = items
        .into_iter()
        .map(|i| {
            let html_body = i
                .bodies
                .iter()
                .find(|b| b.content_type.contains("html"))
                .map(|b| b.value.clone());
            let body = html_body
                .or(i.body_html.clone())
                .or_else(|| i.bodies.first().map(|b| b.value.clone()))
                .or(i.body_text.clone())
                .unwrap_or_default();
            let url = if i.uri.starts_with("http://") || i.uri.starts_with("https://") {
                i.uri.clone()
            } else {
                String::new()
            };
            Raw {
                id: i.uri.clone(),
                url,
                lang: i.language.clone(),
                title: pick(&i.headlines, &["main", ""])
                    .or(i.headline.clone())
                    .unwrap_or_default(),
                title_is_html: false,
                summary: pick(&i.descriptions, &["summary", "lead", ""])
                    .or(i.description_text.clone())
                    .unwrap_or_default(),
                body,
                categories: i
                    .subjects
                    .iter()
                    .map(|s| {
                        if s.name.is_empty() {
                            s.code.clone()
                        } else {
                            s.name.clone()
                        }
                    })
                    .collect(),
                published: instant(&i.first_created).or(instant(&i.content_created)),
                updated: instant(&i.version_created),
            }
        })
        .collect();
    Ok((None, raws))
}
