//! Campaigns: a partner's content, where it may play (targets), when (validity window + recurrence), how much
//! (share-of-voice weight) and how urgently (priority).
//!
//! ## Targeting
//! [`Targets`] is a union: a screen is targeted when it matches *any* listed screen id, group, tag, location id,
//! location kind, or lies inside the geofence. A campaign with no target criteria at all targets every screen.
//!
//! ## Priority and weight
//! Higher `priority` always wins: while any campaign of a higher priority is eligible on a screen, no lower one
//! plays. Within the winning priority, partners share airtime by weight (see [`crate::fairness`]): a partner's
//! weight on a screen is the largest `weight` among its eligible campaigns there (so partners are equal by
//! default, whatever their number of campaigns), and a partner's campaigns share its airtime by their weights.

use crate::geofence::{Geofence, LatLon};
use crate::recurrence::Recurrence;
use crate::screen::Screen;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// Shortest item duration the engine plays; shorter items are stretched to this.
pub const MIN_ITEM_MS: i64 = 1000;

/// Kind of a content item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    /// A video from the media library.
    Video,
    /// A still image from the media library.
    Image,
    /// An HTML slide rendered from a template with data.
    Html,
    /// A sandboxed web page.
    Web,
}

/// One item of a campaign's playlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentItem {
    /// Item id.
    pub id: String,
    /// Kind.
    pub kind: ContentKind,
    /// How long the item is shown, in milliseconds (at least [`MIN_ITEM_MS`]).
    pub duration_ms: i64,
    /// Reference to the media (content hash, template id or URL, depending on `kind`).
    pub media: String,
}

impl ContentItem {
    /// Duration the engine uses: `duration_ms` raised to [`MIN_ITEM_MS`].
    pub fn effective_duration(&self) -> i64 {
        self.duration_ms.max(MIN_ITEM_MS)
    }
}

/// Where a campaign may play. A union of criteria; empty means every screen.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Targets {
    /// Screen ids.
    #[serde(default)]
    pub screens: Vec<String>,
    /// Screen groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Screen tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Location ids.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Location kinds ("airport", "street", ...).
    #[serde(default)]
    pub location_kinds: Vec<String>,
    /// Geofence tested against the screen's coordinates.
    #[serde(default)]
    pub geofence: Option<Geofence>,
}

impl Targets {
    /// Whether no criterion is set (the campaign then targets every screen).
    pub fn is_everywhere(&self) -> bool {
        self.screens.is_empty()
            && self.groups.is_empty()
            && self.tags.is_empty()
            && self.locations.is_empty()
            && self.location_kinds.is_empty()
            && self.geofence.is_none()
    }

    /// Whether `screen` is targeted.
    pub fn matches(&self, screen: &Screen) -> bool {
        self.is_everywhere()
            || self.screens.contains(&screen.id)
            || self.groups.iter().any(|g| screen.in_group(g))
            || self.tags.iter().any(|t| screen.has_tag(t))
            || self.locations.contains(&screen.location_id)
            || self.location_kinds.contains(&screen.location_kind)
            || self.geofence.as_ref().is_some_and(|g| {
                g.contains(LatLon {
                    lat: screen.lat,
                    lon: screen.lon,
                })
            })
    }
}

fn default_weight() -> f64 {
    1.0
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    /// Campaign id; plans are deterministic in ids, so ids should be unique.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Partner (sister city) slug, e.g. `"kyoto"`.
    pub partner: String,
    /// Priority: higher wins.
    #[serde(default)]
    pub priority: i32,
    /// Share-of-voice weight (> 0, default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Where it may play.
    #[serde(default)]
    pub targets: Targets,
    /// Start of validity (inclusive), epoch ms; `None` = since ever.
    #[serde(default)]
    pub valid_from: Option<Millis>,
    /// End of validity (exclusive), epoch ms; `None` = forever.
    #[serde(default)]
    pub valid_until: Option<Millis>,
    /// Recurrence in the screen's local time; `None` = all the time within validity.
    #[serde(default)]
    pub recurrence: Option<Recurrence>,
    /// Playlist, played in order, round robin.
    #[serde(default)]
    pub items: Vec<ContentItem>,
    /// Only on screens whose audience reads this language (besides `targets`); `None`: any language. The news
    /// desk's tickers set it (one headline campaign per language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Validation errors of a campaign (the field is named in the message).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CampaignError {
    /// A required text field is empty.
    #[error("campaign field `{0}` must not be empty")]
    Empty(&'static str),
    /// Weight must be finite and > 0.
    #[error("campaign weight must be a finite number > 0, got {0}")]
    BadWeight(f64),
    /// valid_until <= valid_from.
    #[error("campaign valid_until must be after valid_from")]
    EmptyValidity,
    /// A content item is invalid.
    #[error("content item {index}: {problem}")]
    BadItem {
        /// Index in `items`.
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The geofence is invalid.
    #[error("targets.geofence: {0}")]
    BadGeofence(String),
}

impl Campaign {
    /// A minimal campaign: always valid, everywhere, priority 0, weight 1, no items.
    pub fn new(id: &str, partner: &str) -> Self {
        Self {
            id: id.into(),
            name: id.into(),
            partner: partner.into(),
            priority: 0,
            weight: 1.0,
            targets: Targets::default(),
            valid_from: None,
            valid_until: None,
            recurrence: None,
            items: Vec::new(),
            language: None,
        }
    }

    /// Builder: adds an item.
    pub fn with_item(mut self, id: &str, kind: ContentKind, duration_ms: i64) -> Self {
        self.items.push(ContentItem {
            id: id.into(),
            kind,
            duration_ms,
            media: format!("media:{id}"),
        });
        self
    }

    /// Checks the fields an HTTP layer should reject with 400.
    pub fn validate(&self) -> Result<(), CampaignError> {
        if self.id.trim().is_empty() {
            return Err(CampaignError::Empty("id"));
        }
        if self.partner.trim().is_empty() {
            return Err(CampaignError::Empty("partner"));
        }
        if !self.weight.is_finite() || self.weight <= 0.0 {
            return Err(CampaignError::BadWeight(self.weight));
        }
        if let (Some(a), Some(b)) = (self.valid_from, self.valid_until) {
            if b <= a {
                return Err(CampaignError::EmptyValidity);
            }
        }
        for (index, it) in self.items.iter().enumerate() {
            if it.id.trim().is_empty() {
                return Err(CampaignError::BadItem {
                    index,
                    problem: "id must not be empty".into(),
                });
            }
            if it.duration_ms < MIN_ITEM_MS {
                return Err(CampaignError::BadItem {
                    index,
                    problem: format!(
                        "duration_ms must be >= {MIN_ITEM_MS}, got {}",
                        it.duration_ms
                    ),
                });
            }
        }
        if let Some(g) = &self.targets.geofence {
            g.validate().map_err(CampaignError::BadGeofence)?;
        }
        Ok(())
    }

    /// Weight the engine uses: `weight` if finite and > 0, else 1.
    pub fn effective_weight(&self) -> f64 {
        if self.weight.is_finite() && self.weight > 0.0 {
            self.weight
        } else {
            1.0
        }
    }

    /// Whether the campaign targets `screen`.
    pub fn targets(&self, screen: &Screen) -> bool {
        self.language.as_ref().is_none_or(|l| *l == screen.language) && self.targets.matches(screen)
    }

    /// Validity window clipped to `[from, to)`, or `None` if they do not intersect.
    pub fn validity_within(&self, from: Millis, to: Millis) -> Option<(Millis, Millis)> {
        let s = self.valid_from.map_or(from, |v| v.max(from));
        let e = self.valid_until.map_or(to, |v| v.min(to));
        (s < e).then_some((s, e))
    }

    /// Appends the intervals within `[from, to)` in which the campaign is scheduled on `screen` (validity ∩
    /// recurrence), sorted and disjoint. Targeting and content are not checked here.
    pub fn active_intervals(
        &self,
        screen: &Screen,
        from: Millis,
        to: Millis,
        out: &mut Vec<(Millis, Millis)>,
    ) {
        let Some((s, e)) = self.validity_within(from, to) else {
            return;
        };
        match &self.recurrence {
            None => out.push((s, e)),
            Some(r) => r.occurrences(screen.tz.tz(), s, e, out),
        }
    }
}
