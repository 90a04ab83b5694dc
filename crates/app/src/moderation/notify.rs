//! Notifications of items pending review: when a partner-editor's write makes a campaign or media item `pending`,
//! one `moderation.pending` event is queued in the outbox (a signed webhook per URL, an e-mail per recipient of the
//! notification settings) in the transaction of that write; the `Notifier` worker delivers it.

use crate::access::Actor;
use crate::error::AppResult;
use crate::App;
use twincast_store::{Outbox, Role};

/// Name of the event.
pub const PENDING_EVENT: &str = "moderation.pending";

/// What became pending.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingItem<'a> {
    /// `campaign` or `media`.
    pub kind: &'static str,
    /// The item's id.
    pub id: &'a str,
    /// Its title (a campaign's name, a media item's file name).
    pub title: &'a str,
    /// Its partner's slug.
    pub partner: Option<&'a str>,
    /// `create` or `update`.
    pub change: &'static str,
}

impl App {
    /// The `moderation.pending` deliveries of `item` written by `actor`: none unless the actor is a partner-editor
    /// (whose writes are pending) and notifications are configured.
    pub(crate) async fn pending_outbox(
        &self,
        actor: &Actor,
        item: PendingItem<'_>,
    ) -> AppResult<Outbox> {
        if actor.user.role != Role::PartnerEditor {
            return Ok(Outbox::default());
        }
        if !self.settings.notify.has_targets() {
            return Ok(Outbox::default());
        }
        let partner = match item.partner {
            Some(slug) => {
                let name = crate::moderation::found(self.store.partner_by_slug(slug).await)?
                    .and_then(|p| p.names.get("en").or(p.names.values().next()).cloned())
                    .unwrap_or_else(|| slug.to_string());
                serde_json::json!({"slug": slug, "name": name})
            }
            None => serde_json::Value::Null,
        };
        let base = match item.kind {
            "campaign" => "/api/v1/campaigns",
            _ => "/api/v1/media",
        };
        let path = format!("{base}/{}", item.id);
        let event_id = twincast_store::new_id();
        let payload = serde_json::json!({
            "id": event_id,
            "event": PENDING_EVENT,
            "item": {"kind": item.kind, "id": item.id, "title": item.title},
            "change": item.change,
            "partner": partner,
            "submitted_by": {"id": actor.user.id, "username": actor.user.username},
            "at": crate::health::rfc3339(self.now_ms()),
            "review": {
                "path": path,
                "approve": format!("{path}/approve"),
                "reject": format!("{path}/reject"),
                "queue": "/api/v1/moderation/pending",
            },
        });
        Ok(Outbox {
            event: PENDING_EVENT.into(),
            event_id,
            rows: self.settings.notify.outbox(&payload),
        })
    }

    /// Wakes the notifier after a write queued `outbox`'s rows.
    pub(crate) fn outbox_queued(&self, outbox: &Outbox) {
        if !outbox.rows.is_empty() {
            self.outbox_notify.notify_one();
        }
    }
}

/// Subject and plain text of the e-mail of a `moderation.pending` event body.
pub(crate) fn email_text(p: &serde_json::Value) -> (String, String) {
    let str_of = |v: &serde_json::Value| v.as_str().unwrap_or("?").to_string();
    let kind = str_of(&p["item"]["kind"]);
    let title = str_of(&p["item"]["title"]);
    let partner = match p["partner"]["name"].as_str() {
        Some(name) => format!("{name} ({})", str_of(&p["partner"]["slug"])),
        None => "no partner".into(),
    };
    let who = str_of(&p["submitted_by"]["username"]);
    let what = if p["change"] == "create" {
        "new"
    } else {
        "changed"
    };
    let subject = format!(
        "Pending review: {kind} \"{title}\" for {}",
        p["partner"]["name"].as_str().unwrap_or("no partner")
    );
    let text = format!(
        "A {what} {kind} awaits review: \"{title}\", submitted by {who} for {partner}.\n\n\
         Item:         {kind} \"{title}\" ({id})\n\
         Partner:      {partner}\n\
         Submitted by: {who}\n\
         Submitted at: {at}\n\
         Review it:    GET {path}\n\
         Approve:      POST {approve}\n\
         Reject:       POST {reject} {{\"reason\": \"…\"}}\n\
         All pending:  GET {queue}\n\
         Event:        {event} ({event_id})\n\n\
         -- Twincast\n",
        id = str_of(&p["item"]["id"]),
        at = str_of(&p["at"]),
        path = str_of(&p["review"]["path"]),
        approve = str_of(&p["review"]["approve"]),
        reject = str_of(&p["review"]["reject"]),
        queue = str_of(&p["review"]["queue"]),
        event = str_of(&p["event"]),
        event_id = str_of(&p["id"]),
    );
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_names_partner_kind_title_submitter_and_path() {
        let p = serde_json::json!({"id": "e1", "event": PENDING_EVENT,
            "item": {"kind": "campaign", "id": "c1", "title": "Summer fair"}, "change": "create",
            "partner": {"slug": "akashi", "name": "Akashi"},
            "submitted_by": {"id": "u1", "username": "ed"}, "at": "2026-11-30T10:00:00Z",
            "review": {"path": "/api/v1/campaigns/c1", "approve": "/api/v1/campaigns/c1/approve",
                       "reject": "/api/v1/campaigns/c1/reject", "queue": "/api/v1/moderation/pending"}});
        let (subject, text) = email_text(&p);
        assert_eq!(
            subject,
            "Pending review: campaign \"Summer fair\" for Akashi"
        );
        assert!(
            text.contains("A new campaign awaits review: \"Summer fair\", submitted by ed for Akashi (akashi)"),
            "{text}"
        );
        assert!(text.contains("POST /api/v1/campaigns/c1/approve"), "{text}");
    }
}
