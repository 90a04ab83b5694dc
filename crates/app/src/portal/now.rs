//! "On the city's screens now": what the screens of each place are showing at this moment, as the engine plans
//! it. One screen stands for its place (the first active one by id); nothing about devices is exposed (no screen
//! ids, names, addresses or status).

use crate::error::{AppError, AppResult};
use crate::App;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use twincast_core as tc;
use twincast_store::ScheduleCatalog;

/// How long the answer is reused (ms): a play lasts seconds to minutes.
const NOW_TTL_MS: i64 = 5_000;

/// What one place's screens are showing.
#[derive(Debug, Clone, PartialEq)]
pub struct NowOnScreen {
    /// The place's name.
    pub place: String,
    /// Its kind (`airport`, `street`, `metro`, `bus_terminal`, …).
    pub kind: String,
    /// The partner whose content plays (slug); `None`: network content or an alert.
    pub partner: Option<String>,
    /// The media item playing, when it is a public video.
    pub video: Option<String>,
    /// An alert is on air there.
    pub alert: bool,
    /// When the current play ends (epoch ms).
    pub until: i64,
}

impl App {
    /// What each place's screens show now (places without active screens are left out), by place name; kept
    /// for a few seconds.
    pub async fn now_on_screens(&self) -> AppResult<Arc<Vec<NowOnScreen>>> {
        let now = self.now_ms();
        let kept = self.portal.now.lock().ok().and_then(|g| g.clone());
        if let Some((at, v)) = kept {
            if !(0..NOW_TTL_MS).contains(&(now - at))
                && !self.portal.now_refreshing.swap(true, Ordering::SeqCst)
            {
                // Stale: answer with it and work out the new answer once, in the background.
                let app = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = app.work_out_now().await {
                        tracing::warn!(error = %e, "what the screens show could not be worked out");
                    }
                    app.portal.now_refreshing.store(false, Ordering::SeqCst);
                });
            }
            return Ok(v);
        }
        self.work_out_now().await
    }

    async fn work_out_now(&self) -> AppResult<Arc<Vec<NowOnScreen>>> {
        let now = self.now_ms();
        let places = self
            .store
            .fleet_by_location(now - self.settings.offline_after_ms)
            .await?;
        let mut first: BTreeMap<String, tc::Screen> = BTreeMap::new();
        for (_, s) in self.store.all_core_screens().await? {
            match first.get(&s.location_id) {
                Some(f) if f.id <= s.id => {}
                _ => {
                    first.insert(s.location_id.clone(), s);
                }
            }
        }
        let catalog = self.store.schedule_catalog().await?;
        let mut out = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            for l in places {
                let Some(screen) = first.get(&l.id) else {
                    continue;
                };
                out.push(playing(screen, &catalog, l.name, l.kind, now));
            }
            out
        })
        .await
        .map_err(AppError::internal)?;
        out.sort_by(|a, b| a.place.cmp(&b.place));
        let out = Arc::new(out);
        if let Ok(mut g) = self.portal.now.lock() {
            *g = Some((now, out.clone()));
        }
        Ok(out)
    }
}

fn playing(
    screen: &tc::Screen,
    catalog: &ScheduleCatalog,
    place: String,
    kind: String,
    now: i64,
) -> NowOnScreen {
    let main = &catalog.main[ScheduleCatalog::index(screen.orientation)];
    let plays = tc::plan(screen, main, &catalog.alerts, now, now + 1_000);
    let play = plays.iter().find(|p| p.start <= now && now < p.end);
    NowOnScreen {
        place,
        kind,
        partner: play
            .and_then(|p| p.partner.as_deref())
            .filter(|p| !p.starts_with('_'))
            .map(str::to_string),
        video: play.and_then(|p| p.media.as_deref()).map(str::to_string),
        alert: play.is_some_and(|p| p.alert.is_some()),
        until: play.map(|p| p.end).unwrap_or(now),
    }
}
