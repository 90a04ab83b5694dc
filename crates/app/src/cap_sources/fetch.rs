//! The CAP subscriptions' fetch: [`outbound::fetch`] (http(s), at most 5 redirects, public addresses unless the
//! operator allowed a private network, the CAP timeout `cap_timeout_secs`, conditional for a source's own address) with the
//! CAP and feed types in `Accept` and at most `MAX_SOURCE_BYTES`. Whatever goes wrong is a `WireError` with its
//! stable code (the same codes as the news wire's).

use crate::outbound::{self, OutboundPolicy};
use std::time::Duration;
use twincast_core::alert::feed::MAX_SOURCE_BYTES;
use twincast_core::news::wire::WireError;

pub(super) use crate::outbound::Fetched;

const ACCEPT: &str = "application/cap+xml, application/atom+xml, application/rss+xml, \
    application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1";

/// Fetches `url` (conditionally when validators are given).
pub(super) async fn fetch(
    policy: &OutboundPolicy,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
    timeout: Duration,
) -> Result<Fetched, WireError> {
    outbound::fetch(
        policy,
        &outbound::Request {
            url,
            etag,
            last_modified,
            timeout,
            max_bytes: MAX_SOURCE_BYTES,
            accept: ACCEPT,
            user_agent: concat!("Twincast/", env!("CARGO_PKG_VERSION"), " (CAP)"),
            noun: "document",
        },
    )
    .await
}
