//! View counts that respect privacy: a view is one counter increment for a media item and a UTC day. No cookie is
//! read or set and no address or identifier is stored; a request that carries Do-Not-Track (`DNT: 1`) or Global
//! Privacy Control (`Sec-GPC: 1`) is not counted at all.

use crate::error::{AppError, AppResult};
use crate::App;
use twincast_store::DailyViews;

/// A request to count a view, as the front door read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewRequest<'a> {
    /// The media item watched.
    pub media_id: &'a str,
    /// The browser asked not to be tracked (DNT or GPC).
    pub opt_out: bool,
}

/// Whether a request with these header values opts out of counting (`DNT: 1` or `Sec-GPC: 1`).
pub fn view_counted(dnt: Option<&str>, gpc: Option<&str>) -> bool {
    let set = |v: Option<&str>| v.is_some_and(|v| v.trim() == "1");
    !(set(dnt) || set(gpc))
}

/// The UTC day of `ms` as `YYYY-MM-DD`.
fn utc_day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| "1970-01-01".into())
}

impl App {
    /// Counts a view of a public video unless the request opted out; `Ok(false)`: not counted (opted out).
    /// An unknown or non-public media item is `not-found`.
    pub async fn count_view(&self, req: ViewRequest<'_>) -> AppResult<bool> {
        let snapshot = self.portal_snapshot().await?;
        if snapshot.video(req.media_id).is_none() {
            return Err(AppError::not_found("no such public video"));
        }
        if req.opt_out {
            return Ok(false);
        }
        if !self
            .store
            .record_view(req.media_id, &utc_day(self.now_ms()))
            .await?
        {
            return Err(AppError::not_found("no such public video"));
        }
        Ok(true)
    }

    /// Views per video and UTC day for `from..=to` (`YYYY-MM-DD`, at most 366 days): public, like the videos.
    pub async fn daily_views(&self, from: &str, to: &str) -> AppResult<Vec<DailyViews>> {
        let day = |name: &str, v: &str| {
            v.parse::<jiff::civil::Date>().map_err(|_| {
                AppError::invalid(
                    "invalid-day",
                    format!("{name} must be a day such as 2026-12-01"),
                )
            })
        };
        let (a, b) = (day("from", from)?, day("to", to)?);
        if b < a {
            return Err(AppError::invalid("invalid-range", "to is before from"));
        }
        if a.until(b).map(|s| s.get_days()).unwrap_or(i32::MAX) > 366 {
            return Err(AppError::invalid(
                "invalid-range",
                "ask for at most 366 days at a time",
            ));
        }
        Ok(self
            .store
            .daily_views(&a.to_string(), &b.to_string())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opt_out_headers() {
        assert!(view_counted(None, None));
        assert!(view_counted(Some("0"), None));
        assert!(!view_counted(Some("1"), None));
        assert!(!view_counted(None, Some("1")));
        assert!(!view_counted(Some(" 1 "), Some("0")));
    }

    #[test]
    fn days_are_utc() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(1_764_547_199_999), "2025-11-30");
        assert_eq!(utc_day(1_764_547_200_000), "2025-12-01");
    }
}
