//! API tokens: every account creates, lists and revokes its own; admins list and revoke anyone's. Another
//! account's token is "not found" to a non-admin.

use super::{CreatedToken, NewToken};
use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, secrets, validate, App};
use serde::Serialize;
use serde_json::json;
use twincast_store::{ApiToken, Page, PageRequest, Role, TokenFilter};

/// Which tokens to list.
#[derive(Debug, Clone, Default)]
pub struct TokenQuery {
    /// Only the tokens of this account (admins: anyone's; others: only their own id). Default: the caller's own;
    /// admins may pass `all`.
    pub user: Option<String>,
    /// List revoked tokens too.
    pub include_revoked: bool,
}

/// What an audit entry records of a token: never its secret or hash.
#[derive(Debug, Serialize)]
struct TokenView<'a> {
    user_id: &'a str,
    name: &'a str,
    scopes: &'a [String],
    expires_at: Option<i64>,
}

fn no_token() -> AppError {
    AppError::not_found("no such token")
}

impl App {
    /// Creates an API token for the actor's own account. A token cannot mint a token with more scopes than its
    /// own.
    pub async fn create_token(&self, actor: &Actor, new: NewToken) -> AppResult<CreatedToken> {
        if actor.user.id.is_empty() {
            return Err(AppError::forbidden(
                "the local command has no account to own a token",
            ));
        }
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
        let entry = self.audit(actor, "token.create", "").created(&TokenView {
            user_id: &actor.user.id,
            name: &new.name,
            scopes: &scopes,
            expires_at,
        });
        let info = self
            .store
            .create_token(
                &actor.user.id,
                &new.name,
                &secrets::secret_hash(&token),
                &scopes,
                expires_at,
                &entry,
            )
            .await?;
        Ok(CreatedToken { token, info })
    }

    /// Tokens, oldest first: the actor's own; admins anyone's (`user` = an account id, or `all`). A non-admin
    /// naming another account is refused (403).
    pub async fn list_tokens(
        &self,
        actor: &Actor,
        q: &TokenQuery,
        page: &PageRequest,
    ) -> AppResult<Page<ApiToken>> {
        let user_id = match q.user.as_deref() {
            None => Some(actor.user.id.clone()),
            Some(u) if u == actor.user.id => Some(u.to_string()),
            Some(u) => {
                actor.require(&[Role::Admin])?;
                (u != "all").then(|| u.to_string())
            }
        };
        let f = TokenFilter {
            user_id,
            include_revoked: q.include_revoked,
        };
        Ok(self.store.list_tokens(&f, page).await?)
    }

    /// One token: the actor's own, or any for admins; others' tokens are "not found".
    pub async fn token(&self, actor: &Actor, id: &str) -> AppResult<ApiToken> {
        let t = self.store.token_by_id(id).await.map_err(|e| match e {
            twincast_store::StoreError::NotFound => no_token(),
            other => other.into(),
        })?;
        if t.user_id != actor.user.id && actor.user.role != Role::Admin {
            return Err(no_token());
        }
        Ok(t)
    }

    /// Revokes a token (the actor's own, or any for admins; others' are "not found"), if still at version
    /// `if_match`. Revoking a revoked token changes nothing.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<ApiToken> {
        let t = self.token(actor, id).await?;
        let entry = self.audit(actor, "token.revoke", id);
        let at = entry.at;
        let entry = entry.field("revoked_at", json!(null), json!(at));
        Ok(self
            .store
            .revoke_token(&t.id, revision::expected(if_match), &entry)
            .await?)
    }
}
