//! The desk's tickers: a desk editor chooses once which screens (places, kinds, tags, groups) show which
//! published short headlines (rubrics, tags); from then on each screen's ticker zone runs the newest headlines in
//! the screen's language ([`twincast_core::news::ticker`]). The store turns tickers and visible headlines into
//! ticker-zone campaigns of the schedule catalog, so a story that is published, withdrawn or edited reaches the
//! screens like a campaign change: the schedule version bumps and every node pushes.
//!
//! Time alone also changes what is visible (a scheduled story's time comes, an embargo ends, a story expires):
//! [`TickerClock`] bumps the schedule version at those instants.

use crate::access::Actor;
use crate::audit::Audited;
use crate::background::{Worker, WorkerState};
use crate::error::{AppError, AppResult};
use crate::{revision, App, ServerEvent};
use std::time::Duration;
use twincast_core::campaign::Campaign;
use twincast_store::{NewsTicker, NewsTickerInput, Role, StoreError};

/// Who sets up tickers: the desk's editors (and admins and operators, who run the screens).
const TICKER_ROLES: [Role; 3] = [Role::Admin, Role::Operator, Role::NewsEditor];

fn not_found(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::missing("ticker-not-found", "no such ticker"),
        other => other.into(),
    }
}

impl App {
    /// Checks a ticker's settings: the core's field rules, the targets' geofence (as a campaign's) and that the
    /// screen groups it names exist.
    async fn checked_ticker(&self, t: &NewsTickerInput) -> AppResult<()> {
        let core = NewsTicker {
            id: String::new(),
            input: t.clone(),
            created_at: 0,
            updated_at: 0,
            version: 0,
        }
        .to_core();
        core.validate()?;
        let mut probe = Campaign::new("probe", "_network");
        probe.targets = t.targets.clone();
        probe.validate().map_err(|e| {
            AppError::invalid("invalid-targets", format!("targets: {e}"))
                .with_member("field", "targets".into())
        })?;
        for g in &t.targets.groups {
            match self.store.group(g).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(AppError::invalid(
                        "unknown-group",
                        format!("targets.groups: no screen group {g:?}"),
                    )
                    .with_member("field", "targets.groups".into()))
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Every ticker (desk editors, operators, admins).
    pub async fn news_tickers(&self, actor: &Actor) -> AppResult<Vec<NewsTicker>> {
        actor.require(&TICKER_ROLES)?;
        Ok(self.store.news_tickers().await?)
    }

    /// One ticker.
    pub async fn news_ticker(&self, actor: &Actor, id: &str) -> AppResult<NewsTicker> {
        actor.require(&TICKER_ROLES)?;
        self.store.news_ticker(id).await.map_err(not_found)
    }

    /// Sets up a ticker; the screens it targets hear of it at once.
    pub async fn create_news_ticker(
        &self,
        actor: &Actor,
        input: &NewsTickerInput,
    ) -> AppResult<NewsTicker> {
        actor.require(&TICKER_ROLES)?;
        self.checked_ticker(input).await?;
        let entry = self.audit(actor, "news_ticker.create", "").created(input);
        let t = self.store.create_news_ticker(input, &entry).await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(t)
    }

    /// Replaces a ticker's settings if still at `if_match`.
    pub async fn update_news_ticker(
        &self,
        actor: &Actor,
        id: &str,
        input: &NewsTickerInput,
        if_match: Option<i64>,
    ) -> AppResult<NewsTicker> {
        actor.require(&TICKER_ROLES)?;
        let current = self.store.news_ticker(id).await.map_err(not_found)?;
        self.checked_ticker(input).await?;
        let entry = self
            .audit(actor, "news_ticker.update", id)
            .diff(&current.input, input);
        let t = self
            .store
            .update_news_ticker(id, input, revision::expected(if_match), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(t)
    }

    /// Changes the fields a JSON merge patch names.
    pub async fn patch_news_ticker(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<NewsTicker> {
        actor.require(&TICKER_ROLES)?;
        let current = self.store.news_ticker(id).await.map_err(not_found)?;
        let input = revision::merge_patch(&current.input, patch)?;
        self.update_news_ticker(actor, id, &input, if_match).await
    }

    /// Removes a ticker if still at `if_match`; its screens lose its headlines at once.
    pub async fn delete_news_ticker(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&TICKER_ROLES)?;
        let current = self.store.news_ticker(id).await.map_err(not_found)?;
        let entry = self
            .audit(actor, "news_ticker.delete", id)
            .deleted(&current.input);
        self.store
            .delete_news_ticker(id, revision::expected(if_match), &entry)
            .await?;
        self.emit(ServerEvent::ScheduleChanged { screens: None });
        Ok(())
    }
}

/// The longest the clock sleeps before looking again for stories that were scheduled since on another node
/// (changes on this one wake it at once).
const LOOK_AGAIN: Duration = Duration::from_secs(30);

/// Bumps the schedule version when time alone changes which headlines are visible (a scheduled time comes, an
/// embargo ends, a story expires), so tickers change at that instant without anyone touching anything.
#[derive(Debug)]
pub struct TickerClock {
    app: App,
    /// Changes on this node (a story published with an expiry, say) wake the clock to look at once.
    events: tokio::sync::broadcast::Receiver<ServerEvent>,
    /// Instants up to here are handled.
    checked: i64,
    /// The next instant at which visibility changes, as last seen.
    due: Option<i64>,
}

impl TickerClock {
    /// A clock over `app`.
    pub fn new(app: App) -> TickerClock {
        let checked = app.now_ms();
        TickerClock {
            events: app.events.subscribe(),
            app,
            checked,
            due: None,
        }
    }

    async fn step(&mut self) -> AppResult<()> {
        let now = self.app.now_ms();
        // Anything that became due since the last look (including stories scheduled meanwhile).
        if let Some(t) = self.app.store.next_news_change(self.checked).await? {
            if t <= now {
                self.app.store.bump_schedule_version().await?;
                self.app
                    .emit(ServerEvent::ScheduleChanged { screens: None });
            }
        }
        self.checked = now;
        self.due = self.app.store.next_news_change(now).await?;
        Ok(())
    }
}

impl Worker for TickerClock {
    fn name(&self) -> String {
        "news-ticker-clock".into()
    }

    async fn work(&mut self) -> WorkerState {
        if let Err(e) = self.step().await {
            tracing::warn!(error = %e, "news ticker clock");
        }
        WorkerState::Idle
    }

    async fn wait_for_work(&mut self) {
        let now = self.app.now_ms();
        let wait = match self.due {
            Some(t) => Duration::from_millis(u64::try_from(t - now).unwrap_or(0)).min(LOOK_AGAIN),
            None => LOOK_AGAIN,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
            _ = self.events.recv() => {}
        }
    }
}
