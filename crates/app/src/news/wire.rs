//! The wire import: sources (RSS, Atom, JSON Feed, ninjs) that news editors and admins subscribe to, polled on
//! their persisted schedule by the [`WirePoller`] worker (or at once, "poll now"), each item stored once per
//! (source, original id) with its provenance, published at once or put in review as the source says.
//!
//! A fetch is bounded: http(s) only, at most [`MAX_REDIRECTS`] redirects (to http(s) only), a timeout, at most
//! `MAX_FEED_BYTES` read (no compression is asked for), conditional (`If-None-Match`, `If-Modified-Since`). The
//! bytes are read by `twincast_core::news::wire`. Whatever goes wrong is recorded on the source as a stable code and
//! a message; nothing else (other sources, stories imported before) is touched by a failed poll.
//!
//! **Updates**: an item seen again with different content updates its story only while the story is still at the
//! version the import wrote — once a person edits, publishes, sends back or withdraws it, the desk's word wins and
//! the item is left alone. A story a person deleted is not imported again (its item row stays).

use super::check;
use super::wire_fetch::{fetch, Fetched};
use crate::access::Actor;
use crate::audit::{AuditEntry, Audited};
use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use sha2::{Digest, Sha256};
use std::time::Duration;
use twincast_core::news::rules::{self, TAGS_MAX};
use twincast_core::news::wire::{self as core_wire, Format, WireError};
use twincast_core::news::State;
use twincast_store::{
    NewsArticleInput, NewsSource, NewsVersion, Role, StoreError, WireItem, WirePollRecord,
    WireProblem, WireSource, WireSourceInput,
};

/// Redirects followed before a fetch is refused.
pub use crate::outbound::MAX_REDIRECTS;
/// The moderation modes of a source.
pub const MODERATION: [&str; 2] = ["auto-publish", "review"];

/// How fetches are bounded.
#[derive(Debug, Clone)]
pub struct WireSettings {
    /// How long one fetch may take, connecting and reading included.
    pub timeout: Duration,
}

impl Default for WireSettings {
    fn default() -> Self {
        WireSettings {
            timeout: Duration::from_secs(20),
        }
    }
}

fn may_manage(actor: &Actor) -> AppResult<()> {
    match actor.user.role {
        Role::Admin | Role::NewsEditor => Ok(()),
        other => Err(AppError::forbidden(format!(
            "wire sources are managed by news editors and admins, not by the role {}",
            other.as_str()
        ))),
    }
}

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::missing("source-not-found", "no such wire source"),
        other => other.into(),
    }
}

fn bad(field: &str, code: &'static str, message: String) -> AppError {
    AppError::invalid(code, message).with_member("field", field.into())
}

/// Checks a source's fields; the first failure is reported with its field.
pub fn check_source(s: &WireSourceInput) -> AppResult<()> {
    let at = |field: &str, r| check::field_error_if(field, r);
    at("name", rules::text("name", &s.name, 100, true, false))?;
    at("url", rules::url("url", &s.url))?;
    if Format::parse(&s.format).is_none() {
        return Err(bad(
            "format",
            "invalid-format",
            format!(
                "format: {:?} is not one of {}",
                s.format,
                Format::ALL.join(", ")
            ),
        ));
    }
    if !s.lang.is_empty() {
        at("lang", rules::lang("lang", &s.lang))?;
    }
    at("rubric", rules::rubric("rubric", &s.rubric))?;
    if s.tags.len() > TAGS_MAX {
        return Err(bad(
            "tags",
            "invalid-tag",
            format!("tags: at most {TAGS_MAX}"),
        ));
    }
    for (i, t) in s.tags.iter().enumerate() {
        let f = format!("tags[{i}]");
        at(&f, rules::tag(&f, t))?;
    }
    if !MODERATION.contains(&s.moderation.as_str()) {
        return Err(bad(
            "moderation",
            "invalid-moderation",
            format!(
                "moderation: {:?} is neither auto-publish nor review",
                s.moderation
            ),
        ));
    }
    if !(60..=86_400).contains(&s.interval_secs) {
        return Err(bad(
            "interval_secs",
            "invalid-interval",
            "interval_secs: between 60 (a minute) and 86400 (a day)".into(),
        ));
    }
    Ok(())
}

fn name_taken(e: StoreError, name: &str) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::conflict(
            "duplicate-source",
            format!("a wire source is already named {name:?}"),
        )
        .with_member("field", "name".into()),
        other => not_found(other),
    }
}

impl App {
    /// Every wire source with its schedule and last outcome (news editors, admins).
    pub async fn wire_sources(&self, actor: &Actor) -> AppResult<Vec<WireSource>> {
        may_manage(actor)?;
        Ok(self.store.wire_sources(self.now_ms()).await?)
    }

    /// One wire source.
    pub async fn wire_source(&self, actor: &Actor, id: &str) -> AppResult<WireSource> {
        may_manage(actor)?;
        self.store
            .wire_source(id, self.now_ms())
            .await
            .map_err(not_found)
    }

    /// Adds a wire source; it is due at once.
    pub async fn create_wire_source(
        &self,
        actor: &Actor,
        input: &WireSourceInput,
    ) -> AppResult<WireSource> {
        may_manage(actor)?;
        check_source(input)?;
        let entry = self.audit(actor, "news.source.create", "").created(input);
        let s = self
            .store
            .create_wire_source(input, &actor.user.id, &entry)
            .await
            .map_err(|e| name_taken(e, &input.name))?;
        Ok(s)
    }

    /// Replaces a source's settings (if still at `if_match`); it is due at once again.
    pub async fn update_wire_source(
        &self,
        actor: &Actor,
        id: &str,
        input: &WireSourceInput,
        if_match: Option<i64>,
    ) -> AppResult<WireSource> {
        may_manage(actor)?;
        let current = self.wire_source(actor, id).await?;
        check_source(input)?;
        let entry = self
            .audit(actor, "news.source.update", id)
            .diff(&current.input, input);
        self.store
            .update_wire_source(id, input, revision::expected(if_match), &entry)
            .await
            .map_err(|e| name_taken(e, &input.name))
    }

    /// Deletes a source (if still at `if_match`); the stories imported from it stay.
    pub async fn delete_wire_source(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        may_manage(actor)?;
        let current = self.wire_source(actor, id).await?;
        let entry = self
            .audit(actor, "news.source.delete", id)
            .deleted(&current.input);
        self.store
            .delete_wire_source(id, revision::expected(if_match), &entry)
            .await
            .map_err(not_found)
    }

    /// The items imported from a source (provenance: original id, URL, when fetched, the story), newest first.
    pub async fn wire_items(
        &self,
        actor: &Actor,
        id: &str,
        limit: i64,
    ) -> AppResult<Vec<WireItem>> {
        self.wire_source(actor, id).await?;
        Ok(self.store.wire_items(id, limit.clamp(1, 500)).await?)
    }

    /// Polls a source now (whatever its schedule, enabled or not) and returns it with the outcome. A poll of it
    /// already running (by the worker) is waited for first; `poll-in-progress` if it does not end in time.
    pub async fn poll_wire_source_now(&self, actor: &Actor, id: &str) -> AppResult<WireSource> {
        self.wire_source(actor, id).await?;
        let src = crate::polled::claim_now(
            self,
            self.settings.news_wire.timeout,
            |now, until| self.store.claim_wire_source(Some(id), now, until),
            not_found,
        )
        .await?;
        let entry = self.audit(actor, "news.source.poll", id);
        self.poll_claimed(&src, Some(entry)).await?;
        Ok(self.store.wire_source(id, self.now_ms()).await?)
    }

    /// Polls the enabled source due longest, if any: `false` when none is due.
    pub async fn poll_due_wire_source(&self) -> AppResult<bool> {
        crate::polled::poll_due(
            self,
            self.settings.news_wire.timeout,
            |now, until| self.store.claim_wire_source(None, now, until),
            |src| async move { self.poll_claimed(&src, None).await },
        )
        .await
    }

    /// Fetches, reads and imports a claimed source, then records the outcome and releases it.
    /// `asked`: the audit entry of a poll someone asked for ("poll now"); its outcome is added to it.
    async fn poll_claimed(&self, src: &WireSource, asked: Option<AuditEntry>) -> AppResult<()> {
        let mut record = WirePollRecord {
            outcome: "ok".into(),
            ..WirePollRecord::default()
        };
        match fetch(src, &self.settings.news_wire, &self.settings.outbound).await {
            Err(e) => {
                record.outcome = "failed".into();
                record.error = Some(problem(&e));
            }
            Ok(Fetched::NotModified) => record.outcome = "not-modified".into(),
            Ok(Fetched::Body {
                bytes,
                content_type,
                etag,
                last_modified,
            }) => {
                let format = Format::parse(&src.input.format).unwrap_or(Format::Auto);
                let parsed = tokio::task::spawn_blocking(move || {
                    core_wire::parse(&bytes, content_type.as_deref(), format)
                })
                .await
                .unwrap_or_else(|_| {
                    Err(WireError::new(
                        "malformed-feed",
                        "the feed could not be read",
                    ))
                });
                match parsed {
                    Err(e) => {
                        record.outcome = "failed".into();
                        record.error = Some(problem(&e));
                    }
                    Ok(feed) => {
                        // Validators are kept only from a feed that was read: a broken one is fetched whole again.
                        record.etag = etag;
                        record.last_modified = last_modified;
                        if let Err(e) = self.import(src, &feed, &mut record).await {
                            // The stories written so far stay (each with its item row); the lease is released below.
                            tracing::error!(source = %src.id, error = %e, "wire import failed");
                            record.outcome = "failed".into();
                            record.error = Some(WireProblem {
                                code: "import-failed".into(),
                                message:
                                    "the feed was read, but its items could not all be stored; \
                                          the server's log says why"
                                        .into(),
                            });
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
                outcome = %record.outcome, "wire poll");
        }
        let entry = asked.map(|e| {
            e.field(
                "last_outcome",
                src.last_outcome.clone().into(),
                record.outcome.clone().into(),
            )
            .field(
                "created",
                serde_json::Value::Null,
                record.counts.created.into(),
            )
        });
        self.store
            .finish_wire_poll(&src.id, &record, entry.as_ref())
            .await?;
        if record.counts.created + record.counts.updated > 0 {
            self.portal_changed();
            // Published imports reach the desk's tickers (the store bumped the schedule version).
            self.emit(crate::ServerEvent::ScheduleChanged { screens: None });
        }
        Ok(())
    }

    async fn import(
        &self,
        src: &WireSource,
        feed: &core_wire::Feed,
        record: &mut WirePollRecord,
    ) -> AppResult<()> {
        let default_lang = Some(src.input.lang.as_str()).filter(|l| !l.is_empty());
        let mut first_skip: Option<WireProblem> = None;
        let mut skip = |record: &mut WirePollRecord, code: &str, message: String| {
            record.counts.skipped += 1;
            if first_skip.is_none() {
                first_skip = Some(WireProblem {
                    code: code.to_string(),
                    message,
                });
            }
        };
        record.counts.items = feed.items.len() as i64;
        for raw in &feed.items {
            let item = match core_wire::normalise(
                raw,
                feed.lang.as_deref(),
                default_lang,
                &src.input.tags,
            ) {
                Ok(i) => i,
                Err(s) => {
                    skip(record, s.code, s.message);
                    continue;
                }
            };
            let input = story_input(src, &item);
            if let Err(e) = check::check(&input) {
                skip(
                    record,
                    "invalid-item",
                    format!("the item {:?} does not make a story: {e}", item.original_id),
                );
                continue;
            }
            let now = self.now_ms();
            let hash = hex::encode(Sha256::digest(item.fingerprint().as_bytes()));
            let known = self.store.wire_item(&src.id, &item.original_id).await?;
            match known {
                Some(mut k) => {
                    k.fetched_at = now;
                    if k.content_hash == hash {
                        self.store.touch_wire_item(&k).await?;
                        continue;
                    }
                    let before = match self.store.news_article(&k.article_id).await {
                        Ok(a) => a,
                        // Deleted by a person: stays deleted.
                        Err(StoreError::NotFound) => {
                            self.store.touch_wire_item(&k).await?;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let entry = self
                        .audit_system("news.import-update", &k.article_id)
                        .diff(&before.input(), &input)
                        .field("wire_source", src.id.clone().into(), src.id.clone().into());
                    k.content_hash = hash;
                    if self
                        .store
                        .reimport_wire_story(&input, &k, &entry)
                        .await?
                        .is_some()
                    {
                        record.counts.updated += 1;
                    }
                }
                None => {
                    if self
                        .store
                        .news_by_source(&input.source.name, &item.original_id)
                        .await?
                        .is_some()
                    {
                        skip(
                            record,
                            "duplicate-wire-item",
                            format!(
                                "the item {:?} is on the desk already (stored by hand or by another source of the same name)",
                                item.original_id
                            ),
                        );
                        continue;
                    }
                    let (state, publish_at) = if src.input.moderation == "auto-publish" {
                        (State::Published, Some(now))
                    } else {
                        (State::InReview, None)
                    };
                    let provenance = WireItem {
                        source_id: src.id.clone(),
                        original_id: item.original_id.clone(),
                        article_id: String::new(),
                        url: item.url.clone(),
                        content_hash: hash,
                        article_version: 1,
                        first_fetched_at: now,
                        fetched_at: now,
                    };
                    let entry = self
                        .audit_system("news.import", "")
                        .created(&input)
                        .field(
                            "wire_source",
                            serde_json::Value::Null,
                            src.id.clone().into(),
                        )
                        .field("state", serde_json::Value::Null, state.as_str().into());
                    match self
                        .store
                        .import_wire_story(
                            &input,
                            state.as_str(),
                            publish_at,
                            &src.created_by,
                            &provenance,
                            &entry,
                        )
                        .await
                    {
                        Ok(_) => {
                            record.counts.created += 1;
                            record.counts.imported += 1;
                        }
                        // Another writer stored the same wire item between the look-up and the insert.
                        Err(StoreError::Conflict(_)) => skip(
                            record,
                            "duplicate-wire-item",
                            format!("the item {:?} is on the desk already", item.original_id),
                        ),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
        if let Some(p) = first_skip {
            record.outcome = "partial".into();
            record.error = Some(WireProblem {
                code: p.code,
                message: format!(
                    "{} of {} items skipped; the first: {}",
                    record.counts.skipped, record.counts.items, p.message
                ),
            });
        }
        Ok(())
    }
}

fn problem(e: &WireError) -> WireProblem {
    WireProblem {
        code: e.code.to_string(),
        message: e.message.clone(),
    }
}

/// The story an item becomes.
fn story_input(src: &WireSource, item: &core_wire::WireItem) -> NewsArticleInput {
    NewsArticleInput {
        rubric: src.input.rubric.clone(),
        tags: item.tags.clone(),
        dateline_date: item.dateline_date.clone(),
        source: NewsSource {
            kind: "wire".into(),
            name: src.input.name.clone(),
            original_id: Some(item.original_id.clone()),
            url: item.url.clone(),
        },
        versions: [(
            item.lang.to_string(),
            NewsVersion {
                headline: item.headline.clone(),
                short_headline: item.short_headline.clone(),
                lead: item.lead.clone(),
                body: item.body.clone(),
                ..NewsVersion::default()
            },
        )]
        .into(),
        ..NewsArticleInput::default()
    }
}

/// Polls due wire sources, one at a time (start more for parallelism: a source is claimed by one poll).
#[derive(Debug)]
pub struct WirePoller {
    app: App,
}

impl WirePoller {
    /// A poller over `app`'s sources.
    pub fn new(app: App) -> WirePoller {
        WirePoller { app }
    }
}

impl Worker for WirePoller {
    fn name(&self) -> String {
        "news-wire".into()
    }

    async fn work(&mut self) -> WorkerState {
        crate::polled::worker_state(self.app.poll_due_wire_source().await, "wire")
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(Duration::from_secs(5)).await
    }
}
