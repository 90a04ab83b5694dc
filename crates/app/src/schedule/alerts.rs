//! Emergency alerts: CAP 1.2, 1.1 or 1.0 XML (in any declared encoding) or a simple JSON form. Validation is [`twincast_core::Alert::from_cap_xml`]'s:
//! no DTD, no entities beyond the predefined ones, a CAP namespace, required elements present. Every
//! refusal names what is wrong with a stable code. Admins and operators issue and cancel; everyone logged in reads.

use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{Actor, App, ServerEvent};
use serde::Serialize;
use twincast_core::{Alert, AlertError};
use twincast_store::{AlertRecord, Role};

/// What an audit entry records of a new alert (the full message stays in the alert's own row).
#[derive(Debug, Serialize)]
struct AlertView<'a> {
    identifier: &'a str,
    sender: &'a str,
    msg_type: serde_json::Value,
    severity: serde_json::Value,
    headline: &'a str,
    effective: Option<i64>,
    expires: Option<i64>,
    source_format: &'a str,
}

/// Alerts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Newest first.
    pub items: Vec<AlertRecord>,
}

/// The form an alert arrives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertFormat {
    /// A CAP 1.2 XML document.
    Cap,
    /// The JSON form (see [`twincast_core::AlertForm`]).
    Json,
}

impl AlertFormat {
    /// The format of a media type (`application/cap+xml`, `application/xml`, `text/xml`, `application/json`).
    pub fn from_media_type(media_type: &str) -> Option<AlertFormat> {
        match media_type {
            "application/cap+xml" | "application/xml" | "text/xml" => Some(AlertFormat::Cap),
            "application/json" => Some(AlertFormat::Json),
            _ => None,
        }
    }
}

fn alert_error(e: AlertError) -> AppError {
    let code = match &e {
        AlertError::Xml(_) => "invalid-xml",
        AlertError::DtdNotAllowed => "dtd-not-allowed",
        AlertError::UndefinedEntity(_) => "undefined-entity",
        AlertError::WrongRoot(_) => "not-cap",
        AlertError::Encoding(_) => "bad-encoding",
        AlertError::Missing(_) => "cap-missing-element",
        AlertError::Bad { .. } => "cap-bad-value",
        AlertError::TooLarge => "cap-too-large",
    };
    AppError::invalid(code, format!("the alert was refused: {e}"))
}

/// Fields of the JSON form.
const JSON_FIELDS: &[&str] = &[
    "id",
    "sender",
    "sent",
    "msg_type",
    "references",
    "headline",
    "description",
    "instruction",
    "severity",
    "effective",
    "expires",
    "areas",
    "locations",
    "location_kinds",
    "tags",
];

impl App {
    /// Issues an alert given as `media_type` (see [`AlertFormat::from_media_type`]; others are refused with
    /// `unsupported-content-type`): a CAP 1.2 document (`Alert`, `Update` or `Cancel`, the latter two referencing
    /// earlier identifiers) or the JSON form (`id` and `sent` default to a new id and now). Admins and operators.
    pub async fn issue_alert(
        &self,
        actor: &Actor,
        media_type: &str,
        body: &[u8],
    ) -> AppResult<AlertRecord> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let (alert, format, source) = self.parse_alert(media_type, body)?;
        let by = Some(actor.user.id.as_str()).filter(|id| !id.is_empty());
        let entry = self.audit(actor, "alert.create", "").created(&AlertView {
            identifier: &alert.id,
            sender: &alert.sender,
            msg_type: serde_json::to_value(alert.msg_type).unwrap_or_default(),
            severity: serde_json::to_value(alert.severity).unwrap_or_default(),
            headline: &alert.headline,
            effective: alert.effective,
            expires: alert.expires,
            source_format: format,
        });
        let record = self
            .store
            .create_alert(&alert, format, &source, by, &entry)
            .await?;
        self.emit(ServerEvent::AlertsChanged);
        Ok(record)
    }

    /// Parses and validates an alert given as `media_type` (what [`App::issue_alert`] and
    /// [`App::preview_alert`] accept): the alert, its format (`cap` or `json`) and its source text.
    pub(crate) fn parse_alert(
        &self,
        media_type: &str,
        body: &[u8],
    ) -> AppResult<(Alert, &'static str, String)> {
        let Some(format) = AlertFormat::from_media_type(media_type) else {
            return Err(AppError::UnsupportedMedia {
                code: "unsupported-content-type",
                message: "send CAP 1.2 as application/cap+xml (or application/xml), or the JSON form as application/json".into(),
            });
        };
        let (alert, format, source) = match format {
            AlertFormat::Cap => {
                // Decoded in the encoding its XML declaration (or byte-order mark) names, else UTF-8.
                let (alert, text) = Alert::from_cap_bytes(body, None).map_err(alert_error)?;
                (alert, "cap", text)
            }
            AlertFormat::Json => {
                let alert = self.json_alert(body)?;
                (alert, "json", String::from_utf8_lossy(body).into_owned())
            }
        };
        Ok((alert, format, source))
    }

    fn json_alert(&self, body: &[u8]) -> AppResult<Alert> {
        let mut v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            AppError::invalid("invalid-json", format!("the body is not valid JSON: {e}"))
        })?;
        let Some(obj) = v.as_object_mut() else {
            return Err(AppError::invalid(
                "invalid-body",
                "the alert must be a JSON object",
            ));
        };
        if let Some(k) = obj.keys().find(|k| !JSON_FIELDS.contains(&k.as_str())) {
            return Err(AppError::invalid(
                "invalid-body",
                format!(
                    "unknown field `{k}`; expected one of {}",
                    JSON_FIELDS.join(", ")
                ),
            ));
        }
        obj.entry("id")
            .or_insert_with(|| twincast_store::new_id().into());
        if !obj.contains_key("sent") {
            let now =
                jiff::Timestamp::from_millisecond(self.now_ms()).map_err(AppError::internal)?;
            obj.insert("sent".into(), now.to_string().into());
        }
        let form: twincast_core::AlertForm = serde_json::from_value(v).map_err(|e| {
            AppError::invalid("invalid-body", format!("the JSON does not fit: {e}"))
        })?;
        Alert::from_form(form).map_err(alert_error)
    }

    /// Every alert, newest first. Everyone logged in reads.
    pub async fn list_alerts(&self, _actor: &Actor) -> AppResult<AlertList> {
        Ok(AlertList {
            items: self.store.list_alerts().await?,
        })
    }

    /// One alert.
    pub async fn alert(&self, _actor: &Actor, id: &str) -> AppResult<AlertRecord> {
        Ok(self.store.alert(id).await?)
    }

    /// Takes an alert off the screens now (admin, operator). Idempotent: the first cancellation time is kept.
    pub async fn cancel_alert(&self, actor: &Actor, id: &str) -> AppResult<AlertRecord> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let entry = self.audit(actor, "alert.cancel", id);
        let at = entry.at;
        let entry = entry.field("cancelled_at", serde_json::Value::Null, at.into());
        let record = self.store.cancel_alert(id, &entry).await?;
        self.emit(ServerEvent::AlertsChanged);
        Ok(record)
    }
}
