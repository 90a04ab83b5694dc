-- Media jobs with a priority (higher first; a person's fresh upload goes before a bulk import's backlog, a
-- screen's rendition before the portal's ladder), progress in percent of the running step, and a `cancelled`
-- status (set by a person; a running job's worker stops its ffmpeg when it sees it).
ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress BIGINT;
CREATE INDEX jobs_claim ON jobs (status, priority, run_after);
