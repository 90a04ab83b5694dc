//! Emergency alerts: CAP 1.2 (OASIS) XML and a simple JSON form, resolved into [`Alert`]s that preempt all content
//! on the screens they target.
//!
//! ## Parsing rules
//! - The root must be `alert` in namespace `urn:oasis:names:tc:emergency:cap:1.2` (checked here; prefixes are
//!   resolved properly). Elements in other namespaces (e.g. an XML signature) are skipped.
//! - Any `<!DOCTYPE>` (hence any DTD or entity declaration) is rejected, and only the five predefined entities
//!   and character references are accepted: no external entities, no expansion bombs. Input is limited to
//!   [`MAX_CAP_BYTES`] and nesting to [`MAX_DEPTH`].
//! - Errors name the missing or bad element ([`AlertError`]).
//! - Of several `<info>` blocks the first is used (CAP orders them by language preference).
//!
//! ## Targeting
//! An alert targets a screen when the screen's coordinates lie in any `<area>` polygon or circle, or its location
//! id, location kind or a tag is listed. In CAP, list them as `<geocode>` pairs with `valueName` `location`,
//! `location_kind` or `tag` (a `twincast:` prefix is allowed). An alert without any area or geocode targets every
//! screen. Only `status` `Actual` alerts go on screens; `Exercise`, `System`, `Test` and `Draft` are accepted but
//! never shown.
//!
//! ## Update and Cancel
//! `Update` and `Cancel` messages list earlier messages in `references`; each referenced alert stops at the
//! referencing message's `sent` time. An `Update` then shows its own content; a `Cancel` shows nothing.

mod cap;
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
    /// Root element is not `alert` in the CAP 1.2 namespace.
    #[error("root element must be <alert> in namespace {CAP_NS}, found {0}")]
    WrongRoot(String),
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
}

impl Alert {
    /// Whether the alert targets `screen` (see the module docs). Does not look at time or status.
    pub fn targets(&self, screen: &Screen) -> bool {
        let everywhere = self.areas.is_empty()
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
        r.identifier == self.id && r.sender.as_ref().is_none_or(|s| *s == self.sender)
    }

    /// Parses and validates a CAP 1.2 XML document.
    pub fn from_cap_xml(xml: &str) -> Result<Alert, AlertError> {
        cap::parse(xml)
    }

    /// Validates a JSON form into an alert.
    pub fn from_form(form: AlertForm) -> Result<Alert, AlertError> {
        form.into_alert()
    }
}
