//! Rate limits every node of a database shares (login attempts, pairing requests and expressions of interest per
//! client address): a sliding window
//! of one minute counted in the database (`Store::rate_hit`), so N nodes behind a load balancer allow what one
//! node allows. No extra service.

use crate::users::StartedSession;
use crate::{App, AppError, AppResult};
use std::net::IpAddr;

const MINUTE_MS: i64 = 60_000;

impl App {
    /// Counts an attempt of `kind` (`login`, `pairing`, `interest`) from `ip` and says whether it is within `per_minute`. A
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

    /// Logs in from `ip`. Only failed attempts count against `Settings::login_per_minute` (a sliding minute per
    /// address): every attempt is counted before the password is checked, so parallel guesses cannot slip past the
    /// limit, and a successful one is taken back, so many people behind one address (an office, a balancer without
    /// `trusted_proxies`) can all sign in. Over the limit: 429 `too-many-logins`, and the password is not checked.
    pub async fn login_from(
        &self,
        ip: IpAddr,
        username: &str,
        password: String,
    ) -> AppResult<StartedSession> {
        if !self
            .rate_allowed("login", ip, self.settings.login_per_minute)
            .await
        {
            return Err(AppError::TooManyRequests {
                code: "too-many-logins",
                message: "too many failed login attempts from this address; wait a minute".into(),
            });
        }
        let started = self.login(username, password).await?;
        if let Err(e) = self
            .store
            .rate_refund(&format!("login:{ip}"), self.now_ms(), MINUTE_MS)
            .await
        {
            tracing::warn!(error = %e, "a successful login was not taken back from the rate limit");
        }
        Ok(started)
    }

    /// A pairing request from `ip` within 30 a minute.
    pub async fn pairing_allowed(&self, ip: IpAddr) -> bool {
        self.rate_allowed("pairing", ip, 30).await
    }

    /// An expression of interest from `ip` within `Settings::interests_per_minute`; over it, 429
    /// `too-many-interests` (counted whether or not the form is then accepted: a refused form is a try too).
    pub async fn interest_allowed(&self, ip: IpAddr) -> AppResult<()> {
        if self
            .rate_allowed("interest", ip, self.settings.interests_per_minute)
            .await
        {
            Ok(())
        } else {
            Err(AppError::TooManyRequests {
                code: "too-many-interests",
                message: "too many expressions of interest from this address; wait a minute".into(),
            })
        }
    }
}
