//! Who may do what: the role rules, once. Front doors authenticate and build an [`Actor`]; operations check it.

use crate::error::{AppError, AppResult};
use twincast_store::{Role, User};

/// The account an operation runs for, and the scopes of the API token it came with (if any).
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account.
    pub user: User,
    /// Scopes of the API token used (`None` for a session or a local command).
    pub token_scopes: Option<Vec<String>>,
}

impl Actor {
    /// An actor from an account with every right of its role (sessions, local commands).
    pub fn new(user: User) -> Actor {
        Actor {
            user,
            token_scopes: None,
        }
    }

    /// Fails with `forbidden` unless the account has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "the role {} may not do this",
                self.user.role.as_str()
            )))
        }
    }

    /// Whether the account may change content of the partner `slug`.
    pub fn can_manage_partner(&self, slug: &str) -> bool {
        match self.user.role {
            Role::Admin | Role::Operator => true,
            Role::PartnerEditor => self.user.partners.iter().any(|p| p == slug),
            Role::Viewer => false,
        }
    }

    /// Fails with `forbidden` unless the account may change content of partner `slug`.
    pub fn require_partner(&self, slug: &str) -> AppResult<()> {
        if self.can_manage_partner(slug) {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "you may not change content of partner {slug:?}"
            )))
        }
    }

    /// Partners whose content the account may change (`None` = all).
    pub fn partner_scope(&self) -> Option<Vec<String>> {
        match self.user.role {
            Role::Admin | Role::Operator => None,
            Role::PartnerEditor => Some(self.user.partners.clone()),
            Role::Viewer => Some(vec![]),
        }
    }
}
