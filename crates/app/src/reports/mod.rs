//! Reports per partner (docs/proof-of-play.md, "Reports"): a partner's plays, airtime and share achieved against
//! target by local day, place, location kind, screen and campaign, from the logged plays of the hot table and of
//! the compacted daily files alike, consistent with one signed checkpoint; exported as CSV or Parquet
//! ([`files`]) with a minisign signature by the log's key, and the evidence `twincast verify report` checks.
//! [`retention`] compacts old plays into daily Parquet files recorded in the log.
//!
//! The aggregation is [`twincast_core::report`] ([`App::partner_report`] gives its rows; `rollup` sums them by
//! one dimension), so every reader — export, console charts, fairness on real plays — counts the same way.

pub mod files;
pub mod retention;

pub use retention::Compactor;

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet};
use twincast_core::proof::{multi, PlayRecord};
use twincast_core::report::verify::{trusted_comment, LoggedPlay, ProofNode, ReportProof};
use twincast_core::report::{minisign, Aggregator, Place, ReportRow};
use twincast_store::StoreError;

pub use twincast_core::proof::verify::SignedCheckpoint;
pub use twincast_core::report::{rollup, Grouping, Total};

/// Longest period of one report, days.
pub const MAX_DAYS: i64 = 366;
/// The widest UTC offsets (UTC−12 … UTC+14): plays of a local day started within this of its UTC day.
const OFFSET_MARGIN_MS: i64 = 14 * 3_600_000;
const DAY_MS: i64 = 86_400_000;
const PAGE: i64 = 5000;

/// A partner's report for local days `from..=to`, consistent with `checkpoint`.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Partner slug.
    pub partner: String,
    /// First local day.
    pub from: Date,
    /// Last local day.
    pub to: Date,
    /// The checkpoint whose tree holds every play the report counts (and no later play is counted).
    pub checkpoint: SignedCheckpoint,
    /// Rows (one per local day, screen and campaign), ordered.
    pub rows: Vec<ReportRow>,
    /// The partner's plays the rows count, with their leaf indexes (the report's evidence).
    pub plays: Vec<(PlayRecord, u64)>,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RFC 4180 CSV.
    Csv,
    /// Apache Parquet (zstd).
    Parquet,
}

fn day_start(d: Date) -> i64 {
    let days = d
        .since(Date::constant(1970, 1, 1))
        .map(|s| s.get_days())
        .unwrap_or(0);
    i64::from(days) * DAY_MS
}

fn check_period(from: Date, to: Date) -> AppResult<()> {
    let span = to
        .since(from)
        .map(|s| i64::from(s.get_days()))
        .unwrap_or(-1);
    if !(0..MAX_DAYS).contains(&span) {
        return Err(AppError::invalid(
            "invalid-report-period",
            format!("from must not be after to, and a report covers at most {MAX_DAYS} days"),
        ));
    }
    Ok(())
}

impl App {
    /// Partner-editors read only their partners' reports; operators and admins every partner's; others none.
    /// An unknown partner is `404 partner-not-found` (for an editor only after the scope check).
    async fn report_access(&self, actor: &Actor, partner: &str) -> AppResult<()> {
        use twincast_store::Role;
        match actor.user.role {
            Role::Admin | Role::Operator => {}
            Role::PartnerEditor if actor.user.partners.iter().any(|p| p == partner) => {}
            _ => {
                return Err(AppError::forbidden(format!(
                    "you may not read the reports of partner {partner:?}"
                )))
            }
        }
        self.store
            .partner_by_slug(partner)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => {
                    AppError::missing("partner-not-found", "no partner has this slug")
                }
                other => other.into(),
            })?;
        Ok(())
    }

    /// The partner's planned share per screen id for the day starting at `from` (the schedule as it is now).
    async fn planned_by_screen(
        &self,
        partner: &str,
        from: i64,
    ) -> AppResult<BTreeMap<String, f64>> {
        use twincast_core as tc;
        let catalog = self.store.schedule_catalog().await?;
        let screens: Vec<tc::Screen> = self
            .store
            .all_core_screens()
            .await?
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let partner = partner.to_string();
        tokio::task::spawn_blocking(move || {
            let input = tc::WhatIfInput {
                screens: &screens,
                before: [&catalog.main[0], &catalog.main[1]],
                after: [&catalog.main[0], &catalog.main[1]],
                alerts: &catalog.alerts,
                filter: None,
                from,
                days: 1,
            };
            let w = tc::whatif_with(&input, crate::schedule::whatif::run_parallel);
            let mut out = BTreeMap::new();
            for c in &w.classes {
                let share = c
                    .partners
                    .iter()
                    .find(|p| p.slug == partner)
                    .map_or(0.0, |p| p.before_share);
                for s in &c.screens {
                    out.insert(s.clone(), share);
                }
            }
            out
        })
        .await
        .map_err(AppError::internal)
    }

    /// Feeds every logged play that started in `[from, to)` with a leaf below `size` to `f`: the compacted days'
    /// files first, then the hot table. A compaction that runs meanwhile is noticed (the archives changed) and
    /// the read starts again, so no play is missed or read twice.
    pub(crate) async fn each_logged_play(
        &self,
        from: i64,
        to: i64,
        size: u64,
        f: &mut (dyn FnMut(&PlayRecord, u64) + Send),
    ) -> AppResult<()> {
        let days = |ms: i64| twincast_core::report::local_day(ms, 0).to_string();
        for _attempt in 0..3 {
            let archives = self.store.play_archives(&days(from), &days(to - 1)).await?;
            let mut seen = Vec::new();
            for a in &archives {
                for (r, i) in self.read_archive(a).await? {
                    if r.started_at >= from && r.started_at < to && i < size {
                        seen.push((r, i));
                    }
                }
            }
            let mut hot = Vec::new();
            let mut after = None;
            loop {
                let page = self
                    .store
                    .logged_plays_page(from, to, after.as_ref(), PAGE)
                    .await?;
                let n = page.len();
                if let Some((r, _)) = page.last() {
                    after = Some((r.started_at, r.screen.clone(), r.event.clone()));
                }
                hot.extend(page.into_iter().filter(|(_, i)| *i < size));
                if (n as i64) < PAGE {
                    break;
                }
            }
            if self.store.play_archives(&days(from), &days(to - 1)).await? != archives {
                continue;
            }
            for (r, i) in seen.iter().chain(hot.iter()) {
                f(r, *i);
            }
            return Ok(());
        }
        Err(AppError::conflict(
            "report-busy",
            "plays were being compacted while the report was read; try again",
        ))
    }

    /// The checkpoint a report is consistent with: the one of `size`, or one signed now.
    async fn report_checkpoint(&self, size: Option<u64>) -> AppResult<SignedCheckpoint> {
        match size {
            Some(n) => self.checkpoint(Some(n)).await,
            None => self.sign_checkpoint(None).await,
        }
    }

    /// The report of `partner` for the local days `from..=to` at the checkpoint of `size` (a new checkpoint
    /// when `None`: the report then counts every play logged so far). Rows come from the logged plays of the
    /// period with a leaf in the checkpoint's tree; `target_share` is the partner's planned share on the screen
    /// for the day of `from`, as the schedule plans it now.
    pub async fn partner_report(
        &self,
        actor: &Actor,
        partner: &str,
        from: Date,
        to: Date,
        size: Option<u64>,
    ) -> AppResult<Report> {
        self.report_access(actor, partner).await?;
        check_period(from, to)?;
        let checkpoint = self.report_checkpoint(size).await?;
        let (start, end) = (
            day_start(from) - OFFSET_MARGIN_MS,
            day_start(to) + DAY_MS + OFFSET_MARGIN_MS,
        );
        let mut agg = Aggregator::new(partner, from, to);
        let mut plays = Vec::new();
        let partner_s = partner.to_string();
        self.each_logged_play(start, end, checkpoint.size, &mut |r, i| {
            agg.add(r);
            let day = twincast_core::report::local_day(r.started_at, r.utc_offset_s);
            if r.partner.as_deref() == Some(partner_s.as_str()) && day >= from && day <= to {
                plays.push((r.clone(), i));
            }
        })
        .await?;
        let places: BTreeMap<String, Place> = self
            .store
            .place_names()
            .await?
            .into_iter()
            .map(|(id, (name, kind))| (id, Place { name, kind }))
            .collect();
        let targets = self.planned_by_screen(partner, day_start(from)).await?;
        plays.sort_by_key(|(_, i)| *i);
        Ok(Report {
            partner: partner.to_string(),
            from,
            to,
            rows: agg.finish(&places, &targets),
            checkpoint,
            plays,
        })
    }

    /// The report as a file, with its minisign signature (by the log's key; [`App::report_public_key`]).
    pub async fn export_report(
        &self,
        actor: &Actor,
        partner: &str,
        from: Date,
        to: Date,
        size: Option<u64>,
        format: Format,
    ) -> AppResult<(Report, Vec<u8>, String)> {
        let report = self.partner_report(actor, partner, from, to, size).await?;
        let (n, root) = (report.checkpoint.size, report.checkpoint.root.clone());
        let bytes = match format {
            Format::Csv => files::report_csv(&report.rows, n, &root),
            Format::Parquet => {
                files::report_parquet(&report.rows, n, &root).map_err(AppError::internal)?
            }
        };
        let (_, key) = self.log_signer().await?;
        let comment = trusted_comment(partner, &from.to_string(), &to.to_string(), n, &root);
        let sig = minisign::sign(&key, &bytes, &comment);
        Ok((report, bytes, sig))
    }

    /// The report's evidence: its plays and the multi-proof that they are leaves of the checkpoint's tree.
    pub async fn report_proof(
        &self,
        actor: &Actor,
        partner: &str,
        from: Date,
        to: Date,
        size: Option<u64>,
    ) -> AppResult<ReportProof> {
        let report = self.partner_report(actor, partner, from, to, size).await?;
        let n = report.checkpoint.size;
        let indexes: BTreeSet<u64> = report.plays.iter().map(|(_, i)| *i).collect();
        let mut nodes = Vec::new();
        if !indexes.is_empty() {
            let ids = multi::nodes_for_multi(&indexes, n).map_err(AppError::internal)?;
            let got = self.store.log_nodes(&ids).await?;
            if got.len() != ids.len() {
                return Err(AppError::internal("a node of the log is missing"));
            }
            nodes = got
                .into_iter()
                .map(|((level, index), h)| ProofNode {
                    level,
                    index,
                    hash: B64.encode(h),
                })
                .collect();
        }
        Ok(ReportProof {
            partner: report.partner,
            from: report.from.to_string(),
            to: report.to.to_string(),
            checkpoint: report.checkpoint,
            plays: report
                .plays
                .iter()
                .map(|(r, i)| LoggedPlay {
                    index: *i,
                    record: String::from_utf8(r.leaf_bytes()).unwrap_or_default(),
                })
                .collect(),
            nodes,
        })
    }

    /// The public key report signatures verify with, in minisign's format (the log's Ed25519 key).
    pub async fn report_public_key(&self) -> AppResult<String> {
        let (_, key) = self.log_signer().await?;
        Ok(minisign::public_key_file(&key.verifying_key()))
    }
}
