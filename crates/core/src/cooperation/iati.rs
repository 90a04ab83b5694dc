//! IATI 2.03 activity XML: the catalogue out (one `iati-activity` per project, elements in the schema's order)
//! and back in. The mapping is in docs/cooperation.md; in short:
//!
//! | project | IATI 2.03 |
//! |---|---|
//! | id | `iati-identifier` = reporting org's ref + `-` + id |
//! | slug | `other-identifier` type `A1` (reporting organisation's own identifier) |
//! | title, summary, description | `title`, `description` type 1 (general) and 4 (other), a `narrative xml:lang` each |
//! | organisations | `participating-org` with role 1–4 (and ref, type when known) |
//! | status | `activity-status` 1 (pipeline/identification), 2 (implementation), 4 (closed) |
//! | dates | `activity-date` types 1/2 (planned/actual start), 3/4 (planned/actual end) |
//! | contact | `contact-info` type 1: `person-name`, `telephone`, `email` |
//! | countries | `recipient-country` (percentages split evenly, summing to 100) |
//! | district, partner cities | `location` with ref `district:<slug>` / `partner:<slug>` |
//! | fields | `sector` vocabulary 1 (DAC 5-digit purpose codes of the fields), `tag` vocabulary 2 (SDG goals), and `tag` vocabulary 99 `urn:twincast:field` (the slugs, for import) |
//! | themes | `tag` vocabulary 99 `urn:twincast:theme` |
//!
//! Import refuses a DTD (so no entity declarations can exist), any entity but XML's five, input over
//! [`MAX_IMPORT_BYTES`], documents deeper than [`MAX_DEPTH`] and more than [`MAX_ACTIVITIES`] activities.

use super::model::{
    Contact, FieldInput, Localized, OrgRole, Organisation, Project, ProjectInput, Status, Theme,
};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};
use std::collections::BTreeMap;

/// Largest document [`import`] reads.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// Deepest element nesting [`import`] accepts.
pub const MAX_DEPTH: usize = 16;
/// Most activities in one import.
pub const MAX_ACTIVITIES: usize = 1000;

/// Vocabulary URI of the field slugs (tag vocabulary 99).
pub const FIELD_URI: &str = "urn:twincast:field";
/// Vocabulary URI of the themes (tag vocabulary 99).
pub const THEME_URI: &str = "urn:twincast:theme";

/// The organisation publishing the file (`reporting-org`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    /// Its IATI organisation identifier (prefix of every `iati-identifier`).
    pub iati_ref: String,
    /// Its IATI OrganisationType code (10: government).
    pub org_type: u16,
    /// Its name.
    pub name: Localized,
}

/// Why an import was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IatiError {
    /// Over [`MAX_IMPORT_BYTES`], [`MAX_DEPTH`] or [`MAX_ACTIVITIES`].
    #[error("the document is too large: {0}")]
    TooLarge(String),
    /// A document type declaration (and with it any entity declaration) is present.
    #[error(
        "the document has a DTD (<!DOCTYPE …>); DTDs and entity declarations are not accepted"
    )]
    Dtd,
    /// An entity other than XML's five predefined ones.
    #[error("the document uses the undefined entity &{0};")]
    UndefinedEntity(String),
    /// Not well-formed.
    #[error("the document is not well-formed XML: {0}")]
    Xml(String),
    /// The root is not `iati-activities` of version 2.0x.
    #[error("{0}")]
    NotIati(String),
    /// An activity cannot be read as a project.
    #[error("activity {index}: {message}")]
    Activity {
        /// Zero-based position in the document.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

// ---- export ----

#[derive(Debug, Default)]
struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<El>,
}

impl El {
    fn new(name: &'static str) -> El {
        El {
            name,
            ..El::default()
        }
    }
    fn attr(mut self, k: &'static str, v: impl Into<String>) -> El {
        self.attrs.push((k, v.into()));
        self
    }
    fn text(mut self, t: impl Into<String>) -> El {
        self.text = Some(t.into());
        self
    }
    fn child(mut self, c: El) -> El {
        self.children.push(c);
        self
    }
    fn narratives(mut self, l: &Localized) -> El {
        for (lang, s) in l.pairs() {
            if !s.is_empty() {
                self.children
                    .push(El::new("narrative").attr("xml:lang", lang).text(s));
            }
        }
        self
    }
    fn write(&self, w: &mut Writer<Vec<u8>>) {
        let mut start = BytesStart::new(self.name);
        for (k, v) in &self.attrs {
            start.push_attribute((*k, v.as_str()));
        }
        if self.text.is_none() && self.children.is_empty() {
            let _ = w.write_event(Event::Empty(start));
            return;
        }
        let _ = w.write_event(Event::Start(start));
        if let Some(t) = &self.text {
            let _ = w.write_event(Event::Text(BytesText::new(t)));
        }
        for c in &self.children {
            c.write(w);
        }
        let _ = w.write_event(Event::End(BytesEnd::new(self.name)));
    }
}

/// Splits 100 into `n` whole percentages that sum to 100 (the first ones take the remainder).
pub fn split_percentages(n: usize) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    let n32 = n as u32;
    (0..n32)
        .map(|i| 100 / n32 + u32::from(i < 100 % n32))
        .collect()
}

fn iso_datetime(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn activity(
    p: &Project,
    fields: &BTreeMap<&str, &FieldInput>,
    partners: &BTreeMap<String, Localized>,
    r: &Reporter,
) -> El {
    let d = &p.data;
    let mut a = El::new("iati-activity")
        .attr("last-updated-datetime", iso_datetime(p.updated_at))
        .attr("xml:lang", "en")
        .attr("hierarchy", "1")
        .child(El::new("iati-identifier").text(format!("{}-{}", r.iati_ref, p.id)))
        .child(
            El::new("reporting-org")
                .attr("ref", &r.iati_ref)
                .attr("type", r.org_type.to_string())
                .narratives(&r.name),
        )
        .child(El::new("title").narratives(&d.title))
        .child(
            El::new("description")
                .attr("type", "1")
                .narratives(&d.summary),
        );
    if d.description.pairs().iter().any(|(_, s)| !s.is_empty()) {
        a = a.child(
            El::new("description")
                .attr("type", "4")
                .narratives(&d.description),
        );
    }
    for o in &d.organisations {
        let mut e = El::new("participating-org");
        if let Some(r) = &o.iati_ref {
            e = e.attr("ref", r);
        }
        if let Some(t) = o.org_type {
            e = e.attr("type", t.to_string());
        }
        e = e.attr("role", o.role.code().to_string());
        a = a.child(e.child(El::new("narrative").text(&o.name)));
    }
    a = a.child(
        El::new("other-identifier")
            .attr("ref", &d.slug)
            .attr("type", "A1"),
    );
    a = a.child(El::new("activity-status").attr("code", status_code(d.status)));
    let (start_type, end_type) = match d.status {
        Status::Planned => ("1", "3"),
        Status::Active => ("2", "3"),
        Status::Completed => ("2", "4"),
    };
    if let Some(s) = &d.start_date {
        a = a.child(
            El::new("activity-date")
                .attr("iso-date", s)
                .attr("type", start_type),
        );
    }
    if let Some(s) = &d.end_date {
        a = a.child(
            El::new("activity-date")
                .attr("iso-date", s)
                .attr("type", end_type),
        );
    }
    let mut contact = El::new("contact-info").attr("type", "1");
    contact =
        contact.child(El::new("person-name").child(El::new("narrative").text(&d.contact.name)));
    if !d.contact.phone.is_empty() {
        contact = contact.child(El::new("telephone").text(&d.contact.phone));
    }
    a = a.child(contact.child(El::new("email").text(&d.contact.email)));
    for (c, pct) in d.countries.iter().zip(split_percentages(d.countries.len())) {
        a = a.child(
            El::new("recipient-country")
                .attr("code", c)
                .attr("percentage", pct.to_string()),
        );
    }
    a = a.child(
        El::new("location")
            .attr("ref", format!("district:{}", d.district))
            .child(El::new("name").narratives(&d.district_name)),
    );
    for slug in &d.partners {
        let name = partners.get(slug).cloned().unwrap_or_else(|| Localized {
            en: slug.clone(),
            ..Localized::default()
        });
        a = a.child(
            El::new("location")
                .attr("ref", format!("partner:{slug}"))
                .child(El::new("name").narratives(&name)),
        );
    }
    let used: Vec<&FieldInput> = d
        .fields
        .iter()
        .filter_map(|f| fields.get(f.as_str()).copied())
        .collect();
    let mut dac: Vec<u32> = used.iter().flat_map(|f| f.dac.iter().copied()).collect();
    dac.sort_unstable();
    dac.dedup();
    for (c, pct) in dac.iter().zip(split_percentages(dac.len())) {
        a = a.child(
            El::new("sector")
                .attr("vocabulary", "1")
                .attr("code", c.to_string())
                .attr("percentage", pct.to_string()),
        );
    }
    let mut sdg: Vec<u8> = used.iter().flat_map(|f| f.sdg.iter().copied()).collect();
    sdg.sort_unstable();
    sdg.dedup();
    for g in sdg {
        a = a.child(
            El::new("tag")
                .attr("vocabulary", "2")
                .attr("code", g.to_string())
                .child(
                    El::new("narrative")
                        .attr("xml:lang", "en")
                        .text(format!("Goal {g}")),
                ),
        );
    }
    for f in &used {
        a = a.child(
            El::new("tag")
                .attr("vocabulary", "99")
                .attr("vocabulary-uri", FIELD_URI)
                .attr("code", &f.slug)
                .narratives(&f.names),
        );
    }
    for t in &d.themes {
        a = a.child(
            El::new("tag")
                .attr("vocabulary", "99")
                .attr("vocabulary-uri", THEME_URI)
                .attr("code", t.as_str())
                .child(El::new("narrative").attr("xml:lang", "en").text(t.as_str())),
        );
    }
    a
}

/// The IATI ActivityStatus code of a status.
pub fn status_code(s: Status) -> &'static str {
    match s {
        Status::Planned => "1",
        Status::Active => "2",
        Status::Completed => "4",
    }
}

/// The catalogue as an IATI 2.03 `iati-activities` document. `fields` is the vocabulary (for sectors and SDG
/// tags), `partners` the partner cities' names by slug, `generated_ms` the document's time.
pub fn export(
    projects: &[Project],
    fields: &[FieldInput],
    partners: &BTreeMap<String, Localized>,
    reporter: &Reporter,
    generated_ms: i64,
) -> String {
    let by_slug: BTreeMap<&str, &FieldInput> =
        fields.iter().map(|f| (f.slug.as_str(), f)).collect();
    let mut root = El::new("iati-activities")
        .attr("version", "2.03")
        .attr("generated-datetime", iso_datetime(generated_ms));
    for p in projects {
        root = root.child(activity(p, &by_slug, partners, reporter));
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    root.write(&mut w);
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

// ---- import ----

#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn first(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    /// Narratives by language (`default` where a narrative has no xml:lang).
    fn localized(&self, default: &str) -> Localized {
        let mut l = Localized::default();
        for n in self.all("narrative") {
            let lang = n.attr("xml:lang").unwrap_or(default);
            l.set(lang, n.text.trim().to_string());
        }
        l
    }
    fn first_narrative(&self) -> String {
        self.first("narrative")
            .map(|n| n.text.trim().to_string())
            .unwrap_or_default()
    }
}

fn xml_err(e: impl std::fmt::Display) -> IatiError {
    IatiError::Xml(e.to_string())
}

fn start_node(e: &BytesStart) -> Result<Node, IatiError> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(xml_err)?;
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| match e {
                quick_xml::Error::Escape(x) => IatiError::UndefinedEntity(x.to_string()),
                other => xml_err(other),
            })?;
        attrs.push((a.key.0.to_string(), value.into_owned()));
    }
    Ok(Node {
        name: e.name().0.to_string(),
        attrs,
        ..Node::default()
    })
}

fn parse_tree(xml: &[u8]) -> Result<Node, IatiError> {
    if xml.len() > MAX_IMPORT_BYTES {
        return Err(IatiError::TooLarge(format!(
            "more than {MAX_IMPORT_BYTES} bytes"
        )));
    }
    let text =
        std::str::from_utf8(xml).map_err(|_| IatiError::Xml("the document is not UTF-8".into()))?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        match reader.read_event().map_err(xml_err)? {
            Event::DocType(_) => return Err(IatiError::Dtd),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(IatiError::Xml("content after the root element".into()))
            }
            Event::Start(e) => {
                stack.push(start_node(&e)?);
                if stack.len() > MAX_DEPTH {
                    return Err(IatiError::TooLarge(format!(
                        "nested deeper than {MAX_DEPTH}"
                    )));
                }
            }
            Event::Empty(e) => {
                let n = start_node(&e)?;
                match stack.last_mut() {
                    Some(top) => top.children.push(n),
                    None => root = Some(n),
                }
            }
            Event::End(_) => {
                if let Some(done) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => root = Some(done),
                    }
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name = r.to_string();
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(xml_err)?
                } else {
                    match name.as_str() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    }
                };
                let Some(ch) = ch else {
                    return Err(IatiError::UndefinedEntity(name));
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(IatiError::Xml("unexpected end of the document".into()));
    }
    root.ok_or_else(|| IatiError::Xml("no root element".into()))
}

fn from_activity(a: &Node, index: usize) -> Result<ProjectInput, IatiError> {
    let bad = |message: String| IatiError::Activity { index, message };
    let lang = a.attr("xml:lang").unwrap_or("en");
    let identifier = a
        .first("iati-identifier")
        .map(|n| n.text.trim().to_string())
        .unwrap_or_default();
    if identifier.is_empty() {
        return Err(bad("iati-identifier is missing".into()));
    }
    let slug = a
        .all("other-identifier")
        .find(|o| o.attr("type") == Some("A1"))
        .and_then(|o| o.attr("ref"))
        .map(str::to_string)
        .unwrap_or_else(|| slugify(&identifier));
    let title = a
        .first("title")
        .map(|t| t.localized(lang))
        .unwrap_or_default();
    let mut summary = Localized::default();
    let mut description = Localized::default();
    for d in a.all("description") {
        match d.attr("type").unwrap_or("1") {
            "1" => summary = d.localized(lang),
            "4" => description = d.localized(lang),
            _ => {}
        }
    }
    let status = match a.first("activity-status").and_then(|s| s.attr("code")) {
        Some("1") => Status::Planned,
        Some("2") => Status::Active,
        Some("3") | Some("4") => Status::Completed,
        Some(other) => {
            return Err(bad(format!(
                "activity-status {other} (cancelled or suspended) has no place in the catalogue"
            )))
        }
        None => return Err(bad("activity-status is missing".into())),
    };
    let (mut start_date, mut end_date) = (None, None);
    for d in a.all("activity-date") {
        let date = d.attr("iso-date").map(str::to_string);
        match d.attr("type") {
            Some("1") if start_date.is_none() => start_date = date,
            Some("2") => start_date = date,
            Some("3") if end_date.is_none() => end_date = date,
            Some("4") => end_date = date,
            _ => {}
        }
    }
    let mut organisations = Vec::new();
    for o in a.all("participating-org") {
        let role = o
            .attr("role")
            .and_then(OrgRole::from_code)
            .ok_or_else(|| bad("participating-org needs a role 1–4".into()))?;
        let name = o.first_narrative();
        organisations.push(Organisation {
            name: if name.is_empty() {
                o.attr("ref").unwrap_or_default().to_string()
            } else {
                name
            },
            iati_ref: o.attr("ref").map(str::to_string),
            org_type: o.attr("type").and_then(|t| t.parse().ok()),
            role,
        });
    }
    let mut contact = Contact::default();
    if let Some(c) = a.first("contact-info") {
        contact.name = c
            .first("person-name")
            .map(Node::first_narrative)
            .unwrap_or_default();
        if contact.name.is_empty() {
            contact.name = c
                .first("organisation")
                .map(Node::first_narrative)
                .unwrap_or_default();
        }
        contact.phone = c
            .first("telephone")
            .map(|t| t.text.trim().to_string())
            .unwrap_or_default();
        contact.email = c
            .first("email")
            .map(|t| t.text.trim().to_string())
            .unwrap_or_default();
    }
    let countries = a
        .all("recipient-country")
        .filter_map(|c| c.attr("code"))
        .map(str::to_string)
        .collect();
    let (mut district, mut district_name, mut partners) =
        (String::new(), Localized::default(), Vec::new());
    for l in a.all("location") {
        let r = l.attr("ref").unwrap_or_default();
        if let Some(s) = r.strip_prefix("district:") {
            district = s.to_string();
            district_name = l
                .first("name")
                .map(|n| n.localized(lang))
                .unwrap_or_default();
        } else if let Some(s) = r.strip_prefix("partner:") {
            partners.push(s.to_string());
        }
    }
    if district.is_empty() {
        return Err(bad(
            "no location with ref district:<slug> names the host city's district".into(),
        ));
    }
    let (mut fields, mut themes) = (Vec::new(), Vec::new());
    for t in a.all("tag").filter(|t| t.attr("vocabulary") == Some("99")) {
        let code = t.attr("code").unwrap_or_default();
        match t.attr("vocabulary-uri") {
            Some(FIELD_URI) => fields.push(code.to_string()),
            Some(THEME_URI) => themes
                .push(Theme::parse(code).ok_or_else(|| bad(format!("unknown theme {code:?}")))?),
            _ => {}
        }
    }
    Ok(ProjectInput {
        slug,
        title,
        summary,
        description,
        district,
        district_name,
        partners,
        countries,
        fields,
        themes,
        status,
        start_date,
        end_date,
        organisations,
        contact,
        media: Vec::new(),
        news: Vec::new(),
    })
}

fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-')
        .chars()
        .take(64)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Reads an IATI 2.0x `iati-activities` document into project inputs (not yet checked against the catalogue's
/// rules: the caller runs [`super::check_project`] on each).
pub fn import(xml: &[u8]) -> Result<Vec<ProjectInput>, IatiError> {
    let root = parse_tree(xml)?;
    if root.name != "iati-activities" {
        return Err(IatiError::NotIati(format!(
            "the root element is {:?}, not iati-activities",
            root.name
        )));
    }
    match root.attr("version") {
        Some(v) if v.starts_with("2.0") => {}
        other => {
            return Err(IatiError::NotIati(format!(
                "version {:?} is not an IATI 2.0x activity file",
                other.unwrap_or("")
            )))
        }
    }
    let acts: Vec<&Node> = root.all("iati-activity").collect();
    if acts.len() > MAX_ACTIVITIES {
        return Err(IatiError::TooLarge(format!(
            "more than {MAX_ACTIVITIES} activities"
        )));
    }
    acts.iter()
        .enumerate()
        .map(|(i, a)| from_activity(a, i))
        .collect()
}
