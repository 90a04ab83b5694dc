//! The wire import's fetch: [`outbound::fetch`] with the feed types in `Accept`, at most `MAX_FEED_BYTES`, and only
//! to addresses the [`OutboundPolicy`] permits (public ones unless the operator allowed a private network), redirects
//! included.

use super::wire::WireSettings;
use crate::outbound::{self, OutboundPolicy};
use twincast_core::news::wire::{WireError, MAX_FEED_BYTES};
use twincast_store::WireSource;

pub(super) use crate::outbound::Fetched;

const ACCEPT: &str =
    "application/rss+xml, application/atom+xml, application/feed+json, application/ninjs+json, \
    application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1";

pub(super) async fn fetch(
    src: &WireSource,
    settings: &WireSettings,
    policy: &OutboundPolicy,
) -> Result<Fetched, WireError> {
    outbound::fetch(
        policy,
        &outbound::Request {
            url: &src.input.url,
            etag: src.etag.as_deref(),
            last_modified: src.last_modified.as_deref(),
            timeout: settings.timeout,
            max_bytes: MAX_FEED_BYTES,
            accept: ACCEPT,
            user_agent: concat!("Twincast/", env!("CARGO_PKG_VERSION"), " (news wire)"),
            noun: "feed",
        },
    )
    .await
}
