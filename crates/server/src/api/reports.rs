//! Reports per partner over HTTP (docs/proof-of-play.md, "Reports"): the report as CSV or Parquet, its minisign
//! signature, its evidence (the plays and their multi-proof), and the public key signatures verify with.
//! Operators and admins read every partner's reports, partner-editors their partners' only.

use crate::api::ApiQuery;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jiff::civil::Date;
use serde::Deserialize;
use twincast_app::error::AppError;
use twincast_app::reports::Format;
use utoipa::{IntoParams, ToSchema};

pub use twincast_core::report::verify::ReportProof;

/// A report file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// CSV (`text/csv`).
    Csv,
    /// Apache Parquet (`application/vnd.apache.parquet`).
    Parquet,
}

/// Which report.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// First local day, `YYYY-MM-DD`.
    pub from: String,
    /// Last local day, `YYYY-MM-DD` (at most 366 days after `from`).
    pub to: String,
    /// Tree size of the checkpoint the report is to be consistent with; a checkpoint is signed now when left out
    /// (ask for the signature and the proof with the `checkpoint_size` the file names).
    pub size: Option<u64>,
    /// `csv` (default) or `parquet`.
    pub format: Option<ReportFormat>,
}

fn dates(q: &ReportQuery) -> ApiResult<(Date, Date)> {
    let p = |s: &str| {
        s.parse::<Date>().map_err(|_| {
            AppError::invalid(
                "invalid-report-period",
                format!("{s:?} is not a date (YYYY-MM-DD)"),
            )
        })
    };
    Ok((p(&q.from)?, p(&q.to)?))
}

fn format(q: &ReportQuery) -> Format {
    match q.format {
        Some(ReportFormat::Parquet) => Format::Parquet,
        _ => Format::Csv,
    }
}

/// A partner's report: plays, counted plays, airtime and share achieved against target per local day, screen
/// (with its place and location kind) and campaign, every row naming the checkpoint (`checkpoint_size`,
/// `checkpoint_root`) whose log holds the plays it counts. `400 invalid-report-period`, `403 forbidden` (another
/// partner's report for a partner-editor; viewers), `404 partner-not-found`, `404 checkpoint-not-found`.
#[utoipa::path(get, path = "/api/v1/proof/reports/{partner}", tag = "proof", params(ReportQuery,
        ("partner" = String, Path, description = "Partner slug")),
    responses((status = 200, description = "The report file (`Content-Disposition: attachment`)",
            content((String = "text/csv"), (Vec<u8> = "application/vnd.apache.parquet")),
            headers(("Twincast-Checkpoint-Size" = u64, description = "The checkpoint's tree size"))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn report(
    State(state): State<AppState>,
    who: Principal,
    Path(partner): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let (from, to) = dates(&q)?;
    let f = format(&q);
    let (r, bytes, _) = state
        .app
        .export_report(&who.actor(), &partner, from, to, q.size, f)
        .await?;
    let (ct, ext) = match f {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Parquet => ("application/vnd.apache.parquet", "parquet"),
    };
    let name = format!(
        "attachment; filename=\"twincast-report-{partner}-{from}-{to}-{}.{ext}\"",
        r.checkpoint.size
    );
    Ok((
        [
            (header::CONTENT_TYPE, ct.to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (
                header::HeaderName::from_static("twincast-checkpoint-size"),
                r.checkpoint.size.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The minisign signature (`.minisig`, `text/plain`) of the report file the same query gives — pass the
/// `size` the file names. Verify it with `minisign -Vm FILE -P <key>` or `twincast verify report`.
#[utoipa::path(get, path = "/api/v1/proof/reports/{partner}/minisig", tag = "proof", params(ReportQuery,
        ("partner" = String, Path, description = "Partner slug")),
    responses((status = 200, content_type = "text/plain", body = String),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn minisig(
    State(state): State<AppState>,
    who: Principal,
    Path(partner): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let (from, to) = dates(&q)?;
    let (_, _, sig) = state
        .app
        .export_report(&who.actor(), &partner, from, to, q.size, format(&q))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        sig,
    )
        .into_response())
}

/// The report's evidence: the partner's plays of the period (records and leaf indexes) and the multi-proof
/// that they are leaves of the checkpoint's tree — the file `twincast verify report --proof` reads.
#[utoipa::path(get, path = "/api/v1/proof/reports/{partner}/proof", tag = "proof", params(ReportQuery,
        ("partner" = String, Path, description = "Partner slug")),
    responses((status = 200, body = ReportProof),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn proof(
    State(state): State<AppState>,
    who: Principal,
    Path(partner): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ReportProof>> {
    let (from, to) = dates(&q)?;
    Ok(Json(
        state
            .app
            .report_proof(&who.actor(), &partner, from, to, q.size)
            .await?,
    ))
}

/// The public key report signatures verify with, in minisign's format (the log's own Ed25519 key; anyone).
#[utoipa::path(get, path = "/api/v1/proof/report-key", tag = "proof",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn report_key(State(state): State<AppState>) -> ApiResult<Response> {
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        state.app.report_public_key().await?,
    )
        .into_response())
}
