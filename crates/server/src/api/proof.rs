//! The transparency log of airtime over HTTP (docs/proof-of-play.md): the log's public key, signed checkpoints,
//! inclusion and consistency proofs (public: they are hashes only), a play's record with its proof (signed-in,
//! partner-editors their partners' plays), and signing a checkpoint on demand (operators, admins).

use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

pub use twincast_app::proof::{LogKey, PlayProof, Proof, SignedCheckpoint};

/// The log's origin and public key (the verifier key `twincast verify --key` takes).
#[utoipa::path(get, path = "/api/v1/proof/key", tag = "proof",
    responses((status = 200, body = LogKey)))]
pub async fn key(State(state): State<AppState>) -> ApiResult<Json<LogKey>> {
    Ok(Json(state.app.log_key().await?))
}

/// Which checkpoint.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckpointQuery {
    /// Tree size of a past checkpoint; the newest when left out.
    pub size: Option<u64>,
}

/// A signed checkpoint as a C2SP signed note (`text/plain`): the newest, or the one of `size`.
/// `404 checkpoint-not-found` when none was signed (of that size).
#[utoipa::path(get, path = "/api/v1/proof/checkpoint", tag = "proof", params(CheckpointQuery),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn checkpoint(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CheckpointQuery>,
) -> ApiResult<Response> {
    let c = state.app.checkpoint(q.size).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        c.note,
    )
        .into_response())
}

/// Signs a checkpoint of the log as it is now (operators, admins; a second one of the same size is the same).
#[utoipa::path(post, path = "/api/v1/proof/checkpoints", tag = "proof",
    responses((status = 201, body = SignedCheckpoint), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn sign_checkpoint(
    State(state): State<AppState>,
    who: Principal,
) -> ApiResult<(StatusCode, Json<SignedCheckpoint>)> {
    let c = state.app.sign_checkpoint(Some(&who.actor())).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// An inclusion proof's question.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// Leaf index.
    pub index: u64,
    /// Tree size (of a checkpoint).
    pub size: u64,
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 6962 audit path, base64, leaf side
/// first). `400 invalid-proof-range` when the leaf or size is outside the log.
#[utoipa::path(get, path = "/api/v1/proof/inclusion", tag = "proof", params(InclusionQuery),
    responses((status = 200, body = Proof), (status = 400, body = crate::error::Problem)))]
pub async fn inclusion(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<InclusionQuery>,
) -> ApiResult<Json<Proof>> {
    Ok(Json(state.app.inclusion_proof(q.index, q.size).await?))
}

/// A consistency proof's question.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// The older tree size.
    pub from: u64,
    /// The newer tree size.
    pub to: u64,
}

/// The consistency proof between the trees of `from` and `to` leaves (RFC 6962, base64).
/// `400 invalid-proof-range` when `from > to` or `to` is beyond the log.
#[utoipa::path(get, path = "/api/v1/proof/consistency", tag = "proof", params(ConsistencyQuery),
    responses((status = 200, body = Proof), (status = 400, body = crate::error::Problem)))]
pub async fn consistency(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConsistencyQuery>,
) -> ApiResult<Json<Proof>> {
    Ok(Json(state.app.consistency_proof(q.from, q.to).await?))
}

/// A play's record with its inclusion proof to a signed checkpoint (the newest, or the one of `size`): the file
/// `twincast verify play` reads. Partner-editors see their partners' plays only (`404 play-not-found`
/// otherwise); `404 play-not-logged` for plays stored before the log existed.
#[utoipa::path(get, path = "/api/v1/proof/plays/{reference}", tag = "proof", params(CheckpointQuery,
        ("reference" = String, Path, description = "The play's permanent reference")),
    responses((status = 200, body = PlayProof), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn play(
    State(state): State<AppState>,
    who: Principal,
    Path(reference): Path<String>,
    ApiQuery(q): ApiQuery<CheckpointQuery>,
) -> ApiResult<Json<PlayProof>> {
    Ok(Json(
        state
            .app
            .play_proof(&who.actor(), &reference, q.size)
            .await?,
    ))
}
