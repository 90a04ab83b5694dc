//! Device tokens (the rules of authenticating a player), device revocation and a screen's status.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::places::ScreenStatus;
use crate::{secrets, App};
use serde_json::{json, Value};
use twincast_store::{Device, Role, TokenState};

/// Longest accepted device token (longer input is refused before hashing).
const MAX_TOKEN_LEN: usize = 200;

/// A front door's cache of valid device tokens (by token hash), checked before the database.
pub trait DeviceCache: Send + Sync {
    /// The cached device of `token_hash`, if the cache holds one that is still fresh.
    fn cached(&self, token_hash: &str) -> Option<Device>;
    /// Remembers a device that just authenticated with `token_hash`.
    fn remember(&self, token_hash: &str, device: &Device);
    /// Counts a miss; `Some(generation)` when this miss should fill the cache whole (a burst of misses: many
    /// screens reaching this node at once, and no fill under way), the generation to hand back to
    /// [`DeviceCache::fill`], which must then be called (with nothing if the list could not be read).
    fn fill_wanted(&self) -> Option<u64> {
        None
    }
    /// Fills the cache with every valid device (by token hash), read after [`DeviceCache::fill_wanted`] gave
    /// `generation`; ignored if tokens were forgotten or revoked since (the list may hold them).
    fn fill(&self, _generation: u64, _devices: Vec<(String, Device)>) {}
}

/// No cache: every authentication asks the database.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDeviceCache;

impl DeviceCache for NoDeviceCache {
    fn cached(&self, _token_hash: &str) -> Option<Device> {
        None
    }
    fn remember(&self, _token_hash: &str, _device: &Device) {}
}

fn unauthenticated(code: &'static str, message: &str) -> AppError {
    AppError::Unauthenticated {
        code,
        message: message.into(),
    }
}

/// Checks that `token` has the form of a device token (`tcd_…`, at most 200 bytes).
pub fn check_device_token(token: &str) -> AppResult<()> {
    if !token.starts_with(secrets::DEVICE_TOKEN_PREFIX) || token.len() > MAX_TOKEN_LEN {
        return Err(unauthenticated(
            "invalid-device-token",
            "this is not a device token",
        ));
    }
    Ok(())
}

/// What an operator sees of one screen's player: online or not, its device, its last heartbeat.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenReport {
    /// The screen.
    pub screen_id: String,
    /// Online, offline or never seen (by the application clock).
    pub status: ScreenStatus,
    /// Last time the screen was heard from, epoch ms.
    pub last_seen_at: Option<i64>,
    /// The active (unrevoked) device.
    pub device: Option<Device>,
    /// The last heartbeat as sent, with `clock_offset_ms` and `received_at` added.
    pub heartbeat: Option<Value>,
}

impl App {
    /// Authenticates a player by its device token: form, then `cache`, then the database; an expired token is
    /// refused by the application clock even when cached. Valid tokens are remembered in `cache`.
    pub async fn authenticate_device(
        &self,
        token: &str,
        cache: &dyn DeviceCache,
    ) -> AppResult<Device> {
        check_device_token(token)?;
        let hash = secrets::secret_hash(token);
        let now = self.now_ms();
        if let Some(d) = cache.cached(&hash) {
            if d.token_expires_at > now && d.revoked_at.is_none() {
                return Ok(d);
            }
        }
        if let Some(generation) = cache.fill_wanted() {
            // A fill that fails leaves the cache as it was; this token is then read alone, below.
            let devices = self.store.valid_devices(now).await.unwrap_or_default();
            cache.fill(generation, devices);
            if let Some(d) = cache.cached(&hash) {
                if d.token_expires_at > now && d.revoked_at.is_none() {
                    return Ok(d);
                }
            }
        }
        match self.store.device_by_token(&hash, now).await? {
            Ok(d) => {
                cache.remember(&hash, &d);
                Ok(d)
            }
            Err(TokenState::Unknown) => Err(unauthenticated(
                "invalid-device-token",
                "the device token is not known",
            )),
            Err(TokenState::Expired) => Err(unauthenticated(
                "device-token-expired",
                "the device token has expired; pair again",
            )),
            Err(TokenState::Revoked) => Err(unauthenticated(
                "device-token-revoked",
                "the device token was revoked; pair again",
            )),
        }
    }

    /// Revokes the device tokens of screen `screen_id` (operators, admins); returns the revoked device ids, whose
    /// sockets the caller closes. `no-device` when the screen has no active device.
    pub async fn revoke_device(&self, actor: &Actor, screen_id: &str) -> AppResult<Vec<String>> {
        actor.require(&[Role::Operator, Role::Admin])?;
        self.store.screen(screen_id).await?;
        let entry = self.audit(actor, "screen.unpair", screen_id);
        let ids = self.store.revoke_devices(screen_id, &entry).await?;
        if ids.is_empty() {
            return Err(AppError::missing(
                "no-device",
                "this screen has no active device",
            ));
        }
        self.devices_revoked(screen_id, &ids);
        Ok(ids)
    }

    /// The status of screen `screen_id` (any signed-in role).
    pub async fn screen_status(&self, _actor: &Actor, screen_id: &str) -> AppResult<ScreenReport> {
        let view = self.store.screen(screen_id).await?;
        let device = self.store.active_device(screen_id).await?;
        let hb = self.store.screen_status(screen_id).await?;
        let status = ScreenStatus::of(
            view.screen.last_seen_at,
            self.now_ms(),
            self.settings.offline_after_ms,
        );
        let heartbeat = hb.map(|h| {
            let mut body = h.heartbeat;
            if let Value::Object(m) = &mut body {
                m.insert("clock_offset_ms".into(), json!(h.clock_offset_ms));
                m.insert("received_at".into(), json!(h.updated_at));
            }
            body
        });
        Ok(ScreenReport {
            screen_id: screen_id.to_string(),
            status,
            last_seen_at: view.screen.last_seen_at,
            device,
            heartbeat,
        })
    }
}
