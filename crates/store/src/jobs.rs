use crate::{new_id, now_ms, Job, JobStatus, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

const COLS: &str = "id, kind, media_id, status, attempts, max_attempts, run_after, last_error, created_at, updated_at";

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
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Delay before retry `attempt` (1-based): 5 s, 10 s, 20 s, … capped at 10 minutes.
pub fn backoff_ms(attempt: i64) -> i64 {
    (5_000i64 << attempt.clamp(1, 12).saturating_sub(1)).min(600_000)
}

impl Store {
    /// Queues a job to run as soon as a worker is free.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        media_id: Option<&str>,
        max_attempts: i64,
    ) -> Result<Job> {
        let id = new_id();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO jobs (id, kind, media_id, status, attempts, max_attempts, run_after, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5)",
        )
        .bind(&id)
        .bind(kind)
        .bind(media_id)
        .bind(max_attempts)
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

    /// Claims the oldest due job for `node` (marks it running, counts the attempt). Safe against concurrent workers:
    /// a job is claimed by exactly one; it stays `node`'s while `node`'s lease runs (see
    /// [`Store::requeue_orphaned_jobs`]).
    pub async fn claim_job(&self, node: &str) -> Result<Option<Job>> {
        loop {
            let now = now_ms();
            let Some(row) = sqlx::query(
                "SELECT id FROM jobs WHERE status = 'queued' AND run_after <= $1 ORDER BY run_after, id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await?
            else {
                return Ok(None);
            };
            let id: String = row.try_get("id")?;
            let done = sqlx::query(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, claimed_by = $3, updated_at = $1 WHERE id = $2 AND status = 'queued'",
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

    /// Marks a job done.
    pub async fn complete_job(&self, id: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', last_error = NULL, updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed attempt: requeued with exponential backoff, or failed for good after `max_attempts`.
    pub async fn fail_job(&self, id: &str, error: &str) -> Result<Job> {
        let j = self.job(id).await?;
        let now = now_ms();
        let (status, run_after) = if j.attempts >= j.max_attempts {
            (JobStatus::Failed, j.run_after)
        } else {
            (JobStatus::Queued, now + backoff_ms(j.attempts))
        };
        sqlx::query("UPDATE jobs SET status = $1, run_after = $2, last_error = $3, updated_at = $4 WHERE id = $5")
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
