//! Screen health and offline alerts.
//!
//! - `watch`: the [`HealthWatch`] worker compares every screen's last contact with the offline silence (by the
//!   application's clock), records each online/offline transition once, together with its notifications, in one
//!   transaction (`twincast_store::Store::record_health`), and keeps the `twincast_screens` gauges.
//! - `deliver`: the [`Notifier`] worker delivers the persisted outbox: signed webhooks (reqwest) and plain-text
//!   e-mail (lettre, SMTP), retrying with exponential backoff; `next_attempt_at` is stored, so a restart loses
//!   nothing, and a receiver that is down only delays its own rows, never a request.
//!
//! A screen never heard from does not alert; its first observation is recorded without an event. A retired or
//! deleted screen simply stops being watched (its outbox rows stay as history).

mod deliver;
mod watch;

pub use deliver::{sign, Notifier, BACKOFF_BASE_MS, MAX_ATTEMPTS};
pub use watch::{HealthWatch, PassReport};

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use twincast_store::{Notification, Page, PageRequest, Role, NOTIFICATION_STATUSES};

/// Where offline/online notifications go (from the server's configuration).
#[derive(Clone, Default, PartialEq)]
pub struct NotifySettings {
    /// Webhook URLs (each gets every event).
    pub webhook_urls: Vec<String>,
    /// HMAC-SHA256 key of the `Twincast-Signature` header.
    pub webhook_secret: String,
    /// SMTP URL (`smtp://host:port`, `smtps://host:port`, optional `user:password@`); empty: no e-mail.
    pub smtp_url: String,
    /// Sender address.
    pub smtp_from: String,
    /// Recipients (each gets every event).
    pub smtp_to: Vec<String>,
}

impl std::fmt::Debug for NotifySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifySettings")
            .field("webhook_urls", &self.webhook_urls.len())
            .field("smtp_to", &self.smtp_to)
            .finish_non_exhaustive()
    }
}

impl NotifySettings {
    /// Checks the settings at start: URLs parse, addresses parse, a secret is set when webhooks are, a sender
    /// and recipients are set when SMTP is. The message names the setting.
    pub fn check(&self) -> Result<(), String> {
        for u in &self.webhook_urls {
            let url = reqwest::Url::parse(u)
                .map_err(|e| format!("webhook_urls: {u:?} is not a URL: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("webhook_urls: {u:?} is not an http(s) URL"));
            }
        }
        if !self.webhook_urls.is_empty() && self.webhook_secret.is_empty() {
            return Err(
                "webhook_secret must be set when webhook_urls is (receivers verify the signature)"
                    .into(),
            );
        }
        if self.smtp_url.is_empty() {
            if !self.smtp_to.is_empty() {
                return Err("smtp_to is set but smtp_url is not".into());
            }
            return Ok(());
        }
        deliver::mailer(&self.smtp_url).map_err(|e| format!("smtp_url: {e}"))?;
        deliver::mailbox(&self.smtp_from).map_err(|e| format!("smtp_from: {e}"))?;
        if self.smtp_to.is_empty() {
            return Err("smtp_to must name at least one recipient when smtp_url is set".into());
        }
        for to in &self.smtp_to {
            deliver::mailbox(to).map_err(|e| format!("smtp_to: {e}"))?;
        }
        Ok(())
    }

    /// Whether any event would be delivered anywhere (a webhook URL, or SMTP with recipients).
    pub fn has_targets(&self) -> bool {
        !self.webhook_urls.is_empty() || (!self.smtp_url.is_empty() && !self.smtp_to.is_empty())
    }

    /// The outbox rows of one event: one per webhook URL and one per e-mail recipient.
    pub fn outbox(&self, payload: &serde_json::Value) -> Vec<twincast_store::NewNotification> {
        let mut out = Vec::new();
        for u in &self.webhook_urls {
            out.push(twincast_store::NewNotification {
                channel: "webhook".into(),
                target: u.clone(),
                payload: payload.clone(),
            });
        }
        if !self.smtp_url.is_empty() {
            for to in &self.smtp_to {
                out.push(twincast_store::NewNotification {
                    channel: "email".into(),
                    target: to.clone(),
                    payload: payload.clone(),
                });
            }
        }
        out
    }
}

/// The two health workers over one application, sharing a wake-up (`App::outbox_notify`): the watch, like any
/// operation that queues notifications, wakes the notifier when it queued something. Run both in the server's
/// `Supervisor`.
pub fn workers(app: &App) -> AppResult<(HealthWatch, Notifier)> {
    let wake = app.outbox_notify.clone();
    Ok((
        HealthWatch::new(app.clone(), wake.clone()),
        Notifier::new(app.clone(), wake)?,
    ))
}

/// An epoch-ms time as RFC 3339 (UTC).
pub(crate) fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

impl App {
    /// The notifications outbox, newest first, optionally only `queued`, `delivered` or `failed` rows (admins,
    /// operators).
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        status: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<Notification>> {
        actor.require(&[Role::Admin, Role::Operator])?;
        if let Some(s) = status {
            if !NOTIFICATION_STATUSES.contains(&s) {
                return Err(AppError::invalid(
                    "invalid-status",
                    format!("status must be one of {}", NOTIFICATION_STATUSES.join(", ")),
                ));
            }
        }
        Ok(self.store.list_notifications(status, page).await?)
    }
}
