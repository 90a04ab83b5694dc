-- Players: pairing codes, device tokens, heartbeat status, proof of play, screenshots.
-- Portable SQL (SQLite + PostgreSQL): TEXT ids, BIGINT epoch-ms times, JSON as TEXT.
CREATE TABLE pairings (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    info TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    screen_id TEXT REFERENCES screens(id) ON DELETE CASCADE,
    device_id TEXT,
    claimed_at BIGINT,
    delivered_at BIGINT
);
CREATE INDEX pairings_code ON pairings(code);

CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    screen_id TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX devices_screen ON devices(screen_id);

CREATE TABLE screen_status (
    screen_id TEXT PRIMARY KEY REFERENCES screens(id) ON DELETE CASCADE,
    device_id TEXT,
    heartbeat TEXT NOT NULL,
    clock_offset_ms BIGINT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE plays (
    screen_id TEXT NOT NULL,
    id TEXT NOT NULL,
    device_id TEXT,
    location_id TEXT NOT NULL,
    partner TEXT,
    campaign_id TEXT,
    item_id TEXT,
    alert_id TEXT,
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (screen_id, id)
);
CREATE INDEX plays_started ON plays(started_at);
CREATE INDEX plays_partner ON plays(partner, started_at);

CREATE TABLE screenshots (
    screen_id TEXT PRIMARY KEY REFERENCES screens(id) ON DELETE CASCADE,
    mime TEXT NOT NULL,
    data_b64 TEXT NOT NULL,
    taken_at BIGINT NOT NULL
);
