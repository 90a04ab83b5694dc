//! Expressions of interest: a public form per project, spam-resistant without third parties (a honeypot field and
//! a form token signed by the server that carries when the form was shown: submitted too fast or too late is
//! refused), stored once per token (the token is the idempotency key: a double submit stores one), e-mailed to
//! the project's contact through the notifications outbox (the same SMTP delivery as the offline alerts, queued
//! in the submission's transaction), listed for operators with a status, and deleted at its retention date by
//! [`InterestSweep`]. Per-address rate limits are the front doors' (they know the client's address).

use super::{field_errors, MANAGERS};
use crate::access::Actor;
use crate::audit::Audited;
use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use twincast_core::cooperation::{check_interest, InterestInput, InterestStatus};
use twincast_store::{Interest, NewNotification, Outbox};

/// Name of the event (and of the e-mail's kind).
pub const INTEREST_EVENT: &str = "cooperation.interest";

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A fresh form: the token to send back and the retention date to show.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormToken {
    /// Send back as `token` (valid from a few seconds after it was issued until it expires).
    pub token: String,
    /// When an expression sent with this form is deleted, epoch ms.
    pub retain_until: i64,
}

/// The form as submitted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InterestForm {
    /// The fields.
    #[serde(flatten)]
    pub input: InterestInput,
    /// The form token ([`FormToken::token`]); also the idempotency key.
    pub token: String,
    /// Honeypot: a field people do not see; must stay empty.
    #[serde(default)]
    pub website: String,
}

/// The outcome of a submission.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Submitted {
    /// The stored expression's id.
    pub id: String,
    /// When it is deleted, epoch ms.
    pub retain_until: i64,
    /// False when this token had already been used (nothing new was stored).
    pub created: bool,
}

/// The status change of an expression of interest.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestStatusChange {
    /// The new status.
    pub status: InterestStatus,
}

fn sign(key: &[u8], slug: &str, issued: i64, nonce: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(format!("coop-interest\n{slug}\n{issued}\n{nonce}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl App {
    /// A form token for project `slug` (public): no cookie, the token itself carries when it was issued.
    pub async fn interest_form(&self, slug: &str) -> AppResult<FormToken> {
        self.store.coop_project(slug).await?;
        let now = self.now_ms();
        let nonce = hex::encode(rand::random::<[u8; 12]>());
        let mac = sign(&self.settings.cooperation.form_key, slug, now, &nonce);
        Ok(FormToken {
            token: format!("{now}.{nonce}.{mac}"),
            retain_until: self.interest_retention(now),
        })
    }

    fn interest_retention(&self, now: i64) -> i64 {
        now + self.settings.cooperation.retention_days * DAY_MS
    }

    fn check_token(&self, slug: &str, token: &str) -> AppResult<()> {
        let bad = || {
            AppError::invalid(
                "invalid-form-token",
                "the form is not valid any more; reload the page and send it again",
            )
        };
        let mut parts = token.splitn(3, '.');
        let (Some(issued), Some(nonce), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let issued: i64 = issued.parse().map_err(|_| bad())?;
        let want = sign(&self.settings.cooperation.form_key, slug, issued, nonce);
        let same = want.len() == mac.len()
            && want
                .bytes()
                .zip(mac.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                == 0;
        if !same {
            return Err(bad());
        }
        let age = self.now_ms() - issued;
        if age < self.settings.cooperation.min_fill_ms {
            return Err(AppError::invalid(
                "form-too-fast",
                "the form was sent within seconds of being shown; take a moment and send it again",
            ));
        }
        if age > self.settings.cooperation.max_fill_ms {
            return Err(AppError::invalid(
                "form-expired",
                "the form has expired; reload the page and send it again",
            ));
        }
        Ok(())
    }

    /// Stores an expression of interest in project `slug` (public) once per form token, and queues its e-mail to
    /// the project's contact in the same transaction.
    pub async fn submit_interest(&self, slug: &str, form: &InterestForm) -> AppResult<Submitted> {
        let project = self.store.coop_project(slug).await?;
        if !form.website.is_empty() {
            return Err(AppError::invalid(
                "rejected-as-spam",
                "the form had a field filled in that people do not see; it was not sent",
            ));
        }
        self.check_token(slug, &form.token)?;
        check_interest(&form.input).map_err(field_errors)?;
        let now = self.now_ms();
        let retain_until = self.interest_retention(now);
        let payload = serde_json::json!({
            "event": INTEREST_EVENT,
            "project": {"slug": project.data.slug, "title": project.data.title.en},
            "interest": form.input,
            "at": crate::health::rfc3339(now),
            "retain_until": crate::health::rfc3339(retain_until),
        });
        let outbox = Outbox {
            event: INTEREST_EVENT.into(),
            event_id: String::new(),
            rows: if self.settings.notify.smtp_url.is_empty() {
                Vec::new()
            } else {
                vec![NewNotification {
                    channel: "email".into(),
                    target: project.data.contact.email.clone(),
                    payload,
                }]
            },
        };
        let key = hex::encode(<Sha256 as sha2::Digest>::digest(form.token.as_bytes()));
        let (stored, created) = self
            .store
            .submit_interest(&project.id, &key, &form.input, now, retain_until, &outbox)
            .await?;
        if created {
            self.outbox_queued(&outbox);
        }
        Ok(Submitted {
            id: stored.id,
            retain_until: stored.retain_until,
            created,
        })
    }

    /// The inbox: expressions of interest, newest first, optionally of one status (admins, operators).
    pub async fn interests(
        &self,
        actor: &Actor,
        status: Option<InterestStatus>,
    ) -> AppResult<Vec<Interest>> {
        actor.require(&MANAGERS)?;
        Ok(self.store.interests(status).await?)
    }

    /// The console's inbox: like [`App::interests`], optionally of one project (by id) only.
    pub async fn interest_inbox(
        &self,
        actor: &Actor,
        status: Option<InterestStatus>,
        project_id: Option<&str>,
    ) -> AppResult<Vec<Interest>> {
        let mut all = self.interests(actor, status).await?;
        if let Some(p) = project_id {
            all.retain(|i| i.project_id == p);
        }
        Ok(all)
    }

    /// One expression of interest (admins, operators).
    pub async fn interest(&self, actor: &Actor, id: &str) -> AppResult<Interest> {
        actor.require(&MANAGERS)?;
        Ok(self.store.interest(id).await?)
    }

    /// Sets an expression of interest's status (admins, operators), if still at version `if_match`.
    pub async fn set_interest_status(
        &self,
        actor: &Actor,
        id: &str,
        status: InterestStatus,
        if_match: Option<i64>,
    ) -> AppResult<Interest> {
        actor.require(&MANAGERS)?;
        let current = self.store.interest(id).await?;
        let entry = self.audit(actor, "project_interest.status", id).field(
            "status",
            current.status.as_str().into(),
            status.as_str().into(),
        );
        Ok(self
            .store
            .set_interest_status(id, status, revision::expected(if_match), &entry)
            .await?)
    }

    /// Deletes the expressions of interest (and their e-mail deliveries) past their retention date.
    pub async fn sweep_interests(&self) -> AppResult<u64> {
        Ok(self.store.delete_expired_interests(self.now_ms()).await?)
    }
}

/// Subject and text of the e-mail of an expression of interest.
pub(crate) fn interest_email_text(p: &serde_json::Value) -> (String, String) {
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let i = &p["interest"];
    let subject = format!(
        "Expression of interest: {} ({})",
        s(&p["project"]["title"]),
        s(&i["organisation"])
    );
    let text = format!(
        "An expression of interest in the project \"{title}\" ({slug}) arrived at {at}.\n\n\
         Organisation: {org}\nCountry:      {country}\nContact:      {name} <{email}>\n\n{message}\n\n\
         The sender consented to these data being kept until {until}; they are deleted then.\n\n-- Twincast\n",
        title = s(&p["project"]["title"]),
        slug = s(&p["project"]["slug"]),
        at = s(&p["at"]),
        org = s(&i["organisation"]),
        country = s(&i["country"]),
        name = s(&i["name"]),
        email = s(&i["email"]),
        message = s(&i["message"]),
        until = s(&p["retain_until"]),
    );
    (subject, text)
}

/// Deletes expired expressions of interest every hour.
#[derive(Debug)]
pub struct InterestSweep {
    app: App,
    ran: bool,
}

impl InterestSweep {
    /// A sweep over `app`.
    pub fn new(app: App) -> InterestSweep {
        InterestSweep { app, ran: false }
    }
}

impl Worker for InterestSweep {
    fn name(&self) -> String {
        "interest-sweep".into()
    }

    async fn work(&mut self) -> WorkerState {
        if self.ran {
            self.ran = false;
            return WorkerState::Idle;
        }
        match self.app.sweep_interests().await {
            Ok(n) if n > 0 => tracing::info!(
                deleted = n,
                "expressions of interest past their retention date"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "interest sweep failed"),
        }
        self.ran = true;
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}
