//! `/api/v1`: the JSON API. Every handler is annotated for the OpenAPI document, which is generated from this code.

pub mod airtime;
pub mod alerts;
pub mod audit;
pub mod campaigns;
pub mod cap_sources;
pub mod captions;
pub mod cooperation;
pub mod groups;
pub mod jobs;
pub mod layouts;
pub mod media;
pub mod moderation;
pub mod news;
pub mod news_tickers;
pub mod news_wire;
pub mod notifications;
pub mod openapi;
pub mod partners;
pub mod places;
pub mod player;
pub mod proof;
pub mod public;
pub mod reports;
pub mod revision;
pub mod session;
pub mod tus;
pub mod uploads;
pub mod users;
pub mod whatif;

use crate::error::{ApiError, ApiResult, Problem};
use crate::AppState;
use serde::{Deserialize, Serialize};
use twincast_store::PageRequest;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Twincast API", description = "Screens, partners, media and schedules of a showcase screen network."),
    components(schemas(Problem)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Sessions and API tokens"),
        (name = "partners", description = "Content partners (sister cities)"),
        (name = "places", description = "Locations and screens"),
        (name = "media", description = "Media library"),
        (name = "moderation", description = "Review of partner-editors' campaigns and media; per-partner limits"),
        (name = "users", description = "Accounts"),
        (name = "audit", description = "The append-only audit log: query and export"),
        (name = "schedule", description = "Campaigns, screen groups, .ics schedules, explain and simulate"),
        (name = "alerts", description = "Emergency alerts (CAP 1.2 or JSON)"),
        (name = "player", description = "Player protocol (device token): pairing, manifest, push, heartbeat, proof of play"),
        (name = "screens", description = "Screen operations: pairing claims, commands, devices, status"),
        (name = "plays", description = "Proof-of-play reports"),
        (name = "proof", description = "The transparency log of airtime: the log's key, signed checkpoints (C2SP signed notes), inclusion and consistency proofs, a play's record with its proof"),
        (name = "health", description = "Screen health: offline/online notifications (webhook, e-mail) and their delivery"),
        (name = "portal", description = "The public portal: anonymous view counts, search"),
        (name = "news", description = "The news desk: stories in ru/en/zh, their life (draft, review, schedule, publish, withdraw), public reads and ninjs 3.3"),
        (name = "layouts", description = "Layouts as data (zones in percent) and the layout of screens and screen groups"),
        (name = "cooperation", description = "The cooperation catalogue: projects, the field vocabulary, IATI 2.03 export and import, expressions of interest"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Every `/api/v1` route with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(
            users::get_user,
            users::patch_user,
            users::delete_user
        ))
        .routes(routes!(users::disable_user))
        .routes(routes!(users::enable_user))
        .routes(routes!(users::reset_password))
        .routes(routes!(users::list_tokens, users::create_token))
        .routes(routes!(users::get_token, users::revoke_token))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(public::count_view))
        .routes(routes!(public::daily_views))
        .routes(routes!(public::search))
        .routes(routes!(news::list, news::create))
        .routes(routes!(news::get, news::update, news::patch, news::delete))
        .routes(routes!(news::submit))
        .routes(routes!(news::send_back))
        .routes(routes!(news::schedule))
        .routes(routes!(news::publish))
        .routes(routes!(news::withdraw))
        .routes(routes!(news::reopen))
        .routes(routes!(news::rubrics))
        .routes(routes!(news::public_list))
        .routes(routes!(news::headlines))
        .routes(routes!(news::ninjs))
        .routes(routes!(news_tickers::list, news_tickers::create))
        .routes(routes!(
            news_tickers::get,
            news_tickers::update,
            news_tickers::patch,
            news_tickers::delete
        ))
        .routes(routes!(news_wire::list, news_wire::create))
        .routes(routes!(
            news_wire::get,
            news_wire::update,
            news_wire::delete
        ))
        .routes(routes!(news_wire::poll))
        .routes(routes!(news_wire::items))
        .routes(routes!(partners::list, partners::create))
        .routes(routes!(
            partners::get,
            partners::update,
            partners::patch,
            partners::delete
        ))
        .routes(routes!(places::list_locations, places::create_location))
        .routes(routes!(
            places::get_location,
            places::patch_location,
            places::delete_location
        ))
        .routes(routes!(places::list_screens, places::create_screen))
        .routes(routes!(
            places::get_screen,
            places::patch_screen,
            places::retire_screen
        ))
        // Uploads stream through `Ingest`, which enforces the configured size limit as bytes arrive; axum's
        // default 2 MB body limit would cut them short.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(media::list, media::upload))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(media::get, media::patch, media::delete))
        .routes(routes!(jobs::cancel))
        .routes(routes!(jobs::retry))
        .routes(routes!(captions::list))
        .routes(routes!(captions::put, captions::delete))
        // A chunk streams to the spool file, bounded by the session's declared size (`twincast_app::uploads`).
        .merge(
            OpenApiRouter::new()
                .routes(routes!(uploads::get, uploads::append, uploads::abandon))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(uploads::start))
        // tus 1.0 (`api::tus`) over the same upload sessions; every answer carries Tus-Resumable.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(tus::options, tus::create))
                .routes(routes!(tus::head, tus::patch, tus::terminate))
                .layer(axum::extract::DefaultBodyLimit::disable())
                .layer(axum::middleware::map_response(tus::resumable_header)),
        )
        .routes(routes!(uploads::complete))
        .routes(routes!(media::system))
        .routes(routes!(campaigns::list, campaigns::create))
        .routes(routes!(
            campaigns::get,
            campaigns::update,
            campaigns::patch,
            campaigns::delete
        ))
        .routes(routes!(moderation::approve_campaign))
        .routes(routes!(moderation::reject_campaign))
        .routes(routes!(moderation::approve_media))
        .routes(routes!(moderation::reject_media))
        .routes(routes!(moderation::pending))
        .routes(routes!(moderation::get_limits, moderation::put_limits))
        .routes(routes!(campaigns::export_ics, campaigns::import_ics))
        .routes(routes!(groups::list_groups, groups::create_group))
        .routes(routes!(
            groups::get_group,
            groups::update_group,
            groups::patch_group,
            groups::delete_group
        ))
        .routes(routes!(campaigns::explain))
        .routes(routes!(campaigns::simulate))
        .routes(routes!(whatif::simulate))
        .routes(routes!(whatif::explain))
        .routes(routes!(alerts::list, alerts::create))
        .routes(routes!(alerts::get))
        .routes(routes!(alerts::cancel))
        .routes(routes!(cap_sources::list, cap_sources::create))
        .routes(routes!(
            cap_sources::get,
            cap_sources::update,
            cap_sources::delete
        ))
        .routes(routes!(cap_sources::poll))
        .routes(routes!(cap_sources::entries))
        .routes(routes!(cap_sources::approve))
        .routes(routes!(
            cap_sources::list_geocodes,
            cap_sources::create_geocode
        ))
        .routes(routes!(cap_sources::delete_geocode))
        .routes(routes!(player::create_pairing))
        .routes(routes!(player::poll_pairing))
        .routes(routes!(player::claim_pairing))
        .routes(routes!(player::manifest))
        .routes(routes!(player::ws))
        .routes(routes!(player::heartbeat))
        .routes(routes!(player::plays))
        .routes(routes!(player::upload_screenshot))
        .routes(routes!(player::get_screenshot))
        .routes(routes!(player::list_commands, player::send_command))
        .routes(routes!(player::get_command))
        .routes(routes!(player::command_result))
        .routes(routes!(player::revoke_device))
        .routes(routes!(player::screen_status))
        .routes(routes!(layouts::list, layouts::create))
        .routes(routes!(
            layouts::get,
            layouts::update,
            layouts::patch,
            layouts::delete
        ))
        .routes(routes!(
            layouts::get_screen_layout,
            layouts::set_screen_layout
        ))
        .routes(routes!(layouts::set_group_layout))
        .routes(routes!(player::plays_summary))
        .routes(routes!(player::plays_aggregates))
        .routes(routes!(proof::key))
        .routes(routes!(proof::checkpoint))
        .routes(routes!(proof::sign_checkpoint))
        .routes(routes!(proof::inclusion))
        .routes(routes!(proof::consistency))
        .routes(routes!(proof::play))
        .routes(routes!(airtime::daily))
        .routes(routes!(airtime::places))
        .routes(routes!(airtime::hours))
        .routes(routes!(airtime::fairness))
        .routes(routes!(airtime::get_settings, airtime::put_settings))
        .routes(routes!(airtime::public_figures))
        .routes(routes!(reports::report))
        .routes(routes!(reports::minisig))
        .routes(routes!(reports::proof))
        .routes(routes!(reports::report_key))
        .routes(routes!(notifications::list))
        .routes(routes!(cooperation::list, cooperation::create))
        .routes(routes!(
            cooperation::get,
            cooperation::update,
            cooperation::delete
        ))
        .routes(routes!(cooperation::list_fields, cooperation::create_field))
        .routes(routes!(
            cooperation::update_field,
            cooperation::delete_field
        ))
        .routes(routes!(cooperation::iati_export))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(cooperation::iati_import))
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .routes(routes!(cooperation::interest_form))
        .routes(routes!(cooperation::submit_interest))
        .routes(routes!(cooperation::list_interests))
        .routes(routes!(cooperation::set_interest_status))
        .fallback(api_not_found)
}

async fn api_not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl ListParams {
    /// Validated page request.
    pub fn page(&self) -> ApiResult<PageRequest> {
        let limit = self.limit.unwrap_or(100);
        if limit == 0 || limit > PageRequest::MAX_LIMIT {
            return Err(ApiError::bad_request(
                "invalid-limit",
                format!("limit must be between 1 and {}", PageRequest::MAX_LIMIT),
            ));
        }
        Ok(PageRequest {
            limit,
            cursor: self.cursor.clone(),
        })
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> From<twincast_store::Page<T>> for List<T> {
    fn from(p: twincast_store::Page<T>) -> Self {
        List {
            items: p.items,
            next_cursor: p.next_cursor,
        }
    }
}

/// Query extractor whose rejections are problems (unknown or malformed parameters).
pub struct ApiQuery<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| ApiError::bad_request("invalid-query", e.body_text()))
    }
}
