-- The public portal: partner descriptions in each language, and privacy-respecting view counts (no cookie, no
-- address: one counter per media item and UTC day).
ALTER TABLE partners ADD COLUMN descriptions TEXT NOT NULL DEFAULT '{}';

CREATE TABLE media_views (
    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (media_id, day)
);
