-- The news desk's wire import: the sources it polls (news_wire_sources, whose next_poll_at and lease_until are the
-- persisted schedule: a source is due when next_poll_at has come, and one poll holds its lease at a time) and the
-- items imported from them (news_wire_items: the dedup key (source_id, original_id), the provenance and the story
-- each became; a row stays when a person deletes the story, so a deleted item is not imported again).
CREATE TABLE news_wire_sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    format TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    rubric TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    moderation TEXT NOT NULL,
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
    last_items BIGINT NOT NULL DEFAULT 0,
    last_created BIGINT NOT NULL DEFAULT 0,
    last_updated BIGINT NOT NULL DEFAULT 0,
    last_skipped BIGINT NOT NULL DEFAULT 0,
    total_imported BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX news_wire_sources_name ON news_wire_sources(name);
CREATE INDEX news_wire_sources_due ON news_wire_sources(enabled, next_poll_at);

CREATE TABLE news_wire_items (
    source_id TEXT NOT NULL REFERENCES news_wire_sources(id) ON DELETE CASCADE,
    original_id TEXT NOT NULL,
    article_id TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    article_version BIGINT NOT NULL,
    first_fetched_at BIGINT NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (source_id, original_id)
);
CREATE INDEX news_wire_items_article ON news_wire_items(article_id);
