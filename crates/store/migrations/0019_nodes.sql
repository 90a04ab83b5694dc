-- Many nodes on one database (docs/scale-out.md). `nodes`: each running `twincast serve` process and the lease it
-- renews; a node whose lease has run out is dead, and only then are its running jobs requeued and its pending
-- objects collected.
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    lease_until BIGINT NOT NULL
);

-- An object being put before the row that references it is committed: written before the put, removed after the
-- row's commit. What a dead node left here is the only thing a node may delete without listing the bucket.
CREATE TABLE pending_objects (
    id TEXT PRIMARY KEY,
    object_key TEXT NOT NULL,
    node_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX pending_objects_key ON pending_objects(object_key);
CREATE INDEX pending_objects_node ON pending_objects(node_id);

-- The node that runs a job (its lease is the job's).
ALTER TABLE jobs ADD COLUMN claimed_by TEXT;

-- Sliding-window counters of the rate limits (login, pairing) shared by every node: the hits of the current
-- window and of the one before.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    prev_hits BIGINT NOT NULL
);
