//! Pairing: an unpaired player shows a short code, an operator claims it for a screen, the player's poll
//! receives the device token exactly once.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::places::screen_retired;
use crate::{secrets, validate, App};
use rand::Rng;
use twincast_store::{Device, Role, StoreError};

pub use twincast_protocol::PairingRequest;

/// Alphabet of pairing codes: no 0/O/1/I/L.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a pairing code.
pub const CODE_LEN: usize = 6;
/// Draws of a random code before giving up (codes are unique among open pairings).
const CODE_DRAWS: usize = 10;

/// A pairing just opened: the code to display and the secret to poll with (shown once).
#[derive(Debug, Clone, PartialEq)]
pub struct NewPairing {
    /// Pairing id (for polling).
    pub pairing_id: String,
    /// Code to display.
    pub code: String,
    /// Secret to poll with.
    pub poll_secret: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
}

/// A pairing as its player's poll finds it.
#[derive(Debug, Clone, PartialEq)]
pub enum PairingPoll {
    /// Not claimed yet.
    Pending {
        /// Expiry of the code, epoch ms.
        expires_at: i64,
    },
    /// Claimed: the device and its token, delivered by this answer and never again.
    Paired {
        /// The new device.
        device: Device,
        /// The device token.
        token: String,
    },
}

/// A claimed pairing: the new device, and the devices of the screen it replaced (now revoked).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDevice {
    /// The new device.
    pub device: Device,
    /// Replaced devices, whose sockets the caller closes.
    pub replaced: Vec<String>,
}

fn random_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
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

fn pairing_not_found() -> AppError {
    AppError::missing("pairing-not-found", "no such pairing (or a wrong secret)")
}

impl App {
    /// Opens a pairing for an unpaired player, valid for `ttl_ms`.
    pub async fn create_pairing(
        &self,
        info: &PairingRequest,
        ttl_ms: i64,
    ) -> AppResult<NewPairing> {
        for s in [&info.player_version, &info.user_agent]
            .into_iter()
            .flatten()
        {
            validate::text("player info", s, 500)?;
        }
        if let Some(k) = &info.public_key {
            crate::proof::check_public_key(k)?;
        }
        let secret = secrets::new_secret();
        let secret_hash = secrets::secret_hash(&secret);
        let info_json = serde_json::to_value(info).map_err(AppError::internal)?;
        let now = self.now_ms();
        for _ in 0..CODE_DRAWS {
            match self
                .store
                .create_pairing(
                    &random_code(),
                    &secret_hash,
                    &info_json,
                    info.public_key.as_deref(),
                    now,
                    ttl_ms,
                )
                .await
            {
                Ok(p) => {
                    return Ok(NewPairing {
                        pairing_id: p.id,
                        code: p.code,
                        poll_secret: secret,
                        expires_at: p.expires_at,
                    })
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::internal(format!(
            "no free pairing code after {CODE_DRAWS} draws"
        )))
    }

    /// One look at pairing `id` by its player (`secret`): pending, or paired with the device token, which is
    /// created and handed out by the first poll after the claim only (`pairing-consumed` afterwards).
    pub async fn poll_pairing(&self, id: &str, secret: &str) -> AppResult<PairingPoll> {
        let p = self.store.pairing(id).await.map_err(|e| match e {
            StoreError::NotFound => pairing_not_found(),
            other => other.into(),
        })?;
        if p.secret_hash != secrets::secret_hash(secret) {
            return Err(pairing_not_found());
        }
        let now = self.now_ms();
        if p.delivered_at.is_some() {
            return Err(AppError::gone(
                "pairing-consumed",
                "the token of this pairing was delivered already; start a new pairing",
            ));
        }
        if p.claimed_at.is_some() {
            let token = secrets::new_device_token();
            return match self
                .store
                .deliver_pairing(&p.id, &secrets::secret_hash(&token), now)
                .await
            {
                Ok(device) => Ok(PairingPoll::Paired { device, token }),
                Err(StoreError::Conflict(_)) => Err(AppError::gone(
                    "pairing-consumed",
                    "the token of this pairing was delivered already or revoked; start a new pairing",
                )),
                Err(e) => Err(e.into()),
            };
        }
        if p.expires_at <= now {
            return Err(AppError::gone(
                "pairing-expired",
                "the pairing code expired; start a new pairing",
            ));
        }
        Ok(PairingPoll::Pending {
            expires_at: p.expires_at,
        })
    }

    /// Whether a player is showing `code` now, waiting to be paired (operators, admins): checked before a new
    /// screen is created for it, so a mistyped code creates nothing.
    pub async fn open_pairing(&self, actor: &Actor, code: &str) -> AppResult<()> {
        actor.require(&[Role::Operator, Role::Admin])?;
        let code = normalize_code(code).ok_or_else(pairing_not_found)?;
        match self.store.open_pairing(&code, self.now_ms()).await? {
            Some(_) => Ok(()),
            None => Err(pairing_not_found()),
        }
    }

    /// Pairs the player showing `code` with screen `screen_id` (operators, admins); the device token will be
    /// valid for `token_ttl_ms`. The screen's previous devices are revoked (returned in `replaced`).
    pub async fn claim_pairing(
        &self,
        actor: &Actor,
        code: &str,
        screen_id: &str,
        token_ttl_ms: i64,
    ) -> AppResult<ClaimedDevice> {
        actor.require(&[Role::Operator, Role::Admin])?;
        let code = normalize_code(code).ok_or_else(pairing_not_found)?;
        let entry = self.audit(actor, "screen.pair", screen_id);
        let (device, replaced) = self
            .store
            .claim_pairing(&code, screen_id, token_ttl_ms, &entry)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => pairing_not_found(),
                StoreError::Invalid(_) => AppError::missing("screen-not-found", "no such screen"),
                StoreError::Conflict(m) if m == "screen-retired" => screen_retired(),
                StoreError::Conflict(_) => {
                    AppError::conflict("pairing-already-claimed", "this code was claimed already")
                }
                other => other.into(),
            })?;
        self.devices_revoked(screen_id, &replaced);
        Ok(ClaimedDevice { device, replaced })
    }
}
