//! Rate limits every node of a database shares (login and pairing attempts per client address): a sliding window
//! of one minute counted in the database (`Store::rate_hit`), so N nodes behind a load balancer allow what one
//! node allows. No extra service.

use crate::App;
use std::net::IpAddr;

const MINUTE_MS: i64 = 60_000;

impl App {
    /// Counts an attempt of `kind` (`login`, `pairing`) from `ip` and says whether it is within `per_minute`. A
    /// database error lets the attempt through (the attempt itself needs the database and fails on its own).
    pub async fn rate_allowed(&self, kind: &str, ip: IpAddr, per_minute: u32) -> bool {
        let key = format!("{kind}:{ip}");
        match self.store.rate_hit(&key, self.now_ms(), MINUTE_MS).await {
            Ok(hits) => hits <= f64::from(per_minute.max(1)) + 1e-9,
            Err(e) => {
                tracing::warn!(error = %e, kind, "rate limit not checked");
                true
            }
        }
    }

    /// A login attempt from `ip` within the configured limit (`Settings::login_per_minute`).
    pub async fn login_allowed(&self, ip: IpAddr) -> bool {
        self.rate_allowed("login", ip, self.settings.login_per_minute)
            .await
    }

    /// A pairing request from `ip` within 30 a minute.
    pub async fn pairing_allowed(&self, ip: IpAddr) -> bool {
        self.rate_allowed("pairing", ip, 30).await
    }
}
