-- Layouts as data: named zones in percent of the screen, for landscape or portrait; chosen per screen or per
-- screen group (a screen's own layout wins over its groups'). A screen with none gets the built-in choice
-- (twincast_core::layout::choose). Portable SQL (SQLite + PostgreSQL): TEXT ids, BIGINT epoch-ms, JSON as TEXT.
CREATE TABLE layouts (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    orientation TEXT NOT NULL,
    zones TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
ALTER TABLE screens ADD COLUMN layout_id TEXT REFERENCES layouts(id) ON DELETE RESTRICT;
ALTER TABLE screen_groups ADD COLUMN layout_id TEXT REFERENCES layouts(id) ON DELETE RESTRICT;
-- Today's two layouts with a ticker (main, ticker band, clock), as data to assign or copy.
INSERT INTO layouts (id, slug, name, orientation, zones, version, created_at, updated_at) VALUES ('019ad000-0000-7000-8000-000000000001', 'landscape', 'Landscape: main, ticker, clock', 'landscape', '[{"name":"main","x":0.0,"y":0.0,"w":100.0,"h":90.0},{"name":"ticker","x":0.0,"y":90.0,"w":85.0,"h":10.0},{"name":"clock","x":85.0,"y":90.0,"w":15.0,"h":10.0}]', 1, 0, 0);
INSERT INTO layouts (id, slug, name, orientation, zones, version, created_at, updated_at) VALUES ('019ad000-0000-7000-8000-000000000002', 'portrait', 'Portrait: clock, main, ticker', 'portrait', '[{"name":"clock","x":0.0,"y":0.0,"w":100.0,"h":6.0},{"name":"main","x":0.0,"y":6.0,"w":100.0,"h":86.0},{"name":"ticker","x":0.0,"y":92.0,"w":100.0,"h":8.0}]', 1, 0, 0);
