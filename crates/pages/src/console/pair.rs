//! Pair a player: the flow the player's own screen names ("open the Twincast console and choose Screens → Pair a
//! player"). Enter the code the screen shows, then pick the screen it becomes or create a new one.

use crate::session::Operator;
use crate::view::{page, render, Chrome, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::places::{NewScreen, ScreenListQuery};
use twincast_store::{LocationFilter, PageRequest};

pub(super) fn router() -> Router<Pages> {
    Router::new().route("/console/pair", get(form).post(pair))
}

#[derive(Template)]
#[template(path = "console/pair.html")]
struct PairPage {
    c: Chrome,
    errors: FieldErrors,
    code: String,
    mode: String,
    screen: String,
    q: String,
    screens: Vec<(String, String, String)>,
    locations: Vec<(String, String)>,
    name: String,
    location: String,
    width: String,
    height: String,
}

#[derive(Debug, Default, Deserialize)]
struct PairQuery {
    code: Option<String>,
    q: Option<String>,
    screen: Option<String>,
}

async fn options(
    pages: &Pages,
    q: &str,
) -> Result<(Vec<(String, String, String)>, Vec<(String, String)>), twincast_app::AppError> {
    let screens = pages
        .app
        .list_screens(
            &ScreenListQuery {
                q: Some(q.to_string()).filter(|q| !q.trim().is_empty()),
                sort: Some("name".into()),
                ..Default::default()
            },
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|s| {
            (
                s.view.screen.id.clone(),
                s.view.screen.name.clone(),
                s.view.location.clone(),
            )
        })
        .collect();
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
        .items
        .into_iter()
        .map(|l| (l.slug, l.name))
        .collect();
    Ok((screens, locations))
}

async fn form(State(pages): State<Pages>, op: Operator, Query(q): Query<PairQuery>) -> PageResult {
    let tr = op.tr();
    op.actor
        .require(&[twincast_store::Role::Admin, twincast_store::Role::Operator])
        .lang(tr)?;
    let search = q.q.clone().unwrap_or_default();
    let (screens, locations) = options(&pages, &search).await.lang(tr)?;
    Ok(page(&PairPage {
        c: Chrome::new(&op, "pair", "pair-title"),
        errors: FieldErrors::default(),
        code: q.code.unwrap_or_default(),
        mode: if q.screen.is_some() || !search.is_empty() {
            "existing".into()
        } else {
            "new".into()
        },
        screen: q.screen.unwrap_or_default(),
        q: search,
        screens,
        locations,
        name: String::new(),
        location: String::new(),
        width: "1920".into(),
        height: "1080".into(),
    }))
}

#[derive(Debug, Deserialize)]
struct PairForm {
    csrf: String,
    code: String,
    mode: String,
    #[serde(default)]
    screen: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    width: String,
    #[serde(default)]
    height: String,
}

async fn pair(State(pages): State<Pages>, op: Operator, Form(f): Form<PairForm>) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let mut errors = FieldErrors::default();
    let field_error = |e: twincast_app::AppError| PageError::from_app(e).message(tr);
    // The code first: a mistyped code must create nothing.
    if let Err(e) = pages.app.open_pairing(&op.actor, &f.code).await {
        if e.code() == "forbidden" {
            return Err(crate::view::Failure(tr, PageError::from_app(e)));
        }
        errors.0.push(("code", field_error(e)));
    }
    let mut screen_id = None;
    if !errors.any() {
        if f.mode == "existing" {
            if f.screen.is_empty() {
                errors.0.push(("screen", tr.get("pair-choose-screen")));
            } else {
                screen_id = Some(f.screen.clone());
            }
        } else {
            let size = |v: &str, field: &'static str, errors: &mut FieldErrors| match v
                .trim()
                .parse::<u32>()
            {
                Ok(n) if (1..=16384).contains(&n) => n,
                _ => {
                    errors.0.push((field, tr.get("field-pixels")));
                    0
                }
            };
            let width = size(&f.width, "width", &mut errors);
            let height = size(&f.height, "height", &mut errors);
            if !errors.any() {
                match pages
                    .app
                    .create_screen(
                        &op.actor,
                        NewScreen {
                            name: f.name.trim().to_string(),
                            location: f.location.clone(),
                            lat: None,
                            lon: None,
                            tz: None,
                            width,
                            height,
                            tags: Vec::new(),
                            language: None,
                        },
                    )
                    .await
                {
                    Ok(s) => screen_id = Some(s.view.screen.id),
                    Err(e) => {
                        let field = match e.code() {
                            "unknown-location" | "location-not-found" => "location",
                            _ => "name",
                        };
                        errors.0.push((field, field_error(e)));
                    }
                }
            }
        }
    }
    if let Some(id) = screen_id {
        match pages
            .app
            .claim_pairing(&op.actor, &f.code, &id, pages.token_ttl_ms)
            .await
        {
            Ok(claimed) => {
                (pages.devices_revoked)(&id, &claimed.replaced);
                return Ok(Redirect::to(&format!("/console/screens/{id}?paired=1")).into_response());
            }
            Err(e) => errors.0.push(("code", field_error(e))),
        }
    }
    let (screens, locations) = options(&pages, "").await.lang(tr)?;
    Ok(render(
        StatusCode::BAD_REQUEST,
        &PairPage {
            c: Chrome::new(&op, "pair", "pair-title"),
            errors,
            code: f.code,
            mode: f.mode,
            screen: f.screen,
            q: String::new(),
            screens,
            locations,
            name: f.name,
            location: f.location,
            width: f.width,
            height: f.height,
        },
    ))
}
