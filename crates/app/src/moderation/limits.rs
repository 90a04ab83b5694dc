//! Per-partner limits on partner-editors' campaigns: a priority ceiling and the places they may target.

use super::found;
use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use twincast_store::{CampaignInput, PartnerLimits, Role};

fn not_allowed(message: String) -> AppError {
    AppError::Forbidden {
        code: "target-not-allowed",
        message,
    }
}

impl App {
    /// The limits of partner `slug` and the partner's version (everyone logged in).
    pub async fn partner_limits(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> AppResult<(PartnerLimits, i64)> {
        actor.require(&[
            Role::Admin,
            Role::Operator,
            Role::PartnerEditor,
            Role::Viewer,
        ])?;
        Ok(self.store.partner_limits(slug).await?)
    }

    /// Sets the limits of partner `slug` (admins, operators), if the partner is still at version `if_match`.
    /// Returns the limits and the partner's new version. Locations and groups named must exist.
    pub async fn set_partner_limits(
        &self,
        actor: &Actor,
        slug: &str,
        limits: &PartnerLimits,
        if_match: Option<i64>,
    ) -> AppResult<(PartnerLimits, i64)> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let partner = self.store.partner_by_slug(slug).await?;
        if let Some(set) = &limits.allowed_targets {
            for l in &set.locations {
                if self.store.location_kind(l).await?.is_none() {
                    return Err(AppError::invalid(
                        "unknown-location",
                        format!("allowed_targets.locations: no location {l:?}"),
                    ));
                }
            }
            for g in &set.groups {
                if found(self.store.group(g).await)?.is_none() {
                    return Err(AppError::invalid(
                        "unknown-group",
                        format!("allowed_targets.groups: no screen group {g:?}"),
                    ));
                }
            }
            for k in &set.location_kinds {
                crate::validate::text("allowed_targets.location_kinds", k, 100)?;
            }
        }
        let (before, _) = self.store.partner_limits(slug).await?;
        let entry = self
            .audit(actor, "partner.limits", &partner.id)
            .partner(Some(slug))
            .diff(&before, limits);
        let v = self
            .store
            .set_partner_limits(&partner.id, limits, revision::expected(if_match), &entry)
            .await?;
        Ok((limits.clone(), v))
    }

    /// Checks a partner-editor's campaign against its partner's limits: priority at most the ceiling
    /// (`priority-above-ceiling`), targets inside the allowed set (`target-not-allowed`): only locations (listed,
    /// or of a listed kind), listed location kinds and listed groups; never every screen, screens, tags or a
    /// geofence. Others are not limited.
    pub(crate) async fn check_partner_limits(
        &self,
        actor: &Actor,
        c: &CampaignInput,
    ) -> AppResult<()> {
        if actor.user.role != Role::PartnerEditor {
            return Ok(());
        }
        let Some(slug) = c.partner.as_deref() else {
            return Ok(());
        };
        let (limits, _) = self.store.partner_limits(slug).await?;
        if let Some(ceiling) = limits.priority_ceiling {
            if c.priority > ceiling {
                return Err(AppError::Forbidden {
                    code: "priority-above-ceiling",
                    message: format!(
                        "priority {} is above the ceiling {ceiling} set for partner {slug:?}",
                        c.priority
                    ),
                });
            }
        }
        let Some(set) = limits.allowed_targets else {
            return Ok(());
        };
        let t = &c.targets;
        if t.is_everywhere() {
            return Err(not_allowed(format!(
                "partner {slug:?} may not target every screen; name its allowed locations or groups"
            )));
        }
        if !t.screens.is_empty() || !t.tags.is_empty() || t.geofence.is_some() {
            return Err(not_allowed(format!(
                "partner {slug:?} may target only its allowed locations, location kinds and groups (not screens, tags or geofences)"
            )));
        }
        for k in &t.location_kinds {
            if !set.location_kinds.contains(k) {
                return Err(not_allowed(format!(
                    "location kind {k:?} is outside partner {slug:?}'s allowed places"
                )));
            }
        }
        for g in &t.groups {
            if !set.groups.contains(g) {
                return Err(not_allowed(format!(
                    "screen group {g:?} is outside partner {slug:?}'s allowed places"
                )));
            }
        }
        for l in &t.locations {
            if set.locations.contains(l) {
                continue;
            }
            let kind = self.store.location_kind(l).await?;
            if !kind.is_some_and(|k| set.location_kinds.contains(&k)) {
                return Err(not_allowed(format!(
                    "location {l:?} is outside partner {slug:?}'s allowed places"
                )));
            }
        }
        Ok(())
    }
}
