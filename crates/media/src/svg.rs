//! SVG sanitizing: refuse anything active or external rather than trying to repair it.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer, XmlVersion};

use crate::{MediaError, Probe};

/// Elements that run code, embed other documents or defer to external handlers.
const FORBIDDEN_ELEMENTS: [&str; 9] = [
    "script",
    "foreignobject",
    "handler",
    "listener",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
];

fn unsafe_svg(msg: impl Into<String>) -> MediaError {
    MediaError::UnsafeSvg(msg.into())
}

/// Is `v` an allowed reference target: a same-document fragment or an inline raster image?
fn allowed_ref(v: &str) -> bool {
    let v = v.trim();
    if v.starts_with('#') {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    [
        "data:image/png",
        "data:image/jpeg",
        "data:image/gif",
        "data:image/webp",
    ]
    .iter()
    .any(|p| {
        lower
            .strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(';') || rest.starts_with(','))
    })
}

/// Check CSS (a `style` attribute, a `<style>` element or a presentation attribute) for external loads.
fn check_css(css: &str, context: &str) -> Result<(), MediaError> {
    let lower = css.to_ascii_lowercase();
    if lower.contains('\\') {
        return Err(unsafe_svg(format!("CSS escapes in {context}")));
    }
    if lower.contains("@import") {
        return Err(unsafe_svg(format!("@import in {context}")));
    }
    if lower.contains("expression(") || lower.contains("javascript:") {
        return Err(unsafe_svg(format!("script in {context}")));
    }
    // CSS functions that load a resource from a plain string, without url(...)
    for f in ["image-set(", "image(", "src(", "element(", "cross-fade("] {
        if lower.contains(f) {
            return Err(unsafe_svg(format!("CSS {f}...) in {context}")));
        }
    }
    let mut rest = lower.as_str();
    while let Some(i) = rest.find("url(") {
        let after = &rest[i + 4..];
        let end = after
            .find(')')
            .ok_or_else(|| unsafe_svg(format!("unclosed url( in {context}")))?;
        let target = after[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        if !allowed_ref(target) {
            return Err(unsafe_svg(format!("external url({target}) in {context}")));
        }
        rest = &after[end..];
    }
    Ok(())
}

fn check_element(e: &BytesStart<'_>) -> Result<(), MediaError> {
    let name = String::from(e.local_name().as_ref() as &str).to_ascii_lowercase();
    if FORBIDDEN_ELEMENTS.contains(&name.as_str()) {
        return Err(unsafe_svg(format!("<{name}> element")));
    }
    for a in e.attributes() {
        let a = a.map_err(|err| MediaError::Corrupt(format!("bad SVG attribute: {err}")))?;
        let key = String::from(a.key.local_name().as_ref() as &str).to_ascii_lowercase();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| unsafe_svg(format!("entity or bad escape in attribute {key}: {err}")))?;
        if key.starts_with("on") {
            return Err(unsafe_svg(format!("event handler attribute {key}")));
        }
        match key.as_str() {
            "href" | "src" => {
                if !allowed_ref(&value) {
                    return Err(unsafe_svg(format!("external reference {key}=\"{value}\"")));
                }
            }
            "attributename" => {
                let target = value.trim().to_ascii_lowercase();
                let target = target.rsplit(':').next().unwrap_or_default();
                if target.starts_with("on") || target == "href" || target == "src" {
                    return Err(unsafe_svg(format!("animation of {target}")));
                }
            }
            _ => {
                if value.to_ascii_lowercase().contains("javascript:") {
                    return Err(unsafe_svg(format!("javascript: in attribute {key}")));
                }
                check_css(&value, &format!("attribute {key}"))?;
            }
        }
    }
    Ok(())
}

/// Sanitize an SVG document.
///
/// The document must be well-formed UTF-8 XML with an `<svg>` root. It is refused with
/// [`MediaError::UnsafeSvg`] if it has a DOCTYPE or entity references, processing instructions (other than the
/// XML declaration), script-like elements (`script`, `foreignObject`, `iframe`, ...), event handler attributes
/// (`on*`), `href`/`src` other than `#fragment` or `data:image/png|jpeg|gif|webp`, animations of `href`/`on*`,
/// or CSS with `@import`, escapes or external `url(...)`. Otherwise it returns the document re-serialized from
/// the parsed events, without comments (so what is served is exactly what was checked).
pub fn sanitize_svg(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| MediaError::Corrupt("SVG is not UTF-8".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    reader.config_mut().check_comments = true;
    let mut out = Writer::new(Vec::with_capacity(bytes.len()));
    let mut depth = 0usize;
    let mut seen_root = false;
    let mut in_style = 0usize;
    loop {
        let ev = reader.read_event().map_err(|e| {
            MediaError::Corrupt(format!(
                "SVG is not well-formed XML at byte {}: {e}",
                reader.buffer_position()
            ))
        })?;
        match &ev {
            Event::Eof => break,
            Event::DocType(_) => return Err(unsafe_svg("DOCTYPE (entities) not allowed")),
            Event::PI(_) => return Err(unsafe_svg("processing instruction not allowed")),
            Event::GeneralRef(r) => {
                if in_style > 0 {
                    return Err(unsafe_svg("entity reference inside <style>"));
                }
                let predefined = matches!(r.as_ref(), "lt" | "gt" | "amp" | "apos" | "quot");
                if !r.is_char_ref() && !predefined {
                    return Err(unsafe_svg(format!(
                        "entity reference &{};",
                        String::from(r.as_ref() as &str)
                    )));
                }
                r.resolve_char_ref()
                    .map_err(|e| MediaError::Corrupt(format!("bad character reference: {e}")))?;
            }
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc =
                        enc.map_err(|e| MediaError::Corrupt(format!("bad XML declaration: {e}")))?;
                    if !enc.eq_ignore_ascii_case("utf-8") {
                        return Err(MediaError::Corrupt("SVG must be UTF-8".into()));
                    }
                }
            }
            Event::Comment(_) => continue,
            Event::Start(e) | Event::Empty(e) => {
                if depth == 0 {
                    if seen_root {
                        return Err(MediaError::Corrupt(
                            "SVG has more than one root element".into(),
                        ));
                    }
                    if !e.local_name().as_ref().eq_ignore_ascii_case("svg") {
                        return Err(MediaError::UnsupportedType);
                    }
                    seen_root = true;
                }
                check_element(e)?;
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                    if e.local_name().as_ref().eq_ignore_ascii_case("style") {
                        in_style += 1;
                    }
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if e.local_name().as_ref().eq_ignore_ascii_case("style") {
                    in_style = in_style.saturating_sub(1);
                }
            }
            Event::Text(t) => {
                if depth == 0 && !t.as_ref().bytes().all(|b| b.is_ascii_whitespace()) {
                    return Err(MediaError::Corrupt(
                        "text outside the SVG root element".into(),
                    ));
                }
                if in_style > 0 {
                    check_css(&String::from(t.as_ref() as &str), "<style>")?;
                }
            }
            Event::CData(c) => {
                if in_style > 0 {
                    check_css(&String::from(c.as_ref() as &str), "<style>")?;
                }
            }
        }
        out.write_event(ev).map_err(MediaError::Io)?;
    }
    if !seen_root {
        return Err(MediaError::UnsupportedType);
    }
    if depth != 0 {
        return Err(MediaError::Corrupt(
            "SVG is truncated (unclosed elements)".into(),
        ));
    }
    Ok(out.into_inner())
}

/// A length attribute in user units (`100`, `100px`, `12.5`); relative units give `None`.
fn length(v: &str) -> Option<u32> {
    let v = v.trim();
    let v = v.strip_suffix("px").unwrap_or(v);
    let f: f64 = v.trim().parse().ok()?;
    (f.is_finite() && f > 0.0 && f < f64::from(u32::MAX)).then(|| f.round() as u32)
}

/// Width and height of an SVG from its root's `width`/`height`, else its `viewBox`.
pub(crate) fn probe_svg(bytes: &[u8]) -> Result<Probe, MediaError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| MediaError::Corrupt("SVG is not UTF-8".into()))?;
    let mut reader = Reader::from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    loop {
        match reader
            .read_event()
            .map_err(|e| MediaError::Corrupt(format!("SVG is not well-formed: {e}")))?
        {
            Event::Start(e) | Event::Empty(e) => {
                if !e.local_name().as_ref().eq_ignore_ascii_case("svg") {
                    return Err(MediaError::UnsupportedType);
                }
                let (mut w, mut h, mut vb) = (None, None, None);
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(XmlVersion::Implicit1_0)
                        .unwrap_or_default()
                        .to_string();
                    match a.key.local_name().as_ref() {
                        "width" => w = length(&v),
                        "height" => h = length(&v),
                        "viewBox" => {
                            let n: Vec<f64> = v
                                .split(|c: char| c == ',' || c.is_whitespace())
                                .filter(|s| !s.is_empty())
                                .filter_map(|s| s.parse().ok())
                                .collect();
                            if n.len() == 4 {
                                vb = Some((length(&n[2].to_string()), length(&n[3].to_string())));
                            }
                        }
                        _ => {}
                    }
                }
                if let (None, None, Some((vw, vh))) = (w, h, vb) {
                    w = vw;
                    h = vh;
                }
                return Ok(Probe {
                    width: w,
                    height: h,
                    duration_ms: None,
                    codec: Some("svg".into()),
                });
            }
            Event::Eof => return Err(MediaError::UnsupportedType),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<!-- a flag -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="200" viewBox="0 0 3 2">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient></defs>
  <style>rect { fill: url(#g); }</style>
  <rect width="3" height="1" fill="url(#g)"/>
  <use xlink:href="#g"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
  <text x="0" y="2">Wuxi &amp; Nanchang &#x4E2D;</text>
</svg>"##;

    #[test]
    fn clean_svg_is_kept() {
        let out = sanitize_svg(OK.as_bytes()).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("<rect width=\"3\""));
        assert!(s.contains("Wuxi &amp; Nanchang"));
        assert!(!s.contains("a flag"), "comments are dropped");
        // the result is itself accepted and stable
        assert_eq!(sanitize_svg(s.as_bytes()).unwrap(), s.as_bytes());
        let p = probe_svg(s.as_bytes()).unwrap();
        assert_eq!((p.width, p.height), (Some(300), Some(200)));
    }

    #[test]
    fn viewbox_dimensions() {
        let p = probe_svg(br#"<svg viewBox="0 0 640 480"/>"#).unwrap();
        assert_eq!((p.width, p.height), (Some(640), Some(480)));
        let p = probe_svg(br#"<svg width="100%" height="50%"/>"#).unwrap();
        assert_eq!((p.width, p.height), (None, None));
    }

    fn refused(svg: &str) -> String {
        match sanitize_svg(svg.as_bytes()) {
            Err(MediaError::UnsafeSvg(m)) => m,
            other => panic!("expected UnsafeSvg for {svg}, got {other:?}"),
        }
    }

    #[test]
    fn attacks_are_refused() {
        let cases = [
            (r#"<svg><script>alert(1)</script></svg>"#, "script"),
            (r#"<svg><SCRIPT>alert(1)</SCRIPT></svg>"#, "script"),
            (
                r#"<svg xmlns:h="http://www.w3.org/1999/xhtml"><h:script>x</h:script></svg>"#,
                "script",
            ),
            (r#"<svg onload="alert(1)"/>"#, "onload"),
            (r#"<svg><rect OnClick="alert(1)"/></svg>"#, "onclick"),
            (
                r#"<svg><foreignObject><div/></foreignObject></svg>"#,
                "foreignobject",
            ),
            (
                r#"<svg><a href="javascript:alert(1)"><text>x</text></a></svg>"#,
                "href",
            ),
            (
                r#"<svg><a xlink:href="https://evil.example/"><text>x</text></a></svg>"#,
                "href",
            ),
            (
                r#"<svg><image href="http://evil.example/x.png"/></svg>"#,
                "href",
            ),
            (
                r#"<svg><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>"#,
                "href",
            ),
            (
                r#"<svg><image href="data:text/html,&lt;script&gt;"/></svg>"#,
                "href",
            ),
            (r#"<svg><use href="other.svg#x"/></svg>"#, "href"),
            (
                r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>"#,
                "DOCTYPE",
            ),
            (r#"<svg>&lol;</svg>"#, "entity"),
            (
                r#"<?xml-stylesheet href="http://evil.example/s.css"?><svg/>"#,
                "processing",
            ),
            (
                r#"<svg><style>@import url(http://evil.example/a.css);</style></svg>"#,
                "@import",
            ),
            (
                r#"<svg><style>rect{fill:url(http://evil.example/p)}</style></svg>"#,
                "url(",
            ),
            (
                r#"<svg><style><![CDATA[rect{background:url("//evil.example/p")}]]></style></svg>"#,
                "url(",
            ),
            (r#"<svg><style>@\69mport 'x'</style></svg>"#, "escapes"),
            (
                r#"<svg><rect style="fill:url(https://evil.example/t)"/></svg>"#,
                "url(",
            ),
            (
                r#"<svg><rect fill="url(http://evil.example/#g)"/></svg>"#,
                "url(",
            ),
            (
                r#"<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>"#,
                "href",
            ),
            (
                r#"<svg><animate attributeName="onbegin" to="alert(1)"/></svg>"#,
                "onbegin",
            ),
            (r#"<svg><iframe src="x"/></svg>"#, "iframe"),
            (
                r#"<svg><style>rect{fill:-webkit-image-set("http://evil.example/p" 1x)}</style></svg>"#,
                "image-set",
            ),
            (
                r#"<svg><set attributeName="xlink:href" to="javascript:alert(1)"/></svg>"#,
                "href",
            ),
            (r#"<svg><rect style="behavior:url(x.htc)"/></svg>"#, "url("),
            (
                r#"<svg><handler type="application/ecmascript">alert(1)</handler></svg>"#,
                "handler",
            ),
        ];
        for (svg, why) in cases {
            let msg = refused(svg).to_lowercase();
            assert!(
                msg.contains(&why.to_lowercase()),
                "{svg}: message {msg:?} should mention {why}"
            );
        }
    }

    #[test]
    fn mutations_never_panic_and_output_is_stable() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
        let alphabet = b"<>/=\"'&;#:!?-[] aonhrefscriptxlinkurl()";
        for _ in 0..2000 {
            let mut doc = OK.as_bytes().to_vec();
            for _ in 0..rng.random_range(1..6) {
                let i = rng.random_range(0..doc.len());
                match rng.random_range(0..3) {
                    0 => doc[i] = alphabet[rng.random_range(0..alphabet.len())],
                    1 => {
                        doc.remove(i);
                    }
                    _ => doc.insert(i, alphabet[rng.random_range(0..alphabet.len())]),
                }
            }
            if let Ok(out) = sanitize_svg(&doc) {
                // whatever was accepted is accepted again unchanged, and holds nothing refused
                assert_eq!(sanitize_svg(&out).unwrap(), out);
                let text = String::from_utf8(out).unwrap().to_ascii_lowercase();
                assert!(
                    !text.contains("<script") && !text.contains("javascript:"),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn malformed_or_not_svg() {
        assert!(matches!(
            sanitize_svg(b"<svg><g></svg>"),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            sanitize_svg(b"<svg><g>"),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            sanitize_svg(b"<html/>"),
            Err(MediaError::UnsupportedType)
        ));
        assert!(matches!(
            sanitize_svg(b"<svg/><svg/>"),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            sanitize_svg(b"\xff\xfe<\0s\0"),
            Err(MediaError::Corrupt(_))
        ));
        assert!(matches!(
            sanitize_svg(b""),
            Err(MediaError::UnsupportedType)
        ));
    }
}
