//! The operator console: `/console`. Each section is a module; this one holds the routes and the account pages
//! (login, logout, the password an administrator reset, the language switch).

mod airtime;
mod alerts;
mod audit;
mod campaign_edit;
mod campaign_form;
mod campaigns;
mod cap_source_form;
mod cap_sources;
mod coop_fields;
mod dashboard;
mod groups;
mod interests;
mod layouts;
mod map;
mod media;
mod media_captions;
mod moderation;
mod news;
mod news_form;
mod news_sources;
mod pair;
mod places;
mod places_msg;
mod project_form;
mod projects;
mod screen_edit;
mod screens;
mod settings;
mod tickers;
mod users;

use crate::i18n::Lang;
use crate::session::{self, local_path, Operator, Visitor, LANG_COOKIE, SESSION_COOKIE};
use crate::view::{page, render, Chrome, FieldErrors, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use std::net::SocketAddr;

/// The console's routes.
pub fn router() -> Router<Pages> {
    Router::new()
        .route("/dev", get(home))
        .route("/console", get(dashboard::show))
        .route(
            "/console/",
            get(|| async { Redirect::permanent("/console") }),
        )
        .route("/console/login", get(login_form).post(login))
        .route("/console/logout", post(logout))
        .route("/console/password", get(password_form).post(password))
        .route("/console/lang", get(switch_lang))
        .merge(screens::router())
        .merge(screen_edit::router())
        .merge(pair::router())
        .merge(map::router())
        .merge(media::router())
        .merge(media_captions::router())
        .merge(campaigns::router())
        .merge(moderation::router())
        .merge(news::router())
        .merge(projects::router())
        .merge(coop_fields::router())
        .merge(interests::router())
        .merge(places::router())
        .merge(groups::router())
        .merge(alerts::router())
        .merge(users::router())
        .merge(audit::router())
        .merge(layouts::router())
        .merge(settings::router())
        .merge(tickers::router())
        .merge(news_sources::router())
        .merge(cap_sources::router())
        .merge(cap_source_form::router())
        .merge(airtime::router())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
}

/// `GET /dev`: where everything is, for developers and operators (the portal has `/`).
async fn home(v: Visitor) -> Response {
    page(&HomePage {
        c: Chrome::anonymous(v.tr, &v.here, "home-title"),
    })
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(v: Visitor, Query(q): Query<NextQuery>) -> Response {
    page(&LoginPage {
        c: Chrome::anonymous(v.tr, &v.here, "login-title"),
        next: local_path(q.next.as_deref(), "/console"),
        username: String::new(),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(pages): State<Pages>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    v: Visitor,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = local_path(f.next.as_deref(), "/console");
    let failed = |status: StatusCode, id: &str| {
        render(
            status,
            &LoginPage {
                c: Chrome::anonymous(v.tr, &v.here, "login-title"),
                next: next.clone(),
                username: f.username.clone(),
                error: Some(v.tr.get(id)),
            },
        )
    };
    let ip = pages.app.client_ip(peer.ip(), &headers);
    match pages
        .app
        .login_from(ip, &f.username, f.password.clone())
        .await
    {
        Ok(started) => {
            let to = if started.user.must_change_password {
                "/console/password".to_string()
            } else {
                next.clone()
            };
            let mut res = Redirect::to(&to).into_response();
            if let Ok(v) =
                session::session_cookie(&pages, &started.secret, started.ttl_secs).parse()
            {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(twincast_app::AppError::Unauthenticated { .. }) => {
            failed(StatusCode::UNAUTHORIZED, "login-failed")
        }
        Err(twincast_app::AppError::TooManyRequests { .. }) => {
            failed(StatusCode::TOO_MANY_REQUESTS, "login-too-many")
        }
        Err(e) => crate::view::PageError::from_app(e).render(v.tr),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(pages): State<Pages>,
    op: Operator,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    op.check_csrf(&f.csrf).lang(op.tr())?;
    if let Some(secret) = session::cookie(&headers, SESSION_COOKIE) {
        pages.app.logout(&secret).await.lang(op.tr())?;
    }
    let mut res = Redirect::to("/console/login").into_response();
    if let Ok(v) = session::session_cookie(&pages, "", 0).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "console/password.html")]
struct PasswordPage {
    c: Chrome,
    errors: FieldErrors,
    required: bool,
}

async fn password_form(State(pages): State<Pages>, op: Operator, headers: HeaderMap) -> Response {
    let required = required_change(&pages, &headers).await;
    page(&PasswordPage {
        c: Chrome::new(&op, "", "password-title"),
        errors: FieldErrors::default(),
        required,
    })
}

async fn required_change(pages: &Pages, headers: &HeaderMap) -> bool {
    match session::cookie(headers, SESSION_COOKIE) {
        Some(s) => pages
            .app
            .authenticate_session(&s)
            .await
            .map(|s| s.password_change_required)
            .unwrap_or(false),
        None => false,
    }
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

async fn password(
    State(pages): State<Pages>,
    op: Operator,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    let mut errors = FieldErrors::default();
    if f.new != f.repeat {
        errors.0.push(("repeat", tr.get("password-mismatch")));
    } else {
        let secret = session::cookie(&headers, SESSION_COOKIE);
        let change = twincast_app::users::PasswordChange {
            current: f.current,
            new: f.new,
        };
        match pages
            .app
            .change_own_password(&op.actor, change, secret.as_deref())
            .await
        {
            Ok(_) => return Ok(Redirect::to("/console?password=changed").into_response()),
            Err(e) => {
                let field = if e.code().contains("current") || e.code() == "unauthenticated" {
                    "current"
                } else {
                    "new"
                };
                errors
                    .0
                    .push((field, crate::view::PageError::from_app(e).message(tr)));
            }
        }
    }
    let required = required_change(&pages, &headers).await;
    Ok(render(
        StatusCode::BAD_REQUEST,
        &PasswordPage {
            c: Chrome::new(&op, "", "password-title"),
            errors,
            required,
        },
    ))
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    to: String,
    next: Option<String>,
}

/// Remembers the chosen language (a year) and goes back.
async fn switch_lang(Query(q): Query<LangQuery>) -> Response {
    let next = local_path(q.next.as_deref(), "/console");
    let mut res = Redirect::to(&next).into_response();
    if let Some(l) = Lang::parse(&q.to) {
        let c = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.tag()
        );
        if let Ok(v) = c.parse() {
            res.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    res
}
