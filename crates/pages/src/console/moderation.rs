//! The moderation queue: `/console/moderation`. Pending campaigns (their items, and what changed against the
//! approved version, field by field) and media (a preview); operators and admins approve, or reject with a
//! reason; a partner-editor sees its partners' pending and rejected items with their state and reason.

use crate::session::Operator;
use crate::view::{render, Chrome, FieldErrors, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_store::{CampaignInput, Media, Rendition, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/moderation", get(queue))
        .route("/console/moderation/{kind}/{id}/{verdict}", post(review))
}

/// Where a media item can be previewed in the console: an image itself, a video's thumbnail.
pub(super) fn preview(m: &Media, renditions: &[Rendition]) -> Option<String> {
    if m.kind == "image" {
        let ext = m.object_key.rsplit('.').next().unwrap_or("");
        return Some(format!("/media/{}.{ext}", m.sha256));
    }
    renditions
        .iter()
        .find(|r| r.kind == "thumbnail")
        .map(|r| format!("/{}", r.object_key))
}

/// One changed field: name, before, after.
pub type Change = (&'static str, String, String);

/// One entry of the queue, ready to show.
pub struct Entry {
    kind: String,
    id: String,
    name: String,
    partner: String,
    state: String,
    reason: String,
    submitted_by: String,
    submitted_at: Option<i64>,
    version: i64,
    preview: Option<String>,
    items: Vec<(String, Option<String>)>,
    changes: Vec<Change>,
    first_version: bool,
}

#[derive(Template)]
#[template(path = "console/moderation.html")]
struct QueuePage {
    c: Chrome,
    entries: Vec<Entry>,
    can_review: bool,
    errors: FieldErrors,
    failed: String,
    reason: String,
    done: String,
}

fn when(ms: Option<i64>) -> String {
    ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// The fields that differ between the approved version and the current one.
fn diff(before: &CampaignInput, after: &CampaignInput) -> Vec<Change> {
    let rec = |c: &CampaignInput| {
        c.recurrence
            .as_ref()
            .map(|r| {
                format!(
                    "{} · {} · {} min",
                    r.dtstart,
                    r.rrule,
                    r.duration_ms / 60_000
                )
            })
            .unwrap_or_default()
    };
    let items = |c: &CampaignInput| {
        c.items
            .iter()
            .map(|i| {
                let what = i
                    .media_id
                    .clone()
                    .or_else(|| i.template.clone())
                    .or_else(|| i.url.clone())
                    .unwrap_or_default();
                match i.duration_ms {
                    Some(d) => format!("{what} ({} s)", d / 1000),
                    None => what,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fields: [(&'static str, String, String); 10] = [
        ("name", before.name.clone(), after.name.clone()),
        (
            "partner",
            before.partner.clone().unwrap_or_default(),
            after.partner.clone().unwrap_or_default(),
        ),
        ("zone", before.zone.clone(), after.zone.clone()),
        (
            "priority",
            before.priority.to_string(),
            after.priority.to_string(),
        ),
        (
            "weight",
            before.weight.to_string(),
            after.weight.to_string(),
        ),
        (
            "valid_from",
            when(before.valid_from),
            when(after.valid_from),
        ),
        (
            "valid_until",
            when(before.valid_until),
            when(after.valid_until),
        ),
        ("recurrence", rec(before), rec(after)),
        ("targets", json(&before.targets), json(&after.targets)),
        ("items", items(before), items(after)),
    ];
    fields.into_iter().filter(|(_, b, a)| b != a).collect()
}

async fn entries(pages: &Pages, op: &Operator) -> Result<Vec<Entry>, twincast_app::AppError> {
    let app = &pages.app;
    let mut out = Vec::new();
    for it in app.review_queue(&op.actor).await?.items {
        let mut e = Entry {
            kind: it.kind.clone(),
            id: it.id.clone(),
            name: it.name.clone(),
            partner: it.partner.clone().unwrap_or_default(),
            state: it.moderation.state.as_str().to_string(),
            reason: it.moderation.reason.clone().unwrap_or_default(),
            submitted_by: it.submitted_by_name.clone().unwrap_or_default(),
            submitted_at: it.moderation.submitted_at,
            version: it.version,
            preview: None,
            items: Vec::new(),
            changes: Vec::new(),
            first_version: false,
        };
        if it.kind == "media" {
            if let Ok((m, renditions, _)) = app.media(&it.id).await {
                e.preview = preview(&m, &renditions);
            }
        } else if let Ok(c) = app.visible_campaign(&op.actor, &it.id).await {
            for i in &c.items {
                let shown = match i.media_id.as_deref() {
                    Some(mid) => match app.media(mid).await {
                        Ok((m, r, _)) => (m.original_name.clone(), preview(&m, &r)),
                        Err(_) => (mid.to_string(), None),
                    },
                    None => (
                        i.template
                            .clone()
                            .or_else(|| i.url.clone())
                            .unwrap_or_default(),
                        None,
                    ),
                };
                e.items.push(shown);
            }
            match &c.approved_version {
                Some(before) => e.changes = diff(before, &CampaignInput::from(&c)),
                None => e.first_version = true,
            }
        }
        out.push(e);
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// `GET /console/moderation`.
async fn queue(
    State(pages): State<Pages>,
    op: Operator,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> PageResult {
    let tr = op.tr();
    let entries = entries(&pages, &op).await.lang(tr)?;
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            c: Chrome::new(&op, "moderation", "moderation-title"),
            entries,
            can_review: matches!(op.actor.user.role, Role::Admin | Role::Operator),
            errors: FieldErrors::default(),
            failed: String::new(),
            reason: String::new(),
            done: q.done.unwrap_or_default(),
        },
    ))
}

#[derive(Debug, Deserialize)]
struct ReviewForm {
    csrf: String,
    version: Option<i64>,
    #[serde(default)]
    reason: String,
}

/// `POST /console/moderation/{campaign|media}/{id}/{approve|reject}`.
async fn review(
    State(pages): State<Pages>,
    op: Operator,
    Path((kind, id, verdict)): Path<(String, String, String)>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Err(crate::view::Failure(
                tr,
                crate::view::PageError::not_found(),
            ))
        }
    };
    let reason = Some(f.reason.as_str()).filter(|_| !approve);
    let result = match kind.as_str() {
        "campaign" => pages
            .app
            .review_campaign(&op.actor, &id, approve, reason, f.version)
            .await
            .map(|_| ()),
        "media" => pages
            .app
            .review_media(&op.actor, &id, approve, reason, f.version)
            .await
            .map(|_| ()),
        _ => {
            return Err(crate::view::Failure(
                tr,
                crate::view::PageError::not_found(),
            ))
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/console/moderation?done={verdict}")).into_response()),
        Err(e) if e.code() == "missing-reason" || e.code() == "invalid-text" => {
            let message = crate::view::PageError::from_app(e).message(tr);
            let entries = entries(&pages, &op).await.lang(tr)?;
            Ok(render(
                StatusCode::BAD_REQUEST,
                &QueuePage {
                    c: Chrome::new(&op, "moderation", "moderation-title"),
                    entries,
                    can_review: true,
                    errors: FieldErrors(vec![("reason", message)]),
                    failed: id,
                    reason: f.reason,
                    done: String::new(),
                },
            ))
        }
        Err(e) => Err(crate::view::Failure(
            tr,
            crate::view::PageError::from_app(e),
        )),
    }
}
