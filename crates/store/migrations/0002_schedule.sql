-- Scheduling: screen groups, campaigns, emergency alerts and the schedule version counter.
-- Portable SQL (SQLite + PostgreSQL): TEXT ids, BIGINT epoch-ms times, JSON as TEXT.
CREATE TABLE screen_groups (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE screen_group_members (
    group_id TEXT NOT NULL REFERENCES screen_groups(id) ON DELETE CASCADE,
    screen_id TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, screen_id)
);
CREATE INDEX screen_group_members_screen ON screen_group_members(screen_id);

CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    partner_id TEXT REFERENCES partners(id) ON DELETE RESTRICT,
    zone TEXT NOT NULL,
    priority BIGINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    targets TEXT NOT NULL,
    valid_from BIGINT,
    valid_until BIGINT,
    recurrence TEXT,
    items TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX campaigns_partner ON campaigns(partner_id);

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    sender TEXT NOT NULL,
    sent BIGINT NOT NULL,
    msg_type TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT NOT NULL,
    headline TEXT NOT NULL,
    effective BIGINT,
    expires BIGINT,
    refs TEXT NOT NULL,
    source_format TEXT NOT NULL,
    source TEXT NOT NULL,
    parsed TEXT NOT NULL,
    cancelled_at BIGINT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (sender, identifier)
);
CREATE INDEX alerts_sent ON alerts(sent);

CREATE TABLE schedule_state (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO schedule_state (id, version) VALUES (1, 1);
