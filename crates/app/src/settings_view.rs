//! The settings an operator may look at, as they are in effect (they come from the configuration: the TOML file
//! given with `--config`, `TWINCAST_*` environment variables or flags, read at start). Secrets are masked: the
//! webhook key shows only whether it is set, and an SMTP URL's password is replaced.

use crate::error::AppResult;
use crate::{Actor, App};
use serde::Serialize;
use twincast_store::Role;

/// What an SMTP URL or key shows instead of its secret.
pub const MASK: &str = "••••••";

/// The effective settings of offline alerts, secrets masked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SettingsView {
    /// Silence after which a screen is offline, in seconds (`screen_offline_after_secs`).
    pub offline_after_secs: i64,
    /// Webhook URLs (`webhook_urls`).
    pub webhook_urls: Vec<String>,
    /// Whether the webhook signing key is set (`webhook_secret`; never shown).
    pub webhook_secret_set: bool,
    /// SMTP server with any password masked (`smtp_url`); empty: no e-mail.
    pub smtp_url: String,
    /// Sender (`smtp_from`).
    pub smtp_from: String,
    /// Recipients (`smtp_to`).
    pub smtp_to: Vec<String>,
}

/// `scheme://user:secret@host` → `scheme://user:••••••@host` (other URLs as they are).
pub fn mask_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:{MASK}@{host}"),
        None => url.to_string(),
    }
}

impl App {
    /// The offline-alert settings in effect, secrets masked (admins and operators).
    pub fn settings_view(&self, actor: &Actor) -> AppResult<SettingsView> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let n = &self.settings.notify;
        Ok(SettingsView {
            offline_after_secs: self.settings.offline_after_ms / 1000,
            webhook_urls: n
                .webhook_urls
                .iter()
                .map(|u| mask_url_password(u))
                .collect(),
            webhook_secret_set: !n.webhook_secret.is_empty(),
            smtp_url: mask_url_password(&n.smtp_url),
            smtp_from: n.smtp_from.clone(),
            smtp_to: n.smtp_to.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_passwords_are_masked() {
        assert_eq!(
            mask_url_password("smtps://noc:hunter2@mail.example.org:465"),
            format!("smtps://noc:{MASK}@mail.example.org:465")
        );
        assert_eq!(
            mask_url_password("smtp://127.0.0.1:2525"),
            "smtp://127.0.0.1:2525"
        );
        assert_eq!(
            mask_url_password("smtp://user@host:25"),
            "smtp://user@host:25"
        );
    }
}
