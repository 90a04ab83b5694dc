//! The media library: a table with thumbnails (filters by partner, kind, tag and text; keyset pages), an item's
//! page (preview, files, jobs, review state, the campaigns that use it; tags, rename, delete), and uploads: many
//! files by drag and drop with per-file progress over the resumable protocol (`/assets/js/upload.js`), or one
//! file through a plain form without scripts.

use crate::session::Operator;
use crate::view::{nonempty, page, render, Chrome, Failure, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::multipart::{Multipart, MultipartError};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::library::{LibraryDetail, LibraryQuery};
use twincast_store::{LibraryItem, PageRequest, Role};

/// Items per page of the library.
const PAGE: u32 = 50;

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/media", get(list))
        .route(
            "/console/media/upload",
            // The ingest enforces the configured size limit as bytes arrive.
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/console/media/{id}", get(show))
        .route("/console/media/{id}/tags", post(tags))
        .route("/console/media/{id}/rename", post(rename))
        .route("/console/media/{id}/delete", post(delete))
        .route("/console/media/{id}/jobs/{job}/{verb}", post(job_action))
}

/// The library's filters, as in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    partner: Option<String>,
    kind: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

/// One row of the library.
pub struct Row {
    id: String,
    name: String,
    partner: String,
    kind: String,
    size: String,
    dims: String,
    thumb: Option<String>,
    job: String,
    review: &'static str,
    tags: String,
    created_at: i64,
    /// `created_at` as an RFC 3339 instant and as readable UTC text (formatted once per kept read).
    created_iso: String,
    created_utc: String,
}

fn human_size(n: i64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", n / (1024.0 * 1024.0 * 1024.0))
    } else if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.0} KiB", (n / 1024.0).ceil())
    }
}

impl Row {
    fn of(i: &LibraryItem) -> Row {
        let m = &i.media;
        Row {
            id: m.id.clone(),
            name: m.original_name.clone(),
            partner: m.partner.clone(),
            kind: m.kind.clone(),
            size: human_size(m.size),
            dims: match (m.width, m.height) {
                (Some(w), Some(h)) => format!("{w}×{h}"),
                _ => String::new(),
            },
            thumb: i.thumbnail.as_ref().map(|k| format!("/{k}")),
            job: i.job.clone().unwrap_or_else(|| "none".into()),
            review: m.moderation.state.as_str(),
            tags: i.tags.join(", "),
            created_at: m.created_at,
            created_iso: crate::view::iso(m.created_at),
            created_utc: crate::view::utc(m.created_at),
        }
    }
}

/// The partners `op` sees in the library and the campaigns list (slugs): an editor's own, everyone's for the
/// other roles.
pub(super) async fn partner_slugs(
    pages: &Pages,
    op: &Operator,
) -> Result<Vec<String>, twincast_app::AppError> {
    if op.actor.user.role == Role::PartnerEditor {
        return Ok(op.actor.user.partners.clone());
    }
    Ok(pages
        .app
        .list_partners(
            None,
            None,
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|p| p.slug)
        .collect())
}

#[derive(Template)]
#[template(path = "console/media.html")]
struct ListPage<'a> {
    c: Chrome,
    rows: &'a [Row],
    partners: &'a [String],
    upload_partners: &'a [String],
    partner: String,
    kind: String,
    tag: String,
    q: String,
    next: Option<String>,
    first: Option<String>,
    max_bytes: u64,
}

impl ListPage<'_> {
    /// The query string of this page's filters with `after` set.
    fn with_after(&self, after: &str) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("partner", &self.partner),
            ("kind", &self.kind),
            ("tag", &self.tag),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::view::url_escape(v)));
            }
        }
        if !after.is_empty() {
            parts.push(format!("after={}", crate::view::url_escape(after)));
        }
        parts.join("&")
    }
}

/// One page of the library as kept between requests: its rows formatted, the next page's cursor, the partners
/// of the filter.
struct Library {
    rows: Vec<Row>,
    next: Option<String>,
    partners: Vec<String>,
}

/// `GET /console/media`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let query = LibraryQuery {
        partner: nonempty(&q.partner),
        kind: nonempty(&q.kind),
        tag: nonempty(&q.tag),
        q: nonempty(&q.q),
    };
    // The page's rows and partners, kept for a moment (twincast_app::reads).
    let key = format!("console/media\u{1f}{}\u{1f}{q:?}", op.actor.user.id);
    let data = pages
        .app
        .reads
        .get_or_load(key, pages.app.now_ms(), || async {
            let result = pages
                .app
                .media_library(
                    &op.actor,
                    &query,
                    &PageRequest {
                        limit: PAGE,
                        cursor: nonempty(&q.after),
                    },
                )
                .await?;
            Ok::<_, twincast_app::AppError>(Library {
                rows: result.items.iter().map(Row::of).collect(),
                next: result.next_cursor,
                partners: partner_slugs(&pages, &op).await?,
            })
        })
        .await
        .lang(tr)?;
    let upload_partners: &[String] = if op.actor.user.role == Role::Viewer {
        &[]
    } else {
        &data.partners
    };
    Ok(page(&ListPage {
        c: Chrome::new(&op, "media", "media-title"),
        rows: &data.rows,
        partners: &data.partners,
        upload_partners,
        partner: query.partner.unwrap_or_default(),
        kind: query.kind.unwrap_or_default(),
        tag: query.tag.unwrap_or_default(),
        q: query.q.unwrap_or_default(),
        next: data.next.clone(),
        first: q.after.as_ref().map(|_| String::new()),
        max_bytes: pages.app.settings.max_upload_bytes,
    }))
}

#[derive(Template)]
#[template(path = "console/media_item.html")]
pub(super) struct ItemPage {
    c: Chrome,
    d: LibraryDetail,
    row: Row,
    can_edit: bool,
    original: String,
    hls: Option<String>,
    mp4: Option<String>,
    duration: String,
    error: Option<String>,
    name: String,
    tags: String,
    files: Vec<twincast_store::Rendition>,
    captions: Vec<super::media_captions::CaptionRow>,
    /// The caption form's entered language and refused field.
    pub(super) caption: super::media_captions::CaptionForm,
}

/// The page of item `d`; `transcoding`: whether this server makes renditions (burnt-in captions among them).
pub(super) fn item_page(op: &Operator, d: LibraryDetail, transcoding: bool) -> ItemPage {
    let m = &d.item.media;
    let mut c = Chrome::new(op, "media", "media-item-title");
    c.title = m.original_name.clone();
    let rendition = |kind: &str, suffix: &str| {
        d.renditions
            .iter()
            .find(|r| r.kind == kind && r.object_key.ends_with(suffix))
            .map(|r| format!("/{}", r.object_key))
    };
    ItemPage {
        row: Row::of(&d.item),
        can_edit: op.actor.can_manage_partner(&m.partner),
        original: format!("/media/{}.{}", m.sha256, m.media_type),
        hls: rendition("hls", "master.m3u8"),
        mp4: rendition("mp4", ".mp4"),
        duration: m
            .duration_ms
            .map(|d| format!("{:.1} s", d as f64 / 1000.0))
            .unwrap_or_default(),
        name: m.original_name.clone(),
        tags: d.item.tags.join(", "),
        files: d
            .renditions
            .iter()
            .filter(|r| r.kind != "hls" || r.object_key.ends_with("master.m3u8"))
            .cloned()
            .collect(),
        captions: super::media_captions::rows(&d, transcoding),
        caption: Default::default(),
        error: None,
        c,
        d,
    }
}

/// `GET /console/media/{id}`.
async fn show(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    let d = pages
        .app
        .library_detail(&op.actor, &id)
        .await
        .lang(op.tr())?;
    Ok(page(&item_page(&op, d, pages.app.settings.transcoding)))
}

#[derive(Debug, Deserialize)]
struct TagsForm {
    csrf: String,
    version: i64,
    tags: String,
}

/// `POST /console/media/{id}/tags`: tags separated by commas or spaces.
async fn tags(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<TagsForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let tags: Vec<String> = f
        .tags
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    match pages
        .app
        .set_media_tags(&op.actor, &id, &tags, Some(f.version))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/console/media/{id}")).into_response()),
        Err(e) => again(&pages, &op, &id, e).await,
    }
}

/// The item's page again with an error message (the status of the error), or the error page when the item is
/// not there.
async fn again(pages: &Pages, op: &Operator, id: &str, e: twincast_app::AppError) -> PageResult {
    let tr = op.tr();
    let err = PageError::from_app(e);
    if matches!(err.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return Err(Failure(tr, err));
    }
    let d = pages.app.library_detail(&op.actor, id).await.lang(tr)?;
    let mut page = item_page(op, d, pages.app.settings.transcoding);
    page.error = Some(err.message(tr));
    Ok(render(err.status, &page))
}

#[derive(Debug, Deserialize)]
struct RenameForm {
    csrf: String,
    version: i64,
    name: String,
}

/// `POST /console/media/{id}/rename`.
async fn rename(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<RenameForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    match pages
        .app
        .rename_media(&op.actor, &id, &f.name, Some(f.version))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/console/media/{id}")).into_response()),
        Err(e) => again(&pages, &op, &id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `POST /console/media/{id}/jobs/{job}/cancel` and `…/retry`: a media job stopped or queued again.
async fn job_action(
    State(pages): State<Pages>,
    op: Operator,
    Path((id, job, verb)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let done = match verb.as_str() {
        "cancel" => pages.app.cancel_job(&op.actor, &job).await,
        "retry" => pages.app.retry_job(&op.actor, &job).await,
        _ => Err(twincast_app::AppError::not_found("no such action")),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/console/media/{id}")).into_response()),
        Err(e) => again(&pages, &op, &id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct VersionForm {
    csrf: String,
    version: i64,
}

/// `POST /console/media/{id}/delete`: refused while campaigns use the item (the page names them).
async fn delete(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    match pages
        .app
        .remove_media(&op.actor, &id, Some(f.version))
        .await
    {
        Ok(_) => Ok(Redirect::to("/console/media?deleted=1").into_response()),
        Err(e) => again(&pages, &op, &id, e).await,
    }
}

pub(super) fn multipart_error(e: MultipartError) -> PageError {
    PageError {
        status: StatusCode::BAD_REQUEST,
        code: "upload-truncated",
        detail: e.body_text(),
    }
}

/// `POST /console/media/upload`: one file from the plain form (fields `csrf`, `partner`, `file`, in this order).
async fn upload(State(pages): State<Pages>, op: Operator, mut form: Multipart) -> PageResult {
    let tr = op.tr();
    let (mut csrf_ok, mut partner) = (false, String::new());
    while let Some(field) = form.next_field().await.map_err(multipart_error).lang(tr)? {
        match field.name().unwrap_or("") {
            "csrf" => {
                let sent = field.text().await.map_err(multipart_error).lang(tr)?;
                op.check_csrf(&sent).lang(tr)?;
                csrf_ok = true;
            }
            "partner" => partner = field.text().await.map_err(multipart_error).lang(tr)?,
            "file" if csrf_ok => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let (m, _) = pages
                    .app
                    .upload_whole(&op.actor, partner.trim(), &name, Box::pin(field))
                    .await
                    .lang(tr)?;
                return Ok(Redirect::to(&format!("/console/media/{}", m.id)).into_response());
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(Failure(tr, PageError::csrf()));
    }
    Err(Failure(
        tr,
        PageError {
            status: StatusCode::BAD_REQUEST,
            code: "missing-field",
            detail: "choose a file".into(),
        },
    ))
}
