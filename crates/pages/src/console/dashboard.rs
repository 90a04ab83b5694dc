//! The dashboard: screens online and offline by location, active alerts, items waiting for review and today's
//! airtime per partner.

use crate::session::Operator;
use crate::view::{page, Chrome, InLang, PageResult};
use crate::Pages;
use askama::Template;
use axum::extract::State;
use twincast_app::player::PlayReportQuery;
use twincast_store::LocationFleet;

/// One partner's airtime today.
pub struct Airtime {
    /// Partner slug.
    pub partner: String,
    /// Plays reported.
    pub plays: i64,
    /// Seconds played.
    pub seconds: i64,
    /// Share of all seconds played today (0..=1).
    pub share: f64,
    /// Share the schedule plans for the partner today (0..=1), if it plans any.
    pub target: Option<f64>,
}

/// An alert in force.
pub struct ActiveAlert {
    /// Headline.
    pub headline: String,
    /// Severity (CAP).
    pub severity: String,
    /// Sent at, epoch ms.
    pub sent: i64,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard<'a> {
    c: Chrome,
    /// Everything below the title, rendered ([`DashboardMain`]).
    main: &'a str,
    password_changed: bool,
}

/// The dashboard below its title. It depends only on the account's kept read and the language, so it is rendered
/// once per language for each kept read (a hundred locations' rows are most of the page), not on every request.
#[derive(Template)]
#[template(path = "console/dashboard_main.html")]
struct DashboardMain<'a> {
    c: &'a Chrome,
    locations: &'a [LocationFleet],
    online: i64,
    offline: i64,
    never_seen: i64,
    alerts: &'a [ActiveAlert],
    pending: Option<i64>,
    /// Stories waiting for review (the desk's roles; contributors: their own), at most 100 counted.
    stories_in_review: Option<i64>,
    /// Expressions of interest not handled yet (the catalogue's managers).
    new_interests: Option<i64>,
    airtime: &'a [Airtime],
    day_start: i64,
    /// Today's fairness notice (airtime on real plays deviates from the plan above the threshold).
    fairness: &'a Option<twincast_app::airtime::FairnessNotice>,
}

/// Today's planned airtime per partner, computed once per schedule version and day.
async fn planned(
    pages: &Pages,
    op: &Operator,
    day_start: i64,
) -> Result<Vec<twincast_app::schedule::PlannedShare>, twincast_app::AppError> {
    let version = pages.app.schedule_version().await?;
    if let Ok(guard) = pages.caches.planned.lock() {
        if let Some((v, d, shares)) = guard.as_ref() {
            if *v == version && *d == day_start {
                return Ok(shares.clone());
            }
        }
    }
    let (v, shares) = pages.app.planned_airtime(&op.actor, day_start).await?;
    if let Ok(mut guard) = pages.caches.planned.lock() {
        *guard = Some((v, day_start, shares.clone()));
    }
    Ok(shares)
}

/// What the dashboard shows, read for one account (kept for a moment: [`twincast_app::reads`]).
struct DashboardData {
    locations: Vec<LocationFleet>,
    alerts: Vec<ActiveAlert>,
    pending: Option<i64>,
    stories_in_review: Option<i64>,
    new_interests: Option<i64>,
    airtime: Vec<Airtime>,
    day_start: i64,
    fairness: Option<twincast_app::airtime::FairnessNotice>,
    /// [`DashboardMain`] rendered, by language (`Lang as usize`).
    rendered: [std::sync::OnceLock<String>; crate::i18n::Lang::ALL.len()],
}

/// `GET /console`.
pub async fn show(
    State(pages): State<Pages>,
    op: Operator,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    let tr = op.tr();
    let key = format!("console/dashboard\u{1f}{}", op.actor.user.id);
    let d = pages
        .app
        .reads
        .get_or_load(key, pages.app.now_ms(), || load(&pages, &op))
        .await
        .lang(tr)?;
    let c = Chrome::new(&op, "dashboard", "dashboard-title");
    let main = d.rendered[tr.lang as usize].get_or_init(|| {
        let main = DashboardMain {
            c: &c,
            online: d.locations.iter().map(|l| l.online).sum(),
            offline: d.locations.iter().map(|l| l.offline).sum(),
            never_seen: d.locations.iter().map(|l| l.never_seen).sum(),
            locations: &d.locations,
            alerts: &d.alerts,
            pending: d.pending,
            stories_in_review: d.stories_in_review,
            new_interests: d.new_interests,
            airtime: &d.airtime,
            day_start: d.day_start,
            fairness: &d.fairness,
        };
        main.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "dashboard template failed");
            String::new()
        })
    });
    Ok(page(&Dashboard {
        c,
        main,
        password_changed: q.as_deref() == Some("password=changed"),
    }))
}

/// Reads what the dashboard shows to `op`.
async fn load(pages: &Pages, op: &Operator) -> Result<DashboardData, twincast_app::AppError> {
    let app = &pages.app;
    let locations = pages.fleet_by_location().await?;
    let now = app.now_ms();
    let alerts = app
        .list_alerts(&op.actor)
        .await?
        .items
        .into_iter()
        .filter(|a| {
            a.cancelled_at.is_none()
                && a.effective.is_none_or(|t| t <= now)
                && a.expires.is_none_or(|t| t > now)
        })
        .map(|a| ActiveAlert {
            headline: a.headline,
            severity: a.severity,
            sent: a.sent,
        })
        .collect();
    // Viewers have no review queue.
    let pending = app
        .review_queue(&op.actor)
        .await
        .ok()
        .map(|q| q.items.len() as i64);
    // The desk's and the catalogue's cards, for the roles that work there (anyone else is refused: no card).
    let stories_in_review = app
        .list_news(
            &op.actor,
            &twincast_store::NewsFilter {
                state: Some("in_review".into()),
                ..Default::default()
            },
            &twincast_store::PageRequest {
                limit: 100,
                cursor: None,
            },
        )
        .await
        .ok()
        .map(|p| p.items.len() as i64);
    let new_interests = app
        .interests(
            &op.actor,
            Some(twincast_core::cooperation::InterestStatus::New),
        )
        .await
        .ok()
        .map(|v| v.len() as i64);
    let day_start = now - now.rem_euclid(86_400_000);
    let summary = app
        .plays_summary(
            &op.actor,
            &PlayReportQuery {
                from: Some(day_start),
                to: Some(now + 1),
                ..Default::default()
            },
        )
        .await?;
    let total = summary.seconds.max(1.0);
    let planned = planned(pages, op, day_start).await?;
    let mut airtime: Vec<Airtime> = summary
        .by_partner
        .iter()
        .map(|p| Airtime {
            partner: p.slug.clone(),
            plays: p.plays,
            seconds: p.seconds.round() as i64,
            share: p.seconds / total,
            target: planned
                .iter()
                .find(|s| s.partner == p.slug)
                .map(|s| s.share),
        })
        .collect();
    // Partners planned today that have not played yet.
    for s in &planned {
        if s.share > 0.0 && !airtime.iter().any(|a| a.partner == s.partner) {
            airtime.push(Airtime {
                partner: s.partner.clone(),
                plays: 0,
                seconds: 0,
                share: 0.0,
                target: Some(s.share),
            });
        }
    }
    airtime.sort_by(|a, b| b.seconds.cmp(&a.seconds).then(a.partner.cmp(&b.partner)));
    let fairness = app.fairness_notice(&op.actor).await?;
    Ok(DashboardData {
        locations,
        alerts,
        pending,
        stories_in_review,
        new_interests,
        airtime,
        day_start,
        fairness,
        rendered: Default::default(),
    })
}
