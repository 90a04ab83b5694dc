//! Settings: the offline threshold, webhooks and SMTP in effect (read-only: they come from the configuration
//! file, `TWINCAST_*` variables or flags, read at start; secrets masked), and each partner's limits (priority
//! ceiling, allowed targets), edited through the partner-limits operation with the partner's version.

use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use twincast_app::settings_view::SettingsView;
use twincast_app::AppError;
use twincast_store::{AllowedTargets, Location, LocationFilter, PageRequest, PartnerLimits, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/settings", get(show))
        .route("/console/settings/partners/{slug}", post(set_limits))
}

/// One partner's limits as shown and typed.
struct LimitsRow {
    slug: String,
    name: String,
    version: i64,
    ceiling: String,
    restricted: bool,
    locations: Vec<String>,
    kinds: Vec<String>,
    groups: Vec<String>,
}

impl LimitsRow {
    fn has(list: &[String], v: &str) -> bool {
        list.iter().any(|x| x == v)
    }
    fn has_location(&self, id: &str) -> bool {
        Self::has(&self.locations, id)
    }
    fn has_kind(&self, k: &str) -> bool {
        Self::has(&self.kinds, k)
    }
    fn has_group(&self, g: &str) -> bool {
        Self::has(&self.groups, g)
    }
}

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    c: Chrome,
    s: SettingsView,
    rows: Vec<LimitsRow>,
    locations: Vec<Location>,
    kinds: Vec<String>,
    groups: Vec<(String, String)>,
    /// Errors of the partner whose form was sent.
    errors: FieldErrors,
    errors_for: String,
    notice: Option<String>,
    can_edit: bool,
}

async fn settings_page(pages: &Pages, op: &Operator) -> Result<SettingsPage, AppError> {
    let s = pages.app.settings_view(&op.actor)?;
    let tr = op.tr();
    let partners = pages
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
        .items;
    let mut rows = Vec::with_capacity(partners.len());
    for p in partners {
        let (l, version) = pages.app.partner_limits(&op.actor, &p.slug).await?;
        let name = p
            .names
            .get(tr.lang.tag())
            .or_else(|| p.names.get("en"))
            .cloned()
            .unwrap_or_else(|| p.slug.clone());
        let t = l.allowed_targets.clone();
        rows.push(LimitsRow {
            slug: p.slug,
            name,
            version,
            ceiling: l
                .priority_ceiling
                .map(|c| c.to_string())
                .unwrap_or_default(),
            restricted: t.is_some(),
            locations: t.as_ref().map(|t| t.locations.clone()).unwrap_or_default(),
            kinds: t
                .as_ref()
                .map(|t| t.location_kinds.clone())
                .unwrap_or_default(),
            groups: t.map(|t| t.groups).unwrap_or_default(),
        });
    }
    let locations = pages
        .app
        .list_locations(
            &LocationFilter::default(),
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items;
    let mut kinds: Vec<String> = locations.iter().map(|l| l.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let groups = pages
        .app
        .list_groups(
            &op.actor,
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
        .map(|g| (g.slug, g.name))
        .collect();
    Ok(SettingsPage {
        c: Chrome::new(op, "settings", "settings-title"),
        s,
        rows,
        locations,
        kinds,
        groups,
        errors: FieldErrors::default(),
        errors_for: String::new(),
        notice: None,
        can_edit: matches!(op.actor.user.role, Role::Admin | Role::Operator),
    })
}

/// `GET /console/settings` (admins and operators).
async fn show(State(pages): State<Pages>, op: Operator) -> PageResult {
    let p = settings_page(&pages, &op).await.lang(op.tr())?;
    Ok(page(&p))
}

/// `POST /console/settings/partners/{slug}`: `ceiling`, `restricted`, `locations`, `kinds`, `groups` (repeated),
/// `version`.
async fn set_limits(
    State(pages): State<Pages>,
    op: Operator,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    op.check_csrf(&get("csrf")).lang(tr)?;
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let mut errors = FieldErrors::default();
    let ceiling = match get("ceiling").trim() {
        "" => None,
        c => match c.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.0.push(("ceiling", tr.get("limits-ceiling-number")));
                None
            }
        },
    };
    let mut notice = None;
    let mut status = StatusCode::BAD_REQUEST;
    if !errors.any() {
        let limits = PartnerLimits {
            priority_ceiling: ceiling,
            allowed_targets: (!get("restricted").is_empty()).then(|| AllowedTargets {
                locations: all("locations"),
                location_kinds: all("kinds"),
                groups: all("groups"),
            }),
        };
        let at = get("version").trim().parse::<i64>().ok().filter(|v| *v > 0);
        match pages
            .app
            .set_partner_limits(&op.actor, &slug, &limits, at)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/console/settings?saved={slug}#partner-{slug}"))
                        .into_response(),
                )
            }
            Err(AppError::Stale { .. }) => {
                notice = Some(tr.get("limits-stale"));
                status = StatusCode::PRECONDITION_FAILED;
            }
            Err(e @ AppError::Invalid { .. }) => {
                let field = if e.code().contains("priority") || e.code().contains("ceiling") {
                    "ceiling"
                } else {
                    "targets"
                };
                errors.0.push((field, PageError::from_app(e).message(tr)));
            }
            Err(e) => return Err(Failure(tr, PageError::from_app(e))),
        }
    }
    let mut p = settings_page(&pages, &op).await.lang(tr)?;
    // Keep what was typed for this partner.
    if let Some(r) = p.rows.iter_mut().find(|r| r.slug == slug) {
        r.ceiling = get("ceiling");
        r.restricted = !get("restricted").is_empty();
        r.locations = all("locations");
        r.kinds = all("kinds");
        r.groups = all("groups");
    }
    p.errors = errors;
    p.errors_for = slug;
    p.notice = notice;
    Ok(render(status, &p))
}
