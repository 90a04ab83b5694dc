//! Secrets: random tokens, their stored hashes, and passwords (argon2id).
//!
//! Session cookies, API tokens and device tokens are random 256-bit values; only their SHA-256 is stored.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of API tokens (`tc_…`), so they are recognisable in logs and secret scanners.
pub const API_TOKEN_PREFIX: &str = "tc_";
/// Prefix of device tokens (`tcd_…`) held by paired players.
pub const DEVICE_TOKEN_PREFIX: &str = "tcd_";

/// A new random secret, URL-safe base64 of 32 bytes.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// A new API token secret (`tc_…`).
pub fn new_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", new_secret())
}

/// A new device token secret (`tcd_…`).
pub fn new_device_token() -> String {
    format!("{DEVICE_TOKEN_PREFIX}{}", new_secret())
}

/// Hex SHA-256 of a secret (what the store keeps).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks a new password is acceptable.
pub fn check_password_policy(password: &str) -> AppResult<()> {
    if password.chars().count() < 8 {
        return Err(AppError::invalid(
            "weak-password",
            "a password needs at least 8 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(AppError::invalid(
            "weak-password",
            "a password may have at most 1024 bytes",
        ));
    }
    Ok(())
}

/// argon2id hash of a password (runs off the async threads).
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("hashing password: {e}")))
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches the stored hash (runs off the async threads).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A fixed hash to verify against when the account does not exist, so timing does not reveal which names exist.
pub(crate) fn dummy_hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| {
        Argon2::default()
            .hash_password(b"twincast-dummy-password")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn password_hash_round_trip() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong horse".into(), h).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_secret();
        assert_ne!(a, new_secret());
        assert_eq!(secret_hash(&a).len(), 64);
        assert!(new_api_token().starts_with("tc_"));
        assert!(new_device_token().starts_with("tcd_"));
        assert_eq!(
            check_password_policy("short").unwrap_err().code(),
            "weak-password"
        );
        assert!(check_password_policy("long enough").is_ok());
    }
}
