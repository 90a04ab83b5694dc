//! Who may do what: the role rules, once. Front doors authenticate and build an [`Actor`]; operations check it.

use crate::error::{AppError, AppResult};
use twincast_store::{Role, User};

/// How an actor reached the application (recorded in the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session.
    Session,
    /// An API token (its id).
    Token(String),
    /// A command on the server's own machine (`twincast …`).
    Cli,
    /// Twincast itself (a background worker).
    System,
}

impl Via {
    /// `session`, `token`, `cli` or `system`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Via::Session => "session",
            Via::Token(_) => "token",
            Via::Cli => "cli",
            Via::System => "system",
        }
    }
}

/// The account an operation runs for, the scopes of the API token it came with (if any), and how it came.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account.
    pub user: User,
    /// Scopes of the API token used (`None` for a session or a local command).
    pub token_scopes: Option<Vec<String>>,
    /// How it came (for the audit log).
    pub via: Via,
}

impl Actor {
    /// An actor from an account with every right of its role, through a session.
    pub fn new(user: User) -> Actor {
        Actor {
            user,
            token_scopes: None,
            via: Via::Session,
        }
    }

    /// The same actor, recorded as having come `via`.
    pub fn with_via(mut self, via: Via) -> Actor {
        self.via = via;
        self
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
            Role::Contributor | Role::NewsEditor | Role::Viewer => false,
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
            Role::Contributor | Role::NewsEditor | Role::Viewer => Some(vec![]),
        }
    }
}
