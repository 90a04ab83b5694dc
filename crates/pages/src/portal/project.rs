//! A cooperation project's page, `/{lang}/projects/{slug}`: title, summary and description (Markdown, sanitised
//! like the news) in the reader's language, with a visible note when a text falls back to another language; the
//! facts (status, dates, district, partner cities and countries, fields with their DAC and SDG codes, themes),
//! the participating organisations, the contact, films, related news, schema.org `Project` JSON-LD and the link
//! to the IATI export; and the expression-of-interest form.
//!
//! The form needs no script: it POSTs to `/{lang}/projects/{slug}/interest`, where the application's
//! `submit_interest` checks it (honeypot, signed form token, each field). Refused, the page comes back with each
//! field's error beside the field (`aria-invalid`, `aria-describedby`) and what was typed kept; accepted (or sent
//! again with the same form: stored once), the reader is sent to `/{lang}/projects/{slug}/interest-sent`.
//! Submissions are rate-limited per client address like the API's (the same limiter).

use super::share::json_in_script;
use super::{base_url, failed, not_found, Site};
use crate::i18n::{Lang, Tr};
use crate::Pages;
use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use twincast_app::cooperation::InterestForm;
use twincast_app::AppError;
use twincast_core::cooperation::{InterestInput, Localized, OrgRole, Project};

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    let t = lang.tag();
    Router::new()
        .route(
            &format!("/{t}/projects/{{slug}}"),
            get(
                move |s: State<Pages>, h: HeaderMap, Path(slug): Path<String>| async move {
                    show(s, h, slug, lang).await
                },
            ),
        )
        .route(
            &format!("/{t}/projects/{{slug}}/interest"),
            get(move |Path(slug): Path<String>| async move {
                Redirect::to(&format!("/{t}/projects/{slug}#interest")).into_response()
            })
            .post(
                move |s: State<Pages>,
                      c: ConnectInfo<SocketAddr>,
                      h: HeaderMap,
                      Path(slug): Path<String>,
                      f: Form<FormFields>| async move {
                    submit(s, c, h, slug, f, lang).await
                },
            ),
        )
        .route(
            &format!("/{t}/projects/{{slug}}/interest-sent"),
            get(
                move |s: State<Pages>,
                      h: HeaderMap,
                      Path(slug): Path<String>,
                      q: Query<SentQuery>| async move {
                    sent(s, h, slug, q, lang).await
                },
            ),
        )
}

/// `text` in `lang`, else the first other language that has it: (text, the language it falls back to).
pub fn pick<'a>(text: &'a Localized, lang: &str) -> (&'a str, Option<&'static str>) {
    let own = text.get(lang);
    if !own.trim().is_empty() {
        return (own, None);
    }
    for l in ["en", "ru", "zh"] {
        if l != lang && !text.get(l).trim().is_empty() {
            return (text.get(l), Some(l));
        }
    }
    ("", None)
}

/// The form as posted (every field optional: an unticked box is not sent at all).
#[derive(Debug, Default, Deserialize)]
pub struct FormFields {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    website: String,
}

/// What the form shows: the values, the token, each field's error and one for the whole form.
#[derive(Debug, Default)]
pub struct FormState {
    /// What was typed.
    pub values: InterestInput,
    /// The form token.
    pub token: String,
    /// The retention date shown beside the consent box.
    pub retain_until: String,
    /// Field → its error in the page's language.
    pub errors: BTreeMap<String, String>,
    /// An error about the whole form.
    pub general: Option<String>,
}

impl FormState {
    /// The error of `field`, if any.
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

/// A text in the page, with the language it falls back to when not the page's own.
pub struct Text {
    /// The text (HTML for the description, plain otherwise).
    pub text: String,
    /// The language it is in when it is not the page's, and the note saying so.
    pub fallback: Option<(&'static str, String)>,
}

fn text(s: &Site, loc: &Localized, html: bool) -> Text {
    let (t, from) = pick(loc, s.lang());
    Text {
        text: if html {
            twincast_app::news::render::body_html(t)
        } else {
            t.to_string()
        },
        fallback: from.map(|l| {
            let name = Lang::parse(l).map(|x| x.endonym()).unwrap_or(l);
            (l, s.tr.arg("pp-fallback", "language", name))
        }),
    }
}

#[derive(Template)]
#[template(path = "portal/project.html")]
struct ProjectPage {
    s: Site,
    action: String,
    title: Text,
    summary: Text,
    description: Text,
    status: (&'static str, String),
    dates: Vec<(String, String)>,
    district: (String, String),
    partners: Vec<(String, String)>,
    countries: Vec<(String, String)>,
    fields: Vec<(String, String, String)>,
    themes: Vec<String>,
    organisations: Vec<(String, String, String)>,
    contact: (String, String, String),
    films: Vec<(String, String, Option<String>)>,
    pictures: Vec<twincast_app::cooperation::Picture>,
    news: Vec<super::news::Row>,
    iati: String,
    form: FormState,
    countries_all: Vec<(String, String)>,
}

fn role_key(r: OrgRole) -> &'static str {
    match r {
        OrgRole::Funding => "funding",
        OrgRole::Accountable => "accountable",
        OrgRole::Extending => "extending",
        OrgRole::Implementing => "implementing",
    }
}

/// The countries of the form's list: those the catalogue names, by name, then the other ISO codes.
fn country_choices(tr: Tr) -> Vec<(String, String)> {
    let mut named: Vec<(String, String)> = Vec::new();
    let mut rest: Vec<(String, String)> = Vec::new();
    for code in twincast_core::cooperation::country_codes() {
        let name = super::country(tr, code);
        if name == code {
            rest.push((code.to_string(), code.to_string()));
        } else {
            named.push((code.to_string(), name));
        }
    }
    named.sort_by(|a, b| a.1.cmp(&b.1));
    named.extend(rest);
    named
}

/// `ms` as a date in the site's zone.
fn day(pages: &Pages, ms: i64) -> String {
    super::news::local_time(ms, pages.app.site_time_zone())
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

/// Renders the page of `p` with `form`.
async fn page(
    pages: &Pages,
    base: &str,
    p: &Project,
    form: FormState,
    lang: Lang,
    status: StatusCode,
) -> Response {
    let (fields, snap) = match (
        pages.app.coop_fields().await,
        pages.app.portal_snapshot().await,
    ) {
        (Ok(f), Ok(s)) => (f, s),
        (Err(e), _) | (_, Err(e)) => return failed(e),
    };
    let pictures = match pages.app.project_pictures(p).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "a project's pictures could not be read");
            Vec::new()
        }
    };
    let news = match pages.related(lang.tag()).await {
        Ok(r) => super::news::rows(&r.project_news(p, 10), lang, pages.app.site_time_zone()),
        Err(e) => {
            tracing::warn!(error = %e, "a project's related news could not be read");
            Vec::new()
        }
    };
    let d = &p.data;
    let l = lang.tag();
    let slug_path = crate::view::url_escape(&d.slug);
    let mut s = Site::new(
        lang,
        base,
        &format!("/projects/{slug_path}"),
        "projects",
        pick(&d.title, l).0.to_string(),
    );
    s.description = pick(&d.summary, l).0.to_string();
    let cat_base = s.href("/projects");
    let catalogue = |k: &str, v: &str| format!("{cat_base}?{k}={}", crate::view::url_escape(v));
    let partners: Vec<(String, String)> = d
        .partners
        .iter()
        .map(|slug| match snap.city(slug) {
            Some(c) => (
                s.name(c).to_string(),
                s.href(&format!("/cities/{}", crate::view::url_escape(slug))),
            ),
            None => (slug.clone(), String::new()),
        })
        .collect();
    let iati = format!("{base}/api/v1/iati/activities");
    let url = format!("{base}/{l}/projects/{slug_path}");
    let org = |o: &twincast_core::cooperation::Organisation| {
        let mut v = serde_json::json!({"@type": "Organization", "name": o.name});
        if let Some(r) = &o.iati_ref {
            v["identifier"] = serde_json::json!(r);
        }
        v
    };
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Project",
        "name": pick(&d.title, l).0,
        "description": pick(&d.summary, l).0,
        "url": url,
        "identifier": d.slug,
        "areaServed": partners.iter().map(|(n, _)| serde_json::json!({"@type": "City", "name": n}))
            .chain(d.countries.iter().map(|c| serde_json::json!({"@type": "Country", "name": s.country(c), "identifier": c})))
            .collect::<Vec<_>>(),
        "member": d.organisations.iter().map(|o| {
            serde_json::json!({"@type": "OrganizationRole", "roleName": s.t(&format!("pp-role-{}", role_key(o.role))), "member": org(o)})
        }).collect::<Vec<_>>(),
        "funder": d.organisations.iter().filter(|o| o.role == OrgRole::Funding).map(org).collect::<Vec<_>>(),
        "keywords": d.fields.iter().map(|f| super::projects::field_name(&fields, f, l)).collect::<Vec<_>>().join(", "),
        "contactPoint": {"@type": "ContactPoint", "name": d.contact.name, "email": d.contact.email,
                         "telephone": d.contact.phone, "contactType": s.t("pp-contact")},
        "subjectOf": {"@type": "Dataset", "name": "IATI 2.03", "encodingFormat": "application/xml", "url": iati},
    });
    if let Some(start) = &d.start_date {
        ld["foundingDate"] = serde_json::json!(start);
    }
    if let (Some(end), twincast_core::cooperation::Status::Completed) = (&d.end_date, d.status) {
        ld["dissolutionDate"] = serde_json::json!(end);
    }
    s.head = format!(
        "{}<script type=\"application/ld+json\">{}</script>\n",
        super::share::page_head(&s),
        json_in_script(&ld)
    );
    let mut dates = Vec::new();
    if let Some(a) = &d.start_date {
        dates.push((s.t("pp-start"), a.clone()));
    }
    if let Some(b) = &d.end_date {
        dates.push((s.t("pp-end"), b.clone()));
    }
    let body = ProjectPage {
        action: format!("/{l}/projects/{slug_path}/interest"),
        title: text(&s, &d.title, false),
        summary: text(&s, &d.summary, false),
        description: text(&s, &d.description, true),
        status: (
            d.status.as_str(),
            super::projects::status_name(&s, d.status),
        ),
        dates,
        district: (
            d.district_name.get(l).to_string(),
            catalogue("district", &d.district),
        ),
        countries: d
            .countries
            .iter()
            .map(|c| (s.country(c), catalogue("country", c)))
            .collect(),
        fields: d
            .fields
            .iter()
            .map(|f| {
                let codes = fields
                    .iter()
                    .find(|x| x.data.slug == *f)
                    .map(|x| {
                        let mut parts = Vec::new();
                        if !x.data.dac.is_empty() {
                            parts.push(format!(
                                "DAC {}",
                                x.data
                                    .dac
                                    .iter()
                                    .map(u32::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        if !x.data.sdg.is_empty() {
                            parts.push(format!(
                                "{} {}",
                                s.t("pp-sdg"),
                                x.data
                                    .sdg
                                    .iter()
                                    .map(u8::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ));
                        }
                        parts.join(" · ")
                    })
                    .unwrap_or_default();
                (
                    super::projects::field_name(&fields, f, l),
                    catalogue("field", f),
                    codes,
                )
            })
            .collect(),
        themes: d
            .themes
            .iter()
            .map(|t| super::projects::theme_name(&s, *t))
            .collect(),
        organisations: d
            .organisations
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    s.t(&format!("pp-role-{}", role_key(o.role))),
                    o.iati_ref.clone().unwrap_or_default(),
                )
            })
            .collect(),
        contact: (
            d.contact.name.clone(),
            d.contact.email.clone(),
            d.contact.phone.clone(),
        ),
        films: d
            .media
            .iter()
            .filter_map(|id| {
                let (c, v) = snap.video(id)?;
                Some((
                    format!("{} · {}", s.name(c), v.title),
                    format!(
                        "{}?v={}",
                        s.href(&format!("/cities/{}", c.partner.slug)),
                        crate::view::url_escape(&v.id)
                    ),
                    v.poster.clone(),
                ))
            })
            .collect(),
        partners,
        pictures,
        news,
        iati,
        form,
        countries_all: country_choices(s.tr),
        s,
    };
    match body.render() {
        Ok(html) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                // The form carries a token of its own for each visit.
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(e) => super::html(Err(e)),
    }
}

async fn project_or_404(pages: &Pages, slug: &str) -> Result<Project, Result<(), AppError>> {
    match pages.app.project(slug).await {
        Ok(p) => Ok(p),
        Err(AppError::Missing { .. }) | Err(AppError::NotFound(_)) => Err(Ok(())),
        Err(e) => Err(Err(e)),
    }
}

/// A fresh form for project `slug`.
async fn fresh(pages: &Pages, slug: &str, values: InterestInput) -> Result<FormState, AppError> {
    let t = pages.app.interest_form(slug).await?;
    Ok(FormState {
        values,
        token: t.token,
        retain_until: day(pages, t.retain_until),
        ..Default::default()
    })
}

async fn show(
    State(pages): State<Pages>,
    headers: HeaderMap,
    slug: String,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let p = match project_or_404(&pages, &slug).await {
        Ok(p) => p,
        Err(Ok(())) => return not_found(lang, &base),
        Err(Err(e)) => return failed(e),
    };
    let form = match fresh(&pages, &slug, InterestInput::default()).await {
        Ok(f) => f,
        Err(e) => return failed(e),
    };
    page(&pages, &base, &p, form, lang, StatusCode::OK).await
}

async fn submit(
    State(pages): State<Pages>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    slug: String,
    Form(f): Form<FormFields>,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let tr = Tr::new(lang);
    let p = match project_or_404(&pages, &slug).await {
        Ok(p) => p,
        Err(Ok(())) => return not_found(lang, &base),
        Err(Err(e)) => return failed(e),
    };
    let values = InterestInput {
        organisation: f.organisation,
        country: f.country.trim().to_string(),
        name: f.name,
        email: f.email.trim().to_string(),
        message: f.message,
        consent: f.consent.is_some(),
    };
    // The form as it was, with the same token (nothing was stored: sending it again stays one submission).
    let mut again = FormState {
        values: values.clone(),
        token: f.token.clone(),
        ..Default::default()
    };
    if let Ok(t) = pages.app.interest_form(&slug).await {
        again.retain_until = day(&pages, t.retain_until);
    }
    let ip = pages.app.client_ip(peer.ip(), &headers);
    if pages.app.interest_allowed(ip).await.is_err() {
        again.general = Some(tr.get("pp-error-too-many"));
        return page(
            &pages,
            &base,
            &p,
            again,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
    }
    let form = InterestForm {
        input: values.clone(),
        token: f.token,
        website: f.website,
    };
    match pages.app.submit_interest(&slug, &form).await {
        Ok(done) => {
            let mut res = Redirect::to(&format!(
                "/{}/projects/{}/interest-sent?until={}",
                lang.tag(),
                crate::view::url_escape(&slug),
                day(&pages, done.retain_until)
            ))
            .into_response();
            *res.status_mut() = StatusCode::SEE_OTHER;
            res
        }
        Err(e @ AppError::WithMembers { .. }) | Err(e @ AppError::Invalid { .. }) => {
            let code = e.code();
            let (_, members) = e.split_members();
            if let Some(list) = members.get("errors").and_then(|v| v.as_array()) {
                for err in list {
                    let field = err["field"].as_str().unwrap_or_default().to_string();
                    let code = err["code"].as_str().unwrap_or_default();
                    let id = format!("pp-error-{code}");
                    let msg = if crate::i18n::Catalogue::get().has(lang, &id) {
                        tr.get(&id)
                    } else {
                        tr.get("pp-error-invalid")
                    };
                    again.errors.entry(field).or_insert(msg);
                }
                again.general = Some(tr.get("pp-error-fields"));
            } else {
                let id = format!("pp-error-{code}");
                again.general = Some(if crate::i18n::Catalogue::get().has(lang, &id) {
                    tr.get(&id)
                } else {
                    tr.get("pp-error-invalid")
                });
                // An expired or unreadable form gets a new token; a too-fast one keeps its own (valid in a moment).
                if matches!(code, "form-expired" | "invalid-form-token") {
                    if let Ok(t) = pages.app.interest_form(&slug).await {
                        again.token = t.token;
                    }
                }
            }
            page(&pages, &base, &p, again, lang, StatusCode::BAD_REQUEST).await
        }
        Err(AppError::Missing { .. }) | Err(AppError::NotFound(_)) => not_found(lang, &base),
        Err(e) => failed(e),
    }
}

/// `?until=`: the retention date to show.
#[derive(Debug, Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    until: String,
}

#[derive(Template)]
#[template(path = "portal/interest_sent.html")]
struct SentPage {
    s: Site,
    title: String,
    back: String,
    until: String,
}

async fn sent(
    State(pages): State<Pages>,
    headers: HeaderMap,
    slug: String,
    Query(q): Query<SentQuery>,
    lang: Lang,
) -> Response {
    let base = base_url(&pages, &headers);
    let p = match project_or_404(&pages, &slug).await {
        Ok(p) => p,
        Err(Ok(())) => return not_found(lang, &base),
        Err(Err(e)) => return failed(e),
    };
    let tr = Tr::new(lang);
    let slug_path = crate::view::url_escape(&slug);
    let mut s = Site::new(
        lang,
        &base,
        &format!("/projects/{slug_path}/interest-sent"),
        "projects",
        tr.get("pp-sent-title"),
    );
    s.head = "<meta name=\"robots\" content=\"noindex\">\n".to_string();
    // Only a date is shown from the query (anything else is dropped).
    let until = twincast_core::cooperation::rules::parse_date(q.until.trim())
        .map(|d| d.to_string())
        .unwrap_or_default();
    let body = SentPage {
        title: pick(&p.data.title, lang.tag()).0.to_string(),
        back: s.href(&format!("/projects/{slug_path}")),
        until,
        s,
    };
    super::projects::revalidated(body.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_falls_back_to_another_language_and_says_which() {
        let t = Localized {
            ru: "Озеро".into(),
            en: String::new(),
            zh: "  ".into(),
        };
        assert_eq!(pick(&t, "ru"), ("Озеро", None));
        assert_eq!(pick(&t, "en"), ("Озеро", Some("ru")));
        assert_eq!(pick(&t, "zh"), ("Озеро", Some("ru")));
        let both = Localized {
            ru: "Озеро".into(),
            en: "Lake".into(),
            zh: String::new(),
        };
        // English comes first among the others.
        assert_eq!(pick(&both, "zh"), ("Lake", Some("en")));
        assert_eq!(pick(&Localized::default(), "en"), ("", None));
    }
}
