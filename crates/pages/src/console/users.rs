//! Users and API tokens (administrators only; anyone else gets the 403 page): the account list with filters,
//! create (role, partner scopes), edit role and scopes, disable and enable, reset a password (the one-time
//! password is shown once, on the answer page), last login; tokens: create (the secret is shown once), list,
//! revoke.

use crate::i18n::Tr;
use crate::session::Operator;
use crate::view::{page, render, Chrome, Failure, FieldErrors, InLang, PageError, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use twincast_app::users::{NewToken, NewUser, PasswordReset, TokenQuery, UserQuery};
use twincast_app::AppError;
use twincast_store::{ApiToken, PageRequest, Role, User, UserInput};

pub(super) fn router() -> Router<Pages> {
    Router::new()
        .route("/console/users", get(list).post(create))
        .route("/console/users/{id}", get(show).post(update))
        .route("/console/users/{id}/disable", post(disable))
        .route("/console/users/{id}/enable", post(enable))
        .route("/console/users/{id}/password", post(reset))
        .route("/console/tokens", get(tokens).post(create_token))
        .route("/console/tokens/{id}/revoke", post(revoke_token))
}

const ROLES: &[&str] = &["admin", "operator", "partner-editor", "viewer"];

fn admin_only(op: &Operator) -> Result<(), Failure> {
    op.actor.require(&[Role::Admin]).lang(op.tr())
}

/// Partners as (slug, name in the reader's language).
async fn partners(pages: &Pages, tr: Tr) -> Result<Vec<(String, String)>, AppError> {
    let p = pages
        .app
        .list_partners(
            None,
            None,
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?;
    Ok(p.items
        .into_iter()
        .map(|p| {
            let name = p
                .names
                .get(tr.lang.tag())
                .or_else(|| p.names.get("en"))
                .cloned()
                .unwrap_or_else(|| p.slug.clone());
            (p.slug, name)
        })
        .collect())
}

/// The account form as typed (create and edit), with partners repeated.
#[derive(Debug, Default)]
struct UserForm {
    csrf: String,
    username: String,
    password: String,
    role: String,
    partners: Vec<String>,
    version: i64,
}

impl UserForm {
    fn parse(pairs: Vec<(String, String)>) -> UserForm {
        let mut f = UserForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "username" => f.username = v,
                "password" => f.password = v,
                "role" => f.role = v,
                "partners" if !f.partners.contains(&v) => f.partners.push(v),
                "version" => f.version = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        f
    }
    fn role(&self) -> Option<Role> {
        self.role.parse::<Role>().ok()
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<User>,
    q: String,
    role: String,
    state: String,
    next: Option<String>,
    first: bool,
    roles: &'static [&'static str],
    partners: Vec<(String, String)>,
    f: UserForm,
    errors: FieldErrors,
}

impl ListPage {
    fn has_partner(&self, slug: &str) -> bool {
        self.f.partners.iter().any(|p| p == slug)
    }
    fn query(&self, after: &str) -> String {
        let mut q = format!(
            "q={}&role={}&state={}",
            crate::view::url_escape(&self.q),
            crate::view::url_escape(&self.role),
            crate::view::url_escape(&self.state)
        );
        if !after.is_empty() {
            q.push_str(&format!("&after={}", crate::view::url_escape(after)));
        }
        q
    }
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    role: Option<String>,
    state: Option<String>,
    after: Option<String>,
}

async fn list_page(
    pages: &Pages,
    op: &Operator,
    q: ListQuery,
    f: UserForm,
) -> Result<ListPage, AppError> {
    let tr = op.tr();
    let text = q.q.unwrap_or_default().trim().to_string();
    let role = q.role.unwrap_or_default();
    let state = q.state.unwrap_or_default();
    let after = q.after.filter(|a| !a.is_empty());
    let p = pages
        .app
        .list_users(
            &op.actor,
            &UserQuery {
                role: role.parse::<Role>().ok(),
                disabled: match state.as_str() {
                    "disabled" => Some(true),
                    "enabled" => Some(false),
                    _ => None,
                },
                q: Some(text.clone()).filter(|t| !t.is_empty()),
                sort: Default::default(),
            },
            &PageRequest {
                limit: 50,
                cursor: after.clone(),
            },
        )
        .await?;
    Ok(ListPage {
        c: Chrome::new(op, "users", "users-title"),
        rows: p.items,
        q: text,
        role,
        state,
        next: p.next_cursor,
        first: after.is_some(),
        roles: ROLES,
        partners: partners(pages, tr).await?,
        f,
        errors: FieldErrors::default(),
    })
}

/// `GET /console/users`.
async fn list(State(pages): State<Pages>, op: Operator, Query(q): Query<ListQuery>) -> PageResult {
    admin_only(&op)?;
    let f = UserForm {
        role: "viewer".into(),
        ..Default::default()
    };
    let p = list_page(&pages, &op, q, f).await.lang(op.tr())?;
    Ok(page(&p))
}

fn user_field(code: &str) -> &'static str {
    match code {
        "invalid-username" | "user-exists" => "username",
        c if c.contains("password") => "password",
        "invalid-scope" | "unknown-partner" | "invalid-slug" => "partners",
        _ => "role",
    }
}

fn field_refusal(e: AppError, tr: Tr, field: &'static str) -> Result<FieldErrors, Failure> {
    match &e {
        AppError::Invalid { .. } | AppError::Conflict { .. } => {
            let msg = PageError::from_app(e).message(tr);
            Ok(FieldErrors(vec![(field, msg)]))
        }
        _ => Err(Failure(tr, PageError::from_app(e))),
    }
}

/// `POST /console/users`.
async fn create(
    State(pages): State<Pages>,
    op: Operator,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let mut f = UserForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let errors = match f.role() {
        None => FieldErrors(vec![("role", tr.get("user-role-required"))]),
        Some(role) => {
            let new = NewUser {
                username: f.username.trim().to_string(),
                password: f.password.clone(),
                role,
                partners: if role == Role::PartnerEditor {
                    f.partners.clone()
                } else {
                    Vec::new()
                },
            };
            match pages.app.create_user(&op.actor, new).await {
                Ok(u) => {
                    return Ok(
                        Redirect::to(&format!("/console/users/{}?created=1", u.id)).into_response()
                    )
                }
                Err(e) => {
                    let field = user_field(e.code());
                    field_refusal(e, tr, field)?
                }
            }
        }
    };
    f.password.clear();
    let mut p = list_page(&pages, &op, ListQuery::default(), f)
        .await
        .lang(tr)?;
    p.errors = errors;
    Ok(render(StatusCode::BAD_REQUEST, &p))
}

#[derive(Template)]
#[template(path = "console/user.html")]
struct UserPage {
    c: Chrome,
    u: User,
    f: UserForm,
    roles: &'static [&'static str],
    partners: Vec<(String, String)>,
    errors: FieldErrors,
    notice: Option<String>,
    /// A one-time password just set (shown once).
    one_time: Option<String>,
    is_self: bool,
    tokens: Vec<ApiToken>,
}

impl UserPage {
    fn has_partner(&self, slug: &str) -> bool {
        self.f.partners.iter().any(|p| p == slug)
    }
}

async fn user_page(pages: &Pages, op: &Operator, u: User) -> Result<UserPage, AppError> {
    let f = UserForm {
        username: u.username.clone(),
        role: u.role.as_str().to_string(),
        partners: u.partners.clone(),
        version: u.version,
        ..Default::default()
    };
    let tokens = pages
        .app
        .list_tokens(
            &op.actor,
            &TokenQuery {
                user: Some(u.id.clone()),
                include_revoked: false,
            },
            &PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await?
        .items;
    let mut c = Chrome::new(op, "users", "users-title");
    c.title = u.username.clone();
    Ok(UserPage {
        c,
        is_self: u.id == op.actor.user.id,
        f,
        roles: ROLES,
        partners: partners(pages, op.tr()).await?,
        errors: FieldErrors::default(),
        notice: None,
        one_time: None,
        tokens,
        u,
    })
}

/// `GET /console/users/{id}`.
async fn show(State(pages): State<Pages>, op: Operator, Path(id): Path<String>) -> PageResult {
    let tr = op.tr();
    admin_only(&op)?;
    let u = pages.app.user(&op.actor, &id).await.lang(tr)?;
    Ok(page(&user_page(&pages, &op, u).await.lang(tr)?))
}

/// `POST /console/users/{id}`: role and partner scopes.
async fn update(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let tr = op.tr();
    let f = UserForm::parse(pairs);
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let current = pages.app.user(&op.actor, &id).await.lang(tr)?;
    let mut status = StatusCode::BAD_REQUEST;
    let mut notice = None;
    let errors = match f.role() {
        None => FieldErrors(vec![("role", tr.get("user-role-required"))]),
        Some(role) => {
            let input = UserInput {
                role,
                partners: if role == Role::PartnerEditor {
                    f.partners.clone()
                } else {
                    Vec::new()
                },
                disabled: current.disabled,
            };
            let at = Some(f.version).filter(|v| *v > 0);
            match pages.app.update_user(&op.actor, &id, &input, at).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/console/users/{id}?saved=1")).into_response())
                }
                Err(AppError::Stale { .. }) => {
                    status = StatusCode::PRECONDITION_FAILED;
                    notice = Some(tr.get("user-stale"));
                    FieldErrors::default()
                }
                Err(e) => {
                    let field = user_field(e.code());
                    field_refusal(e, tr, if field == "username" { "role" } else { field })?
                }
            }
        }
    };
    let mut p = user_page(&pages, &op, current).await.lang(tr)?;
    p.f.role = f.role;
    p.f.partners = f.partners;
    p.errors = errors;
    p.notice = notice;
    Ok(render(status, &p))
}

#[derive(Debug, Deserialize)]
struct VersionForm {
    csrf: String,
    #[serde(default)]
    version: i64,
}

async fn set_disabled(
    pages: Pages,
    op: Operator,
    id: String,
    f: VersionForm,
    disabled: bool,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let at = Some(f.version).filter(|v| *v > 0);
    pages
        .app
        .set_user_disabled(&op.actor, &id, disabled, at)
        .await
        .lang(tr)?;
    Ok(Redirect::to(&format!("/console/users/{id}")).into_response())
}

/// `POST /console/users/{id}/disable`.
async fn disable(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    set_disabled(pages, op, id, f, true).await
}

/// `POST /console/users/{id}/enable`.
async fn enable(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    set_disabled(pages, op, id, f, false).await
}

/// `POST /console/users/{id}/password`: sets a new one-time password and shows it once (the answer is not
/// cached, and a reload does not show it again: it would post again).
async fn reset(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let password: String = twincast_app::secrets::new_secret()
        .chars()
        .take(16)
        .collect();
    let at = Some(f.version).filter(|v| *v > 0);
    let u = pages
        .app
        .reset_password(
            &op.actor,
            &id,
            PasswordReset {
                password: password.clone(),
            },
            at,
        )
        .await
        .lang(tr)?;
    let mut p = user_page(&pages, &op, u).await.lang(tr)?;
    p.one_time = Some(password);
    Ok(page(&p))
}

#[derive(Template)]
#[template(path = "console/tokens.html")]
struct TokensPage {
    c: Chrome,
    rows: Vec<(ApiToken, String)>,
    name: String,
    days: String,
    read: bool,
    write: bool,
    errors: FieldErrors,
    /// The secret of a token just created (shown once).
    secret: Option<String>,
    revoked: bool,
}

#[derive(Debug, Default, Deserialize)]
struct TokensQuery {
    revoked: Option<String>,
}

async fn tokens_page(pages: &Pages, op: &Operator, revoked: bool) -> Result<TokensPage, AppError> {
    let list = pages
        .app
        .list_tokens(
            &op.actor,
            &TokenQuery {
                user: Some("all".into()),
                include_revoked: revoked,
            },
            &PageRequest {
                limit: PageRequest::MAX_LIMIT,
                cursor: None,
            },
        )
        .await?
        .items;
    let mut rows = Vec::with_capacity(list.len());
    for t in list {
        let owner = match pages.app.user(&op.actor, &t.user_id).await {
            Ok(u) => u.username,
            Err(_) => t.user_id.clone(),
        };
        rows.push((t, owner));
    }
    Ok(TokensPage {
        c: Chrome::new(op, "users", "tokens-title"),
        rows,
        name: String::new(),
        days: String::new(),
        read: true,
        write: true,
        errors: FieldErrors::default(),
        secret: None,
        revoked,
    })
}

/// `GET /console/tokens`.
async fn tokens(
    State(pages): State<Pages>,
    op: Operator,
    Query(q): Query<TokensQuery>,
) -> PageResult {
    admin_only(&op)?;
    let p = tokens_page(&pages, &op, q.revoked.is_some())
        .await
        .lang(op.tr())?;
    Ok(page(&p))
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
    read: Option<String>,
    write: Option<String>,
}

/// `POST /console/tokens`: a token of the administrator's own account; its secret is shown once.
async fn create_token(
    State(pages): State<Pages>,
    op: Operator,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let mut errors = FieldErrors::default();
    let days = match f.days.trim() {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                errors.0.push(("days", tr.get("token-days-range")));
                None
            }
        },
    };
    let mut scopes = Vec::new();
    if f.read.is_some() {
        scopes.push("read".to_string());
    }
    if f.write.is_some() {
        scopes.push("write".to_string());
    }
    if scopes.is_empty() {
        errors.0.push(("scopes", tr.get("token-scope-required")));
    }
    if f.name.trim().is_empty() {
        errors.0.push(("name", tr.get("token-name-required")));
    }
    let mut secret = None;
    if !errors.any() {
        let new = NewToken {
            name: f.name.trim().to_string(),
            scopes: Some(scopes),
            expires_in_days: days,
        };
        match pages.app.create_token(&op.actor, new).await {
            Ok(t) => secret = Some(t.token),
            Err(e) => errors = field_refusal(e, tr, "name")?,
        }
    }
    let mut p = tokens_page(&pages, &op, false).await.lang(tr)?;
    let status = if secret.is_some() {
        StatusCode::OK
    } else {
        p.name = f.name;
        p.days = f.days;
        p.read = f.read.is_some();
        p.write = f.write.is_some();
        StatusCode::BAD_REQUEST
    };
    p.errors = errors;
    p.secret = secret;
    Ok(render(status, &p))
}

/// `POST /console/tokens/{id}/revoke`.
async fn revoke_token(
    State(pages): State<Pages>,
    op: Operator,
    Path(id): Path<String>,
    Form(f): Form<VersionForm>,
) -> PageResult {
    let tr = op.tr();
    op.check_csrf(&f.csrf).lang(tr)?;
    admin_only(&op)?;
    let at = Some(f.version).filter(|v| *v > 0);
    pages.app.revoke_token(&op.actor, &id, at).await.lang(tr)?;
    Ok(Redirect::to("/console/tokens?done=1").into_response())
}
