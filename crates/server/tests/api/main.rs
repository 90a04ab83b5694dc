//! The HTTP API against a real server on a loopback port, with SQLite or (when configured) PostgreSQL.

mod auth;
mod commands;
mod common;
mod console;
mod console_admin;
mod console_campaigns;
mod console_media;
mod cooperation;
mod health;
mod layouts;
mod matrix;
mod media;
mod misc;
mod moderation;
mod openapi;
mod places_lifecycle;
mod player;
mod portal;
mod portal_share;
mod revision;
mod schedule;
mod shutdown;
mod uploads;
mod users_audit;
mod whatif;
