//! Emergency alerts: CAP 1.2, 1.1 and 1.0 (OASIS) XML and a simple JSON form, resolved into [`Alert`]s that
//! preempt all content on the screens they target.
//!
//! ## Parsing rules
//! - The root must be `alert` in one of the CAP namespaces ([`CAP_NS`], [`CAP_NS_11`], [`CAP_NS_10`]; prefixes
//!   are resolved properly); all three are read into the one model (`Alert::version` says which it was).
//!   Elements in other namespaces are skipped, except that an XML signature (`<Signature>` in the XML-DSig
//!   namespace) directly under `<alert>` sets `Alert::signed` (the document itself, signature included, is kept
//!   by the store; the signature is not verified here — see docs/alerts.md).
//! - Bytes are decoded in the encoding the HTTP `charset` or the XML declaration names ([`Alert::from_cap_bytes`],
//!   with encoding_rs; bytes invalid in it are refused, never replaced).
//! - Any `<!DOCTYPE>` (hence any DTD or entity declaration) is rejected, and only the five predefined entities
//!   and character references are accepted: no external entities, no expansion bombs. Input is limited to
//!   [`MAX_CAP_BYTES`] and nesting to [`MAX_DEPTH`].
//! - Errors name the missing or bad element ([`AlertError`]).
//! - Every `<info>` block is kept ([`Alert::infos`]); a screen shows the one in its audience's language
//!   ([`Alert::info_for`]: the screen's language, then English, then the first block). The alert's window is
//!   that of its blocks together (earliest `effective`, latest `expires`), its severity the highest, its areas
//!   and geocodes all of theirs.
//!
//! ## Targeting
//! An alert targets a screen when the screen's coordinates lie in any `<area>` polygon or circle, or its location
//! id, location kind or a tag is listed. In CAP, list them as `<geocode>` pairs with `valueName` `location`,
//! `location_kind` or `tag` (a `twincast:` prefix is allowed). Any other geocode (e.g. `EMMA_ID` or `SAME`) is kept
//! in [`Alert::geocodes`]; the store maps it to the locations an operator chose for it. An alert without any
//! area or geocode targets every screen. Only `status` `Actual` alerts go on screens; `Exercise`, `System`, `Test` and `Draft` are accepted but
//! never shown.
//!
//! ## Update and Cancel
//! `Update` and `Cancel` messages list earlier messages in `references`; each referenced alert stops at the
//! referencing message's `sent` time. An `Update` then shows its own content; a `Cancel` shows nothing.

mod cap;
pub mod feed;
mod form;
mod select;

pub use form::{AlertForm, FormArea, FormCircle};
pub(crate) use select::precedence;
pub use select::{on_air, superseded_at};

use crate::geofence::{Geofence, LatLon};
use crate::screen::Screen;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// The CAP 1.2 namespace.
pub const CAP_NS: &str = "urn:oasis:names:tc:emergency:cap:1.2";
/// The CAP 1.1 namespace.
pub const CAP_NS_11: &str = "urn:oasis:names:tc:emergency:cap:1.1";
/// The CAP 1.0 namespace.
pub const CAP_NS_10: &str = "http://www.incident.com/cap/1.0";
/// The XML-DSig namespace (an enveloped `<Signature>` of a signed CAP message).
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// Largest accepted CAP document in bytes.
pub const MAX_CAP_BYTES: usize = 1 << 20;
/// Deepest accepted element nesting.
pub const MAX_DEPTH: usize = 16;

/// Why an alert was rejected. Messages name the element at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlertError {
    /// The document is not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// DOCTYPE/DTD/entity declarations are not allowed.
    #[error("DOCTYPE, DTD and entity declarations are not allowed")]
    DtdNotAllowed,
    /// A reference to an entity other than the predefined ones.
    #[error("undefined entity reference &{0};")]
    UndefinedEntity(String),
    /// Root element is not `alert` in a CAP namespace (1.2, 1.1 or 1.0).
    #[error("root element must be <alert> in a CAP namespace ({CAP_NS}, {CAP_NS_11} or {CAP_NS_10}), found {0}")]
    WrongRoot(String),
    /// The bytes are not valid in the encoding the document declares (or the encoding is unknown).
    #[error("{0}")]
    Encoding(String),
    /// A required element is missing.
    #[error("missing required element <{0}>")]
    Missing(&'static str),
    /// An element has a bad value.
    #[error("bad value in <{element}>: {problem}")]
    Bad {
        /// Element name.
        element: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// Input too large or too deep.
    #[error("document too large or too deeply nested")]
    TooLarge,
}

fn bad(element: &'static str, problem: impl Into<String>) -> AlertError {
    AlertError::Bad {
        element,
        problem: problem.into(),
    }
}

/// CAP `msgType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MsgType {
    /// A new alert.
    Alert,
    /// Replaces the referenced alerts.
    Update,
    /// Cancels the referenced alerts.
    Cancel,
    /// Acknowledges (never shown).
    Ack,
    /// Error report (never shown).
    Error,
}

/// CAP `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Actionable by all recipients: shown on screens.
    Actual,
    /// Exercise: not shown.
    Exercise,
    /// System message: not shown.
    System,
    /// Test: not shown.
    Test,
    /// Draft: not shown.
    Draft,
}

/// CAP `severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
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

/// A reference to an earlier message (`sender,identifier,sent`; only the identifier is required).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRef {
    /// Sender of the referenced message, if given.
    #[serde(default)]
    pub sender: Option<String>,
    /// Identifier of the referenced message.
    pub identifier: String,
    /// `sent` of the referenced message, epoch ms, if given.
    #[serde(default)]
    pub sent: Option<Millis>,
}

/// A `<geocode>` of an `<area>` that is not one of Twincast's own (`location`, `location_kind`, `tag`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Geocode {
    /// `valueName`, e.g. `EMMA_ID`, `SAME`, `NUTS3`.
    pub value_name: String,
    /// `value`, e.g. `DE413`.
    pub value: String,
}

/// One `<info>` block: the alert in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AlertInfo {
    /// `language` (RFC 3066 tag; CAP's default is `en-US`).
    pub language: String,
    /// Event type, e.g. "Flood".
    pub event: String,
    /// `Immediate`, `Expected`, `Future`, `Past` or `Unknown`.
    pub urgency: String,
    /// `Observed`, `Likely` (1.0: `Very Likely`), `Possible`, `Unlikely` or `Unknown`.
    pub certainty: String,
    /// Severity.
    pub severity: Severity,
    /// Headline (the event when absent).
    pub headline: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// What people should do.
    #[serde(default)]
    pub instruction: String,
    /// Sender's name for people.
    #[serde(default)]
    pub sender_name: String,
    /// When the hazard is expected to begin, epoch ms.
    #[serde(default)]
    pub onset: Option<Millis>,
    /// When the information takes effect, epoch ms.
    #[serde(default)]
    pub effective: Option<Millis>,
    /// When it expires, epoch ms.
    #[serde(default)]
    pub expires: Option<Millis>,
    /// The areas' descriptions, joined with "; ".
    #[serde(default)]
    pub area_desc: String,
}

/// Rank of a CAP `urgency` (higher is more urgent; unknown words rank lowest).
pub fn urgency_rank(s: &str) -> u8 {
    match s {
        "Immediate" => 4,
        "Expected" => 3,
        "Future" => 2,
        "Past" => 1,
        _ => 0,
    }
}

/// Rank of a CAP `certainty` (higher is more certain; CAP 1.0's `Very Likely` counts as `Likely`).
pub fn certainty_rank(s: &str) -> u8 {
    match s {
        "Observed" => 4,
        "Likely" | "Very Likely" => 3,
        "Possible" => 2,
        "Unlikely" => 1,
        _ => 0,
    }
}

/// The primary language subtag of a tag, lowercased (`en-US` → `en`, `zh-Hans-CN` → `zh`).
pub fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A resolved alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// CAP `identifier` (or the JSON form's id).
    pub id: String,
    /// CAP `sender`.
    pub sender: String,
    /// When the message was sent, epoch ms.
    pub sent: Millis,
    /// Kind of message.
    pub msg_type: MsgType,
    /// Status; only `Actual` is shown.
    pub status: Status,
    /// Earlier messages this one updates or cancels.
    #[serde(default)]
    pub references: Vec<AlertRef>,
    /// Event type, e.g. "Flood".
    #[serde(default)]
    pub event: String,
    /// Severity.
    #[serde(default)]
    pub severity: Severity,
    /// Headline shown on screens.
    #[serde(default)]
    pub headline: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// What people should do.
    #[serde(default)]
    pub instruction: String,
    /// Start, epoch ms (defaults to `sent`).
    #[serde(default)]
    pub effective: Option<Millis>,
    /// End, epoch ms; `None` = until cancelled.
    #[serde(default)]
    pub expires: Option<Millis>,
    /// Target areas.
    #[serde(default)]
    pub areas: Vec<Geofence>,
    /// Target location ids.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Target location kinds.
    #[serde(default)]
    pub location_kinds: Vec<String>,
    /// Target tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Other geocodes of its areas (mapped to locations by the operator; see the module docs).
    #[serde(default)]
    pub geocodes: Vec<Geocode>,
    /// Every `<info>` block in document order (empty for the JSON form).
    #[serde(default)]
    pub infos: Vec<AlertInfo>,
    /// `1.2`, `1.1`, `1.0`, or empty for the JSON form.
    #[serde(default)]
    pub version: String,
    /// Whether the document carries an XML signature (kept, not verified).
    #[serde(default)]
    pub signed: bool,
}

impl Alert {
    /// Whether the alert targets `screen` (see the module docs). Does not look at time or status.
    pub fn targets(&self, screen: &Screen) -> bool {
        let everywhere = self.areas.is_empty()
            && self.geocodes.is_empty()
            && self.locations.is_empty()
            && self.location_kinds.is_empty()
            && self.tags.is_empty();
        everywhere
            || self.areas.iter().any(|a| {
                a.contains(LatLon {
                    lat: screen.lat,
                    lon: screen.lon,
                })
            })
            || self.locations.contains(&screen.location_id)
            || self.location_kinds.contains(&screen.location_kind)
            || self.tags.iter().any(|t| screen.has_tag(t))
    }

    /// Whether this message can go on a screen at all (`Actual` and `Alert` or `Update`).
    pub fn is_displayable(&self) -> bool {
        self.status == Status::Actual && matches!(self.msg_type, MsgType::Alert | MsgType::Update)
    }

    /// Start of the alert's own window: `effective`, else `sent`.
    pub fn start(&self) -> Millis {
        self.effective.unwrap_or(self.sent)
    }

    fn is_referenced_by(&self, r: &AlertRef) -> bool {
        r.identifier == self.id
            && r.sender.as_ref().is_none_or(|s| *s == self.sender)
            && r.sent.is_none_or(|s| s == self.sent)
    }

    /// The `<info>` block a screen whose audience reads `lang` shows: the first block in that language (by primary
    /// subtag: `en-US` is `en`), else the first in English, else the first block. `None` for the JSON form.
    pub fn info_for(&self, lang: &str) -> Option<&AlertInfo> {
        let want = primary_language(lang);
        self.infos
            .iter()
            .find(|i| primary_language(&i.language) == want)
            .or_else(|| {
                self.infos
                    .iter()
                    .find(|i| primary_language(&i.language) == "en")
            })
            .or(self.infos.first())
    }

    /// The alert as a screen reading `lang` shows it: headline, description, instruction, event and severity of
    /// [`Alert::info_for`] (unchanged for the JSON form).
    pub fn localized(&self, lang: &str) -> Alert {
        let mut a = self.clone();
        if let Some(i) = self.info_for(lang) {
            a.event = i.event.clone();
            a.headline = i.headline.clone();
            a.description = i.description.clone();
            a.instruction = i.instruction.clone();
            a.severity = i.severity;
        }
        a
    }

    /// The language of the block a screen reading `lang` shows (empty for the JSON form).
    pub fn language_for(&self, lang: &str) -> String {
        self.info_for(lang)
            .map(|i| primary_language(&i.language))
            .unwrap_or_default()
    }

    /// Whether some `<info>` block reaches the given minimums (CAP words; empty: no minimum). The JSON form
    /// (no blocks) has only a severity, which is compared; its urgency and certainty count as reached.
    pub fn reaches(&self, severity: Severity, urgency: &str, certainty: &str) -> bool {
        if self.infos.is_empty() {
            return self.severity >= severity;
        }
        self.infos.iter().any(|i| {
            i.severity >= severity
                && (urgency.is_empty() || urgency_rank(&i.urgency) >= urgency_rank(urgency))
                && (certainty.is_empty()
                    || certainty_rank(&i.certainty) >= certainty_rank(certainty))
        })
    }

    /// Parses and validates a CAP 1.2, 1.1 or 1.0 XML document given as text (any XML declaration's encoding
    /// is ignored: the text is already decoded).
    pub fn from_cap_xml(xml: &str) -> Result<Alert, AlertError> {
        cap::parse(xml)
    }

    /// Parses and validates a CAP document given as bytes: decoded in the encoding that `http_charset` (a
    /// `Content-Type`'s charset), a byte-order mark or the XML declaration names, else UTF-8; bytes invalid in
    /// that encoding are [`AlertError::Encoding`]. Returns the alert and the decoded text.
    pub fn from_cap_bytes(
        bytes: &[u8],
        http_charset: Option<&str>,
    ) -> Result<(Alert, String), AlertError> {
        if bytes.len() > MAX_CAP_BYTES {
            return Err(AlertError::TooLarge);
        }
        let text = crate::news::wire::decode::decode(bytes, http_charset)
            .map_err(|e| AlertError::Encoding(e.message.replace("feed", "document")))?;
        let alert = cap::parse(&text)?;
        Ok((alert, text))
    }

    /// Validates a JSON form into an alert.
    pub fn from_form(form: AlertForm) -> Result<Alert, AlertError> {
        form.into_alert()
    }
}
