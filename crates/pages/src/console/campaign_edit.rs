//! The campaign editor: `/console/campaigns/new` and `/console/campaigns/{id}`. One form, posted with the button
//! pressed: reorder, remove and add items (from a searchable media picker), show the next occurrences in each
//! targeted time zone, what-if (each partner's airtime share before/after, not saved), save (with `If-Match`).
//! Everything works without a script; a refused form comes back as typed.

use super::campaign_form::{CampaignForm, WEEKDAYS};
use crate::i18n::Tr;
use crate::session::Operator;
use crate::view::{render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use twincast_app::schedule::{Draft, WhatIfRequest, ZoneOccurrences};
use twincast_app::AppError;
use twincast_core::whatif::ShareChange;
use twincast_store::{LocationFilter, PageRequest, Role};

/// One playlist row as shown.
pub struct ItemRow {
    /// The item's fields as typed.
    it: super::campaign_form::ItemForm,
    /// What it is (media name, template or URL).
    label: String,
    /// A thumbnail or image URL, if any.
    thumb: Option<String>,
    /// Item kind.
    kind: String,
}

/// A partner's share before and after, formatted.
pub struct ShareRow {
    slug: String,
    before: String,
    after: String,
    delta: String,
}

/// The what-if answer, formatted.
pub struct WhatIfView {
    screens: usize,
    days: u32,
    network: Vec<ShareRow>,
    kinds: Vec<(String, usize, Vec<ShareRow>)>,
}

/// A picker entry: id, name, kind.
pub type Pick = (String, String, String);

#[derive(Template)]
#[template(path = "console/campaign.html")]
struct EditorPage {
    c: Chrome,
    f: CampaignForm,
    errors: FieldErrors,
    notice: Option<String>,
    saved: bool,
    partners: Vec<(String, String)>,
    network_allowed: bool,
    ceiling: Option<i32>,
    locations: Vec<(String, String, String)>,
    kinds: Vec<String>,
    groups: Vec<(String, String)>,
    rows: Vec<ItemRow>,
    picker: Vec<Pick>,
    occurrences: Vec<ZoneOccurrences>,
    whatif: Option<WhatIfView>,
    moderation: String,
    reason: String,
    rrule: String,
    weekdays: [&'static str; 7],
}

impl EditorPage {
    fn has(&self, list: &[String], v: &str) -> bool {
        list.iter().any(|x| x == v)
    }
}

fn rows_of(tr: Tr, changes: &[ShareChange]) -> Vec<ShareRow> {
    changes
        .iter()
        .map(|s| ShareRow {
            slug: s.slug.clone(),
            before: tr.pct(&s.before_share),
            after: tr.pct(&s.after_share),
            delta: format!(
                "{}{}",
                if s.delta_share > 0.0 { "+" } else { "" },
                tr.pct(&s.delta_share)
            ),
        })
        .collect()
}

/// Everything the editor shows around the form.
pub(super) struct Extras {
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub saved: bool,
    pub whatif: Option<twincast_core::WhatIf>,
    pub status: StatusCode,
}

impl Extras {
    pub fn ok() -> Extras {
        Extras {
            errors: FieldErrors::default(),
            notice: None,
            saved: false,
            whatif: None,
            status: StatusCode::OK,
        }
    }
}

/// Renders the editor for `f`.
pub(super) async fn editor(pages: &Pages, op: &Operator, f: CampaignForm, x: Extras) -> PageResult {
    let tr = op.tr();
    let app = &pages.app;
    let all = PageRequest {
        limit: PageRequest::MAX_LIMIT,
        cursor: None,
    };
    let partners: Vec<(String, String)> = app
        .list_partners(None, None, &all)
        .await
        .lang(tr)?
        .items
        .into_iter()
        .filter(|p| {
            op.actor.user.role != Role::PartnerEditor || op.actor.can_manage_partner(&p.slug)
        })
        .map(|p| {
            let name = p
                .names
                .get(tr.lang.tag())
                .or_else(|| p.names.get("en"))
                .cloned()
                .unwrap_or_else(|| p.slug.clone());
            (p.slug, name)
        })
        .collect();
    let ceiling = if f.partner.is_empty() {
        None
    } else {
        match app.partner_limits(&op.actor, &f.partner).await {
            Ok((l, _)) => l.priority_ceiling,
            Err(_) => None,
        }
    };
    let locs = app
        .list_locations(&LocationFilter::default(), &all)
        .await
        .lang(tr)?
        .items;
    let mut kinds: Vec<String> = locs.iter().map(|l| l.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    let locations = locs.into_iter().map(|l| (l.id, l.name, l.kind)).collect();
    let groups = app
        .list_groups(&op.actor, None, None, &all)
        .await
        .lang(tr)?
        .items
        .into_iter()
        .map(|g| (g.slug, g.name))
        .collect();
    let mut rows = Vec::new();
    for it in &f.items {
        let (label, thumb) = match it.kind.as_str() {
            "video" | "image" => match app.media(&it.media).await {
                Ok((m, renditions, _)) => (
                    m.original_name.clone(),
                    super::moderation::preview(&m, &renditions),
                ),
                Err(_) => (it.media.clone(), None),
            },
            "html" => (it.template.clone(), None),
            _ => (it.url.clone(), None),
        };
        rows.push(ItemRow {
            it: it.clone(),
            label,
            thumb,
            kind: it.kind.clone(),
        });
    }
    let mut picker = Vec::new();
    if !f.partner.is_empty() {
        let q = f.media_q.trim().to_lowercase();
        picker = app
            .list_media(Some(f.partner.clone()), None, &all)
            .await
            .lang(tr)?
            .items
            .into_iter()
            .filter(|m| q.is_empty() || m.original_name.to_lowercase().contains(&q))
            .take(20)
            .map(|m| (m.id, m.original_name, m.kind))
            .collect();
    }
    let (moderation, reason) = if f.id.is_empty() {
        (String::new(), String::new())
    } else {
        match app.visible_campaign(&op.actor, &f.id).await {
            Ok(c) => (
                c.moderation.state.as_str().to_string(),
                c.moderation.reason.unwrap_or_default(),
            ),
            Err(e) => return Err(Failure(tr, PageError::from_app(e))),
        }
    };
    let occurrences = match f.to_input() {
        Ok(input) if input.recurrence.is_some() || input.valid_from.is_some() => app
            .next_occurrences(&op.actor, &input, 5)
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let whatif = x.whatif.map(|w| WhatIfView {
        screens: w.screens,
        days: w.days,
        network: rows_of(tr, &w.network.partners),
        kinds: w
            .by_location_kind
            .iter()
            .map(|k| {
                (
                    k.location_kind.clone().unwrap_or_default(),
                    k.screens,
                    rows_of(tr, &k.partners),
                )
            })
            .collect(),
    });
    let title = if f.id.is_empty() {
        "campaign-new-title"
    } else {
        "campaign-edit-title"
    };
    let rrule = f.rrule_text().unwrap_or_default();
    let page = EditorPage {
        c: Chrome::new(op, "campaigns", title),
        network_allowed: matches!(op.actor.user.role, Role::Admin | Role::Operator),
        errors: x.errors,
        notice: x.notice,
        saved: x.saved,
        partners,
        ceiling,
        locations,
        kinds,
        groups,
        rows,
        picker,
        occurrences,
        whatif,
        moderation,
        reason,
        rrule,
        weekdays: WEEKDAYS,
        f,
    };
    Ok(render(x.status, &page))
}

/// The form field an application error belongs to.
fn field_of(code: &str, message: &str) -> &'static str {
    match code {
        "priority-above-ceiling" => return "priority",
        "target-not-allowed" | "unknown-group" | "unknown-screen" | "unknown-location" => {
            return "targets"
        }
        "unknown-partner" => return "partner",
        "unknown-media" => return "items",
        _ => {}
    }
    for (prefix, field) in [
        ("name", "name"),
        ("partner", "partner"),
        ("zone", "zone"),
        ("priority", "priority"),
        ("weight", "weight"),
        ("valid", "valid_until"),
        ("recurrence", "freq"),
        ("targets", "targets"),
        ("items", "items"),
        ("campaign weight", "weight"),
        ("content item", "items"),
    ] {
        if message.starts_with(prefix) {
            return field;
        }
    }
    "form"
}

/// `POST /console/campaigns/new` and `/console/campaigns/{id}`: the button pressed decides.
pub(super) async fn post(
    pages: &Pages,
    op: &Operator,
    id: Option<String>,
    pairs: Vec<(String, String)>,
) -> PageResult {
    let tr = op.tr();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    op.check_csrf(csrf).lang(tr)?;
    if let Some(id) = &id {
        // Another partner's campaign is not there for a partner-editor (404, as when opening it).
        pages.app.visible_campaign(&op.actor, id).await.lang(tr)?;
    }
    let mut f = CampaignForm::from_pairs(&pairs);
    f.id = id.clone().unwrap_or_default();
    let action = std::mem::take(&mut f.action);
    if action != "save" && action != "whatif" {
        f.apply(&action);
        return editor(pages, op, f, Extras::ok()).await;
    }
    let mut x = Extras::ok();
    let input = match f.to_input() {
        Ok(i) => i,
        Err(bad) => {
            for (field, msg) in bad {
                x.errors.0.push((field, tr.get(msg)));
            }
            x.status = StatusCode::BAD_REQUEST;
            return editor(pages, op, f, x).await;
        }
    };
    let result = if action == "whatif" {
        let draft = match &id {
            None => Draft::Create(Box::new(input)),
            Some(id) => Draft::Update {
                id: id.clone(),
                changes: serde_json::to_value(&input).unwrap_or_default(),
            },
        };
        let req = WhatIfRequest {
            draft,
            from: None,
            days: Some(7),
            screens: None,
        };
        match pages.app.simulate_draft(&op.actor, req).await {
            Ok(w) => {
                x.whatif = Some(w);
                return editor(pages, op, f, x).await;
            }
            Err(e) => Err(e),
        }
    } else {
        let version = f.version.trim().parse::<i64>().ok();
        match &id {
            None => pages.app.create_campaign(&op.actor, input).await,
            Some(id) => {
                pages
                    .app
                    .update_campaign(&op.actor, id, input, version)
                    .await
            }
        }
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/console/campaigns/{}?saved=1", c.id)).into_response()),
        Err(e) => {
            let stale = matches!(e, AppError::Stale { .. });
            let pe = PageError::from_app(e);
            if stale {
                x.notice = Some(tr.get("campaign-stale"));
                x.status = StatusCode::PRECONDITION_FAILED;
            } else if pe.status == StatusCode::BAD_REQUEST
                || (pe.status == StatusCode::FORBIDDEN && pe.code != "forbidden")
            {
                let field = field_of(pe.code, &pe.detail);
                x.errors.0.push((field, pe.message(tr)));
                x.status = pe.status;
            } else {
                return Err(Failure(tr, pe));
            }
            editor(pages, op, f, x).await
        }
    }
}

/// `GET /console/campaigns/{id}`: the editor of a stored campaign.
pub(super) async fn open(pages: &Pages, op: &Operator, id: &str, saved: bool) -> PageResult {
    let tr = op.tr();
    let c = pages.app.visible_campaign(&op.actor, id).await.lang(tr)?;
    let mut x = Extras::ok();
    x.saved = saved;
    editor(pages, op, CampaignForm::of(&c), x).await
}

/// `GET /console/campaigns/new`.
pub(super) async fn new(pages: &Pages, op: &Operator) -> PageResult {
    let tr = op.tr();
    op.actor
        .require(&[Role::Admin, Role::Operator, Role::PartnerEditor])
        .lang(tr)?;
    let today = jiff::Timestamp::from_millisecond(pages.app.now_ms())
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date()
                .to_string()
        })
        .unwrap_or_default();
    let partner = match op.actor.user.role {
        Role::PartnerEditor => op.actor.user.partners.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    editor(
        pages,
        op,
        CampaignForm::blank(&partner, &today),
        Extras::ok(),
    )
    .await
}

/// The extractor of the editor's posts (repeated names kept in order).
pub(super) type Pairs = Form<Vec<(String, String)>>;

/// `POST /console/campaigns/new`.
pub(super) async fn create(State(pages): State<Pages>, op: Operator, Form(p): Pairs) -> PageResult {
    post(&pages, &op, None, p).await
}

/// `POST /console/campaigns/{id}`.
pub(super) async fn change(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(p): Pairs,
) -> PageResult {
    post(&pages, &op, Some(id), p).await
}
