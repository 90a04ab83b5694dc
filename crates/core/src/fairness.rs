//! Fair rotation within a priority level: **start-time fair queueing** (SFQ, Goyal, Vin & Cheng, 1996) with a
//! bounded "no back-to-back" rule.
//!
//! ## Algorithm
//! Each lane (a partner on a screen, or a campaign within a partner) has a weight `w` and a virtual start tag
//! `S`. To choose what plays next, take the active lane with the smallest `S` (ties: lowest lane index, so the
//! result is deterministic). After it plays for `l` milliseconds, `S += l / w`. The queue's virtual time `V` is
//! the tag of the lane last picked; a lane that becomes active gets `S = max(S, V)`, so idle time earns no credit
//! and a newcomer cannot starve the others.
//!
//! *No back-to-back:* if the smallest tag belongs to the lane that played last, the next-smallest lane `b` plays
//! instead when `S_b <= S_min + l_b / w_b` (it is at most one of its own items ahead). Otherwise the repeat is
//! unavoidable without breaking the shares (e.g. weights 3:1 with only two partners) and the same lane plays
//! again.
//!
//! ## Guarantee
//! For any two lanes `i`, `j` that are both active over an interval, the normalised airtimes they receive there
//! differ by a constant: `|W_i/w_i - W_j/w_j| <= 2 (L_i/w_i + L_j/w_j)`, where `L` is a lane's longest item (SFQ's
//! bound is `L_i/w_i + L_j/w_j`; the back-to-back rule can put a lane at most one extra item ahead). The bound does
//! not grow with time, so over an interval of length `T` each lane's share of airtime converges to
//! `w_i / Σ w` with an error of `O(L/T)`: with 60 s items, a day holds shares to well under one percentage point.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy)]
struct Lane {
    tag: f64,
    weight: f64,
    active: bool,
    gen: u32,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: f64,
    lane: usize,
    gen: u32,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Self) -> Ordering {
        self.tag
            .total_cmp(&o.tag)
            .then(self.lane.cmp(&o.lane))
            .then(self.gen.cmp(&o.gen))
    }
}

/// A start-time fair queue over lanes `0..n` (see the module docs).
///
/// Usage: [`activate`](Self::activate) lanes, then repeatedly [`pick`](Self::pick) a lane and
/// [`charge`](Self::charge) it with the milliseconds it actually played.
#[derive(Debug, Clone, Default)]
pub struct FairQueue {
    lanes: Vec<Lane>,
    heap: BinaryHeap<Reverse<Entry>>,
    vtime: f64,
    last: Option<usize>,
    picked: Option<usize>,
    /// Whether the picked lane's entry is still on top of the heap.
    at_top: bool,
}

impl FairQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    fn lane_mut(&mut self, lane: usize) -> &mut Lane {
        if lane >= self.lanes.len() {
            self.lanes.resize(
                lane + 1,
                Lane {
                    tag: 0.0,
                    weight: 1.0,
                    active: false,
                    gen: 0,
                },
            );
        }
        &mut self.lanes[lane]
    }

    fn sane(weight: f64) -> f64 {
        if weight.is_finite() && weight > 0.0 {
            weight
        } else {
            1.0
        }
    }

    /// Makes `lane` eligible with `weight` (non-positive or non-finite weights count as 1). If it already is,
    /// only the weight changes.
    pub fn activate(&mut self, lane: usize, weight: f64) {
        let vtime = self.vtime;
        let l = self.lane_mut(lane);
        l.weight = Self::sane(weight);
        if l.active {
            return;
        }
        l.active = true;
        l.tag = l.tag.max(vtime);
        l.gen = l.gen.wrapping_add(1);
        let e = Entry {
            tag: l.tag,
            lane,
            gen: l.gen,
        };
        if self.picked == Some(lane) {
            // Re-activated between pick and charge: `charge` queues the fresh entry.
            self.at_top = false;
        } else {
            self.heap.push(Reverse(e));
        }
    }

    /// Changes the weight of a lane.
    pub fn set_weight(&mut self, lane: usize, weight: f64) {
        self.lane_mut(lane).weight = Self::sane(weight);
    }

    /// Makes `lane` ineligible; it keeps its tag.
    pub fn deactivate(&mut self, lane: usize) {
        if lane < self.lanes.len() {
            let l = &mut self.lanes[lane];
            l.active = false;
            l.gen = l.gen.wrapping_add(1);
            if self.picked == Some(lane) {
                self.at_top = false;
            }
        }
    }

    /// Whether `lane` is active.
    pub fn is_active(&self, lane: usize) -> bool {
        self.lanes.get(lane).is_some_and(|l| l.active)
    }

    /// Weight of `lane` (1 if never set).
    pub fn weight(&self, lane: usize) -> f64 {
        self.lanes.get(lane).map_or(1.0, |l| l.weight)
    }

    /// Drops stale entries from the top of the heap.
    fn clean_top(&mut self) {
        while let Some(Reverse(e)) = self.heap.peek() {
            let l = &self.lanes[e.lane];
            if l.active && l.gen == e.gen {
                return;
            }
            self.heap.pop();
        }
    }

    /// Chooses the next lane to play, or `None` if no lane is active. `next_len(lane)` is the length in ms of the
    /// item that lane would play next (used by the no-back-to-back rule). Must be followed by
    /// [`charge`](Self::charge) for the returned lane before the next pick.
    pub fn pick(&mut self, next_len: impl Fn(usize) -> i64) -> Option<usize> {
        if let Some(p) = self.picked {
            // A pick without charge: charge nothing.
            self.charge(p, 0);
        }
        self.clean_top();
        let Reverse(a) = *self.heap.peek()?;
        let mut chosen = a;
        self.at_top = true;
        if self.last == Some(a.lane) {
            self.heap.pop();
            self.clean_top();
            if let Some(&Reverse(b)) = self.heap.peek() {
                let wb = self.lanes[b.lane].weight;
                if b.tag <= a.tag + next_len(b.lane).max(0) as f64 / wb {
                    chosen = b;
                    self.heap.pop();
                    self.heap.push(Reverse(a));
                    self.at_top = false;
                }
            }
            if chosen.lane == a.lane {
                self.heap.push(Reverse(a));
            }
        }
        self.vtime = self.vtime.max(chosen.tag);
        self.picked = Some(chosen.lane);
        Some(chosen.lane)
    }

    /// Charges `lane` with `ms` of airtime and re-queues it (if still active).
    pub fn charge(&mut self, lane: usize, ms: i64) {
        let was_picked = self.picked == Some(lane);
        let at_top = was_picked && self.at_top;
        if was_picked {
            self.picked = None;
            self.at_top = false;
        }
        let l = self.lane_mut(lane);
        l.tag += ms.max(0) as f64 / l.weight;
        l.gen = l.gen.wrapping_add(1);
        let (active, e) = (
            l.active,
            Entry {
                tag: l.tag,
                lane,
                gen: l.gen,
            },
        );
        self.last = Some(lane);
        if at_top {
            // The picked entry is still on top of the heap: update it in place (one sift-down).
            if let Some(mut top) = self.heap.peek_mut() {
                if top.0.lane == lane {
                    if active {
                        top.0 = e;
                    } else {
                        std::collections::binary_heap::PeekMut::pop(top);
                    }
                    return;
                }
            }
        }
        if active {
            self.heap.push(Reverse(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(weights: &[f64], len: i64, n: usize) -> (Vec<i64>, usize) {
        let mut q = FairQueue::new();
        for (i, w) in weights.iter().enumerate() {
            q.activate(i, *w);
        }
        let mut air = vec![0; weights.len()];
        let mut repeats = 0;
        let mut last = None;
        for _ in 0..n {
            let l = q.pick(|_| len).unwrap();
            if last == Some(l) {
                repeats += 1;
            }
            last = Some(l);
            air[l] += len;
            q.charge(l, len);
        }
        (air, repeats)
    }

    #[test]
    fn equal_weights_alternate() {
        let (air, repeats) = run(&[1.0, 1.0, 1.0], 10, 300);
        assert_eq!(air, vec![1000, 1000, 1000]);
        assert_eq!(repeats, 0);
    }

    #[test]
    fn weighted_shares() {
        // Within the bound: at most a couple of items (10 ms each here) off the exact split.
        let (air, _) = run(&[3.0, 1.0], 10, 400);
        assert!(
            (air[0] - 3000).abs() <= 20 && air[0] + air[1] == 4000,
            "{air:?}"
        );
        let (air, repeats) = run(&[2.0, 1.0, 1.0], 10, 400);
        assert!(
            air.iter()
                .zip([2000, 1000, 1000])
                .all(|(a, e)| (a - e).abs() <= 20),
            "{air:?}"
        );
        assert_eq!(repeats, 0, "2:1:1 can always avoid repeats");
    }

    #[test]
    fn newcomer_gets_no_back_credit() {
        let mut q = FairQueue::new();
        q.activate(0, 1.0);
        for _ in 0..100 {
            let l = q.pick(|_| 10).unwrap();
            q.charge(l, 10);
        }
        q.activate(1, 1.0);
        let mut air = [0i64; 2];
        for _ in 0..100 {
            let l = q.pick(|_| 10).unwrap();
            air[l] += 10;
            q.charge(l, 10);
        }
        assert!((air[0] - air[1]).abs() <= 20, "{air:?}");
    }
}
