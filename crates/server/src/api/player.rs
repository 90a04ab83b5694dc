//! The player protocol (`docs/player-protocol.md`): pairing, device tokens, manifest, WebSocket push, heartbeat,
//! proof of play and screenshots; plus the operator side (claim, commands, revoke, status, play aggregates).

use super::ApiQuery;
use crate::auth::{new_secret, secret_hash, Principal};
use crate::error::{ApiError, ApiJson, ApiResult};
use crate::hub::{message, Outbound};
use crate::AppState;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use twincast_store::{
    now_ms, Device, PlayAggregate, PlayEvent, PlayFilter, PlayGrouping, Role, StoreError,
    TokenState,
};
use utoipa::{IntoParams, ToSchema};

/// Alphabet of pairing codes: no 0/O/1/I/L.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a pairing code.
pub const CODE_LEN: usize = 6;
/// Most events in one proof-of-play batch.
pub const MAX_BATCH: usize = 500;
/// Largest proof-of-play body.
pub const MAX_PLAYS_BODY: usize = 1 << 20;
/// Largest screenshot.
pub const MAX_SCREENSHOT: usize = 5 << 20;
/// Prefix of device tokens.
pub const TOKEN_PREFIX: &str = twincast_app::secrets::DEVICE_TOKEN_PREFIX;

fn unauthorized(code: &'static str, detail: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, detail)
}

/// A player authenticated by its device token.
#[derive(Debug, Clone)]
pub struct PlayerAuth(pub Device);

/// Checks a device token: from the hub's cache, else the database.
pub async fn authenticate(state: &AppState, token: &str) -> ApiResult<Device> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(unauthorized(
            "invalid-device-token",
            "this is not a device token",
        ));
    }
    let hash = secret_hash(token);
    let now = now_ms();
    if let Some(d) = state.hub.cached_device(&hash) {
        if d.token_expires_at > now {
            return Ok(d);
        }
    }
    match state.store.device_by_token(&hash, now).await? {
        Ok(d) => {
            state.hub.cache_device(&hash, &d);
            Ok(d)
        }
        Err(TokenState::Unknown) => Err(unauthorized(
            "invalid-device-token",
            "the device token is not known",
        )),
        Err(TokenState::Expired) => Err(unauthorized(
            "device-token-expired",
            "the device token has expired; pair again",
        )),
        Err(TokenState::Revoked) => Err(unauthorized(
            "device-token-revoked",
            "the device token was revoked; pair again",
        )),
    }
}

fn bearer(headers: &HeaderMap) -> ApiResult<Option<String>> {
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

// ---------------------------------------------------------------------------------------------- pairing

/// What an unpaired player tells about itself (all optional).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    /// Player software version.
    pub player_version: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Screen width in pixels.
    pub width: Option<u32>,
    /// Screen height in pixels.
    pub height: Option<u32>,
}

/// A new pairing.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingCreated {
    /// Pairing id (for polling).
    pub pairing_id: String,
    /// Code to display.
    pub code: String,
    /// Secret to poll with.
    pub poll_secret: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
    /// Suggested poll period.
    pub poll_interval_ms: i64,
}

fn random_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Starts pairing: the player gets a short code to display.
#[utoipa::path(post, path = "/api/v1/player/pairings", tag = "player", request_body = PairingRequest,
    responses((status = 201, body = PairingCreated), (status = 400, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)))]
pub async fn create_pairing(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Body,
) -> ApiResult<(StatusCode, Json<PairingCreated>)> {
    if state.hub.pairing_limiter.check_key(&peer.ip()).is_err() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "too many pairing requests from this address; wait a minute",
        ));
    }
    let bytes = axum::body::to_bytes(body, 16 * 1024).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "the pairing request is larger than 16 KiB",
        )
    })?;
    let info: PairingRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        PairingRequest::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request("invalid-body", format!("bad pairing request: {e}"))
        })?
    };
    for s in [&info.player_version, &info.user_agent]
        .into_iter()
        .flatten()
    {
        super::check_text("player info", s, 500)?;
    }
    let secret = new_secret();
    let now = now_ms();
    let info = serde_json::to_value(&info).unwrap_or(Value::Null);
    for _ in 0..10 {
        let code = random_code();
        match state
            .store
            .create_pairing(
                &code,
                &secret_hash(&secret),
                &info,
                now,
                state.hub.settings.pairing_ttl_ms,
            )
            .await
        {
            Ok(p) => {
                return Ok((
                    StatusCode::CREATED,
                    Json(PairingCreated {
                        pairing_id: p.id,
                        code: p.code,
                        poll_secret: secret,
                        expires_at: p.expires_at,
                        poll_interval_ms: 2000,
                    }),
                ))
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::internal("no free pairing code after 10 draws"))
}

/// Poll parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// The pairing's poll secret.
    pub secret: String,
    /// Long-poll up to this many seconds (0–30).
    pub wait: Option<u64>,
}

/// State of a pairing, as its player sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PairingStatus {
    /// `pending` or `paired`.
    pub status: String,
    /// Expiry (pending).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Device id (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Screen id (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_id: Option<String>,
    /// The device token, delivered once (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// Token expiry (paired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expires_at: Option<i64>,
}

fn pairing_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "pairing-not-found",
        "no such pairing (or a wrong secret)",
    )
}

/// Polls a pairing; answers the device token exactly once after the claim.
#[utoipa::path(get, path = "/api/v1/player/pairings/{pairing_id}", tag = "player",
    params(("pairing_id" = String, Path), PollQuery),
    responses((status = 200, body = PairingStatus), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem)))]
pub async fn poll_pairing(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<PollQuery>,
) -> ApiResult<Json<PairingStatus>> {
    let wait = q.wait.unwrap_or(0);
    if wait > 30 {
        return Err(ApiError::bad_request(
            "invalid-wait",
            "wait must be 0..=30 seconds",
        ));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let p = match state.store.pairing(&id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Err(pairing_not_found()),
            Err(e) => return Err(e.into()),
        };
        if p.secret_hash != secret_hash(&q.secret) {
            return Err(pairing_not_found());
        }
        let now = now_ms();
        if p.delivered_at.is_some() {
            return Err(ApiError::new(
                StatusCode::GONE,
                "pairing-consumed",
                "the token of this pairing was delivered already; start a new pairing",
            ));
        }
        if p.claimed_at.is_some() {
            let token = format!("{TOKEN_PREFIX}{}", new_secret());
            return match state
                .store
                .deliver_pairing(&p.id, &secret_hash(&token), now)
                .await
            {
                Ok(d) => Ok(Json(PairingStatus {
                    status: "paired".into(),
                    expires_at: None,
                    device_id: Some(d.id),
                    screen_id: Some(d.screen_id),
                    token: Some(token),
                    token_expires_at: Some(d.token_expires_at),
                })),
                Err(StoreError::Conflict(_)) => Err(ApiError::new(
                    StatusCode::GONE,
                    "pairing-consumed",
                    "the token of this pairing was delivered already or revoked; start a new pairing",
                )),
                Err(e) => Err(e.into()),
            };
        }
        if p.expires_at <= now {
            return Err(ApiError::new(
                StatusCode::GONE,
                "pairing-expired",
                "the pairing code expired; start a new pairing",
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Json(PairingStatus {
                status: "pending".into(),
                expires_at: Some(p.expires_at),
                device_id: None,
                screen_id: None,
                token: None,
                token_expires_at: None,
            }));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Claim request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The screen the player will be.
    pub screen_id: String,
}

/// A claimed pairing.
#[derive(Debug, Serialize, ToSchema)]
pub struct Claimed {
    /// New device id.
    pub device_id: String,
    /// Its screen.
    pub screen_id: String,
    /// Pairing time, epoch ms.
    pub paired_at: i64,
}

/// Normalizes an operator-typed code (case, spaces, hyphens); `None` when it cannot be a code.
pub fn normalize_code(code: &str) -> Option<String> {
    let c: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    (c.len() == CODE_LEN && c.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(c)
}

/// Pairs the player showing `code` with a screen (replaces the screen's previous device).
#[utoipa::path(post, path = "/api/v1/pairings/{code}/claim", tag = "screens",
    params(("code" = String, Path)), request_body = ClaimRequest,
    responses((status = 200, body = Claimed), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
pub async fn claim_pairing(
    State(state): State<AppState>,
    who: Principal,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> ApiResult<Json<Claimed>> {
    who.require(&[Role::Operator, Role::Admin])?;
    let code = normalize_code(&code).ok_or_else(pairing_not_found)?;
    let (device, replaced) = match state
        .store
        .claim_pairing(
            &code,
            &req.screen_id,
            now_ms(),
            state.hub.settings.token_ttl_ms,
        )
        .await
    {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Err(pairing_not_found()),
        Err(StoreError::Invalid(_)) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "screen-not-found",
                "no such screen",
            ))
        }
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "pairing-already-claimed",
                "this code was claimed already",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    state.hub.revoke(&device.screen_id, &replaced);
    Ok(Json(Claimed {
        device_id: device.id,
        screen_id: device.screen_id,
        paired_at: device.paired_at,
    }))
}

// ---------------------------------------------------------------------------------------------- manifest

/// Manifest parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ManifestQuery {
    /// Horizon in hours, 1–168 (default 48).
    pub hours: Option<i64>,
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// Everything the screen needs to play offline for the horizon (see the protocol document).
#[utoipa::path(get, path = "/api/v1/player/manifest", tag = "player", params(ManifestQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "the manifest (JSON), with a strong ETag"),
        (status = 304, description = "unchanged"), (status = 401, body = crate::error::Problem)))]
pub async fn manifest(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    ApiQuery(q): ApiQuery<ManifestQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let hours = q.hours.unwrap_or(48);
    if !(1..=168).contains(&hours) {
        return Err(ApiError::bad_request(
            "invalid-hours",
            "hours must be between 1 and 168",
        ));
    }
    let m = state
        .hub
        .manifest(&state, &device.screen_id, hours, now_ms())
        .await?;
    let etag = HeaderValue::from_str(&m.etag).map_err(ApiError::internal)?;
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    if etag_matches(&headers, &m.etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                vary,
            ],
        )
            .into_response());
    }
    let json = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if accepts_gzip(&headers) {
        return Ok((
            [
                json,
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                (header::ETAG, etag),
                cache,
                vary,
            ],
            Body::new(Chunks::new(m.gzip_chunks().into())),
        )
            .into_response());
    }
    Ok((
        [json, (header::ETAG, etag), cache, vary],
        Body::new(Chunks::new(m.chunks().into())),
    )
        .into_response())
}

/// Whether `Accept-Encoding` admits gzip (RFC 9110 §12.5.3: `gzip` or `*` with a non-zero weight).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut star = None;
    for v in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
    {
        for part in v.split(',') {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            match name.as_str() {
                "gzip" | "x-gzip" => gzip = Some(q > 0.0),
                "*" => star = Some(q > 0.0),
                _ => {}
            }
        }
    }
    gzip.or(star).unwrap_or(false)
}

/// A response body of ready chunks with an exact length (so `Content-Length` is sent), sharing the chunks'
/// memory instead of copying it.
pub struct Chunks {
    chunks: std::collections::VecDeque<bytes::Bytes>,
    remaining: u64,
}

impl Chunks {
    /// The body of these chunks, in order.
    pub fn new(chunks: std::collections::VecDeque<bytes::Bytes>) -> Chunks {
        let remaining = chunks.iter().map(|c| c.len() as u64).sum();
        Chunks { chunks, remaining }
    }
}

impl http_body::Body for Chunks {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        while let Some(c) = self.chunks.pop_front() {
            if !c.is_empty() {
                self.remaining -= c.len() as u64;
                return std::task::Poll::Ready(Some(Ok(http_body::Frame::data(c))));
            }
        }
        std::task::Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

// ---------------------------------------------------------------------------------------------- WebSocket

/// WebSocket parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WsQuery {
    /// Device token (browsers cannot set headers on WebSockets).
    pub token: Option<String>,
}

/// The push channel: `hello`, `manifest_changed`, `alert`, `command`, `ping`, `revoked` (JSON text frames).
#[utoipa::path(get, path = "/api/v1/player/ws", tag = "player", params(WsQuery),
    responses((status = 101, description = "WebSocket"), (status = 401, body = crate::error::Problem)))]
pub async fn ws(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WsQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let token = match (bearer(&headers)?, q.token) {
        (Some(t), _) | (None, Some(t)) => t,
        (None, None) => {
            return Err(unauthorized(
                "missing-device-token",
                "send Authorization: Bearer DEVICE_TOKEN or ?token=",
            ))
        }
    };
    let device = authenticate(&state, &token).await?;
    let upgrade = upgrade.map_err(|e| {
        ApiError::bad_request(
            "websocket-required",
            format!("not a WebSocket upgrade: {e}"),
        )
    })?;
    // Players send only small pongs and receive small JSON messages: small buffers keep a connected screen
    // cheap (the defaults reserve 128 KiB per socket), and a client cannot make the server buffer much.
    Ok(upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(64 * 1024)
        .max_frame_size(64 * 1024)
        .on_upgrade(move |socket| serve_socket(state, device, socket))
        .into_response())
}

async fn serve_socket(state: AppState, device: Device, mut socket: WebSocket) {
    let hub = state.hub.clone();
    let screen_id = device.screen_id.clone();
    let (conn, mut rx) = hub.connect(&screen_id, &device.id);
    let _ = state.store.touch_screen(&screen_id, now_ms()).await;
    let etag = hub
        .manifest(&state, &screen_id, 48, now_ms())
        .await
        .map(|m| m.etag.clone())
        .ok();
    if let Some(e) = &etag {
        hub.announced(&screen_id, e);
    }
    let hello = message(
        "hello",
        json!({"screen_id": screen_id, "device_id": device.id, "etag": etag}),
    );
    if socket.send(Message::Text(hello.into())).await.is_ok() {
        let mut ping = tokio::time::interval(hub.settings.ping_every);
        ping.tick().await;
        loop {
            tokio::select! {
                out = rx.recv() => match out {
                    Some(Outbound::Text(t)) => {
                        if socket.send(Message::Text(t.into())).await.is_err() { break; }
                    }
                    Some(Outbound::Close(code)) => {
                        let _ = socket.send(Message::Close(Some(axum::extract::ws::CloseFrame {
                            code, reason: "revoked".into() }))).await;
                        break;
                    }
                    None => break,
                },
                msg = socket.recv() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if socket.send(Message::Text(message("ping", json!({})).into())).await.is_err() { break; }
                }
            }
        }
    }
    hub.disconnect(&screen_id, conn);
}

// ---------------------------------------------------------------------------------------------- heartbeat

/// The item on screen.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrentItem {
    /// Campaign id.
    pub campaign: Option<String>,
    /// Item id.
    pub item: Option<String>,
    /// Alert id.
    pub alert: Option<String>,
    /// Device time it started.
    pub started_at: Option<i64>,
}

/// Cache fill.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CacheState {
    /// Media in the horizon.
    pub items_total: Option<u64>,
    /// Media cached.
    pub items_cached: Option<u64>,
    /// Bytes cached.
    pub bytes_cached: Option<u64>,
}

/// A player-side error.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayerError {
    /// Device time.
    pub at: Option<i64>,
    /// Short code.
    pub code: String,
    /// Message.
    #[serde(default)]
    pub message: String,
}

/// A heartbeat.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// Player version.
    pub player_version: Option<String>,
    /// ETag of the manifest in use.
    pub manifest_etag: Option<String>,
    /// Item on screen.
    pub current: Option<CurrentItem>,
    /// Cache state.
    pub cache: Option<CacheState>,
    /// Free storage, bytes.
    pub storage_free_bytes: Option<u64>,
    /// Recent errors (≤ 50).
    #[serde(default)]
    pub errors: Vec<PlayerError>,
    /// Device clock when sent.
    pub device_time: Option<i64>,
}

/// Answer to a heartbeat.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeartbeatAnswer {
    /// Server clock, epoch ms.
    pub server_time: i64,
    /// Current manifest ETag.
    pub manifest_etag: Option<String>,
    /// When to send the next heartbeat.
    pub next_heartbeat_ms: i64,
    /// Token expiry.
    pub token_expires_at: i64,
}

/// Status report; answers the server time for clock-offset estimation.
#[utoipa::path(post, path = "/api/v1/player/heartbeat", tag = "player", request_body = Heartbeat,
    security(("bearer" = [])),
    responses((status = 200, body = HeartbeatAnswer), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem)))]
pub async fn heartbeat(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    ApiJson(hb): ApiJson<Heartbeat>,
) -> ApiResult<Json<HeartbeatAnswer>> {
    if hb.errors.len() > 50 {
        return Err(ApiError::bad_request(
            "too-many-errors",
            "at most 50 errors per heartbeat",
        ));
    }
    let texts = [&hb.player_version, &hb.manifest_etag]
        .into_iter()
        .flatten()
        .chain(hb.errors.iter().flat_map(|e| [&e.code, &e.message]))
        .chain(
            hb.current
                .iter()
                .flat_map(|c| [&c.campaign, &c.item, &c.alert].into_iter().flatten()),
        );
    for t in texts {
        super::check_text("heartbeat field", t, 500)?;
    }
    let now = now_ms();
    let offset = hb.device_time.map(|d| now - d);
    let body = serde_json::to_string(&hb).map_err(ApiError::internal)?;
    state
        .hub
        .record_heartbeat(
            &state.store,
            twincast_store::HeartbeatRecord {
                screen_id: device.screen_id.clone(),
                device_id: device.id.clone(),
                body,
                clock_offset_ms: offset,
                at: now,
            },
        )
        .await
        .map_err(|e| ApiError::internal(format!("storing the heartbeat: {e}")))?;
    let etag = state
        .hub
        .manifest(&state, &device.screen_id, 48, now)
        .await
        .map(|m| m.etag.clone())
        .ok();
    Ok(Json(HeartbeatAnswer {
        server_time: now_ms(),
        manifest_etag: etag,
        next_heartbeat_ms: 30_000,
        token_expires_at: device.token_expires_at,
    }))
}

// ---------------------------------------------------------------------------------------------- plays

/// A proof-of-play batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlayBatch {
    /// 1–500 events.
    pub events: Vec<PlayEvent>,
}

/// Answer to a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlayBatchAnswer {
    /// New events.
    pub accepted: u64,
    /// Already known ids.
    pub duplicates: u64,
    /// Server receive time.
    pub received_at: i64,
}

fn check_event(i: usize, e: &PlayEvent) -> ApiResult<()> {
    let bad = |why: &str| {
        Err(ApiError::bad_request(
            "invalid-play-event",
            format!("event {i}: {why}"),
        ))
    };
    if e.id.is_empty()
        || e.id.len() > 64
        || !e
            .id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad("id must be 1-64 of A-Z a-z 0-9 - _");
    }
    let d = e.ended_at - e.started_at;
    if !(0..=86_400_000).contains(&d) || e.started_at < 0 {
        return bad("ended_at - started_at must be within 0..=86400000 ms");
    }
    if e.campaign.is_none() && e.alert.is_none() {
        return bad("an event names a campaign or an alert");
    }
    for s in [&e.campaign, &e.item, &e.partner, &e.alert]
        .into_iter()
        .flatten()
    {
        if s.len() > 200 || s.chars().any(char::is_control) {
            return bad("ids are at most 200 characters, without control characters");
        }
    }
    Ok(())
}

/// Records proof of play: idempotent by event id, durable before the answer.
#[utoipa::path(post, path = "/api/v1/player/plays", tag = "player", request_body = PlayBatch,
    security(("bearer" = [])),
    responses((status = 200, body = PlayBatchAnswer), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 413, body = crate::error::Problem)))]
pub async fn plays(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    body: Body,
) -> ApiResult<Json<PlayBatchAnswer>> {
    let bytes = axum::body::to_bytes(body, MAX_PLAYS_BODY)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                format!("a proof-of-play body may have at most {MAX_PLAYS_BODY} bytes"),
            )
        })?;
    let batch: PlayBatch = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("invalid-body", format!("bad play batch: {e}")))?;
    if batch.events.is_empty() {
        return Err(ApiError::bad_request(
            "empty-batch",
            "a batch needs at least one event",
        ));
    }
    if batch.events.len() > MAX_BATCH {
        return Err(ApiError::bad_request(
            "too-many-events",
            format!("at most {MAX_BATCH} events per batch; split it"),
        ));
    }
    for (i, e) in batch.events.iter().enumerate() {
        check_event(i, e)?;
    }
    let received_at = now_ms();
    let r = state
        .store
        .record_plays(&device.screen_id, &device.id, &batch.events, received_at)
        .await?;
    Ok(Json(PlayBatchAnswer {
        accepted: r.accepted,
        duplicates: r.duplicates,
        received_at,
    }))
}

// ---------------------------------------------------------------------------------------------- screenshots

/// Uploads a screenshot (PNG or JPEG, ≤ 5 MiB) after a `screenshot` command.
#[utoipa::path(post, path = "/api/v1/player/screenshot", tag = "player", security(("bearer" = [])),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 204), (status = 401, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem)))]
pub async fn upload_screenshot(
    State(state): State<AppState>,
    PlayerAuth(device): PlayerAuth,
    body: Body,
) -> ApiResult<StatusCode> {
    let bytes = axum::body::to_bytes(body, MAX_SCREENSHOT)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload-too-large",
                "a screenshot may have at most 5 MiB",
            )
        })?;
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "a screenshot must be PNG or JPEG",
        ));
    };
    state
        .store
        .save_screenshot(&device.screen_id, mime, &bytes, now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest screenshot of a screen.
#[utoipa::path(get, path = "/api/v1/screens/{id}/screenshot", tag = "screens", params(("id" = String, Path)),
    responses((status = 200, description = "PNG or JPEG"), (status = 404, body = crate::error::Problem)))]
pub async fn get_screenshot(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    match state.store.screenshot(&id).await? {
        Some((mime, data, _)) => Ok((
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&mime).map_err(ApiError::internal)?,
            )],
            data,
        )
            .into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-screenshot",
            "this screen has sent no screenshot",
        )),
    }
}

// ---------------------------------------------------------------------------------------------- operator side

/// A command for a screen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRequest {
    /// `reload`, `screenshot` or `identify`.
    pub command: String,
}

/// A sent command.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommandSent {
    /// Command id.
    pub id: String,
    /// The command.
    pub command: String,
    /// Target screen.
    pub screen_id: String,
}

/// Sends a command to a screen's open sockets (not queued for offline screens).
#[utoipa::path(post, path = "/api/v1/screens/{id}/commands", tag = "screens",
    params(("id" = String, Path)), request_body = CommandRequest,
    responses((status = 202, body = CommandSent), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)))]
pub async fn send_command(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CommandRequest>,
) -> ApiResult<(StatusCode, Json<CommandSent>)> {
    who.require(&[Role::Operator, Role::Admin])?;
    if !["reload", "screenshot", "identify"].contains(&req.command.as_str()) {
        return Err(ApiError::bad_request(
            "invalid-command",
            "command must be reload, screenshot or identify",
        ));
    }
    state.store.screen(&id).await?;
    let cmd_id = twincast_store::new_id();
    state.hub.send_to(
        &id,
        &message("command", json!({"id": cmd_id, "command": req.command})),
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(CommandSent {
            id: cmd_id,
            command: req.command,
            screen_id: id,
        }),
    ))
}

/// Revokes the screen's device token and closes its sockets.
#[utoipa::path(delete, path = "/api/v1/screens/{id}/device", tag = "screens", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    who.require(&[Role::Operator, Role::Admin])?;
    state.store.screen(&id).await?;
    let ids = state.store.revoke_devices(&id, now_ms()).await?;
    if ids.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no-device",
            "this screen has no active device",
        ));
    }
    state.hub.revoke(&id, &ids);
    Ok(StatusCode::NO_CONTENT)
}

/// Status of one screen: online/offline, device, socket, last heartbeat.
#[utoipa::path(get, path = "/api/v1/screens/{id}/status", tag = "screens", params(("id" = String, Path)),
    responses((status = 200, description = "status"), (status = 404, body = crate::error::Problem)))]
pub async fn screen_status(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let view = state.store.screen(&id).await?;
    let device = state.store.active_device(&id).await?;
    let hb = state.store.screen_status(&id).await?;
    let online = view
        .screen
        .last_seen_at
        .is_some_and(|t| now_ms() - t < state.hub.settings.offline_after_ms);
    let mut heartbeat = hb.as_ref().map(|h| h.heartbeat.clone());
    if let (Some(Value::Object(m)), Some(h)) = (&mut heartbeat, &hb) {
        m.insert("clock_offset_ms".into(), json!(h.clock_offset_ms));
        m.insert("received_at".into(), json!(h.updated_at));
    }
    Ok(Json(json!({
        "screen_id": id,
        "status": if online { "online" } else { "offline" },
        "last_seen_at": view.screen.last_seen_at,
        "device": device.map(|d| json!({"id": d.id, "paired_at": d.paired_at, "token_expires_at": d.token_expires_at})),
        "connected": state.hub.is_connected(&id),
        "heartbeat": heartbeat,
    })))
}

/// Filters of play reports.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlaysQuery {
    /// Screen id.
    pub screen: Option<String>,
    /// Partner slug.
    pub partner: Option<String>,
    /// Location id.
    pub location: Option<String>,
    /// `started_at >= from` (epoch ms).
    pub from: Option<i64>,
    /// `started_at < to` (epoch ms).
    pub to: Option<i64>,
    /// Grouping of `/plays/aggregates`: `partner`, `location` or `day`.
    pub by: Option<String>,
}

/// Play summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaySummary {
    /// Plays.
    pub total: i64,
    /// Played seconds.
    pub seconds: f64,
    /// Per partner.
    pub by_partner: Vec<PartnerPlays>,
}

/// Plays of one partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerPlays {
    /// Partner slug.
    pub slug: String,
    /// Plays.
    pub plays: i64,
    /// Seconds.
    pub seconds: f64,
}

/// Partner restriction of the caller: editors see their own partners only.
fn restrict(who: &Principal, q: &PlaysQuery) -> ApiResult<Option<Vec<String>>> {
    if who.user.role != Role::PartnerEditor {
        return Ok(None);
    }
    if let Some(p) = &q.partner {
        if !who.user.partners.contains(p) {
            return Err(ApiError::forbidden(format!(
                "you may not see plays of partner {p:?}"
            )));
        }
    }
    Ok(Some(who.user.partners.clone()))
}

fn filter_of(q: &PlaysQuery) -> PlayFilter {
    PlayFilter {
        screen: q.screen.clone(),
        partner: q.partner.clone(),
        location: q.location.clone(),
        from: q.from,
        to: q.to,
    }
}

/// Proof-of-play totals and per-partner plays/seconds.
#[utoipa::path(get, path = "/api/v1/plays/summary", tag = "plays", params(PlaysQuery),
    responses((status = 200, body = PlaySummary), (status = 403, body = crate::error::Problem)))]
pub async fn plays_summary(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<PlaysQuery>,
) -> ApiResult<Json<PlaySummary>> {
    if q.by.is_some() {
        return Err(ApiError::bad_request(
            "invalid-query",
            "`by` belongs to /api/v1/plays/aggregates",
        ));
    }
    let scope = restrict(&who, &q)?;
    let rows = state
        .store
        .play_aggregates(&filter_of(&q), PlayGrouping::Partner)
        .await?;
    let visible = |r: &PlayAggregate| match (&scope, &r.key) {
        (None, _) => true,
        (Some(list), Some(k)) => list.contains(k),
        (Some(_), None) => false,
    };
    let rows: Vec<&PlayAggregate> = rows.iter().filter(|r| visible(*r)).collect();
    Ok(Json(PlaySummary {
        total: rows.iter().map(|r| r.plays).sum(),
        seconds: rows.iter().map(|r| r.seconds).sum(),
        by_partner: rows
            .iter()
            .filter_map(|r| {
                r.key.as_ref().map(|k| PartnerPlays {
                    slug: k.clone(),
                    plays: r.plays,
                    seconds: r.seconds,
                })
            })
            .collect(),
    }))
}

/// Plays and seconds per partner, location or UTC day.
#[utoipa::path(get, path = "/api/v1/plays/aggregates", tag = "plays", params(PlaysQuery),
    responses((status = 200, description = "{by, rows: [{key, plays, seconds}]}"),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn plays_aggregates(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<PlaysQuery>,
) -> ApiResult<Json<Value>> {
    let by = match q.by.as_deref().unwrap_or("partner") {
        "partner" => PlayGrouping::Partner,
        "location" => PlayGrouping::Location,
        "day" => PlayGrouping::Day,
        other => {
            return Err(ApiError::bad_request(
                "invalid-grouping",
                format!("by={other:?}: expected partner, location or day"),
            ))
        }
    };
    let mut filter = filter_of(&q);
    let scope = restrict(&who, &q)?;
    if let Some(list) = &scope {
        if by != PlayGrouping::Partner && filter.partner.is_none() {
            match list.as_slice() {
                [only] => filter.partner = Some(only.clone()),
                _ => {
                    return Err(ApiError::bad_request(
                        "partner-required",
                        "name one of your partners with ?partner=",
                    ))
                }
            }
        }
    }
    let mut rows = state.store.play_aggregates(&filter, by).await?;
    if let (Some(list), PlayGrouping::Partner) = (&scope, by) {
        rows.retain(|r| r.key.as_ref().is_some_and(|k| list.contains(k)));
    }
    let name = match by {
        PlayGrouping::Partner => "partner",
        PlayGrouping::Location => "location",
        PlayGrouping::Day => "day",
    };
    Ok(Json(json!({"by": name, "rows": rows})))
}
