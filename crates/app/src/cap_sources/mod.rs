//! CAP subscriptions (docs/alerts.md): sources — a CAP document's address or an Atom/RSS feed whose entries are or
//! link to CAP documents — polled on their persisted schedule by the [`CapPoller`] worker (or at once, "poll
//! now"), each alert stored once (by sender + identifier + sent), filtered by the source's minimum severity,
//! urgency and certainty and its area filter, and put on air at once or held for an operator's approval (the
//! on-call operator is notified through the notification channels: webhooks and e-mail). The operator's geocode
//! mapping (a CAP geocode → locations) is here too. Admins and operators manage both; viewers read.
//!
//! A failing or hostile source (unreachable, malformed, DTD/entities, oversized, wrong encoding) is recorded on
//! that source with a stable code and touches nothing else.

mod fetch;
mod poll;

pub(crate) use poll::held_email_text;
pub use poll::{CapPoller, HELD_EVENT};

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App, ServerEvent};
use twincast_core::alert::{certainty_rank, urgency_rank};
use twincast_store::{
    AlertGeocode, AlertGeocodeInput, AlertRecord, AlertSource, AlertSourceEntry, AlertSourceInput,
    Role, StoreError,
};

/// How CAP sources are fetched (`cap_timeout_secs` in the server's configuration).
#[derive(Debug, Clone)]
pub struct CapSettings {
    /// How long one fetch (a source, or a CAP document an entry links to) may take, connecting and reading
    /// included.
    pub timeout: std::time::Duration,
}

impl Default for CapSettings {
    fn default() -> Self {
        CapSettings {
            timeout: std::time::Duration::from_secs(20),
        }
    }
}

/// The moderation modes of a source.
pub const MODERATION: [&str; 2] = ["auto-publish", "hold"];
/// CAP severities, lowest first.
pub const SEVERITIES: [&str; 5] = ["Unknown", "Minor", "Moderate", "Severe", "Extreme"];
/// CAP urgencies, lowest first.
pub const URGENCIES: [&str; 5] = ["Unknown", "Past", "Future", "Expected", "Immediate"];
/// CAP certainties, lowest first.
pub const CERTAINTIES: [&str; 5] = ["Unknown", "Unlikely", "Possible", "Likely", "Observed"];

fn may_manage(actor: &Actor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Operator])
}

fn may_read(actor: &Actor) -> AppResult<()> {
    actor.require(&[Role::Admin, Role::Operator, Role::Viewer])
}

fn bad(field: &str, code: &'static str, message: String) -> AppError {
    AppError::invalid(code, message).with_member("field", field.into())
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::missing("source-not-found", "no such CAP source"),
        other => other.into(),
    }
}

fn one_of(field: &str, v: &str, all: &[&str]) -> AppResult<()> {
    if all.contains(&v) {
        Ok(())
    } else {
        Err(bad(
            field,
            "invalid-cap-source",
            format!("{field}: {v:?} is not one of {}", all.join(", ")),
        ))
    }
}

fn text_field(field: &str, v: &str, max: usize) -> AppResult<()> {
    if v.trim().is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(bad(
            field,
            "invalid-cap-source",
            format!("{field}: between 1 and {max} characters, no control characters"),
        ));
    }
    Ok(())
}

/// Checks a source's fields; the first failure names its field.
pub fn check_source(s: &AlertSourceInput) -> AppResult<()> {
    text_field("name", &s.name, 100)?;
    if !(s.url.starts_with("http://") || s.url.starts_with("https://"))
        || s.url.len() > 2000
        || reqwest::Url::parse(&s.url).is_err()
    {
        return Err(bad(
            "url",
            "invalid-cap-source",
            "url: an http or https address".into(),
        ));
    }
    one_of("min_severity", &s.min_severity, &SEVERITIES)?;
    one_of("min_urgency", &s.min_urgency, &URGENCIES)?;
    one_of("min_certainty", &s.min_certainty, &CERTAINTIES)?;
    one_of("moderation", &s.moderation, &MODERATION)?;
    if s.area.geocodes.len() > 100 {
        return Err(bad(
            "area",
            "invalid-cap-source",
            "area: at most 100 geocodes".into(),
        ));
    }
    for (i, g) in s.area.geocodes.iter().enumerate() {
        text_field(
            &format!("area.geocodes[{i}].value_name"),
            &g.value_name,
            100,
        )?;
        text_field(&format!("area.geocodes[{i}].value"), &g.value, 100)?;
    }
    if !(30..=86_400).contains(&s.interval_secs) {
        return Err(bad(
            "interval_secs",
            "invalid-interval",
            "interval_secs: between 30 and 86400 (a day)".into(),
        ));
    }
    debug_assert!(urgency_rank("Immediate") > urgency_rank("Past"));
    debug_assert!(certainty_rank("Observed") > certainty_rank("Unlikely"));
    Ok(())
}

fn name_taken(e: StoreError, name: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::conflict(
            "duplicate-source",
            format!("a CAP source is already named {name:?}"),
        )
        .with_member("field", "name".into()),
        other => not_found(other),
    }
}

impl App {
    /// Every CAP source with its schedule and last outcome.
    pub async fn cap_sources(&self, actor: &Actor) -> AppResult<Vec<AlertSource>> {
        may_read(actor)?;
        Ok(self.store.cap_sources(self.now_ms()).await?)
    }

    /// One CAP source.
    pub async fn cap_source(&self, actor: &Actor, id: &str) -> AppResult<AlertSource> {
        may_read(actor)?;
        self.store
            .cap_source(id, self.now_ms())
            .await
            .map_err(not_found)
    }

    /// Adds a CAP source; it is due at once.
    pub async fn create_cap_source(
        &self,
        actor: &Actor,
        input: &AlertSourceInput,
    ) -> AppResult<AlertSource> {
        may_manage(actor)?;
        check_source(input)?;
        let entry = self.audit(actor, "alert-source.create", "").created(input);
        let s = self
            .store
            .create_cap_source(input, &actor.user.id, &entry)
            .await
            .map_err(|e| name_taken(e, &input.name))?;
        self.cap_poll_notify.notify_one();
        Ok(s)
    }

    /// Replaces a source's settings (if still at `if_match`); due at once again.
    pub async fn update_cap_source(
        &self,
        actor: &Actor,
        id: &str,
        input: &AlertSourceInput,
        if_match: Option<i64>,
    ) -> AppResult<AlertSource> {
        may_manage(actor)?;
        let current = self.cap_source(actor, id).await?;
        check_source(input)?;
        let entry = self
            .audit(actor, "alert-source.update", id)
            .diff(&current.input, input);
        let s = self
            .store
            .update_cap_source(id, input, revision::expected(if_match), &entry)
            .await
            .map_err(|e| name_taken(e, &input.name))?;
        self.cap_poll_notify.notify_one();
        Ok(s)
    }

    /// Deletes a source (if still at `if_match`); its alerts stay.
    pub async fn delete_cap_source(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        may_manage(actor)?;
        let current = self.cap_source(actor, id).await?;
        let entry = self
            .audit(actor, "alert-source.delete", id)
            .deleted(&current.input);
        self.store
            .delete_cap_source(id, revision::expected(if_match), &entry)
            .await
            .map_err(not_found)
    }

    /// A source's entries and what each became, newest first.
    pub async fn cap_source_entries(
        &self,
        actor: &Actor,
        id: &str,
        limit: i64,
    ) -> AppResult<Vec<AlertSourceEntry>> {
        self.cap_source(actor, id).await?;
        Ok(self
            .store
            .cap_source_entries(id, limit.clamp(1, 500))
            .await?)
    }

    /// Puts an alert held for approval on air (admins, operators).
    pub async fn approve_alert(&self, actor: &Actor, id: &str) -> AppResult<AlertRecord> {
        may_manage(actor)?;
        let entry = self
            .audit(actor, "alert.approve", id)
            .field("held", true.into(), false.into());
        let r = self
            .store
            .approve_alert(id, &actor.user.id, &entry)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::missing("alert-not-found", "no such alert"),
                StoreError::Conflict(_) => {
                    AppError::conflict("alert-not-held", "the alert is not waiting for approval")
                }
                other => other.into(),
            })?;
        self.emit(ServerEvent::AlertsChanged);
        Ok(r)
    }

    /// Every geocode mapping.
    pub async fn alert_geocodes(&self, actor: &Actor) -> AppResult<Vec<AlertGeocode>> {
        may_read(actor)?;
        Ok(self.store.alert_geocodes().await?)
    }

    /// Maps a CAP geocode to a location: alerts carrying it reach that location's screens.
    pub async fn create_alert_geocode(
        &self,
        actor: &Actor,
        input: &AlertGeocodeInput,
    ) -> AppResult<AlertGeocode> {
        may_manage(actor)?;
        let check = |field: &str, v: &str| {
            if v.trim().is_empty() || v.chars().count() > 100 || v.trim() != v {
                Err(bad(
                    field,
                    "invalid-geocode",
                    format!("{field}: between 1 and 100 characters, no surrounding spaces"),
                ))
            } else {
                Ok(())
            }
        };
        check("value_name", &input.value_name)?;
        check("value", &input.value)?;
        match self.store.location_by_id(&input.location_id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(bad(
                    "location_id",
                    "unknown-location",
                    format!("location_id: no location {:?}", input.location_id),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        let entry = self.audit(actor, "alert-geocode.create", "").created(input);
        let g = self
            .store
            .create_alert_geocode(input, &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict(
                    "duplicate-geocode",
                    "this geocode is mapped to this location already",
                ),
                other => other.into(),
            })?;
        self.emit(ServerEvent::AlertsChanged);
        Ok(g)
    }

    /// Removes a geocode mapping.
    pub async fn delete_alert_geocode(&self, actor: &Actor, id: &str) -> AppResult<()> {
        may_manage(actor)?;
        let entry = self.audit(actor, "alert-geocode.delete", id);
        self.store
            .delete_alert_geocode(id, &entry)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::missing("geocode-not-found", "no such geocode mapping")
                }
                other => other.into(),
            })?;
        self.emit(ServerEvent::AlertsChanged);
        Ok(())
    }
}
