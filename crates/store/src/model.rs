//! The records the store keeps, named for what they are in the domain.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A partner: a content owner (in the demo deployment, a sister city).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Partner {
    /// Stable identifier.
    pub id: String,
    /// URL-safe short name, unique.
    pub slug: String,
    /// Names by language tag (at least `ru`, `en`, `zh`).
    pub names: BTreeMap<String, String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Continent name (e.g. `Europe`).
    pub continent: String,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Year the relationship began.
    pub since: Option<i64>,
    /// Short description (the text shown where no description in the reader's language exists).
    pub description: String,
    /// Descriptions by language tag (`ru`, `en`, `zh`, ...), shown on the portal in the reader's language.
    pub descriptions: BTreeMap<String, String>,
    /// Media id of the logo or flag image.
    pub logo_media_id: Option<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Row version: bumped by every change; send it back in `If-Match` to update.
    pub version: i64,
}

/// The fields of a new or changed partner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerInput {
    /// See [`Partner::slug`].
    pub slug: String,
    /// See [`Partner::names`].
    pub names: BTreeMap<String, String>,
    /// See [`Partner::country`].
    pub country: String,
    /// See [`Partner::continent`].
    pub continent: String,
    /// See [`Partner::lat`].
    pub lat: Option<f64>,
    /// See [`Partner::lon`].
    pub lon: Option<f64>,
    /// See [`Partner::since`].
    pub since: Option<i64>,
    /// See [`Partner::description`].
    pub description: String,
    /// See [`Partner::descriptions`]; may be left out (none).
    #[serde(default)]
    pub descriptions: BTreeMap<String, String>,
    /// See [`Partner::logo_media_id`].
    pub logo_media_id: Option<String>,
}

/// What an account may do.
#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord, ToSchema,
)]
#[serde(rename_all = "kebab-case")]
#[derive(Default)]
pub enum Role {
    /// Everything, including accounts.
    Admin,
    /// Runs the network: partners, screens, media of every partner.
    Operator,
    /// Manages the content of the partners it is scoped to.
    PartnerEditor,
    /// The news desk: writes articles and submits them for review (reads like a viewer elsewhere).
    Contributor,
    /// The news desk: reviews, schedules, publishes and withdraws articles (reads like a viewer elsewhere).
    NewsEditor,
    /// Reads.
    #[default]
    Viewer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Operator,
        Role::PartnerEditor,
        Role::Contributor,
        Role::NewsEditor,
        Role::Viewer,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::PartnerEditor => "partner-editor",
            Role::Contributor => "contributor",
            Role::NewsEditor => "news-editor",
            Role::Viewer => "viewer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role {s:?}: expected admin, operator, partner-editor, contributor, news-editor or viewer")
            })
    }
}

/// An account.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema, Default)]
pub struct User {
    /// Stable identifier.
    pub id: String,
    /// Login name, unique.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Partner slugs a partner-editor may act for.
    pub partners: Vec<String>,
    /// A disabled account cannot log in, and its sessions and API tokens are refused (401).
    pub disabled: bool,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Last successful login, epoch ms (`None`: never).
    pub last_login_at: Option<i64>,
    /// The password was set by an administrator: the account must choose its own (`POST /api/v1/auth/password`)
    /// before its session may do anything else.
    pub must_change_password: bool,
    /// Row version: bumped by every change; send it back in `If-Match` to update.
    pub version: i64,
    /// argon2id PHC string (never serialized).
    #[serde(skip)]
    pub password_hash: String,
}

/// A browser session (the cookie holds the secret; only its hash is stored).
#[derive(Debug, Clone)]
pub struct Session {
    /// SHA-256 of the cookie secret.
    pub id_hash: String,
    /// Whose session.
    pub user_id: String,
    /// Token the browser must echo on state-changing requests.
    pub csrf_token: String,
    /// Expiry, epoch ms.
    pub expires_at: i64,
}

/// An API token (only its hash is stored).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiToken {
    /// Stable identifier (not secret).
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Human label.
    pub name: String,
    /// Scopes, e.g. `read`, `write`.
    pub scopes: Vec<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Expiry, epoch ms.
    pub expires_at: Option<i64>,
    /// Revocation time, epoch ms.
    pub revoked_at: Option<i64>,
    /// Last use, epoch ms (recorded at most once a minute).
    pub last_used_at: Option<i64>,
    /// Row version: bumped by every change; send it back in `If-Match` to revoke.
    pub version: i64,
}

/// A place with screens (airport, street, metro station, bus terminal, …; kinds are data).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Location {
    /// Stable identifier.
    pub id: String,
    /// URL-safe short name, unique.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Kind of place, e.g. `airport`, `street`, `metro`, `bus_terminal`.
    pub kind: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone.
    pub tz: String,
    /// Creation time, epoch ms.
    #[serde(default)]
    pub created_at: i64,
    /// Last change, epoch ms (0 before the first change since migration 0004).
    #[serde(default)]
    pub updated_at: i64,
    /// Row version, for `If-Match` (the `ETag`).
    #[serde(default)]
    pub version: i64,
}

/// The fields of a new or changed location (what create, update and merge patches send).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    /// Unique slug.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Kind of place: lowercase letters, digits, `_`.
    pub kind: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub tz: String,
}

/// A physical screen.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
pub struct Screen {
    /// Stable identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Location id.
    pub location_id: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// IANA time zone.
    pub tz: String,
    /// Pixels.
    pub width: i64,
    /// Pixels.
    pub height: i64,
    /// `landscape` or `portrait`.
    pub orientation: String,
    /// Free tags for targeting.
    pub tags: Vec<String>,
    /// The language its audience reads (`ru`, `en`, `zh`): its ticker's news headlines are in it.
    pub language: String,
    /// Last heartbeat, epoch ms.
    pub last_seen_at: Option<i64>,
}

/// A screen with its location's name and kind, as lists show it.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ScreenView {
    /// The screen.
    #[serde(flatten)]
    pub screen: Screen,
    /// Location name.
    pub location: String,
    /// Location kind.
    pub location_kind: String,
    /// Location slug.
    pub location_slug: String,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms (0 before the first change since migration 0004).
    pub updated_at: i64,
    /// When the screen was retired (epoch ms); a retired screen keeps its history but plays nothing.
    pub retired_at: Option<i64>,
    /// Row version, for `If-Match` (the `ETag`).
    pub version: i64,
}

/// A file in the media library.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Media {
    /// Stable identifier.
    pub id: String,
    /// Owning partner's id (not shown by the API: `partner` names the owner).
    #[schema(ignore)]
    pub partner_id: String,
    /// Owning partner's slug.
    pub partner: String,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// `video` or `image`.
    pub kind: String,
    /// Container/format, e.g. `mp4`, `png`.
    pub media_type: String,
    /// MIME type.
    pub mime: String,
    /// Key in the object store (not shown by the API: `url` is the public address).
    #[schema(ignore)]
    pub object_key: String,
    /// Bytes.
    pub size: i64,
    /// Pixels.
    pub width: Option<i64>,
    /// Pixels.
    pub height: Option<i64>,
    /// Duration in ms (videos, animations).
    pub duration_ms: Option<i64>,
    /// Codec, where probed.
    pub codec: Option<String>,
    /// File name given at upload (sanitized).
    pub original_name: String,
    /// Uploader's user id.
    pub created_by: Option<String>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Row version (the `ETag`; send it as `If-Match`).
    pub version: i64,
    /// Review state: only approved media plays.
    pub moderation: crate::Moderation,
}

/// The changeable fields of a media item (its content never changes: it is content-addressed).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaInput {
    /// File name shown in the library.
    pub original_name: String,
    /// Owning partner (slug); only operators and admins reassign it.
    pub partner: String,
}

/// The outcome of deleting a media item.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaDeletion {
    /// Deleted; the object keys no row references any more.
    Deleted(Vec<String>),
    /// Not deleted: these campaigns use it.
    InUse(Vec<crate::CampaignRef>),
}

/// A derived file of a media item (thumbnail, normalised MP4, HLS file).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Rendition {
    /// Stable identifier.
    pub id: String,
    /// Source media.
    pub media_id: String,
    /// `thumbnail`, `mp4` or `hls`.
    pub kind: String,
    /// Key in the object store.
    pub object_key: String,
    /// MIME type.
    pub mime: String,
    /// Bytes.
    pub size: i64,
}

/// State of a background job.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for `run_after`.
    Queued,
    /// Claimed by a worker.
    Running,
    /// Finished.
    Done,
    /// Gave up after `max_attempts`.
    Failed,
    /// Cancelled by a person (a retry queues it again).
    Cancelled,
}

impl JobStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }
    pub(crate) fn parse(s: &str) -> JobStatus {
        match s {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            "cancelled" => JobStatus::Cancelled,
            _ => JobStatus::Queued,
        }
    }
}

/// A persisted background job.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Job {
    /// Stable identifier.
    pub id: String,
    /// What to do, e.g. `transcode`.
    pub kind: String,
    /// Media it works on.
    pub media_id: Option<String>,
    /// State.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// Not before, epoch ms.
    pub run_after: i64,
    /// Error of the last failed attempt.
    pub last_error: Option<String>,
    /// Higher runs first (see [`crate::jobs::priority`]).
    pub priority: i64,
    /// Percent done of the running attempt (0–100), `None` before it started.
    pub progress: Option<i64>,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
}
