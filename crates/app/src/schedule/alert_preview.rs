//! What an alert would do before it is issued: the same parsing and validation as [`App::issue_alert`], then the
//! engine's own targeting ([`twincast_core::Alert::targets`]) over the unretired fleet, counted per location.
//! Nothing is written.

use crate::error::AppResult;
use crate::{Actor, App};
use serde::Serialize;
use std::collections::BTreeMap;
use twincast_core::Alert;
use twincast_store::{LocationFilter, PageRequest, Role};

/// The screens an alert reaches at one location.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LocationReach {
    /// Location slug.
    pub slug: String,
    /// Location name.
    pub name: String,
    /// Unretired screens the alert targets there.
    pub screens: usize,
    /// Unretired screens there in all.
    pub of: usize,
}

/// An alert as parsed, and where it would show.
#[derive(Debug, Clone, Serialize)]
pub struct AlertPreview {
    /// The alert the engine would see.
    pub alert: Alert,
    /// Whether it can show at all (`Actual`, and `Alert` or `Update`).
    pub displayable: bool,
    /// Locations with at least one targeted screen, by name.
    pub by_location: Vec<LocationReach>,
    /// Targeted screens in all.
    pub screens: usize,
}

impl App {
    /// Parses an alert like [`App::issue_alert`] (same formats, same refusals) and counts the screens it would
    /// target per location, without issuing it. Admins and operators (those who may issue).
    pub async fn preview_alert(
        &self,
        actor: &Actor,
        media_type: &str,
        body: &[u8],
    ) -> AppResult<AlertPreview> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let (alert, _, _) = self.parse_alert(media_type, body)?;
        let mut names: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut cursor = None;
        loop {
            let p = self
                .store
                .list_locations(
                    &LocationFilter::default(),
                    &PageRequest {
                        limit: PageRequest::MAX_LIMIT,
                        cursor,
                    },
                )
                .await?;
            for l in p.items {
                names.insert(l.id, (l.slug, l.name));
            }
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (_, s) in self.store.all_core_screens().await? {
            let e = counts.entry(s.location_id.clone()).or_default();
            e.1 += 1;
            if alert.targets(&s) {
                e.0 += 1;
            }
        }
        let mut by_location: Vec<LocationReach> = counts
            .into_iter()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(id, (screens, of))| {
                let (slug, name) = names.get(&id).cloned().unwrap_or((id.clone(), id));
                LocationReach {
                    slug,
                    name,
                    screens,
                    of,
                }
            })
            .collect();
        by_location.sort_by(|a, b| a.name.cmp(&b.name).then(a.slug.cmp(&b.slug)));
        Ok(AlertPreview {
            displayable: alert.is_displayable(),
            screens: by_location.iter().map(|l| l.screens).sum(),
            by_location,
            alert,
        })
    }
}
