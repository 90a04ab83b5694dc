//! Many nodes on one database: node leases, pending objects, leased jobs, shared rate limits, and the change
//! channel between nodes (PostgreSQL `LISTEN`/`NOTIFY`). See docs/scale-out.md.
//!
//! A node renews its lease (`nodes.lease_until`) while it runs. What a node owns — the jobs it runs
//! (`jobs.claimed_by`) and the objects it is putting before their rows commit (`pending_objects`) — is taken
//! back only once its lease has run out: running jobs are queued again, and a pending object that no row
//! references and no live node is still putting is deleted. Nothing here lists the object store.

use crate::{new_id, Backend, Result, Store};
use sqlx::Row;

/// The PostgreSQL channel the nodes' change notifications travel on.
pub const CHANGE_CHANNEL: &str = "twincast_changes";

/// A pending object a dead node left behind: the record's id and the object key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbandonedObject {
    /// The pending record.
    pub id: String,
    /// The object it was putting.
    pub object_key: String,
    /// Whether a media or rendition row references the key (then only the record goes).
    pub referenced: bool,
    /// Whether a live node is putting the same key now (then only the record goes).
    pub in_flight: bool,
}

impl Store {
    /// Starts or renews `node`'s lease until `until` (epoch ms).
    pub async fn renew_node(&self, node: &str, now: i64, until: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO nodes (id, started_at, lease_until) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET lease_until = $3",
        )
        .bind(node)
        .bind(now)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends `node`'s lease now (a clean stop): what it leaves is anyone's to take back at once.
    pub async fn release_node(&self, node: &str, now: i64) -> Result<()> {
        sqlx::query("UPDATE nodes SET lease_until = $1 WHERE id = $2")
            .bind(now)
            .bind(node)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The nodes whose lease runs at `now` (their ids).
    pub async fn live_nodes(&self, now: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM nodes WHERE lease_until > $1 ORDER BY id")
            .bind(now)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("id")?))
            .collect()
    }

    /// Forgets nodes whose lease ran out before `before` and that own nothing any more.
    pub async fn forget_dead_nodes(&self, before: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM nodes WHERE lease_until < $1 \
             AND NOT EXISTS (SELECT 1 FROM pending_objects p WHERE p.node_id = nodes.id) \
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.claimed_by = nodes.id AND j.status = 'running')",
        )
        .bind(before)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Records that `node` is about to put `object_key`; returns the record's id (remove it with
    /// [`Store::object_committed`] once the row referencing the key is committed, or the put failed).
    pub async fn object_pending(&self, object_key: &str, node: &str, now: i64) -> Result<String> {
        let id = new_id();
        sqlx::query(
            "INSERT INTO pending_objects (id, object_key, node_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(object_key)
        .bind(node)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// Drops a pending record (the object's row is committed, or it was never put).
    pub async fn object_committed(&self, pending_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM pending_objects WHERE id = $1")
            .bind(pending_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Whether a live node (lease running at `now`) is putting `object_key`.
    pub async fn object_in_flight(&self, object_key: &str, now: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM pending_objects p JOIN nodes n ON n.id = p.node_id \
             WHERE p.object_key = $1 AND n.lease_until > $2",
        )
        .bind(object_key)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    /// Pending records whose node is dead at `now` (no lease running, or no node row), or older than
    /// `max_age_ms` whatever their node, at most `limit`; each says whether its key is referenced or in flight.
    pub async fn abandoned_objects(
        &self,
        now: i64,
        max_age_ms: i64,
        limit: i64,
    ) -> Result<Vec<AbandonedObject>> {
        let rows = sqlx::query(
            "SELECT p.id, p.object_key, \
               (SELECT COUNT(*) FROM media m WHERE m.object_key = p.object_key) \
               + (SELECT COUNT(*) FROM renditions r WHERE r.object_key = p.object_key) AS refs, \
               (SELECT COUNT(*) FROM pending_objects q JOIN nodes qn ON qn.id = q.node_id \
                 WHERE q.object_key = p.object_key AND q.id <> p.id AND qn.lease_until > $1 \
                 AND q.created_at > $2) AS live \
             FROM pending_objects p LEFT JOIN nodes n ON n.id = p.node_id \
             WHERE n.id IS NULL OR n.lease_until <= $1 OR p.created_at <= $2 \
             ORDER BY p.created_at, p.id LIMIT $3",
        )
        .bind(now)
        .bind(now - max_age_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AbandonedObject {
                    id: r.try_get("id")?,
                    object_key: r.try_get("object_key")?,
                    referenced: r.try_get::<i64, _>("refs")? > 0,
                    in_flight: r.try_get::<i64, _>("live")? > 0,
                })
            })
            .collect()
    }

    /// Running jobs whose node's lease ran out by `now` (or that name no node, from before leases) are queued
    /// again; returns how many.
    pub async fn requeue_orphaned_jobs(&self, now: i64) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', claimed_by = NULL, updated_at = $1 WHERE status = 'running' \
             AND (claimed_by IS NULL OR NOT EXISTS \
               (SELECT 1 FROM nodes n WHERE n.id = jobs.claimed_by AND n.lease_until > $1))",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Counts one hit of `key` in the sliding window of `window_ms` at `now` and returns the estimate of hits in
    /// the last window (the current window's hits plus the previous window's, weighted by the part of it still
    /// inside), this hit included. Shared by every node of the database.
    pub async fn rate_hit(&self, key: &str, now: i64, window_ms: i64) -> Result<f64> {
        let window_ms = window_ms.max(1);
        let start = now - now.rem_euclid(window_ms);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO rate_limits (key, window_start, hits, prev_hits) VALUES ($1, $2, 1, 0) \
             ON CONFLICT (key) DO UPDATE SET \
               prev_hits = CASE WHEN rate_limits.window_start = $2 THEN rate_limits.prev_hits \
                                WHEN rate_limits.window_start = $3 THEN rate_limits.hits ELSE 0 END, \
               hits = CASE WHEN rate_limits.window_start = $2 THEN rate_limits.hits + 1 ELSE 1 END, \
               window_start = $2",
        )
        .bind(key)
        .bind(start)
        .bind(start - window_ms)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT hits, prev_hits FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        let hits = row.try_get::<i64, _>("hits")? as f64;
        let prev = row.try_get::<i64, _>("prev_hits")? as f64;
        let inside = 1.0 - (now - start) as f64 / window_ms as f64;
        Ok(hits + prev * inside)
    }

    /// Takes back one hit of `key` counted in the window holding `now` (an attempt that turned out not to count,
    /// such as a login that succeeded). Never below zero; a hit of an earlier window stays.
    pub async fn rate_refund(&self, key: &str, now: i64, window_ms: i64) -> Result<()> {
        let window_ms = window_ms.max(1);
        let start = now - now.rem_euclid(window_ms);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE rate_limits SET hits = CASE WHEN hits > 0 THEN hits - 1 ELSE 0 END \
             WHERE key = $1 AND window_start = $2",
        )
        .bind(key)
        .bind(start)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes rate-limit counters not hit since `before`.
    pub async fn forget_rate_limits(&self, before: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Sends `payload` to every node listening on [`CHANGE_CHANNEL`] (PostgreSQL `NOTIFY`; at most 8000 bytes).
    /// SQLite: nothing (one node).
    pub async fn notify_change(&self, payload: &str) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        sqlx::query("SELECT CAST(pg_notify($1, $2) AS TEXT) AS sent")
            .bind(CHANGE_CHANNEL)
            .bind(payload)
            .fetch_one(&self.pool)
            .await?;
        Ok(())
    }

    /// A connection listening on [`CHANGE_CHANNEL`]; `None` on SQLite.
    pub async fn change_listener(&self) -> Result<Option<ChangeListener>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut inner = sqlx::postgres::PgListener::connect(&self.url).await?;
        inner.listen(CHANGE_CHANNEL).await?;
        Ok(Some(ChangeListener { inner }))
    }
}

/// A connection listening for other nodes' change notifications.
pub struct ChangeListener {
    inner: sqlx::postgres::PgListener,
}

impl std::fmt::Debug for ChangeListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangeListener")
    }
}

impl ChangeListener {
    /// The next notification's payload; `Ok(None)` when the connection was lost (notifications sent meanwhile
    /// are gone: the caller resynchronises; the next call reconnects), an error when it cannot reconnect.
    pub async fn next(&mut self) -> Result<Option<String>> {
        Ok(self
            .inner
            .try_recv()
            .await?
            .map(|n| n.payload().to_string()))
    }
}
