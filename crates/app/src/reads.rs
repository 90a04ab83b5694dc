//! Reads the console repeats, kept for a moment: who a session is, and the data of the busiest pages (dashboard,
//! fleet table, media library).
//!
//! A console page is a session lookup and several queries; asked for again and again (an operator's reloads, a
//! wall display of the dashboard, several operators on the same table), it would read the same rows each time.
//! [`Reads`] keeps each result for at most [`Reads::ttl_ms`] (the `read_cache_ms` setting, 2 s by default; 0 turns
//! it off) and drops every one of them at once when a person changes something:
//!
//! - **Generation.** One counter, bumped by [`App::audit`](crate::App::audit) (every change a person makes builds its audit entry
//!   there, before the write) and by the front doors after every request that may change state
//!   ([`Reads::changed`]: the console's forms, the API's writes), i.e. *after* the write committed. An entry is used
//!   only while the counter is what it was before the entry was read, so whoever changed something sees the change
//!   on the next page, on this node.
//! - **Age.** What changes without a person — heartbeats (a screen's status), jobs' progress, the other nodes'
//!   writes — shows after at most the time to live, by the wall clock and by the app's clock both (a test clock
//!   moved forward expires entries too).
//! - **One load.** When an entry is only too old (not invalidated by a change), one request reloads it while the
//!   others keep the old value for that moment, so a burst of requests never reloads it many times at once.
//!
//! Keys are chosen by the caller and must contain everything the value depends on, the account first (so nobody
//! ever gets another account's view). The cache holds at most [`MAX_ENTRIES`] values; past that it starts again
//! empty.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many values the cache keeps before it empties itself.
pub const MAX_ENTRIES: usize = 4096;

type Value = Arc<dyn Any + Send + Sync>;

#[derive(Clone)]
struct Entry {
    generation: u64,
    at: Instant,
    at_ms: i64,
    value: Value,
    loading: bool,
}

/// The console's short-lived read cache (see the module documentation).
pub struct Reads {
    generation: AtomicU64,
    ttl_ms: i64,
    entries: Mutex<HashMap<String, Entry>>,
    /// Keys being loaded with nothing usable kept: later askers wait on the key's lock, then look again.
    loading: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads")
            .field("generation", &self.generation())
            .field("ttl_ms", &self.ttl_ms)
            .finish_non_exhaustive()
    }
}

impl Reads {
    /// A cache keeping values up to `ttl_ms` (0: keeps nothing).
    pub fn new(ttl_ms: i64) -> Reads {
        Reads {
            generation: AtomicU64::new(0),
            ttl_ms: ttl_ms.max(0),
            entries: Mutex::default(),
            loading: Mutex::default(),
        }
    }

    /// How long a value is kept, ms.
    pub fn ttl_ms(&self) -> i64 {
        self.ttl_ms
    }

    /// The current generation (changes whenever [`Reads::changed`] is called).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something may have changed: no value read before now is used again.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn fresh(&self, e: &Entry, now_ms: i64) -> bool {
        e.at.elapsed() < Duration::from_millis(self.ttl_ms as u64)
            && (0..self.ttl_ms).contains(&(now_ms - e.at_ms))
    }

    /// The value under `key`, read by `load` when there is none usable. `now_ms` is the app's clock. Errors are not
    /// kept.
    pub async fn get_or_load<T, E, F, Fut>(
        &self,
        key: String,
        now_ms: i64,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        T: Any + Send + Sync,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if self.ttl_ms == 0 {
            return load().await.map(Arc::new);
        }
        let generation = self.generation();
        let mut reloading = false;
        if let Some(v) = self.usable::<T>(&key, generation, now_ms, &mut reloading) {
            return Ok(v);
        }
        // Nothing usable: one load per key at a time; whoever waited looks again first.
        let _turn = if reloading {
            None
        } else {
            let lock = self
                .loading
                .lock()
                .ok()
                .map(|mut m| m.entry(key.clone()).or_default().clone());
            match lock {
                Some(lock) => {
                    let turn = lock.lock_owned().await;
                    if let Some(v) = self.usable::<T>(&key, generation, now_ms, &mut reloading) {
                        return Ok(v);
                    }
                    Some(turn)
                }
                None => None,
            }
        };
        let result = load().await;
        if let Ok(mut m) = self.loading.lock() {
            m.remove(&key);
        }
        let Ok(mut map) = self.entries.lock() else {
            return result.map(Arc::new);
        };
        match result {
            Ok(v) => {
                let v = Arc::new(v);
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                map.insert(
                    key,
                    Entry {
                        generation,
                        at: Instant::now(),
                        at_ms: now_ms,
                        value: v.clone(),
                        loading: false,
                    },
                );
                Ok(v)
            }
            Err(e) => {
                if reloading {
                    if let Some(entry) = map.get_mut(&key) {
                        entry.loading = false;
                    }
                }
                Err(e)
            }
        }
    }

    /// The value kept under `key` if it may be used (same generation; fresh, or being reloaded by another request).
    /// An entry only too old is marked as being reloaded and `reloading` set: the caller reloads it.
    fn usable<T: Any + Send + Sync>(
        &self,
        key: &str,
        generation: u64,
        now_ms: i64,
        reloading: &mut bool,
    ) -> Option<Arc<T>> {
        let mut map = self.entries.lock().ok()?;
        let e = map.get_mut(key)?;
        if e.generation != generation {
            return None;
        }
        if self.fresh(e, now_ms) || e.loading {
            return e.value.clone().downcast::<T>().ok();
        }
        e.loading = true;
        *reloading = true;
        None
    }

    /// Forgets every value (the generation moves on too).
    pub fn clear(&self) {
        self.changed();
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn get(r: &Reads, key: &str, now: i64, loads: &AtomicUsize) -> Arc<usize> {
        r.get_or_load::<usize, (), _, _>(key.into(), now, || async {
            Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn a_value_is_reused_until_a_change_or_its_age() {
        let r = Reads::new(60_000);
        let loads = AtomicUsize::new(0);
        assert_eq!(*get(&r, "a", 0, &loads).await, 1);
        assert_eq!(*get(&r, "a", 10, &loads).await, 1, "reused");
        assert_eq!(*get(&r, "b", 10, &loads).await, 2, "keys are apart");
        r.changed();
        assert_eq!(*get(&r, "a", 20, &loads).await, 3, "a change drops it");
        assert_eq!(*get(&r, "a", 60_019, &loads).await, 3, "still young");
        assert_eq!(
            *get(&r, "a", 60_020, &loads).await,
            4,
            "too old by the app clock"
        );
        assert_eq!(
            *get(&r, "a", 59_000, &loads).await,
            5,
            "a clock going back is not trusted"
        );
    }

    #[tokio::test]
    async fn zero_keeps_nothing_and_errors_are_not_kept() {
        let r = Reads::new(0);
        let loads = AtomicUsize::new(0);
        assert_eq!(*get(&r, "a", 0, &loads).await, 1);
        assert_eq!(*get(&r, "a", 0, &loads).await, 2);
        let r = Reads::new(60_000);
        let e = r
            .get_or_load::<usize, &str, _, _>("a".into(), 0, || async { Err("down") })
            .await;
        assert_eq!(e.unwrap_err(), "down");
        assert_eq!(*get(&r, "a", 0, &loads).await, 3, "the error was not kept");
    }

    #[tokio::test]
    async fn a_change_during_a_load_is_not_hidden() {
        let r = Reads::new(60_000);
        let v = r
            .get_or_load::<usize, (), _, _>("a".into(), 0, || async {
                r.changed(); // a write commits while the old rows are being read
                Ok(1)
            })
            .await
            .unwrap();
        assert_eq!(*v, 1);
        let loads = AtomicUsize::new(1);
        assert_eq!(
            *get(&r, "a", 1, &loads).await,
            2,
            "read again after the change"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_first_load_of_a_key_is_shared_by_everyone_asking_meanwhile() {
        let r = Arc::new(Reads::new(60_000));
        let loads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (r, loads) = (r.clone(), loads.clone());
            tasks.push(tokio::spawn(async move {
                r.get_or_load::<usize, (), _, _>("a".into(), 0, || async {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap(), 1, "everyone got the one load");
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_old_value_is_served_while_one_request_reloads_it() {
        let r = Reads::new(1);
        let loads = AtomicUsize::new(0);
        assert_eq!(*get(&r, "a", 0, &loads).await, 1);
        std::thread::sleep(Duration::from_millis(2));
        // The reload runs (loading); another request in the meantime gets the old value.
        let v = r
            .get_or_load::<usize, (), _, _>("a".into(), 5, || async {
                let other = get(&r, "a", 5, &AtomicUsize::new(100)).await;
                assert_eq!(*other, 1, "the old value, no second load");
                Ok(2)
            })
            .await
            .unwrap();
        assert_eq!(*v, 2);
    }
}
