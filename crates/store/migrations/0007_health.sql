-- Health: each screen's last known online/offline state, and the notifications outbox (webhooks, e-mail).
-- Portable SQL (SQLite + PostgreSQL): TEXT ids, BIGINT epoch-ms times, JSON as TEXT.
CREATE TABLE screen_health (
    screen_id TEXT PRIMARY KEY REFERENCES screens(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    last_seen_at BIGINT,
    changed_at BIGINT NOT NULL
);

-- One row per delivery (channel × target) of an event; the screen is not a foreign key, so the outbox keeps its
-- history when a screen is deleted.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    screen_id TEXT,
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
CREATE INDEX notifications_status ON notifications(status, id);
