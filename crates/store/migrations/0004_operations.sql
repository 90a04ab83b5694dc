-- Operations: the append-only audit log, row versions for If-Match, retired screens, account state.
-- Portable SQL (SQLite + PostgreSQL): TEXT ids (UUIDv7: time-ordered), BIGINT epoch-ms times, JSON as TEXT.

-- Every state-changing operation writes one entry in the transaction of its change. No statement of the
-- application updates or deletes rows of this table.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    via TEXT NOT NULL,
    via_id TEXT,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    partner TEXT,
    changes TEXT NOT NULL
);
CREATE INDEX audit_log_resource ON audit_log(resource, resource_id);
CREATE INDEX audit_log_partner ON audit_log(partner);
CREATE INDEX audit_log_actor ON audit_log(actor_id);
CREATE INDEX audit_log_at ON audit_log(at);

-- A version per editable row: an update names the version it read (If-Match) and bumps it.
ALTER TABLE partners ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE api_tokens ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE locations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE locations ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE screens ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE screens ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE screens ADD COLUMN retired_at BIGINT;
ALTER TABLE screen_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE media ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE media ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

-- Accounts: when they last signed in, and whether the password was set by an admin and must be changed.
ALTER TABLE users ADD COLUMN last_login_at BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
