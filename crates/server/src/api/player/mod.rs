//! The player protocol (`docs/player-protocol.md`) over HTTP: pairing, device tokens, manifest, WebSocket push,
//! heartbeat, proof of play and screenshots; plus the operator side (claim, commands, revoke, status, play
//! aggregates). The rules live in `twincast_app::player`; these handlers parse, call it (or the hub) and render.
//!
//! - [`pairing`]: `POST /player/pairings`, `GET /player/pairings/{id}`, `POST /pairings/{code}/claim`.
//! - [`mod@manifest`]: `GET /player/manifest` (ETag, gzip, chunked bodies).
//! - [`socket`]: `GET /player/ws`, the push channel.
//! - [`mod@heartbeat`]: `POST /player/heartbeat`.
//! - [`mod@plays`]: `POST /player/plays` and the reports under `/plays`.
//! - [`commands`]: remote commands (queue, list, get; the player's answer).
//! - [`screens`]: screenshots, device revocation and status of one screen.

pub mod commands;
pub mod heartbeat;
pub mod manifest;
pub mod pairing;
pub mod plays;
pub mod screens;
pub mod socket;

pub use commands::*;
pub use heartbeat::*;
pub use manifest::*;
pub use pairing::*;
pub use plays::*;
pub use screens::*;
pub use socket::*;

use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use twincast_app::player::DeviceCache;
use twincast_store::Device;

pub use twincast_app::player::{
    normalize_code, CODE_ALPHABET, CODE_LEN, MAX_BATCH, MAX_SCREENSHOT,
};
/// Largest proof-of-play body.
pub const MAX_PLAYS_BODY: usize = 1 << 20;
/// Prefix of device tokens.
pub const TOKEN_PREFIX: &str = twincast_app::secrets::DEVICE_TOKEN_PREFIX;

pub(crate) fn unauthorized(code: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
}

/// The hub's token cache serves device authentication.
impl DeviceCache for Hub {
    fn cached(&self, token_hash: &str) -> Option<Device> {
        self.cached_device(token_hash)
    }
    fn remember(&self, token_hash: &str, device: &Device) {
        self.cache_device(token_hash, device)
    }
    fn fill_wanted(&self) -> Option<u64> {
        self.token_fill_wanted()
    }
    fn fill(&self, generation: u64, devices: Vec<(String, Device)>) {
        self.fill_tokens(generation, devices)
    }
}

/// A player authenticated by its device token.
#[derive(Debug, Clone)]
pub struct PlayerAuth(pub Device);

/// Checks a device token: from the hub's cache, else the database.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<Device> {
    Ok(state.app.authenticate_device(token, &*state.hub).await?)
}

/// The `Authorization: Bearer` token, if the header is present.
pub(crate) fn bearer(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| unauthorized("invalid-device-token", "unreadable Authorization header"))?;
    match v.strip_prefix("Bearer ") {
        Some(t) => Ok(Some(t.trim().to_string())),
        None => Err(unauthorized(
            "invalid-device-token",
            "only Authorization: Bearer TOKEN is accepted",
        )),
    }
}

impl FromRequestParts<AppState> for PlayerAuth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer(&parts.headers)?.ok_or_else(|| {
            unauthorized(
                "missing-device-token",
                "send Authorization: Bearer DEVICE_TOKEN",
            )
        })?;
        authenticate(state, &token).await.map(PlayerAuth)
    }
}

/// Reads a whole body of at most `limit` bytes; a larger one is `413 payload-too-large` with `detail`.
pub(crate) async fn body_bytes(
    body: axum::body::Body,
    limit: usize,
    detail: impl FnOnce() -> String,
) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", detail()))
}
