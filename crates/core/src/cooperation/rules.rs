//! Every check of a project, a field of cooperation and an expression of interest, as a list of field errors
//! (each with the field's path, a stable code and a message), so that a form can show each error beside its field.

use super::model::{FieldInput, InterestInput, ProjectInput, Status};
use crate::validate;
use jiff::civil::Date;
use serde::Serialize;

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `title.zh`, `end_date`, `organisations[1].name`.
    pub field: String,
    /// Stable code, e.g. `required`, `invalid-date`, `end-before-start`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Errors collected while checking one input.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    fn text(&mut self, field: &str, s: &str, max: usize, required: bool) {
        if required && s.trim().is_empty() {
            self.add(field, "required", format!("{field} is required"));
        } else if let Err(e) = validate::text(field, s, max) {
            self.add(field, e.code, e.message);
        }
    }

    fn done(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 1000;
/// Longest description (Markdown).
pub const MAX_DESCRIPTION: usize = 20_000;
/// Longest message of an expression of interest.
pub const MAX_MESSAGE: usize = 4000;
/// Most entries in one list of a project (partners, countries, organisations…).
pub const MAX_LIST: usize = 100;

/// ISO 3166-1 alpha-2 codes (officially assigned), which include the regions Hong Kong (HK), Macao (MO) and
/// Taiwan (TW) that the programme lists among its "countries and regions".
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO \
BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET \
FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS \
IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP \
MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO \
RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Every ISO 3166-1 alpha-2 code [`is_country`] accepts, in alphabetical order (for a form's choices).
pub fn country_codes() -> impl Iterator<Item = &'static str> {
    ISO_3166_ALPHA2.split(' ')
}

/// Whether `code` is an ISO 3166-1 alpha-2 code (upper case).
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|c| c == code)
}

/// Parses a `YYYY-MM-DD` calendar date.
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters, at most 254 characters. (Deliverability is the mail server's business.)
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !s.contains(['<', '>', ',', ';', '"', '(', ')', '[', ']', '\\'])
}

fn localized(e: &mut Errors, field: &str, l: &super::model::Localized, max: usize, required: bool) {
    for (lang, s) in l.pairs() {
        e.text(&format!("{field}.{lang}"), s, max, required);
    }
}

fn list<T: PartialEq>(e: &mut Errors, field: &str, items: &[T]) {
    if items.len() > MAX_LIST {
        e.add(
            field,
            "too-many",
            format!("{field} has more than {MAX_LIST} entries"),
        );
    }
    for (i, a) in items.iter().enumerate() {
        if items[..i].contains(a) {
            e.add(
                format!("{field}[{i}]"),
                "duplicate",
                format!("{field}[{i}] is listed twice"),
            );
        }
    }
}

/// Checks a project. `fields` are the slugs of the field vocabulary; `today` the date it is at the host city (an
/// actual date — the start of an active or completed project, the end of a completed one — cannot be later).
pub fn check_project(
    p: &ProjectInput,
    fields: &[&str],
    today: Date,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if let Err(x) = validate::slug("slug", &p.slug) {
        e.add("slug", x.code, x.message);
    }
    localized(&mut e, "title", &p.title, MAX_TITLE, true);
    localized(&mut e, "summary", &p.summary, MAX_SUMMARY, true);
    localized(
        &mut e,
        "description",
        &p.description,
        MAX_DESCRIPTION,
        false,
    );
    if let Err(x) = validate::slug("district", &p.district) {
        e.add("district", x.code, x.message);
    }
    localized(&mut e, "district_name", &p.district_name, MAX_TITLE, true);
    list(&mut e, "partners", &p.partners);
    for (i, s) in p.partners.iter().enumerate() {
        if let Err(x) = validate::slug(&format!("partners[{i}]"), s) {
            e.add(format!("partners[{i}]"), x.code, x.message);
        }
    }
    list(&mut e, "countries", &p.countries);
    for (i, c) in p.countries.iter().enumerate() {
        if !is_country(c) {
            e.add(
                format!("countries[{i}]"),
                "invalid-country",
                format!("countries[{i}] {c:?} is not an ISO 3166-1 alpha-2 code such as DE or HK"),
            );
        }
    }
    list(&mut e, "fields", &p.fields);
    for (i, f) in p.fields.iter().enumerate() {
        if !fields.contains(&f.as_str()) {
            e.add(
                format!("fields[{i}]"),
                "unknown-field",
                format!("fields[{i}] {f:?} is not in the field vocabulary"),
            );
        }
    }
    list(&mut e, "themes", &p.themes);
    dates(&mut e, p, today);
    list(&mut e, "organisations", &p.organisations);
    if p.organisations.is_empty() {
        e.add(
            "organisations",
            "required",
            "at least one participating organisation is required",
        );
    }
    for (i, o) in p.organisations.iter().enumerate() {
        e.text(
            &format!("organisations[{i}].name"),
            &o.name,
            MAX_TITLE,
            true,
        );
        if let Some(r) = &o.iati_ref {
            let ok = !r.is_empty()
                && r.len() <= 100
                && r.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
            if !ok {
                e.add(
                    format!("organisations[{i}].iati_ref"),
                    "invalid-ref",
                    "an IATI organisation identifier is letters, digits and - _ . : (at most 100)",
                );
            }
        }
        if o.org_type.is_some_and(|t| !(10..=90).contains(&t)) {
            e.add(
                format!("organisations[{i}].org_type"),
                "invalid-org-type",
                "org_type must be an IATI OrganisationType code (10–90)",
            );
        }
    }
    e.text("contact.name", &p.contact.name, MAX_TITLE, true);
    if !is_email(&p.contact.email) {
        e.add(
            "contact.email",
            "invalid-email",
            "contact.email must be an e-mail address",
        );
    }
    e.text("contact.phone", &p.contact.phone, 50, false);
    list(&mut e, "media", &p.media);
    list(&mut e, "news", &p.news);
    for (i, s) in p.media.iter().chain(&p.news).enumerate() {
        if s.is_empty() || s.len() > 100 || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            let field = if i < p.media.len() {
                format!("media[{i}]")
            } else {
                format!("news[{}]", i - p.media.len())
            };
            e.add(
                field,
                "invalid-id",
                "an id is 1–100 characters without spaces",
            );
        }
    }
    e.done()
}

fn dates(e: &mut Errors, p: &ProjectInput, today: Date) {
    let mut parsed = |field: &str, v: &Option<String>| -> Option<Date> {
        let s = v.as_deref()?;
        let d = parse_date(s);
        if d.is_none() {
            e.add(
                field,
                "invalid-date",
                format!("{field} {s:?} must be a date as YYYY-MM-DD"),
            );
        }
        d
    };
    let start = parsed("start_date", &p.start_date);
    let end = parsed("end_date", &p.end_date);
    if let (Some(s), Some(t)) = (start, end) {
        if t < s {
            e.add(
                "end_date",
                "end-before-start",
                "end_date must not be before start_date",
            );
        }
    }
    // IATI needs a start (planned or actual) for every activity.
    if p.start_date.is_none() {
        e.add(
            "start_date",
            "required",
            "start_date is required (planned while the project is planned)",
        );
    }
    if p.status != Status::Planned && start.is_some_and(|s| s > today) {
        e.add(
            "start_date",
            "start-in-future",
            "an active or completed project cannot start after today",
        );
    }
    if p.status == Status::Completed {
        if p.end_date.is_none() {
            e.add(
                "end_date",
                "required",
                "a completed project needs its end_date",
            );
        }
        if end.is_some_and(|t| t > today) {
            e.add(
                "end_date",
                "end-in-future",
                "a completed project cannot end after today",
            );
        }
    }
}

/// Checks a field of the vocabulary: DAC purpose codes are five digits (10000–99999), SDGs 1–17.
pub fn check_field(f: &FieldInput) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    if let Err(x) = validate::slug("slug", &f.slug) {
        e.add("slug", x.code, x.message);
    }
    localized(&mut e, "names", &f.names, MAX_TITLE, true);
    list(&mut e, "dac", &f.dac);
    for (i, c) in f.dac.iter().enumerate() {
        if !(10000..=99999).contains(c) {
            e.add(
                format!("dac[{i}]"),
                "invalid-dac",
                format!("dac[{i}] {c} is not a 5-digit DAC CRS purpose code"),
            );
        }
    }
    list(&mut e, "sdg", &f.sdg);
    for (i, g) in f.sdg.iter().enumerate() {
        if !(1..=17).contains(g) {
            e.add(
                format!("sdg[{i}]"),
                "invalid-sdg",
                format!("sdg[{i}] {g} is not a goal number 1–17"),
            );
        }
    }
    e.done()
}

/// Checks an expression of interest.
pub fn check_interest(i: &InterestInput) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::default();
    e.text("organisation", &i.organisation, MAX_TITLE, true);
    if !is_country(&i.country) {
        e.add("country", "invalid-country", "choose a country or region");
    }
    e.text("name", &i.name, MAX_TITLE, true);
    if !is_email(&i.email) {
        e.add("email", "invalid-email", "email must be an e-mail address");
    }
    e.text("message", &i.message, MAX_MESSAGE, true);
    if !i.consent {
        e.add(
            "consent",
            "consent-required",
            "consent is required to send the expression of interest",
        );
    }
    e.done()
}
