//! Account administration (admins): list, read, change role / partner scopes / disabled, reset a password,
//! delete an account without history; and every account's own password change.
//!
//! Disabling an account ends its sessions at once; its API tokens stay but are refused (401) while it is
//! disabled, as are sessions started before (each request reads the account). A password reset by an admin
//! sets a one-time password: the account's sessions end, and the next login's session may only change it.

use super::{AccountView, PASSWORD_MARK};
use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, secrets, validate, App};
use serde::Deserialize;
use serde_json::json;
use twincast_store::{Page, PageRequest, Role, StoreError, User, UserFilter, UserInput, UserSort};

/// Filters and order of the account list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only disabled (`true`) or enabled (`false`) accounts.
    pub disabled: Option<bool>,
    /// Only login names containing this text (case-insensitive, at most 64 characters).
    pub q: Option<String>,
    /// The order (default: by login name).
    pub sort: UserSort,
}

/// An administrator's reset of an account's password: a one-time password the account must change at its next
/// login.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// The one-time password (at least 8 characters); tell it to the account's owner.
    pub password: String,
}

/// An account's change of its own password.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password now (the one-time password after a reset).
    pub current: String,
    /// The new password: at least 8 characters, different from the current one.
    pub new: String,
}

/// 409 `last-admin`: the change would leave no enabled administrator (checked by the store in the change's
/// transaction, so two administrators disabling each other at once cannot both succeed).
fn last_admin() -> AppError {
    AppError::conflict(
        "last-admin",
        "this is the last enabled administrator; make another account admin first",
    )
}

fn no_user(id: &str) -> AppError {
    AppError::not_found(format!("no user {id:?}"))
}

impl App {
    /// Accounts matching `q`, in its order (admins).
    pub async fn list_users(
        &self,
        actor: &Actor,
        q: &UserQuery,
        page: &PageRequest,
    ) -> AppResult<Page<User>> {
        actor.require(&[Role::Admin])?;
        if let Some(text) = &q.q {
            validate::text("q", text, 64)?;
        }
        let f = UserFilter {
            role: q.role,
            disabled: q.disabled,
            q: q.q.clone().filter(|s| !s.is_empty()),
            sort: q.sort,
        };
        Ok(self.store.list_users(&f, page).await?)
    }

    /// One account by id (admins; everyone may read their own).
    pub async fn user(&self, actor: &Actor, id: &str) -> AppResult<User> {
        if actor.user.id != id {
            actor.require(&[Role::Admin])?;
        }
        self.store.user_by_id(id).await.map_err(|e| match e {
            StoreError::NotFound => no_user(id),
            other => other.into(),
        })
    }

    /// Replaces an account's role, partner scopes and disabled flag (admins), if it is still at version
    /// `if_match` (when given). A role change applies from the account's next request; disabling ends its
    /// sessions and refuses its tokens.
    pub async fn update_user(
        &self,
        actor: &Actor,
        id: &str,
        input: &UserInput,
        if_match: Option<i64>,
    ) -> AppResult<User> {
        actor.require(&[Role::Admin])?;
        validate::scope(input.role, &input.partners)?;
        for p in &input.partners {
            validate::slug("partner", p)?;
            self.referenced_partner(p).await?;
        }
        let current = self.user(actor, id).await?;
        if actor.user.id == id && (input.disabled || input.role != current.role) {
            return Err(AppError::conflict(
                "own-account",
                "you cannot disable your own account or change your own role; ask another administrator",
            ));
        }
        let action = match (current.disabled, input.disabled) {
            (false, true) => "user.disable",
            (true, false) => "user.enable",
            _ => "user.update",
        };
        let entry = self
            .audit(actor, action, id)
            .diff(&UserInput::of(&current), input);
        self.store
            .update_user(id, input, revision::expected(if_match), &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) if m == "last-admin" => last_admin(),
                other => other.into(),
            })
    }

    /// Changes the fields a JSON merge patch names (`role`, `partners`, `disabled`; same rules as
    /// [`App::update_user`]).
    pub async fn patch_user(
        &self,
        actor: &Actor,
        id: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<User> {
        actor.require(&[Role::Admin])?;
        let current = self.user(actor, id).await?;
        let mut input = revision::merge_patch(&UserInput::of(&current), patch)?;
        // A role change away from partner-editor drops the partner scopes unless the patch names them.
        if input.role != Role::PartnerEditor
            && patch.get("partners").is_none()
            && patch.get("role").is_some()
        {
            input.partners.clear();
        }
        self.update_user(actor, id, &input, if_match).await
    }

    /// Disables (`disabled = true`) or enables an account (admins): the same change as [`App::update_user`] with
    /// only the flag changed.
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: &str,
        disabled: bool,
        if_match: Option<i64>,
    ) -> AppResult<User> {
        actor.require(&[Role::Admin])?;
        let current = self.user(actor, id).await?;
        let input = UserInput {
            disabled,
            ..UserInput::of(&current)
        };
        self.update_user(actor, id, &input, if_match).await
    }

    /// Sets a one-time password on an account (admins): its sessions end, and its next login may only change
    /// the password. Its API tokens keep working (revoke them, or disable the account, to cut them off).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: &str,
        reset: PasswordReset,
        if_match: Option<i64>,
    ) -> AppResult<User> {
        actor.require(&[Role::Admin])?;
        if actor.user.id == id {
            return Err(AppError::conflict(
                "own-account",
                "a reset is for another account; change your own password with POST /api/v1/auth/password",
            ));
        }
        secrets::check_password_policy(&reset.password)?;
        let current = self.user(actor, id).await?;
        let hash = secrets::hash_password(reset.password).await?;
        let entry = self
            .audit(actor, "user.reset-password", id)
            .field("password", json!(PASSWORD_MARK), json!(PASSWORD_MARK))
            .field(
                "must_change_password",
                json!(current.must_change_password),
                json!(true),
            );
        Ok(self
            .store
            .set_password(id, &hash, true, None, revision::expected(if_match), &entry)
            .await?)
    }

    /// Sets the password of the account named `username` for good (admins; the `twincast user passwd` command),
    /// ending its sessions. Unlike [`App::reset_password`], the account need not change it.
    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password: String,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        secrets::check_password_policy(&password)?;
        let current = self.user_by_name(username).await?;
        let hash = secrets::hash_password(password).await?;
        let entry = self
            .audit(actor, "user.set-password", &current.id)
            .field("password", json!(PASSWORD_MARK), json!(PASSWORD_MARK))
            .field(
                "must_change_password",
                json!(current.must_change_password),
                json!(false),
            );
        self.store
            .set_password(&current.id, &hash, false, None, 0, &entry)
            .await?;
        Ok(())
    }

    /// Changes the actor's own password after checking the current one (403 `wrong-password` otherwise). Clears
    /// a pending required change. Ends the account's other sessions; `session_secret` (the calling session's
    /// cookie secret, if it came with one) stays valid.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        change: PasswordChange,
        session_secret: Option<&str>,
    ) -> AppResult<User> {
        if actor.user.id.is_empty() {
            return Err(AppError::forbidden(
                "the local command has no password of its own",
            ));
        }
        let current = self.store.user_by_id(&actor.user.id).await?;
        if !secrets::verify_password(change.current.clone(), current.password_hash.clone()).await {
            return Err(AppError::Forbidden {
                code: "wrong-password",
                message: "the current password is not right".into(),
            });
        }
        secrets::check_password_policy(&change.new)?;
        if change.new == change.current {
            return Err(AppError::invalid(
                "password-unchanged",
                "the new password must differ from the current one",
            ));
        }
        let hash = secrets::hash_password(change.new).await?;
        let entry = self
            .audit(actor, "user.change-password", &current.id)
            .field("password", json!(PASSWORD_MARK), json!(PASSWORD_MARK))
            .field(
                "must_change_password",
                json!(current.must_change_password),
                json!(false),
            );
        let keep = session_secret.map(secrets::secret_hash);
        Ok(self
            .store
            .set_password(&current.id, &hash, false, keep.as_deref(), 0, &entry)
            .await?)
    }

    /// Deletes an account that has no audit history (admins), if still at version `if_match`. An account that
    /// did anything the audit log recorded is never deleted (409 `user-has-history`): disable it instead.
    pub async fn delete_user(
        &self,
        actor: &Actor,
        id: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin])?;
        let current = self.user(actor, id).await?;
        if actor.user.id == id {
            return Err(AppError::conflict(
                "cannot-delete-self",
                "you cannot delete your own account",
            ));
        }
        let entry = self
            .audit(actor, "user.delete", id)
            .deleted(&AccountView::of(&current));
        self.store
            .delete_user(id, revision::expected(if_match), &entry)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(m) if m == "last-admin" => last_admin(),
                StoreError::Conflict(_) => AppError::conflict(
                    "user-has-history",
                    "the account has audit history and is kept; disable it instead",
                ),
                other => other.into(),
            })
    }
}
