-- CAP subscriptions and geocode mapping (docs/alerts.md).
-- alert_geocodes: an operator's mapping of a CAP geocode (valueName + value) to a location; alerts with that geocode
-- target the location's screens. alert_sources: the subscriptions, whose next_poll_at + lease_until are the persisted
-- polling schedule (one conditional UPDATE claims a source). alert_source_entries: what each source's entries became
-- (dedup of entries; the alert itself is unique by sender + identifier in alerts). alerts gains the source it came
-- from and whether it is held for an operator's approval (held alerts are not on air).
CREATE TABLE alert_geocodes (
    id TEXT PRIMARY KEY,
    value_name TEXT NOT NULL,
    value TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX alert_geocodes_key ON alert_geocodes(value_name, value, location_id);

CREATE TABLE alert_sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    min_severity TEXT NOT NULL,
    min_urgency TEXT NOT NULL,
    min_certainty TEXT NOT NULL,
    area TEXT NOT NULL,
    moderation TEXT NOT NULL,
    require_signature BIGINT NOT NULL DEFAULT 0,
    interval_secs BIGINT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    next_poll_at BIGINT NOT NULL,
    lease_until BIGINT,
    etag TEXT,
    last_modified TEXT,
    last_poll_at BIGINT,
    last_outcome TEXT NOT NULL DEFAULT 'never',
    last_error_code TEXT,
    last_error TEXT,
    last_entries BIGINT NOT NULL DEFAULT 0,
    last_created BIGINT NOT NULL DEFAULT 0,
    last_held BIGINT NOT NULL DEFAULT 0,
    last_skipped BIGINT NOT NULL DEFAULT 0,
    total_imported BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX alert_sources_name ON alert_sources(name);
CREATE INDEX alert_sources_due ON alert_sources(enabled, next_poll_at);

CREATE TABLE alert_source_entries (
    source_id TEXT NOT NULL REFERENCES alert_sources(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    alert_id TEXT,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (source_id, entry_id)
);

ALTER TABLE alerts ADD COLUMN source_id TEXT;
ALTER TABLE alerts ADD COLUMN held BIGINT NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN approved_by TEXT;
ALTER TABLE alerts ADD COLUMN approved_at BIGINT;
