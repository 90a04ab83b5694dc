//! `.ics` schedules: a campaign's recurrence as an RFC 5545 calendar, and back.

use super::campaigns::may_write_campaign;
use crate::error::{AppError, AppResult};
use crate::{validate, Actor, App};
use twincast_core::ics::IcsError;
use twincast_store::{CampaignRecord, Role};

/// Largest calendar accepted on import, in bytes.
pub const MAX_ICS_BYTES: usize = 256 * 1024;

/// What exporting a campaign's schedule yields.
#[derive(Debug, Clone, PartialEq)]
pub enum IcsExport {
    /// An RFC 5545 calendar with one VEVENT.
    Calendar(String),
    /// The campaign has no recurrence: it plays all the time within its validity window.
    NoRecurrence,
}

impl App {
    /// The campaign's recurrence as a calendar; `tz` (an IANA zone) is written as TZID of DTSTART/EXDATE, omitted
    /// = floating wall-clock times.
    pub async fn export_ics(
        &self,
        _actor: &Actor,
        id: &str,
        tz: Option<&str>,
    ) -> AppResult<IcsExport> {
        if let Some(tz) = tz {
            validate::tz(tz)?;
            twincast_core::Zone::new(tz)
                .map_err(|e| AppError::invalid("invalid-time-zone", e.to_string()))?;
        }
        let record = self.store.campaign(id).await?;
        let campaign =
            twincast_store::to_core_campaign(&record, twincast_core::Orientation::Landscape)
                .ok_or_else(|| AppError::internal("stored recurrence no longer validates"))?;
        match twincast_core::ics::to_ics(&campaign, tz) {
            Ok(text) => Ok(IcsExport::Calendar(text)),
            Err(IcsError::NoRecurrence) => Ok(IcsExport::NoRecurrence),
            Err(e) => Err(AppError::internal(e)),
        }
    }

    /// Sets the campaign's recurrence from the first VEVENT of a calendar of media type `media_type` (must be
    /// `text/calendar`): DTSTART, DURATION or DTEND, RRULE, EXDATE. Wall-clock times are kept.
    pub async fn import_ics(
        &self,
        actor: &Actor,
        id: &str,
        media_type: &str,
        body: &[u8],
    ) -> AppResult<CampaignRecord> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        let current = self.store.campaign(id).await?;
        may_write_campaign(actor, current.partner.as_deref())?;
        if media_type != "text/calendar" {
            return Err(AppError::UnsupportedMedia {
                code: "expected-calendar",
                message: "the body must be an RFC 5545 calendar with Content-Type: text/calendar"
                    .into(),
            });
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| AppError::invalid("invalid-ics", "the calendar is not UTF-8"))?;
        let schedule = twincast_core::ics::from_ics(text).map_err(|e| {
            AppError::invalid("invalid-ics", format!("the calendar was refused: {e}"))
        })?;
        let mut input = twincast_store::CampaignInput::from(&current);
        input.recurrence = Some(schedule.recurrence.spec().clone());
        self.update_campaign(actor, id, input, None).await
    }
}
