-- Remote commands: queued per screen, delivered when the screen next connects to any server process,
-- acknowledged by the player. Portable SQL (SQLite + PostgreSQL): TEXT ids (UUIDv7), BIGINT epoch-ms, JSON as TEXT.
-- state: queued | delivered | done | failed | expired (a queued command past expires_at reads as expired).
CREATE TABLE screen_commands (
    id TEXT PRIMARY KEY,
    screen_id TEXT NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    command TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    done_at BIGINT,
    result TEXT,
    error TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX screen_commands_screen ON screen_commands(screen_id, id);
CREATE INDEX screen_commands_state ON screen_commands(state, expires_at);
