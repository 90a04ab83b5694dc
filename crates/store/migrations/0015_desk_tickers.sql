-- The language a screen's audience reads (its ticker's headlines are in it), and the news desk's tickers: which
-- screens (targets, as a campaign's) show which published short headlines (rubrics and tags; empty = all).
ALTER TABLE screens ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

CREATE TABLE news_tickers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    targets TEXT NOT NULL DEFAULT '{}',
    rubrics TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    max_items BIGINT NOT NULL,
    item_ms BIGINT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
