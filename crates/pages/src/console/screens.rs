//! The fleet: the screen table (filters, keyset pages for 10,000 screens) and a screen's page (what plays now and
//! next, why, its player, its commands; retire, send a command).

use crate::session::Operator;
use crate::view::{nonempty, page, Chrome, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::places::{ScreenListQuery, ScreenWithStatus};
use twincast_app::schedule::TimelineRun;
use twincast_store::{PageRequest, Role, ScreenCommand};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/screens", get(list))
        .route("/console/screens/{id}", get(show))
        .route("/console/screens/{id}/retire", post(retire))
        .route("/console/screens/{id}/commands", post(command))
}

/// The table's filters, as in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    tag: Option<String>,
    group: Option<String>,
    location: Option<String>,
    retired: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    after: Option<String>,
}

/// One row of the table.
pub struct Row {
    id: String,
    name: String,
    location: String,
    kind: String,
    status: &'static str,
    /// Last heard from: RFC 3339 and readable UTC (formatted once per kept read).
    last_seen: Option<(String, String)>,
    tz: String,
    tags: String,
    size: String,
}

impl Row {
    fn of(s: &ScreenWithStatus) -> Row {
        let v = &s.view;
        Row {
            id: v.screen.id.clone(),
            name: v.screen.name.clone(),
            location: v.location.clone(),
            kind: v.location_kind.clone(),
            status: s.status.as_str(),
            last_seen: v
                .screen
                .last_seen_at
                .map(|t| (crate::view::iso(t), crate::view::utc(t))),
            tz: v.screen.tz.clone(),
            tags: v.screen.tags.join(", "),
            size: format!("{}×{}", v.screen.width, v.screen.height),
        }
    }
}

#[derive(Template)]
#[template(path = "console/screens.html")]
struct ListPage<'a> {
    c: Chrome,
    rows: &'a [Row],
    q: String,
    kind: String,
    status: String,
    tag: String,
    group: String,
    location: String,
    retired: bool,
    sort: String,
    kinds: &'a [String],
    /// Every screen group (slug, name).
    groups: &'a [(String, String)],
    next: Option<String>,
    first: Option<String>,
}

impl ListPage<'_> {
    /// The query string of this page's filters with `after` set (for the next-page link).
    fn with_after(&self, after: &str) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("kind", &self.kind),
            ("status", &self.status),
            ("tag", &self.tag),
            ("group", &self.group),
            ("location", &self.location),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", crate::view::url_escape(v)));
            }
        }
        if self.retired {
            parts.push("retired=1".into());
        }
        if !after.is_empty() {
            parts.push(format!("after={}", crate::view::url_escape(after)));
        }
        parts.join("&")
    }
}

/// One page of the fleet table as kept between requests: its rows formatted, the next page's cursor and the
/// filters' choices.
struct Fleet {
    rows: Vec<Row>,
    next: Option<String>,
    kinds: Vec<String>,
    groups: Vec<(String, String)>,
}

/// `GET /console/screens`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    let tr = op.tr();
    let query = ScreenListQuery {
        location: nonempty(&q.location),
        location_kind: nonempty(&q.kind),
        tag: nonempty(&q.tag),
        group: nonempty(&q.group),
        status: nonempty(&q.status),
        q: nonempty(&q.q),
        retired: q.retired.is_some(),
        sort: nonempty(&q.sort),
        order: nonempty(&q.order),
    };
    let page_req = PageRequest {
        limit: 50,
        cursor: nonempty(&q.after),
    };
    // The page's rows and its filters' choices, kept for a moment (twincast_app::reads).
    let key = format!("console/screens\u{1f}{}\u{1f}{q:?}", op.actor.user.id);
    let data = pages
        .app
        .reads
        .get_or_load(key, pages.app.now_ms(), || async {
            let result = pages.app.list_screens(&query, &page_req).await?;
            Ok::<_, twincast_app::AppError>(Fleet {
                rows: result.items.iter().map(Row::of).collect(),
                next: result.next_cursor,
                kinds: pages.app.location_kinds().await?,
                groups: pages.app.group_names(&op.actor).await?,
            })
        })
        .await
        .lang(tr)?;
    let p = ListPage {
        c: Chrome::new(&op, "screens", "screens-title"),
        rows: &data.rows,
        q: query.q.unwrap_or_default(),
        kind: query.location_kind.unwrap_or_default(),
        status: query.status.unwrap_or_default(),
        tag: query.tag.unwrap_or_default(),
        group: query.group.unwrap_or_default(),
        location: query.location.unwrap_or_default(),
        retired: query.retired,
        sort: query.sort.unwrap_or_default(),
        kinds: &data.kinds,
        groups: &data.groups,
        next: data.next.clone(),
        first: q.after.as_ref().map(|_| String::new()),
    };
    Ok(page(&p))
}

/// A stretch of the timeline, placed on the strip.
pub struct Block {
    /// Left edge, percent of the strip.
    left: f64,
    /// Width, percent of the strip.
    width: f64,
    /// What it is (campaign name or alert).
    label: String,
    /// Partner slug, if a campaign.
    partner: String,
    /// Colour hue derived from the partner (stable).
    hue: u32,
    /// Start, epoch ms.
    start: i64,
    /// Plays in the run.
    plays: u32,
}

fn hue_of(s: &str) -> u32 {
    s.bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360
}

fn blocks(runs: &[TimelineRun], from: i64, to: i64) -> Vec<Block> {
    let span = (to - from).max(1) as f64;
    runs.iter()
        .map(|r| {
            let partner = r.partner.clone().unwrap_or_default();
            Block {
                left: (r.start - from) as f64 * 100.0 / span,
                width: ((r.end.min(to) - r.start) as f64 * 100.0 / span).max(0.05),
                label: r
                    .name
                    .clone()
                    .or_else(|| r.alert.as_ref().map(|_| "ALERT".to_string()))
                    .unwrap_or_default(),
                hue: if r.alert.is_some() {
                    0
                } else {
                    hue_of(&partner)
                },
                partner,
                start: r.start,
                plays: r.plays,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "console/screen.html")]
struct ScreenPage {
    c: Chrome,
    s: ScreenWithStatus,
    can_operate: bool,
    blocks: Vec<Block>,
    from: i64,
    to: i64,
    playing: Option<twincast_core::explain::Playing>,
    not_playing: Vec<twincast_core::NotPlaying>,
    at: i64,
    at_text: String,
    player_version: String,
    device_paired_at: Option<i64>,
    heartbeat: String,
    commands: Vec<ScreenCommand>,
    has_screenshot: bool,
}

#[derive(Debug, Deserialize)]
struct ShowQuery {
    at: Option<String>,
}

/// `GET /console/screens/{id}`.
async fn show(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let tr = op.tr();
    let app = &pages.app;
    let s = app.screen(&id).await.lang(tr)?;
    let now = app.now_ms();
    let from = now - now.rem_euclid(60_000);
    let to = from + 3 * 3_600_000;
    let runs = if s.view.retired_at.is_none() {
        app.timeline(&op.actor, &id, from, 3).await.lang(tr)?
    } else {
        Vec::new()
    };
    let at_text = q.at.clone().filter(|a| !a.trim().is_empty());
    let explanation = app
        .explain(&op.actor, &id, at_text.as_deref().map(str::trim))
        .await
        .lang(tr)?;
    let report = app.screen_status(&op.actor, &id).await.lang(tr)?;
    let commands = app
        .screen_commands(
            &op.actor,
            &id,
            None,
            &PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .lang(tr)?
        .items;
    let has_screenshot = app.screenshot(&op.actor, &id).await.is_ok();
    let heartbeat = report
        .heartbeat
        .as_ref()
        .map(|h| serde_json::to_string_pretty(h).unwrap_or_default())
        .unwrap_or_default();
    let player_version = report
        .heartbeat
        .as_ref()
        .and_then(|h| h.get("player_version"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .unwrap_or_default();
    Ok(page(&ScreenPage {
        c: {
            let mut c = Chrome::new(&op, "screens", "screen-title");
            c.title = s.view.screen.name.clone();
            c
        },
        can_operate: matches!(op.actor.user.role, Role::Admin | Role::Operator),
        blocks: blocks(&runs, from, to),
        from,
        to,
        playing: explanation.playing,
        not_playing: explanation.not_playing,
        at: explanation.at,
        at_text: at_text.unwrap_or_default(),
        player_version,
        device_paired_at: report.device.as_ref().map(|d| d.paired_at),
        heartbeat,
        commands,
        has_screenshot,
        s,
    }))
}

#[derive(Debug, Deserialize)]
struct VersionForm {
    csrf: String,
    version: i64,
}

/// `POST /console/screens/{id}/retire`.
async fn retire(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let devices = pages
        .app
        .retire_screen(&op.actor, &id, Some(f.version))
        .await
        .lang(tr)?;
    (pages.devices_revoked)(&id, &devices);
    Ok(Redirect::to(&format!("/console/screens/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct CommandForm {
    csrf: String,
    command: String,
}

/// `POST /console/screens/{id}/commands`.
async fn command(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<CommandForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    if !["reload", "screenshot", "identify", "clear_cache"].contains(&f.command.as_str()) {
        return Err(crate::view::Failure(tr, PageError::not_found()));
    }
    let input = twincast_app::player::CommandInput {
        command: f.command,
        args: None,
        expires_in_secs: None,
    };
    pages
        .app
        .send_command(&op.actor, &id, &input)
        .await
        .lang(tr)?;
    Ok(Redirect::to(&format!("/console/screens/{id}#commands")).into_response())
}
