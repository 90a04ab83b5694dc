//! `twincast user …` and `twincast token …`: accounts and API tokens, through the application's operations.

use anyhow::{Context, Result};
use clap::Subcommand;
use std::io::Read;
use twincast_app::App;
use twincast_store::Role;

#[derive(Subcommand)]
pub enum UserCmd {
    /// Adds an account; the password is read from standard input.
    Add {
        /// Login name.
        name: String,
        /// admin, operator, partner-editor, contributor, news-editor or viewer.
        #[arg(long)]
        role: Role,
        /// Partner slug a partner-editor may act for (repeatable).
        #[arg(long = "partner")]
        partners: Vec<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Sets an account's password (from standard input) and ends its sessions.
    Passwd {
        /// Login name.
        name: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Lists accounts (name, role, partners, state, last login).
    List,
    /// Disables an account: its sessions end, its sessions and API tokens are refused, it cannot log in.
    Disable {
        /// Login name.
        name: String,
    },
    /// Enables a disabled account.
    Enable {
        /// Login name.
        name: String,
    },
    /// Sets a one-time password (from standard input) that the account must change at its next login; ends its
    /// sessions.
    ResetPassword {
        /// Login name.
        name: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// Creates an API token and prints only the token.
    Create {
        /// Owner's login name.
        #[arg(long)]
        user: String,
        /// Label.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Scope (read, write; repeatable; default both).
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
    /// Lists API tokens (id, owner, name, scopes, last use), of one account or of all.
    List {
        /// Owner's login name (default: every account's).
        #[arg(long)]
        user: Option<String>,
        /// List revoked tokens too.
        #[arg(long)]
        all: bool,
    },
    /// Revokes an API token by id.
    Revoke {
        /// Token id.
        id: String,
    },
}

/// Runs a `twincast user` command as the local administrator.
pub async fn user(app: App, cmd: UserCmd) -> Result<()> {
    let admin = App::local_admin();
    match cmd {
        UserCmd::Add {
            name,
            role,
            partners,
            password_stdin: _,
        } => {
            twincast_app::validate::username(&name)?;
            twincast_app::validate::scope(role, &partners)?;
            let password = read_password()?;
            let new = twincast_app::users::NewUser {
                username: name,
                password,
                role,
                partners,
            };
            let u = app.create_user(&admin, new).await?;
            println!("added {} ({})", u.username, u.role.as_str());
        }
        UserCmd::Passwd {
            name,
            password_stdin: _,
        } => {
            let p = read_password()?;
            app.set_password(&admin, &name, p).await?;
            println!("password of {name} changed; its sessions ended");
        }
        UserCmd::List => {
            let mut page = twincast_store::PageRequest {
                limit: 500,
                cursor: None,
            };
            loop {
                let p = app.list_users(&admin, &Default::default(), &page).await?;
                for u in &p.items {
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        u.username,
                        u.role.as_str(),
                        u.partners.join(","),
                        if u.disabled { "disabled" } else { "enabled" },
                        u.last_login_at.map_or("never".into(), time_text),
                    );
                }
                match p.next_cursor {
                    Some(c) => page.cursor = Some(c),
                    None => break,
                }
            }
        }
        UserCmd::Disable { name } => {
            let u = app.user_by_name(&name).await?;
            app.set_user_disabled(&admin, &u.id, true, None).await?;
            println!("{name} disabled; its sessions ended and its tokens are refused");
        }
        UserCmd::Enable { name } => {
            let u = app.user_by_name(&name).await?;
            app.set_user_disabled(&admin, &u.id, false, None).await?;
            println!("{name} enabled");
        }
        UserCmd::ResetPassword {
            name,
            password_stdin: _,
        } => {
            let password = read_password()?;
            let u = app.user_by_name(&name).await?;
            app.reset_password(
                &admin,
                &u.id,
                twincast_app::users::PasswordReset { password },
                None,
            )
            .await?;
            println!("one-time password of {name} set; it must be changed at the next login");
        }
    }
    Ok(())
}

/// Runs a `twincast token` command.
pub async fn token(app: App, cmd: TokenCmd) -> Result<()> {
    match cmd {
        TokenCmd::Create { user, name, scopes } => {
            let u = app.user_by_name(&user).await?;
            let created = app
                .create_token(
                    &twincast_app::Actor::new(u).with_via(twincast_app::access::Via::Cli),
                    twincast_app::users::NewToken {
                        name,
                        scopes: (!scopes.is_empty()).then_some(scopes),
                        expires_in_days: None,
                    },
                )
                .await?;
            println!("{}", created.token);
        }
        TokenCmd::List { user, all } => {
            let admin = twincast_app::App::local_admin();
            let who = match user {
                Some(name) => app.user_by_name(&name).await?.id,
                None => "all".into(),
            };
            let q = twincast_app::users::TokenQuery {
                user: Some(who),
                include_revoked: all,
            };
            let mut page = twincast_store::PageRequest {
                limit: 500,
                cursor: None,
            };
            loop {
                let p = app.list_tokens(&admin, &q, &page).await?;
                for t in &p.items {
                    let owner = app
                        .user(&admin, &t.user_id)
                        .await
                        .map(|u| u.username)
                        .unwrap_or_default();
                    println!(
                        "{}\t{}\t{}\t{}\t{}{}",
                        t.id,
                        owner,
                        t.name,
                        t.scopes.join(","),
                        t.last_used_at.map_or("never used".into(), time_text),
                        if t.revoked_at.is_some() {
                            "\trevoked"
                        } else {
                            ""
                        },
                    );
                }
                match p.next_cursor {
                    Some(c) => page.cursor = Some(c),
                    None => break,
                }
            }
        }
        TokenCmd::Revoke { id } => {
            app.revoke_token(&twincast_app::App::local_admin(), &id, None)
                .await?;
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// An epoch-ms time as RFC 3339 (UTC).
fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| ms.to_string())
}

fn read_password() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("reading the password from standard input")?;
    let p = s.strip_suffix('\n').unwrap_or(&s);
    let p = p.strip_suffix('\r').unwrap_or(p).to_string();
    twincast_app::secrets::check_password_policy(&p)?;
    Ok(p)
}
