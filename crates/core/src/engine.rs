//! The play engine: `(screen, campaigns, alerts, [from, to)) -> Vec<Play>`.
//!
//! ## Rules
//! 1. A campaign is *eligible* on a screen at instant `t` when it targets the screen, has content, `t` is in its
//!    validity window and (if it has one) inside an occurrence of its recurrence in the screen's time zone.
//! 2. An on-air alert that targets the screen (see [`crate::alert`]) preempts everything: while one is on air the
//!    sequence holds alert plays only (the highest severity, then the latest sent, wins).
//! 3. Otherwise the highest priority among eligible campaigns wins; lower priorities never play meanwhile.
//! 4. Within the winning priority, partners rotate by weighted fair queueing ([`crate::fairness`]), a partner's
//!    campaigns rotate the same way, and a campaign plays its items in order, round robin.
//! 5. Plays are contiguous (no gaps) while anything is eligible and never overlap. A play is cut short
//!    (`truncated`) when, before its natural end, an alert starts, a higher priority becomes eligible, or its own
//!    campaign stops being eligible.
//!
//! The result depends only on the arguments (campaigns are ordered by id internally, so input order does not
//! matter). The rotation state starts fresh at `from`; [`plan_day`] anchors plans at the screen's local
//! midnight, which is what [`mod@crate::explain`] and [`mod@crate::simulate`] use.
//!
//! ## Cost
//! Occurrences are expanded once per campaign per call; the sweep then handles interval boundaries as events and
//! each play in `O(log n)`.

use crate::alert::{self, Alert};
use crate::campaign::{Campaign, ContentItem};
use crate::fairness::FairQueue;
use crate::screen::Screen;
use crate::Millis;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;

/// What a play shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayKind {
    /// A campaign item.
    Campaign,
    /// An emergency alert.
    Alert,
}

/// One entry of a play sequence, `[start, end)` in epoch ms. Strings borrow from the inputs; use
/// [`Play::into_owned`] to keep them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Play<'a> {
    /// Start, epoch ms (inclusive).
    pub start: Millis,
    /// End, epoch ms (exclusive).
    pub end: Millis,
    /// Campaign item or alert.
    pub kind: PlayKind,
    /// Partner slug (campaign plays).
    pub partner: Option<Cow<'a, str>>,
    /// Campaign id (campaign plays).
    pub campaign: Option<Cow<'a, str>>,
    /// Content item id (campaign plays).
    pub item: Option<Cow<'a, str>>,
    /// Media reference of the item (campaign plays).
    pub media: Option<Cow<'a, str>>,
    /// Alert id (alert plays).
    pub alert: Option<Cow<'a, str>>,
    /// Whether the play was cut before the item's natural end.
    pub truncated: bool,
}

impl Play<'_> {
    /// Detaches the play from the inputs.
    pub fn into_owned(self) -> Play<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|s| Cow::Owned(s.into_owned()));
        Play {
            start: self.start,
            end: self.end,
            kind: self.kind,
            partner: own(self.partner),
            campaign: own(self.campaign),
            item: own(self.item),
            media: own(self.media),
            alert: own(self.alert),
            truncated: self.truncated,
        }
    }
    /// Length in ms.
    pub fn duration(&self) -> i64 {
        self.end - self.start
    }
}

/// Computes the play sequence of `screen` over `[from, to)` (see the module docs).
pub fn plan<'a>(
    screen: &Screen,
    campaigns: &'a [Campaign],
    alerts: &'a [Alert],
    from: Millis,
    to: Millis,
) -> Vec<Play<'a>> {
    run(screen, campaigns, alerts, from, to, None)
}

/// Start of the local day (midnight in the screen's zone, or the first instant of the day if midnight falls in a
/// DST gap) containing `t`.
pub fn local_midnight(screen: &Screen, t: Millis) -> Millis {
    let Ok(ts) = jiff::Timestamp::from_millisecond(t) else {
        return t;
    };
    let z = ts.to_zoned_datetime(screen.tz.tz().clone());
    z.start_of_day()
        .map(|d| d.timestamp().as_millisecond())
        .unwrap_or(t)
}

/// Plans the local day of `screen` that contains `t`, from local midnight to the next one (23, 24 or 25 hours).
pub fn plan_day<'a>(
    screen: &Screen,
    campaigns: &'a [Campaign],
    alerts: &'a [Alert],
    t: Millis,
) -> Vec<Play<'a>> {
    let start = local_midnight(screen, t);
    let end = next_midnight(screen, start);
    plan(screen, campaigns, alerts, start, end)
}

/// Plans `[from, to)` as consecutive local days (each planned by [`plan_day`], so rotation restarts at each
/// local midnight) clipped to the window. Use this for manifests: the sequence then agrees with
/// [`explain`](crate::explain::explain) and [`simulate`](crate::simulate::simulate) for every instant.
pub fn plan_horizon<'a>(
    screen: &Screen,
    campaigns: &'a [Campaign],
    alerts: &'a [Alert],
    from: Millis,
    to: Millis,
) -> Vec<Play<'a>> {
    let mut out: Vec<Play<'a>> = Vec::new();
    let mut day = local_midnight(screen, from);
    while day < to {
        let next = next_midnight(screen, day);
        if next <= day {
            break;
        }
        for mut p in plan(screen, campaigns, alerts, day, next) {
            if p.end <= from || p.start >= to {
                continue;
            }
            if p.start < from {
                p.start = from; // joined mid-item
                p.truncated = true;
            }
            if p.end > to {
                p.end = to;
                p.truncated = true;
            }
            // Alert plays continue across midnight: merge them back into one.
            match out.last_mut() {
                Some(last)
                    if last.kind == PlayKind::Alert
                        && p.kind == PlayKind::Alert
                        && last.end == p.start
                        && last.alert == p.alert =>
                {
                    last.end = p.end;
                }
                _ => out.push(p),
            }
        }
        day = next;
    }
    out
}

pub(crate) fn next_midnight(screen: &Screen, midnight: Millis) -> Millis {
    let Ok(ts) = jiff::Timestamp::from_millisecond(midnight) else {
        return midnight + 86_400_000;
    };
    let z = ts.to_zoned_datetime(screen.tz.tz().clone());
    z.tomorrow()
        .and_then(|d| d.start_of_day())
        .map(|d| d.timestamp().as_millisecond())
        .unwrap_or(midnight + 86_400_000)
}

/// Airtime accounting collected during a run (for [`mod@crate::simulate`]).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// partner slug -> (achieved ms, target ms)
    pub per_partner: HashMap<String, (f64, f64)>,
    /// total campaign airtime in ms
    pub total: f64,
}

struct Cand<'a> {
    c: &'a Campaign,
    items: &'a [ContentItem],
    level: usize,
    group: usize,
    local: usize,
    weight: f64,
    max_item: i64,
}

struct Group {
    partner: usize,
    members: Vec<usize>,
    active: usize,
    weight: f64,
    queue: FairQueue,
    max_item: i64,
}

// Event kinds, in processing order at equal times.
const EV_END: u8 = 0;
const EV_ALERT_END: u8 = 1;
const EV_ALERT_START: u8 = 2;
const EV_START: u8 = 3;

pub(crate) fn run<'a>(
    screen: &Screen,
    campaigns: &'a [Campaign],
    alerts: &'a [Alert],
    from: Millis,
    to: Millis,
    mut stats: Option<&mut Stats>,
) -> Vec<Play<'a>> {
    let mut out = Vec::new();
    if from >= to {
        return out;
    }
    // Deterministic order: by id, then input position.
    let mut order: Vec<usize> = (0..campaigns.len()).collect();
    if !campaigns.is_sorted_by(|a, b| a.id <= b.id) {
        order.sort_by(|&a, &b| campaigns[a].id.cmp(&campaigns[b].id).then(a.cmp(&b)));
    }

    let mut events: Vec<(Millis, u8, u32)> = Vec::new();
    let mut cands: Vec<Cand<'a>> = Vec::new();
    let mut buf = Vec::new();
    for &ci in &order {
        let c = &campaigns[ci];
        if c.items.is_empty() || !c.targets(screen) {
            continue;
        }
        buf.clear();
        c.active_intervals(screen, from, to, &mut buf);
        if buf.is_empty() {
            continue;
        }
        let k = cands.len() as u32;
        for &(s, e) in &buf {
            events.push((s, EV_START, k));
            events.push((e, EV_END, k));
        }
        cands.push(Cand {
            c,
            items: &c.items,
            level: 0,
            group: 0,
            local: 0,
            weight: c.effective_weight(),
            max_item: c
                .items
                .iter()
                .map(|i| i.effective_duration())
                .max()
                .unwrap_or(1),
        });
    }
    let on_air = alert::on_air(alerts, screen, from, to);
    for (k, &(s, e, _)) in on_air.iter().enumerate() {
        events.push((s, EV_ALERT_START, k as u32));
        events.push((e, EV_ALERT_END, k as u32));
    }
    if events.is_empty() {
        return out;
    }
    events.sort_unstable();

    // Levels (distinct priorities ascending), partners (sorted slugs), groups (level, partner).
    let mut prios: Vec<i32> = cands.iter().map(|c| c.c.priority).collect();
    prios.sort_unstable();
    prios.dedup();
    // Partner indices in slug order (hash first, then sort the few distinct slugs).
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    let mut cand_partner: Vec<usize> = Vec::with_capacity(cands.len());
    let mut slugs: Vec<&str> = Vec::new();
    for cand in &cands {
        let n = first_seen.len();
        let i = *first_seen
            .entry(cand.c.partner.as_str())
            .or_insert_with(|| {
                slugs.push(cand.c.partner.as_str());
                n
            });
        cand_partner.push(i);
    }
    let mut by_slug: Vec<usize> = (0..slugs.len()).collect();
    by_slug.sort_unstable_by(|&a, &b| slugs[a].cmp(slugs[b]));
    let mut rank = vec![0usize; slugs.len()];
    for (r, &i) in by_slug.iter().enumerate() {
        rank[i] = r;
    }
    let slugs: Vec<&str> = by_slug.iter().map(|&i| slugs[i]).collect();
    let mut groups: Vec<Group> = Vec::new();
    let np = slugs.len();
    let mut group_of: Vec<usize> = vec![usize::MAX; prios.len() * np];
    for (k, cand) in cands.iter_mut().enumerate() {
        let level = prios.binary_search(&cand.c.priority).unwrap_or(0);
        let partner = rank[cand_partner[k]];
        if group_of[level * np + partner] == usize::MAX {
            group_of[level * np + partner] = groups.len();
            groups.push(Group {
                partner,
                members: Vec::new(),
                active: 0,
                weight: 0.0,
                queue: FairQueue::new(),
                max_item: 1,
            });
        }
        let g = group_of[level * np + partner];
        cand.level = level;
        cand.group = g;
        cand.local = groups[g].members.len();
        groups[g].members.push(k);
        groups[g].max_item = groups[g].max_item.max(cand.max_item);
    }
    let mut level_queues: Vec<FairQueue> = vec![FairQueue::new(); prios.len()];
    let mut level_count = vec![0usize; prios.len()];
    let mut level_groups: Vec<Vec<usize>> = vec![Vec::new(); prios.len()];
    for (g, grp) in groups.iter().enumerate() {
        level_groups[cands[grp.members[0]].level].push(g);
    }
    let mut active = vec![false; cands.len()];
    let mut cursor = vec![0usize; cands.len()];
    let mut alerts_on: Vec<usize> = Vec::new();
    let mut top: Option<usize> = None;
    let mut pending = 0.0f64; // campaign airtime since the last stats flush

    out.reserve(((to - from) / 10_000).clamp(16, 1 << 16) as usize);
    let mut ev = 0usize;
    let mut t = from;
    while t < to {
        // Apply events at or before t.
        if ev < events.len() && events[ev].0 <= t {
            if let (Some(st), Some(l)) = (stats.as_deref_mut(), top) {
                flush(st, &mut pending, &level_groups[l], &groups, &slugs);
            }
        }
        while ev < events.len() && events[ev].0 <= t {
            let (_, kind, k) = events[ev];
            let k = k as usize;
            ev += 1;
            match kind {
                EV_ALERT_START => alerts_on.push(k),
                EV_ALERT_END => alerts_on.retain(|&a| a != k),
                EV_START | EV_END => {
                    let on = kind == EV_START;
                    if active[k] == on {
                        continue;
                    }
                    active[k] = on;
                    let cand = &cands[k];
                    let grp = &mut groups[cand.group];
                    let lq = &mut level_queues[cand.level];
                    if on {
                        level_count[cand.level] += 1;
                        grp.active += 1;
                        grp.queue.activate(cand.local, cand.weight);
                        if cand.weight > grp.weight || grp.active == 1 {
                            grp.weight = if grp.active == 1 {
                                cand.weight
                            } else {
                                grp.weight.max(cand.weight)
                            };
                            lq.activate(grp.partner, grp.weight);
                        }
                        if top.is_none_or(|l| cand.level > l) {
                            top = Some(cand.level);
                        }
                    } else {
                        level_count[cand.level] -= 1;
                        grp.active -= 1;
                        grp.queue.deactivate(cand.local);
                        if grp.active == 0 {
                            grp.weight = 0.0;
                            lq.deactivate(grp.partner);
                        } else {
                            let w = grp
                                .members
                                .iter()
                                .filter(|&&m| active[m])
                                .map(|&m| cands[m].weight)
                                .fold(0.0, f64::max);
                            grp.weight = w;
                            lq.set_weight(grp.partner, w);
                        }
                        if top == Some(cand.level) && level_count[cand.level] == 0 {
                            top = (0..cand.level).rev().find(|&l| level_count[l] > 0);
                        }
                    }
                }
                _ => {}
            }
        }
        let next_ev = events.get(ev).map_or(to, |e| e.0.min(to));

        // Alerts preempt everything.
        if let Some(&best) = alerts_on.iter().max_by(|&&a, &&b| {
            alert::precedence(&alerts[on_air[a].2]).cmp(&alert::precedence(&alerts[on_air[b].2]))
        }) {
            let a = &alerts[on_air[best].2];
            match out.last_mut() {
                Some(p)
                    if p.kind == PlayKind::Alert
                        && p.end == t
                        && p.alert.as_deref() == Some(a.id.as_str()) =>
                {
                    p.end = next_ev;
                }
                _ => out.push(Play {
                    start: t,
                    end: next_ev,
                    kind: PlayKind::Alert,
                    partner: None,
                    campaign: None,
                    item: None,
                    media: None,
                    alert: Some(Cow::Borrowed(a.id.as_str())),
                    truncated: false,
                }),
            }
            t = next_ev;
            continue;
        }
        let Some(level) = top else {
            t = next_ev; // gap: nothing eligible
            continue;
        };

        // Fair pick: partner, then campaign, then the next item.
        let lq = &mut level_queues[level];
        let Some(partner) = lq.pick(|p| {
            groups
                .get(group_of[level * np + p])
                .map_or(1, |g| g.max_item)
        }) else {
            t = next_ev;
            continue;
        };
        let g = group_of[level * np + partner];
        let Group { members, queue, .. } = &mut groups[g];
        let Some(local) = queue.pick(|l| {
            let c = &cands[members[l]];
            c.items[cursor[members[l]]].effective_duration()
        }) else {
            lq.charge(partner, 0);
            t = next_ev;
            continue;
        };
        let k = groups[g].members[local];
        let cand = &cands[k];
        let item = &cand.items[cursor[k]];
        cursor[k] = if cursor[k] + 1 == cand.items.len() {
            0
        } else {
            cursor[k] + 1
        };
        let natural = t.saturating_add(item.effective_duration());
        let mut end = natural.min(to);
        // Preemption: scan the events before the natural end.
        for &(et, kind, ek) in &events[ev..] {
            if et >= end {
                break;
            }
            let cut = match kind {
                EV_ALERT_START => true,
                EV_START => cands[ek as usize].level > level,
                EV_END => ek as usize == k,
                _ => false,
            };
            if cut {
                end = et;
                break;
            }
        }
        let played = end - t;
        lq.charge(partner, played);
        groups[g].queue.charge(local, played);
        if let Some(st) = stats.as_deref_mut() {
            pending += played as f64;
            st.total += played as f64;
            st.per_partner
                .entry(slugs[partner].to_string())
                .or_default()
                .0 += played as f64;
        }
        out.push(Play {
            start: t,
            end,
            kind: PlayKind::Campaign,
            partner: Some(Cow::Borrowed(cand.c.partner.as_str())),
            campaign: Some(Cow::Borrowed(cand.c.id.as_str())),
            item: Some(Cow::Borrowed(item.id.as_str())),
            media: Some(Cow::Borrowed(item.media.as_str())),
            alert: None,
            truncated: end < natural,
        });
        t = end;
    }
    if let (Some(st), Some(l)) = (stats, top) {
        flush(st, &mut pending, &level_groups[l], &groups, &slugs);
    }
    out
}

/// Distributes `pending` campaign airtime as *target* airtime over the partners active at the top level, by weight.
fn flush(
    st: &mut Stats,
    pending: &mut f64,
    level_groups: &[usize],
    groups: &[Group],
    slugs: &[&str],
) {
    if *pending <= 0.0 {
        return;
    }
    let total_w: f64 = level_groups
        .iter()
        .map(|&g| &groups[g])
        .filter(|g| g.active > 0)
        .map(|g| g.weight)
        .sum();
    if total_w > 0.0 {
        for g in level_groups
            .iter()
            .map(|&g| &groups[g])
            .filter(|g| g.active > 0)
        {
            st.per_partner
                .entry(slugs[g.partner].to_string())
                .or_default()
                .1 += *pending * g.weight / total_w;
        }
    }
    *pending = 0.0;
}
