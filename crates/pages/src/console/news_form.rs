//! The story editor's form: what it shows and what was typed, read from the posted pairs (check boxes repeat
//! their name), turned into the desk's input, and the app's refusals as messages next to their fields.
//! Times (embargo, expiry, a schedule) are entered and shown as local date-times in the site's time zone.

use crate::i18n::Tr;
use crate::view::PageError;
use std::collections::BTreeMap;
use twincast_app::AppError;
use twincast_core::news::LANGS;
use twincast_store::{NewsArticle, NewsArticleInput, NewsSource, NewsVersion};

/// The words of one language as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct VersionForm {
    pub headline: String,
    pub short_headline: String,
    pub lead: String,
    pub body: String,
    pub dateline_place: String,
    pub contact: String,
}

impl VersionForm {
    fn is_blank(&self) -> bool {
        [
            &self.headline,
            &self.short_headline,
            &self.lead,
            &self.body,
            &self.dateline_place,
            &self.contact,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// The whole form as typed.
#[derive(Debug, Clone, Default)]
pub(super) struct StoryForm {
    pub csrf: String,
    pub version: i64,
    /// The button pressed: `save` or `preview`.
    pub intent: String,
    /// ru, en, zh (always all three, blank when absent).
    pub versions: Vec<(&'static str, VersionForm)>,
    pub rubric: String,
    pub tags: String,
    pub dateline_date: String,
    pub source_kind: String,
    pub source_name: String,
    pub source_id: String,
    pub source_url: String,
    pub media_ids: Vec<String>,
    pub partners: Vec<String>,
    pub projects: Vec<String>,
    /// Local date-time in the site's zone (`YYYY-MM-DDTHH:MM`) or empty.
    pub embargo_until: String,
    pub expires_at: String,
}

/// An instant as the value of a `datetime-local` input in `tz`.
pub(super) fn local_input(ms: Option<i64>, tz: &str) -> String {
    let (Some(ms), Ok(zone)) = (ms, jiff::tz::TimeZone::get(tz)) else {
        return String::new();
    };
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| zone.to_datetime(t).strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// An instant as text in the site's zone, e.g. `2026-12-01 10:00 (Asia/Shanghai)`.
pub(super) fn local_text(ms: i64, tz: &str) -> String {
    let Ok(zone) = jiff::tz::TimeZone::get(tz) else {
        return String::new();
    };
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| format!("{} ({tz})", zone.to_datetime(t).strftime("%Y-%m-%d %H:%M")))
        .unwrap_or_default()
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', '，', ';'])
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

impl StoryForm {
    /// An empty story: own source, first rubric, all three languages blank.
    pub fn empty() -> StoryForm {
        StoryForm {
            versions: LANGS.iter().map(|l| (*l, VersionForm::default())).collect(),
            rubric: "city".into(),
            source_kind: "own".into(),
            ..Default::default()
        }
    }

    /// The form of a stored story.
    pub fn of(a: &NewsArticle, tz: &str) -> StoryForm {
        let versions = LANGS
            .iter()
            .map(|l| {
                let v = a.versions.get(*l).cloned().unwrap_or_default();
                (
                    *l,
                    VersionForm {
                        headline: v.headline,
                        short_headline: v.short_headline,
                        lead: v.lead,
                        body: v.body,
                        dateline_place: v.dateline_place,
                        contact: v.contact,
                    },
                )
            })
            .collect();
        StoryForm {
            csrf: String::new(),
            version: a.version,
            intent: String::new(),
            versions,
            rubric: a.rubric.clone(),
            tags: a.tags.join(", "),
            dateline_date: a.dateline_date.clone(),
            source_kind: a.source.kind.clone(),
            source_name: a.source.name.clone(),
            source_id: a.source.original_id.clone().unwrap_or_default(),
            source_url: a.source.url.clone(),
            media_ids: a.media_ids.clone(),
            partners: a.partners.clone(),
            projects: a.projects.clone(),
            embargo_until: local_input(a.embargo_until, tz),
            expires_at: local_input(a.expires_at, tz),
        }
    }

    /// The form from the posted pairs.
    pub fn parse(pairs: Vec<(String, String)>) -> StoryForm {
        let mut f = StoryForm::empty();
        f.rubric.clear();
        f.source_kind.clear();
        for (k, v) in pairs {
            if let Some(rest) = k.strip_prefix("versions.") {
                let Some((lang, name)) = rest.split_once('.') else {
                    continue;
                };
                let Some((_, vf)) = f.versions.iter_mut().find(|(l, _)| *l == lang) else {
                    continue;
                };
                match name {
                    "headline" => vf.headline = v,
                    "short_headline" => vf.short_headline = v,
                    "lead" => vf.lead = v,
                    "body" => vf.body = v,
                    "dateline_place" => vf.dateline_place = v,
                    "contact" => vf.contact = v,
                    _ => {}
                }
                continue;
            }
            match k.as_str() {
                "csrf" => f.csrf = v,
                "version" => f.version = v.trim().parse().unwrap_or(0),
                "do" => f.intent = v,
                "rubric" => f.rubric = v,
                "tags" => f.tags = v,
                "dateline_date" => f.dateline_date = v,
                "source.kind" => f.source_kind = v,
                "source.name" => f.source_name = v,
                "source.original_id" => f.source_id = v,
                "source.url" => f.source_url = v,
                "media_ids" => f.media_ids.push(v),
                "partners" => f.partners.push(v),
                "projects" => f.projects.push(v),
                "embargo_until" => f.embargo_until = v,
                "expires_at" => f.expires_at = v,
                _ => {}
            }
        }
        f
    }

    /// The text of one field of language `lang` (for the template).
    pub fn v(&self, lang: &str) -> VersionForm {
        self.versions
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether `value` is among the ticked values of the list `name`.
    pub fn has(&self, name: &str, value: &str) -> bool {
        let list = match name {
            "media_ids" => &self.media_ids,
            "partners" => &self.partners,
            _ => &self.projects,
        };
        list.iter().any(|x| x == value)
    }

    /// The desk's input, or the errors of the fields the form itself cannot read (times).
    pub fn input(&self, tr: Tr, tz: &str, errors: &mut Errors) -> Option<NewsArticleInput> {
        let mut time = |name: &'static str, s: &str| -> Option<Option<i64>> {
            let s = s.trim();
            if s.is_empty() {
                return Some(None);
            }
            match twincast_core::news::local_instant(s, tz) {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    errors.add(name, tr.get("desk-err-local-time"));
                    None
                }
            }
        };
        let embargo = time("embargo_until", &self.embargo_until);
        let expires = time("expires_at", &self.expires_at);
        let versions: BTreeMap<String, NewsVersion> = self
            .versions
            .iter()
            .filter(|(_, v)| !v.is_blank())
            .map(|(l, v)| {
                (
                    l.to_string(),
                    NewsVersion {
                        headline: v.headline.trim().to_string(),
                        short_headline: v.short_headline.trim().to_string(),
                        lead: v.lead.trim().to_string(),
                        body: v.body.clone(),
                        dateline_place: v.dateline_place.trim().to_string(),
                        contact: v.contact.trim().to_string(),
                    },
                )
            })
            .collect();
        let kind = self.source_kind.trim().to_string();
        let wire = kind == "wire";
        Some(NewsArticleInput {
            rubric: self.rubric.trim().to_string(),
            tags: split_list(&self.tags),
            dateline_date: self.dateline_date.trim().to_string(),
            source: NewsSource {
                kind,
                name: self.source_name.trim().to_string(),
                original_id: Some(self.source_id.trim().to_string())
                    .filter(|s| wire || !s.is_empty()),
                url: self.source_url.trim().to_string(),
            },
            media_ids: self.media_ids.clone(),
            partners: self.partners.clone(),
            projects: self.projects.clone(),
            embargo_until: embargo?,
            expires_at: expires?,
            versions,
        })
    }
}

/// Errors by field path (`versions.en.headline`, `tags`, `source.url`, `at`…).
#[derive(Debug, Clone, Default)]
pub(super) struct Errors(pub Vec<(String, String)>);

impl Errors {
    /// Adds the error of `field`.
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

/// The form field an error's path belongs to: list items to their list (`tags[2]` → `tags`), a missing version
/// to the first headline.
fn form_field(path: &str) -> String {
    let base = path.split('[').next().unwrap_or(path);
    match base {
        "versions" => "versions.ru.headline".into(),
        "source.kind" => "source.kind".into(),
        b if b.starts_with("versions.") && b.matches('.').count() == 1 => format!("{b}.headline"),
        b => b.to_string(),
    }
}

/// The reader's text for a refused field: the desk's own message for its code, else the shared catalogue's.
pub(super) fn message(code: &str, e: &PageError, tr: Tr) -> String {
    let id = format!("desk-err-{code}");
    if crate::i18n::Catalogue::get().has(tr.lang, &id) {
        tr.get(&id)
    } else {
        e.message(tr)
    }
}

/// A refused input as an error next to its field (`Ok`), or the error page for anything else.
pub(super) fn refusal(errors: &mut Errors, e: AppError, tr: Tr) -> Result<(), PageError> {
    let code = e.code();
    let (inner, members) = e.split_members();
    let on_field = matches!(inner, AppError::Invalid { .. } | AppError::Conflict { .. })
        && members.contains_key("field");
    let page_error = PageError::from_app(inner);
    if on_field {
        let path = members["field"].as_str().unwrap_or("").to_string();
        errors.add(&form_field(&path), message(code, &page_error, tr));
        Ok(())
    } else {
        Err(page_error)
    }
}
