//! Campaigns: the list (filters, keyset pages), the week calendar (when each campaign is on air, per day, in a
//! chosen time zone of the network's screens; validity and recurrence evaluated by core), `.ics` export and import,
//! and the routes of the editor (`campaign_edit`).

use super::campaign_edit;
use crate::session::Operator;
use crate::view::{nonempty, page, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use jiff::civil::{Date, ISOWeekDate, Weekday};
use serde::Deserialize;
use twincast_app::schedule::{on_air, time_state, CampaignQuery, IcsExport, MAX_ICS_BYTES};
use twincast_store::{CampaignRecord, PageRequest, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/campaigns", get(list))
        .route(
            "/console/campaigns/new",
            get(new_form).post(campaign_edit::create),
        )
        .route(
            "/console/campaigns/{id}",
            get(show).post(campaign_edit::change),
        )
        .route("/console/campaigns/{id}/calendar.ics", get(export))
        .route("/console/campaigns/{id}/ics", post(import))
}

/// The list's query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    partner: Option<String>,
    state: Option<String>,
    moderation: Option<String>,
    q: Option<String>,
    after: Option<String>,
    view: Option<String>,
    week: Option<String>,
    tz: Option<String>,
}

/// One row of the list.
pub struct Row {
    id: String,
    name: String,
    partner: String,
    priority: i32,
    weight: String,
    moderation: &'static str,
    state: &'static str,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
    rrule: String,
    items: usize,
}

impl Row {
    fn of(c: &CampaignRecord, now: i64) -> Row {
        Row {
            id: c.id.clone(),
            name: c.name.clone(),
            partner: c.partner.clone().unwrap_or_default(),
            priority: c.priority,
            weight: c.weight.to_string(),
            moderation: c.moderation.state.as_str(),
            state: time_state(c, now),
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            rrule: c
                .recurrence
                .as_ref()
                .map(|r| r.rrule.clone())
                .unwrap_or_default(),
            items: c.items.len(),
        }
    }
}

/// One campaign's week: per day, its slots (left %, width %, text).
pub struct WeekRow {
    id: String,
    name: String,
    partner: String,
    days: Vec<Vec<(f64, f64, String)>>,
}

#[derive(Template)]
#[template(path = "console/campaigns.html")]
struct ListPage<'a> {
    c: Chrome,
    rows: Vec<Row>,
    week_rows: Vec<WeekRow>,
    week_view: bool,
    partners: &'a [String],
    partner: String,
    state: String,
    moderation: String,
    q: String,
    next: Option<String>,
    first: bool,
    week: String,
    prev_week: String,
    next_week: String,
    day_names: Vec<String>,
    tz: String,
    zones: &'a [String],
    can_write: bool,
}

impl ListPage<'_> {
    /// The query string of this page's filters with `after` (and the view) set.
    fn with(&self, after: &str, week: &str) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("partner", &self.partner),
            ("state", &self.state),
            ("moderation", &self.moderation),
            ("q", &self.q),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::view::url_escape(v)));
            }
        }
        if !week.is_empty() {
            parts.push("view=week".into());
            parts.push(format!("week={week}"));
            parts.push(format!("tz={}", crate::view::url_escape(&self.tz)));
        }
        if !after.is_empty() {
            parts.push(format!("after={}", crate::view::url_escape(after)));
        }
        parts.join("&")
    }
}

/// `2026-W49` → the Monday of that ISO week.
fn parse_week(s: &str) -> Option<Date> {
    let (y, w) = s.trim().split_once("-W")?;
    let wd = ISOWeekDate::new(y.parse().ok()?, w.parse().ok()?, Weekday::Monday).ok()?;
    Some(wd.date())
}

fn week_name(monday: Date) -> String {
    let w = monday.iso_week_date();
    format!("{}-W{:02}", w.year(), w.week())
}

/// What the list reads from the application for one account and query.
struct ListData {
    result: twincast_store::Page<CampaignRecord>,
    zones: Vec<String>,
    partners: Vec<String>,
}

/// `GET /console/campaigns`: the list, or with `view=week` the week calendar.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let app = &pages.app;
    let query = CampaignQuery {
        partner: nonempty(&q.partner),
        state: nonempty(&q.state),
        moderation: nonempty(&q.moderation),
        q: nonempty(&q.q),
    };
    let week_view = q.view.as_deref() == Some("week");
    // The page's campaigns, the time zones and the partners, kept for a moment (twincast_app::reads).
    let key = format!(
        "console/campaigns\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{week_view}",
        op.actor.user.id, query, q.after
    );
    let data = app
        .reads
        .get_or_load(key, app.now_ms(), || async {
            let result = app
                .campaign_page(
                    &op.actor,
                    &query,
                    &PageRequest {
                        limit: if week_view { 100 } else { 50 },
                        cursor: nonempty(&q.after),
                    },
                )
                .await?;
            let mut zones = if week_view {
                app.screen_zones().await?
            } else {
                Vec::new()
            };
            if !zones.iter().any(|z| z == "UTC") {
                zones.push("UTC".into());
            }
            let mut partners = super::media::partner_slugs(&pages, &op).await?;
            partners.sort();
            Ok::<_, twincast_app::AppError>(ListData {
                result,
                zones,
                partners,
            })
        })
        .await
        .lang(tr)?;
    let (result, zones) = (&data.result, &data.zones);
    let now = app.now_ms();
    let tz = nonempty(&q.tz)
        .filter(|t| zones.contains(t))
        .unwrap_or_else(|| zones[0].clone());
    let zone = twincast_core::Zone::new(&tz).unwrap_or_else(|_| twincast_core::Zone::utc());
    let today = jiff::Timestamp::from_millisecond(now)
        .map(|t| t.to_zoned_datetime(zone.tz().clone()).date())
        .unwrap_or_default();
    let monday = q.week.as_deref().and_then(parse_week).unwrap_or_else(|| {
        today - jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset()))
    });
    let day_start = |d: Date| {
        d.to_zoned_datetime(zone.tz().clone())
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    let days: Vec<Date> = (0..7).map(|i| monday + jiff::Span::new().days(i)).collect();
    let mut week_rows = Vec::new();
    if week_view {
        for c in &result.items {
            let mut per_day = Vec::new();
            for d in &days {
                let (from, to) = (day_start(*d), day_start(d.tomorrow().unwrap_or(*d)));
                let span = (to - from).max(1) as f64;
                let hm = |ms: i64| {
                    if ms >= to {
                        "24:00".to_string()
                    } else {
                        jiff::Timestamp::from_millisecond(ms)
                            .map(|t| {
                                t.to_zoned_datetime(zone.tz().clone())
                                    .strftime("%H:%M")
                                    .to_string()
                            })
                            .unwrap_or_default()
                    }
                };
                per_day.push(
                    on_air(c, &zone, from, to)
                        .into_iter()
                        .map(|(s, e)| {
                            (
                                (s - from) as f64 * 100.0 / span,
                                ((e - s) as f64 * 100.0 / span).max(0.5),
                                format!("{}–{}", hm(s), hm(e)),
                            )
                        })
                        .collect(),
                );
            }
            week_rows.push(WeekRow {
                id: c.id.clone(),
                name: c.name.clone(),
                partner: c.partner.clone().unwrap_or_default(),
                days: per_day,
            });
        }
    }
    let day_names = days
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                tr.get(&format!("weekday-{}", d.weekday().to_monday_one_offset())),
                d.strftime("%m-%d")
            )
        })
        .collect();
    let p = ListPage {
        c: Chrome::new(&op, "campaigns", "campaigns-title"),
        rows: result.items.iter().map(|c| Row::of(c, now)).collect(),
        week_rows,
        week_view,
        partners: &data.partners,
        partner: query.partner.unwrap_or_default(),
        state: query.state.unwrap_or_default(),
        moderation: query.moderation.unwrap_or_default(),
        q: query.q.unwrap_or_default(),
        next: result.next_cursor.clone(),
        first: q.after.is_some(),
        week: week_name(monday),
        prev_week: week_name(monday - jiff::Span::new().days(7)),
        next_week: week_name(monday + jiff::Span::new().days(7)),
        day_names,
        tz,
        zones,
        can_write: matches!(
            op.actor.user.role,
            Role::Admin | Role::Operator | Role::PartnerEditor
        ),
    };
    Ok(page(&p))
}

async fn new_form(State(pages): State<Pages>, op: Operator) -> PageResult {
    campaign_edit::new(&pages, &op).await
}

#[derive(Debug, Deserialize)]
struct ShowQuery {
    saved: Option<String>,
}

async fn show(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    campaign_edit::open(&pages, &op, &id, q.saved.is_some()).await
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    tz: Option<String>,
}

/// `GET /console/campaigns/{id}/calendar.ics`: the recurrence as a calendar file.
async fn export(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let tr = op.tr();
    pages.app.visible_campaign(&op.actor, &id).await.lang(tr)?;
    let tz = nonempty(&q.tz);
    match pages
        .app
        .export_ics(&op.actor, &id, tz.as_deref())
        .await
        .lang(tr)?
    {
        IcsExport::Calendar(text) => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"campaign-{id}.ics\""),
                ),
            ],
            text,
        )
            .into_response()),
        IcsExport::NoRecurrence => Err(Failure(
            tr,
            PageError {
                status: StatusCode::NOT_FOUND,
                code: "no-recurrence",
                detail: String::new(),
            },
        )),
    }
}

/// `POST /console/campaigns/{id}/ics` (multipart: `csrf`, `file`): sets the recurrence from a calendar file.
async fn import(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult {
    let tr = op.tr();
    let (mut csrf, mut body) = (String::new(), Vec::new());
    while let Ok(Some(field)) = form.next_field().await {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let bytes = field.bytes().await.unwrap_or_default();
                if bytes.len() > MAX_ICS_BYTES {
                    body.clear();
                    break;
                }
                body = bytes.to_vec();
            }
            _ => {}
        }
    }
    op.check_csrf(&csrf).lang(tr)?;
    let current = pages.app.visible_campaign(&op.actor, &id).await.lang(tr)?;
    match pages
        .app
        .import_ics(&op.actor, &id, "text/calendar", &body)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/console/campaigns/{id}?saved=1")).into_response()),
        Err(e) if e.code() == "invalid-ics" => {
            let mut x = campaign_edit::Extras::ok();
            x.errors = FieldErrors(vec![("ics", PageError::from_app(e).message(tr))]);
            x.status = StatusCode::BAD_REQUEST;
            campaign_edit::editor(
                &pages,
                &op,
                super::campaign_form::CampaignForm::of(&current),
                x,
            )
            .await
        }
        Err(e) => Err(Failure(tr, PageError::from_app(e))),
    }
}
