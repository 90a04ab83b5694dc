//! The embed page, `GET /{lang}/embed/{media_id}`: one film in the whole window, for an `<iframe>` on a partner
//! city's own site (the oEmbed answer and the link previews point here). Only the `<video>` and the film's
//! title, which opens the city's page on the portal.
//!
//! The query takes PeerTube's embed parameters, so a partner who embeds PeerTube videos writes the same URLs:
//! `start` and `stop` (seconds, or `1m30s`), `loop`, `autoplay`, `muted`, `controls` (default on), `title`
//! (`0` hides it) and `subtitle` (the language of the track to show). A value that does not parse is ignored.
//! The page carries them as `data-*` attributes (and HTML attributes where one exists); `web/pages/js/embed.js`
//! applies them.
//!
//! Framing: the server sets no `X-Frame-Options` or `frame-ancestors` on any page, so other sites may frame
//! this one; should a framing policy ever be added, this route is the one to exempt.

use super::share::{city_url, PLAYER_SIZE};
use super::{base_url, failed, html, not_found};
use crate::i18n::{Lang, Tr};
use crate::Pages;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use twincast_app::portal::Video;

/// The routes of one language.
pub fn router(lang: Lang) -> Router<Pages> {
    Router::new().route(
        &format!("/{}/embed/{{id}}", lang.tag()),
        get(
            move |s: State<Pages>, h: HeaderMap, p: Path<String>, q: Query<EmbedQuery>| {
                embed(s, h, p, q, lang)
            },
        ),
    )
}

/// PeerTube-compatible embed parameters, as given (parsed leniently).
#[derive(Debug, Default, Deserialize)]
pub struct EmbedQuery {
    start: Option<String>,
    stop: Option<String>,
    #[serde(rename = "loop")]
    loop_: Option<String>,
    autoplay: Option<String>,
    muted: Option<String>,
    controls: Option<String>,
    title: Option<String>,
    subtitle: Option<String>,
}

/// The parameters the page applies.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Where to start, in seconds.
    pub start: Option<f64>,
    /// Where to stop, in seconds (after `start`).
    pub stop: Option<f64>,
    /// Play again from `start` at the end.
    pub loop_: bool,
    /// Start playing at once (muted if the browser insists).
    pub autoplay: bool,
    /// Sound off.
    pub muted: bool,
    /// Show the browser's controls.
    pub controls: bool,
    /// Show the film's title.
    pub title: bool,
    /// Language of the text track to show.
    pub subtitle: Option<String>,
}

impl Options {
    /// The options of a query (defaults where a value is missing or does not parse).
    pub fn of(q: &EmbedQuery) -> Options {
        let flag =
            |v: &Option<String>, default: bool| v.as_deref().and_then(flag).unwrap_or(default);
        let start = q.start.as_deref().and_then(seconds).filter(|s| *s > 0.0);
        Options {
            stop: q
                .stop
                .as_deref()
                .and_then(seconds)
                .filter(|s| *s > start.unwrap_or(0.0)),
            start,
            loop_: flag(&q.loop_, false),
            autoplay: flag(&q.autoplay, false),
            muted: flag(&q.muted, false),
            controls: flag(&q.controls, true),
            title: flag(&q.title, true),
            subtitle: q
                .subtitle
                .as_deref()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && l.len() <= 16
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                })
                .map(str::to_string),
        }
    }

    /// The media fragment (`#t=30,45`) for the `<source>`s, so a browser without the script starts there too.
    pub fn fragment(&self) -> String {
        match (self.start, self.stop) {
            (None, None) => String::new(),
            (s, None) => format!("#t={}", s.unwrap_or(0.0)),
            (s, Some(e)) => format!("#t={},{e}", s.unwrap_or(0.0)),
        }
    }
}

/// `1`/`true`/`yes` or `0`/`false`/`no` (PeerTube writes both forms).
pub fn flag(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Seconds from `90`, `90.5`, or PeerTube's `1h2m3s` / `1m30s` / `45s`.
pub fn seconds(v: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() || v.len() > 32 {
        return None;
    }
    if let Ok(n) = v.parse::<f64>() {
        return (n.is_finite() && n >= 0.0).then_some(n);
    }
    let (mut total, mut digits) = (0.0, String::new());
    for ch in v.chars() {
        match ch {
            '0'..='9' | '.' => digits.push(ch),
            'h' | 'm' | 's' => {
                let n: f64 = digits.parse().ok()?;
                total += n * match ch {
                    'h' => 3600.0,
                    'm' => 60.0,
                    _ => 1.0,
                };
                digits.clear();
            }
            _ => return None,
        }
    }
    digits.is_empty().then_some(total)
}

#[derive(Template)]
#[template(path = "portal/embed.html")]
struct EmbedPage<'a> {
    tr: Tr,
    v: &'a Video,
    city: String,
    /// The city's page (canonical).
    city_page: String,
    /// The city's page showing this film (the title's link).
    city_href: String,
    o: Options,
    fragment: String,
    size: (u32, u32),
}

impl EmbedPage<'_> {
    /// Whether the track of this language is the one shown at first.
    fn shown(&self, lang: &str) -> bool {
        self.o.subtitle.as_deref() == Some(lang)
    }

    /// A flag for a data attribute (`1` or `0`).
    fn bit(&self, b: &bool) -> &'static str {
        if *b {
            "1"
        } else {
            "0"
        }
    }

    /// A number of seconds for a data attribute.
    fn secs(&self, s: &Option<f64>) -> String {
        s.map(|s| s.to_string()).unwrap_or_default()
    }
}

async fn embed(
    State(pages): State<Pages>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<EmbedQuery>,
    lang: Lang,
) -> Response {
    let snap = match pages.app.portal_snapshot().await {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let base = base_url(&pages, &headers);
    let Some((c, v)) = snap.video(&id) else {
        return not_found(lang, &base);
    };
    let o = Options::of(&q);
    let city_page = city_url(&base, lang.tag(), &c.partner.slug);
    let page = EmbedPage {
        tr: Tr::new(lang),
        city: c.name(lang.tag()).to_string(),
        city_href: format!("{city_page}?v={}", crate::view::url_escape(&v.id)),
        city_page,
        fragment: o.fragment(),
        size: PLAYER_SIZE,
        o,
        v,
    };
    html(
        page.render()
            .map(|h| std::sync::Arc::new(super::Rendered::new(h))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peertube_times_parse() {
        assert_eq!(seconds("90"), Some(90.0));
        assert_eq!(seconds("12.5"), Some(12.5));
        assert_eq!(seconds("1m30s"), Some(90.0));
        assert_eq!(seconds("1h2m3s"), Some(3723.0));
        assert_eq!(seconds("45s"), Some(45.0));
        assert_eq!(seconds("2m"), Some(120.0));
        for bad in ["", "-3", "1x", "m", "1m30", "NaN", "inf"] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn options_default_and_parse_leniently() {
        let o = Options::of(&EmbedQuery::default());
        assert!(o.controls && o.title && !o.loop_ && !o.autoplay && !o.muted);
        assert_eq!(o.fragment(), "");
        let q = EmbedQuery {
            start: Some("1m".into()),
            stop: Some("30".into()),
            loop_: Some("true".into()),
            autoplay: Some("1".into()),
            muted: Some("maybe".into()),
            controls: Some("0".into()),
            title: Some("false".into()),
            subtitle: Some("ru\"><script>".into()),
        };
        let o = Options::of(&q);
        assert_eq!(
            (o.start, o.stop),
            (Some(60.0), None),
            "stop before start is dropped"
        );
        assert!(o.loop_ && o.autoplay && !o.muted && !o.controls && !o.title);
        assert_eq!(o.subtitle, None);
        assert_eq!(o.fragment(), "#t=60");
    }
}
