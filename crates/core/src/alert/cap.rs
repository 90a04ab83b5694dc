//! CAP 1.2 XML: a namespace-aware, DTD-free parse into a small tree, then into an [`Alert`].

use super::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Parses and validates a CAP 1.2 XML document (see [`Alert::from_cap_xml`]).
pub(super) fn parse(xml: &str) -> Result<Alert, AlertError> {
    let root = parse_tree(xml)?;
    from_tree(&root)
}

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
