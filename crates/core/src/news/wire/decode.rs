//! Bytes to text, and the XML checks made before any feed parser sees a document: the declared encoding
//! (HTTP `charset`, then a byte-order mark, then the XML declaration; UTF-8 otherwise) decoded strictly with
//! encoding_rs — bytes that are not valid in it are refused, never replaced —, and a document type declaration
//! (where entities are declared: "billion laughs", external entities) refused before anything is expanded.

use super::WireError;
use encoding_rs::Encoding;
use quick_xml::events::Event;
use quick_xml::Reader;

/// The `charset` parameter of a `Content-Type` value, lowercased.
pub fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset"))
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// The `encoding` of an XML declaration at the start of `bytes` (read as ASCII), if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_ascii_lowercase())
}

fn encoding(label: &str) -> Result<&'static Encoding, WireError> {
    Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        WireError::new(
            "unknown-encoding",
            format!("the feed declares the encoding {label:?}, which is not a known one"),
        )
    })
}

/// Decodes a document: the encoding the HTTP header names wins (RFC 7303), then a byte-order mark, then (for XML)
/// the declaration, else UTF-8. Bytes that are not valid in that encoding are `bad-encoding`.
pub fn decode(bytes: &[u8], http_charset: Option<&str>) -> Result<String, WireError> {
    let (bom, bom_len) = match Encoding::for_bom(bytes) {
        Some((e, n)) => (Some(e), n),
        None => (None, 0),
    };
    let (enc, said) = if let Some(label) = http_charset {
        (
            encoding(label)?,
            format!("the Content-Type's charset {label:?}"),
        )
    } else if let Some(e) = bom {
        (e, "its byte-order mark".to_string())
    } else if let Some(label) = declared_encoding(bytes) {
        (
            encoding(&label)?,
            format!("its XML declaration ({label:?})"),
        )
    } else {
        (encoding_rs::UTF_8, "no declaration (UTF-8)".to_string())
    };
    let body = if bom.is_some_and(|b| b == enc) {
        &bytes[bom_len..]
    } else {
        bytes
    };
    enc.decode_without_bom_handling_and_without_replacement(body)
        .map(|s| s.into_owned())
        .ok_or_else(|| {
            WireError::new(
                "bad-encoding",
                format!(
                    "the feed's bytes are not valid {} (the encoding given by {said})",
                    enc.name()
                ),
            )
        })
}

/// `text` with its XML declaration (if any) saying UTF-8, which is what it now is.
pub fn as_utf8_xml(text: &str) -> String {
    let t = text.trim_start_matches('\u{feff}');
    if let Some(rest) = t.strip_prefix("<?xml") {
        if let Some(end) = rest.find("?>") {
            return format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}",
                &rest[end + 2..]
            );
        }
    }
    t.to_string()
}

/// Reads the whole document once with quick-xml, which expands nothing: a document type declaration is
/// `dtd-refused` (entities are declared there), a document that is not well-formed (mismatched or unclosed
/// tags, an undeclared entity, text after the root) is `malformed-feed` with the byte where it broke.
pub fn check_xml(text: &str) -> Result<(), WireError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| {
            WireError::new(
                "malformed-feed",
                format!(
                    "the feed is not well-formed XML at byte {}: {e}",
                    reader.error_position()
                ),
            )
        })?;
        match ev {
            Event::DocType(_) => {
                return Err(WireError::new(
                    "dtd-refused",
                    "the feed has a document type declaration (<!DOCTYPE …>), which can declare entities; \
                     feeds with one are refused before anything is expanded",
                ))
            }
            Event::Start(_) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Event::Empty(_) if depth == 0 => roots += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let known = matches!(name, "lt" | "gt" | "amp" | "apos" | "quot")
                    || name.starts_with('#');
                if !known {
                    return Err(WireError::new(
                        "malformed-feed",
                        format!(
                            "the feed uses the entity &{name}; that XML does not define (at byte {})",
                            reader.buffer_position()
                        ),
                    ));
                }
            }
            Event::Text(t) if depth == 0 && !t.trim().is_empty() => {
                return Err(WireError::new(
                    "malformed-feed",
                    format!(
                        "the feed has text outside its root element (at byte {})",
                        reader.buffer_position()
                    ),
                ))
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(WireError::new(
            "malformed-feed",
            "the feed ends before its elements are closed",
        ));
    }
    if roots != 1 {
        return Err(WireError::new(
            "malformed-feed",
            format!("the feed has {roots} root elements (XML has exactly one)"),
        ));
    }
    Ok(())
}
