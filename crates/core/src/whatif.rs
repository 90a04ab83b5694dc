//! What-if: the airtime effect of a change to the schedule (a draft campaign added, changed or removed) on every
//! screen it affects, before and after, with summaries per location kind and for the network.
//!
//! ## Classes of screens
//! The engine's answer for a screen depends only on its time zone, on the campaigns that target it (as seen on its
//! orientation: content may differ per orientation) and on the alerts that target it; the screen id, name,
//! coordinates and everything else count only through targeting. Screens that agree on these *inputs* give
//! identical plans and identical shares, so [`whatif`] groups screens by their inputs before and after the change
//! and simulates each distinct input once ([`Job`]). Campaigns are compared by value, so a screen whose inputs
//! the change leaves equal (including every screen it does not target) is not affected and is not simulated at
//! all; a class the change does not touch reuses its "before" answer as its "after" answer.
//!
//! Targeting itself is computed once per distinct *targeting signature* (location, kind, tags, groups,
//! coordinates, orientation, zone; the screen id only when some campaign lists screens), as the player hub does.
//!
//! Each job is [`crate::simulate::simulate_repeating`] of a representative screen, which is equal to
//! [`crate::simulate::simulate`] of every screen of the class (property-tested in `tests/whatif.rs`).
//! [`whatif_with`] lets the caller run the jobs (e.g. on several threads); the answer does not depend on how.

use crate::alert::Alert;
use crate::campaign::{Campaign, Targets};
use crate::screen::{Orientation, Screen};
use crate::simulate::{simulate_repeating, SimReport};
use crate::Millis;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The inputs of [`whatif`].
#[derive(Debug, Clone, Copy)]
pub struct WhatIfInput<'a> {
    /// Every screen of the network.
    pub screens: &'a [Screen],
    /// The campaigns today, as seen on landscape (`[0]`) and portrait (`[1]`) screens.
    pub before: [&'a [Campaign]; 2],
    /// The campaigns if the change were made, per orientation like `before`.
    pub after: [&'a [Campaign]; 2],
    /// Every alert (the same before and after).
    pub alerts: &'a [Alert],
    /// Only screens this matches are reported (`None`: every screen).
    pub filter: Option<&'a Targets>,
    /// Simulations start at each screen's local midnight of the day containing this instant.
    pub from: Millis,
    /// Local days simulated.
    pub days: u32,
}

/// One partner's airtime before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareChange {
    /// Partner slug.
    pub slug: String,
    /// Share of campaign airtime before the change, fraction 0..=1.
    pub before_share: f64,
    /// Share of campaign airtime after the change, fraction 0..=1.
    pub after_share: f64,
    /// `after_share - before_share`.
    pub delta_share: f64,
    /// Airtime before, seconds (summed over the screens in summaries).
    pub before_seconds: f64,
    /// Airtime after, seconds (summed over the screens in summaries).
    pub after_seconds: f64,
}

/// Screens with identical engine inputs before and after the change, and their (identical) answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Screen ids, in input order.
    pub screens: Vec<String>,
    /// The screens' time zone.
    pub time_zone: String,
    /// Each screen's simulation before the change.
    pub before: SimReport,
    /// Each screen's simulation after the change.
    pub after: SimReport,
    /// Per partner, before and after (shares of one screen's airtime), sorted by slug.
    pub partners: Vec<ShareChange>,
}

/// Airtime before and after, summed over a set of screens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Location kind (`None` for the network-wide summary).
    pub location_kind: Option<String>,
    /// Screens summed.
    pub screens: usize,
    /// Campaign airtime of all these screens before, seconds.
    pub before_seconds: f64,
    /// Campaign airtime of all these screens after, seconds.
    pub after_seconds: f64,
    /// Per partner, sorted by slug.
    pub partners: Vec<ShareChange>,
}

/// The answer of [`whatif`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    /// The instant asked about (each class starts at its local midnight, see its reports' `from`).
    pub from: Millis,
    /// Local days simulated.
    pub days: u32,
    /// Screens affected (and matching the filter).
    pub screens: usize,
    /// Simulations computed (distinct engine inputs), for the curious.
    pub simulations: usize,
    /// The affected screens, by class of identical inputs, in order of their first screen.
    pub classes: Vec<ClassReport>,
    /// Summaries per location kind of the affected screens, sorted by kind.
    pub by_location_kind: Vec<Summary>,
    /// Summary over every affected screen.
    pub network: Summary,
}

/// One simulation to compute: the inputs of a class of screens.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// A screen of the class.
    pub screen: &'a Screen,
    /// The campaigns that target it (one version of the schedule).
    pub campaigns: Vec<Campaign>,
    /// Every alert.
    pub alerts: &'a [Alert],
    /// Start instant.
    pub from: Millis,
    /// Days.
    pub days: u32,
}

impl Job<'_> {
    /// The class's simulation ([`simulate_repeating`]).
    pub fn run(&self) -> SimReport {
        simulate_repeating(
            self.screen,
            &self.campaigns,
            self.alerts,
            self.from,
            self.days,
        )
    }
}

/// The engine inputs of a screen, by value: zone, campaign variants (interned), alerts (positions).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    tz: String,
    campaigns: Vec<u32>,
    alerts: Vec<u32>,
}

/// What targeting looks at (borrowed from the screen).
#[derive(PartialEq, Eq, Hash)]
struct Sig<'a> {
    id: &'a str,
    location: &'a str,
    kind: &'a str,
    tags: &'a [String],
    groups: &'a [String],
    lat: u64,
    lon: u64,
    tz: &'a str,
    o: usize,
}

/// Campaign values interned: equal campaigns (same id, same fields) get the same number.
#[derive(Default)]
struct Interner<'a> {
    by_id: HashMap<&'a str, Vec<u32>>,
    values: Vec<&'a Campaign>,
}

impl<'a> Interner<'a> {
    fn intern(&mut self, c: &'a Campaign) -> u32 {
        let ids = self.by_id.entry(c.id.as_str()).or_default();
        if let Some(&v) = ids.iter().find(|&&v| self.values[v as usize] == c) {
            return v;
        }
        let v = self.values.len() as u32;
        self.values.push(c);
        ids.push(v);
        v
    }
}

fn orientation_index(o: Orientation) -> usize {
    usize::from(o == Orientation::Portrait)
}

/// The classes of affected screens and the simulations they need.
struct Plan<'a> {
    jobs: Vec<Job<'a>>,
    /// (before job, after job, screen positions)
    classes: Vec<(usize, usize, Vec<usize>)>,
}

fn plan<'a>(input: &WhatIfInput<'a>, every_screen: bool) -> Plan<'a> {
    let mut interner = Interner::default();
    // variants[version][orientation][position]
    let variants: [[Vec<u32>; 2]; 2] = [input.before, input.after]
        .map(|lists| lists.map(|list| list.iter().map(|c| interner.intern(c)).collect()));
    let lists = [input.before, input.after];
    let ids_matter = lists
        .iter()
        .flatten()
        .flat_map(|l| l.iter())
        .any(|c| !c.targets.screens.is_empty());
    let mut jobs: Vec<Job<'a>> = Vec::new();
    let mut job_of: HashMap<Key, usize> = HashMap::new();
    let mut by_sig: HashMap<Sig<'a>, (usize, usize)> = HashMap::new();
    let mut class_of: HashMap<(usize, usize), usize> = HashMap::new();
    let mut classes: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    for (pos, s) in input.screens.iter().enumerate() {
        if input.filter.is_some_and(|f| !f.matches(s)) {
            continue;
        }
        let o = orientation_index(s.orientation);
        let sig = Sig {
            id: if ids_matter { s.id.as_str() } else { "" },
            location: &s.location_id,
            kind: &s.location_kind,
            tags: &s.tags,
            groups: &s.groups,
            lat: s.lat.to_bits(),
            lon: s.lon.to_bits(),
            tz: s.tz.name(),
            o,
        };
        let (jb, ja) = *by_sig.entry(sig).or_insert_with(|| {
            let alerts: Vec<u32> = input
                .alerts
                .iter()
                .enumerate()
                .filter(|(_, a)| a.targets(s))
                .map(|(i, _)| i as u32)
                .collect();
            [0, 1]
                .map(|v| {
                    let mut campaigns: Vec<u32> = lists[v][o]
                        .iter()
                        .zip(&variants[v][o])
                        .filter(|(c, _)| c.targets(s))
                        .map(|(_, &k)| k)
                        .collect();
                    campaigns.sort_unstable();
                    let key = Key {
                        tz: s.tz.name().to_string(),
                        campaigns,
                        alerts: alerts.clone(),
                    };
                    *job_of.entry(key).or_insert_with_key(|key| {
                        jobs.push(Job {
                            screen: s,
                            campaigns: key
                                .campaigns
                                .iter()
                                .map(|&k| interner.values[k as usize].clone())
                                .collect(),
                            alerts: input.alerts,
                            from: input.from,
                            days: input.days,
                        });
                        jobs.len() - 1
                    })
                })
                .into()
        });
        if jb == ja && !every_screen {
            continue; // the change leaves this screen's inputs as they are
        }
        let c = *class_of.entry((jb, ja)).or_insert_with(|| {
            classes.push((jb, ja, Vec::new()));
            classes.len() - 1
        });
        classes[c].2.push(pos);
    }
    // Only the jobs some class needs.
    let mut used = vec![false; jobs.len()];
    for (b, a, _) in &classes {
        used[*b] = true;
        used[*a] = true;
    }
    let mut renumber = vec![usize::MAX; jobs.len()];
    let mut kept = Vec::new();
    for (i, job) in jobs.into_iter().enumerate() {
        if used[i] {
            renumber[i] = kept.len();
            kept.push(job);
        }
    }
    for (b, a, _) in &mut classes {
        *b = renumber[*b];
        *a = renumber[*a];
    }
    Plan {
        jobs: kept,
        classes,
    }
}

/// The what-if answer, running the simulations one after the other.
pub fn whatif(input: &WhatIfInput<'_>) -> WhatIf {
    whatif_with(input, |jobs| jobs.iter().map(Job::run).collect())
}

/// The what-if answer; `run` computes [`Job::run`] for every job given, in order (on as many threads as it
/// likes). Panics if `run` returns another number of reports than jobs.
pub fn whatif_with(
    input: &WhatIfInput<'_>,
    run: impl FnOnce(&[Job<'_>]) -> Vec<SimReport>,
) -> WhatIf {
    report(input, plan(input, false), run)
}

/// The plan itself, with no change: like [`whatif_with`] with `after` equal to `before`, except that every screen
/// (the filter's) is reported, where a change reports only the screens it touches. `before_share` is then each
/// partner's planned share (the dashboard's target, fairness on real plays).
pub fn planned_with(
    input: &WhatIfInput<'_>,
    run: impl FnOnce(&[Job<'_>]) -> Vec<SimReport>,
) -> WhatIf {
    let same = WhatIfInput {
        after: input.before,
        ..*input
    };
    report(&same, plan(&same, true), run)
}

fn report(
    input: &WhatIfInput<'_>,
    plan: Plan<'_>,
    run: impl FnOnce(&[Job<'_>]) -> Vec<SimReport>,
) -> WhatIf {
    let results = run(&plan.jobs);
    assert_eq!(results.len(), plan.jobs.len(), "one report per job");
    let mut kinds: BTreeMap<String, Acc> = BTreeMap::new();
    let mut network = Acc::default();
    let mut classes = Vec::with_capacity(plan.classes.len());
    let mut screens = 0;
    for (b, a, members) in plan.classes {
        let (before, after) = (&results[b], &results[a]);
        let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for &p in &members {
            *per_kind
                .entry(input.screens[p].location_kind.as_str())
                .or_default() += 1;
        }
        for (kind, n) in per_kind {
            kinds
                .entry(kind.to_string())
                .or_default()
                .add(before, after, n);
            network.add(before, after, n);
        }
        screens += members.len();
        let mut one = Acc::default();
        one.add(before, after, 1);
        classes.push(ClassReport {
            time_zone: input.screens[members[0]].tz.name().to_string(),
            screens: members
                .iter()
                .map(|&p| input.screens[p].id.clone())
                .collect(),
            before: before.clone(),
            after: after.clone(),
            partners: one.changes(),
        });
    }
    WhatIf {
        from: input.from,
        days: input.days,
        screens,
        simulations: results.len(),
        classes,
        by_location_kind: kinds
            .into_iter()
            .map(|(kind, acc)| acc.summary(Some(kind)))
            .collect(),
        network: network.summary(None),
    }
}

/// Seconds before/after per partner and in total, over some screens.
#[derive(Default)]
struct Acc {
    screens: usize,
    before: f64,
    after: f64,
    partners: BTreeMap<String, (f64, f64)>,
}

impl Acc {
    fn add(&mut self, before: &SimReport, after: &SimReport, n: usize) {
        let k = n as f64;
        self.screens += n;
        self.before += before.total_seconds * k;
        self.after += after.total_seconds * k;
        for p in &before.partners {
            self.partners.entry(p.slug.clone()).or_default().0 += p.seconds * k;
        }
        for p in &after.partners {
            self.partners.entry(p.slug.clone()).or_default().1 += p.seconds * k;
        }
    }

    fn changes(&self) -> Vec<ShareChange> {
        let share = |s: f64, total: f64| if total > 0.0 { s / total } else { 0.0 };
        self.partners
            .iter()
            .map(|(slug, &(b, a))| {
                let (before_share, after_share) = (share(b, self.before), share(a, self.after));
                ShareChange {
                    slug: slug.clone(),
                    before_share,
                    after_share,
                    delta_share: after_share - before_share,
                    before_seconds: b,
                    after_seconds: a,
                }
            })
            .collect()
    }

    fn summary(self, location_kind: Option<String>) -> Summary {
        Summary {
            location_kind,
            screens: self.screens,
            before_seconds: self.before,
            after_seconds: self.after,
            partners: self.changes(),
        }
    }
}
