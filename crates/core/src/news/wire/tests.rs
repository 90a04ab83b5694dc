use super::*;
use proptest::prelude::*;

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Wire</title><language>en-GB</language>
<item><guid>a-1</guid><title>Forum opens &amp; delegates arrive</title><link>https://wire.example/a-1</link>
<description>&lt;p&gt;The &lt;b&gt;forum&lt;/b&gt; opened.&lt;/p&gt;</description>
<category>Economy &amp; Trade</category><pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate></item>
<item><guid>a-2</guid><title>Second</title><description>Text</description></item>
</channel></rss>"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh"><title>T</title><id>urn:feed</id><updated>2026-12-01T00:00:00Z</updated>
<entry><id>urn:e1</id><title type="html">&lt;i&gt;论坛&lt;/i&gt;开幕</title><updated>2026-11-30T10:00:00Z</updated>
<link href="https://wire.example/e1"/><content type="html">&lt;p&gt;正文&lt;/p&gt;</content></entry></feed>"#;

const JSON_FEED: &str = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J", "language": "ru",
  "items": [{"id": "j1", "url": "https://wire.example/j1", "title": "Форум", "content_html": "<p>Текст</p>",
  "summary": "Кратко", "date_published": "2026-12-01T09:00:00Z", "tags": ["Экономика"]}]}"#;

const NINJS: &str = r#"{"uri": "https://wire.example/n1", "standard": {"name": "ninjs", "version": "3.3"},
  "language": "en", "headlines": [{"value": "Main", "role": "main"}], "descriptions": [{"value": "Lead", "role": "summary"}],
  "bodies": [{"value": "<p>Body</p>", "contentType": "text/html"}], "subjects": [{"name": "Culture"}],
  "firstCreated": "2026-11-29T12:00:00Z"}"#;

fn items(f: &Feed, default_lang: Option<&str>) -> Vec<Result<WireItem, Skipped>> {
    f.items
        .iter()
        .map(|r| normalise(r, f.lang.as_deref(), default_lang, &["wire".into()]))
        .collect()
}

#[test]
fn rss_items_become_stories() {
    let f = parse(RSS.as_bytes(), Some("application/rss+xml"), Format::Auto).unwrap();
    assert_eq!(f.format, Format::Rss);
    let v = items(&f, None);
    let a = v[0].as_ref().unwrap();
    assert_eq!(a.original_id, "a-1");
    assert_eq!(a.lang, "en");
    assert_eq!(a.headline, "Forum opens & delegates arrive");
    assert_eq!(a.lead, "The forum opened.");
    assert_eq!(a.body, "<p>The <b>forum</b> opened.</p>");
    assert_eq!(a.url, "https://wire.example/a-1");
    assert_eq!(a.tags, vec!["wire".to_string(), "economy-trade".into()]);
    assert_eq!(a.dateline_date, "2026-12-01");
    let b = v[1].as_ref().unwrap();
    assert_eq!((b.lang, b.url.as_str()), ("en", ""));
}

#[test]
fn atom_json_feed_and_ninjs() {
    let f = parse(ATOM.as_bytes(), Some("application/atom+xml"), Format::Atom).unwrap();
    let a = items(&f, None).remove(0).unwrap();
    assert_eq!(
        (a.lang, a.headline.as_str(), a.body.as_str()),
        ("zh", "论坛 开幕", "<p>正文</p>")
    );
    assert_eq!(a.original_id, "urn:e1");
    let f = parse(
        JSON_FEED.as_bytes(),
        Some("application/feed+json"),
        Format::Auto,
    )
    .unwrap();
    assert_eq!(f.format, Format::JsonFeed);
    let j = items(&f, None).remove(0).unwrap();
    assert_eq!(
        (j.lang, j.headline.as_str(), j.lead.as_str()),
        ("ru", "Форум", "Кратко")
    );
    assert_eq!(j.tags, vec!["wire".to_string(), "экономика".into()]);
    let f = parse(
        NINJS.as_bytes(),
        Some("application/ninjs+json"),
        Format::Auto,
    )
    .unwrap();
    assert_eq!(f.format, Format::Ninjs);
    let n = items(&f, None).remove(0).unwrap();
    assert_eq!(n.original_id, "https://wire.example/n1");
    assert_eq!(
        (n.headline.as_str(), n.lead.as_str(), n.body.as_str()),
        ("Main", "Lead", "<p>Body</p>")
    );
    assert_eq!(
        (n.dateline_date.as_str(), n.tags[1].as_str()),
        ("2026-11-29", "culture")
    );
    // 1.x names, and a list.
    let old = r#"[{"uri": "x1", "headline": "Old", "body_html": "<p>b</p>", "language": "ru-RU", "versioncreated": "2026-01-02T00:00:00Z"}]"#;
    let f = parse(old.as_bytes(), None, Format::Ninjs).unwrap();
    let o = items(&f, None).remove(0).unwrap();
    assert_eq!(
        (o.lang, o.headline.as_str(), o.dateline_date.as_str()),
        ("ru", "Old", "2026-01-02")
    );
}

#[test]
fn a_dtd_is_refused_before_expansion() {
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><title>&lol2;</title></channel></rss>"#;
    assert_eq!(
        parse(laughs.as_bytes(), None, Format::Auto)
            .unwrap_err()
            .code,
        "dtd-refused"
    );
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>"#;
    assert_eq!(
        parse(xxe.as_bytes(), None, Format::Auto).unwrap_err().code,
        "dtd-refused"
    );
    // An entity used without any declaration is not well-formed.
    let undeclared = r#"<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"#;
    assert_eq!(
        parse(undeclared.as_bytes(), None, Format::Auto)
            .unwrap_err()
            .code,
        "malformed-feed"
    );
}

#[test]
fn malformed_and_wrong_things_are_refused_with_their_code() {
    let code = |b: &[u8], ct: Option<&str>, f: Format| parse(b, ct, f).unwrap_err().code;
    assert_eq!(
        code(
            b"<rss version=\"2.0\"><channel><item></channel></rss>",
            None,
            Format::Auto
        ),
        "malformed-feed"
    );
    assert_eq!(
        code(b"<rss version=\"2.0\"><channel>", None, Format::Auto),
        "malformed-feed"
    );
    assert_eq!(
        code(
            b"<html><body>hi</body></html>",
            Some("text/html"),
            Format::Auto
        ),
        "not-a-feed"
    );
    assert_eq!(
        code(b"<html><body>hi</body></html>", None, Format::Auto),
        "malformed-feed"
    );
    assert_eq!(code(b"hello", None, Format::Auto), "not-a-feed");
    assert_eq!(
        code(b"{\"version\": ", None, Format::Auto),
        "malformed-feed"
    );
    assert_eq!(code(RSS.as_bytes(), None, Format::Atom), "format-mismatch");
    assert_eq!(
        code(JSON_FEED.as_bytes(), None, Format::Ninjs),
        "format-mismatch"
    );
    assert_eq!(
        code(RSS.as_bytes(), None, Format::JsonFeed),
        "format-mismatch"
    );
    assert_eq!(code(b"{\"a\": 1}", None, Format::Ninjs), "malformed-feed");
    let big = vec![b' '; MAX_FEED_BYTES + 1];
    assert_eq!(code(&big, None, Format::Auto), "too-large");
}

#[test]
fn encodings_declared_are_decoded_and_invalid_bytes_refused() {
    // windows-1251, declared in the XML: decoded.
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><language>ru</language>\
         <item><guid>k</guid><title>Новости города</title></item></channel></rss>",
    );
    let f = parse(&bytes, Some("application/xml"), Format::Auto).unwrap();
    assert_eq!(
        items(&f, None)[0].as_ref().unwrap().headline,
        "Новости города"
    );
    // The same bytes claimed as UTF-8 (by the header, or undeclared): refused, nothing replaced.
    let e = parse(&bytes, Some("application/xml; charset=utf-8"), Format::Auto).unwrap_err();
    assert_eq!(e.code, "bad-encoding");
    let (raw, _, _) = encoding_rs::WINDOWS_1251.encode(
        "<rss version=\"2.0\"><channel><item><guid>k</guid><title>Новости</title></item></channel></rss>",
    );
    assert_eq!(
        parse(&raw, None, Format::Auto).unwrap_err().code,
        "bad-encoding"
    );
    // Shift_JIS declared but bytes invalid in it.
    let mut sj =
        b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss version=\"2.0\"><channel><title>"
            .to_vec();
    sj.extend([0x81, 0x20]);
    sj.extend(b"</title></channel></rss>");
    assert_eq!(
        parse(&sj, None, Format::Auto).unwrap_err().code,
        "bad-encoding"
    );
    assert_eq!(
        parse(
            b"<?xml version=\"1.0\" encoding=\"x-martian\"?><rss/>",
            None,
            Format::Auto
        )
        .unwrap_err()
        .code,
        "unknown-encoding"
    );
    // UTF-16 with a byte-order mark.
    let mut u16 = vec![0xFF, 0xFE];
    for unit in RSS.replace("UTF-8", "UTF-16").encode_utf16() {
        u16.extend(unit.to_le_bytes());
    }
    assert_eq!(parse(&u16, None, Format::Auto).unwrap().items.len(), 2);
}

#[test]
fn items_are_skipped_with_a_reason() {
    let raw = |id: &str, lang: Option<&str>, body: String| Raw {
        id: id.into(),
        title: "T".into(),
        lang: lang.map(str::to_string),
        body,
        ..Raw::default()
    };
    let huge = normalise(
        &raw("h", Some("en"), "x".repeat(MAX_ITEM_CHARS + 1)),
        None,
        None,
        &[],
    );
    assert_eq!(huge.unwrap_err().code, "item-too-large");
    let de = normalise(&raw("d", Some("de"), String::new()), None, Some("en"), &[]);
    assert_eq!(de.unwrap_err().code, "unsupported-language");
    let none = normalise(&raw("n", None, String::new()), None, None, &[]);
    assert_eq!(none.unwrap_err().code, "missing-language");
    assert_eq!(
        normalise(&raw("n", None, String::new()), None, Some("zh"), &[])
            .unwrap()
            .lang,
        "zh"
    );
    assert_eq!(
        normalise(&raw(" ", Some("en"), String::new()), None, None, &[])
            .unwrap_err()
            .code,
        "invalid-item"
    );
    let mut empty = raw("e", Some("en"), String::new());
    empty.title.clear();
    assert_eq!(
        normalise(&empty, None, None, &[]).unwrap_err().code,
        "invalid-item"
    );
}

#[test]
fn plain_text_and_truncation() {
    assert_eq!(
        text::plain_text("<p>a<script>alert(1)</script> b &lt;c&gt; &#x4e2d;</p>"),
        "a b <c> 中"
    );
    assert_eq!(text::plain_text("x < y"), "x < y");
    assert_eq!(text::truncate("abcdef", 4), "abc…");
    assert_eq!(
        text::to_tag("  Economy & Trade "),
        Some("economy-trade".into())
    );
    assert_eq!(text::to_tag("!!!"), None);
    assert_eq!(desk_lang("zh-Hans-CN"), Some("zh"));
    assert_eq!(desk_lang("de"), None);
}

proptest! {
    #[test]
    fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse(&bytes, None, Format::Auto);
    }

    #[test]
    fn parsing_xml_like_text_never_panics(s in "[<>/a-z!&;\"'= \\[\\]?#x0-9]{0,200}") {
        let _ = parse(s.as_bytes(), Some("text/xml"), Format::Auto);
    }

    #[test]
    fn any_text_survives_an_encoding_it_is_declared_in(s in "[a-zA-Zа-яА-ЯёЁ0-9 .,]{0,60}") {
        let doc = format!("<?xml version=\"1.0\" encoding=\"koi8-r\"?><rss version=\"2.0\"><channel><language>ru</language><item><guid>g</guid><title>x{s}</title></item></channel></rss>");
        let (bytes, _, unmappable) = encoding_rs::KOI8_R.encode(&doc);
        prop_assume!(!unmappable);
        let f = parse(&bytes, None, Format::Auto).unwrap();
        let item = normalise(&f.items[0], f.lang.as_deref(), None, &[]).unwrap();
        prop_assert_eq!(item.headline, text::truncate(&text::one_line(&format!("x{s}")), rules::HEADLINE_MAX));
    }

    #[test]
    fn normalised_items_pass_the_desk_rules(
        title in "\\PC{0,300}", summary in "\\PC{0,1200}", body in "\\PC{0,300}",
        cats in proptest::collection::vec("\\PC{0,50}", 0..30), lang in "(en|ru|zh|en-US|zh-Hant|de)?",
    ) {
        let raw = Raw { id: "id".into(), title, summary, body, categories: cats,
            lang: Some(lang).filter(|l| !l.is_empty()), ..Raw::default() };
        if let Ok(i) = normalise(&raw, None, Some("en"), &[]) {
            prop_assert!(rules::text("h", &i.headline, rules::HEADLINE_MAX, true, false).is_ok());
            prop_assert!(rules::short_headline("s", &i.short_headline).is_ok());
            prop_assert!(rules::text("l", &i.lead, rules::LEAD_MAX, false, true).is_ok());
            prop_assert!(rules::text("b", &i.body, rules::BODY_MAX, false, true).is_ok());
            prop_assert!(i.tags.len() <= rules::TAGS_MAX);
            for t in &i.tags { prop_assert!(rules::tag("t", t).is_ok()); }
            prop_assert!(rules::LANGS.contains(&i.lang));
        }
    }

    #[test]
    fn truncate_keeps_within_max(s in "\\PC{0,100}", max in 1usize..50) {
        let t = text::truncate(&s, max);
        prop_assert!(t.chars().count() <= max);
        if s.chars().count() <= max { prop_assert_eq!(t, s); }
    }
}
