//! The formats stories go out in, as pure functions of the stories the public sees: RSS 2.0 (`rss`), Atom
//! (`atom_syndication`), JSON Feed 1.1 (serde structs), a Google News sitemap and IPTC ninjs 3.3. Every link is
//! absolute on `base` (scheme and host, no trailing slash); a story's page is `{base}/{lang}/news/{id}`.

use super::render::{body_html, plain_text};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use twincast_core::news::Rubric;
use twincast_store::{NewsArticle, NewsVersion};

/// The media type of ninjs.
pub const NINJS_TYPE: &str = "application/ninjs+json";
/// The ninjs version written.
pub const NINJS_VERSION: &str = "3.3";
/// The schema of that version.
pub const NINJS_SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_3.3.json#";

/// What a feed is about: its language and titles.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    /// Scheme and host of the site (no trailing slash).
    pub base: String,
    /// Language of the feed (`ru`, `en`, `zh`).
    pub lang: String,
    /// The feed's title, e.g. "Twincast — News".
    pub title: String,
    /// One sentence about it.
    pub description: String,
    /// When it last changed (epoch ms): the newest publication, or now when empty.
    pub updated: i64,
}

/// RFC 3339 in UTC with seconds (`2026-12-01T02:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// RFC 2822 in UTC (`Tue, 01 Dec 2026 02:00:00 +0000`), as RSS wants.
pub fn rfc2822(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_else(|_| "Thu, 01 Jan 1970 00:00:00 +0000".into())
}

/// The public page of story `id` in `lang`.
pub fn article_url(base: &str, lang: &str, id: &str) -> String {
    format!("{base}/{lang}/news/{id}")
}

/// The stable identity of a story (language-independent): its URN.
pub fn article_urn(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// The version of `a` in `lang` (feeds list only stories that have one).
fn version<'a>(a: &'a NewsArticle, lang: &str) -> Option<&'a NewsVersion> {
    a.versions.get(lang)
}

/// When the story came out (publication, or the end of its embargo when later).
pub fn published(a: &NewsArticle) -> i64 {
    let p = a.publish_at.unwrap_or(a.created_at);
    a.embargo_until.map_or(p, |e| e.max(p))
}

/// The HTML of a version's content: the lead as a paragraph, then the body; the contact block last.
pub fn content_html(v: &NewsVersion) -> String {
    let mut out = String::new();
    if !v.lead.is_empty() {
        let _ = write!(out, "<p>{}</p>", xml(&v.lead));
    }
    out.push_str(&body_html(&v.body));
    out
}

fn categories(a: &NewsArticle, lang: &str) -> Vec<String> {
    let mut c = Vec::new();
    if let Some(r) = Rubric::by_slug(&a.rubric) {
        c.push(r.name(lang).to_string());
    }
    c.extend(a.tags.iter().cloned());
    c
}

/// RSS 2.0: one `<item>` per story with title, link, description (the lead), `content:encoded` (HTML),
/// `guid` (the URN, not a permalink), `pubDate`, categories (the rubric's name, then the tags) and `<source>`
/// for wire stories.
pub fn rss(info: &FeedInfo, articles: &[NewsArticle]) -> String {
    let items: Vec<rss::Item> = articles
        .iter()
        .filter_map(|a| {
            let v = version(a, &info.lang)?;
            let mut item = rss::Item::default();
            item.set_title(v.headline.clone());
            item.set_link(article_url(&info.base, &info.lang, &a.id));
            item.set_description(v.lead.clone());
            item.set_content(content_html(v));
            item.set_guid(rss::Guid {
                value: article_urn(&a.id),
                permalink: false,
            });
            item.set_pub_date(rfc2822(published(a)));
            item.set_categories(
                categories(a, &info.lang)
                    .into_iter()
                    .map(|name| rss::Category { name, domain: None })
                    .collect::<Vec<_>>(),
            );
            if a.source.kind == "wire" && !a.source.url.is_empty() {
                item.set_source(rss::Source {
                    url: a.source.url.clone(),
                    title: Some(a.source.name.clone()),
                });
            }
            Some(item)
        })
        .collect();
    let mut ch = rss::Channel::default();
    ch.set_title(info.title.clone());
    ch.set_link(format!("{}/{}/news", info.base, info.lang));
    ch.set_description(info.description.clone());
    ch.set_language(info.lang.clone());
    ch.set_last_build_date(rfc2822(info.updated));
    ch.set_generator("Twincast".to_string());
    ch.set_items(items);
    ch.to_string()
}

/// Atom (RFC 4287): one `<entry>` per story with title, id (the URN), `updated` (last change), `published`,
/// an alternate link, summary (the lead), HTML content and categories (`term` the rubric slug or tag, `label`
/// the rubric's name).
pub fn atom(info: &FeedInfo, articles: &[NewsArticle]) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
    let when = |ms: i64| -> FixedDateTime {
        rfc3339(ms)
            .parse()
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".parse().expect("a fixed valid date"))
    };
    let entries: Vec<Entry> = articles
        .iter()
        .filter_map(|a| {
            let v = version(a, &info.lang)?;
            let mut e = Entry::default();
            e.set_title(Text::plain(v.headline.clone()));
            e.set_id(article_urn(&a.id));
            e.set_updated(when(a.updated_at.max(published(a))));
            e.set_published(Some(when(published(a))));
            let mut link = Link::default();
            link.set_href(article_url(&info.base, &info.lang, &a.id));
            link.set_rel("alternate");
            link.set_mime_type(Some("text/html".to_string()));
            link.set_hreflang(Some(info.lang.clone()));
            e.set_links(vec![link]);
            if !v.lead.is_empty() {
                e.set_summary(Some(Text::plain(v.lead.clone())));
            }
            let mut c = Content::default();
            c.set_content_type(Some("html".to_string()));
            c.set_value(Some(content_html(v)));
            c.set_lang(Some(info.lang.clone()));
            e.set_content(Some(c));
            let mut cats = Vec::new();
            if let Some(r) = Rubric::by_slug(&a.rubric) {
                let mut cat = Category::default();
                cat.set_term(r.slug);
                cat.set_label(Some(r.name(&info.lang).to_string()));
                cats.push(cat);
            }
            for t in &a.tags {
                let mut cat = Category::default();
                cat.set_term(t.clone());
                cats.push(cat);
            }
            e.set_categories(cats);
            let mut author = Person::default();
            author.set_name(if a.source.kind == "wire" {
                a.source.name.clone()
            } else {
                info.title.clone()
            });
            e.set_authors(vec![author]);
            Some(e)
        })
        .collect();
    let mut feed = Feed::default();
    feed.set_title(Text::plain(info.title.clone()));
    feed.set_id(format!("{}/{}/news/feed.atom", info.base, info.lang));
    feed.set_updated(when(info.updated));
    feed.set_subtitle(Some(Text::plain(info.description.clone())));
    feed.set_lang(Some(info.lang.clone()));
    let mut me = Link::default();
    me.set_href(format!("{}/{}/news/feed.atom", info.base, info.lang));
    me.set_rel("self");
    me.set_mime_type(Some("application/atom+xml".to_string()));
    let mut alt = Link::default();
    alt.set_href(format!("{}/{}/news", info.base, info.lang));
    alt.set_rel("alternate");
    alt.set_mime_type(Some("text/html".to_string()));
    feed.set_links(vec![me, alt]);
    feed.set_entries(entries);
    feed.to_string()
}

/// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
#[derive(Debug, Serialize)]
pub struct JsonFeed {
    /// Always `https://jsonfeed.org/version/1.1`.
    pub version: &'static str,
    /// The feed's title.
    pub title: String,
    /// The site's page of the feed.
    pub home_page_url: String,
    /// The feed's own URL.
    pub feed_url: String,
    /// What it is about.
    pub description: String,
    /// The feed's language.
    pub language: String,
    /// The items, newest first.
    pub items: Vec<JsonFeedItem>,
}

/// An item of a JSON Feed.
#[derive(Debug, Serialize)]
pub struct JsonFeedItem {
    /// Unique and stable: the story's URN.
    pub id: String,
    /// The story's page.
    pub url: String,
    /// Where a wire story came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    /// Headline.
    pub title: String,
    /// HTML content.
    pub content_html: String,
    /// Plain text of the body.
    pub content_text: String,
    /// The lead.
    pub summary: String,
    /// RFC 3339.
    pub date_published: String,
    /// RFC 3339.
    pub date_modified: String,
    /// Rubric name and tags.
    pub tags: Vec<String>,
    /// The item's language.
    pub language: String,
}

/// The JSON Feed 1.1 document of the stories.
pub fn json_feed(info: &FeedInfo, articles: &[NewsArticle]) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: info.title.clone(),
        home_page_url: format!("{}/{}/news", info.base, info.lang),
        feed_url: format!("{}/{}/news/feed.json", info.base, info.lang),
        description: info.description.clone(),
        language: info.lang.clone(),
        items: articles
            .iter()
            .filter_map(|a| {
                let v = version(a, &info.lang)?;
                Some(JsonFeedItem {
                    id: article_urn(&a.id),
                    url: article_url(&info.base, &info.lang, &a.id),
                    external_url: (a.source.kind == "wire" && !a.source.url.is_empty())
                        .then(|| a.source.url.clone()),
                    title: v.headline.clone(),
                    content_html: content_html(v),
                    content_text: plain_text(&v.body),
                    summary: v.lead.clone(),
                    date_published: rfc3339(published(a)),
                    date_modified: rfc3339(a.updated_at.max(published(a))),
                    tags: categories(a, &info.lang),
                    language: info.lang.clone(),
                })
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).unwrap_or_else(|_| "{}".into())
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The Google News sitemap: one `<url>` per story and language published in the last two days (Google's
/// rule), with `news:publication` (name, language), `news:publication_date` and `news:title`.
pub fn news_sitemap(base: &str, site_name: &str, articles: &[NewsArticle], now: i64) -> String {
    const TWO_DAYS: i64 = 2 * 24 * 3600 * 1000;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for a in articles.iter().filter(|a| now - published(a) <= TWO_DAYS) {
        for (lang, v) in &a.versions {
            let _ = writeln!(
                out,
                "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name><news:language>{}</news:language>\
                 </news:publication><news:publication_date>{}</news:publication_date><news:title>{}</news:title></news:news></url>",
                xml(&article_url(base, lang, &a.id)),
                xml(site_name),
                xml(lang),
                rfc3339(published(a)),
                xml(&v.headline)
            );
        }
    }
    out.push_str("</urlset>\n");
    out
}

/// A story's version in `lang` as an IPTC ninjs 3.3 object (property names as the 3.x schema spells them:
/// `versionCreated`, `contentCreated`, `firstCreated`, `embargoedUntil`, `pubStatus`, `contentType`; `uri` is
/// the only required property). The other languages are `associations` with `rel` `translation`.
pub fn ninjs(base: &str, a: &NewsArticle, lang: &str) -> Option<serde_json::Value> {
    use serde_json::{json, Map, Value};
    let v = version(a, lang)?;
    let mut o = Map::new();
    o.insert(
        "uri".into(),
        json!(format!(
            "{}/api/v1/public/news/{}/ninjs?lang={lang}",
            base, a.id
        )),
    );
    o.insert(
        "standard".into(),
        json!({"name": "ninjs", "version": NINJS_VERSION, "schema": NINJS_SCHEMA}),
    );
    o.insert("type".into(), json!("text"));
    o.insert("representationType".into(), json!("full"));
    o.insert("version".into(), json!(a.version.to_string()));
    o.insert("firstCreated".into(), json!(rfc3339(a.created_at)));
    o.insert("versionCreated".into(), json!(rfc3339(a.updated_at)));
    o.insert("contentCreated".into(), json!(rfc3339(a.created_at)));
    if let Some(e) = a.embargo_until {
        o.insert("embargoedUntil".into(), json!(rfc3339(e)));
    }
    if let Some(x) = a.expires_at {
        o.insert("expires".into(), json!(rfc3339(x)));
    }
    o.insert(
        "pubStatus".into(),
        json!(if a.state == "withdrawn" {
            "canceled"
        } else {
            "usable"
        }),
    );
    o.insert("language".into(), json!(lang));
    let mut headlines =
        vec![json!({"role": "main", "value": v.headline, "contentType": "text/plain"})];
    headlines
        .push(json!({"role": "short", "value": v.short_headline, "contentType": "text/plain"}));
    o.insert("headlines".into(), Value::Array(headlines));
    if !v.lead.is_empty() {
        o.insert(
            "descriptions".into(),
            json!([{"role": "summary", "value": v.lead, "contentType": "text/plain"}]),
        );
    }
    let html = content_html(v);
    let text = plain_text(&v.body);
    o.insert(
        "bodies".into(),
        json!([
            {"role": "main", "contentType": "text/html", "value": html},
            {"role": "main", "contentType": "text/plain", "value": text,
             "charCount": text.chars().count(), "wordCount": text.split_whitespace().count()}
        ]),
    );
    if !v.dateline_place.is_empty() {
        o.insert("located".into(), json!(v.dateline_place));
    }
    let mut subjects: Vec<Value> = Vec::new();
    if let Some(r) = Rubric::by_slug(&a.rubric) {
        subjects.push(json!({"name": r.name(lang), "literal": r.slug, "rel": "rubric"}));
    }
    for t in &a.tags {
        subjects.push(json!({"name": t, "literal": t, "rel": "tag"}));
    }
    o.insert("subjects".into(), Value::Array(subjects));
    if a.source.kind == "wire" {
        let mut src = Map::new();
        src.insert("name".into(), json!(a.source.name));
        src.insert("role".into(), json!("originator"));
        if !a.source.url.is_empty() {
            src.insert("uri".into(), json!(a.source.url));
        }
        o.insert("infoSources".into(), json!([src]));
        if let Some(id) = &a.source.original_id {
            o.insert(
                "altIds".into(),
                json!([{"role": a.source.name, "value": id}]),
            );
        }
    }
    if !v.contact.is_empty() {
        o.insert("edNote".into(), json!(v.contact));
    }
    let translations: Vec<Value> = a
        .versions
        .iter()
        .filter(|(l, _)| l.as_str() != lang)
        .map(|(l, tv)| {
            json!({
                "name": format!("translation-{l}"),
                "rel": "translation",
                "uri": format!("{}/api/v1/public/news/{}/ninjs?lang={l}", base, a.id),
                "language": l,
                "headlines": [{"role": "main", "value": tv.headline}],
            })
        })
        .collect();
    if !translations.is_empty() {
        o.insert("associations".into(), Value::Array(translations));
    }
    Some(Value::Object(o))
}

/// Names of the feeds' media types by extension (`rss`, `atom`, `json`).
pub fn feed_types() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([
        ("rss", "application/rss+xml; charset=utf-8"),
        ("atom", "application/atom+xml; charset=utf-8"),
        ("json", "application/feed+json; charset=utf-8"),
    ])
}
