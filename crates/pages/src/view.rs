//! Rendering: the furniture every console page shares ([`Chrome`]), a template to an HTML response, and errors
//! as pages in the reader's language.

use crate::i18n::{Lang, Tr};
use crate::session::Operator;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::borrow::Cow;
use twincast_app::AppError;
use twincast_store::Role;

/// One entry of the console's navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavItem {
    /// Section key (marks the current page).
    pub key: &'static str,
    /// Where it goes.
    pub href: &'static str,
    /// Catalogue id of its label.
    pub label: &'static str,
    /// Who sees it (empty = everyone logged in).
    pub roles: &'static [Role],
}

/// The console's sections, in navigation order.
pub const NAV: &[NavItem] = &[
    NavItem {
        key: "dashboard",
        href: "/console",
        label: "nav-dashboard",
        roles: &[],
    },
    NavItem {
        key: "screens",
        href: "/console/screens",
        label: "nav-screens",
        roles: &[],
    },
    NavItem {
        key: "map",
        href: "/console/map",
        label: "nav-map",
        roles: &[],
    },
    NavItem {
        key: "campaigns",
        href: "/console/campaigns",
        label: "nav-campaigns",
        roles: &[],
    },
    NavItem {
        key: "media",
        href: "/console/media",
        label: "nav-media",
        roles: &[],
    },
    NavItem {
        key: "moderation",
        href: "/console/moderation",
        label: "nav-moderation",
        roles: &[Role::Admin, Role::Operator, Role::PartnerEditor],
    },
    NavItem {
        key: "news",
        href: "/console/news",
        label: "nav-news",
        roles: &[
            Role::Admin,
            Role::Operator,
            Role::NewsEditor,
            Role::Contributor,
        ],
    },
    NavItem {
        key: "projects",
        href: "/console/projects",
        label: "nav-projects",
        roles: &[Role::Admin, Role::Operator],
    },
    NavItem {
        key: "interests",
        href: "/console/interests",
        label: "nav-interests",
        roles: &[Role::Admin, Role::Operator],
    },
    NavItem {
        key: "alerts",
        href: "/console/alerts",
        label: "nav-alerts",
        roles: &[],
    },
    NavItem {
        key: "airtime",
        href: "/console/airtime",
        label: "nav-airtime",
        roles: &[
            Role::Admin,
            Role::Operator,
            Role::PartnerEditor,
            Role::Viewer,
        ],
    },
    NavItem {
        key: "locations",
        href: "/console/locations",
        label: "nav-locations",
        roles: &[],
    },
    NavItem {
        key: "layouts",
        href: "/console/layouts",
        label: "nav-layouts",
        roles: &[],
    },
    NavItem {
        key: "pair",
        href: "/console/pair",
        label: "nav-pair",
        roles: &[Role::Admin, Role::Operator],
    },
    NavItem {
        key: "users",
        href: "/console/users",
        label: "nav-users",
        roles: &[Role::Admin],
    },
    NavItem {
        key: "audit",
        href: "/console/audit",
        label: "nav-audit",
        roles: &[Role::Admin, Role::Operator, Role::PartnerEditor],
    },
    NavItem {
        key: "news-sources",
        href: "/console/news/sources",
        label: "nav-news-sources",
        roles: &[Role::Admin, Role::NewsEditor],
    },
    NavItem {
        key: "alert-sources",
        href: "/console/alerts/sources",
        label: "nav-alert-sources",
        roles: &[Role::Admin, Role::Operator, Role::Viewer],
    },
    NavItem {
        key: "settings",
        href: "/console/settings",
        label: "nav-settings",
        roles: &[Role::Admin, Role::Operator],
    },
];

/// What every console page shows around its content: title, navigation, the account, the language switcher.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The page's language.
    pub tr: Tr,
    /// The page title (already translated).
    pub title: String,
    /// The current section's key.
    pub section: &'static str,
    /// The logged-in account's name, if any.
    pub user: Option<String>,
    /// The logged-in account's role, translated.
    pub role: String,
    /// Navigation entries this account sees: (key, href, label).
    pub nav: Vec<(&'static str, &'static str, Cow<'static, str>)>,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// The current path and query (where a language switch comes back to).
    pub here: String,
}

impl Chrome {
    /// The furniture of a page for a logged-in operator.
    pub fn new(op: &Operator, section: &'static str, title_id: &str) -> Chrome {
        let tr = op.tr();
        let role = op.actor.user.role;
        Chrome {
            tr,
            title: tr.get(title_id),
            section,
            user: Some(op.actor.user.username.clone()),
            role: tr.get(&format!("role-{}", role.as_str())),
            nav: NAV
                .iter()
                .filter(|n| n.roles.is_empty() || n.roles.contains(&role))
                .map(|n| (n.key, n.href, tr.text(n.label)))
                .collect(),
            csrf: op.csrf.clone(),
            here: op.visitor.here.clone(),
        }
    }

    /// The furniture of a page nobody is logged in to (login, errors).
    pub fn anonymous(tr: Tr, here: &str, title_id: &str) -> Chrome {
        Chrome {
            tr,
            title: tr.get(title_id),
            section: "",
            user: None,
            role: String::new(),
            nav: Vec::new(),
            csrf: String::new(),
            here: here.to_string(),
        }
    }

    /// A language's own name (`Русский` for `ru`), or the tag when it is not one of ours.
    pub fn endonym(&self, tag: &str) -> String {
        Lang::parse(tag).map_or_else(|| tag.to_string(), |l| l.endonym().to_string())
    }

    /// The languages of the switcher: (tag, own name, whether it is the page's).
    pub fn langs(&self) -> Vec<(&'static str, &'static str, bool)> {
        Lang::ALL
            .iter()
            .map(|l| (l.tag(), l.endonym(), *l == self.tr.lang))
            .collect()
    }

    /// Whether the account may operate screens (admins and operators).
    pub fn can_operate(&self) -> bool {
        self.nav.iter().any(|(k, _, _)| *k == "pair")
    }

    /// Whether two texts are equal (templates compare owned and borrowed strings with it).
    pub fn eq(&self, a: &str, b: &str) -> bool {
        a == b
    }

    /// Whether `key` is the current section.
    pub fn is_current(&self, key: &str) -> bool {
        self.section == key
    }

    /// An instant as RFC 3339 UTC (for `<time datetime>`).
    pub fn iso(&self, ms: &i64) -> String {
        iso(*ms)
    }

    /// An instant as readable UTC text (what shows before the page's script formats it per locale and zone).
    pub fn utc(&self, ms: &i64) -> String {
        utc(*ms)
    }

    /// A location kind's name.
    /// Kinds are free-form: the known ones are in the catalogue, others show as written.
    pub fn kind(&self, kind: &str) -> Cow<'static, str> {
        let id = format!("kind-{kind}");
        let cat = crate::i18n::Catalogue::get();
        if let Some(text) = cat.plain_text(self.tr.lang, &id) {
            Cow::Borrowed(text)
        } else if cat.has(self.tr.lang, &id) {
            self.tr.text(&id)
        } else {
            Cow::Owned(kind.to_string())
        }
    }

    /// A screen status's name (`online`, `offline`, `never_seen`).
    pub fn status(&self, status: &str) -> Cow<'static, str> {
        self.tr.text2("status-", status)
    }

    /// The message `prefix` + `key` (e.g. `command-` + `reload`).
    pub fn tk(&self, prefix: &str, key: &str) -> Cow<'static, str> {
        self.tr.text2(prefix, key)
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> Cow<'static, str> {
        self.tr.text(id)
    }

    /// `here`, encoded for a query parameter.
    pub fn here_param(&self) -> String {
        url_escape(&self.here)
    }
}

/// An instant (epoch ms) as RFC 3339 text (a `<time datetime>`).
pub fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// An instant (epoch ms) as readable UTC text (what shows before the page's script formats it per locale and zone).
pub fn utc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Renders a template as an HTML page with `status`.
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    // Console pages are tens of kilobytes (a 50-row table): one allocation of that size instead of a dozen
    // reallocations as the page grows.
    let mut body = String::with_capacity(PAGE_CAPACITY.max(T::SIZE_HINT));
    match t.render_into(&mut body).map(|()| body) {
        Ok(body) => (
            status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            Html(body),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

/// The buffer a page is rendered into starts this large (bytes).
const PAGE_CAPACITY: usize = 48 * 1024;

/// Renders a template as a 200 page.
pub fn page(t: &impl Template) -> Response {
    render(StatusCode::OK, t)
}

/// A request that ends in an error page.
#[derive(Debug)]
pub struct PageError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code (as in the API's problems).
    pub code: &'static str,
    /// The application's own message (English), shown when the catalogue has no text for the code.
    pub detail: String,
}

impl PageError {
    /// The form did not carry this session's CSRF token.
    pub fn csrf() -> PageError {
        PageError {
            status: StatusCode::FORBIDDEN,
            code: "csrf-failed",
            detail: "the form is out of date; reload the page and try again".into(),
        }
    }

    /// Nothing here (or nothing this account may see).
    pub fn not_found() -> PageError {
        PageError {
            status: StatusCode::NOT_FOUND,
            code: "not-found",
            detail: String::new(),
        }
    }

    /// The page of an application error.
    pub fn from_app(e: AppError) -> PageError {
        // A page shows the message; the extension members (data for API clients) are not needed here.
        let (e, _members) = e.split_members();
        let status = match &e {
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound(_) | AppError::Missing { .. } => StatusCode::NOT_FOUND,
            AppError::Gone { .. } => StatusCode::GONE,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMedia { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            // Split off above; `with_member` never nests one in another.
            AppError::WithMembers { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        PageError {
            status,
            code: e.code(),
            detail: e.public_message(),
        }
    }

    /// The text for the reader: the catalogue's `error-<code>` when it has one, else the application's message.
    pub fn message(&self, tr: Tr) -> String {
        let id = format!("error-{}", self.code);
        if crate::i18n::Catalogue::get().has(tr.lang, &id) {
            tr.get(&id)
        } else if self.detail.is_empty() {
            tr.get("error-generic")
        } else {
            self.detail.clone()
        }
    }

    /// The error page in `tr`'s language.
    pub fn render(&self, tr: Tr) -> Response {
        let t = ErrorPage {
            c: Chrome::anonymous(tr, "/console", "error-title"),
            status: self.status.as_u16(),
            code: self.code,
            message: self.message(tr),
        };
        render(self.status, &t)
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::from_app(e)
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "console/error.html")]
pub struct ErrorPage {
    /// Furniture.
    pub c: Chrome,
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: &'static str,
    /// What went wrong, for the reader.
    pub message: String,
}

/// An error page to be rendered in the reader's language.
#[derive(Debug)]
pub struct Failure(pub Tr, pub PageError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        self.1.render(self.0)
    }
}

/// A handler's result: a page, or an error page in the reader's language.
pub type PageResult = Result<Response, Failure>;

/// Attaches the reader's language to an error so it renders as a page.
pub trait InLang<T> {
    /// The error, to be rendered in `tr`'s language.
    fn lang(self, tr: Tr) -> Result<T, Failure>;
}

impl<T, E: Into<PageError>> InLang<T> for Result<T, E> {
    fn lang(self, tr: Tr) -> Result<T, Failure> {
        self.map_err(|e| Failure(tr, e.into()))
    }
}

/// A query or form value trimmed, `None` when blank (a filter left empty means "any").
pub fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A form field's error, shown next to the field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// The error of `field`, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether there is any error.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}
