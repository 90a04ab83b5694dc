//! Simulate: each partner's target share versus achieved share of campaign airtime on a screen over N days.
//!
//! Days are the screen's local days starting at the local midnight of `from` (each planned with
//! [`crate::engine::plan_day`]'s anchoring). *Target* airtime is accumulated while playing: each stretch of
//! campaign airtime is split between the partners eligible at the winning priority at that time, in proportion to
//! their weights; *achieved* airtime is what the engine actually played. Both are divided by total campaign
//! airtime (alert time and idle gaps excluded), so shares are fractions that sum to 1.

use crate::alert::Alert;
use crate::campaign::Campaign;
use crate::engine::{local_midnight, next_midnight, run, Stats};
use crate::screen::Screen;
use crate::Millis;
use serde::{Deserialize, Serialize};

/// One partner's shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerShare {
    /// Partner slug.
    pub slug: String,
    /// Fair share of airtime, fraction 0..=1.
    pub target_share: f64,
    /// Airtime actually given, fraction 0..=1.
    pub achieved_share: f64,
    /// Airtime actually given, seconds.
    pub seconds: f64,
}

/// The answer of [`simulate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimReport {
    /// Start (local midnight of the first day), epoch ms.
    pub from: Millis,
    /// End, epoch ms.
    pub to: Millis,
    /// Total campaign airtime, seconds.
    pub total_seconds: f64,
    /// Partners sorted by slug.
    pub partners: Vec<PartnerShare>,
}

/// Simulates `days` local days of `screen` starting with the day containing `from`.
pub fn simulate(
    screen: &Screen,
    campaigns: &[Campaign],
    alerts: &[Alert],
    from: Millis,
    days: u32,
) -> SimReport {
    let mut stats = Stats::default();
    let start = local_midnight(screen, from);
    let mut day = start;
    for _ in 0..days {
        let next = next_midnight(screen, day);
        run(screen, campaigns, alerts, day, next, Some(&mut stats));
        day = next;
    }
    let total = stats.total;
    let mut partners: Vec<PartnerShare> = stats
        .per_partner
        .into_iter()
        .map(|(slug, (ach, tgt))| PartnerShare {
            slug,
            target_share: if total > 0.0 { tgt / total } else { 0.0 },
            achieved_share: if total > 0.0 { ach / total } else { 0.0 },
            seconds: ach / 1000.0,
        })
        .collect();
    partners.sort_by(|a, b| a.slug.cmp(&b.slug));
    SimReport {
        from: start,
        to: day,
        total_seconds: total / 1000.0,
        partners,
    }
}
