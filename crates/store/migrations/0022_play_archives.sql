-- Retention without loss of proof (docs/proof-of-play.md, "Retention"): logged plays older than the configured
-- age are written to a daily Parquet file in object storage; the file's SHA-256 is a leaf of the transparency log
-- (its own record, `log_index`), and the rows leave `plays` in the transaction that stores this row.
CREATE TABLE play_archives (
    id TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    object_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    plays BIGINT NOT NULL,
    first_index BIGINT NOT NULL,
    last_index BIGINT NOT NULL,
    log_index BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX play_archives_day ON play_archives(day);
