//! Building manifests from a schedule snapshot: targeting (shared between screens that agree on what targeting
//! looks at), the shared part (the engine's play sequence, items, alerts, layout, ticker, free-zone items, media;
//! serialized once per group of screens) and each screen's head.

use super::{wire as to_wire, Manifest};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use twincast_core as tc;
use twincast_protocol as wire;
use twincast_store::ResolvedItem;

const HOUR: i64 = 3_600_000;

/// Shared parts built, and the microseconds spent building them (for the hub's refresh log line).
pub(crate) static SHARED_BUILDS: AtomicU64 = AtomicU64::new(0);
/// See [`SHARED_BUILDS`].
pub(crate) static SHARED_BUILD_US: AtomicU64 = AtomicU64::new(0);

/// The serialized shared part of the manifests of every screen with the same inputs.
pub(crate) struct SharedPart {
    pub(super) digest: [u8; 32],
    /// `,"alerts":…}`: the end of every body built from it ([`wire::ManifestShared::to_suffix`]).
    pub(super) suffix: Bytes,
    /// `suffix` as raw deflate blocks, final; compressed on first use (off the push path).
    pub(super) suffix_gz: std::sync::OnceLock<Bytes>,
    pub(super) suffix_crc: crc32fast::Hasher,
}

/// Everything the manifests of one schedule version are computed from, loaded once per version, with the
/// targeting results and shared parts computed from it so far.
pub(crate) struct Snapshot {
    /// Schedule version.
    pub(crate) version: i64,
    inputs: twincast_store::ScheduleCatalog,
    resolved: [HashMap<(String, String), ResolvedItem>; 2],
    shared: Mutex<HashMap<[u8; 32], Arc<SharedPart>>>,
    /// Whether some campaign targets screens by id (then every screen has its own targeting).
    ids_matter: bool,
    targeting: Mutex<HashMap<String, Arc<Targeting>>>,
    /// The layouts assigned to screens and groups (a layout change bumps the schedule version).
    layouts: twincast_store::LayoutAssignments,
    /// What choosing each item's file needs (a change of any of it bumps the schedule version).
    playback: Playback,
}

/// What the choice of each item's file needs ([`twincast_core::playback`]).
#[derive(Default)]
pub(crate) struct Playback {
    /// Every medium's codec and H.264 rendition, by media id.
    pub(crate) media: HashMap<String, twincast_store::PlaybackMedia>,
    /// What each screen that reported it decodes, by screen id.
    pub(crate) decodes: HashMap<String, Vec<String>>,
    /// Partners' names by language, by slug.
    pub(crate) partners: HashMap<String, BTreeMap<String, String>>,
}

impl Playback {
    /// The file of medium `m` that a player decoding `d` on a screen reading `language` plays, as the manifest
    /// names it; `None` when there is none yet. Media the snapshot does not know play as they are.
    fn media(
        &self,
        m: &twincast_store::MediaRef,
        d: &tc::playback::Decodes,
        language: &str,
    ) -> Option<wire::Media> {
        let original = to_wire::media(m);
        let Some(p) = self.media.get(&m.id) else {
            return Some(original);
        };
        let r = match tc::playback::pick_for(&p.facts, d, language) {
            tc::playback::Pick::Original => return Some(original),
            tc::playback::Pick::Rendition => p.rendition.as_ref()?,
            tc::playback::Pick::Captioned => {
                let lang = tc::playback::caption_language(language, p.captioned.keys())?;
                p.captioned.get(lang)?
            }
            tc::playback::Pick::Nothing => return None,
        };
        Some(wire::Media {
            url: format!("/{}", r.object_key),
            sha256: r.sha256.clone().unwrap_or_default(),
            size: r.size,
            mime: "video/mp4".into(),
            ..original
        })
    }

    /// The partner's name in `language` (else English, else any), never the slug unless it has no name.
    fn partner_name(&self, slug: &str, language: &str) -> Option<String> {
        let names = self.partners.get(slug)?;
        names
            .get(language)
            .or_else(|| names.get("en"))
            .or_else(|| names.values().next())
            .filter(|n| !n.trim().is_empty())
            .cloned()
    }
}

impl Snapshot {
    /// A snapshot of `inputs` with their items resolved per orientation (0 landscape, 1 portrait).
    pub(crate) fn new(
        version: i64,
        inputs: twincast_store::ScheduleCatalog,
        resolved: [HashMap<(String, String), ResolvedItem>; 2],
    ) -> Snapshot {
        let ids_matter = inputs
            .main
            .iter()
            .chain(inputs.ticker.iter())
            .flatten()
            .chain(inputs.free.iter().flatten().map(|(_, c)| c))
            .any(|c| !c.targets.screens.is_empty());
        Snapshot {
            version,
            inputs,
            resolved,
            shared: Mutex::default(),
            ids_matter,
            targeting: Mutex::default(),
            layouts: Default::default(),
            playback: Playback::default(),
        }
    }

    /// The same snapshot with what choosing each item's file needs.
    pub(crate) fn with_playback(mut self, playback: Playback) -> Snapshot {
        self.playback = playback;
        self
    }

    /// The same snapshot with the layouts assigned to screens and groups.
    pub(crate) fn with_layouts(mut self, layouts: twincast_store::LayoutAssignments) -> Snapshot {
        self.layouts = layouts;
        self
    }

    /// The layout assigned to `screen` (its own, else its first group's of its orientation), if any.
    fn layout_of(&self, screen: &tc::Screen) -> Option<Arc<twincast_store::Layout>> {
        let o = match screen.orientation {
            tc::Orientation::Portrait => "portrait",
            tc::Orientation::Landscape => "landscape",
        };
        self.layouts.of(&screen.id, &screen.groups, o)
    }
}

/// What targets a screen (indices into the snapshot's lists) and the key of its shared part.
struct Targeting {
    main: Vec<usize>,
    ticker: Vec<usize>,
    /// Free-zone campaigns that play here: they target the screen, are valid at some time in the horizon, and the
    /// screen's layout has their zone.
    free: Vec<usize>,
    key: [u8; 32],
}

/// Everything targeting can depend on, besides the screen id, which counts only when a campaign lists screens.
fn targeting_signature(
    snap: &Snapshot,
    s: &tc::Screen,
    o: usize,
    from: i64,
    hours: i64,
    layout: Option<&twincast_store::Layout>,
) -> String {
    let id = if snap.ids_matter { s.id.as_str() } else { "" };
    let layout = layout.map_or("", |l| l.id.as_str());
    format!(
        "{id}\u{0}{layout}\u{0}{}\u{0}{}\u{0}{}\u{0}{:?}\u{0}{:?}\u{0}{}\u{0}{}\u{0}{}\u{0}{o}\u{0}{from}\u{0}{hours}",
        s.language,
        s.location_id,
        s.location_kind,
        s.tags,
        s.groups,
        s.lat,
        s.lon,
        s.tz.name(),
    )
}

fn targeting(
    snap: &Snapshot,
    screen: &tc::Screen,
    o: usize,
    from: i64,
    hours: i64,
    layout: Option<&twincast_store::Layout>,
) -> Targeting {
    let pick = |list: &[tc::Campaign]| -> Vec<usize> {
        list.iter()
            .enumerate()
            .filter(|(_, c)| c.targets(screen))
            .map(|(i, _)| i)
            .collect()
    };
    let main = pick(&snap.inputs.main[o]);
    let ticker = pick(&snap.inputs.ticker[o]);
    // The built-in layouts have no free zones; an assigned one may.
    let free: Vec<usize> = match layout {
        None => Vec::new(),
        Some(l) => snap.inputs.free[o]
            .iter()
            .enumerate()
            .filter(|(_, (zone, c))| {
                l.zones.iter().any(|z| &z.name == zone)
                    && c.targets(screen)
                    && c.valid_from.is_none_or(|f| f < from + hours * HOUR)
                    && c.valid_until.is_none_or(|u| u > from)
            })
            .map(|(i, _)| i)
            .collect(),
    };
    let mut key = Sha256::new();
    for part in [
        snap.version.to_string(),
        from.to_string(),
        hours.to_string(),
        screen.tz.name().to_string(),
        o.to_string(),
        layout.map_or(String::new(), |l| format!("{}:{}", l.id, l.version)),
    ] {
        key.update(part.as_bytes());
        key.update([0]);
    }
    for &i in &main {
        key.update(b"m");
        key.update(snap.inputs.main[o][i].id.as_bytes());
    }
    for &i in &ticker {
        key.update(b"t");
        key.update(snap.inputs.ticker[o][i].id.as_bytes());
    }
    for &i in &free {
        key.update(b"z");
        key.update(snap.inputs.free[o][i].1.id.as_bytes());
    }
    for a in snap.inputs.alerts.iter().filter(|a| a.targets(screen)) {
        key.update(b"a");
        key.update(a.id.as_bytes());
        // The text is the block in the screen's language: screens of other languages share no part.
        if a.infos.len() > 1 {
            key.update(b"l");
            key.update(screen.language.as_bytes());
        }
    }
    Targeting {
        main,
        ticker,
        free,
        key: key.finalize().into(),
    }
}

/// The manifest of `screen` (displayed as `name`) for `hours` from `from`, sharing the targeting and the shared
/// part with every screen that agrees on their inputs.
pub(crate) fn build_manifest(
    snap: &Snapshot,
    name: &str,
    screen: &tc::Screen,
    from: i64,
    hours: i64,
) -> Result<Manifest, serde_json::Error> {
    let to = from + hours * HOUR;
    let o = usize::from(screen.orientation == tc::Orientation::Portrait);
    // Which campaigns and alerts target a screen depends only on the fields targets look at; screens that agree
    // on them (all screens of one location, typically) share the filtering and the key.
    let layout = snap.layout_of(screen);
    let sig = targeting_signature(snap, screen, o, from, hours, layout.as_deref());
    let known = snap
        .targeting
        .lock()
        .ok()
        .and_then(|m| m.get(&sig).cloned());
    let targeting = match known {
        Some(t) => t,
        None => {
            let t = Arc::new(targeting(snap, screen, o, from, hours, layout.as_deref()));
            if let Ok(mut m) = snap.targeting.lock() {
                m.insert(sig, t.clone());
            }
            t
        }
    };
    // Screens that decode the same codecs and read the same language get the same files and partner names.
    let decodes =
        tc::playback::Decodes::reported(snap.playback.decodes.get(&screen.id).map(Vec::as_slice));
    let key: [u8; 32] = {
        let mut k = Sha256::new();
        k.update(targeting.key);
        k.update(decodes.signature().as_bytes());
        k.update([0]);
        k.update(screen.language.as_bytes());
        k.finalize().into()
    };
    let cached = snap.shared.lock().ok().and_then(|m| m.get(&key).cloned());
    let shared = match cached {
        Some(s) => s,
        None => {
            let main: Vec<&tc::Campaign> = targeting
                .main
                .iter()
                .map(|&i| &snap.inputs.main[o][i])
                .collect();
            let ticker: Vec<&tc::Campaign> = targeting
                .ticker
                .iter()
                .map(|&i| &snap.inputs.ticker[o][i])
                .collect();
            let free: Vec<&(String, tc::Campaign)> = targeting
                .free
                .iter()
                .map(|&i| &snap.inputs.free[o][i])
                .collect();
            let t = Instant::now();
            let s = Arc::new(build_shared(
                snap,
                screen,
                (&main, &ticker, &free),
                &decodes,
                layout.as_deref(),
                (from, to),
                key,
            )?);
            let took = t.elapsed();
            SHARED_BUILDS.fetch_add(1, Ordering::Relaxed);
            SHARED_BUILD_US.fetch_add(took.as_micros() as u64, Ordering::Relaxed);
            metrics::counter!("twincast_hub_shared_builds_total").increment(1);
            metrics::histogram!("twincast_hub_shared_build_seconds").record(took.as_secs_f64());
            if let Ok(mut m) = snap.shared.lock() {
                m.insert(key, s.clone());
            }
            s
        }
    };
    let screen = to_wire::screen(name, screen);
    // The ETag names the body: the shared part's digest and the screen object (the rest of the head follows
    // from the shared part's key: version, horizon).
    let mut h = Sha256::new();
    h.update(shared.digest);
    h.update(serde_json::to_vec(&screen)?);
    let etag = format!("\"{}\"", &hex::encode(h.finalize())[..32]);
    let prefix = wire::ManifestHead {
        format: wire::Format::V2,
        etag,
        schedule_version: snap.version,
        horizon: wire::Horizon { from, to },
        refresh_before: from + (hours * HOUR / 2).max(HOUR),
        screen,
    };
    let bytes = prefix.to_prefix()?;
    Ok(Manifest::new(
        prefix.etag,
        bytes,
        shared,
        snap.version,
        from,
        hours,
    ))
}

fn build_shared(
    snap: &Snapshot,
    screen: &tc::Screen,
    (main, ticker, free): (
        &[&tc::Campaign],
        &[&tc::Campaign],
        &[&(String, tc::Campaign)],
    ),
    decodes: &tc::playback::Decodes,
    layout: Option<&twincast_store::Layout>,
    (from, to): (i64, i64),
    key: [u8; 32],
) -> Result<SharedPart, serde_json::Error> {
    let o = usize::from(screen.orientation == tc::Orientation::Portrait);
    let resolved = &snap.resolved[o];
    let owned: Vec<tc::Campaign> = main.iter().map(|c| (*c).clone()).collect();
    // Items with nothing this screen decodes yet (still transcoding) are not planned here.
    let (owned, _) = tc::playback::playable_campaigns(
        &owned,
        |id| snap.playback.media.get(id).map(|m| &m.facts),
        decodes,
    );
    let pb = &snap.playback;
    let item = |c: &tc::Campaign, res: &ResolvedItem| {
        let mut it = to_wire::item(c, res);
        it.partner_name = it
            .partner
            .as_deref()
            .and_then(|p| pb.partner_name(p, &screen.language));
        it
    };
    let plays = tc::plan_horizon(screen, &owned, &snap.inputs.alerts, from, to);
    let by_id: HashMap<&str, &tc::Campaign> = main.iter().map(|c| (c.id.as_str(), *c)).collect();
    let mut items: Vec<wire::Item> = Vec::new();
    let mut item_index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut media: BTreeMap<&str, wire::Media> = BTreeMap::new();
    let mut alerts: Vec<wire::Alert> = Vec::new();
    let mut alert_index: HashMap<&str, usize> = HashMap::new();
    let mut seq: Vec<wire::Play> = Vec::with_capacity(plays.len());
    for p in &plays {
        let what = match p.kind {
            tc::PlayKind::Campaign => {
                let (Some(cid), Some(iid)) = (p.campaign.as_deref(), p.item.as_deref()) else {
                    continue;
                };
                if let Some(&i) = item_index.get(&(cid, iid)) {
                    wire::PlayRef::Item(i)
                } else {
                    let Some(c) = by_id.get(cid) else { continue };
                    let Some(res) = resolved.get(&(cid.to_string(), iid.to_string())) else {
                        continue;
                    };
                    if let Some(m) = &res.media {
                        let Some(w) = pb.media(m, decodes, &screen.language) else {
                            continue;
                        };
                        media.insert(m.id.as_str(), w);
                    }
                    items.push(item(c, res));
                    item_index.insert((cid, iid), items.len() - 1);
                    wire::PlayRef::Item(items.len() - 1)
                }
            }
            tc::PlayKind::Alert => {
                let Some(aid) = p.alert.as_deref() else {
                    continue;
                };
                let Some(a) = snap.inputs.alerts.iter().find(|a| a.id == aid) else {
                    continue;
                };
                let idx = *alert_index.entry(a.id.as_str()).or_insert_with(|| {
                    alerts.push(to_wire::alert(a, &screen.language));
                    alerts.len() - 1
                });
                wire::PlayRef::Alert(idx)
            }
        };
        seq.push(wire::Play {
            offset_ms: p.start - from,
            duration_ms: p.end - p.start,
            what,
            truncated: p.truncated,
        });
    }
    let mut ticker_items: Vec<wire::Item> = Vec::new();
    for c in ticker {
        for it in &c.items {
            if let Some(res) = resolved.get(&(c.id.clone(), it.id.clone())) {
                if let Some(m) = &res.media {
                    let Some(w) = pb.media(m, decodes, &screen.language) else {
                        continue;
                    };
                    media.insert(m.id.as_str(), w);
                }
                ticker_items.push(item(c, res));
            }
        }
    }
    let mut zone_items: BTreeMap<String, Vec<wire::Item>> = BTreeMap::new();
    for (zone, c) in free {
        for it in &c.items {
            if let Some(res) = resolved.get(&(c.id.clone(), it.id.clone())) {
                if let Some(m) = &res.media {
                    let Some(w) = pb.media(m, decodes, &screen.language) else {
                        continue;
                    };
                    media.insert(m.id.as_str(), w);
                }
                zone_items
                    .entry(zone.clone())
                    .or_default()
                    .push(item(c, res));
            }
        }
    }
    let part = wire::ManifestShared {
        alerts,
        items,
        layout: match layout {
            Some(l) => to_wire::assigned_layout(l),
            None => to_wire::layout(&tc::layout::choose(screen.orientation, !ticker.is_empty())),
        },
        media: media.into_values().collect(),
        // Format 2: a rotation repeats the same few entries, which gzip shrinks about eightfold compared with
        // explicit starts.
        plays: wire::PlayList::new(wire::Format::V2, seq),
        ticker: ticker_items,
        zone_items,
    };
    let suffix = part.to_suffix()?;
    let mut suffix_crc = crc32fast::Hasher::new();
    suffix_crc.update(&suffix);
    // The key already names the schedule version and the inputs; the CRC and length of the content catch any
    // change of what they resolve to (e.g. a media rendition) without hashing 300 KB again.
    let mut d = Sha256::new();
    d.update(key);
    d.update(suffix_crc.clone().finalize().to_le_bytes());
    d.update((suffix.len() as u64).to_le_bytes());
    Ok(SharedPart {
        digest: d.finalize().into(),
        suffix: Bytes::from(suffix),
        suffix_crc,
        suffix_gz: std::sync::OnceLock::new(),
    })
}
