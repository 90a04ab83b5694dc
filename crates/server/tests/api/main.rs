//! The HTTP API against a real server on a loopback port, with SQLite or (when configured) PostgreSQL.

mod auth;
mod commands;
mod common;
mod layouts;
mod matrix;
mod media;
mod misc;
mod openapi;
mod player;
mod revision;
mod schedule;
mod shutdown;
