//! The project editor's form: what it shows and what was typed (check boxes repeat their name; organisations
//! are numbered rows, a row without a name is left out), turned into the catalogue's input; the app's list of
//! field errors (`errors` member) shown next to their fields.

use crate::i18n::Tr;
use crate::view::PageError;
use twincast_app::AppError;
use twincast_core::cooperation::{
    Contact, Localized, OrgRole, Organisation, ProjectInput, Status, Theme,
};

/// One organisation row as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct OrgRow {
    pub name: String,
    pub role: String,
    pub iati_ref: String,
    pub org_type: String,
}

/// The whole form as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct ProjectForm {
    pub csrf: String,
    pub version: i64,
    pub slug: String,
    pub title: Localized,
    pub summary: Localized,
    pub description: Localized,
    pub district: String,
    pub district_name: Localized,
    pub partners: Vec<String>,
    pub countries: String,
    pub fields: Vec<String>,
    pub themes: Vec<String>,
    pub status: String,
    pub start_date: String,
    pub end_date: String,
    pub orgs: Vec<OrgRow>,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub media: Vec<String>,
    pub news: Vec<String>,
}

/// Empty organisation rows offered after the filled ones.
const SPARE_ROWS: usize = 2;

pub(super) fn role_name(r: OrgRole) -> &'static str {
    match r {
        OrgRole::Funding => "funding",
        OrgRole::Accountable => "accountable",
        OrgRole::Extending => "extending",
        OrgRole::Implementing => "implementing",
    }
}

fn role_parse(s: &str) -> Option<OrgRole> {
    [
        OrgRole::Funding,
        OrgRole::Accountable,
        OrgRole::Extending,
        OrgRole::Implementing,
    ]
    .into_iter()
    .find(|r| role_name(*r) == s)
}

impl ProjectForm {
    /// A new project's form.
    pub fn empty() -> ProjectForm {
        ProjectForm {
            status: "planned".into(),
            orgs: vec![OrgRow::default(); SPARE_ROWS],
            ..Default::default()
        }
    }

    /// The form of a stored project.
    pub fn of(p: &ProjectInput, version: i64) -> ProjectForm {
        let mut orgs: Vec<OrgRow> = p
            .organisations
            .iter()
            .map(|o| OrgRow {
                name: o.name.clone(),
                role: role_name(o.role).into(),
                iati_ref: o.iati_ref.clone().unwrap_or_default(),
                org_type: o.org_type.map(|t| t.to_string()).unwrap_or_default(),
            })
            .collect();
        orgs.extend(std::iter::repeat_n(OrgRow::default(), SPARE_ROWS));
        ProjectForm {
            csrf: String::new(),
            version,
            slug: p.slug.clone(),
            title: p.title.clone(),
            summary: p.summary.clone(),
            description: p.description.clone(),
            district: p.district.clone(),
            district_name: p.district_name.clone(),
            partners: p.partners.clone(),
            countries: p.countries.join(", "),
            fields: p.fields.clone(),
            themes: p.themes.iter().map(|t| t.as_str().to_string()).collect(),
            status: p.status.as_str().into(),
            start_date: p.start_date.clone().unwrap_or_default(),
            end_date: p.end_date.clone().unwrap_or_default(),
            orgs,
            contact_name: p.contact.name.clone(),
            contact_email: p.contact.email.clone(),
            contact_phone: p.contact.phone.clone(),
            media: p.media.clone(),
            news: p.news.clone(),
        }
    }

    /// The form from the posted pairs.
    pub fn parse(pairs: Vec<(String, String)>) -> ProjectForm {
        let mut f = ProjectForm::default();
        for (k, v) in pairs {
            if let Some(rest) = k.strip_prefix("organisations.") {
                let Some((i, name)) = rest.split_once('.') else {
                    continue;
                };
                let Ok(i) = i.parse::<usize>() else { continue };
                if i >= 100 {
                    continue;
                }
                if f.orgs.len() <= i {
                    f.orgs.resize(i + 1, OrgRow::default());
                }
                let row = &mut f.orgs[i];
                match name {
                    "name" => row.name = v,
                    "role" => row.role = v,
                    "iati_ref" => row.iati_ref = v,
                    "org_type" => row.org_type = v,
                    _ => {}
                }
                continue;
            }
            if let Some((field, lang)) = k.split_once('.') {
                let target = match field {
                    "title" => Some(&mut f.title),
                    "summary" => Some(&mut f.summary),
                    "description" => Some(&mut f.description),
                    "district_name" => Some(&mut f.district_name),
                    _ => None,
                };
                if let Some(t) = target {
                    t.set(lang, v);
                    continue;
                }
            }
            match k.as_str() {
                "csrf" => f.csrf = v,
                "version" => f.version = v.trim().parse().unwrap_or(0),
                "slug" => f.slug = v,
                "district" => f.district = v,
                "partners" => f.partners.push(v),
                "countries" => f.countries = v,
                "fields" => f.fields.push(v),
                "themes" => f.themes.push(v),
                "status" => f.status = v,
                "start_date" => f.start_date = v,
                "end_date" => f.end_date = v,
                "contact.name" => f.contact_name = v,
                "contact.email" => f.contact_email = v,
                "contact.phone" => f.contact_phone = v,
                "media" => f.media.push(v),
                "news" => f.news.push(v),
                _ => {}
            }
        }
        // Keep the rows as typed, with room for more.
        while f
            .orgs
            .iter()
            .rev()
            .take(SPARE_ROWS)
            .any(|r| !r.name.trim().is_empty())
            || f.orgs.len() < SPARE_ROWS
        {
            f.orgs.push(OrgRow::default());
        }
        f
    }

    /// Whether `value` is among the ticked values of the list `name`.
    pub fn has(&self, name: &str, value: &str) -> bool {
        let list = match name {
            "partners" => &self.partners,
            "fields" => &self.fields,
            "themes" => &self.themes,
            "media" => &self.media,
            _ => &self.news,
        };
        list.iter().any(|x| x == value)
    }

    /// The catalogue's input, or the errors of what the form itself cannot read (status, roles, numbers).
    pub fn input(&self, tr: Tr, errors: &mut Errors) -> Option<ProjectInput> {
        let trim = |l: &Localized| Localized {
            ru: l.ru.trim().to_string(),
            en: l.en.trim().to_string(),
            zh: l.zh.trim().to_string(),
        };
        let status = Status::parse(self.status.trim());
        if status.is_none() {
            errors.add("status", tr.get("coop-err-choose"));
        }
        let mut themes = Vec::new();
        for t in &self.themes {
            match Theme::parse(t) {
                Some(x) => themes.push(x),
                None => errors.add("themes", tr.get("coop-err-choose")),
            }
        }
        let mut organisations = Vec::new();
        for (i, row) in self.orgs.iter().enumerate() {
            if row.name.trim().is_empty() && row.iati_ref.trim().is_empty() {
                continue;
            }
            let role = role_parse(row.role.trim());
            if role.is_none() {
                errors.add(
                    &format!("organisations.{i}.role"),
                    tr.get("coop-err-choose"),
                );
            }
            let org_type = match row.org_type.trim() {
                "" => Some(None),
                t => match t.parse::<u16>() {
                    Ok(n) => Some(Some(n)),
                    Err(_) => {
                        errors.add(
                            &format!("organisations.{i}.org_type"),
                            tr.get("coop-err-invalid-org-type"),
                        );
                        None
                    }
                },
            };
            if let (Some(role), Some(org_type)) = (role, org_type) {
                organisations.push(Organisation {
                    name: row.name.trim().to_string(),
                    iati_ref: Some(row.iati_ref.trim().to_string()).filter(|s| !s.is_empty()),
                    org_type,
                    role,
                });
            }
        }
        if errors.any() {
            return None;
        }
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Some(ProjectInput {
            slug: self.slug.trim().to_string(),
            title: trim(&self.title),
            summary: trim(&self.summary),
            description: self.description.clone(),
            district: self.district.trim().to_string(),
            district_name: trim(&self.district_name),
            partners: self.partners.clone(),
            countries: self
                .countries
                .split([',', '，', ';', ' '])
                .map(|c| c.trim().to_uppercase())
                .filter(|c| !c.is_empty())
                .collect(),
            fields: self.fields.clone(),
            themes,
            status: status?,
            start_date: opt(&self.start_date),
            end_date: opt(&self.end_date),
            organisations,
            contact: Contact {
                name: self.contact_name.trim().to_string(),
                email: self.contact_email.trim().to_string(),
                phone: self.contact_phone.trim().to_string(),
            },
            media: self.media.clone(),
            news: self.news.clone(),
        })
    }
}

/// Errors by form field (`title.zh`, `countries`, `organisations.1.name`…).
#[derive(Debug, Clone, Default)]
pub(super) struct Errors(pub Vec<(String, String)>);

impl Errors {
    /// Adds the error of `field` (the first error of a field is the one shown).
    pub fn add(&mut self, field: &str, message: String) {
        self.0.push((field.to_string(), message));
    }

    /// The error of `field`, if any.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// Whether there is any.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// The form field of an error path: list items to their list (`countries[2]` → `countries`), organisation
/// rows to their row (`organisations[1].name` → `organisations.1.name`).
pub(super) fn form_field(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("organisations[") {
        if let Some((i, tail)) = rest.split_once(']') {
            return format!("organisations.{i}{tail}");
        }
    }
    path.split('[').next().unwrap_or(path).to_string()
}

/// The reader's text for a refused field.
pub(super) fn message(code: &str, fallback: &str, tr: Tr) -> String {
    let id = format!("coop-err-{code}");
    if crate::i18n::Catalogue::get().has(tr.lang, &id) {
        tr.get(&id)
    } else {
        fallback.to_string()
    }
}

/// The app's refusal as errors next to their fields (`Ok`), or the error page for anything else.
pub(super) fn refusal(errors: &mut Errors, e: AppError, tr: Tr) -> Result<(), PageError> {
    let code = e.code();
    let (inner, members) = e.split_members();
    if let Some(list) = members.get("errors").and_then(|v| v.as_array()) {
        for x in list {
            let s = |k: &str| x[k].as_str().unwrap_or("").to_string();
            errors.add(
                &form_field(&s("field")),
                message(&s("code"), &s("message"), tr),
            );
        }
        return Ok(());
    }
    match &inner {
        AppError::Conflict { .. } if code == "conflict" => {
            errors.add("slug", tr.get("adm-slug-taken"));
            Ok(())
        }
        AppError::Invalid { .. } if code == "slug-immutable" => {
            errors.add("slug", message(code, "", tr));
            Ok(())
        }
        _ => Err(PageError::from_app(inner)),
    }
}
