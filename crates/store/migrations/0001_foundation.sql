-- Portable SQL: the same text runs on SQLite and PostgreSQL.
-- Ids are TEXT (UUIDv7), times are BIGINT epoch milliseconds, JSON is TEXT, booleans are BIGINT 0/1.
CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    names TEXT NOT NULL,
    country TEXT NOT NULL,
    continent TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    since BIGINT,
    description TEXT NOT NULL DEFAULT '',
    logo_media_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE user_partners (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, partner_id)
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    tz TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX locations_kind ON locations(kind);

CREATE TABLE screens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE RESTRICT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    tz TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    orientation TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    last_seen_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX screens_location ON screens(location_id);

CREATE TABLE media (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE RESTRICT,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    media_type TEXT NOT NULL,
    mime TEXT NOT NULL,
    object_key TEXT NOT NULL,
    size BIGINT NOT NULL,
    width BIGINT,
    height BIGINT,
    duration_ms BIGINT,
    codec TEXT,
    original_name TEXT NOT NULL,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (partner_id, sha256)
);
CREATE INDEX media_sha ON media(sha256);
CREATE INDEX media_partner ON media(partner_id);

CREATE TABLE renditions (
    id TEXT PRIMARY KEY,
    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    object_key TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (media_id, kind, object_key)
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    media_id TEXT REFERENCES media(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(status, run_after);
