//! The audit log: read and export (admins and operators every entry, partner-editors their partners' entries,
//! viewers nothing). There is no operation that edits or deletes an entry. The rules are in
//! `twincast_app::audit_query`.

use super::{ApiQuery, List, ListParams};
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures::StreamExt;
use serde::Deserialize;
use twincast_app::audit_query::{parse_instant, AuditQuery, ExportFormat};
use twincast_store::AuditEntry;

/// Filters and page of the audit list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditListQuery {
    /// Items per page, 1..=500 (default 100).
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Only this kind of resource, e.g. `screen`, `user`, `token`, `alert`, `partner`.
    pub resource: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Only this actor, by account name as recorded (`system` for Twincast's own workers).
    pub actor: Option<String>,
    /// Only this actor, by account id.
    pub actor_id: Option<String>,
    /// Only this action, e.g. `user.disable`.
    pub action: Option<String>,
    /// Only entries at or after this instant (RFC 3339, or epoch ms).
    pub from: Option<String>,
    /// Only entries before this instant (RFC 3339, or epoch ms).
    pub until: Option<String>,
    /// Only entries of this partner (slug).
    pub partner: Option<String>,
}

/// Filters and format of an audit export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditExportQuery {
    /// `csv` (default) or `jsonl`.
    pub format: Option<String>,
    /// Only this kind of resource.
    pub resource: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Only this actor, by account name as recorded.
    pub actor: Option<String>,
    /// Only this actor, by account id.
    pub actor_id: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries at or after this instant (RFC 3339, or epoch ms).
    pub from: Option<String>,
    /// Only entries before this instant (RFC 3339, or epoch ms).
    pub until: Option<String>,
    /// Only entries of this partner (slug).
    pub partner: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn query(
    resource: Option<String>,
    resource_id: Option<String>,
    actor: Option<String>,
    actor_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    until: Option<String>,
    partner: Option<String>,
) -> ApiResult<AuditQuery> {
    Ok(AuditQuery {
        resource,
        resource_id,
        actor,
        actor_id,
        action,
        from: from
            .as_deref()
            .map(|v| parse_instant("from", v))
            .transpose()?,
        until: until
            .as_deref()
            .map(|v| parse_instant("until", v))
            .transpose()?,
        partner,
    })
}

/// Audit entries, newest first: who (actor, via), when, what (action, resource, id, partner) and the changed
/// fields (`changes`: `{"field": [before, after]}`; passwords appear only as `"(set)"`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditListQuery),
    responses((status = 200, body = List<AuditEntry>), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<AuditListQuery>,
) -> ApiResult<Json<List<AuditEntry>>> {
    let page = ListParams {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let aq = query(
        q.resource,
        q.resource_id,
        q.actor,
        q.actor_id,
        q.action,
        q.from,
        q.until,
        q.partner,
    )?;
    Ok(Json(
        state.app.list_audit(&who.actor(), &aq, &page).await?.into(),
    ))
}

/// Every entry the list would show for these filters, newest first, streamed as one download: CSV (a header row
/// `id,at,time,actor_id,actor,via,via_id,action,resource,resource_id,partner,changes`; `at` in epoch ms, `time`
/// in RFC 3339, `changes` as JSON text, empty cells for absent values) or JSON lines (one entry per line, as in
/// the list).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditExportQuery),
    responses((status = 200, description = "The entries as a file (`Content-Disposition: attachment`)",
            content((String = "text/csv"), (String = "application/jsonl")),
            headers(("Content-Disposition" = String, description = "attachment; filename=\"twincast-audit-….csv\""))),
        (status = 400, body = crate::error::Problem), (status = 401, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)))]
pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    ApiQuery(q): ApiQuery<AuditExportQuery>,
) -> ApiResult<Response> {
    let format = ExportFormat::parse(q.format.as_deref().unwrap_or("csv"))?;
    let aq = query(
        q.resource,
        q.resource_id,
        q.actor,
        q.actor_id,
        q.action,
        q.from,
        q.until,
        q.partner,
    )?;
    let chunks = state.app.export_audit(&who.actor(), &aq, format)?;
    let stamp = jiff::Timestamp::from_millisecond(state.app.now_ms())
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| "export".into());
    let disposition = format!(
        "attachment; filename=\"twincast-audit-{stamp}.{}\"",
        format.extension()
    );
    let body = Body::from_stream(chunks.map(|c| c.map(bytes::Bytes::from)));
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}
