//! A video's caption tracks on its console page (docs/media.md, "Captions"): the tracks with their state on screens
//! (burnt in, being burnt in, portal only), a form to attach or replace one language's track (WebVTT or SRT), and a
//! button to remove one. The rules are `twincast_app::captions`; a refused file or language is shown next to its
//! field, with nothing stored.

use super::media::{item_page, multipart_error, ItemPage};
use crate::session::Operator;
use crate::view::{render, Failure, InLang, PageError, PageResult};
use crate::Pages;
use axum::extract::multipart::Multipart;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::captions::{burnt_key, caption_lang};
use twincast_app::library::LibraryDetail;

/// What the form accepts: the app refuses a file over 1 MiB with its own message; this only bounds the request.
const BODY_LIMIT: usize = 4 << 20;

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route(
            "/console/media/{id}/captions",
            post(attach).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/console/media/{id}/captions/{lang}/delete", post(remove))
}

/// One caption track as the page shows it.
pub struct CaptionRow {
    /// BCP 47 tag.
    pub lang: String,
    /// URL path of the WebVTT file.
    pub url: String,
    /// `burnt`, `burning` (its screen rendition is being made) or `portal` (this server makes none).
    pub screens: &'static str,
}

/// The form's state when the page is shown again after a refusal.
#[derive(Default)]
pub struct CaptionForm {
    /// The language that was entered.
    pub lang: String,
    /// The refused field (`lang` or `file`) and the message.
    pub error: Option<(&'static str, String)>,
}

impl CaptionForm {
    /// The message for `field`, if it was refused.
    pub fn error_of(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// The caption tracks of `d`, by language.
pub fn rows(d: &LibraryDetail, transcoding: bool) -> Vec<CaptionRow> {
    d.renditions
        .iter()
        .filter(|r| r.kind == "captions")
        .map(|r| {
            let burnt =
                burnt_key(r).is_some_and(|k| d.renditions.iter().any(|b| b.object_key == k));
            CaptionRow {
                lang: caption_lang(r).unwrap_or_default().to_string(),
                url: format!("/{}", r.object_key),
                screens: match (burnt, transcoding) {
                    (true, _) => "burnt",
                    (false, true) => "burning",
                    (false, false) => "portal",
                },
            }
        })
        .collect()
}

/// The item's page again with the form's refused field, or the error page when the item is not there or not the
/// operator's to change.
async fn refused(
    pages: &Pages,
    op: &Operator,
    id: &str,
    lang: String,
    e: twincast_app::AppError,
) -> PageResult {
    let tr = op.tr();
    let err = PageError::from_app(e);
    if matches!(err.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
        return Err(Failure(tr, err));
    }
    let field = if err.code == "invalid-language-tag" {
        "lang"
    } else {
        "file"
    };
    // A cue's problem names its line: the message says which, in the page's language.
    let line = (err.code == "caption-bad-cue")
        .then(|| {
            err.detail
                .strip_prefix("line ")?
                .split(':')
                .next()?
                .parse::<usize>()
                .ok()
        })
        .flatten();
    let msg = match line {
        Some(n) => tr.arg("error-caption-bad-cue", "line", n),
        None => err.message(tr),
    };
    let d = pages.app.library_detail(&op.actor, id).await.lang(tr)?;
    let mut page: ItemPage = item_page(op, d, pages.app.settings.transcoding);
    page.caption = CaptionForm {
        lang,
        error: Some((field, msg)),
    };
    Ok(render(err.status, &page))
}

/// `POST /console/media/{id}/captions`: fields `csrf`, `lang`, `file`, in this order.
async fn attach(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let tr = op.tr();
    let (mut csrf_ok, mut lang, mut file) = (false, String::new(), None);
    while let Some(field) = form.next_field().await.map_err(multipart_error).lang(tr)? {
        match field.name().unwrap_or("") {
            "csrf" => {
                let sent = field.text().await.map_err(multipart_error).lang(tr)?;
                op.check_csrf(&sent).lang(tr)?;
                csrf_ok = true;
            }
            "lang" => lang = field.text().await.map_err(multipart_error).lang(tr)?,
            "file" if csrf_ok => {
                file = Some(field.bytes().await.map_err(multipart_error).lang(tr)?)
            }
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(Failure(tr, PageError::csrf()));
    }
    let lang = lang.trim().to_string();
    let file = file.unwrap_or_default();
    match pages.app.set_caption(&op.actor, &id, &lang, &file).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/media/{id}#captions-h")).into_response()),
        Err(e) => refused(&pages, &op, &id, lang, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// `POST /console/media/{id}/captions/{lang}/delete`.
async fn remove(
    State(pages): State<Pages>,
    op: Operator,
    Path((id, lang)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    match pages.app.delete_caption(&op.actor, &id, &lang).await {
        Ok(()) => Ok(Redirect::to(&format!("/console/media/{id}#captions-h")).into_response()),
        Err(e) => refused(&pages, &op, &id, String::new(), e).await,
    }
}
