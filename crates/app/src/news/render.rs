//! A body's Markdown as HTML that is safe to put in a page or a feed: pulldown-cmark renders (tables,
//! strikethrough, footnotes), ammonia removes whatever a page must not run or load on its own (scripts, event
//! handlers, `javascript:` links, inline styles, frames); links get `rel="noopener noreferrer nofollow"`.
//! Sanitised on every render, so a change of the rules applies to stories already stored.

use pulldown_cmark::{html, Options, Parser};

/// The HTML of `markdown`, sanitised.
pub fn body_html(markdown: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, opts));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&raw)
        .to_string()
}

/// The text of `markdown` without its markup (for search and plain-text summaries), white space collapsed.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = String::new();
    for ev in Parser::new(markdown) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::Start(Tag::Item)
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_script_is_removed() {
        let h = body_html("**Wuxi** [site](https://example.org)\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(h.contains("<strong>Wuxi</strong>"), "{h}");
        assert!(h.contains(r#"href="https://example.org""#), "{h}");
        assert!(h.contains("noopener"), "{h}");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("javascript:"), "{h}");
        assert!(!h.contains("onerror"), "{h}");
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            plain_text("# Title\n\nSome *words* and `code`."),
            "Title Some words and code."
        );
    }
}
