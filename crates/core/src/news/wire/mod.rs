//! The wire import's pure part: a fetched feed (bytes and their `Content-Type`) read into items, and each item
//! normalised into the fields of a desk story — or refused with a stable code.
//!
//! - [`decode`]: the encoding (declared or UTF-8; invalid bytes refused), and the XML checks made before any
//!   parser sees the document (a `<!DOCTYPE` is refused before anything is expanded; not well-formed is refused).
//! - RSS 0.9x/1.0/2.0, Atom and JSON Feed are read by feed-rs (inside `catch_unwind`: it has panicked on some
//!   input, see DEPENDENCIES.md); IPTC ninjs by serde (module `ninjs`).
//! - [`normalise`]: an item becomes a [`WireItem`] (headline, short headline, lead, body, language, tags, dateline
//!   date, original id and URL) that passes the desk's field rules, or a [`Skipped`] with its code.

pub mod decode;
mod ninjs;
pub mod text;

#[cfg(test)]
mod tests;

use super::rules::{self, BODY_MAX, HEADLINE_MAX, LEAD_MAX, SHORT_HEADLINE_MAX, TAGS_MAX};
use crate::Millis;

/// The largest response read from a source, in bytes (a larger one is `too-large`).
pub const MAX_FEED_BYTES: usize = 4 * 1024 * 1024;
/// The most text one item may carry (headline, summary and body, in characters): a larger one is
/// `item-too-large` and skipped.
pub const MAX_ITEM_CHARS: usize = BODY_MAX;
/// The most items read from one poll (the rest are left for later polls).
pub const MAX_ITEMS: usize = 200;
/// The longest original id kept.
pub const MAX_ID_CHARS: usize = 500;

/// Why a feed was refused: a stable code (docs/news.md lists them) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct WireError {
    /// Stable code.
    pub code: &'static str,
    /// What happened.
    pub message: String,
}

impl WireError {
    /// An error with `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> WireError {
        WireError {
            code,
            message: message.into(),
        }
    }
}

/// The format a source is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Whatever the content is (XML feeds by their root, JSON Feed by its `version`, other JSON as ninjs).
    Auto,
    /// RSS 0.9x, 1.0 (RDF) or 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.x.
    JsonFeed,
    /// IPTC ninjs.
    Ninjs,
}

impl Format {
    /// Every format's name, as the API spells it.
    pub const ALL: [&'static str; 5] = ["auto", "rss", "atom", "json-feed", "ninjs"];

    /// The format named `s`.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "auto" => Format::Auto,
            "rss" => Format::Rss,
            "atom" => Format::Atom,
            "json-feed" => Format::JsonFeed,
            "ninjs" => Format::Ninjs,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::JsonFeed => "json-feed",
            Format::Ninjs => "ninjs",
        }
    }
}

/// An item as the feed says it (before normalising).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Raw {
    /// Its id at the source (feed-rs makes one from the link and title when an RSS item has no `guid`).
    pub id: String,
    /// Its link.
    pub url: String,
    /// Its language, if it says.
    pub lang: Option<String>,
    /// Its title.
    pub title: String,
    /// Whether the title is HTML.
    pub title_is_html: bool,
    /// Its summary (HTML or text).
    pub summary: String,
    /// Its content (HTML or text).
    pub body: String,
    /// Its categories.
    pub categories: Vec<String>,
    /// Published, epoch ms.
    pub published: Option<Millis>,
    /// Updated, epoch ms.
    pub updated: Option<Millis>,
}

/// A feed read: the format found, its language and its items (at most [`MAX_ITEMS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The format the content was.
    pub format: Format,
    /// The feed's own language, if it says.
    pub lang: Option<String>,
    /// Its items, in the feed's order.
    pub items: Vec<Raw>,
}

fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether a `Content-Type` may carry a feed: XML or JSON types (`application/rss+xml`, `text/xml`,
/// `application/feed+json`, `application/ninjs+json`, …) or `text/plain`; no type at all is sniffed.
pub fn feed_content_type(content_type: Option<&str>) -> Result<(), WireError> {
    let Some(ct) = content_type else {
        return Ok(());
    };
    let m = media_essence(ct);
    let ok = m.is_empty()
        || m.ends_with("/xml")
        || m.ends_with("+xml")
        || m.ends_with("/json")
        || m.ends_with("+json")
        || m == "text/plain";
    if ok {
        Ok(())
    } else {
        Err(WireError::new(
            "not-a-feed",
            format!("the source answered with {m:?}, which is not a feed (XML or JSON)"),
        ))
    }
}

/// Reads a fetched feed: checks its content type and encoding, refuses DTDs and documents that are not
/// well-formed, and reads it as `format` (a different format is `format-mismatch`).
pub fn parse(bytes: &[u8], content_type: Option<&str>, format: Format) -> Result<Feed, WireError> {
    feed_content_type(content_type)?;
    if bytes.len() > MAX_FEED_BYTES {
        return Err(WireError::new(
            "too-large",
            format!("the feed is larger than {MAX_FEED_BYTES} bytes"),
        ));
    }
    let charset = content_type.and_then(decode::charset);
    let text = decode::decode(bytes, charset.as_deref())?;
    let first = text
        .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .chars()
        .next();
    let mut feed = match first {
        Some('<') => {
            if matches!(format, Format::JsonFeed | Format::Ninjs) {
                return Err(mismatch(format, "XML"));
            }
            let xml = decode::as_utf8_xml(&text);
            decode::check_xml(&xml)?;
            let feed = feed_rs_parse(xml.as_bytes())?;
            let found = match feed.format {
                Format::Atom => Format::Atom,
                _ => Format::Rss,
            };
            if format != Format::Auto && format != found {
                return Err(mismatch(format, found.as_str()));
            }
            feed
        }
        Some('{') | Some('[') => {
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                WireError::new("malformed-feed", format!("the feed is not valid JSON: {e}"))
            })?;
            let is_json_feed = value["version"]
                .as_str()
                .is_some_and(|v| v.starts_with("https://jsonfeed.org/version/"));
            match (format, is_json_feed) {
                (Format::Auto | Format::JsonFeed, true) => feed_rs_parse(text.as_bytes())?,
                (Format::Auto | Format::Ninjs, false) => {
                    let (lang, items) = ninjs::parse(&text)?;
                    Feed {
                        format: Format::Ninjs,
                        lang,
                        items,
                    }
                }
                (f, true) => return Err(mismatch(f, "JSON Feed")),
                (f, false) => return Err(mismatch(f, "JSON that is not a JSON Feed")),
            }
        }
        _ => {
            return Err(WireError::new(
                "not-a-feed",
                "the response is neither XML nor JSON",
            ))
        }
    };
    feed.items.truncate(MAX_ITEMS);
    Ok(feed)
}

fn mismatch(want: Format, found: &str) -> WireError {
    WireError::new(
        "format-mismatch",
        format!(
            "the source is set to {}, but the feed is {found}",
            want.as_str()
        ),
    )
}

fn feed_rs_parse(bytes: &[u8]) -> Result<Feed, WireError> {
    let parsed = std::panic::catch_unwind(|| {
        feed_rs::parser::Builder::new()
            .sanitize_content(false)
            .build()
            .parse(bytes)
    })
    .map_err(|_| WireError::new("malformed-feed", "the feed parser could not read this feed"))?
    .map_err(|e| WireError::new("malformed-feed", format!("the feed cannot be read: {e}")))?;
    use feed_rs::model::FeedType;
    let format = match parsed.feed_type {
        FeedType::Atom => Format::Atom,
        FeedType::JSON => Format::JsonFeed,
        _ => Format::Rss,
    };
    let is_html = |t: &feed_rs::model::Text| t.content_type.subty() == "html";
    let items = parsed
        .entries
        .into_iter()
        .map(|e| {
            let url = e
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(e.links.first())
                .map(|l| l.href.clone())
                .unwrap_or_default();
            Raw {
                id: e.id,
                url,
                lang: e.language,
                title_is_html: e.title.as_ref().is_some_and(is_html),
                title: e.title.map(|t| t.content).unwrap_or_default(),
                summary: e.summary.map(|t| t.content).unwrap_or_default(),
                body: e.content.and_then(|c| c.body).unwrap_or_default(),
                categories: e
                    .categories
                    .into_iter()
                    .map(|c| c.label.filter(|l| !l.is_empty()).unwrap_or(c.term))
                    .collect(),
                published: e.published.map(|t| t.timestamp_millis()),
                updated: e.updated.map(|t| t.timestamp_millis()),
            }
        })
        .collect();
    Ok(Feed {
        format,
        lang: parsed.language,
        items,
    })
}

/// An item normalised into the fields of a desk story.
#[derive(Debug, Clone, PartialEq)]
pub struct WireItem {
    /// Its id at the source (the dedup key with the source).
    pub original_id: String,
    /// Its URL at the source (empty when it has none that is http(s)).
    pub url: String,
    /// Its language: `ru`, `en` or `zh`.
    pub lang: &'static str,
    /// Headline (at most [`HEADLINE_MAX`] characters, plain text).
    pub headline: String,
    /// Short headline (at most [`SHORT_HEADLINE_MAX`]).
    pub short_headline: String,
    /// Lead (plain text, at most [`LEAD_MAX`]).
    pub lead: String,
    /// Body: the item's HTML or text as it came (the desk sanitises it whenever it is shown).
    pub body: String,
    /// The source's tags, then the item's categories that make valid tags (at most [`TAGS_MAX`]).
    pub tags: Vec<String>,
    /// `YYYY-MM-DD` of its publication (UTC), or empty.
    pub dateline_date: String,
    /// When it was published at its source, epoch ms.
    pub published: Option<Millis>,
}

impl WireItem {
    /// Everything an update could change, as one string (the import hashes it to see whether an item changed).
    pub fn fingerprint(&self) -> String {
        let mut s = String::new();
        for part in [
            self.url.as_str(),
            self.lang,
            &self.headline,
            &self.short_headline,
            &self.lead,
            &self.body,
            &self.tags.join(","),
            &self.dateline_date,
        ] {
            s.push_str(&part.len().to_string());
            s.push(':');
            s.push_str(part);
        }
        s
    }
}

/// An item the import leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its id at the source, when it has one.
    pub original_id: String,
    /// `item-too-large`, `unsupported-language`, `missing-language`, `invalid-item`.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The desk language a language tag names (`en-GB` → `en`, `zh-Hans-CN` → `zh`), if it is one of them.
pub fn desk_lang(tag: &str) -> Option<&'static str> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    rules::LANGS.iter().copied().find(|l| *l == primary)
}

/// Normalises one item: the language is the item's, else the feed's, else `default_lang`; the first one given
/// decides (an item in German is skipped, not filed as English). `source_tags` come first in its tags.
pub fn normalise(
    raw: &Raw,
    feed_lang: Option<&str>,
    default_lang: Option<&str>,
    source_tags: &[String],
) -> Result<WireItem, Skipped> {
    let id = raw.id.trim();
    let skip = |code: &'static str, message: String| Skipped {
        original_id: text::truncate(id, MAX_ID_CHARS),
        code,
        message,
    };
    if id.is_empty() || id.chars().count() > MAX_ID_CHARS || id.chars().any(char::is_control) {
        return Err(skip(
            "invalid-item",
            format!("an item has no usable id (1-{MAX_ID_CHARS} characters, one line)"),
        ));
    }
    let size = raw.title.chars().count() + raw.summary.chars().count() + raw.body.chars().count();
    if size > MAX_ITEM_CHARS {
        return Err(skip(
            "item-too-large",
            format!(
                "the item {id:?} carries {size} characters; at most {MAX_ITEM_CHARS} are imported"
            ),
        ));
    }
    let said = raw
        .lang
        .as_deref()
        .or(feed_lang)
        .filter(|l| !l.trim().is_empty());
    let lang = match (said, default_lang) {
        (Some(l), _) => desk_lang(l).ok_or_else(|| {
            skip(
                "unsupported-language",
                format!("the item {id:?} is in {l:?}; the desk has ru, en and zh"),
            )
        })?,
        (None, Some(d)) => desk_lang(d).ok_or_else(|| {
            skip(
                "missing-language",
                format!("the source's language {d:?} is not a desk language"),
            )
        })?,
        (None, None) => {
            return Err(skip(
                "missing-language",
                format!(
                    "the item {id:?} does not say its language, nor does its feed or the source"
                ),
            ))
        }
    };
    // Titles are read as HTML whatever their declared type: feeds often escape markup and entities in plain ones.
    let title = text::plain_text(&raw.title);
    let summary = text::plain_text(&raw.summary);
    let body_source = if raw.body.trim().is_empty() {
        &raw.summary
    } else {
        &raw.body
    };
    let body = text::clean_multiline(body_source);
    let lead_source = if summary.is_empty() {
        text::plain_text(&raw.body)
    } else {
        summary
    };
    let lead = text::truncate(&lead_source, LEAD_MAX);
    let headline_source = if title.is_empty() {
        text::one_line(&lead)
    } else {
        title
    };
    if headline_source.is_empty() {
        return Err(skip(
            "invalid-item",
            format!("the item {id:?} has neither a title nor any text"),
        ));
    }
    let mut tags: Vec<String> = Vec::new();
    for t in source_tags
        .iter()
        .cloned()
        .chain(raw.categories.iter().filter_map(|c| text::to_tag(c)))
    {
        if !tags.contains(&t) && tags.len() < TAGS_MAX {
            tags.push(t);
        }
    }
    let url = if rules::url("url", raw.url.trim()).is_ok() {
        raw.url.trim().to_string()
    } else {
        String::new()
    };
    let when = raw.published.or(raw.updated);
    let dateline_date = when
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .date()
                .to_string()
        })
        .unwrap_or_default();
    Ok(WireItem {
        original_id: id.to_string(),
        url,
        lang,
        headline: text::truncate(&headline_source, HEADLINE_MAX),
        short_headline: text::truncate(&headline_source, SHORT_HEADLINE_MAX),
        lead,
        body,
        tags,
        dateline_date,
        published: when,
    })
}
