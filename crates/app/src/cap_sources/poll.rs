//! Polling a CAP source and importing what it carries (see the module docs of `cap_sources` and docs/alerts.md).

use super::fetch::{fetch, Fetched};
use crate::audit::{AuditEntry, Audited};
use crate::background::{Worker, WorkerState};
use crate::error::AppResult;
use crate::{App, ServerEvent};
use std::time::Duration;
use twincast_core::alert::feed::{self, Fetched as Doc};
use twincast_core::alert::{AlertError, MsgType, Severity, Status};
use twincast_core::news::wire::WireError;
use twincast_core::Alert;
use twincast_store::{
    AlertPollRecord, AlertSource, AlertSourceEntry, Outbox, SourceProblem, StoreError,
};

/// Name of the event queued when a source holds an alert for approval.
pub const HELD_EVENT: &str = "alert.held";

fn problem(code: &str, message: impl Into<String>) -> SourceProblem {
    SourceProblem {
        code: code.to_string(),
        message: message.into(),
    }
}

fn wire_problem(e: &WireError) -> SourceProblem {
    problem(e.code, e.message.clone())
}

/// The stable code of a refused CAP document.
pub(crate) fn cap_code(e: &AlertError) -> &'static str {
    match e {
        AlertError::Xml(_) => "invalid-xml",
        AlertError::DtdNotAllowed => "dtd-not-allowed",
        AlertError::UndefinedEntity(_) => "undefined-entity",
        AlertError::WrongRoot(_) => "not-cap",
        AlertError::Missing(_) => "cap-missing-element",
        AlertError::Bad { .. } => "cap-bad-value",
        AlertError::TooLarge => "cap-too-large",
        AlertError::Encoding(_) => "bad-encoding",
    }
}

fn severity_of(s: &str) -> Severity {
    match s {
        "Minor" => Severity::Minor,
        "Moderate" => Severity::Moderate,
        "Severe" => Severity::Severe,
        "Extreme" => Severity::Extreme,
        _ => Severity::Unknown,
    }
}

/// Why an alert of `src` does not go on air, if it does not (a stable code).
fn filtered(src: &AlertSource, a: &Alert, now: i64) -> Option<&'static str> {
    if a.status != Status::Actual {
        return Some("not-actual");
    }
    if !matches!(
        a.msg_type,
        MsgType::Alert | MsgType::Update | MsgType::Cancel
    ) {
        return Some("not-shown");
    }
    if a.msg_type == MsgType::Cancel {
        // A cancellation always passes: it only ends what it references.
        return None;
    }
    if a.expires.is_some_and(|x| x <= now) {
        return Some("expired");
    }
    let s = &src.input;
    if !a.reaches(
        severity_of(&s.min_severity),
        &s.min_urgency,
        &s.min_certainty,
    ) {
        return Some("below-minimum");
    }
    let no_area = a.areas.is_empty()
        && a.geocodes.is_empty()
        && a.locations.is_empty()
        && a.location_kinds.is_empty()
        && a.tags.is_empty();
    if no_area && !s.area.everywhere {
        return Some("no-area");
    }
    if !s.area.geocodes.is_empty()
        && !a.geocodes.iter().any(|g| {
            s.area.geocodes.iter().any(|p| {
                p.value_name == g.value_name
                    && match p.value.strip_suffix('*') {
                        Some(prefix) => g.value.starts_with(prefix),
                        None => p.value == g.value,
                    }
            })
        })
    {
        return Some("outside-area");
    }
    None
}

/// Subject and text of the e-mail of an `alert.held` event.
pub(crate) fn held_email_text(p: &serde_json::Value) -> (String, String) {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
    let headline = s(&p["alert"]["headline"]);
    let subject = format!(
        "[Twincast] Alert waiting for approval: {headline} ({})",
        s(&p["alert"]["severity"])
    );
    let text = format!(
        "The CAP source {:?} received an alert that waits for an operator's approval before it goes on air.\n\n\
         Headline: {headline}\nSeverity: {}\nSender: {}\nIdentifier: {}\nExpires: {}\n\n\
         Approve: POST {}\nCancel: POST {}\nConsole: /console/alerts\n",
        s(&p["source"]["name"]),
        s(&p["alert"]["severity"]),
        s(&p["alert"]["sender"]),
        s(&p["alert"]["identifier"]),
        p["alert"]["expires"].as_str().unwrap_or("never"),
        s(&p["review"]["approve"]),
        s(&p["review"]["cancel"]),
    );
    (subject, text)
}

impl App {
    /// Polls a CAP source now (whatever its schedule) and returns it with the outcome.
    pub async fn poll_cap_source_now(
        &self,
        actor: &crate::Actor,
        id: &str,
    ) -> AppResult<AlertSource> {
        super::may_manage(actor)?;
        self.cap_source(actor, id).await?;
        let src = crate::polled::claim_now(
            self,
            self.settings.cap_sources.timeout,
            |now, until| self.store.claim_cap_source(Some(id), now, until),
            super::not_found,
        )
        .await?;
        let entry = self.audit(actor, "alert-source.poll", id);
        self.poll_cap_claimed(&src, Some(entry)).await?;
        Ok(self.store.cap_source(id, self.now_ms()).await?)
    }

    /// Polls the enabled CAP source due longest: `false` when none is due.
    pub async fn poll_due_cap_source(&self) -> AppResult<bool> {
        crate::polled::poll_due(
            self,
            self.settings.cap_sources.timeout,
            |now, until| self.store.claim_cap_source(None, now, until),
            |src| async move { self.poll_cap_claimed(&src, None).await },
        )
        .await
    }

    async fn poll_cap_claimed(
        &self,
        src: &AlertSource,
        asked: Option<AuditEntry>,
    ) -> AppResult<()> {
        let mut record = AlertPollRecord {
            outcome: "ok".into(),
            ..AlertPollRecord::default()
        };
        let timeout = self.settings.cap_sources.timeout;
        match fetch(
            &self.settings.outbound,
            &src.input.url,
            src.etag.as_deref(),
            src.last_modified.as_deref(),
            timeout,
        )
        .await
        {
            Err(e) => {
                record.outcome = "failed".into();
                record.error = Some(wire_problem(&e));
            }
            Ok(Fetched::NotModified) => record.outcome = "not-modified".into(),
            Ok(Fetched::Body {
                bytes,
                content_type,
                etag,
                last_modified,
            }) => {
                let ct = content_type.clone();
                let read = tokio::task::spawn_blocking(move || feed::read(&bytes, ct.as_deref()))
                    .await
                    .unwrap_or_else(|_| {
                        Err(WireError::new(
                            "malformed-feed",
                            "the document could not be read",
                        ))
                    });
                match read {
                    Err(e) => {
                        record.outcome = "failed".into();
                        record.error = Some(wire_problem(&e));
                    }
                    Ok(doc) => {
                        record.etag = etag;
                        record.last_modified = last_modified;
                        if let Err(e) = self.import_cap(src, doc, &mut record).await {
                            tracing::error!(source = %src.id, error = %e, "CAP import failed");
                            record.outcome = "failed".into();
                            record.error = Some(problem(
                                "import-failed",
                                "the source was read, but its alerts could not all be stored; the server's log says why",
                            ));
                        }
                    }
                }
            }
        }
        let now = self.now_ms();
        record.at = now;
        record.next_poll_at = now + src.input.interval_secs * 1000;
        if let Some(e) = &record.error {
            tracing::info!(source = %src.id, name = %src.input.name, code = %e.code, error = %e.message,
                outcome = %record.outcome, "CAP poll");
        }
        let entry = asked.map(|e| {
            e.field(
                "last_outcome",
                src.last_outcome.clone().into(),
                record.outcome.clone().into(),
            )
        });
        self.store
            .finish_cap_poll(&src.id, &record, entry.as_ref())
            .await?;
        if record.counts.created > 0 {
            self.emit(ServerEvent::AlertsChanged);
        }
        Ok(())
    }

    async fn import_cap(
        &self,
        src: &AlertSource,
        doc: Doc,
        record: &mut AlertPollRecord,
    ) -> AppResult<()> {
        let mut first: Option<SourceProblem> = None;
        let mut refuse = |record: &mut AlertPollRecord, p: SourceProblem| {
            record.counts.skipped += 1;
            if first.is_none() {
                first = Some(p);
            }
        };
        match doc {
            Doc::Cap(text) => {
                record.counts.entries = 1;
                if let Err(p) = self.import_one(src, None, text.as_bytes(), record).await? {
                    refuse(record, p);
                }
            }
            Doc::Feed(entries) => {
                record.counts.entries = entries.len() as i64;
                for e in entries {
                    if e.id.is_empty() {
                        refuse(
                            record,
                            problem("entry-without-id", "an entry has no id and no link"),
                        );
                        continue;
                    }
                    if self.store.cap_source_entry(&src.id, &e.id).await?.is_some() {
                        continue;
                    }
                    let bytes = match (&e.embedded, &e.link) {
                        (Some(doc), _) => doc.clone().into_bytes(),
                        (None, Some(link)) => {
                            let timeout = self.settings.cap_sources.timeout;
                            // A relative link is relative to the feed's address.
                            let link = reqwest::Url::parse(&src.input.url)
                                .and_then(|base| base.join(link))
                                .map(|u| u.to_string())
                                .unwrap_or_else(|_| link.clone());
                            match fetch(&self.settings.outbound, &link, None, None, timeout).await {
                                Ok(Fetched::Body { bytes, .. }) => bytes,
                                Ok(Fetched::NotModified) => continue,
                                // Not recorded: a linked document that could not be fetched is tried again.
                                Err(err) => {
                                    refuse(
                                        record,
                                        problem(
                                            err.code,
                                            format!("entry {:?}: {}", e.id, err.message),
                                        ),
                                    );
                                    continue;
                                }
                            }
                        }
                        (None, None) => {
                            self.refused_entry(src, &e.id, "entry-without-cap").await?;
                            refuse(
                                record,
                                problem(
                                    "entry-without-cap",
                                    format!(
                                        "entry {:?} neither is nor links to a CAP document",
                                        e.id
                                    ),
                                ),
                            );
                            continue;
                        }
                    };
                    if let Err(p) = self.import_one(src, Some(&e.id), &bytes, record).await? {
                        refuse(record, p);
                    }
                }
            }
        }
        if let Some(p) = first {
            record.outcome = "partial".into();
            record.error = Some(problem(
                &p.code,
                format!(
                    "{} of {} entries refused; the first: {}",
                    record.counts.skipped, record.counts.entries, p.message
                ),
            ));
        }
        Ok(())
    }

    async fn refused_entry(&self, src: &AlertSource, entry_id: &str, code: &str) -> AppResult<()> {
        Ok(self
            .store
            .record_cap_entry(&AlertSourceEntry {
                source_id: src.id.clone(),
                entry_id: entry_id.to_string(),
                outcome: "refused".into(),
                code: code.into(),
                alert_id: None,
                fetched_at: self.now_ms(),
            })
            .await?)
    }

    /// Imports one CAP document of `src`. `Ok(Err(problem))`: refused (recorded on its entry).
    async fn import_one(
        &self,
        src: &AlertSource,
        entry_id: Option<&str>,
        bytes: &[u8],
        record: &mut AlertPollRecord,
    ) -> AppResult<Result<(), SourceProblem>> {
        let now = self.now_ms();
        let parsed = Alert::from_cap_bytes(bytes, None);
        let (alert, text) = match parsed {
            Ok(p) => p,
            Err(e) => {
                let code = cap_code(&e);
                let id = entry_id.map(str::to_string).unwrap_or_else(|| {
                    format!(
                        "sha256:{}",
                        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))
                    )
                });
                self.refused_entry(src, &id, code).await?;
                return Ok(Err(problem(code, format!("entry {id:?}: {e}"))));
            }
        };
        let sent = jiff::Timestamp::from_millisecond(alert.sent)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let key = format!("{},{},{}", alert.sender, alert.id, sent);
        let entry_id = entry_id.map(str::to_string).unwrap_or(key);
        let mut entry = AlertSourceEntry {
            source_id: src.id.clone(),
            entry_id: entry_id.clone(),
            outcome: String::new(),
            code: String::new(),
            alert_id: None,
            fetched_at: now,
        };
        if src.input.require_signature {
            let (code, why) = if alert.signed {
                ("signature-unverifiable", "the source requires a verified XML signature, and this server cannot verify XML signatures (docs/alerts.md)")
            } else {
                (
                    "signature-missing",
                    "the source requires a verified XML signature, and the document has none",
                )
            };
            self.refused_entry(src, &entry_id, code).await?;
            return Ok(Err(problem(code, format!("entry {entry_id:?}: {why}"))));
        }
        if let Some(known) = self.store.alert_by_key(&alert.sender, &alert.id).await? {
            entry.alert_id = Some(known.id.clone());
            if known.sent == alert.sent {
                entry.outcome = "duplicate".into();
                self.store.record_cap_entry(&entry).await?;
                return Ok(Ok(()));
            }
            entry.outcome = "refused".into();
            entry.code = "identifier-reused".into();
            self.store.record_cap_entry(&entry).await?;
            return Ok(Err(problem(
                "identifier-reused",
                format!("entry {entry_id:?}: sender {:?} used identifier {:?} before with another sent time", alert.sender, alert.id),
            )));
        }
        if let Some(code) = filtered(src, &alert, now) {
            entry.outcome = "filtered".into();
            entry.code = code.into();
            self.store.record_cap_entry(&entry).await?;
            return Ok(Ok(()));
        }
        let held = src.input.moderation == "hold" && alert.msg_type != MsgType::Cancel;
        entry.outcome = if held { "held" } else { "published" }.into();
        let audit = self
            .audit_system(if held { "alert.hold" } else { "alert.create" }, "")
            .field(
                "identifier",
                serde_json::Value::Null,
                alert.id.clone().into(),
            )
            .field(
                "sender",
                serde_json::Value::Null,
                alert.sender.clone().into(),
            )
            .field(
                "headline",
                serde_json::Value::Null,
                alert.headline.clone().into(),
            )
            .field("cap_source", serde_json::Value::Null, src.id.clone().into());
        let alert_id = twincast_store::new_id();
        let outbox = if held && self.settings.notify.has_targets() {
            let event_id = twincast_store::new_id();
            let rfc = |ms: Option<i64>| ms.map(crate::health::rfc3339);
            let payload = serde_json::json!({
                "id": event_id,
                "event": HELD_EVENT,
                "source": {"id": src.id, "name": src.input.name},
                "alert": {
                    "identifier": alert.id, "sender": alert.sender, "headline": alert.headline,
                    "severity": serde_json::to_value(alert.severity).unwrap_or_default(),
                    "expires": rfc(alert.expires),
                },
                "at": crate::health::rfc3339(now),
                "review": {
                    "approve": format!("/api/v1/alerts/{alert_id}/approve"),
                    "cancel": format!("/api/v1/alerts/{alert_id}/cancel"),
                },
            });
            Outbox {
                event: HELD_EVENT.into(),
                event_id,
                rows: self.settings.notify.outbox(&payload),
            }
        } else {
            Outbox::default()
        };
        match self
            .store
            .import_alert(
                &alert_id, &alert, &text, &src.id, held, &entry, &audit, &outbox,
            )
            .await
        {
            Ok(stored) => {
                if held {
                    record.counts.held += 1;
                    self.outbox_queued(&outbox);
                    tracing::info!(alert = %stored.id, source = %src.id, "CAP alert held for approval");
                } else {
                    record.counts.created += 1;
                }
                record.counts.imported += 1;
                Ok(Ok(()))
            }
            // Stored by another source or poll between the look-up and the insert.
            Err(StoreError::Conflict(_)) => Ok(Ok(())),
            Err(e) => Err(e.into()),
        }
    }
}

/// Polls due CAP sources, one at a time; woken at once when a source is added or changed.
#[derive(Debug)]
pub struct CapPoller {
    app: App,
}

impl CapPoller {
    /// A poller over `app`'s CAP sources.
    pub fn new(app: App) -> CapPoller {
        CapPoller { app }
    }
}

impl Worker for CapPoller {
    fn name(&self) -> String {
        "cap-sources".into()
    }

    async fn work(&mut self) -> WorkerState {
        crate::polled::worker_state(self.app.poll_due_cap_source().await, "CAP")
    }

    async fn wait_for_work(&mut self) {
        let notify = self.app.cap_poll_notify.clone();
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
