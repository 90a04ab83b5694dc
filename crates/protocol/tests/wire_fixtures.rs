//! Manifests written from the wire types, with what a player must decode from them, in `e2e/fixtures/wire/`
//! (committed). `node e2e/wire.mjs` decodes each `*.manifest.json` with the web player's decoder and compares
//! with the matching `*.expected.json`. This test fails when the committed files differ from what the types
//! write now; `TWINCAST_UPDATE_FIXTURES=1 cargo test -p twincast-protocol --test wire_fixtures` rewrites them.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use twincast_protocol::manifest::read_items;
use twincast_protocol::*;

const FROM: i64 = 1_764_000_000_000;
const HOUR: i64 = 3_600_000;

fn screen(orientation: Orientation) -> Screen {
    let portrait = orientation == Orientation::Portrait;
    Screen {
        id: "01937b10-2222-7000-8000-000000000001".into(),
        name: "T1 arrivals 1".into(),
        location_id: "01937b10-1111-7000-8000-000000000001".into(),
        location_kind: "airport".into(),
        tz: "Europe/Berlin".into(),
        lat: 52.36,
        lon: 13.5,
        width: if portrait { 1080 } else { 1920 },
        height: if portrait { 1920 } else { 1080 },
        orientation,
        tags: vec!["arrivals".into()],
        groups: vec!["t1-wall".into()],
    }
}

fn head(format: Format, etag: &str, orientation: Orientation, hours: i64) -> ManifestHead {
    ManifestHead {
        format,
        etag: format!("\"{etag}\""),
        schedule_version: 42,
        horizon: Horizon {
            from: FROM,
            to: FROM + hours * HOUR,
        },
        refresh_before: FROM + (hours * HOUR / 2).max(HOUR),
        screen: screen(orientation),
    }
}

fn zone(name: &str, x: f64, y: f64, w: f64, h: f64) -> Zone {
    Zone {
        name: name.into(),
        x,
        y,
        w,
        h,
    }
}

fn item(campaign: &str, partner: Option<&str>, id: &str, kind: ItemKind, ms: i64) -> Item {
    Item {
        campaign: campaign.into(),
        partner: partner.map(String::from),
        partner_name: None,
        item: id.into(),
        kind,
        duration_ms: ms,
        media: None,
        template: None,
        data: None,
        url: None,
    }
}

fn media(id: &str, digest: char, kind: &str, ext: &str, duration_ms: Option<i64>) -> Media {
    let sha256: String = std::iter::repeat_n(digest, 64).collect();
    Media {
        id: id.into(),
        url: format!("/media/{sha256}.{ext}"),
        sha256,
        size: 1_048_576,
        duration_ms,
        mime: if kind == "video" {
            "video/mp4"
        } else {
            "image/png"
        }
        .into(),
        kind: kind.into(),
    }
}

fn play(offset_ms: i64, duration_ms: i64, what: PlayRef, truncated: bool) -> Play {
    Play {
        offset_ms,
        duration_ms,
        what,
        truncated,
    }
}

/// Format 2, landscape, main + ticker + clock, four kinds of items, two alerts, gaps and truncated plays.
fn zones_and_alerts() -> Manifest {
    let mut video = item("c-kyoto", Some("kyoto"), "i1", ItemKind::Video, 15_000);
    video.media = Some("m-video".into());
    let mut card = item("c-porto", Some("porto"), "card", ItemKind::Html, 10_000);
    card.template = Some("partner-card".into());
    card.data = Some(json!({"city": "Porto", "country": "PT", "text": "Vinho verde"}));
    let mut image = item("c-porto", Some("porto"), "photo", ItemKind::Image, 8_000);
    image.media = Some("m-image".into());
    let mut web = item("c-net", None, "page", ItemKind::Web, 20_000);
    web.url = Some("https://example.org/board".into());
    let mut headline = item("c-news", None, "h1", ItemKind::Html, 8_000);
    headline.template = Some("headline".into());
    headline.data = Some(json!({"text": "Metro line 2 reopens"}));
    let alerts = vec![
        Alert {
            id: "a-1".into(),
            severity: Severity::Severe,
            headline: "Storm warning".into(),
            description: "Gusts up to 120 km/h".into(),
            instruction: "Stay inside".into(),
            effective: Some(FROM + 600_000),
            expires: Some(FROM + 660_000),
            event: String::new(),
            language: String::new(),
            onset: None,
        },
        Alert {
            id: "a-2".into(),
            severity: Severity::Extreme,
            headline: "Evacuation drill".into(),
            description: String::new(),
            instruction: "Follow the staff".into(),
            effective: None,
            expires: None,
            event: String::new(),
            language: String::new(),
            onset: None,
        },
    ];
    let plays = vec![
        play(0, 15_000, PlayRef::Item(0), false),
        play(15_000, 10_000, PlayRef::Item(1), false),
        play(25_000, 8_000, PlayRef::Item(2), false),
        play(33_000, 20_000, PlayRef::Item(3), false),
        play(53_000, 15_000, PlayRef::Item(0), false),
        // A gap (nothing eligible), then a play cut by an alert.
        play(300_000, 10_000, PlayRef::Item(1), false),
        play(590_000, 10_000, PlayRef::Item(3), true),
        play(600_000, 60_000, PlayRef::Alert(0), false),
        play(660_000, 15_000, PlayRef::Item(0), false),
        play(675_000, 4_000, PlayRef::Item(1), true),
        play(679_000, 30_000, PlayRef::Alert(1), true),
        play(709_000, 8_000, PlayRef::Item(2), false),
    ];
    Manifest {
        head: head(
            Format::V2,
            "6f1c0b9a2d4e8f7031a5c6b7d8e9f001",
            Orientation::Landscape,
            1,
        ),
        shared: ManifestShared {
            alerts,
            items: vec![video, card, image, web],
            layout: Layout {
                name: "main_ticker_clock".into(),
                orientation: Orientation::Landscape,
                zones: vec![
                    zone("main", 0.0, 0.0, 1.0, 0.9),
                    zone("ticker", 0.0, 0.9, 0.85, 0.1),
                    zone("clock", 0.85, 0.9, 0.15, 0.1),
                ],
            },
            media: vec![
                media("m-image", 'b', "image", "png", None),
                media("m-video", 'a', "video", "mp4", Some(15_000)),
            ],
            plays: PlayList::new(Format::V2, plays),
            ticker: vec![headline],
            zone_items: Default::default(),
        },
    }
}

/// Format 1 (every play explicit), portrait, fullscreen, the first play not at offset 0.
fn format_1_portrait() -> Manifest {
    let mut card = item("c-wuxi", Some("wuxi"), "card", ItemKind::Html, 12_000);
    card.template = Some("partner_card".into());
    card.data = Some(json!({"city": "Wuxi", "country": "CN"}));
    let mut video = item("c-wuxi", Some("wuxi"), "clip", ItemKind::Video, 30_000);
    video.media = Some("m-clip".into());
    let plays = (0..6)
        .flat_map(|i| {
            let offset = 5_000 + i * 42_000;
            [
                play(offset, 12_000, PlayRef::Item(0), false),
                play(offset + 12_000, 30_000, PlayRef::Item(1), i == 5),
            ]
        })
        .collect();
    Manifest {
        head: head(
            Format::V1,
            "0123456789abcdef0123456789abcdef",
            Orientation::Portrait,
            2,
        ),
        shared: ManifestShared {
            alerts: vec![],
            items: vec![card, video],
            layout: Layout {
                name: "fullscreen".into(),
                orientation: Orientation::Portrait,
                zones: vec![zone("main", 0.0, 0.0, 1.0, 1.0)],
            },
            media: vec![media("m-clip", 'c', "video", "mp4", Some(30_000))],
            plays: PlayList::new(Format::V1, plays),
            ticker: vec![],
            zone_items: Default::default(),
        },
    }
}

/// Format 2 with nothing to play.
fn empty() -> Manifest {
    Manifest {
        head: head(
            Format::V2,
            "ffffffffffffffffffffffffffffffff",
            Orientation::Landscape,
            48,
        ),
        shared: ManifestShared {
            alerts: vec![],
            items: vec![],
            layout: Layout {
                name: "fullscreen".into(),
                orientation: Orientation::Landscape,
                zones: vec![zone("main", 0.0, 0.0, 1.0, 1.0)],
            },
            media: vec![],
            plays: PlayList::default(),
            ticker: vec![],
            zone_items: Default::default(),
        },
    }
}

/// A screen with an assigned layout (as data): the layout's slug as its name, a free `side` zone and a clock
/// drawn over the main zone's corner.
fn assigned_layout() -> Manifest {
    let mut m = empty();
    m.head.etag = "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"".into();
    m.shared.layout = Layout {
        name: "side-panel".into(),
        orientation: Orientation::Landscape,
        zones: vec![
            zone("main", 0.0, 0.0, 0.75, 1.0),
            zone("side", 0.75, 0.0, 0.25, 1.0),
            zone("clock", 0.6, 0.02, 0.12, 0.08),
        ],
    };
    m
}

/// An assigned layout whose free `side` zone has content (an image and a slide looping there) and whose `weather`
/// zone has none (the player shows local time and date there).
fn free_zone_items() -> Manifest {
    let mut m = assigned_layout();
    m.head.etag = "\"dddddddddddddddddddddddddddddddd\"".into();
    m.shared
        .layout
        .zones
        .push(zone("weather", 0.75, 0.9, 0.25, 0.1));
    m.shared.layout.zones[1].h = 0.9;
    let mut image = item("c-side", Some("wuxi"), "poster", ItemKind::Image, 8_000);
    image.media = Some("m-poster".into());
    let mut card = item("c-side", Some("wuxi"), "card", ItemKind::Html, 6_000);
    card.template = Some("partner_card".into());
    card.data = Some(json!({"city": "Wuxi"}));
    m.shared.media = vec![media("m-poster", 'd', "image", "png", None)];
    m.shared.zone_items = [("side".to_string(), vec![image, card])]
        .into_iter()
        .collect();
    m
}

/// What a player must make of `m`: the plays of the main zone with absolute times and what they show, the
/// explicit `[offset, duration, ref, truncated]` entries, the ticker items, the zones and the media.
fn expected(m: &Manifest) -> Value {
    let from = m.head.horizon.from;
    let s = &m.shared;
    let plays: Vec<Value> = s
        .plays
        .plays
        .iter()
        .map(|p| {
            let start = from + p.offset_ms;
            let base =
                json!({"start": start, "end": start + p.duration_ms, "truncated": p.truncated});
            let mut o = base.as_object().cloned().unwrap_or_default();
            match p.what {
                PlayRef::Item(i) => {
                    let it = &s.items[i];
                    o.insert("kind".into(), json!(it.kind));
                    o.insert("campaign".into(), json!(it.campaign));
                    o.insert("item".into(), json!(it.item));
                    o.insert("partner".into(), json!(it.partner));
                    o.insert("alert".into(), Value::Null);
                }
                PlayRef::Alert(i) => {
                    o.insert("kind".into(), json!("alert"));
                    o.insert("campaign".into(), Value::Null);
                    o.insert("item".into(), Value::Null);
                    o.insert("partner".into(), Value::Null);
                    o.insert("alert".into(), json!(s.alerts[i].id));
                }
            }
            Value::Object(o)
        })
        .collect();
    let entries: Vec<[i64; 4]> = s
        .plays
        .plays
        .iter()
        .map(|p| {
            [
                p.offset_ms,
                p.duration_ms,
                p.what.to_wire(),
                i64::from(p.truncated),
            ]
        })
        .collect();
    json!({
        "etag": m.head.etag,
        "horizon": {"from": m.head.horizon.from, "to": m.head.horizon.to},
        "refresh_before": m.head.refresh_before,
        "screen": {"id": m.head.screen.id, "tz": m.head.screen.tz, "orientation": s.layout.orientation},
        "layout": {"name": s.layout.name, "zones": s.layout.zones.iter().map(|z| &z.name).collect::<Vec<_>>()},
        "entries": entries,
        "plays": plays,
        "ticker": s.ticker.iter().map(|t| json!({"campaign": t.campaign, "item": t.item})).collect::<Vec<_>>(),
        "media": s.media.iter().map(|x| &x.url).collect::<Vec<_>>(),
        "zone_items": s.zone_items.iter().map(|(z, items)| (z.clone(), items.iter().map(|t| json!({"campaign": t.campaign, "item": t.item})).collect::<Vec<_>>())).collect::<BTreeMap<_, _>>(),
    })
}

fn fixtures() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (name, m) in [
        ("format2-zones-alerts", zones_and_alerts()),
        ("format1-portrait", format_1_portrait()),
        ("format2-empty", empty()),
        ("format2-assigned-layout", assigned_layout()),
        ("format2-free-zone-items", free_zone_items()),
    ] {
        let body = m.to_body().unwrap();
        // What the types write decodes back to the same manifest, and is the plain serialization.
        assert_eq!(
            serde_json::from_slice::<Manifest>(&body).unwrap(),
            m,
            "{name}"
        );
        assert_eq!(body, serde_json::to_vec(&m).unwrap(), "{name}");
        assert_eq!(
            read_items(&body[..]).unwrap(),
            m.shared.items,
            "{name}: items read from the start"
        );
        let mut exp = serde_json::to_vec_pretty(&expected(&m)).unwrap();
        exp.push(b'\n');
        out.insert(format!("{name}.manifest.json"), body);
        out.insert(format!("{name}.expected.json"), exp);
    }
    out
}

#[test]
fn fixtures_match_the_committed_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../e2e/fixtures/wire");
    let want = fixtures();
    if std::env::var("TWINCAST_UPDATE_FIXTURES").as_deref() == Ok("1") {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                std::fs::remove_file(p).unwrap();
            }
        }
        for (name, bytes) in &want {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        return;
    }
    let mut committed = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run TWINCAST_UPDATE_FIXTURES=1 cargo test -p twincast-protocol",
            dir.display()
        )
    }) {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            committed.insert(name, std::fs::read(&p).unwrap());
        }
    }
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "fixture files differ; run TWINCAST_UPDATE_FIXTURES=1 cargo test -p twincast-protocol"
    );
    for (name, bytes) in &want {
        assert!(
            committed[name] == *bytes,
            "{name} differs from what the wire types write; run TWINCAST_UPDATE_FIXTURES=1 cargo test -p \
             twincast-protocol --test wire_fixtures and commit the result"
        );
    }
}

#[test]
fn the_documented_example_decodes() {
    // docs/player-protocol.md §3, abridged.
    let m: Manifest = serde_json::from_str(
        r#"{
  "format": 2, "etag": "\"6f1c0b9a2d4e8f7031a5c6b7d8e9f001\"", "schedule_version": 42,
  "horizon": {"from": 1764000000000, "to": 1764172800000}, "refresh_before": 1764086400000,
  "screen": {"id": "s1", "name": "T1 arrivals 1", "location_id": "l1", "location_kind": "airport",
    "tz": "Europe/Berlin", "lat": 52.36, "lon": 13.5, "width": 1920, "height": 1080,
    "orientation": "landscape", "tags": ["arrivals"], "groups": ["t1-wall"]},
  "layout": {"name": "main_ticker_clock", "orientation": "landscape",
    "zones": [{"name": "main", "x": 0.0, "y": 0.0, "w": 1.0, "h": 0.9}]},
  "items": [
    {"campaign": "c-kyoto", "partner": "kyoto", "item": "i1", "kind": "video", "duration_ms": 15000,
     "media": "m1", "template": null, "data": null, "url": null},
    {"campaign": "c-porto", "partner": "porto", "item": "card", "kind": "html", "duration_ms": 10000,
     "media": null, "template": "partner-card", "data": {"city": "Porto"}, "url": null}
  ],
  "alerts": [{"id": "a-1", "severity": "Severe", "headline": "Storm warning", "description": "…",
    "instruction": "…", "effective": 1764010000000, "expires": 1764020000000}],
  "plays": [[15000, 0], [10000, 1], [10000000, 3600000, -1, 1]],
  "ticker": [],
  "media": [{"id": "m1", "url": "/media/3a7b.mp4", "sha256": "3a7b", "size": 1048576,
     "mime": "video/mp4", "kind": "video", "duration_ms": 15000}]
}"#,
    )
    .unwrap();
    assert_eq!(m.head.format, Format::V2);
    assert_eq!(
        m.shared.plays.plays,
        vec![
            play(0, 15_000, PlayRef::Item(0), false),
            play(15_000, 10_000, PlayRef::Item(1), false),
            play(10_000_000, 3_600_000, PlayRef::Alert(0), true),
        ]
    );
    assert_eq!(m.shared.alerts[0].severity, Severity::Severe);
    // Format 1 bodies decode with format-1 encoding, and unknown formats are refused.
    let text = serde_json::to_string(&format_1_portrait()).unwrap();
    let v1: Manifest = serde_json::from_str(&text).unwrap();
    assert_eq!(v1.shared.plays.encoding, Format::V1);
    let bad = text.replacen("\"format\":1", "\"format\":3", 1);
    assert!(serde_json::from_str::<Manifest>(&bad).is_err());
    assert!(read_items(bad.as_bytes()).is_err());
}
