//! Reading the audit log: filtered, newest first, and exported as CSV or JSON lines. Nothing here (nor anywhere)
//! edits or deletes an entry.
//!
//! Who sees what: admins and operators every entry; a partner-editor only the entries of its partners (those
//! whose `partner` is one of its slugs; entries without a partner, such as account changes, are not theirs);
//! viewers none (403).

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use futures::stream::{self, BoxStream, StreamExt};
use twincast_store::{AuditEntry, AuditFilter, Page, PageRequest, Role};

/// Filters of an audit query.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this kind of resource, e.g. `screen`.
    pub resource: Option<String>,
    /// Only this resource id.
    pub resource_id: Option<String>,
    /// Only this actor, by account name as recorded (`system` for workers, `(local command)` for the CLI).
    pub actor: Option<String>,
    /// Only this actor, by account id.
    pub actor_id: Option<String>,
    /// Only this action, e.g. `user.disable`.
    pub action: Option<String>,
    /// Only entries at or after this time (epoch ms).
    pub from: Option<i64>,
    /// Only entries before this time (epoch ms).
    pub until: Option<i64>,
    /// Only entries of this partner (slug); for a partner-editor, within its own partners.
    pub partner: Option<String>,
}

/// The form of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RFC 4180 CSV with a header row ([`CSV_HEADER`]); `changes` is a JSON text in its cell.
    Csv,
    /// One JSON object per line (an [`AuditEntry`]).
    Jsonl,
}

impl ExportFormat {
    /// `csv` or `jsonl`.
    pub fn parse(s: &str) -> AppResult<ExportFormat> {
        match s {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::Jsonl),
            other => Err(AppError::invalid(
                "invalid-format",
                format!("format {other:?} must be csv or jsonl"),
            )),
        }
    }

    /// The media type of the export.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Jsonl => "application/jsonl",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

/// The columns of a CSV export, in order. `at` is epoch ms; `time` is the same instant in RFC 3339 (UTC) for
/// people; empty cells are absent values.
pub const CSV_HEADER: [&str; 12] = [
    "id",
    "at",
    "time",
    "actor_id",
    "actor",
    "via",
    "via_id",
    "action",
    "resource",
    "resource_id",
    "partner",
    "changes",
];

/// A time filter given as an RFC 3339 instant (`2026-05-01T12:00:00Z`) or as epoch milliseconds.
pub fn parse_instant(name: &str, v: &str) -> AppResult<i64> {
    if let Ok(ms) = v.parse::<i64>() {
        return Ok(ms);
    }
    v.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|e| {
            AppError::invalid(
                "invalid-time",
                format!("{name} must be an RFC 3339 instant such as 2026-05-01T12:00:00Z, or epoch ms: {e}"),
            )
        })
}

/// Entries fetched per database round trip of an export.
const EXPORT_PAGE: u32 = 500;

fn csv_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("writing CSV: {e}"))
}

/// The CSV lines of `entries` (with the header row first when `header`).
pub fn csv_rows(entries: &[AuditEntry], header: bool) -> AppResult<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    if header {
        w.write_record(CSV_HEADER).map_err(csv_error)?;
    }
    for e in entries {
        let time = jiff::Timestamp::from_millisecond(e.at)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let changes = serde_json::to_string(&e.changes).map_err(AppError::internal)?;
        w.write_record([
            e.id.as_str(),
            &e.at.to_string(),
            &time,
            e.actor_id.as_deref().unwrap_or(""),
            &e.actor,
            &e.via,
            e.via_id.as_deref().unwrap_or(""),
            &e.action,
            &e.resource,
            &e.resource_id,
            e.partner.as_deref().unwrap_or(""),
            &changes,
        ])
        .map_err(csv_error)?;
    }
    w.into_inner().map_err(csv_error)
}

/// The JSON lines of `entries`.
pub fn jsonl_rows(entries: &[AuditEntry]) -> AppResult<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut out, e).map_err(AppError::internal)?;
        out.push(b'\n');
    }
    Ok(out)
}

impl App {
    /// The store filter for `q` as `actor` may see it: every entry for admins and operators, only its partners'
    /// for a partner-editor; viewers are refused.
    fn audit_filter(&self, actor: &Actor, q: &AuditQuery) -> AppResult<AuditFilter> {
        actor.require(&[Role::Admin, Role::Operator, Role::PartnerEditor])?;
        if let (Some(from), Some(until)) = (q.from, q.until) {
            if from > until {
                return Err(AppError::invalid(
                    "invalid-range",
                    "from must not be after until",
                ));
            }
        }
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        Ok(AuditFilter {
            resource: nonempty(&q.resource),
            resource_id: nonempty(&q.resource_id),
            actor_id: nonempty(&q.actor_id),
            actor: nonempty(&q.actor),
            action: nonempty(&q.action),
            from: q.from,
            until: q.until,
            partners: match (actor.user.role, nonempty(&q.partner)) {
                (Role::PartnerEditor, Some(p)) => Some(
                    actor
                        .user
                        .partners
                        .iter()
                        .filter(|mine| **mine == p)
                        .cloned()
                        .collect(),
                ),
                (Role::PartnerEditor, None) => Some(actor.user.partners.clone()),
                (_, p) => p.map(|p| vec![p]),
            },
        })
    }

    /// Audit entries matching `q` that `actor` may see, newest first (keyset pagination). Admins, operators and
    /// partner-editors (their partners' entries only); viewers 403.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        q: &AuditQuery,
        page: &PageRequest,
    ) -> AppResult<Page<AuditEntry>> {
        let f = self.audit_filter(actor, q)?;
        Ok(self.store.list_audit(&f, page).await?)
    }

    /// Every entry [`App::list_audit`] would list for `q`, as a stream of `format` chunks (CSV: the header row
    /// first), read from the database a page at a time. The role is checked before the stream starts; entries
    /// written after the export began are not in it.
    pub fn export_audit(
        &self,
        actor: &Actor,
        q: &AuditQuery,
        format: ExportFormat,
    ) -> AppResult<BoxStream<'static, AppResult<Vec<u8>>>> {
        let f = self.audit_filter(actor, q)?;
        let app = self.clone();
        struct State {
            app: App,
            f: AuditFilter,
            cursor: Option<String>,
            first: bool,
            done: bool,
        }
        let start = State {
            app,
            f,
            cursor: None,
            first: true,
            done: false,
        };
        let s = stream::unfold(start, move |mut st| async move {
            if st.done {
                return None;
            }
            let page = PageRequest {
                limit: EXPORT_PAGE,
                cursor: st.cursor.take(),
            };
            let chunk = match st.app.store.list_audit(&st.f, &page).await {
                Ok(p) => {
                    st.cursor = p.next_cursor;
                    st.done = st.cursor.is_none();
                    let header = std::mem::replace(&mut st.first, false);
                    match format {
                        ExportFormat::Csv => csv_rows(&p.items, header),
                        ExportFormat::Jsonl => jsonl_rows(&p.items),
                    }
                }
                Err(e) => {
                    st.done = true;
                    Err(AppError::from(e))
                }
            };
            Some((chunk, st))
        });
        Ok(s.boxed())
    }
}
