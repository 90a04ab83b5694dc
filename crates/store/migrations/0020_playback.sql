-- What each screen's player decodes (a JSON array of codec names from its heartbeat; NULL: never reported), so
-- the manifest names per item a file that screen plays; and the SHA-256 of a rendition's bytes (the player
-- checks what it caches; NULL for renditions made before this column).
ALTER TABLE screens ADD COLUMN decodes TEXT;
ALTER TABLE renditions ADD COLUMN sha256 TEXT;
