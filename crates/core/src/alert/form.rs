//! The simple JSON form of an alert.

use super::*;

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
    pub(super) fn into_alert(self) -> Result<Alert, AlertError> {
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
                    sent: None,
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
            geocodes: Vec::new(),
            infos: Vec::new(),
            version: String::new(),
            signed: false,
        })
    }
}
