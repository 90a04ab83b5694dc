//! Which file of a medium a screen plays: the original when the screen's player decodes its codec, else the
//! H.264/AAC rendition the media jobs make, else nothing yet (the item is then left out of that screen's plan,
//! and `explain` says why).
//!
//! A player reports the codecs it decodes with its heartbeat ([`Decodes::reported`]); one that never did is
//! assumed to decode [`BASELINE`], what every Chromium build plays.
//!
//! Public screens play without sound: when a video has a caption track in a screen's language and its rendition
//! with those captions burnt in has been made, a screen that decodes H.264 plays that one ([`pick_for`],
//! [`caption_language`]).

use crate::campaign::{Campaign, ContentKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What a player that has not reported its codecs is assumed to decode.
pub const BASELINE: [&str; 4] = ["h264", "vp8", "vp9", "av1"];

/// The codec of every H.264/AAC rendition (what [`Pick::Rendition`] plays).
pub const RENDITION_CODEC: &str = "h264";

/// The video codecs one screen's player decodes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decodes(BTreeSet<String>);

impl Default for Decodes {
    fn default() -> Self {
        Decodes::reported(None)
    }
}

impl Decodes {
    /// From a heartbeat's `decodes` (lowercased, deduplicated); `None` is [`BASELINE`].
    pub fn reported(codecs: Option<&[String]>) -> Decodes {
        match codecs {
            Some(c) => Decodes(c.iter().map(|s| s.trim().to_ascii_lowercase()).collect()),
            None => Decodes(BASELINE.iter().map(|s| s.to_string()).collect()),
        }
    }

    /// Does the player decode `codec`?
    pub fn can(&self, codec: &str) -> bool {
        self.0.contains(&codec.to_ascii_lowercase())
    }

    /// A stable text naming the set (sorted, comma-separated): screens with equal signatures get equal files.
    pub fn signature(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(",")
    }

    /// The codecs, sorted.
    pub fn codecs(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }
}

/// What is known of a medium to choose its file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaFacts {
    /// `true` for videos (images always play as they are).
    pub video: bool,
    /// The original's video codec (`h264`, `h265`, `prores`, …), `None` when it was never probed for one.
    pub codec: Option<String>,
    /// Whether its H.264/AAC rendition exists.
    pub rendition: bool,
    /// Whether its container is one browsers do not play (Matroska, MPEG streams): only the rendition plays.
    pub foreign_container: bool,
    /// The caption languages (BCP 47 tags) whose H.264/AAC rendition with those captions burnt in exists.
    pub captioned: BTreeSet<String>,
}

/// The file a screen plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// The original.
    Original,
    /// The H.264/AAC rendition.
    Rendition,
    /// The H.264/AAC rendition with the captions of the screen's language burnt in ([`pick_for`]).
    Captioned,
    /// Nothing this screen decodes exists yet.
    Nothing,
}

/// The best file of a medium for a screen: the original when the player decodes it (or it is no video, or its
/// codec is unknown), else the rendition when it exists and the player decodes H.264, else nothing.
pub fn pick(m: &MediaFacts, d: &Decodes) -> Pick {
    if !m.video {
        return Pick::Original;
    }
    if !m.foreign_container && m.codec.as_deref().is_none_or(|c| d.can(c)) {
        return Pick::Original;
    }
    if m.rendition && d.can(RENDITION_CODEC) {
        Pick::Rendition
    } else {
        Pick::Nothing
    }
}

/// The caption language of `tracks` that a screen reading `language` shows: the same tag (case aside), else the
/// first tag (in sorted order) of the same primary language (`zh` reads `zh-Hans`; `pt-BR` reads `pt`), else none.
pub fn caption_language<'a>(
    language: &str,
    tracks: impl IntoIterator<Item = &'a String>,
) -> Option<&'a String> {
    let primary = |t: &str| t.split('-').next().unwrap_or("").to_ascii_lowercase();
    let want = primary(language);
    let mut same_primary: Option<&'a String> = None;
    for t in tracks {
        if t.eq_ignore_ascii_case(language) {
            return Some(t);
        }
        if !want.is_empty()
            && primary(t) == want
            && same_primary.is_none_or(|s| t.as_str() < s.as_str())
        {
            same_primary = Some(t);
        }
    }
    same_primary
}

/// [`pick`] for a screen reading `language`: [`Pick::Captioned`] when the medium plays there at all, the screen
/// decodes H.264 and a rendition with captions in its language ([`caption_language`]) exists.
pub fn pick_for(m: &MediaFacts, d: &Decodes, language: &str) -> Pick {
    let p = pick(m, d);
    if p != Pick::Nothing
        && m.video
        && d.can(RENDITION_CODEC)
        && caption_language(language, &m.captioned).is_some()
    {
        Pick::Captioned
    } else {
        p
    }
}

/// An item left out of a screen's plan: nothing of its medium plays there yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unplayable {
    /// Campaign id.
    pub campaign: String,
    /// Item id.
    pub item: String,
    /// Media id.
    pub media: String,
    /// The original's codec.
    pub codec: String,
    /// `true` while the rendition is still to be made (the item will play once it exists).
    pub awaiting_rendition: bool,
    /// Human-readable detail.
    pub detail: String,
}

/// `campaigns` with the video items the screen cannot play removed (a campaign may be left with no items), and
/// the items removed. `facts` answers for a media id (`None`: unknown, kept as it is).
pub fn playable_campaigns<'a>(
    campaigns: &[Campaign],
    facts: impl Fn(&str) -> Option<&'a MediaFacts>,
    d: &Decodes,
) -> (Vec<Campaign>, Vec<Unplayable>) {
    let mut out = Vec::with_capacity(campaigns.len());
    let mut left = Vec::new();
    for c in campaigns {
        let mut c = c.clone();
        c.items.retain(|it| {
            if it.kind != ContentKind::Video {
                return true;
            }
            let Some(m) = facts(&it.media) else {
                return true;
            };
            if pick(m, d) != Pick::Nothing {
                return true;
            }
            let codec = m.codec.clone().unwrap_or_else(|| "unknown".into());
            left.push(Unplayable {
                campaign: c.id.clone(),
                item: it.id.clone(),
                media: it.media.clone(),
                awaiting_rendition: !m.rendition,
                detail: format!(
                    "this screen's player cannot decode {codec} (it decodes {}) and the H.264 rendition {}",
                    d.codecs().join(", "),
                    if m.rendition {
                        "is not playable there either"
                    } else {
                        "is not made yet (transcoding)"
                    }
                ),
                codec,
            });
            false
        });
        out.push(c);
    }
    (out, left)
}

/// The screens (by index in `screens`) that a campaign of `campaigns` using medium `media` targets but that can
/// play nothing of it yet ([`pick`] is [`Pick::Nothing`] with their `decodes`): what the console warns the
/// partner about. A screen is named once however many campaigns or items name the medium there.
pub fn screens_without_playable(
    media: &str,
    facts: &MediaFacts,
    campaigns: &[Campaign],
    screens: &[(crate::Screen, Decodes)],
) -> Vec<usize> {
    let using: Vec<&Campaign> = campaigns
        .iter()
        .filter(|c| {
            c.items
                .iter()
                .any(|it| it.kind == ContentKind::Video && it.media == media)
        })
        .collect();
    screens
        .iter()
        .enumerate()
        .filter(|(_, (screen, d))| {
            pick(facts, d) == Pick::Nothing && using.iter().any(|c| c.targets(screen))
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(codec: &str, rendition: bool) -> MediaFacts {
        MediaFacts {
            video: true,
            codec: Some(codec.into()),
            rendition,
            foreign_container: false,
            captioned: BTreeSet::new(),
        }
    }

    #[test]
    fn the_original_when_decodable_else_the_rendition_else_nothing() {
        let chromium = Decodes::reported(Some(&["h264".into(), "VP9".into()]));
        assert_eq!(pick(&video("h264", false), &chromium), Pick::Original);
        assert_eq!(pick(&video("vp9", true), &chromium), Pick::Original);
        assert_eq!(pick(&video("h265", true), &chromium), Pick::Rendition);
        assert_eq!(pick(&video("h265", false), &chromium), Pick::Nothing);
        assert_eq!(pick(&video("prores", false), &chromium), Pick::Nothing);
        let safari = Decodes::reported(Some(&["h264".into(), "h265".into()]));
        assert_eq!(pick(&video("h265", false), &safari), Pick::Original);
        // No H.264 at all: a rendition does not help.
        let odd = Decodes::reported(Some(&["vp9".into()]));
        assert_eq!(pick(&video("h265", true), &odd), Pick::Nothing);
        // Images and unprobed media play as they are.
        let image = MediaFacts {
            video: false,
            codec: Some("png".into()),
            rendition: false,
            foreign_container: false,
            captioned: BTreeSet::new(),
        };
        assert_eq!(pick(&image, &odd), Pick::Original);
        assert_eq!(
            pick(
                &MediaFacts {
                    video: true,
                    ..Default::default()
                },
                &odd
            ),
            Pick::Original
        );
        // A container browsers do not play needs the rendition, whatever its codec.
        let mkv = MediaFacts {
            foreign_container: true,
            ..video("vp9", false)
        };
        assert_eq!(pick(&mkv, &chromium), Pick::Nothing);
        let mkv = MediaFacts {
            rendition: true,
            ..mkv
        };
        assert_eq!(pick(&mkv, &chromium), Pick::Rendition);
        // Players that never reported: the baseline.
        assert_eq!(Decodes::default().signature(), "av1,h264,vp8,vp9");
        assert_eq!(
            pick(&video("h265", false), &Decodes::default()),
            Pick::Nothing
        );
    }

    #[test]
    fn the_screens_a_medium_does_not_play_on_yet() {
        let c: Campaign = serde_json::from_value(serde_json::json!({
            "id": "c", "name": "c", "partner": "p", "targets": {"screens": ["s1", "s2"]},
            "items": [{"id": "i", "kind": "video", "duration_ms": 2000, "media": "m"}]
        }))
        .unwrap();
        let screen =
            |id: &str| crate::Screen::new(id, "loc", "airport", crate::Zone::new("UTC").unwrap());
        let chromium = Decodes::reported(Some(&["h264".into()]));
        let safari = Decodes::reported(Some(&["h264".into(), "h265".into()]));
        let screens = [
            (screen("s1"), chromium.clone()),
            (screen("s2"), safari),
            (screen("s3"), chromium),
        ];
        let hevc = video("h265", false);
        // s1 cannot decode HEVC and the rendition is not made; s2 decodes HEVC; s3 is not targeted.
        assert_eq!(
            screens_without_playable("m", &hevc, std::slice::from_ref(&c), &screens),
            [0]
        );
        let done = video("h265", true);
        assert!(
            screens_without_playable("m", &done, std::slice::from_ref(&c), &screens).is_empty()
        );
        assert!(screens_without_playable("other", &hevc, &[c], &screens).is_empty());
    }

    #[test]
    fn a_screen_plays_the_captions_of_its_language_when_burnt_in() {
        let chromium = Decodes::reported(Some(&["h264".into()]));
        let mut m = video("h264", true);
        m.captioned = ["ru".to_string(), "zh-Hans".to_string()].into();
        assert_eq!(pick_for(&m, &chromium, "ru"), Pick::Captioned);
        assert_eq!(pick_for(&m, &chromium, "zh"), Pick::Captioned);
        assert_eq!(pick_for(&m, &chromium, "en"), Pick::Original);
        // A player without H.264 plays the original it decodes.
        let vp9 = Decodes::reported(Some(&["vp9".into()]));
        let mut webm = video("vp9", false);
        webm.captioned = m.captioned.clone();
        assert_eq!(pick_for(&webm, &vp9, "ru"), Pick::Original);
        // Nothing playable stays nothing.
        let mut hevc = video("h265", false);
        hevc.captioned = m.captioned.clone();
        assert_eq!(pick_for(&hevc, &vp9, "ru"), Pick::Nothing);
        let tracks: Vec<String> = [
            "pt".into(),
            "zh-Hant".into(),
            "zh-Hans".into(),
            "EN-gb".into(),
        ]
        .into();
        assert_eq!(
            caption_language("zh", &tracks).map(String::as_str),
            Some("zh-Hans")
        );
        assert_eq!(
            caption_language("zh-Hant", &tracks).map(String::as_str),
            Some("zh-Hant")
        );
        assert_eq!(
            caption_language("pt-BR", &tracks).map(String::as_str),
            Some("pt")
        );
        assert_eq!(
            caption_language("en-GB", &tracks).map(String::as_str),
            Some("EN-gb")
        );
        assert_eq!(caption_language("ru", &tracks), None);
        assert_eq!(caption_language("", &tracks), None);
    }

    proptest::proptest! {
        /// The chosen track is one of the tracks, of the screen's primary language; an exact match wins; a
        /// track of the screen's primary language is always found.
        #[test]
        fn caption_language_is_a_track_of_the_screens_language(
            language in "(ru|en|zh|pt)(-(Hans|Hant|BR|GB))?",
            tracks in proptest::collection::vec("(ru|en|zh|pt|fr)(-(Hans|Hant|BR|GB))?", 0..6),
        ) {
            let primary = |t: &str| t.split('-').next().unwrap().to_string();
            match caption_language(&language, &tracks) {
                Some(t) => {
                    proptest::prop_assert!(tracks.contains(t));
                    proptest::prop_assert_eq!(primary(t), primary(&language));
                    if tracks.contains(&language) {
                        proptest::prop_assert_eq!(t, &language);
                    }
                }
                None => proptest::prop_assert!(tracks.iter().all(|t| primary(t) != primary(&language))),
            }
        }
    }
}
