//! The domain's values as the manifest's wire types ([`twincast_protocol::manifest`]).

use twincast_core as tc;
use twincast_protocol as wire;
use twincast_store::{ItemKind, MediaRef, ResolvedItem};

/// Orientation on the wire.
pub(super) fn orientation(o: tc::Orientation) -> wire::Orientation {
    match o {
        tc::Orientation::Landscape => wire::Orientation::Landscape,
        tc::Orientation::Portrait => wire::Orientation::Portrait,
    }
}

/// The `screen` object of a manifest.
pub(super) fn screen(name: &str, s: &tc::Screen) -> wire::Screen {
    wire::Screen {
        id: s.id.clone(),
        name: name.to_string(),
        location_id: s.location_id.clone(),
        location_kind: s.location_kind.clone(),
        tz: s.tz.name().to_string(),
        lat: s.lat,
        lon: s.lon,
        width: s.resolution.width,
        height: s.resolution.height,
        orientation: orientation(s.orientation),
        tags: s.tags.clone(),
        groups: s.groups.clone(),
    }
}

/// A main-zone or ticker item: the campaign's resolved item (`_network` campaigns have no partner).
pub(super) fn item(c: &tc::Campaign, r: &ResolvedItem) -> wire::Item {
    wire::Item {
        campaign: c.id.clone(),
        partner: (c.partner != "_network").then(|| c.partner.clone()),
        partner_name: None,
        item: r.item.clone(),
        kind: match r.kind {
            ItemKind::Video => wire::ItemKind::Video,
            ItemKind::Image => wire::ItemKind::Image,
            ItemKind::Html => wire::ItemKind::Html,
            ItemKind::Web => wire::ItemKind::Web,
        },
        duration_ms: r.duration_ms,
        media: r.media.as_ref().map(|m| m.id.clone()),
        template: r.template.clone(),
        data: r.data.clone(),
        url: r.url.clone(),
    }
}

/// A medium to cache.
pub(super) fn media(m: &MediaRef) -> wire::Media {
    wire::Media {
        id: m.id.clone(),
        url: m.url.clone(),
        sha256: m.sha256.clone(),
        size: m.size,
        duration_ms: m.duration_ms,
        mime: m.mime.clone(),
        kind: m.kind.clone(),
    }
}

/// An alert as a screen whose audience reads `lang` shows it (the CAP `<info>` in that language, see
/// [`tc::Alert::info_for`]).
pub(super) fn alert(full: &tc::Alert, lang: &str) -> wire::Alert {
    let a = &full.localized(lang);
    wire::Alert {
        event: a.event.clone(),
        language: full.language_for(lang),
        onset: full.info_for(lang).and_then(|i| i.onset),
        id: a.id.clone(),
        severity: match a.severity {
            tc::alert::Severity::Unknown => wire::Severity::Unknown,
            tc::alert::Severity::Minor => wire::Severity::Minor,
            tc::alert::Severity::Moderate => wire::Severity::Moderate,
            tc::alert::Severity::Severe => wire::Severity::Severe,
            tc::alert::Severity::Extreme => wire::Severity::Extreme,
        },
        headline: a.headline.clone(),
        description: a.description.clone(),
        instruction: a.instruction.clone(),
        effective: a.effective,
        expires: a.expires,
    }
}

/// A layout as the manifest carries it (the decision is `twincast_core::layout::choose`).
pub(super) fn layout(l: &tc::layout::Layout) -> wire::Layout {
    wire::Layout {
        name: l.name.as_str().to_string(),
        orientation: orientation(l.orientation),
        zones: l
            .zones
            .iter()
            .map(|z| wire::Zone {
                name: z.name.to_string(),
                x: z.x,
                y: z.y,
                w: z.w,
                h: z.h,
            })
            .collect(),
    }
}

/// A layout assigned as data (`twincast_store::Layout`, zones in percent) as the manifest carries it: its slug as
/// `name`, zones as fractions.
pub(super) fn assigned_layout(l: &twincast_store::Layout) -> wire::Layout {
    wire::Layout {
        name: l.slug.clone(),
        orientation: if l.orientation == "portrait" {
            wire::Orientation::Portrait
        } else {
            wire::Orientation::Landscape
        },
        zones: l
            .zones
            .iter()
            .map(|z| {
                let (x, y, w, h) = z.fractions();
                wire::Zone {
                    name: z.name.clone(),
                    x,
                    y,
                    w,
                    h,
                }
            })
            .collect(),
    }
}
