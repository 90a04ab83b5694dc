//! The public portal's domain: the partner cities as anyone may see them (names and descriptions in each
//! language, the videos that passed review with their renditions, the distance from the host city), what the
//! network's screens are showing now (by place, never by device), and privacy-respecting view counts.
//!
//! Reads are public (no [`Actor`](crate::Actor)): the portal shows only what screens show anyway. The cities are
//! read as one [`Snapshot`], kept for [`SNAPSHOT_TTL_MS`] and dropped at once by a partner or media change made
//! through this process, so that busy pages cost no database round trip.

mod now;
pub mod search;
mod views;

pub use now::NowOnScreen;
pub use views::{view_counted, ViewRequest};

use crate::error::AppResult;
use crate::App;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use twincast_store::{Partner, PublicMedia};

/// How long a snapshot of the cities is reused (ms) when nothing here changed it (changes made by another node
/// are seen after at most this long).
pub const SNAPSHOT_TTL_MS: i64 = 5_000;

/// The host city of the network (where the screens are), for distances.
#[derive(Debug, Clone, PartialEq)]
pub struct HostCity {
    /// Names by language tag.
    pub names: BTreeMap<String, String>,
    /// Latitude in degrees.
    pub lat: f64,
    /// Longitude in degrees.
    pub lon: f64,
}

/// A subtitle or chapter track of a video (WebVTT).
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    /// `captions`, `subtitles` or `chapters`.
    pub kind: String,
    /// Language tag, when known.
    pub lang: String,
    /// URL path of the `.vtt` file.
    pub url: String,
}

/// A video anyone may watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Video {
    /// Media id (stable; the embed and oEmbed URLs use it).
    pub id: String,
    /// The partner's slug.
    pub partner: String,
    /// A title from the file's name (without its extension).
    pub title: String,
    /// Length in ms, when known.
    pub duration_ms: Option<i64>,
    /// Frame size, when known.
    pub width: Option<i64>,
    /// Frame height, when known.
    pub height: Option<i64>,
    /// The HLS master playlist (URL path), once transcoded.
    pub hls: Option<String>,
    /// The normalised H.264/AAC MP4 (URL path), once transcoded.
    pub mp4: Option<String>,
    /// The sound alone (AAC `.m4a`, URL path), when the video has sound: for listening without the picture.
    pub audio: Option<String>,
    /// The storyboard's WebVTT thumbnails track (URL path; it names tiles of its sprite), once made: for
    /// scrubbing.
    pub storyboard: Option<String>,
    /// The uploaded file (URL path): plays where nothing else exists.
    pub original: String,
    /// MIME type of the uploaded file.
    pub original_mime: String,
    /// The poster image (URL path), once made.
    pub poster: Option<String>,
    /// WebVTT tracks.
    pub tracks: Vec<Track>,
    /// Upload time, epoch ms.
    pub created_at: i64,
}

impl Video {
    fn of(p: PublicMedia) -> Video {
        let m = p.media;
        let find = |kind: &str, suffix: &str| {
            p.renditions
                .iter()
                .find(|r| r.kind == kind && r.object_key.ends_with(suffix))
                .map(|r| format!("/{}", r.object_key))
        };
        let tracks = p
            .renditions
            .iter()
            .filter(|r| matches!(r.kind.as_str(), "captions" | "subtitles" | "chapters"))
            .map(|r| Track {
                kind: r.kind.clone(),
                // `…/captions.ru.vtt` → `ru`.
                lang: r
                    .object_key
                    .rsplit('/')
                    .next()
                    .and_then(|f| f.split('.').nth(1))
                    .filter(|l| l.len() <= 8 && *l != "vtt")
                    .unwrap_or("")
                    .to_string(),
                url: format!("/{}", r.object_key),
            })
            .collect();
        let title = match m.original_name.rsplit_once('.') {
            Some((stem, _)) if !stem.is_empty() => stem.to_string(),
            _ => m.original_name.clone(),
        };
        Video {
            hls: find("hls", "master.m3u8"),
            mp4: find("mp4", ".mp4"),
            audio: find("audio", ".m4a"),
            storyboard: find("storyboard-vtt", ".vtt"),
            poster: find("thumbnail", ""),
            original: format!("/media/{}.{}", m.sha256, m.media_type),
            original_mime: m.mime.clone(),
            tracks,
            title,
            id: m.id,
            partner: m.partner,
            duration_ms: m.duration_ms,
            width: m.width,
            height: m.height,
            created_at: m.created_at,
        }
    }
}

/// A partner city as the portal shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    /// The partner.
    pub partner: Partner,
    /// Its videos, oldest first.
    pub videos: Vec<Video>,
    /// Great-circle distance from the host city in km, when both have coordinates.
    pub distance_km: Option<f64>,
}

impl City {
    /// The name in `lang`, else English, else the slug.
    pub fn name(&self, lang: &str) -> &str {
        self.partner
            .names
            .get(lang)
            .or_else(|| self.partner.names.get("en"))
            .map(String::as_str)
            .unwrap_or(&self.partner.slug)
    }

    /// The description in `lang`, else the partner's default description.
    pub fn description(&self, lang: &str) -> &str {
        self.partner
            .descriptions
            .get(lang)
            .filter(|d| !d.trim().is_empty())
            .map(String::as_str)
            .unwrap_or(&self.partner.description)
    }
}

/// Every city at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Cities ordered by continent, country, then slug (shared by the snapshots of an unchanged database).
    pub cities: Arc<Vec<City>>,
    /// The host city, if configured.
    pub host: Option<HostCity>,
    /// When it was read (epoch ms).
    pub read_at: i64,
    /// Raised by every refresh that found a change: pages rendered from a snapshot are keyed by it.
    pub generation: u64,
    /// [`Store::portal_stamp`](twincast_store::Store::portal_stamp) read just before the cities.
    pub stamp: String,
}

impl Snapshot {
    /// The city with this slug.
    pub fn city(&self, slug: &str) -> Option<&City> {
        self.cities.iter().find(|c| c.partner.slug == slug)
    }

    /// The video with this id and its city.
    pub fn video(&self, id: &str) -> Option<(&City, &Video)> {
        self.cities
            .iter()
            .find_map(|c| c.videos.iter().find(|v| v.id == id).map(|v| (c, v)))
    }
}

/// What the portal keeps between requests.
#[derive(Debug, Default)]
pub struct PortalCache {
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    generation: AtomicU64,
    /// Raised by every change made through this process (a read that began before one is not kept).
    changes: AtomicU64,
    /// A background read is under way.
    refreshing: AtomicBool,
    /// Serialises the reads of requests that find nothing kept.
    first: tokio::sync::Mutex<()>,
    pub(crate) now: Mutex<Option<(i64, Arc<Vec<NowOnScreen>>)>>,
    /// A background update of `now` is under way.
    pub(crate) now_refreshing: AtomicBool,
    /// The fingerprint of the cities the search index holds.
    indexed: Mutex<Option<[u8; 32]>>,
}

impl App {
    /// The cities as the portal shows them, read at most [`SNAPSHOT_TTL_MS`] ago.
    pub async fn portal_snapshot(&self) -> AppResult<Arc<Snapshot>> {
        let now = self.now_ms();
        let kept = self.portal.snapshot.lock().ok().and_then(|g| g.clone());
        if let Some(s) = kept {
            if (0..SNAPSHOT_TTL_MS).contains(&(now - s.read_at)) {
                return Ok(s);
            }
            // Stale: answer with it and read the database once, in the background (no request waits for it,
            // and a crowd of requests does not read it a crowd of times).
            if !self.portal.refreshing.swap(true, Ordering::SeqCst) {
                let app = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.read_snapshot().await {
                        tracing::warn!(error = %e, "the portal's cities could not be read; the last read stays");
                    }
                    app.portal.refreshing.store(false, Ordering::SeqCst);
                });
            }
            return Ok(s);
        }
        // Nothing kept (first request, or a change through this process): read now, one reader at a time.
        let _one = self.portal.first.lock().await;
        if let Some(s) = self.portal.snapshot.lock().ok().and_then(|g| g.clone()) {
            return Ok(s);
        }
        self.read_snapshot().await
    }

    /// Reads the cities from the database and keeps them, unless a change came in meanwhile.
    async fn read_snapshot(&self) -> AppResult<Arc<Snapshot>> {
        let changes = self.portal.changes.load(Ordering::SeqCst);
        let now = self.now_ms();
        let stamp = self.store.portal_stamp().await?;
        let kept = self.portal.snapshot.lock().ok().and_then(|g| g.clone());
        if let Some(old) = kept.filter(|s| s.stamp == stamp) {
            // Nothing changed since the last read: keep its cities (and the pages rendered from them), only
            // renewed, instead of reading and parsing every partner again.
            let snap = Arc::new(Snapshot {
                read_at: now,
                ..(*old).clone()
            });
            // The index also holds news (visible by the clock) and projects, which the stamp does not cover.
            if let Err(e) = self.keep_index(&snap).await {
                tracing::error!(error = %e, "the search index could not follow the portal's content");
            }
            self.keep(&snap, changes);
            return Ok(snap);
        }
        let partners = self.store.all_partners().await?;
        let mut videos: BTreeMap<String, Vec<Video>> = BTreeMap::new();
        for p in self.store.public_videos().await? {
            videos
                .entry(p.media.partner.clone())
                .or_default()
                .push(Video::of(p));
        }
        let host = self.settings.host.clone();
        let mut cities: Vec<City> = partners
            .into_iter()
            .map(|partner| City {
                distance_km: match (&host, partner.lat, partner.lon) {
                    (Some(h), Some(lat), Some(lon)) => Some(twincast_core::geofence::haversine_km(
                        twincast_core::LatLon {
                            lat: h.lat,
                            lon: h.lon,
                        },
                        twincast_core::LatLon { lat, lon },
                    )),
                    _ => None,
                },
                videos: videos.remove(&partner.slug).unwrap_or_default(),
                partner,
            })
            .collect();
        cities.sort_by(|a, b| {
            (&a.partner.continent, &a.partner.country, &a.partner.slug).cmp(&(
                &b.partner.continent,
                &b.partner.country,
                &b.partner.slug,
            ))
        });
        let generation = self.portal.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let snap = Arc::new(Snapshot {
            cities: Arc::new(cities),
            host,
            read_at: now,
            generation,
            stamp,
        });
        if let Err(e) = self.keep_index(&snap).await {
            // Pages still work; search answers from what it held.
            tracing::error!(error = %e, "the search index could not follow the cities");
        }
        self.keep(&snap, changes);
        Ok(snap)
    }

    /// Keeps `snap` unless a change came in through this process since `changes` was read.
    fn keep(&self, snap: &Arc<Snapshot>, changes: u64) {
        if let Ok(mut g) = self.portal.snapshot.lock() {
            if self.portal.changes.load(Ordering::SeqCst) == changes {
                *g = Some(snap.clone());
            }
        }
    }

    /// Drops the kept snapshot (a partner or a video changed).
    pub fn portal_changed(&self) {
        self.portal.changes.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut g) = self.portal.snapshot.lock() {
            *g = None;
        }
    }
}
