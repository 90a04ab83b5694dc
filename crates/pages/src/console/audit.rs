//! The audit log: filters (actor, action, resource, partner, time range), keyset pages, export links (the API's
//! CSV and JSON-lines route with the same filters), and each entry's changed fields as before → after.

use crate::session::Operator;
use crate::view::{page, url_escape, Chrome, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use twincast_app::audit_query::{parse_instant, AuditQuery};
use twincast_app::AppError;
use twincast_store::{AuditEntry, PageRequest, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new().route("/console/audit", get(list))
}

/// The filters as typed (dates are `YYYY-MM-DD`, UTC days, or RFC 3339 instants).
#[derive(Debug, Default, Deserialize)]
struct Filters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    resource: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    after: Option<String>,
}

/// One changed field: name, before, after (as readable text; `None` = absent).
struct Change {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

fn text_of(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) if a.iter().all(|x| x.is_string()) => Some(
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    }
}

fn changes_of(e: &AuditEntry) -> Vec<Change> {
    let Some(obj) = e.changes.as_object() else {
        return Vec::new();
    };
    obj.iter()
        .map(|(k, v)| {
            let (before, after) = match v.as_array() {
                Some(pair) if pair.len() == 2 => (text_of(&pair[0]), text_of(&pair[1])),
                _ => (None, text_of(v)),
            };
            Change {
                field: k.clone(),
                before,
                after,
            }
        })
        .filter(|c| c.before.is_some() || c.after.is_some())
        .collect()
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    c: Chrome,
    f: Filters,
    rows: Vec<(AuditEntry, Vec<Change>)>,
    partners: Vec<String>,
    next: Option<String>,
    first: bool,
    error: Option<String>,
}

impl AuditPage {
    /// The filters as a query string (without the page cursor).
    fn filters(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("actor", &self.f.actor),
            ("action", &self.f.action),
            ("resource", &self.f.resource),
            ("partner", &self.f.partner),
            ("from", &self.f.from),
            ("until", &self.f.until),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", url_escape(v.trim())));
            }
        }
        parts.join("&")
    }

    /// The API's filters (instants as RFC 3339) for the export links.
    fn export_query(&self, format: &str) -> String {
        let mut parts = vec![format!("format={format}")];
        for (k, v) in [
            ("actor", &self.f.actor),
            ("action", &self.f.action),
            ("resource", &self.f.resource),
            ("partner", &self.f.partner),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", url_escape(v.trim())));
            }
        }
        for (k, v, end) in [
            ("from", &self.f.from, false),
            ("until", &self.f.until, true),
        ] {
            if let Ok(Some(ms)) = instant(k, v, end) {
                parts.push(format!("{k}={ms}"));
            }
        }
        parts.join("&")
    }

    fn next_link(&self, cursor: &str) -> String {
        let f = self.filters();
        if f.is_empty() {
            format!("after={}", url_escape(cursor))
        } else {
            format!("{f}&after={}", url_escape(cursor))
        }
    }
}

/// A day (`YYYY-MM-DD`, UTC; the end of a range is the day's end) or an instant.
fn instant(name: &str, v: &str, end: bool) -> Result<Option<i64>, AppError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v.len() == 10 {
        let t = parse_instant(name, &format!("{v}T00:00:00Z"))?;
        return Ok(Some(if end { t + 86_400_000 } else { t }));
    }
    parse_instant(name, v).map(Some)
}

/// `GET /console/audit`.
async fn list(State(pages): State<Pages>, op: Operator, Query(f): Query<Filters>) -> PageResult {
    let tr = op.tr();
    op.actor
        .require(&[Role::Admin, Role::Operator, Role::PartnerEditor])
        .lang(tr)?;
    let partners = match op.actor.user.role {
        Role::PartnerEditor => op.actor.user.partners.clone(),
        _ => pages
            .app
            .list_partners(
                None,
                None,
                &PageRequest {
                    limit: PageRequest::MAX_LIMIT,
                    cursor: None,
                },
            )
            .await
            .lang(tr)?
            .items
            .into_iter()
            .map(|p| p.slug)
            .collect(),
    };
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let range =
        instant("from", &f.from, false).and_then(|a| Ok((a, instant("until", &f.until, true)?)));
    let mut error = None;
    let (rows, next) = match range {
        Err(e) => {
            error = Some(crate::view::PageError::from_app(e).message(tr));
            (Vec::new(), None)
        }
        Ok((from, until)) => {
            let q = AuditQuery {
                resource: nonempty(&f.resource),
                resource_id: None,
                actor: nonempty(&f.actor),
                actor_id: None,
                action: nonempty(&f.action),
                from,
                until,
                partner: nonempty(&f.partner),
            };
            match pages
                .app
                .list_audit(
                    &op.actor,
                    &q,
                    &PageRequest {
                        limit: 50,
                        cursor: f.after.clone().filter(|a| !a.is_empty()),
                    },
                )
                .await
            {
                Ok(p) => (
                    p.items
                        .into_iter()
                        .map(|e| {
                            let ch = changes_of(&e);
                            (e, ch)
                        })
                        .collect(),
                    p.next_cursor,
                ),
                Err(e @ AppError::Invalid { .. }) => {
                    error = Some(crate::view::PageError::from_app(e).message(tr));
                    (Vec::new(), None)
                }
                Err(e) => return Err(crate::view::Failure(tr, e.into())),
            }
        }
    };
    Ok(page(&AuditPage {
        c: Chrome::new(&op, "audit", "audit-title"),
        first: f.after.as_deref().is_some_and(|a| !a.is_empty()),
        f,
        rows,
        partners,
        next,
        error,
    }))
}
