//! What the polled sources — the news wire (`news::wire`) and the CAP subscriptions (`cap_sources`) — share: a
//! source is claimed by one poll at a time with a lease (the fetch's timeout plus a minute, so a crashed node's
//! claim runs out), "poll now" waits for a poll of it already running, and the worker polls the source due
//! longest until none is due.
//!
//! Each source kind keeps its own fetch, import and record of the outcome; only the claim loop and the worker's
//! shape are here.

use crate::background::WorkerState;
use crate::error::{AppError, AppResult};
use crate::App;
use std::future::Future;
use std::time::Duration;
use twincast_store::StoreError;

/// How long a claim lasts, ms: the fetch's timeout and a minute for reading and storing.
pub(crate) fn lease_ms(timeout: Duration) -> i64 {
    timeout.as_millis() as i64 + 60_000
}

/// Claims one source for a poll someone asked for, waiting (up to the timeout and 10 s) for a poll of it already
/// running to end; `poll-in-progress` if it does not. `claim(now, until)` claims it if it is free;
/// `missing` turns the store's errors (a deleted source) into the kind's own.
pub(crate) async fn claim_now<S, F, Fut>(
    app: &App,
    timeout: Duration,
    claim: F,
    missing: fn(StoreError) -> AppError,
) -> AppResult<S>
where
    F: Fn(i64, i64) -> Fut,
    Fut: Future<Output = Result<Option<S>, StoreError>>,
{
    let give_up = tokio::time::Instant::now() + timeout + Duration::from_secs(10);
    loop {
        let now = app.now_ms();
        if let Some(s) = claim(now, now + lease_ms(timeout)).await.map_err(missing)? {
            return Ok(s);
        }
        if tokio::time::Instant::now() > give_up {
            return Err(AppError::conflict(
                "poll-in-progress",
                "this source is being polled; try again when that poll has ended",
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Claims the enabled source due longest (`claim(now, until)`), if any, and polls it: `false` when none is due.
pub(crate) async fn poll_due<S, C, CF, P, PF>(
    app: &App,
    timeout: Duration,
    claim: C,
    poll: P,
) -> AppResult<bool>
where
    C: FnOnce(i64, i64) -> CF,
    CF: Future<Output = Result<Option<S>, StoreError>>,
    P: FnOnce(S) -> PF,
    PF: Future<Output = AppResult<()>>,
{
    let now = app.now_ms();
    match claim(now, now + lease_ms(timeout)).await? {
        Some(src) => {
            poll(src).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// A poller worker's state after one `poll_due`: busy while sources were due, idle otherwise (an error is logged
/// and the worker waits before trying again).
pub(crate) fn worker_state(polled: AppResult<bool>, what: &str) -> WorkerState {
    match polled {
        Ok(true) => WorkerState::Busy,
        Ok(false) => WorkerState::Idle,
        Err(e) => {
            tracing::error!(error = %e, "{what} poll failed");
            WorkerState::Idle
        }
    }
}
