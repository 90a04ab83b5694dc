use crate::{audit, new_id, now_ms, AuditEntry, Job, JobStatus, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLS: &str = "id, kind, media_id, status, attempts, max_attempts, run_after, last_error, priority, progress, created_at, updated_at";

/// Job priorities (higher runs first; equal priorities run oldest first). A screen's rendition goes before the
/// portal's ladder, and what a person uploads before what a bulk import (the demo, a command) queued: a fresh
/// upload waits at most for the job running now, never behind a backlog.
pub mod priority {
    /// The screen rendition of a person's upload.
    pub const SCREEN_UPLOAD: i64 = 30;
    /// The screen rendition of a bulk import (a local command, the demo).
    pub const SCREEN_BULK: i64 = 20;
    /// The portal's renditions (HLS ladder, storyboard, loudness-normalised sound) of a person's upload: after
    /// every person's screen rendition, before a bulk import's work.
    pub const PORTAL_UPLOAD: i64 = 25;
    /// The portal's renditions of a bulk import: as high as its screen renditions, so the oldest goes first (an
    /// import queues all its screen jobs at once, and they come before the portal jobs they queue when they end;
    /// files that arrive one by one are not all held back until the last one's screen rendition).
    pub const PORTAL_BULK: i64 = SCREEN_BULK;
    /// Burning a video's caption tracks into screen renditions (a person attached a track, or a person's upload's
    /// screen rendition was made): after every person's screen rendition, before the portal's work.
    pub const CAPTIONS: i64 = 28;
}

fn job(row: &AnyRow) -> Result<Job> {
    Ok(Job {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        media_id: row.try_get("media_id")?,
        status: JobStatus::parse(&row.try_get::<String, _>("status")?),
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        run_after: row.try_get("run_after")?,
        last_error: row.try_get("last_error")?,
        priority: row.try_get("priority")?,
        progress: row.try_get("progress")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Delay before retry `attempt` (1-based): 5 s, 10 s, 20 s, … capped at 10 minutes.
pub fn backoff_ms(attempt: i64) -> i64 {
    (5_000i64 << attempt.clamp(1, 12).saturating_sub(1)).min(600_000)
}

impl Store {
    /// Queues a job (priority 0) to run as soon as a worker is free.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        media_id: Option<&str>,
        max_attempts: i64,
    ) -> Result<Job> {
        self.enqueue_job_with_priority(kind, media_id, max_attempts, 0)
            .await
    }

    /// Queues a job with `priority` (see [`priority`]): it runs before every queued job of a lower priority.
    pub async fn enqueue_job_with_priority(
        &self,
        kind: &str,
        media_id: Option<&str>,
        max_attempts: i64,
        priority: i64,
    ) -> Result<Job> {
        self.enqueue_job_after(kind, media_id, max_attempts, priority, now_ms())
            .await
    }

    /// [`Store::enqueue_job_with_priority`], not to run before `run_after` (epoch ms).
    pub async fn enqueue_job_after(
        &self,
        kind: &str,
        media_id: Option<&str>,
        max_attempts: i64,
        priority: i64,
        run_after: i64,
    ) -> Result<Job> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO jobs (id, kind, media_id, status, attempts, max_attempts, run_after, priority, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(kind)
        .bind(media_id)
        .bind(max_attempts)
        .bind(run_after)
        .bind(priority)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.job(&id).await
    }

    /// One job.
    pub async fn job(&self, id: &str) -> Result<Job> {
        let row = self
            .one_row(&format!("SELECT {COLS} FROM jobs WHERE id = $1"), id)
            .await?;
        job(&row)
    }

    /// Jobs of a media item, oldest first.
    pub async fn jobs_for_media(&self, media_id: &str) -> Result<Vec<Job>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM jobs WHERE media_id = $1 ORDER BY id"
        )))
        .bind(media_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job).collect()
    }

    /// Claims the due job of the highest priority (the oldest of them) for `node` (marks it running, counts the attempt). Safe against concurrent workers:
    /// a job is claimed by exactly one; it stays `node`'s while `node`'s lease runs (see
    /// [`Store::requeue_orphaned_jobs`]).
    pub async fn claim_job(&self, node: &str) -> Result<Option<Job>> {
        loop {
            let now = now_ms();
            let Some(row) = sqlx::query(
                "SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $1 ORDER BY priority DESC, run_after, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let id: String = row.try_get("id")?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, progress = 0, claimed_by = $3, updated_at = $1 WHERE id = $2 AND status = 'queued'",
            )
            .bind(now)
            .bind(&id)
            .bind(node)
            .execute(&self.pool)
            .await?;
            if done.rows_affected() == 1 {
                return self.job(&id).await.map(Some);
            }
        }
    }

    /// Marks a running job done (a job cancelled meanwhile stays cancelled).
    pub async fn complete_job(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', last_error = NULL, progress = 100, updated_at = $1 WHERE id = $2 AND status = 'running'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: requeued with exponential backoff, or failed for good after `max_attempts`. A job
    /// that is no longer running (cancelled meanwhile) is left as it is.
    pub async fn fail_job(&self, id: &str, error: &str) -> Result<Job> {
        let j = self.job(id).await?;
        if j.status != JobStatus::Running {
            return Ok(j);
        }
        let now = now_ms();
        let (status, run_after) = if j.attempts >= j.max_attempts {
            (JobStatus::Failed, j.run_after)
        } else {
            (JobStatus::Queued, now + backoff_ms(j.attempts))
        };
        sqlx::query("UPDATE jobs SET status = $1, run_after = $2, last_error = $3, updated_at = $4 WHERE id = $5 AND status = 'running'")
            .bind(status.as_str())
            .bind(run_after)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.job(id).await
    }

    /// After a restart of the only node (SQLite): jobs left running by the dead process are queued again. With many
    /// nodes, [`Store::requeue_orphaned_jobs`] takes back only the jobs of nodes whose lease ran out.
    pub async fn requeue_running_jobs(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', updated_at = $1 WHERE status = 'running'",
        )
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Records the running attempt's progress (percent, clamped to 0–100); `false` when the job is no longer
    /// running (cancelled: its worker stops).
    pub async fn set_job_progress(&self, id: &str, percent: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3 AND status = 'running'",
        )
        .bind(percent.clamp(0, 100))
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels a queued or running job (a running one's worker stops at its next progress report), with
    /// `audit_entry`, in one transaction. `None` when the job is neither queued nor running (nothing changed).
    pub async fn cancel_job(&self, id: &str, audit_entry: &AuditEntry) -> Result<Option<Job>> {
        self.set_job_status(
            id,
            "UPDATE jobs SET status = 'cancelled', updated_at = $1 WHERE id = $2 AND status IN ('queued', 'running')",
            audit_entry,
        )
        .await
    }

    /// Queues a failed or cancelled job again, at once and with its attempts counted afresh, with `audit_entry`, in
    /// one transaction. `None` when the job is neither failed nor cancelled (nothing changed).
    pub async fn retry_job(&self, id: &str, audit_entry: &AuditEntry) -> Result<Option<Job>> {
        self.set_job_status(
            id,
            "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $1, last_error = NULL, progress = NULL, \
             claimed_by = NULL, updated_at = $1 WHERE id = $2 AND status IN ('failed', 'cancelled')",
            audit_entry,
        )
        .await
    }

    async fn set_job_status(
        &self,
        id: &str,
        sql: &'static str,
        audit_entry: &AuditEntry,
    ) -> Result<Option<Job>> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(sql)
            .bind(now_ms())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        audit::insert(&mut tx, audit_entry).await?;
        tx.commit().await?;
        self.job(id).await.map(Some)
    }
}
