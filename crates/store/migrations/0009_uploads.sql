-- Resumable upload sessions: a file sent in chunks to a spool file under the data directory, committed as a media
-- item only when complete (docs/uploads.md). `received` is the offset the next chunk must start at. A session
-- past `expires_at` is removed with its spool file. Portable SQL: TEXT ids, BIGINT epoch-ms and sizes.
CREATE TABLE upload_sessions (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    mime TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX upload_sessions_expires ON upload_sessions (expires_at);
-- The media library (console): tags on media items (a JSON array of slugs, filtered with LIKE '%"tag"%'), and the
-- jobs of a media item found by its id (the library shows each item's transcoding state).
ALTER TABLE media ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
CREATE INDEX jobs_media ON jobs (media_id);
