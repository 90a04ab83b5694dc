//! The field rules of a story: languages, rubrics, lengths, tags, sources. Each failure names its field (as a
//! JSON path such as `versions.en.short_headline`) so a form can show it beside the field.

use crate::validate::Invalid;

/// The languages a story is written in (a version per language; at least one, each optional).
pub const LANGS: [&str; 3] = ["ru", "en", "zh"];

/// The longest short headline, in characters (tickers on screens cut nothing shorter).
pub const SHORT_HEADLINE_MAX: usize = 80;
/// The longest headline, in characters.
pub const HEADLINE_MAX: usize = 200;
/// The longest lead, in characters.
pub const LEAD_MAX: usize = 1000;
/// The longest body, in characters (Markdown).
pub const BODY_MAX: usize = 100_000;
/// The most tags a story carries.
pub const TAGS_MAX: usize = 20;

/// A rubric: a section of the news site, with its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rubric {
    /// URL and wire name.
    pub slug: &'static str,
    /// Name in Russian.
    pub ru: &'static str,
    /// Name in English.
    pub en: &'static str,
    /// Name in Chinese.
    pub zh: &'static str,
}

impl Rubric {
    /// The name in `lang` (English for any other).
    pub fn name(&self, lang: &str) -> &'static str {
        match lang {
            "ru" => self.ru,
            "zh" => self.zh,
            _ => self.en,
        }
    }

    /// The rubric `slug`.
    pub fn by_slug(slug: &str) -> Option<&'static Rubric> {
        RUBRICS.iter().find(|r| r.slug == slug)
    }
}

/// The desk's rubrics.
pub const RUBRICS: [Rubric; 8] = [
    Rubric {
        slug: "world",
        ru: "В мире",
        en: "World",
        zh: "国际",
    },
    Rubric {
        slug: "city",
        ru: "Город",
        en: "City",
        zh: "本市",
    },
    Rubric {
        slug: "partners",
        ru: "Города-партнёры",
        en: "Partner cities",
        zh: "友好城市",
    },
    Rubric {
        slug: "economy",
        ru: "Экономика",
        en: "Economy",
        zh: "经济",
    },
    Rubric {
        slug: "culture",
        ru: "Культура",
        en: "Culture",
        zh: "文化",
    },
    Rubric {
        slug: "education",
        ru: "Образование",
        en: "Education",
        zh: "教育",
    },
    Rubric {
        slug: "science",
        ru: "Наука и технологии",
        en: "Science and technology",
        zh: "科技",
    },
    Rubric {
        slug: "announcements",
        ru: "Анонсы",
        en: "Announcements",
        zh: "公告",
    },
];

/// Where a story comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// Written by the desk.
    Own,
    /// Taken from a news agency or another wire (with its original id and URL).
    Wire,
}

impl SourceKind {
    /// `own` or `wire`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Own => "own",
            SourceKind::Wire => "wire",
        }
    }
    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<SourceKind> {
        match s {
            "own" => Some(SourceKind::Own),
            "wire" => Some(SourceKind::Wire),
            _ => None,
        }
    }
}

fn bad(code: &'static str, message: String) -> Invalid {
    Invalid { code, message }
}

/// A language of a version: one of [`LANGS`].
pub fn lang(field: &str, l: &str) -> Result<(), Invalid> {
    if LANGS.contains(&l) {
        Ok(())
    } else {
        Err(bad(
            "invalid-language",
            format!("{field}: {l:?} is not a language of the desk (ru, en, zh)"),
        ))
    }
}

/// A rubric: one of [`RUBRICS`].
pub fn rubric(field: &str, r: &str) -> Result<(), Invalid> {
    if Rubric::by_slug(r).is_some() {
        Ok(())
    } else {
        let all: Vec<&str> = RUBRICS.iter().map(|r| r.slug).collect();
        Err(bad(
            "invalid-rubric",
            format!(
                "{field}: unknown rubric {r:?}; expected one of {}",
                all.join(", ")
            ),
        ))
    }
}

/// A tag: 1-40 lowercase letters (any script), digits and single hyphens.
pub fn tag(field: &str, t: &str) -> Result<(), Invalid> {
    let ok = !t.is_empty()
        && t.chars().count() <= 40
        && !t.starts_with('-')
        && !t.ends_with('-')
        && !t.contains("--")
        && t.chars()
            .all(|c| c == '-' || c.is_numeric() || (c.is_alphabetic() && !c.is_uppercase()));
    if ok {
        Ok(())
    } else {
        Err(bad(
            "invalid-tag",
            format!(
                "{field}: {t:?} is not a tag (1-40 lowercase letters or digits and single hyphens)"
            ),
        ))
    }
}

/// A date of a dateline: `YYYY-MM-DD`, a real calendar day.
pub fn date(field: &str, d: &str) -> Result<(), Invalid> {
    d.parse::<jiff::civil::Date>().map(|_| ()).map_err(|_| {
        bad(
            "invalid-date",
            format!("{field}: {d:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

/// An absolute `http` or `https` URL of at most 2000 characters, without white space.
pub fn url(field: &str, u: &str) -> Result<(), Invalid> {
    let scheme_ok = u.starts_with("https://") || u.starts_with("http://");
    let host = u.split("://").nth(1).unwrap_or("");
    if scheme_ok
        && !host.is_empty()
        && !host.starts_with('/')
        && u.len() <= 2000
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        Ok(())
    } else {
        Err(bad(
            "invalid-url",
            format!("{field}: {u:?} is not an http(s) URL"),
        ))
    }
}

/// Free text of at most `max` characters without control characters (newlines allowed when `multiline`),
/// required unless `optional`.
pub fn text(
    field: &str,
    s: &str,
    max: usize,
    required: bool,
    multiline: bool,
) -> Result<(), Invalid> {
    if required && s.trim().is_empty() {
        return Err(bad("invalid-text", format!("{field} must not be empty")));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
    {
        return Err(bad(
            "invalid-text",
            format!("{field} contains control characters"),
        ));
    }
    if s.chars().count() > max {
        return Err(bad(
            "invalid-text",
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// The short headline a ticker shows: required, one line, at most [`SHORT_HEADLINE_MAX`] characters.
pub fn short_headline(field: &str, s: &str) -> Result<(), Invalid> {
    if s.chars().count() > SHORT_HEADLINE_MAX {
        return Err(bad(
            "short-headline-too-long",
            format!(
                "{field} is longer than {SHORT_HEADLINE_MAX} characters (tickers show it whole)"
            ),
        ));
    }
    text(field, s, SHORT_HEADLINE_MAX, true, false)
}
