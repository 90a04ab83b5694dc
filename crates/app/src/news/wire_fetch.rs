//! The wire import's fetch: `http`/`https` only, at most [`MAX_REDIRECTS`] redirects (to http(s) only), one
//! timeout for connecting and reading, at most `MAX_FEED_BYTES` read (no compression is asked for), conditional
//! (`If-None-Match`, `If-Modified-Since`), and only to addresses the [`OutboundPolicy`] permits (public ones unless
//! the operator allowed a private network), redirects included. Whatever goes wrong is a `WireError` with its stable
//! code (`address-refused` for the guard).

use super::wire::{WireSettings, MAX_REDIRECTS};
use crate::outbound::{self, OutboundPolicy};
use twincast_core::news::wire::{self as core_wire, WireError, MAX_FEED_BYTES};
use twincast_store::WireSource;

/// What a fetch got.
pub(super) enum Fetched {
    /// `304 Not Modified`.
    NotModified,
    /// The feed's bytes and headers.
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// An error with its causes (reqwest's own message hides the cause, e.g. connection refused).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

const ACCEPT: &str =
    "application/rss+xml, application/atom+xml, application/feed+json, application/ninjs+json, \
    application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1";

pub(super) async fn fetch(
    src: &WireSource,
    settings: &WireSettings,
    outbound: &OutboundPolicy,
) -> Result<Fetched, WireError> {
    if !(src.input.url.starts_with("http://") || src.input.url.starts_with("https://")) {
        return Err(WireError::new(
            "invalid-url",
            "only http and https sources are fetched",
        ));
    }
    let url = reqwest::Url::parse(&src.input.url)
        .map_err(|e| WireError::new("invalid-url", format!("the source's URL: {e}")))?;
    outbound
        .check_url(&url)
        .map_err(|m| WireError::new("address-refused", m))?;
    let hops = outbound.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            let scheme = attempt.url().scheme().to_string();
            attempt.error(format!("a redirect to a {scheme}: address"))
        } else if let Err(m) = hops.check_url(attempt.url()) {
            attempt.error(m)
        } else {
            attempt.follow()
        }
    });
    let client = outbound
        .guard(reqwest::Client::builder())
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(policy)
        .user_agent(concat!(
            "Twincast/",
            env!("CARGO_PKG_VERSION"),
            " (news wire)"
        ))
        .build()
        .map_err(|e| WireError::new("fetch-failed", error_chain(&e)))?;
    let mut req = client.get(url).header(reqwest::header::ACCEPT, ACCEPT);
    if let Some(etag) = &src.etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &src.last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
    }
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            WireError::new(
                "timeout",
                format!(
                    "the source did not answer within {} s",
                    settings.timeout.as_secs_f32()
                ),
            )
        } else if outbound::is_refusal(&e) {
            WireError::new("address-refused", error_chain(&e))
        } else if e.is_redirect() {
            WireError::new("redirect-refused", error_chain(&e))
        } else {
            WireError::new("fetch-failed", error_chain(&e))
        }
    };
    let mut res = req.send().await.map_err(failed)?;
    let status = res.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(WireError::new(
            "http-status",
            format!("the source answered HTTP {}", status.as_u16()),
        ));
    }
    let too_large = || {
        WireError::new(
            "too-large",
            format!("the feed is larger than {MAX_FEED_BYTES} bytes"),
        )
    };
    if res
        .content_length()
        .is_some_and(|n| n > MAX_FEED_BYTES as u64)
    {
        return Err(too_large());
    }
    let header = |name: reqwest::header::HeaderName| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    core_wire::feed_content_type(content_type.as_deref())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(failed)? {
        if bytes.len() + chunk.len() > MAX_FEED_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body {
        bytes,
        content_type,
        etag,
        last_modified,
    })
}
