-- Proof of play (docs/proof-of-play.md): the play record's columns, device keys and signed batches, and the
-- transparency log (its complete subtrees, its size, its signed checkpoints and its signing key).
-- Plays are never updated: each row is written once with everything its record says.
ALTER TABLE plays ADD COLUMN ref TEXT;
ALTER TABLE plays ADD COLUMN media_sha256 TEXT;
ALTER TABLE plays ADD COLUMN utc_offset_s BIGINT;
ALTER TABLE plays ADD COLUMN planned_ms BIGINT;
ALTER TABLE plays ADD COLUMN policy TEXT;
ALTER TABLE plays ADD COLUMN counted BIGINT;
ALTER TABLE plays ADD COLUMN reason TEXT;
ALTER TABLE plays ADD COLUMN batch_id TEXT;
ALTER TABLE plays ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX plays_ref ON plays(ref);
CREATE UNIQUE INDEX plays_log_index ON plays(log_index);

ALTER TABLE pairings ADD COLUMN public_key TEXT;
ALTER TABLE devices ADD COLUMN public_key TEXT;
ALTER TABLE devices ADD COLUMN last_batch_seq BIGINT;

-- A signed batch as received: the exact payload bytes (base64) and the device's signature over them.
CREATE TABLE play_batches (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    screen_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    signature TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX play_batches_seq ON play_batches(device_id, seq);

-- The log: one row whose update serialises appenders; every complete aligned subtree (level 0 = the leaves).
CREATE TABLE log_state (
    id BIGINT PRIMARY KEY,
    size BIGINT NOT NULL
);
INSERT INTO log_state (id, size) VALUES (1, 0);
CREATE TABLE log_nodes (
    level BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TABLE log_checkpoints (
    size BIGINT PRIMARY KEY,
    root TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
-- The log's Ed25519 signing key (seed, hex): in the database so that every node signs with the same key.
CREATE TABLE log_keys (
    id BIGINT PRIMARY KEY,
    origin TEXT NOT NULL,
    seed TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
