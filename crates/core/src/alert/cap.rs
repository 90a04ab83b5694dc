//! CAP XML (1.2, 1.1, 1.0): a namespace-aware, DTD-free parse into a small tree, then into an [`Alert`].

use super::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Parses and validates a CAP XML document (see [`Alert::from_cap_xml`]).
pub(super) fn parse(xml: &str) -> Result<Alert, AlertError> {
    let (root, version, signed) = parse_tree(xml)?;
    let mut alert = from_tree(&root, version)?;
    alert.version = version.to_string();
    alert.signed = signed;
    Ok(alert)
}

/// The CAP version of a namespace.
fn cap_version(ns: &ResolveResult<'_>) -> Option<&'static str> {
    match ns {
        ResolveResult::Bound(n) => match n.as_ref() {
            CAP_NS => Some("1.2"),
            CAP_NS_11 => Some("1.1"),
            CAP_NS_10 => Some("1.0"),
            _ => None,
        },
        _ => None,
    }
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

/// The tree of CAP elements, the version of the root's namespace and whether an XML signature is there.
fn parse_tree(xml: &str) -> Result<(Node, &'static str, bool), AlertError> {
    if xml.len() > MAX_CAP_BYTES {
        return Err(AlertError::TooLarge);
    }
    let mut reader = NsReader::from_str(xml);
    reader.config_mut().trim_text(false);
    // Stack of open CAP elements; `skip` counts open foreign elements being ignored.
    let mut stack: Vec<Node> = Vec::new();
    let mut skip = 0usize;
    let mut root: Option<Node> = None;
    let mut version: Option<&'static str> = None;
    let mut signed = false;
    loop {
        let (ns, ev) = reader.read_resolved_event().map_err(xml_err)?;
        let this = cap_version(&ns);
        // Elements below the root must be in the root's own CAP namespace.
        let in_cap = this.is_some() && (version.is_none() || this == version);
        if let (Event::Start(e) | Event::Empty(e), ResolveResult::Bound(n)) = (&ev, &ns) {
            if stack.len() == 1
                && skip == 0
                && n.as_ref() == DSIG_NS
                && e.local_name().as_ref() == "Signature"
            {
                signed = true;
            }
        }
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
                if stack.is_empty() && skip == 0 {
                    version = this;
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
    match (root, version) {
        (Some(r), Some(v)) => Ok((r, v, signed)),
        _ => Err(AlertError::WrongRoot("nothing".into())),
    }
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

fn severity(s: &str) -> Result<Severity, AlertError> {
    Ok(match s {
        "Extreme" => Severity::Extreme,
        "Severe" => Severity::Severe,
        "Moderate" => Severity::Moderate,
        "Minor" => Severity::Minor,
        "Unknown" => Severity::Unknown,
        other => return Err(bad("severity", format!("unknown severity {other:?}"))),
    })
}

fn opt_time(node: &Node, element: &'static str) -> Result<Option<Millis>, AlertError> {
    node.opt(element)
        .map(|s| parse_time(element, s))
        .transpose()
}

fn from_tree(root: &Node, version: &str) -> Result<Alert, AlertError> {
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
            let r = match parts.as_slice() {
                [s, i, t] if !i.is_empty() => AlertRef {
                    sender: Some(s.to_string()).filter(|s| !s.is_empty()),
                    identifier: i.to_string(),
                    sent: t
                        .parse::<jiff::Timestamp>()
                        .ok()
                        .map(|t| t.as_millisecond()),
                },
                // CAP 1.0 lists identifiers (or `sender/identifier`); accepted there only.
                [i] if version == "1.0" && !i.is_empty() => AlertRef {
                    sender: None,
                    identifier: i.rsplit('/').next().unwrap_or(i).to_string(),
                    sent: None,
                },
                _ => {
                    return Err(bad(
                        "references",
                        format!("{triple:?} is not \"sender,identifier,sent\""),
                    ))
                }
            };
            references.push(r);
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
        geocodes: Vec::new(),
        infos: Vec::new(),
        version: String::new(),
        signed: false,
    };
    // Every block is validated and kept; the window is theirs together: the earliest start, the latest end
    // (none when a block has none).
    let (mut open_ended, mut starts_at_sent) = (false, false);
    for info in root.all("info") {
        if info.child("category").is_none() {
            return Err(AlertError::Missing("category"));
        }
        let event = info.req("event")?;
        let urgency = info.req("urgency")?;
        let severity = severity(info.req("severity")?)?;
        let certainty = info.req("certainty")?;
        let onset = opt_time(info, "onset")?;
        let effective = opt_time(info, "effective")?;
        let expires = opt_time(info, "expires")?;
        if let Some(x) = expires {
            if x <= effective.unwrap_or(sent) {
                return Err(bad("expires", "must be after effective/sent"));
            }
        }
        let mut descs = Vec::new();
        for area in info.all("area") {
            descs.push(area.req("areaDesc")?.to_string());
            for p in area.all("polygon") {
                alert.areas.push(parse_polygon(p.text.trim())?);
            }
            for c in area.all("circle") {
                alert.areas.push(parse_circle(c.text.trim())?);
            }
            for g in area.all("geocode") {
                let raw_name = g.req("valueName")?;
                let value = g.req("value")?.to_string();
                let name = raw_name
                    .strip_prefix("twincast:")
                    .unwrap_or(raw_name)
                    .to_ascii_lowercase();
                let list = match name.as_str() {
                    "location" => &mut alert.locations,
                    "location_kind" => &mut alert.location_kinds,
                    "tag" => &mut alert.tags,
                    _ => {
                        let code = Geocode {
                            value_name: raw_name.to_string(),
                            value,
                        };
                        if !alert.geocodes.contains(&code) {
                            alert.geocodes.push(code);
                        }
                        continue;
                    }
                };
                if !list.contains(&value) {
                    list.push(value);
                }
            }
        }
        if let Some(e) = effective {
            alert.effective = Some(alert.effective.map_or(e, |cur| cur.min(e)));
        } else {
            starts_at_sent = true;
        }
        match expires {
            None => open_ended = true,
            Some(x) => alert.expires = Some(alert.expires.map_or(x, |cur| cur.max(x))),
        }
        alert.severity = alert.severity.max(severity);
        alert.infos.push(AlertInfo {
            language: info.opt("language").unwrap_or("en-US").to_string(),
            event: event.to_string(),
            urgency: urgency.to_string(),
            certainty: certainty.to_string(),
            severity,
            headline: info.opt("headline").unwrap_or(event).to_string(),
            description: info.opt("description").unwrap_or_default().to_string(),
            instruction: info.opt("instruction").unwrap_or_default().to_string(),
            sender_name: info.opt("senderName").unwrap_or_default().to_string(),
            onset,
            effective,
            expires,
            area_desc: descs.join("; "),
        });
    }
    if open_ended {
        alert.expires = None;
    }
    if starts_at_sent {
        alert.effective = alert.effective.map(|e| e.min(sent));
    }
    if let Some(first) = alert.infos.first() {
        alert.event = first.event.clone();
        alert.headline = first.headline.clone();
        alert.description = first.description.clone();
        alert.instruction = first.instruction.clone();
    }
    if alert.infos.is_empty()
        && matches!(msg_type, MsgType::Alert | MsgType::Update)
        && status == Status::Actual
    {
        return Err(AlertError::Missing("info"));
    }
    Ok(alert)
}
