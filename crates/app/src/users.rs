//! Accounts, API tokens and sessions: creating them, checking credentials, ending them.

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::{secrets, validate, App};
use serde::{Deserialize, Serialize};
use twincast_store::{ApiToken, Role, Session, StoreError, User};

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
        }
        let hash = secrets::hash_password(new.password).await?;
        self.store
            .create_user(&new.username, &hash, new.role, &new.partners)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => AppError::conflict(
                    "user-exists",
                    format!("user {:?} already exists", new.username),
                ),
                other => other.into(),
            })
    }

    /// Every account (admins).
    pub async fn list_users(&self, actor: &Actor) -> AppResult<Vec<User>> {
        actor.require(&[Role::Admin])?;
        Ok(self.store.list_users().await?)
    }

    /// Sets an account's password (admins; the local CLI acts as admin).
    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password: String,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        secrets::check_password_policy(&password)?;
        let hash = secrets::hash_password(password).await?;
        self.store
            .set_password(username, &hash)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AppError::not_found(format!("no user {username:?}")),
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

    /// Creates an API token for the actor's own account. A token cannot mint a token with more scopes than its
    /// own.
    pub async fn create_token(&self, actor: &Actor, new: NewToken) -> AppResult<CreatedToken> {
        validate::text("name", &new.name, 100)?;
        let scopes = validate::token_scopes(new.scopes)?;
        if let Some(mine) = &actor.token_scopes {
            if scopes.iter().any(|s| !mine.contains(s)) {
                return Err(AppError::forbidden(
                    "a token cannot create a token with more scopes than its own",
                ));
            }
        }
        let token = secrets::new_api_token();
        let expires_at = new
            .expires_in_days
            .map(|d| self.now_ms() + i64::from(d) * 86_400_000);
        let info = self
            .store
            .create_token(
                &actor.user.id,
                &new.name,
                &secrets::secret_hash(&token),
                &scopes,
                expires_at,
            )
            .await?;
        Ok(CreatedToken { token, info })
    }

    /// The actor's own API tokens.
    pub async fn list_tokens(&self, actor: &Actor) -> AppResult<Vec<ApiToken>> {
        Ok(self.store.list_tokens(&actor.user.id).await?)
    }

    /// Revokes a token: the actor's own, or any for admins. Others' tokens are "not found".
    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> AppResult<()> {
        let t = self.store.token_by_id(id).await?;
        if t.user_id != actor.user.id && actor.user.role != Role::Admin {
            return Err(AppError::not_found("no such resource"));
        }
        Ok(self.store.revoke_token(id).await?)
    }

    /// Checks username and password and starts a session. Unknown names take as long as wrong passwords.
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
        self.store
            .create_session(&Session {
                id_hash: secrets::secret_hash(&secret),
                user_id: user.id.clone(),
                csrf_token: csrf_token.clone(),
                expires_at: self.now_ms() + (ttl_secs as i64) * 1000,
            })
            .await?;
        metrics::counter!("twincast_logins_total").increment(1);
        Ok(StartedSession {
            user,
            secret,
            csrf_token,
            ttl_secs,
        })
    }

    /// Ends the session with this cookie secret (idempotent).
    pub async fn logout(&self, secret: &str) -> AppResult<()> {
        Ok(self
            .store
            .delete_session(&secrets::secret_hash(secret))
            .await?)
    }

    /// The actor behind a session cookie secret, if the session is live now.
    pub async fn authenticate_session(&self, secret: &str) -> AppResult<SessionActor> {
        let session = self
            .store
            .session_at(&secrets::secret_hash(secret), self.now_ms())
            .await?
            .ok_or(AppError::Unauthenticated {
                code: "session-expired",
                message: "the session has expired or was ended; log in again".into(),
            })?;
        let user = self.active_user(&session.user_id).await?;
        Ok(SessionActor {
            actor: Actor::new(user),
            csrf_token: session.csrf_token,
        })
    }

    /// The actor behind an API token secret (usable now: not revoked, not expired). With `write`, the token
    /// must have the write scope.
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

    async fn active_user(&self, id: &str) -> AppResult<User> {
        let user = self.store.user_by_id(id).await?;
        if user.disabled {
            return Err(AppError::unauthenticated("the account is disabled"));
        }
        Ok(user)
    }

    /// The local administrator the CLI acts as (an account that is not stored).
    pub fn local_admin() -> Actor {
        Actor::new(User {
            id: String::new(),
            username: "(local command)".into(),
            role: Role::Admin,
            partners: vec![],
            disabled: false,
            created_at: 0,
            password_hash: String::new(),
        })
        .with_via(crate::access::Via::Cli)
    }
}
