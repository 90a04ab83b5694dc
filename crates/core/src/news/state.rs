//! An article's life: draft → in review → scheduled → published → withdrawn, and who may move it.
//!
//! A contributor writes (creates and edits their own drafts) and submits; an editor (the desk's editors, and
//! admins and operators, who may do everything) sends back, schedules, publishes, withdraws and reopens, and
//! edits in any state. [`transition`] is the whole rule: the app asks it before every change.

use serde::{Deserialize, Serialize};

/// Where an article is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written; only the desk sees it.
    Draft,
    /// Submitted by its writer; waiting for an editor.
    InReview,
    /// Approved to go out at its `publish_at` (it is published from that instant on, without a job).
    Scheduled,
    /// Out (visible subject to embargo and expiry).
    Published,
    /// Taken down by an editor; the public no longer sees it.
    Withdrawn,
}

impl State {
    /// Every state, in life order.
    pub const ALL: [State; 5] = [
        State::Draft,
        State::InReview,
        State::Scheduled,
        State::Published,
        State::Withdrawn,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::InReview => "in_review",
            State::Scheduled => "scheduled",
            State::Published => "published",
            State::Withdrawn => "withdrawn",
        }
    }

    /// The state named `s`.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What a person of the desk is, for the state rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeskRole {
    /// Writes and submits.
    Contributor,
    /// Reviews, schedules, publishes, withdraws.
    Editor,
}

/// A change asked of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Change its words or fields.
    Edit,
    /// Hand a draft to the editors.
    Submit,
    /// Send a submitted (or scheduled) article back to its writer.
    SendBack,
    /// Let it go out at a future instant.
    Schedule,
    /// Put it out now.
    Publish,
    /// Take it down.
    Withdraw,
    /// Make a withdrawn article a draft again.
    Reopen,
    /// Remove it for good.
    Delete,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::Edit,
        Action::Submit,
        Action::SendBack,
        Action::Schedule,
        Action::Publish,
        Action::Withdraw,
        Action::Reopen,
        Action::Delete,
    ];

    /// The wire name (`send-back`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::SendBack => "send-back",
            Action::Schedule => "schedule",
            Action::Publish => "publish",
            Action::Withdraw => "withdraw",
            Action::Reopen => "reopen",
            Action::Delete => "delete",
        }
    }
}

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The role may not do this (here): `forbidden`.
    #[error("a {role} may not {action} an article that is {state}")]
    Role {
        /// Who asked.
        role: &'static str,
        /// What.
        action: &'static str,
        /// In which state.
        state: &'static str,
    },
    /// Nobody may do this in this state: `invalid-transition`.
    #[error("an article that is {state} cannot be {action}: not a step of its life")]
    State {
        /// What.
        action: &'static str,
        /// In which state.
        state: &'static str,
    },
}

fn role_name(r: DeskRole) -> &'static str {
    match r {
        DeskRole::Contributor => "contributor",
        DeskRole::Editor => "news editor",
    }
}

/// The state after `action` on an article in (effective) state `from`, asked by `role`; `own` says whether the
/// asker wrote the article. `Delete` answers the state the article had (it is then gone).
pub fn transition(
    from: State,
    action: Action,
    role: DeskRole,
    own: bool,
) -> Result<State, Refused> {
    use Action as A;
    use State as S;
    // What the state allows at all, and what it becomes.
    let to = match (action, from) {
        (A::Edit, s) => s,
        (A::Submit, S::Draft) => S::InReview,
        (A::SendBack, S::InReview | S::Scheduled) => S::Draft,
        (A::Schedule, S::Draft | S::InReview | S::Scheduled) => S::Scheduled,
        (A::Publish, S::Draft | S::InReview | S::Scheduled) => S::Published,
        (A::Withdraw, S::Scheduled | S::Published) => S::Withdrawn,
        (A::Reopen, S::Withdrawn) => S::Draft,
        (A::Delete, S::Draft | S::InReview | S::Scheduled | S::Withdrawn) => from,
        _ => {
            return Err(Refused::State {
                action: action.as_str(),
                state: from.as_str(),
            })
        }
    };
    let allowed = match role {
        DeskRole::Editor => true,
        // A contributor writes and submits their own drafts, and may drop them.
        DeskRole::Contributor => {
            own && from == S::Draft && matches!(action, A::Edit | A::Submit | A::Delete)
        }
    };
    if allowed {
        Ok(to)
    } else {
        Err(Refused::Role {
            role: role_name(role),
            action: action.as_str(),
            state: from.as_str(),
        })
    }
}
