//! A socket's hello: the screen is marked as heard from and its queued commands are read, each grouped with the
//! hellos arriving meanwhile (see [`crate::group_commit`]). A fleet that reconnects at once (a node restarted, a
//! balancer moved its sockets, a network came back) sends thousands of hellos in a few seconds; one statement
//! each would hold the database pool's connections for all of them, and every other request of the node would
//! wait behind them.

use crate::error::AppResult;
use crate::group_commit::{answered, group_or_each, GroupCommit};
use crate::App;
use std::sync::Arc;
use twincast_store::{ScreenCommand, Store, StoreError};

/// Screens marked as heard from together: `(screen id, at)`.
pub type SeenCommitter = GroupCommit<(String, i64), Result<(), StoreError>>;

/// Queued-command reads made together: `(screen id, now)` → that screen's commands.
pub type QueuedReader = GroupCommit<(String, i64), Result<Vec<ScreenCommand>, StoreError>>;

/// Hellos one statement group may hold.
const HELLOS_PER_GROUP: usize = 1000;

/// What a hello needs of the database, grouped.
#[derive(Debug)]
pub struct Hellos {
    seen: Arc<SeenCommitter>,
    queued: Arc<QueuedReader>,
}

impl Hellos {
    /// The grouped hello work of `store`.
    pub fn new(store: Store) -> Hellos {
        let s = store.clone();
        let seen = GroupCommit::new(HELLOS_PER_GROUP, move |marks: Vec<(String, i64)>| {
            let store = s.clone();
            Box::pin(async move {
                let marks = &marks;
                let group = async {
                    store.mark_screens_seen(marks).await?;
                    Ok(marks.iter().map(|_| Ok(())).collect())
                };
                group_or_each(marks.len(), group, |i| {
                    store.mark_screens_seen(std::slice::from_ref(&marks[i]))
                })
                .await
            })
        });
        let queued = GroupCommit::new(HELLOS_PER_GROUP, move |asks: Vec<(String, i64)>| {
            let store = store.clone();
            Box::pin(async move {
                let asks = &asks;
                let read = |asks: &'_ [(String, i64)]| {
                    let store = store.clone();
                    let ids: Vec<String> = asks.iter().map(|(s, _)| s.clone()).collect();
                    // The earliest `now` of the group: a command that expired since is dropped per screen below.
                    let now = asks.iter().map(|(_, t)| *t).min().unwrap_or(0);
                    async move { store.commands_to_deliver(Some(&ids), now).await }
                };
                let group = async {
                    let all = read(asks).await?;
                    Ok(asks.iter().map(|a| Ok(of_screen(&all, a))).collect())
                };
                group_or_each(asks.len(), group, |i| {
                    let one = read(std::slice::from_ref(&asks[i]));
                    let ask = asks[i].clone();
                    async move { Ok(of_screen(&one.await?, &ask)) }
                })
                .await
            })
        });
        Hellos { seen, queued }
    }
}

/// The commands of `all` for the screen of `ask`, not expired at its time.
fn of_screen(all: &[ScreenCommand], ask: &(String, i64)) -> Vec<ScreenCommand> {
    all.iter()
        .filter(|c| c.screen_id == ask.0 && c.expires_at > ask.1)
        .cloned()
        .collect()
}

impl App {
    /// Marks `screen_id` as heard from now (its socket said hello), in one transaction with the hellos arriving
    /// meanwhile; answers after the commit.
    pub async fn screen_seen(&self, screen_id: &str) -> AppResult<()> {
        let mark = (screen_id.to_string(), self.now_ms());
        answered(self.hellos.seen.submit(mark).await, "hello writer")
    }

    /// The commands still to deliver to `screen_id` (queued, not expired), oldest first, read with the other
    /// hellos' in one statement per 200 screens.
    pub async fn queued_commands(&self, screen_id: &str) -> AppResult<Vec<ScreenCommand>> {
        let ask = (screen_id.to_string(), self.now_ms());
        answered(
            self.hellos.queued.submit(ask).await,
            "queued-command reader",
        )
    }
}
