//! The rules a campaign must satisfy before it is stored, once, with a stable code per failure. Pure: no IO.
//!
//! The caller (the application layer) builds a [`CampaignDraft`] from a request, runs [`check`], then resolves the
//! draft's references itself (partner, media, screen groups) and reports names that do not exist with the
//! `unknown-*` codes of [`RuleError::unknown`]. Whether a resolved media object fits an item is [`media_fits`];
//! durations filled in afterwards (a video's probed length) are checked with [`check_duration`].

use crate::campaign::{Campaign, Targets, MIN_ITEM_MS};
use crate::recurrence::{Recurrence, RecurrenceSpec};
use crate::ContentKind;

/// The built-in zones a campaign can play in; besides them, any free zone of a layout ([`is_content_zone`]).
pub const ZONES: &[&str] = &["main", "ticker"];

/// The zone that shows local time and date; no campaign plays there.
pub const CLOCK_ZONE: &str = "clock";

/// Whether a campaign may name `zone`: `main` (the engine's rotation), `ticker` (the ticker band), or a free zone
/// of a layout (`side`, `weather`, …: a zone name as [`crate::zones::check_zones`] allows it), never `clock`.
pub fn is_content_zone(zone: &str) -> bool {
    ZONES.contains(&zone) || (zone != CLOCK_ZONE && crate::zones::is_zone_name(zone))
}

/// Whether `zone` is a free zone (neither `main` nor `ticker`): its campaigns' items loop in the layout zone of
/// that name, on screens whose layout has one.
pub fn is_free_zone(zone: &str) -> bool {
    !ZONES.contains(&zone)
}

/// HTML slide templates the players know.
pub const TEMPLATES: &[&str] = &["partner_card", "headline"];

/// Most items one campaign may hold.
pub const MAX_ITEMS: usize = 500;

/// Longest page URL of a `web` item, in bytes.
pub const MAX_URL_BYTES: usize = 2048;

/// Default duration of still items (images, slides, web pages) in milliseconds.
pub const DEFAULT_ITEM_MS: i64 = 10_000;

/// A broken campaign rule: a stable code (`invalid`, `unknown-partner`, …) and a message naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    /// Stable code.
    pub code: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
}

impl RuleError {
    /// A rule error with code `invalid`.
    pub fn invalid(message: impl Into<String>) -> RuleError {
        RuleError {
            code: "invalid",
            message: message.into(),
        }
    }

    /// A reference that names nothing: `what` is `partner`, `media`, `group`, `screen` (code `unknown-<what>`).
    pub fn unknown(what: &'static str, field: &str, name: &str) -> RuleError {
        let code = match what {
            "partner" => "unknown-partner",
            "media" => "unknown-media",
            "group" => "unknown-group",
            "screen" => "unknown-screen",
            "location" => "unknown-location",
            _ => "unknown-reference",
        };
        RuleError {
            code,
            message: format!("{field}: unknown {what} {name:?}"),
        }
    }
}

/// One playlist item as submitted.
#[derive(Debug, Clone, Copy)]
pub struct ItemDraft<'a> {
    /// Item id; empty = assigned from the position (see [`item_id`]).
    pub id: &'a str,
    /// Kind.
    pub kind: ContentKind,
    /// Display time in ms, when given.
    pub duration_ms: Option<i64>,
    /// Media id (`video`, `image`).
    pub media_id: Option<&'a str>,
    /// Template (`html`).
    pub template: Option<&'a str>,
    /// Whether the template data is a JSON object (`None`: no data).
    pub data_is_object: Option<bool>,
    /// Page URL (`web`).
    pub url: Option<&'a str>,
}

/// A campaign as submitted (before references are resolved).
#[derive(Debug, Clone)]
pub struct CampaignDraft<'a> {
    /// Display name.
    pub name: &'a str,
    /// Partner slug (`None` or empty: network content).
    pub partner: Option<&'a str>,
    /// Zone.
    pub zone: &'a str,
    /// Priority.
    pub priority: i32,
    /// Share-of-voice weight.
    pub weight: f64,
    /// Targets.
    pub targets: &'a Targets,
    /// Validity start, epoch ms.
    pub valid_from: Option<i64>,
    /// Validity end, epoch ms.
    pub valid_until: Option<i64>,
    /// Recurrence.
    pub recurrence: Option<&'a RecurrenceSpec>,
    /// Playlist.
    pub items: Vec<ItemDraft<'a>>,
}

/// The id an item gets: its own when not blank, else `i<position from 1>`.
pub fn item_id(index: usize, id: &str) -> String {
    if id.trim().is_empty() {
        format!("i{}", index + 1)
    } else {
        id.to_string()
    }
}

/// Checks every rule that needs no lookup: name, zone, partner presence, item count, recurrence, items (ids
/// unique, kind-specific fields, explicit durations), weight, validity window, geofence.
pub fn check(d: &CampaignDraft<'_>) -> Result<(), RuleError> {
    if d.name.trim().is_empty() {
        return Err(RuleError::invalid("name must not be empty"));
    }
    if !is_content_zone(d.zone) {
        return Err(RuleError::invalid(format!(
            "zone must be main, ticker or the name of a free layout zone (1-32 of a-z, 0-9, _ and -, starting \
             with a letter; not clock), got {:?}",
            d.zone
        )));
    }
    let partner = d.partner.filter(|p| !p.is_empty());
    if partner.is_none() && d.zone == "main" {
        return Err(RuleError::invalid(
            "partner is required for campaigns in zone main",
        ));
    }
    if d.items.len() > MAX_ITEMS {
        return Err(RuleError::invalid(format!(
            "a campaign holds at most {MAX_ITEMS} items"
        )));
    }
    if let Some(r) = d.recurrence {
        Recurrence::try_from(r.clone())
            .map_err(|e| RuleError::invalid(format!("recurrence: {e}")))?;
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, it) in d.items.iter().enumerate() {
        let id = item_id(i, it.id);
        if !ids.insert(id.clone()) {
            return Err(RuleError::invalid(format!(
                "items[{i}].id {id:?} is not unique"
            )));
        }
        check_item(i, it)?;
        if let Some(ms) = it.duration_ms {
            check_duration(i, ms)?;
        }
    }
    // The engine's own checks (weight, validity window, geofence).
    let probe = Campaign {
        id: "probe".into(),
        name: d.name.to_string(),
        partner: partner.unwrap_or("_network").to_string(),
        priority: d.priority,
        weight: d.weight,
        targets: d.targets.clone(),
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        recurrence: None,
        items: Vec::new(),
        language: None,
    };
    probe
        .validate()
        .map_err(|e| RuleError::invalid(e.to_string()))
}

fn check_item(i: usize, it: &ItemDraft<'_>) -> Result<(), RuleError> {
    match it.kind {
        ContentKind::Video | ContentKind::Image => {
            if it.media_id.is_none_or(|m| m.trim().is_empty()) {
                return Err(RuleError::invalid(format!(
                    "items[{i}].media_id is required"
                )));
            }
        }
        ContentKind::Html => {
            let t = it.template.unwrap_or("");
            if !TEMPLATES.contains(&t) {
                return Err(RuleError::invalid(format!(
                    "items[{i}].template must be one of {}, got {t:?}",
                    TEMPLATES.join(", ")
                )));
            }
            if it.data_is_object == Some(false) {
                return Err(RuleError::invalid(format!(
                    "items[{i}].data must be a JSON object"
                )));
            }
        }
        ContentKind::Web => {
            let u = it.url.unwrap_or("");
            let ok = (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() > "https://".len()
                && u.len() <= MAX_URL_BYTES
                && !u.chars().any(|ch| ch.is_whitespace() || ch.is_control());
            if !ok {
                return Err(RuleError::invalid(format!(
                    "items[{i}].url must be an http(s) URL, got {u:?}"
                )));
            }
        }
    }
    Ok(())
}

/// An item's display time is at least [`MIN_ITEM_MS`].
pub fn check_duration(index: usize, duration_ms: i64) -> Result<(), RuleError> {
    if duration_ms < MIN_ITEM_MS {
        return Err(RuleError::invalid(format!(
            "items[{index}].duration_ms must be >= {MIN_ITEM_MS}, got {duration_ms}"
        )));
    }
    Ok(())
}

/// Whether a media object (of `media_kind`, owned by `media_partner`) may be shown by item `index`'s `field`
/// (`media_id` or `portrait_media_id`) of kind `kind` in a campaign of `campaign_partner`: the kinds must match
/// and a partner's campaign shows only its own media.
pub fn media_fits(
    index: usize,
    field: &str,
    media_id: &str,
    kind: ContentKind,
    media_kind: &str,
    media_partner: &str,
    campaign_partner: Option<&str>,
) -> Result<(), RuleError> {
    if campaign_partner.is_some_and(|p| !p.is_empty() && p != media_partner) {
        return Err(RuleError::invalid(format!(
            "items[{index}].{field}: media {media_id:?} belongs to another partner"
        )));
    }
    let want = if kind == ContentKind::Video {
        "video"
    } else {
        "image"
    };
    if media_kind != want {
        return Err(RuleError::invalid(format!(
            "items[{index}].{field}: media {media_id:?} is {media_kind}, not {want}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: ContentKind) -> ItemDraft<'static> {
        ItemDraft {
            id: "",
            kind,
            duration_ms: None,
            media_id: None,
            template: None,
            data_is_object: None,
            url: None,
        }
    }

    fn draft<'a>(targets: &'a Targets, items: Vec<ItemDraft<'a>>) -> CampaignDraft<'a> {
        CampaignDraft {
            name: "Card",
            partner: Some("pa"),
            zone: "main",
            priority: 0,
            weight: 1.0,
            targets,
            valid_from: None,
            valid_until: None,
            recurrence: None,
            items,
        }
    }

    fn fails(d: &CampaignDraft<'_>, needle: &str) {
        let e = check(d).expect_err(needle);
        assert_eq!(e.code, "invalid");
        assert!(e.message.contains(needle), "{needle}: {e}");
    }

    #[test]
    fn a_plain_campaign_passes() {
        let t = Targets::default();
        let image = ItemDraft {
            media_id: Some("m1"),
            ..item(ContentKind::Image)
        };
        let slide = ItemDraft {
            template: Some("headline"),
            data_is_object: Some(true),
            ..item(ContentKind::Html)
        };
        let page = ItemDraft {
            url: Some("https://example.org/"),
            duration_ms: Some(1000),
            ..item(ContentKind::Web)
        };
        check(&draft(&t, vec![image, slide, page])).unwrap();
        let mut ticker = draft(&t, vec![slide]);
        ticker.partner = None;
        ticker.zone = "ticker";
        check(&ticker).unwrap();
        // Free zones of layouts: any zone name but the clock's; a partner is optional there, as in the ticker.
        for free in ["side", "weather-strip", "panel_2"] {
            let mut d = draft(&t, vec![image]);
            d.zone = free;
            check(&d).unwrap();
            d.partner = None;
            check(&d).unwrap();
            assert!(is_free_zone(free));
        }
        assert!(!is_free_zone("main") && !is_free_zone("ticker"));
    }

    #[test]
    fn each_rule_names_its_field() {
        let t = Targets::default();
        let mut d = draft(&t, vec![]);
        d.name = "  ";
        fails(&d, "name");
        for bad in ["Side Bar", "", "clock", "9lives", "side!", &"x".repeat(33)] {
            let mut d = draft(&t, vec![]);
            d.zone = bad;
            fails(&d, "zone");
        }
        let mut d = draft(&t, vec![]);
        d.partner = Some("");
        fails(&d, "partner is required");
        let mut d = draft(&t, vec![]);
        d.weight = -1.0;
        fails(&d, "weight");
        d.weight = f64::NAN;
        fails(&d, "weight");
        let mut d = draft(&t, vec![]);
        d.valid_from = Some(10);
        d.valid_until = Some(5);
        fails(&d, "valid_until");
        let spec = RecurrenceSpec {
            dtstart: "2026-01-01T00:00:00".parse().unwrap(),
            rrule: "FREQ=NEVER".into(),
            exdates: vec![],
            duration_ms: 1000,
        };
        let mut d = draft(&t, vec![]);
        d.recurrence = Some(&spec);
        fails(&d, "recurrence");
        fails(&draft(&t, vec![item(ContentKind::Video)]), "media_id");
        fails(
            &draft(
                &t,
                vec![ItemDraft {
                    url: Some("file:///etc/passwd"),
                    ..item(ContentKind::Web)
                }],
            ),
            "url",
        );
        fails(
            &draft(
                &t,
                vec![ItemDraft {
                    url: Some("https://a b"),
                    ..item(ContentKind::Web)
                }],
            ),
            "url",
        );
        fails(
            &draft(
                &t,
                vec![ItemDraft {
                    template: Some("nope"),
                    ..item(ContentKind::Html)
                }],
            ),
            "template",
        );
        fails(
            &draft(
                &t,
                vec![ItemDraft {
                    template: Some("headline"),
                    data_is_object: Some(false),
                    ..item(ContentKind::Html)
                }],
            ),
            "data",
        );
        fails(
            &draft(
                &t,
                vec![ItemDraft {
                    template: Some("headline"),
                    duration_ms: Some(999),
                    ..item(ContentKind::Html)
                }],
            ),
            "duration_ms",
        );
        let slide = ItemDraft {
            template: Some("headline"),
            ..item(ContentKind::Html)
        };
        fails(&draft(&t, vec![slide; MAX_ITEMS + 1]), "at most");
    }

    #[test]
    fn item_ids_default_to_the_position_and_must_be_unique() {
        assert_eq!(item_id(0, ""), "i1");
        assert_eq!(item_id(4, "card"), "card");
        let t = Targets::default();
        let slide = ItemDraft {
            template: Some("headline"),
            ..item(ContentKind::Html)
        };
        // Blank ids get distinct positional ids; an explicit id equal to one of them collides.
        check(&draft(&t, vec![slide, slide])).unwrap();
        fails(
            &draft(&t, vec![slide, ItemDraft { id: "i1", ..slide }]),
            "not unique",
        );
    }

    #[test]
    fn media_must_match_kind_and_partner() {
        media_fits(
            0,
            "media_id",
            "m",
            ContentKind::Video,
            "video",
            "pa",
            Some("pa"),
        )
        .unwrap();
        // Network campaigns may show any partner's media.
        media_fits(0, "media_id", "m", ContentKind::Image, "image", "pa", None).unwrap();
        let e = media_fits(
            0,
            "media_id",
            "m",
            ContentKind::Video,
            "video",
            "pb",
            Some("pa"),
        );
        assert!(e.unwrap_err().message.contains("another partner"));
        let e = media_fits(
            1,
            "portrait_media_id",
            "m",
            ContentKind::Image,
            "video",
            "pa",
            None,
        );
        assert!(e
            .unwrap_err()
            .message
            .contains("items[1].portrait_media_id"));
    }

    #[test]
    fn unknown_references_have_specific_codes() {
        assert_eq!(
            RuleError::unknown("partner", "partner", "x").code,
            "unknown-partner"
        );
        assert_eq!(
            RuleError::unknown("media", "items[0].media_id", "x").code,
            "unknown-media"
        );
        let e = RuleError::unknown("group", "targets.groups", "gates");
        assert_eq!(e.code, "unknown-group");
        assert_eq!(e.message, "targets.groups: unknown group \"gates\"");
    }
}
