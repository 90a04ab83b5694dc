-- Moderation: campaigns and media written by partner-editors wait for an operator's review; per-partner limits.
-- Portable SQL (SQLite + PostgreSQL): TEXT ids, BIGINT epoch-ms times, JSON as TEXT.

-- State of the current version: approved (plays), pending (awaits review), rejected (with a reason). Rows from
-- before moderation are approved. `approved_version` holds the last approved campaign (JSON of its input form)
-- while a newer version awaits review or was rejected; screens play it meanwhile. NULL: the current version is
-- the approved one, or none was ever approved.
ALTER TABLE campaigns ADD COLUMN moderation TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE campaigns ADD COLUMN moderation_reason TEXT;
ALTER TABLE campaigns ADD COLUMN submitted_by TEXT;
ALTER TABLE campaigns ADD COLUMN submitted_at BIGINT;
ALTER TABLE campaigns ADD COLUMN reviewed_by TEXT;
ALTER TABLE campaigns ADD COLUMN reviewed_at BIGINT;
ALTER TABLE campaigns ADD COLUMN approved_version TEXT;
CREATE INDEX campaigns_moderation ON campaigns(moderation);
ALTER TABLE media ADD COLUMN moderation TEXT NOT NULL DEFAULT 'approved';
ALTER TABLE media ADD COLUMN moderation_reason TEXT;
ALTER TABLE media ADD COLUMN submitted_by TEXT;
ALTER TABLE media ADD COLUMN submitted_at BIGINT;
ALTER TABLE media ADD COLUMN reviewed_by TEXT;
ALTER TABLE media ADD COLUMN reviewed_at BIGINT;
CREATE INDEX media_moderation ON media(moderation);

-- Limits an operator sets per partner for its editors: the highest priority they may give (NULL: no ceiling)
-- and the places they may target (JSON {locations, location_kinds, groups}; NULL: anywhere).
ALTER TABLE partners ADD COLUMN priority_ceiling BIGINT;
ALTER TABLE partners ADD COLUMN allowed_targets TEXT;
