//! The CAP subscriptions' fetch: `http`/`https` only, at most 5 redirects (to http(s) only), the news wire's
//! timeout, at most `MAX_SOURCE_BYTES` read, conditional (`If-None-Match`, `If-Modified-Since`) for a source's own
//! address. Whatever goes wrong is a `WireError` with its stable code (the same codes as the news wire's).

use std::time::Duration;
use twincast_core::alert::feed::MAX_SOURCE_BYTES;
use twincast_core::news::wire::{self as core_wire, WireError};

/// What a fetch got.
pub(super) enum Fetched {
    /// `304 Not Modified`.
    NotModified,
    /// The bytes and headers.
    Body {
        bytes: Vec<u8>,
        content_type: Option<String>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

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

const ACCEPT: &str = "application/cap+xml, application/atom+xml, application/rss+xml, \
    application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";
const MAX_REDIRECTS: usize = 5;

/// Fetches `url` (conditionally when validators are given).
pub(super) async fn fetch(
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    timeout: Duration,
) -> Result<Fetched, WireError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(WireError::new(
            "invalid-url",
            "only http and https sources are fetched",
        ));
    }
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            let scheme = attempt.url().scheme().to_string();
            attempt.error(format!("a redirect to a {scheme}: address"))
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(policy)
        .user_agent(concat!("Twincast/", env!("CARGO_PKG_VERSION"), " (CAP)"))
        .build()
        .map_err(|e| WireError::new("fetch-failed", error_chain(&e)))?;
    let mut req = client.get(url).header(reqwest::header::ACCEPT, ACCEPT);
    if let Some(etag) = etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
    }
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            WireError::new(
                "timeout",
                format!(
                    "the source did not answer within {} s",
                    timeout.as_secs_f32()
                ),
            )
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
            format!("the document is larger than {MAX_SOURCE_BYTES} bytes"),
        )
    };
    if res
        .content_length()
        .is_some_and(|n| n > MAX_SOURCE_BYTES as u64)
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
        if bytes.len() + chunk.len() > MAX_SOURCE_BYTES {
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
