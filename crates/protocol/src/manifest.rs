//! The manifest (`GET /api/v1/player/manifest`, `docs/player-protocol.md` §3): everything a screen needs to play
//! offline for a horizon.
//!
//! A body is one JSON object whose keys come in a fixed order: the screen-specific [`ManifestHead`] (`format`,
//! `etag`, `schedule_version`, `horizon`, `refresh_before`, `screen`) and then the [`ManifestShared`] part
//! (`alerts`, `items`, `layout`, `media`, `plays`, `ticker`, and `zone_items` when a free zone has content), which
//! is the same for every screen with the same
//! schedule inputs. The server serializes the shared part once per group of screens
//! ([`ManifestShared::to_suffix`]) and each screen's head ([`ManifestHead::to_prefix`]); the two byte strings
//! joined are exactly the serialization of the whole [`Manifest`]. Because `items` comes before the play list, a
//! reader that wants only the items stops early ([`read_items`]).

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

/// Manifest format number (`format`). Both formats have the same fields; they differ in the play list's
/// encoding (see [`PlayList`]). Decoding rejects any other number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Format 1: every play is `[start_offset_ms, duration_ms, ref, truncated]`.
    V1,
    /// Format 2 (what the server writes): a play that starts where the previous one ended (or, for the first,
    /// at offset 0) omits its start: `[duration_ms, ref]`, or `[duration_ms, ref, 1]` when truncated.
    #[default]
    V2,
}

impl Format {
    /// The number on the wire.
    pub fn number(self) -> u8 {
        match self {
            Format::V1 => 1,
            Format::V2 => 2,
        }
    }
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Format, D::Error> {
        match u64::deserialize(d)? {
            1 => Ok(Format::V1),
            2 => Ok(Format::V2),
            n => Err(de::Error::custom(format_args!(
                "unsupported manifest format {n}"
            ))),
        }
    }
}

/// The horizon a manifest covers: `[from, to)`, epoch ms; `from` is an hour boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Horizon {
    /// Start, epoch ms (inclusive). Play offsets count from here.
    pub from: i64,
    /// End, epoch ms (exclusive).
    pub to: i64,
}

/// Screen orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Wider than tall.
    #[default]
    Landscape,
    /// Taller than wide.
    Portrait,
}

/// The screen a manifest is for (`screen`): the only screen-specific part besides the ETag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screen {
    /// Screen id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Location id.
    pub location_id: String,
    /// Kind of location (`airport`, `street`, `metro`, `bus_terminal`, …).
    pub location_kind: String,
    /// IANA time zone (the `clock` zone shows local time in it).
    pub tz: String,
    /// Latitude, degrees (the location's when the screen has none).
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Orientation.
    pub orientation: Orientation,
    /// Tags.
    pub tags: Vec<String>,
    /// Slugs of the screen groups it belongs to.
    pub groups: Vec<String>,
}

/// The screen-specific start of a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestHead {
    /// Format number.
    pub format: Format,
    /// The quoted strong ETag of this body (the same as the `ETag` header).
    pub etag: String,
    /// Schedule version the manifest was computed from.
    pub schedule_version: i64,
    /// Horizon.
    pub horizon: Horizon,
    /// Fetch again before this instant, epoch ms, even without a push.
    pub refresh_before: i64,
    /// The screen.
    pub screen: Screen,
}

impl ManifestHead {
    /// The head as the start of a body: its JSON object without the closing brace (joined with
    /// [`ManifestShared::to_suffix`] it makes the whole body).
    pub fn to_prefix(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut v = serde_json::to_vec(self)?;
        v.pop();
        Ok(v)
    }
}

/// CAP severity of an alert, spelled as in CAP 1.2 (`Severe`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Severity {
    /// Unknown.
    #[default]
    Unknown,
    /// Minor.
    Minor,
    /// Moderate.
    Moderate,
    /// Severe.
    Severe,
    /// Extreme.
    Extreme,
}

/// An alert on air (or scheduled) on the screen within the horizon (`alerts[]`); plays refer to it by index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Alert id.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// Headline.
    pub headline: String,
    /// Description.
    pub description: String,
    /// What to do.
    pub instruction: String,
    /// Effective from, epoch ms.
    pub effective: Option<i64>,
    /// Expires at, epoch ms. The player takes the alert off the screen at this instant even offline.
    pub expires: Option<i64>,
    /// Event type (e.g. "Flood"), in the language of the text; empty when not given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event: String,
    /// Language of the text (`ru`, `en`, `zh`, …: the CAP `<info>` chosen for the screen's audience); empty for an
    /// alert issued as JSON.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
    /// When the hazard is expected to begin, epoch ms (CAP `onset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<i64>,
}

/// Kind of a content item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A video (`media`).
    Video,
    /// An image (`media`).
    Image,
    /// An HTML slide (`template` + `data`).
    Html,
    /// A web page (`url`, shown in a sandboxed iframe).
    Web,
}

/// A content item (`items[]` for the main zone, `ticker[]` for the ticker zone, `zone_items{}` for free zones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Campaign id.
    pub campaign: String,
    /// Partner slug; `null` for network content.
    pub partner: Option<String>,
    /// The partner's name in the screen's language (what a fallback slate shows, never the slug).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_name: Option<String>,
    /// Item id within the campaign.
    pub item: String,
    /// Kind.
    pub kind: ItemKind,
    /// Display time, ms.
    pub duration_ms: i64,
    /// Media id (`video`, `image`): look it up in the manifest's `media`.
    pub media: Option<String>,
    /// Template (`html`).
    pub template: Option<String>,
    /// Template data (`html`).
    pub data: Option<Value>,
    /// Page URL (`web`).
    pub url: Option<String>,
}

/// A rectangle of the layout, in fractions of the screen (0..=1). Zones are listed in drawing order (a later
/// zone may overlay an earlier one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    /// `main` (the play list), `ticker` (the `ticker` items), `clock`, or a free name of an assigned layout
    /// (`side`, `weather`, …): players loop the zone's `zone_items` there, or show local time and date when it
    /// has none.
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

/// The screen's layout (`layout`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// `fullscreen` or `main_ticker_clock` (the built-in choice), or the slug of the layout assigned to the
    /// screen or its group.
    pub name: String,
    /// Orientation the zones are laid out for.
    pub orientation: Orientation,
    /// Zones.
    pub zones: Vec<Zone>,
}

/// A content-addressed medium to cache (`media[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// Media id (what items refer to).
    pub id: String,
    /// Immutable delivery URL relative to the server: the original, `/media/<sha256>.<ext>`, when this screen
    /// decodes its codec, else its H.264/AAC rendition, `/renditions/<sha256 of the original>/normalized.mp4`.
    pub url: String,
    /// SHA-256 of the bytes at `url`, hex (empty when not known: the player then skips its check).
    pub sha256: String,
    /// Size, bytes.
    pub size: i64,
    /// Duration (videos), ms.
    pub duration_ms: Option<i64>,
    /// MIME type.
    pub mime: String,
    /// `video` or `image`.
    pub kind: String,
}

/// What a play shows: an index into `items` (`ref >= 0` on the wire) or into `alerts` (`ref = -index - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayRef {
    /// `items[i]`.
    Item(usize),
    /// `alerts[i]`.
    Alert(usize),
}

impl PlayRef {
    /// The `ref` number on the wire.
    pub fn to_wire(self) -> i64 {
        match self {
            PlayRef::Item(i) => i as i64,
            PlayRef::Alert(i) => -(i as i64) - 1,
        }
    }

    /// The reference a wire `ref` names.
    pub fn from_wire(r: i64) -> PlayRef {
        if r >= 0 {
            PlayRef::Item(r as usize)
        } else {
            PlayRef::Alert((-(r + 1)) as usize)
        }
    }
}

/// One play of the main zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Play {
    /// Start, ms after `horizon.from`.
    pub offset_ms: i64,
    /// Duration, ms (> 0); the play ends at `offset_ms + duration_ms`.
    pub duration_ms: i64,
    /// What plays.
    pub what: PlayRef,
    /// Cut before its natural end (higher priority, alert, window end).
    pub truncated: bool,
}

/// The main zone's play sequence (`plays`), sorted by start, never overlapping.
///
/// Each entry is `[start_offset_ms, duration_ms, ref, truncated]` (`truncated` 0 or 1). With
/// `encoding` [`Format::V2`], an entry whose start equals the previous entry's end (0 for the first) omits it:
/// `[duration_ms, ref]`, or `[duration_ms, ref, 1]` when truncated. Decoding accepts both forms in any list (as
/// the web player does) and sets `encoding` to [`Format::V2`] when some entry is short; [`Manifest`] decoding
/// sets it to the manifest's `format`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlayList {
    /// How [`Serialize`] writes the entries.
    pub encoding: Format,
    /// The plays.
    pub plays: Vec<Play>,
}

impl PlayList {
    /// Plays to write in `encoding`.
    pub fn new(encoding: Format, plays: Vec<Play>) -> PlayList {
        PlayList { encoding, plays }
    }
}

/// One entry as written: 2 to 4 numbers.
struct Entry([i64; 4], usize);

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.1)?;
        for n in &self.0[..self.1] {
            t.serialize_element(n)?;
        }
        t.end()
    }
}

impl Serialize for PlayList {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.plays.len()))?;
        let mut prev_end = 0;
        for p in &self.plays {
            let r = p.what.to_wire();
            let t = i64::from(p.truncated);
            let e = if self.encoding == Format::V2 && p.offset_ms == prev_end {
                if p.truncated {
                    Entry([p.duration_ms, r, 1, 0], 3)
                } else {
                    Entry([p.duration_ms, r, 0, 0], 2)
                }
            } else {
                Entry([p.offset_ms, p.duration_ms, r, t], 4)
            };
            seq.serialize_element(&e)?;
            prev_end = p.offset_ms + p.duration_ms;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a play [start_offset?, duration, ref, truncated?]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Entry, A::Error> {
                let mut e = Entry([0; 4], 0);
                while let Some(n) = a.next_element::<i64>()? {
                    if e.1 == 4 {
                        return Err(de::Error::invalid_length(5, &self));
                    }
                    e.0[e.1] = n;
                    e.1 += 1;
                }
                if e.1 < 2 {
                    return Err(de::Error::invalid_length(e.1, &self));
                }
                Ok(e)
            }
        }
        d.deserialize_seq(V)
    }
}

impl<'de> Deserialize<'de> for PlayList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PlayList, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PlayList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of plays")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<PlayList, A::Error> {
                let mut out = PlayList {
                    encoding: Format::V1,
                    plays: Vec::with_capacity(a.size_hint().unwrap_or(0).min(1 << 16)),
                };
                let mut prev_end = 0;
                while let Some(Entry(n, len)) = a.next_element::<Entry>()? {
                    let i = out.plays.len();
                    let (offset_ms, duration_ms, r, t) = match len {
                        4 => (n[0], n[1], n[2], n[3]),
                        3 => (prev_end, n[0], n[1], n[2]),
                        _ => (prev_end, n[0], n[1], 0),
                    };
                    if len < 4 {
                        out.encoding = Format::V2;
                    }
                    if duration_ms <= 0 {
                        return Err(de::Error::custom(format_args!(
                            "play {i}: duration must be positive"
                        )));
                    }
                    if t != 0 && t != 1 {
                        return Err(de::Error::custom(format_args!(
                            "play {i}: truncated must be 0 or 1"
                        )));
                    }
                    out.plays.push(Play {
                        offset_ms,
                        duration_ms,
                        what: PlayRef::from_wire(r),
                        truncated: t == 1,
                    });
                    prev_end = offset_ms + duration_ms;
                }
                Ok(out)
            }
        }
        d.deserialize_seq(V)
    }
}

/// The part of a manifest shared by every screen with the same schedule inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestShared {
    /// Alerts the play list refers to.
    pub alerts: Vec<Alert>,
    /// Main-zone items the play list refers to.
    pub items: Vec<Item>,
    /// Layout.
    pub layout: Layout,
    /// Media of `items`, `ticker` and `zone_items`, each once.
    pub media: Vec<Media>,
    /// The main zone's play sequence.
    pub plays: PlayList,
    /// Items looping in the `ticker` zone for the whole horizon.
    pub ticker: Vec<Item>,
    /// Items looping in free zones of the layout (`side`, `weather`, …: neither `main`, `ticker` nor `clock`) for
    /// the whole horizon, by zone name, each list from its first item at the horizon's start. Only zones of this
    /// layout. Absent when there are none (so bodies without free-zone content are as before this field).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub zone_items: std::collections::BTreeMap<String, Vec<Item>>,
}

impl ManifestShared {
    /// The shared part as the end of a body: its JSON object with the opening brace replaced by a comma (see
    /// [`ManifestHead::to_prefix`]).
    pub fn to_suffix(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut v = serde_json::to_vec(self)?;
        v[0] = b',';
        Ok(v)
    }
}

/// A whole manifest body: the head's keys, then the shared part's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ManifestWire")]
pub struct Manifest {
    /// Screen-specific fields.
    #[serde(flatten)]
    pub head: ManifestHead,
    /// Fields shared by screens with the same inputs.
    #[serde(flatten)]
    pub shared: ManifestShared,
}

#[derive(Deserialize)]
struct ManifestWire {
    #[serde(flatten)]
    head: ManifestHead,
    #[serde(flatten)]
    shared: ManifestShared,
}

impl From<ManifestWire> for Manifest {
    fn from(w: ManifestWire) -> Manifest {
        let mut shared = w.shared;
        shared.plays.encoding = w.head.format;
        Manifest {
            head: w.head,
            shared,
        }
    }
}

impl Manifest {
    /// The body as the server sends it: [`ManifestHead::to_prefix`] followed by [`ManifestShared::to_suffix`].
    pub fn to_body(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut body = self.head.to_prefix()?;
        body.extend_from_slice(&self.shared.to_suffix()?);
        Ok(body)
    }
}

/// Reads the `items` of a manifest body and stops there: the server writes `items` before the play list (the
/// bulk), so a reader needing only the items does not decode (or, over a gzip stream, decompress) the rest. A
/// body without `items` has none. Errors on JSON errors and on an unsupported `format`.
pub fn read_items<R: std::io::Read>(reader: R) -> Result<Vec<Item>, serde_json::Error> {
    items_of(&mut serde_json::Deserializer::from_reader(reader))
}

/// [`read_items`] of a body in memory.
pub fn read_items_from_slice(body: &[u8]) -> Result<Vec<Item>, serde_json::Error> {
    items_of(&mut serde_json::Deserializer::from_slice(body))
}

fn items_of<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
) -> Result<Vec<Item>, serde_json::Error> {
    let mut found = None;
    match ItemsSeed(&mut found).deserialize(de) {
        Ok(()) => Ok(found.unwrap_or_default()),
        // The seed stops the parse with an error once it holds the items.
        Err(_) if found.is_some() => Ok(found.unwrap_or_default()),
        Err(e) => Err(e),
    }
}

struct ItemsSeed<'a>(&'a mut Option<Vec<Item>>);

const STOP: &str = "stop after items";

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a manifest object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => {
                    map.next_value::<Format>()?;
                }
                "items" => {
                    *self.0 = Some(map.next_value()?);
                    return Err(de::Error::custom(STOP));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn play(offset_ms: i64, duration_ms: i64, r: i64, truncated: bool) -> Play {
        Play {
            offset_ms,
            duration_ms,
            what: PlayRef::from_wire(r),
            truncated,
        }
    }

    #[test]
    fn play_refs_map_items_and_alerts() {
        assert_eq!(PlayRef::from_wire(0), PlayRef::Item(0));
        assert_eq!(PlayRef::from_wire(-1), PlayRef::Alert(0));
        assert_eq!(PlayRef::from_wire(-3), PlayRef::Alert(2));
        for r in [-5, -1, 0, 7] {
            assert_eq!(PlayRef::from_wire(r).to_wire(), r);
        }
    }

    #[test]
    fn format_2_omits_contiguous_starts_and_format_1_never_does() {
        let plays = vec![
            play(0, 15_000, 0, false),
            play(15_000, 10_000, 1, true),
            play(3_600_000, 600_000, -1, false),
            play(4_200_000, 5_000, 1, false),
        ];
        let v2 = serde_json::to_string(&PlayList::new(Format::V2, plays.clone())).unwrap();
        assert_eq!(v2, "[[15000,0],[10000,1,1],[3600000,600000,-1,0],[5000,1]]");
        let v1 = serde_json::to_string(&PlayList::new(Format::V1, plays.clone())).unwrap();
        assert_eq!(
            v1,
            "[[0,15000,0,0],[15000,10000,1,1],[3600000,600000,-1,0],[4200000,5000,1,0]]"
        );
        for (text, encoding) in [(v2, Format::V2), (v1, Format::V1)] {
            let back: PlayList = serde_json::from_str(&text).unwrap();
            assert_eq!(back, PlayList::new(encoding, plays.clone()));
        }
    }

    #[test]
    fn bad_play_entries_are_refused() {
        for bad in [
            "[[1]]",
            "[[1,2,3,4,5]]",
            "[[0,0,0,0]]",
            "[[-5,1]]",
            "[[0,10,0,2]]",
            "[[10,1,7]]",
            "[[1.5,1]]",
        ] {
            assert!(
                serde_json::from_str::<PlayList>(bad).is_err(),
                "{bad} was accepted"
            );
        }
    }

    #[test]
    fn formats_other_than_1_and_2_are_refused() {
        assert_eq!(serde_json::from_str::<Format>("1").unwrap(), Format::V1);
        assert_eq!(serde_json::from_str::<Format>("2").unwrap(), Format::V2);
        assert!(serde_json::from_str::<Format>("3").is_err());
        assert!(serde_json::from_str::<Format>("\"2\"").is_err());
    }
}
