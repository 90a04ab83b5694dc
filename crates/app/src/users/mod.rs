//! Accounts, API tokens and sessions: creating them, checking credentials, ending them. Account administration
//! (list, change, disable, reset a password, delete) is in `accounts.rs`, tokens in `tokens.rs`.
//!
//! Every change is audited in its transaction; a password appears in an entry only as a marker (`"(set)"`), never
//! as a hash.

mod accounts;
mod tokens;

pub use accounts::{PasswordChange, PasswordReset, UserQuery};
pub use tokens::TokenQuery;

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{secrets, validate, App};
use serde::{Deserialize, Serialize};
use serde_json::json;
use twincast_store::{ApiToken, Role, Session, StoreError, User};

/// What an audit entry records of an account: never its password hash.
#[derive(Debug, Serialize)]
pub(crate) struct AccountView<'a> {
    username: &'a str,
    role: Role,
    partners: &'a [String],
    disabled: bool,
}

impl<'a> AccountView<'a> {
    pub(crate) fn of(u: &'a User) -> AccountView<'a> {
        AccountView {
            username: &u.username,
            role: u.role,
            partners: &u.partners,
            disabled: u.disabled,
        }
    }
}

/// The marker an audit entry shows instead of a password.
pub(crate) const PASSWORD_MARK: &str = "(set)";

/// A new account.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Login name: 1-64 letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Partner slugs (required for partner-editor, refused for other roles).
    #[serde(default)]
    pub partners: Vec<String>,
}

/// A new API token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Label.
    pub name: String,
    /// `read` and/or `write` (default both).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Lifetime in days (default: no expiry).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A token as created: the secret is shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The secret to send as `Authorization: Bearer …`. Shown only now.
    pub token: String,
    /// The token's record.
    #[serde(flatten)]
    pub info: ApiToken,
}

/// A session as started by a login: the cookie secret and the CSRF token are shown once.
#[derive(Debug)]
pub struct StartedSession {
    /// The account.
    pub user: User,
    /// The cookie value.
    pub secret: String,
    /// The token to echo in `X-CSRF-Token`.
    pub csrf_token: String,
    /// Lifetime in seconds.
    pub ttl_secs: u64,
}

/// How a request authenticated with a session.
#[derive(Debug)]
pub struct SessionActor {
    /// Who.
    pub actor: Actor,
    /// The session's CSRF token, which state-changing requests must echo.
    pub csrf_token: String,
    /// The account's password was set by an administrator: until the account sets its own
    /// ([`App::change_own_password`]), the session may do nothing else (see [`password_change_required`]).
    pub password_change_required: bool,
}

/// The refusal of a session whose account must first change the password an administrator set (403
/// `password-change-required`).
pub fn password_change_required() -> AppError {
    AppError::Forbidden {
        code: "password-change-required",
        message: "an administrator set this account's password: choose your own first (POST /api/v1/auth/password)"
            .into(),
    }
}

impl App {
    /// Adds an account (admins; the local CLI acts as admin).
    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> AppResult<User> {
        actor.require(&[Role::Admin])?;
        validate::username(&new.username)?;
        secrets::check_password_policy(&new.password)?;
        validate::scope(new.role, &new.partners)?;
        for p in &new.partners {
            validate::slug("partner", p)?;
            self.referenced_partner(p).await?;
        }
        let hash = secrets::hash_password(new.password).await?;
        let entry = self
            .audit(actor, "user.create", "")
            .created(&AccountView {
                username: &new.username,
                role: new.role,
                partners: &new.partners,
                disabled: false,
            })
            .field("password", json!(null), json!(PASSWORD_MARK));
        self.store
            .create_user(&new.username, &hash, new.role, &new.partners, &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict(
                    "user-exists",
                    format!("user {:?} already exists", new.username),
                ),
                other => other.into(),
            })
    }

    /// One account by login name.
    pub async fn user_by_name(&self, username: &str) -> AppResult<User> {
        self.store
            .user_by_name(username)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::not_found(format!("no user {username:?}")),
                other => other.into(),
            })
    }

    /// Checks username and password and starts a session; records the login time. Unknown names take as long
    /// as wrong passwords. A disabled account cannot log in. An account whose password an administrator set
    /// logs in, but its session may only change the password ([`SessionActor::password_change_required`]).
    pub async fn login(&self, username: &str, password: String) -> AppResult<StartedSession> {
        let user = match self.store.user_by_name(username).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(secrets::dummy_hash);
        let ok = secrets::verify_password(password, hash).await;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => return Err(AppError::unauthenticated("wrong username or password")),
        };
        let secret = secrets::new_secret();
        let csrf_token = secrets::new_secret();
        let ttl_secs = self.settings.session_ttl_secs;
        let now = self.now_ms();
        self.store
            .create_session(
                &Session {
                    id_hash: secrets::secret_hash(&secret),
                    user_id: user.id.clone(),
                    csrf_token: csrf_token.clone(),
                    expires_at: now + (ttl_secs as i64) * 1000,
                },
                now,
            )
            .await?;
        metrics::counter!("twincast_logins_total").increment(1);
        Ok(StartedSession {
            user: self.store.user_by_id(&user.id).await?,
            secret,
            csrf_token,
            ttl_secs,
        })
    }

    /// Ends the session with this cookie secret (idempotent).
    pub async fn logout(&self, secret: &str) -> AppResult<()> {
        self.store
            .delete_session(&secrets::secret_hash(secret))
            .await?;
        self.reads.changed();
        Ok(())
    }

    /// The actor behind a session cookie secret, if the session is live now and its account enabled (a
    /// disabled account's sessions are refused with 401 at their next request).
    ///
    /// The answer is kept for a moment ([`crate::reads`]): any change a person makes drops it, and the session's
    /// end is checked at every use, so on this node a logout, a disabled account or a new role counts at the next
    /// request; on other nodes of the same database within [`Settings::read_cache_ms`](crate::Settings::read_cache_ms).
    pub async fn authenticate_session(&self, secret: &str) -> AppResult<SessionActor> {
        let hash = secrets::secret_hash(secret);
        let now = self.now_ms();
        let kept = self
            .reads
            .get_or_load(format!("session\u{1f}{hash}"), now, || async {
                self.load_session(&hash, now).await
            })
            .await?;
        let (s, expires_at) = &*kept;
        if *expires_at <= now {
            return Err(session_expired());
        }
        Ok(SessionActor {
            actor: s.actor.clone(),
            csrf_token: s.csrf_token.clone(),
            password_change_required: s.password_change_required,
        })
    }

    /// The live session `hash` and its end (epoch ms), read from the database.
    async fn load_session(&self, hash: &str, now: i64) -> AppResult<(SessionActor, i64)> {
        let session = self
            .store
            .session_at(hash, now)
            .await?
            .ok_or_else(session_expired)?;
        let user = self.active_user(&session.user_id).await?;
        Ok((
            SessionActor {
                password_change_required: user.must_change_password,
                actor: Actor::new(user),
                csrf_token: session.csrf_token,
            },
            session.expires_at,
        ))
    }

    /// The actor behind an API token secret (usable now: not revoked, not expired, its account enabled). With
    /// `write`, the token must have the write scope.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        write: bool,
    ) -> AppResult<(Actor, String)> {
        let t = self
            .store
            .token_by_hash_at(&secrets::secret_hash(secret), self.now_ms())
            .await?
            .ok_or_else(|| {
                AppError::unauthenticated("the API token is unknown, expired or revoked")
            })?;
        let user = self.active_user(&t.user_id).await?;
        if write && !t.scopes.iter().any(|s| s == "write") {
            return Err(AppError::forbidden("this API token has no write scope"));
        }
        Ok((
            Actor {
                user,
                token_scopes: Some(t.scopes),
                via: crate::access::Via::Token(t.id.clone()),
            },
            t.id,
        ))
    }

    /// The account `id` as it is now, refused (401) when disabled: read at every request, so disabling an
    /// account or changing its role takes effect at the next one.
    async fn active_user(&self, id: &str) -> AppResult<User> {
        let user = self.store.user_by_id(id).await.map_err(|e| match e {
            StoreError::NotFound => AppError::unauthenticated("the account no longer exists"),
            other => other.into(),
        })?;
        if user.disabled {
            return Err(AppError::Unauthenticated {
                code: "account-disabled",
                message: "the account is disabled".into(),
            });
        }
        Ok(user)
    }

    /// The local administrator the CLI acts as (an account that is not stored).
    pub fn local_admin() -> Actor {
        Actor::new(User {
            username: "(local command)".into(),
            role: Role::Admin,
            ..User::default()
        })
        .with_via(crate::access::Via::Cli)
    }
}

/// A session that is over (expired, ended, or never was).
fn session_expired() -> AppError {
    AppError::Unauthenticated {
        code: "session-expired",
        message: "the session has expired or was ended; log in again".into(),
    }
}
