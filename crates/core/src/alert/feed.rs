//! What a CAP subscription fetches: a CAP document itself, or an Atom or RSS feed whose entries are CAP documents
//! (an `<alert>` in a CAP namespace inside the entry, e.g. in its `<content>`) or link to them (a link whose type
//! is `application/cap+xml`, else the entry's `alternate` link or RSS `<link>`, else its first link).
//!
//! The bytes are decoded as the news wire does (HTTP charset, byte-order mark, XML declaration; encoding_rs,
//! strictly) and checked once by quick-xml before anything else: a `<!DOCTYPE>` is `dtd-refused`, an undefined
//! entity or a document that is not well-formed is `malformed-feed`. Nothing here fetches; the caller fetches
//! the linked documents.

use super::{CAP_NS, CAP_NS_10, CAP_NS_11};
use crate::news::wire::{decode, WireError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Largest fetched document in bytes (feed or CAP document).
pub const MAX_SOURCE_BYTES: usize = 4 << 20;
/// Entries read from one feed (the first ones; feeds list the newest first). A national feed in a storm season
/// carries a thousand standing alerts and more; what a 4 MiB feed can hold fits.
pub const MAX_ENTRIES: usize = 10_000;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

/// One entry of a feed of CAP alerts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FeedEntry {
    /// The entry's id (Atom `id`, RSS `guid`, else its link).
    pub id: String,
    /// The CAP document inside the entry, as text with its namespace declared on its root.
    pub embedded: Option<String>,
    /// The address of the entry's CAP document, when it is not inside.
    pub link: Option<String>,
}

/// What a source's address answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A CAP document (its decoded text).
    Cap(String),
    /// An Atom or RSS feed.
    Feed(Vec<FeedEntry>),
}

fn is_cap_ns(ns: &str) -> bool {
    ns == CAP_NS || ns == CAP_NS_11 || ns == CAP_NS_10
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            quick_xml::escape::unescape(&a.value)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// Reads a fetched document: a CAP alert or an Atom/RSS feed of them (see the module docs).
pub fn read(bytes: &[u8], content_type: Option<&str>) -> Result<Fetched, WireError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(WireError::new(
            "too-large",
            format!("the document is larger than {MAX_SOURCE_BYTES} bytes"),
        ));
    }
    let charset = content_type.and_then(decode::charset);
    let text = decode::decode(bytes, charset.as_deref())?;
    let xml = decode::as_utf8_xml(&text);
    decode::check_xml(&xml)?;
    let mut reader = NsReader::from_str(&xml);
    let mut entries: Vec<FeedEntry> = Vec::new();
    let mut cur: Option<FeedEntry> = None;
    // The local name of the open element whose text we want (`id`, `guid`, `link`).
    let mut want: Option<&'static str> = None;
    let mut text_buf = String::new();
    let mut depth = 0usize;
    let mut entry_depth = 0usize;
    let mut root_kind: Option<&'static str> = None;
    let mut links: Vec<(String, String, String)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let (ns, ev) = reader
            .read_resolved_event()
            .map_err(|e| WireError::new("malformed-feed", e.to_string()))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let local = e.local_name().as_ref().to_string();
                let ns_bytes = match &ns {
                    ResolveResult::Bound(n) => n.as_ref().to_string(),
                    _ => String::new(),
                };
                if depth == 0 {
                    root_kind = match (local.as_str(), is_cap_ns(&ns_bytes)) {
                        ("alert", true) => return Ok(Fetched::Cap(xml.clone())),
                        ("feed", _) if ns_bytes == ATOM_NS => Some("atom"),
                        ("rss", _) => Some("rss"),
                        _ => {
                            return Err(WireError::new(
                                "not-cap",
                                format!(
                                    "the document is neither a CAP alert nor an Atom or RSS feed (its root is <{}>)",
                                    local
                                ),
                            ))
                        }
                    };
                }
                if cur.is_none() && (local == "entry" || local == "item") && !empty {
                    cur = Some(FeedEntry::default());
                    links.clear();
                    entry_depth = depth + 1;
                } else if let Some(entry) = cur.as_mut() {
                    if local == "alert" && is_cap_ns(&ns_bytes) && !empty {
                        let end = reader.buffer_position() as usize;
                        reader
                            .read_to_end(e.name())
                            .map_err(|e| WireError::new("malformed-feed", e.to_string()))?;
                        let close = reader.buffer_position() as usize;
                        let head = &xml[before..end];
                        let mut doc = String::new();
                        let prefix = e.name().prefix().map(|p| p.as_ref().to_string());
                        let decl = match &prefix {
                            Some(p) => format!("xmlns:{p}="),
                            None => "xmlns=".to_string(),
                        };
                        if head.contains(&decl) {
                            doc.push_str(&xml[before..close]);
                        } else {
                            // Declared on an ancestor: declare it on the document's root.
                            let name_end = 1 + e.name().as_ref().len();
                            doc.push_str(&head[..name_end]);
                            doc.push_str(&format!(" {decl}\"{ns_bytes}\""));
                            doc.push_str(&xml[before + name_end..close]);
                        }
                        if entry.embedded.is_none() {
                            entry.embedded = Some(doc);
                        }
                        continue;
                    }
                    if depth == entry_depth {
                        match (root_kind, local.as_str()) {
                            (Some("atom"), "id") | (Some("rss"), "guid") => want = Some("id"),
                            (Some("atom"), "link") => {
                                if let Some(href) = attr(e, "href") {
                                    links.push((
                                        href,
                                        attr(e, "rel").unwrap_or_else(|| "alternate".into()),
                                        attr(e, "type").unwrap_or_default(),
                                    ));
                                }
                            }
                            (Some("rss"), "link") => want = Some("link"),
                            (Some("rss"), "enclosure") => {
                                if let Some(url) = attr(e, "url") {
                                    links.push((
                                        url,
                                        "enclosure".into(),
                                        attr(e, "type").unwrap_or_default(),
                                    ));
                                }
                            }
                            _ => {}
                        }
                        text_buf.clear();
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::Text(t) if want.is_some() => {
                text_buf.push_str(&t.xml10_content());
            }
            Event::CData(t) if want.is_some() => {
                text_buf.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if want.is_some() => {
                let name: &str = &r;
                text_buf.push_str(match name {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "apos" => "'",
                    "quot" => "\"",
                    _ => "",
                });
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let (Some(w), Some(entry)) = (want.take(), cur.as_mut()) {
                    let v = text_buf.trim().to_string();
                    match w {
                        "id" => entry.id = v,
                        _ => links.push((v, "alternate".into(), String::new())),
                    }
                }
                if cur.is_some() && depth + 1 == entry_depth {
                    let mut entry = cur.take().unwrap_or_default();
                    let pick = links
                        .iter()
                        .find(|(_, _, t)| t.contains("cap"))
                        .or_else(|| links.iter().find(|(_, rel, _)| rel == "alternate"))
                        .or(links.first());
                    if entry.embedded.is_none() {
                        entry.link = pick.map(|(h, _, _)| h.clone()).filter(|h| !h.is_empty());
                    }
                    if entry.id.is_empty() {
                        entry.id = pick.map(|(h, _, _)| h.clone()).unwrap_or_default();
                    }
                    if entries.len() < MAX_ENTRIES {
                        entries.push(entry);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Fetched::Feed(entries))
}
