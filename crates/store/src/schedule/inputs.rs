//! Translation of the stored schedule into the engine's inputs, layouts and delivery details.

use super::{invalid, ItemKind};
use crate::{Result, ScheduleCatalog, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::BTreeMap;
use twincast_core as tc;
use utoipa::ToSchema;

/// Content-addressed media as a player fetches it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct MediaRef {
    /// Media id.
    pub id: String,
    /// Delivery URL, `/media/<sha256>.<ext>`.
    pub url: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// Duration (videos), ms.
    pub duration_ms: Option<i64>,
    /// MIME type.
    pub mime: String,
    /// `video` or `image`.
    pub kind: String,
}

/// A campaign item resolved for delivery on one screen.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ResolvedItem {
    /// Campaign id.
    pub campaign: String,
    /// Item id (as in the engine's plays).
    pub item: String,
    /// Kind.
    pub kind: ItemKind,
    /// Display time, ms.
    pub duration_ms: i64,
    /// Media to fetch (`video`, `image`), variant chosen for the screen's orientation.
    pub media: Option<MediaRef>,
    /// Template (`html`).
    pub template: Option<String>,
    /// Template data (`html`).
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// Page URL (`web`).
    pub url: Option<String>,
}

/// A rectangle of a layout, in fractions of the screen (0..=1).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct LayoutZone {
    /// `main`, `ticker` or `clock`.
    pub name: String,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// A screen's layout and its ticker content.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ScreenLayout {
    /// `fullscreen` or `main_ticker_clock`.
    pub name: String,
    /// `landscape` or `portrait`.
    pub orientation: String,
    /// Zones.
    pub zones: Vec<LayoutZone>,
    /// Ticker-zone campaigns targeting this screen (their items loop in the `ticker` zone while valid).
    #[schema(value_type = Vec<Object>)]
    pub ticker: Vec<tc::Campaign>,
}

/// Zone geometry of layout `name` (unknown names get `fullscreen`'s), see [`tc::layout::zones`].
pub fn layout_zones(name: &str, portrait: bool) -> Vec<LayoutZone> {
    let name = tc::layout::LayoutName::parse(name).unwrap_or(tc::layout::LayoutName::Fullscreen);
    tc::layout::zones(name, orientation(portrait))
        .into_iter()
        .map(LayoutZone::from)
        .collect()
}

fn orientation(portrait: bool) -> tc::Orientation {
    if portrait {
        tc::Orientation::Portrait
    } else {
        tc::Orientation::Landscape
    }
}

impl From<tc::layout::Zone> for LayoutZone {
    fn from(z: tc::layout::Zone) -> Self {
        LayoutZone {
            name: z.name.into(),
            x: z.x,
            y: z.y,
            w: z.w,
            h: z.h,
        }
    }
}

impl From<tc::layout::Layout> for ScreenLayout {
    /// The layout without ticker campaigns (fill [`ScreenLayout::ticker`] separately).
    fn from(l: tc::layout::Layout) -> Self {
        ScreenLayout {
            name: l.name.as_str().into(),
            orientation: match l.orientation {
                tc::Orientation::Portrait => "portrait",
                tc::Orientation::Landscape => "landscape",
            }
            .into(),
            zones: l.zones.into_iter().map(LayoutZone::from).collect(),
            ticker: Vec::new(),
        }
    }
}

impl Store {
    /// Every unretired screen as the engine sees it, with its display name, in three queries (the player hub loads its
    /// screen cache with this instead of one screen at a time).
    pub async fn all_core_screens(&self) -> Result<Vec<(String, tc::Screen)>> {
        let rows = sqlx::query(
            "SELECT s.id AS id, s.name AS name, s.location_id AS location_id, s.lat AS lat, s.lon AS lon, s.tz AS tz, \
             s.width AS width, s.height AS height, s.orientation AS orientation, s.tags AS tags, s.language AS language, l.kind AS kind, \
             l.lat AS llat, l.lon AS llon FROM screens s JOIN locations l ON l.id = s.location_id \
             WHERE s.retired_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let members = sqlx::query(
            "SELECT m.screen_id AS screen_id, g.slug AS slug FROM screen_group_members m \
             JOIN screen_groups g ON g.id = m.group_id ORDER BY g.slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut groups: std::collections::HashMap<String, Vec<String>> = Default::default();
        for m in &members {
            groups
                .entry(m.try_get("screen_id")?)
                .or_default()
                .push(m.try_get("slug")?);
        }
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("id")?;
            let tz_name: String = r.try_get("tz")?;
            let tz = tc::Zone::new(&tz_name).map_err(|e| invalid(format!("screen {id}: {e}")))?;
            // As `core_screen`: the screen's coordinates, else (either missing) the location's.
            let (mut lat, mut lon) = (crate::opt_f64(r, "lat")?, crate::opt_f64(r, "lon")?);
            if lat.is_none() || lon.is_none() {
                (lat, lon) = (crate::opt_f64(r, "llat")?, crate::opt_f64(r, "llon")?);
            }
            let width: i64 = r.try_get("width")?;
            let height: i64 = r.try_get("height")?;
            let orientation: String = r.try_get("orientation")?;
            let screen = tc::Screen {
                location_id: r.try_get("location_id")?,
                location_kind: r.try_get("kind")?,
                tags: serde_json::from_str(&r.try_get::<String, _>("tags")?)?,
                groups: groups.remove(&id).unwrap_or_default(),
                tz,
                lat: lat.unwrap_or(0.0),
                lon: lon.unwrap_or(0.0),
                resolution: tc::Resolution {
                    width: u32::try_from(width).unwrap_or(0).max(1),
                    height: u32::try_from(height).unwrap_or(0).max(1),
                },
                orientation: if orientation == "portrait" {
                    tc::Orientation::Portrait
                } else {
                    tc::Orientation::Landscape
                },
                language: r.try_get("language")?,
                id,
            };
            out.push((r.try_get("name")?, screen));
        }
        Ok(out)
    }

    /// The engine's view of one screen: zone, coordinates (the location's when the screen has none),
    /// orientation, tags and group slugs.
    pub async fn core_screen(&self, screen_id: &str) -> Result<tc::Screen> {
        let v = self.screen(screen_id).await?;
        let s = &v.screen;
        let tz = tc::Zone::new(&s.tz).map_err(|e| invalid(format!("screen {screen_id}: {e}")))?;
        let (mut lat, mut lon) = (s.lat, s.lon);
        if lat.is_none() || lon.is_none() {
            let row = sqlx::query("SELECT lat, lon FROM locations WHERE id = $1")
                .bind(&s.location_id)
                .fetch_one(&self.pool)
                .await?;
            lat = crate::opt_f64(&row, "lat")?;
            lon = crate::opt_f64(&row, "lon")?;
        }
        Ok(tc::Screen {
            id: s.id.clone(),
            location_id: s.location_id.clone(),
            location_kind: v.location_kind.clone(),
            tags: s.tags.clone(),
            groups: self.screen_groups_of(screen_id).await?,
            tz,
            lat: lat.unwrap_or(0.0),
            lon: lon.unwrap_or(0.0),
            resolution: tc::Resolution {
                width: u32::try_from(s.width).unwrap_or(0).max(1),
                height: u32::try_from(s.height).unwrap_or(0).max(1),
            },
            orientation: if s.orientation == "portrait" {
                tc::Orientation::Portrait
            } else {
                tc::Orientation::Landscape
            },
            language: s.language.clone(),
        })
    }

    /// The engine inputs for one screen: the screen, every `main`-zone campaign (content resolved for the
    /// screen's orientation; campaigns whose recurrence no longer parses are skipped) and every alert. The engine
    /// does targeting and timing.
    pub async fn schedule_inputs(
        &self,
        screen_id: &str,
    ) -> Result<(tc::Screen, Vec<tc::Campaign>, Vec<tc::Alert>)> {
        let screen = self.core_screen(screen_id).await?;
        let mut all = self.schedule_catalog().await?;
        let main = std::mem::take(&mut all.main[ScheduleCatalog::index(screen.orientation)]);
        Ok((screen, main, all.alerts))
    }

    /// The layout of a screen and the ticker campaigns that target it.
    pub async fn screen_layout(&self, screen_id: &str) -> Result<ScreenLayout> {
        let screen = self.core_screen(screen_id).await?;
        let mut all = self.schedule_catalog().await?;
        let ticker: Vec<tc::Campaign> =
            std::mem::take(&mut all.ticker[ScheduleCatalog::index(screen.orientation)])
                .into_iter()
                .filter(|c| c.targets(&screen))
                .collect();
        let layout = tc::layout::choose(screen.orientation, !ticker.is_empty());
        Ok(ScreenLayout {
            ticker,
            ..layout.into()
        })
    }

    /// Delivery details of the items of `campaigns` (as returned by [`Store::schedule_inputs`] or
    /// [`Store::screen_layout`]): media as content-addressed URLs with hash, size, duration and MIME type;
    /// templates with data; page URLs. Items whose campaign or media no longer exists are left out.
    pub async fn resolve_items(&self, campaigns: &[tc::Campaign]) -> Result<Vec<ResolvedItem>> {
        let mut media_cache: BTreeMap<String, Option<MediaRef>> = BTreeMap::new();
        let mut out = Vec::new();
        for c in campaigns {
            // The version that plays (approved), as in the catalog the engine's campaigns came from.
            let record = match self.campaign(&c.id).await.map(|r| r.playable()) {
                Ok(Some(r)) => r,
                Ok(None) | Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
            for it in &c.items {
                let Some(src) = record.items.iter().find(|x| x.id == it.id) else {
                    continue;
                };
                let media = match src.kind {
                    ItemKind::Video | ItemKind::Image => {
                        if !media_cache.contains_key(&it.media) {
                            let m = match self.media(&it.media).await {
                                Ok(m) => Some(MediaRef {
                                    url: format!("/media/{}.{}", m.sha256, m.media_type),
                                    id: m.id,
                                    sha256: m.sha256,
                                    size: m.size,
                                    duration_ms: m.duration_ms,
                                    mime: m.mime,
                                    kind: m.kind,
                                }),
                                Err(StoreError::NotFound) => None,
                                Err(e) => return Err(e),
                            };
                            media_cache.insert(it.media.clone(), m);
                        }
                        match media_cache.get(&it.media).cloned().flatten() {
                            Some(m) => Some(m),
                            None => continue,
                        }
                    }
                    _ => None,
                };
                out.push(ResolvedItem {
                    campaign: c.id.clone(),
                    item: it.id.clone(),
                    kind: src.kind,
                    duration_ms: it.duration_ms,
                    media,
                    template: src.template.clone(),
                    data: src.data.clone(),
                    url: src.url.clone(),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_the_cores() {
        for portrait in [false, true] {
            for has_ticker in [false, true] {
                let core = tc::layout::choose(orientation(portrait), has_ticker);
                let ours = ScreenLayout::from(core.clone());
                // Same JSON as the core layout (the manifest's `layout` object), plus an empty ticker.
                let mut want = serde_json::to_value(&core).unwrap();
                want["ticker"] = serde_json::json!([]);
                assert_eq!(serde_json::to_value(&ours).unwrap(), want);
                assert_eq!(layout_zones(&ours.name, portrait), ours.zones);
            }
            assert_eq!(
                layout_zones("no-such-layout", portrait),
                layout_zones("fullscreen", portrait)
            );
        }
    }
}
