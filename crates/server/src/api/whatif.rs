//! What-if before publishing over HTTP: simulate and explain with a draft change (a new campaign, a change to one,
//! or its deletion) that is not saved. The operations are [`twincast_app::App::simulate_draft`] and
//! [`twincast_app::App::explain_draft`]: checked like the campaign operation the draft stands for (roles, partner
//! rules, campaign rules and their codes); nothing is written.

use crate::auth::Principal;
use crate::error::{ApiJson, ApiResult, Problem};
use crate::AppState;
use axum::extract::State;
use axum::Json;
pub use twincast_app::schedule::{Draft, ExplainDraftRequest, WhatIfRequest};

/// The airtime effect of a draft on every screen it would affect, before and after, over 1-14 local days.
///
/// Screens whose engine inputs (zone, the campaigns that target them as seen on their orientation, the alerts)
/// are identical form one class and are simulated once; screens the draft leaves as they are are not reported.
#[utoipa::path(post, path = "/api/v1/simulate", tag = "schedule", request_body = WhatIfRequest,
    responses((status = 200, description = "`{from, days, screens, simulations, classes: [{screens: [id], time_zone, \
before: {from, to, total_seconds, partners: [{slug, target_share, achieved_share, seconds}]}, after: {…}, \
partners: [{slug, before_share, after_share, delta_share, before_seconds, after_seconds}]}], \
by_location_kind: [{location_kind, screens, before_seconds, after_seconds, partners: […]}], \
network: {location_kind: null, screens, before_seconds, after_seconds, partners: […]}}`", body = Object),
        (status = 400, description = "The draft breaks a campaign rule (the codes of campaign create and update, \
e.g. `invalid`, `invalid-text`, `unknown-partner`, `unknown-media`), the changes do not fit a campaign (`invalid-patch`), the request does not fit (`invalid-body`), \
`invalid-days`, `invalid-time` or `invalid-geofence`", body = Problem),
        (status = 403, description = "The caller may not make this change (e.g. a partner-editor drafting for \
another partner)", body = Problem),
        (status = 404, description = "The campaign to change or delete does not exist", body = Problem)))]
pub async fn simulate(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<WhatIfRequest>,
) -> ApiResult<Json<twincast_core::WhatIf>> {
    Ok(Json(state.app.simulate_draft(&who.actor(), b).await?))
}

/// What a screen would play at an instant, and why every other campaign would not, if the draft were live (a new
/// campaign is called `draft`).
#[utoipa::path(post, path = "/api/v1/explain", tag = "schedule", request_body = ExplainDraftRequest,
    responses((status = 200, description = "`{at, playing: {kind, start, end, partner, campaign, item, alert, headline, priority} | null, not_playing: [{campaign, partner, reason, detail}], zones?: [{campaign, partner, zone, plays, reason (zone_not_in_layout, not_targeted, no_content, not_yet_valid, expired) | null, detail}]}` (zones: the campaigns of free layout zones, when there are any)", body = Object),
        (status = 400, description = "The draft breaks a campaign rule (the codes of campaign create and update), \
`invalid-patch`, `invalid-body` or `invalid-time`", body = Problem),
        (status = 403, description = "The caller may not make this change", body = Problem),
        (status = 404, description = "No such screen, or no such campaign to change or delete", body = Problem)))]
pub async fn explain(
    State(state): State<AppState>,
    who: Principal,
    ApiJson(b): ApiJson<ExplainDraftRequest>,
) -> ApiResult<Json<twincast_core::Explanation>> {
    Ok(Json(state.app.explain_draft(&who.actor(), b).await?))
}
