//! The worker that signs a checkpoint when the newest one is a day old (and at start when there is none).

use crate::background::{Worker, WorkerState};
use crate::App;
use std::time::Duration;

/// Longest time between two checkpoints, ms.
pub const CHECKPOINT_EVERY_MS: i64 = 86_400_000;

/// Signs a checkpoint of the transparency log at least daily.
#[derive(Debug)]
pub struct Checkpointer {
    app: App,
    checked: bool,
}

impl Checkpointer {
    /// A checkpointer over `app`.
    pub fn new(app: App) -> Checkpointer {
        Checkpointer {
            app,
            checked: false,
        }
    }
}

impl Worker for Checkpointer {
    fn name(&self) -> String {
        "proof-checkpoints".into()
    }

    async fn work(&mut self) -> WorkerState {
        if self.checked {
            self.checked = false;
            return WorkerState::Idle;
        }
        self.checked = true;
        let due = match self.app.store.checkpoint(None).await {
            Ok(Some(c)) => self.app.now_ms() - c.created_at >= CHECKPOINT_EVERY_MS,
            Ok(None) => true,
            Err(e) => {
                tracing::warn!(error = %e, "reading the newest checkpoint failed");
                return WorkerState::Busy;
            }
        };
        if due {
            match self.app.sign_checkpoint(None).await {
                Ok(c) => tracing::info!(size = c.size, "signed a checkpoint of the play log"),
                Err(e) => tracing::warn!(error = %e, "signing a checkpoint failed"),
            }
        }
        WorkerState::Busy
    }

    async fn wait_for_work(&mut self) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}
