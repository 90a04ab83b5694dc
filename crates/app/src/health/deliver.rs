//! The notifier: delivers the outbox (signed webhooks, plain-text e-mail) with persisted exponential backoff.

use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::App;
use hmac::{Hmac, Mac};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;
use twincast_store::Notification;

/// Delay before the second attempt; each further attempt waits twice as long (capped at 15 minutes).
pub const BACKOFF_BASE_MS: i64 = 1_000;
/// Attempts before a delivery is marked `failed` (about 3 hours of retries).
pub const MAX_ATTEMPTS: i64 = 20;
const BACKOFF_CAP_MS: i64 = 15 * 60_000;
/// How long one attempt may take (HTTP request or SMTP session).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// A claimed row is left alone this long; a process that died mid-attempt leaves it to be retried after it.
const LEASE_MS: i64 = 120_000;

/// Delay after failed attempt `n` (1-based).
fn backoff_ms(attempts: i64) -> i64 {
    (BACKOFF_BASE_MS << (attempts.clamp(1, 20) - 1)).min(BACKOFF_CAP_MS)
}

/// The `Twincast-Signature` value of `body` sent at `t` (unix seconds): `t=<t>,v1=<hex HMAC-SHA256 of
/// "<t>.<body>" keyed by the secret>`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// An SMTP transport from a lettre URL (`smtp://…`, `smtps://…`).
pub(super) fn mailer(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| e.to_string())?
        .timeout(Some(ATTEMPT_TIMEOUT))
        .build())
}

/// An e-mail address (`a@b` or `Name <a@b>`).
pub(super) fn mailbox(s: &str) -> Result<Mailbox, String> {
    s.parse::<Mailbox>()
        .map_err(|e| format!("{s:?} is not an e-mail address: {e}"))
}

/// Delivers queued notifications, one at a time, oldest due first.
pub struct Notifier {
    app: App,
    wake: Arc<tokio::sync::Notify>,
    http: reqwest::Client,
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("mail", &self.mail.is_some())
            .finish_non_exhaustive()
    }
}

impl Notifier {
    /// A notifier over `app`'s outbox, woken by `wake` when rows are queued.
    pub fn new(app: App, wake: Arc<tokio::sync::Notify>) -> AppResult<Notifier> {
        let n = &app.settings.notify;
        let mail = if n.smtp_url.is_empty() {
            None
        } else {
            Some((
                mailer(&n.smtp_url).map_err(AppError::internal)?,
                mailbox(&n.smtp_from).map_err(AppError::internal)?,
            ))
        };
        let http = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Twincast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(AppError::internal)?;
        Ok(Notifier {
            app,
            wake,
            http,
            mail,
        })
    }

    /// Delivers the oldest due row, if any; `false` when nothing was due.
    pub async fn deliver_one(&mut self) -> AppResult<bool> {
        let now = self.app.now_ms();
        let Some(n) = self
            .app
            .store
            .claim_notification(now, now + LEASE_MS)
            .await?
        else {
            return Ok(false);
        };
        let outcome = match n.channel.as_str() {
            "webhook" => self.webhook(&n).await,
            "email" => self.email(&n).await,
            other => Err(format!("unknown channel {other:?}")),
        };
        let at = self.app.now_ms();
        match outcome {
            Ok(()) => self.app.store.notification_delivered(&n.id, at).await?,
            Err(e) => {
                let attempts = n.attempts + 1;
                let retry_at = (attempts < MAX_ATTEMPTS).then(|| at + backoff_ms(attempts));
                tracing::warn!(notification = %n.id, channel = %n.channel, attempts, error = %e,
                    "notification not delivered{}", if retry_at.is_some() { "; will retry" } else { "; giving up" });
                self.app
                    .store
                    .notification_failed(&n.id, &e, retry_at)
                    .await?
            }
        }
        Ok(true)
    }

    async fn webhook(&self, n: &Notification) -> Result<(), String> {
        let body = serde_json::to_vec(&n.payload).map_err(|e| e.to_string())?;
        let t = self.app.now_ms().div_euclid(1000);
        let res = self
            .http
            .post(&n.target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(
                "Twincast-Signature",
                sign(&self.app.settings.notify.webhook_secret, t, &body),
            )
            .header("Twincast-Event", &n.event)
            .header("Twincast-Delivery", &n.id)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("webhook request failed: {}", error_chain(&e)))?;
        if res.status().is_success() {
            Ok(())
        } else {
            Err(format!("webhook answered HTTP {}", res.status().as_u16()))
        }
    }

    async fn email(&self, n: &Notification) -> Result<(), String> {
        let Some((mailer, from)) = &self.mail else {
            return Err("no SMTP server is configured (smtp_url)".into());
        };
        let (subject, text) = email_text(&n.payload);
        let msg = Message::builder()
            .from(from.clone())
            .to(mailbox(&n.target)?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| format!("cannot build the e-mail: {e}"))?;
        mailer
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP delivery failed: {}", error_chain(&e)))
    }
}

/// An error with its causes, for `last_error` (reqwest's own message hides the cause, e.g. connection refused).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Subject and plain text of the e-mail of an event body, written for its kind of event.
pub(super) fn email_text(p: &serde_json::Value) -> (String, String) {
    match p["event"].as_str() {
        Some(crate::moderation::PENDING_EVENT) => crate::moderation::pending_email_text(p),
        Some(crate::cooperation::INTEREST_EVENT) => crate::cooperation::interest_email_text(p),
        Some(crate::cap_sources::HELD_EVENT) => crate::cap_sources::held_email_text(p),
        _ => screen_email_text(p),
    }
}

/// The e-mail of a `screen.offline` / `screen.online` event.
fn screen_email_text(p: &serde_json::Value) -> (String, String) {
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
    let name = str_of(&p["screen"]["name"]);
    let location = str_of(&p["screen"]["location"]);
    let at = str_of(&p["at"]);
    let last = p["last_seen_at"].as_str().unwrap_or("never");
    let online = p["event"] == "screen.online";
    let state = if online { "online again" } else { "offline" };
    let subject = format!(
        "Screen {}: {name} ({location})",
        if online { "online" } else { "offline" }
    );
    let text = format!(
        "Screen \"{name}\" at {location} is {state}.\n\n\
         Screen:     {name} ({id})\n\
         Location:   {location}\n\
         Noticed at: {at}\n\
         Last heard: {last}\n\
         Event:      {event} ({event_id})\n\n\
         -- Twincast\n",
        id = str_of(&p["screen"]["id"]),
        event = str_of(&p["event"]),
        event_id = str_of(&p["id"]),
    );
    (subject, text)
}

impl Worker for Notifier {
    fn name(&self) -> String {
        "notifier".into()
    }

    async fn work(&mut self) -> WorkerState {
        match self.deliver_one().await {
            Ok(true) => WorkerState::Busy,
            Ok(false) => WorkerState::Idle,
            Err(e) => {
                tracing::warn!(error = %e, "cannot take a notification from the outbox");
                WorkerState::Idle
            }
        }
    }

    async fn wait_for_work(&mut self) {
        // Until the next row is due (at most 5 s, so rows queued by another process are seen), or woken.
        let wait = match self.app.store.next_notification_due().await {
            Ok(Some(due)) => (due - self.app.now_ms()).clamp(50, 5_000),
            _ => 5_000,
        };
        tokio::select! {
            _ = self.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_time_dot_body() {
        // Known answer: HMAC-SHA256(key "secret", "1700000000.{}"), computed independently with Python's hmac.
        assert_eq!(
            sign("secret", 1_700_000_000, b"{}"),
            "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_ms(1), 1_000);
        assert_eq!(backoff_ms(2), 2_000);
        assert_eq!(backoff_ms(5), 16_000);
        assert_eq!(backoff_ms(19), BACKOFF_CAP_MS);
    }

    #[test]
    fn email_names_screen_location_and_time() {
        let p = serde_json::json!({"id": "e1", "event": "screen.offline",
            "screen": {"id": "s1", "name": "Gate 1", "location": "Airport"},
            "at": "2026-11-30T10:00:00Z", "last_seen_at": "2026-11-30T09:58:30Z"});
        let (subject, text) = email_text(&p);
        assert_eq!(subject, "Screen offline: Gate 1 (Airport)");
        assert!(text.contains("\"Gate 1\" at Airport is offline"), "{text}");
        assert!(text.contains("2026-11-30T10:00:00Z") && text.contains("2026-11-30T09:58:30Z"));
    }
}
