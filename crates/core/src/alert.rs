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

use crate::geofence::{Geofence, LatLon};
use crate::screen::Screen;
use crate::Millis;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
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
        let root = parse_tree(xml)?;
        from_tree(&root)
    }

    /// Validates a JSON form into an alert.
    pub fn from_form(form: AlertForm) -> Result<Alert, AlertError> {
        form.into_alert()
    }
}

/// For each alert, the instant from which it is superseded by an Update/Cancel in `alerts` (if any).
pub fn superseded_at(alerts: &[Alert]) -> Vec<Option<Millis>> {
    alerts
        .iter()
        .map(|a| {
            alerts
                .iter()
                .filter(|b| {
                    matches!(b.msg_type, MsgType::Update | MsgType::Cancel) && b.sent >= a.sent
                })
                .filter(|b| b.references.iter().any(|r| a.is_referenced_by(r)))
                .map(|b| b.sent)
                .min()
        })
        .collect()
}

/// The intervals within `[from, to)` during which each alert is on air on `screen`: `(start, end, index)` for
/// displayable, targeting alerts, cut by `expires` and by later Update/Cancel messages.
pub fn on_air(
    alerts: &[Alert],
    screen: &Screen,
    from: Millis,
    to: Millis,
) -> Vec<(Millis, Millis, usize)> {
    let sup = superseded_at(alerts);
    let mut out = Vec::new();
    for (i, a) in alerts.iter().enumerate() {
        if !a.is_displayable() || !a.targets(screen) {
            continue;
        }
        let s = a.start().max(from);
        let mut e = a.expires.unwrap_or(Millis::MAX).min(to);
        if let Some(x) = sup[i] {
            e = e.min(x);
        }
        if s < e {
            out.push((s, e, i));
        }
    }
    out
}

/// Ordering among simultaneous alerts: higher severity, then later `sent`, then larger id wins.
pub(crate) fn precedence(a: &Alert) -> (Severity, Millis, &str) {
    (a.severity, a.sent, a.id.as_str())
}

// ---------------------------------------------------------------- JSON form

/// Area in the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FormArea {
    /// `{"polygon": [[lat, lon], ...]}`
    Polygon {
        /// Vertices as `[lat, lon]`.
        polygon: Vec<[f64; 2]>,
    },
    /// `{"circle": {"lat":..,"lon":..,"radius_km":..}}`
    Circle {
        /// Circle.
        circle: FormCircle,
    },
}

/// Circle in the JSON form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormCircle {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Radius in km.
    pub radius_km: f64,
}

fn default_sender() -> String {
    "operator".into()
}
fn default_msg_type() -> MsgType {
    MsgType::Alert
}

/// The simple JSON alert an operator can send. Times are RFC 3339 strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertForm {
    /// Identifier (the HTTP layer may generate one).
    pub id: String,
    /// Sender (default "operator").
    #[serde(default = "default_sender")]
    pub sender: String,
    /// Sent time.
    pub sent: jiff::Timestamp,
    /// Alert (default), Update or Cancel.
    #[serde(default = "default_msg_type")]
    pub msg_type: MsgType,
    /// Identifiers of alerts updated or cancelled.
    #[serde(default)]
    pub references: Vec<String>,
    /// Headline (required for Alert/Update).
    #[serde(default)]
    pub headline: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Instruction.
    #[serde(default)]
    pub instruction: String,
    /// Severity.
    #[serde(default)]
    pub severity: Severity,
    /// Start (default: sent).
    #[serde(default)]
    pub effective: Option<jiff::Timestamp>,
    /// End.
    #[serde(default)]
    pub expires: Option<jiff::Timestamp>,
    /// Areas.
    #[serde(default)]
    pub areas: Vec<FormArea>,
    /// Location ids.
    #[serde(default)]
    pub locations: Vec<String>,
    /// Location kinds.
    #[serde(default)]
    pub location_kinds: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

impl AlertForm {
    fn into_alert(self) -> Result<Alert, AlertError> {
        if self.id.trim().is_empty() {
            return Err(AlertError::Missing("id"));
        }
        if matches!(self.msg_type, MsgType::Alert | MsgType::Update)
            && self.headline.trim().is_empty()
        {
            return Err(AlertError::Missing("headline"));
        }
        if matches!(self.msg_type, MsgType::Update | MsgType::Cancel) && self.references.is_empty()
        {
            return Err(AlertError::Missing("references"));
        }
        let mut areas = Vec::new();
        for a in self.areas {
            let g = match a {
                FormArea::Polygon { polygon } => Geofence::Polygon {
                    points: polygon
                        .iter()
                        .map(|p| LatLon {
                            lat: p[0],
                            lon: p[1],
                        })
                        .collect(),
                },
                FormArea::Circle { circle } => Geofence::Circle {
                    center: LatLon {
                        lat: circle.lat,
                        lon: circle.lon,
                    },
                    radius_km: circle.radius_km,
                },
            };
            g.validate().map_err(|p| bad("area", p))?;
            areas.push(g);
        }
        let effective = self.effective.map(|t| t.as_millisecond());
        let expires = self.expires.map(|t| t.as_millisecond());
        if let (Some(e), Some(x)) = (effective, expires) {
            if x <= e {
                return Err(bad("expires", "must be after effective"));
            }
        }
        Ok(Alert {
            id: self.id,
            sender: self.sender,
            sent: self.sent.as_millisecond(),
            msg_type: self.msg_type,
            status: Status::Actual,
            references: self
                .references
                .into_iter()
                .map(|identifier| AlertRef {
                    sender: None,
                    identifier,
                })
                .collect(),
            event: String::new(),
            severity: self.severity,
            headline: self.headline,
            description: self.description,
            instruction: self.instruction,
            effective,
            expires,
            areas,
            locations: self.locations,
            location_kinds: self.location_kinds,
            tags: self.tags,
        })
    }
}

// ---------------------------------------------------------------- CAP XML

#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn req(&self, name: &'static str) -> Result<&str, AlertError> {
        match self.child(name) {
            Some(c) if !c.text.trim().is_empty() => Ok(c.text.trim()),
            _ => Err(AlertError::Missing(name)),
        }
    }
    fn opt(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|s| !s.is_empty())
    }
}

fn xml_err(e: impl std::fmt::Display) -> AlertError {
    AlertError::Xml(e.to_string())
}

fn parse_tree(xml: &str) -> Result<Node, AlertError> {
    if xml.len() > MAX_CAP_BYTES {
        return Err(AlertError::TooLarge);
    }
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().trim_text(false);
    // Stack of open CAP elements; `skip` counts open foreign elements being ignored.
    let mut stack: Vec<Node> = Vec::new();
    let mut skip = 0usize;
    let mut root: Option<Node> = None;
    loop {
        let (ns, ev) = reader.read_resolved_event().map_err(xml_err)?;
        let in_cap = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == CAP_NS);
        match ev {
            Event::DocType(_) => return Err(AlertError::DtdNotAllowed),
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                let _ = e;
                return Err(AlertError::Xml("content after the root element".into()));
            }
            Event::Start(e) => {
                let local = e.local_name().as_ref().to_string();
                if stack.is_empty() && skip == 0 && (!in_cap || local != "alert") {
                    return Err(AlertError::WrongRoot(describe(&ns, &local)));
                }
                if skip > 0 || !in_cap {
                    skip += 1;
                } else {
                    stack.push(Node {
                        name: local,
                        ..Node::default()
                    });
                }
                if stack.len() + skip > MAX_DEPTH {
                    return Err(AlertError::TooLarge);
                }
            }
            Event::Empty(e) => {
                let local = e.local_name().as_ref().to_string();
                if stack.is_empty() && skip == 0 {
                    return Err(AlertError::WrongRoot(describe(&ns, &local)));
                }
                if skip == 0 && in_cap {
                    if let Some(top) = stack.last_mut() {
                        top.children.push(Node {
                            name: local,
                            ..Node::default()
                        });
                    }
                }
            }
            Event::End(_) => {
                if skip > 0 {
                    skip -= 1;
                } else if let Some(done) = stack.pop() {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => root = Some(done),
                    }
                }
            }
            Event::Text(t) => {
                if skip == 0 {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
            }
            Event::CData(t) => {
                if skip == 0 {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
            }
            Event::GeneralRef(r) => {
                let name = r.to_string();
                let ch = if r.is_char_ref() {
                    r.resolve_char_ref().map_err(xml_err)?
                } else {
                    match name.as_str() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "apos" => Some('\''),
                        "quot" => Some('"'),
                        _ => None,
                    }
                };
                let Some(ch) = ch else {
                    return Err(AlertError::UndefinedEntity(name));
                };
                if skip == 0 {
                    if let Some(top) = stack.last_mut() {
                        top.text.push(ch);
                    }
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() || skip > 0 {
        return Err(AlertError::Xml("unexpected end of document".into()));
    }
    root.ok_or(AlertError::WrongRoot("nothing".into()))
}

fn describe(ns: &ResolveResult<'_>, local: &str) -> String {
    match ns {
        ResolveResult::Bound(n) => format!("<{local}> in namespace {}", n.as_ref()),
        _ => format!("<{local}> without namespace"),
    }
}

fn parse_time(element: &'static str, s: &str) -> Result<Millis, AlertError> {
    s.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| {
            bad(
                element,
                format!("{s:?} is not a date-time with offset: {e}"),
            )
        })
}

fn parse_point(element: &'static str, s: &str) -> Result<LatLon, AlertError> {
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| bad(element, format!("point {s:?} is not \"lat,lon\"")))?;
    let lat: f64 = a
        .trim()
        .parse()
        .map_err(|_| bad(element, format!("bad latitude {a:?}")))?;
    let lon: f64 = b
        .trim()
        .parse()
        .map_err(|_| bad(element, format!("bad longitude {b:?}")))?;
    let p = LatLon { lat, lon };
    if !p.is_valid() {
        return Err(bad(element, format!("point {s:?} out of range")));
    }
    Ok(p)
}

fn parse_polygon(s: &str) -> Result<Geofence, AlertError> {
    let points = s
        .split_whitespace()
        .map(|p| parse_point("polygon", p))
        .collect::<Result<Vec<_>, _>>()?;
    if points.len() < 4 || points.first() != points.last() {
        return Err(bad(
            "polygon",
            "needs at least 4 points with the first equal to the last",
        ));
    }
    let g = Geofence::Polygon { points };
    g.validate().map_err(|p| bad("polygon", p))?;
    Ok(g)
}

fn parse_circle(s: &str) -> Result<Geofence, AlertError> {
    let mut parts = s.split_whitespace();
    let (Some(c), Some(r), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("circle", format!("{s:?} is not \"lat,lon radius_km\"")));
    };
    let center = parse_point("circle", c)?;
    let radius_km: f64 = r
        .parse()
        .map_err(|_| bad("circle", format!("bad radius {r:?}")))?;
    let g = Geofence::Circle { center, radius_km };
    g.validate().map_err(|p| bad("circle", p))?;
    Ok(g)
}

fn from_tree(root: &Node) -> Result<Alert, AlertError> {
    let id = root.req("identifier")?.to_string();
    let sender = root.req("sender")?.to_string();
    let sent = parse_time("sent", root.req("sent")?)?;
    let status = match root.req("status")? {
        "Actual" => Status::Actual,
        "Exercise" => Status::Exercise,
        "System" => Status::System,
        "Test" => Status::Test,
        "Draft" => Status::Draft,
        other => return Err(bad("status", format!("unknown status {other:?}"))),
    };
    let msg_type = match root.req("msgType")? {
        "Alert" => MsgType::Alert,
        "Update" => MsgType::Update,
        "Cancel" => MsgType::Cancel,
        "Ack" => MsgType::Ack,
        "Error" => MsgType::Error,
        other => return Err(bad("msgType", format!("unknown msgType {other:?}"))),
    };
    match root.req("scope")? {
        "Public" | "Restricted" | "Private" => {}
        other => return Err(bad("scope", format!("unknown scope {other:?}"))),
    }
    let mut references = Vec::new();
    if let Some(refs) = root.opt("references") {
        for triple in refs.split_whitespace() {
            let parts: Vec<&str> = triple.split(',').collect();
            if parts.len() != 3 || parts[1].is_empty() {
                return Err(bad(
                    "references",
                    format!("{triple:?} is not \"sender,identifier,sent\""),
                ));
            }
            references.push(AlertRef {
                sender: Some(parts[0].to_string()),
                identifier: parts[1].to_string(),
            });
        }
    }
    if matches!(msg_type, MsgType::Update | MsgType::Cancel) && references.is_empty() {
        return Err(AlertError::Missing("references"));
    }
    let mut alert = Alert {
        id,
        sender,
        sent,
        msg_type,
        status,
        references,
        event: String::new(),
        severity: Severity::Unknown,
        headline: String::new(),
        description: String::new(),
        instruction: String::new(),
        effective: None,
        expires: None,
        areas: Vec::new(),
        locations: Vec::new(),
        location_kinds: Vec::new(),
        tags: Vec::new(),
    };
    // Validate every info block, use the first.
    let mut first = true;
    for info in root.all("info") {
        if info.child("category").is_none() {
            return Err(AlertError::Missing("category"));
        }
        let event = info.req("event")?;
        info.req("urgency")?;
        let severity = match info.req("severity")? {
            "Extreme" => Severity::Extreme,
            "Severe" => Severity::Severe,
            "Moderate" => Severity::Moderate,
            "Minor" => Severity::Minor,
            "Unknown" => Severity::Unknown,
            other => return Err(bad("severity", format!("unknown severity {other:?}"))),
        };
        info.req("certainty")?;
        let effective = info
            .opt("effective")
            .map(|s| parse_time("effective", s))
            .transpose()?;
        let expires = info
            .opt("expires")
            .map(|s| parse_time("expires", s))
            .transpose()?;
        if let (Some(e), Some(x)) = (effective.or(Some(sent)), expires) {
            if x <= e {
                return Err(bad("expires", "must be after effective/sent"));
            }
        }
        let mut areas = Vec::new();
        let (mut locations, mut kinds, mut tags) = (Vec::new(), Vec::new(), Vec::new());
        for area in info.all("area") {
            area.req("areaDesc")?;
            for p in area.all("polygon") {
                areas.push(parse_polygon(p.text.trim())?);
            }
            for c in area.all("circle") {
                areas.push(parse_circle(c.text.trim())?);
            }
            for g in area.all("geocode") {
                let name = g.req("valueName")?;
                let value = g.req("value")?.to_string();
                let name = name
                    .strip_prefix("twincast:")
                    .unwrap_or(name)
                    .to_ascii_lowercase();
                match name.as_str() {
                    "location" => locations.push(value),
                    "location_kind" => kinds.push(value),
                    "tag" => tags.push(value),
                    _ => {}
                }
            }
        }
        if first {
            first = false;
            alert.event = event.to_string();
            alert.severity = severity;
            alert.headline = info.opt("headline").unwrap_or(event).to_string();
            alert.description = info.opt("description").unwrap_or_default().to_string();
            alert.instruction = info.opt("instruction").unwrap_or_default().to_string();
            alert.effective = effective;
            alert.expires = expires;
            alert.areas = areas;
            alert.locations = locations;
            alert.location_kinds = kinds;
            alert.tags = tags;
        }
    }
    if first && matches!(msg_type, MsgType::Alert | MsgType::Update) && status == Status::Actual {
        return Err(AlertError::Missing("info"));
    }
    Ok(alert)
}
