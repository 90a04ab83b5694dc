//! Airtime charts (`/console/airtime`): counted airtime per partner per local day against the planned share, by
//! place, and a heat-map by the screens' local hour of day; fairness on real plays (`/console/airtime/fairness`);
//! the operator's airtime settings (public figures on the portal, the fairness threshold). The page is drawn on
//! the server with a data table for every chart (the charts' text alternative); `web/pages/js/airtime.js` draws
//! the charts with the vendored uPlot from the JSON API (`/api/v1/airtime/...`). docs/airtime.md.

use crate::session::Operator;
use crate::view::{nonempty, page, render, Chrome, FieldErrors, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::airtime::{
    AirtimeHeatmap, AirtimePlaces, AirtimeQuery, AirtimeSeries, AirtimeSettingsInput, Fairness,
};
use twincast_app::AppError;
use twincast_store::{AirtimeSettings, Role};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/airtime", get(show))
        .route("/console/airtime/settings", post(save_settings))
        .route("/console/airtime/fairness", get(fairness))
}

/// The filter form as typed.
#[derive(Debug, Default, Deserialize)]
struct ChartForm {
    from: Option<String>,
    to: Option<String>,
    partner: Option<String>,
    saved: Option<String>,
}

/// One heat-map cell as shown.
struct Cell {
    hours: f64,
    /// Opacity of the cell's colour, 0–0.7 (dark text stays readable on it), as CSS text.
    alpha: String,
}

/// One partner's row of the heat-map.
struct HeatLine {
    partner: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "console/airtime.html")]
struct AirtimePage {
    c: Chrome,
    series: AirtimeSeries,
    places: AirtimePlaces,
    heat: Vec<HeatLine>,
    partners: Vec<String>,
    partner: String,
    /// The query string the charts' script asks the API with.
    query: String,
    settings: AirtimeSettings,
    can_edit: bool,
    errors: FieldErrors,
    saved: bool,
    threshold: String,
}

impl AirtimePage {
    fn hours(&self, h: &f64) -> String {
        format!("{h:.1}")
    }
    fn at(&self, v: &[f64], i: &usize) -> String {
        self.hours(&v.get(*i).copied().unwrap_or(0.0))
    }
}

fn heat_lines(h: &AirtimeHeatmap) -> Vec<HeatLine> {
    let max = h.heatmap.max.max(f64::MIN_POSITIVE);
    h.heatmap
        .rows
        .iter()
        .map(|r| HeatLine {
            partner: r.partner.clone(),
            cells: r
                .hours
                .iter()
                .map(|v| Cell {
                    hours: *v,
                    alpha: format!("{:.2}", (0.7 * v / max).clamp(0.0, 0.7)),
                })
                .collect(),
        })
        .collect()
}

fn query_string(q: &AirtimeQuery) -> String {
    let mut parts = vec![];
    for (k, v) in [("from", &q.from), ("to", &q.to), ("partner", &q.partner)] {
        if let Some(v) = v {
            parts.push(format!("{k}={}", crate::view::url_escape(v)));
        }
    }
    parts.join("&")
}

async fn build(
    pages: &Pages,
    op: &Operator,
    f: &ChartForm,
    errors: FieldErrors,
    threshold: Option<String>,
) -> Result<AirtimePage, AppError> {
    let app = &pages.app;
    let q = AirtimeQuery {
        from: nonempty(&f.from),
        to: nonempty(&f.to),
        partner: nonempty(&f.partner),
        ..Default::default()
    };
    let series = app.airtime_series(&op.actor, &q).await?;
    // The partner list of the filter: everyone in the range (the series without a partner filter).
    let all = AirtimeQuery {
        partner: None,
        ..q.clone()
    };
    let partners = app
        .airtime_series(&op.actor, &all)
        .await?
        .series
        .partners
        .into_iter()
        .map(|p| p.partner)
        .collect();
    let places = app.airtime_places(&op.actor, &q).await?;
    let heat = heat_lines(&app.airtime_heatmap(&op.actor, &q).await?);
    let settings = app.airtime_settings(&op.actor).await?;
    let role = op.actor.user.role;
    Ok(AirtimePage {
        c: Chrome::new(op, "airtime", "airtime-title"),
        query: query_string(&AirtimeQuery {
            from: Some(series.from.clone()),
            to: Some(series.to.clone()),
            partner: q.partner.clone(),
            ..Default::default()
        }),
        partner: q.partner.unwrap_or_default(),
        series,
        places,
        heat,
        partners,
        threshold: threshold.unwrap_or_else(|| settings.fairness_threshold_pp.to_string()),
        settings,
        can_edit: matches!(role, Role::Admin | Role::Operator),
        errors,
        saved: f.saved.is_some(),
    })
}

/// `GET /console/airtime`.
async fn show(State(pages): State<Pages>, op: Operator, Query(f): Query<ChartForm>) -> PageResult {
    let tr = op.tr();
    Ok(page(
        &build(&pages, &op, &f, FieldErrors::default(), None)
            .await
            .lang(tr)?,
    ))
}

#[derive(Debug, Deserialize)]
struct SettingsForm {
    csrf: String,
    public_figures: Option<String>,
    fairness_threshold_pp: String,
    version: Option<i64>,
}

/// `POST /console/airtime/settings`: operators and admins change the public figures and the threshold.
async fn save_settings(
    State(pages): State<Pages>,
    op: Operator,
    Form(f): Form<SettingsForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    op.actor.require(&[Role::Admin, Role::Operator]).lang(tr)?;
    let mut errors = FieldErrors::default();
    match f.fairness_threshold_pp.trim().parse::<i64>() {
        Ok(n) => {
            let input = AirtimeSettingsInput {
                public_figures: f.public_figures.is_some(),
                fairness_threshold_pp: n,
            };
            match pages
                .app
                .set_airtime_settings(&op.actor, &input, f.version.filter(|v| *v > 0))
                .await
            {
                Ok(_) => {
                    return Ok(Redirect::to("/console/airtime?saved=1#settings").into_response());
                }
                Err(e) if e.code() == "invalid-threshold" => errors
                    .0
                    .push(("fairness_threshold_pp", tr.get("airtime-threshold-range"))),
                Err(e) => return Err(e).lang(tr),
            }
        }
        Err(_) => errors
            .0
            .push(("fairness_threshold_pp", tr.get("airtime-threshold-range"))),
    }
    let p = build(
        &pages,
        &op,
        &ChartForm::default(),
        errors,
        Some(f.fairness_threshold_pp.clone()),
    )
    .await
    .lang(tr)?;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

#[derive(Debug, Default, Deserialize)]
struct DayForm {
    day: Option<String>,
}

#[derive(Template)]
#[template(path = "console/fairness.html")]
struct FairnessPage {
    c: Chrome,
    f: Fairness,
    /// The notice's text, when there is one.
    notice: Option<String>,
}

impl FairnessPage {
    fn pp(&self, v: &f64) -> String {
        format!("{v:+.1}")
    }
    fn screen_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.f.screen_names.get(id).map_or(id, String::as_str)
    }
}

/// `GET /console/airtime/fairness`.
async fn fairness(
    State(pages): State<Pages>,
    op: Operator,
    Query(q): Query<DayForm>,
) -> PageResult {
    let tr = op.tr();
    let f = pages
        .app
        .airtime_fairness(&op.actor, nonempty(&q.day).as_deref())
        .await
        .lang(tr)?;
    let notice = f.notice.as_ref().map(|n| {
        let mut text = tr.args2(
            "fairness-notice",
            ("day", &n.day),
            ("threshold", &f.threshold_pp),
        );
        if !n.partners.is_empty() {
            text.push_str(&format!(" {}.", n.partners.join(", ")));
        }
        if n.screens > 0 {
            text.push(' ');
            text.push_str(&tr.arg("fairness-notice-screens", "n", n.screens));
        }
        text
    });
    Ok(page(&FairnessPage {
        c: Chrome::new(&op, "airtime", "fairness-title"),
        f,
        notice,
    }))
}
