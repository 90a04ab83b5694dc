//! What other sites and crawlers read from the portal's pages: the `<head>` of a page as a link preview
//! (OpenGraph, Twitter cards), oEmbed discovery and schema.org `VideoObject` JSON-LD; plus the small helpers the
//! embed page, the oEmbed endpoint and the sitemap share (absolute URLs, ISO 8601 durations, the player's size).
//!
//! Everything here returns markup that goes into a page unescaped ([`Site::head`]): every value is escaped where
//! it is written, for an HTML attribute ([`attr`]) or for JSON inside `<script>` ([`json_in_script`]).

use super::Site;
use crate::i18n::Lang;
use crate::view::url_escape;
use std::fmt::Write;
use twincast_app::portal::{City, Video};

/// The player's default size in an iframe (16:9), for cards and oEmbed.
pub const PLAYER_SIZE: (u32, u32) = (960, 540);

/// The width of the posters the transcoder makes (at most; see `twincast_media::ffmpeg::thumbnail`).
pub const POSTER_WIDTH: i64 = 640;

/// `s` escaped for an HTML attribute value in double quotes (or for text).
pub fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A JSON value as text that can sit inside `<script>`: `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`, so no
/// string in it can close the element or open a comment.
pub fn json_in_script(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// A URL path (starting with `/`) made absolute on `base`; an absolute URL is kept.
pub fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else {
        format!("{base}{path}")
    }
}

/// The embed page of a video: `{base}/{lang}/embed/{id}`.
pub fn embed_url(base: &str, lang: &str, id: &str) -> String {
    format!("{base}/{lang}/embed/{}", url_escape(id))
}

/// A city's page: `{base}/{lang}/cities/{slug}`.
pub fn city_url(base: &str, lang: &str, slug: &str) -> String {
    format!("{base}/{lang}/cities/{}", url_escape(slug))
}

/// The OpenGraph locale of a language (`ru_RU`, `en_US`, `zh_CN`).
pub fn og_locale(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en_US",
        Lang::Ru => "ru_RU",
        Lang::Zh => "zh_CN",
    }
}

/// A length in ms as an ISO 8601 duration, to the nearest second (`PT1M30S`, `PT1H2M`, `PT0S`).
pub fn iso_duration(ms: i64) -> String {
    let total = (ms.max(0) + 500) / 1000;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::from("PT");
    if h > 0 {
        let _ = write!(out, "{h}H");
    }
    if m > 0 {
        let _ = write!(out, "{m}M");
    }
    if s > 0 || (h == 0 && m == 0) {
        let _ = write!(out, "{s}S");
    }
    out
}

/// An instant in epoch ms as RFC 3339 / ISO 8601 in UTC (`2025-03-01T10:00:00Z`).
pub fn iso_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The size of a video's poster: the transcoder's width (at most [`POSTER_WIDTH`]) at the film's aspect, else
/// 16:9.
pub fn poster_size(v: &Video) -> (i64, i64) {
    match (v.width, v.height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => {
            let pw = w.min(POSTER_WIDTH);
            (pw, (pw * h + w / 2) / w)
        }
        _ => (POSTER_WIDTH, POSTER_WIDTH * 9 / 16),
    }
}

/// An iframe's size within `maxwidth` × `maxheight` (0: no bound) at 16:9, at most [`PLAYER_SIZE`].
pub fn fit(maxwidth: u32, maxheight: u32) -> (u32, u32) {
    let (mut w, mut h) = PLAYER_SIZE;
    if maxwidth > 0 && w > maxwidth {
        w = maxwidth;
        h = w * 9 / 16;
    }
    if maxheight > 0 && h > maxheight {
        h = maxheight;
        w = h * 16 / 9;
    }
    (w.max(1), h.max(1))
}

/// The page's description, else the portal's lead line.
fn description(s: &Site) -> String {
    if s.description.trim().is_empty() {
        s.t("portal-lead")
    } else {
        s.description.clone()
    }
}

/// A `<meta property=… content=…>` line (`property` for OpenGraph, `name` for Twitter).
fn meta(out: &mut String, key: &str, name: &str, content: &str) {
    let _ = writeln!(
        out,
        r#"<meta {key}="{}" content="{}">"#,
        attr(name),
        attr(content)
    );
}

/// The OpenGraph lines every portal page has: site, title, description, URL, locales.
fn og_common(out: &mut String, s: &Site, title: &str) {
    meta(out, "property", "og:site_name", &s.t("portal-site"));
    meta(out, "property", "og:title", title);
    meta(out, "property", "og:description", &description(s));
    meta(out, "property", "og:url", &s.canonical());
    meta(out, "property", "og:locale", og_locale(s.tr.lang));
    for l in Lang::ALL.into_iter().filter(|l| *l != s.tr.lang) {
        meta(out, "property", "og:locale:alternate", og_locale(l));
    }
}

/// The `<head>` of a page without a film (home, cities, tour): OpenGraph `website` and a summary card.
pub fn page_head(s: &Site) -> String {
    let mut out = String::new();
    meta(&mut out, "property", "og:type", "website");
    og_common(&mut out, s, &s.title);
    meta(&mut out, "name", "twitter:card", "summary");
    meta(&mut out, "name", "twitter:title", &s.title);
    meta(&mut out, "name", "twitter:description", &description(s));
    out
}

/// The `<head>` of a city's page showing `video`: OpenGraph `video.other` whose video is the embed page, a
/// Twitter player card, the oEmbed discovery link and schema.org `VideoObject` JSON-LD. Without a film: as
/// [`page_head`].
///
/// The head depends only on the film shown, not on whether `?v=` chose it (the page cache's key has the film):
/// the oEmbed URL always names the film (`?v=`).
pub fn city_head(s: &Site, c: &City, video: Option<&Video>) -> String {
    let Some(v) = video else {
        return page_head(s);
    };
    let (lang, base) = (s.lang(), s.base.as_str());
    let title = format!("{} · {}", c.name(lang), v.title);
    let about = description(s);
    let embed = embed_url(base, lang, &v.id);
    let poster = v.poster.as_deref().map(|p| absolute(base, p));
    let (pw, ph) = PLAYER_SIZE;
    let mut out = String::new();
    meta(&mut out, "property", "og:type", "video.other");
    og_common(&mut out, s, &title);
    if let Some(p) = &poster {
        let (w, h) = poster_size(v);
        meta(&mut out, "property", "og:image", p);
        meta(&mut out, "property", "og:image:width", &w.to_string());
        meta(&mut out, "property", "og:image:height", &h.to_string());
        meta(&mut out, "property", "og:image:alt", &v.title);
    }
    meta(&mut out, "property", "og:video", &embed);
    if embed.starts_with("https://") {
        meta(&mut out, "property", "og:video:secure_url", &embed);
    }
    meta(&mut out, "property", "og:video:type", "text/html");
    meta(&mut out, "property", "og:video:width", &pw.to_string());
    meta(&mut out, "property", "og:video:height", &ph.to_string());
    if let Some(d) = v.duration_ms {
        meta(
            &mut out,
            "property",
            "video:duration",
            &((d + 500) / 1000).to_string(),
        );
    }
    meta(&mut out, "name", "twitter:card", "player");
    meta(&mut out, "name", "twitter:title", &title);
    meta(&mut out, "name", "twitter:description", &about);
    if let Some(p) = &poster {
        meta(&mut out, "name", "twitter:image", p);
    }
    meta(&mut out, "name", "twitter:player", &embed);
    meta(&mut out, "name", "twitter:player:width", &pw.to_string());
    meta(&mut out, "name", "twitter:player:height", &ph.to_string());
    // oEmbed discovery: the page's URL with the film it shows.
    let page = format!("{}?v={}", s.canonical(), url_escape(&v.id));
    let _ = writeln!(
        out,
        r#"<link rel="alternate" type="application/json+oembed" href="{}" title="{}">"#,
        attr(&format!(
            "{base}/oembed?url={}&format=json",
            percent_all(&page)
        )),
        attr(&title)
    );
    let mut ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "VideoObject",
        "name": title,
        "description": about,
        "uploadDate": iso_time(v.created_at),
        "contentUrl": absolute(base, v.mp4.as_deref().unwrap_or(&v.original)),
        "embedUrl": embed,
        "url": page,
        "inLanguage": lang,
    });
    if let Some(p) = &poster {
        ld["thumbnailUrl"] = p.clone().into();
    }
    if let Some(d) = v.duration_ms {
        ld["duration"] = iso_duration(d).into();
    }
    if let (Some(w), Some(h)) = (v.width, v.height) {
        ld["width"] = w.into();
        ld["height"] = h.into();
    }
    let _ = writeln!(
        out,
        r#"<script type="application/ld+json">{}</script>"#,
        json_in_script(&ld)
    );
    out
}

/// Percent-encodes everything but unreserved characters (a whole URL as one query parameter).
pub fn percent_all(s: &str) -> String {
    url_escape(s).replace('/', "%2F")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_iso_8601() {
        assert_eq!(iso_duration(90_000), "PT1M30S");
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(iso_duration(3_600_000), "PT1H");
        assert_eq!(iso_duration(3_725_400), "PT1H2M5S");
        assert_eq!(iso_duration(1_499), "PT1S");
        assert_eq!(iso_duration(-5), "PT0S");
    }

    #[test]
    fn escaping_closes_no_element() {
        assert_eq!(attr(r#"a"b<c>&'"#), "a&quot;b&lt;c&gt;&amp;&#39;");
        let j = json_in_script(&serde_json::json!({"x": "</script><!--&"}));
        assert!(
            !j.contains('<') && !j.contains('>') && !j.contains('&'),
            "{j}"
        );
        let back: serde_json::Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back["x"], "</script><!--&");
    }

    #[test]
    fn iframes_fit_the_bounds_at_16_9() {
        assert_eq!(fit(0, 0), PLAYER_SIZE);
        assert_eq!(fit(480, 0), (480, 270));
        assert_eq!(fit(0, 180), (320, 180));
        assert_eq!(fit(2000, 2000), PLAYER_SIZE);
        assert_eq!(fit(640, 200), (355, 200));
    }

    #[test]
    fn times_and_urls() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            percent_all("http://h/en/cities/a?v=1"),
            "http%3A%2F%2Fh%2Fen%2Fcities%2Fa%3Fv%3D1"
        );
        assert_eq!(og_locale(Lang::Ru), "ru_RU");
    }
}
