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
    report(stats, start, day)
}

/// [`simulate`], computing each distinct day once: a local day's result depends only on its length and on the
/// campaigns' and alerts' intervals within it relative to its midnight, so a day whose inputs equal an earlier
/// day's reuses that day's airtime (campaigns without recurrence or validity bounds in the window make every day
/// of the same length alike). Equal to [`simulate`] up to floating-point summation order.
pub fn simulate_repeating(
    screen: &Screen,
    campaigns: &[Campaign],
    alerts: &[Alert],
    from: Millis,
    days: u32,
) -> SimReport {
    let mut stats = Stats::default();
    let start = local_midnight(screen, from);
    let mut day = start;
    let mut seen: Vec<(Vec<i64>, Stats)> = Vec::new();
    let mut buf = Vec::new();
    for _ in 0..days {
        let next = next_midnight(screen, day);
        let key = day_key(screen, campaigns, alerts, day, next, &mut buf);
        let i = match seen.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                let mut one = Stats::default();
                run(screen, campaigns, alerts, day, next, Some(&mut one));
                seen.push((key, one));
                seen.len() - 1
            }
        };
        let one = &seen[i].1;
        stats.total += one.total;
        for (slug, &(ach, tgt)) in &one.per_partner {
            let e = stats.per_partner.entry(slug.clone()).or_default();
            e.0 += ach;
            e.1 += tgt;
        }
        day = next;
    }
    report(stats, start, day)
}

/// Everything a day's run depends on, relative to its start: its length, each eligible campaign's intervals and
/// each on-air alert's interval (by input position).
fn day_key(
    screen: &Screen,
    campaigns: &[Campaign],
    alerts: &[Alert],
    day: Millis,
    next: Millis,
    buf: &mut Vec<(Millis, Millis)>,
) -> Vec<i64> {
    let mut key = vec![next - day];
    for (i, c) in campaigns.iter().enumerate() {
        if c.items.is_empty() || !c.targets(screen) {
            continue;
        }
        buf.clear();
        c.active_intervals(screen, day, next, buf);
        for &(s, e) in buf.iter() {
            key.extend([i as i64, s - day, e - day]);
        }
    }
    key.push(-1);
    for (s, e, i) in crate::alert::on_air(alerts, screen, day, next) {
        key.extend([i as i64, s - day, e - day]);
    }
    key
}

fn report(stats: Stats, start: Millis, end: Millis) -> SimReport {
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
        to: end,
        total_seconds: total / 1000.0,
        partners,
    }
}
