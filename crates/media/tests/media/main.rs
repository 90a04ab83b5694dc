//! Integration tests of twincast-media: one binary, split into modules.
//!
//! - `probe_fixtures`: probing committed tiny files (no ffmpeg needed);
//! - `generated`: probing and transcoding files made by ffmpeg at test time (skipped without ffmpeg unless
//!   `TWINCAST_TEST_REQUIRE_SERVICES=1`, which makes a missing ffmpeg a failure);
//! - `ingest`: streaming ingest, limits and temp-file clean-up;
//! - `storage`: one contract suite run against the local filesystem and a real S3-compatible server
//!   (`TWINCAST_TEST_S3_URL`).

mod common;
mod generated;
mod ingest;
mod probe_fixtures;
mod storage;
