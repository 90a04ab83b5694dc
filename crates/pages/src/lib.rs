//! The pages people see in a browser: the operator console (`/console`) and, on the same stack, the public
//! portal. A front door like the JSON API: a handler parses the request, calls one `App` operation and renders a
//! server-side template (askama, checked at compile time) in the reader's language ([`i18n`]). Interaction that
//! needs a script is a small plain ES module (`web/pages/js`); there is no front-end build step and every asset
//! is embedded in the binary.

pub mod assets;
pub mod console;
pub mod i18n;
pub mod map;
pub mod portal;
pub mod session;
pub mod view;

use axum::Router;
use std::sync::Arc;

/// Tells the player hub that a screen's devices were replaced or revoked (it closes their sockets at once).
pub type DevicesRevoked = Arc<dyn Fn(&str, &[String]) + Send + Sync>;

/// What the pages' handlers reach. Cheap to clone.
#[derive(Clone)]
pub struct Pages {
    /// The application layer.
    pub app: twincast_app::App,
    /// Whether cookies get the `Secure` attribute (served over HTTPS).
    pub secure_cookies: bool,
    /// Closes the sockets of revoked devices.
    pub devices_revoked: DevicesRevoked,
    /// Lifetime of a device token issued by pairing (ms).
    pub token_ttl_ms: i64,
    /// What pages keep between requests.
    pub caches: Arc<Caches>,
    /// The operator's tile server for maps; `None`: the bundled land shapes.
    pub tiles: Option<map::Tiles>,
    /// Scheme and host of absolute links (canonical URLs, sitemaps, embeds), without a trailing `/`; empty: the
    /// request's `Host`.
    pub base_url: String,
}

/// Results pages keep between requests, each keyed by what makes it stale.
#[derive(Debug, Default)]
pub struct Caches {
    /// The network's planned airtime per partner, by (schedule version, day start).
    pub planned: std::sync::Mutex<Option<(i64, i64, Vec<twincast_app::schedule::PlannedShare>)>>,
    /// Screens online, offline and never seen per location, with the instant (ms) they were counted.
    pub fleet: std::sync::Mutex<Option<(i64, Vec<twincast_store::LocationFleet>)>>,
    /// The portal's rendered pages.
    pub portal: portal::PageCache,
    /// Per language, the projects and public stories city and project pages look through for related ones, with
    /// the 5-second slot they were read in.
    pub related: std::sync::Mutex<
        std::collections::HashMap<&'static str, (i64, Arc<twincast_app::cooperation::Related>)>,
    >,
}

/// How long the fleet's counts per location are reused (ms): a screen's status changes at heartbeat pace
/// (tens of seconds), and counting 10,000 screens on every dashboard or map request is the costliest part of
/// those pages.
pub const FLEET_COUNTS_TTL_MS: i64 = 2_000;

/// How long the projects and stories read for "related" lists are reused (ms): pages re-render at that pace.
pub const RELATED_TTL_MS: i64 = 5_000;

impl Pages {
    /// The projects and the newest public stories in `lang`, read at most once per [`RELATED_TTL_MS`] slot.
    pub async fn related(
        &self,
        lang: &'static str,
    ) -> twincast_app::AppResult<Arc<twincast_app::cooperation::Related>> {
        let slot = self.app.now_ms() / RELATED_TTL_MS;
        if let Ok(g) = self.caches.related.lock() {
            if let Some((at, r)) = g.get(lang) {
                if *at == slot {
                    return Ok(r.clone());
                }
            }
        }
        let r = Arc::new(self.app.portal_related(lang).await?);
        if let Ok(mut g) = self.caches.related.lock() {
            g.insert(lang, (slot, r.clone()));
        }
        Ok(r)
    }

    /// Screens by status per location, counted at most [`FLEET_COUNTS_TTL_MS`] ago.
    pub async fn fleet_by_location(
        &self,
    ) -> twincast_app::AppResult<Vec<twincast_store::LocationFleet>> {
        let now = self.app.now_ms();
        if let Ok(guard) = self.caches.fleet.lock() {
            if let Some((at, fleet)) = guard.as_ref() {
                if (0..FLEET_COUNTS_TTL_MS).contains(&(now - at)) {
                    return Ok(fleet.clone());
                }
            }
        }
        let fleet = self.app.fleet_by_location().await?;
        if let Ok(mut guard) = self.caches.fleet.lock() {
            *guard = Some((now, fleet.clone()));
        }
        Ok(fleet)
    }
}

/// The pages' routes (`/console/...`, `/i18n/...`, `/assets/...`), with their state.
pub fn router<S: Clone + Send + Sync + 'static>(pages: Pages) -> Router<S> {
    Router::new()
        .merge(console::router())
        .merge(portal::router())
        .merge(assets::router())
        .with_state(pages)
}
