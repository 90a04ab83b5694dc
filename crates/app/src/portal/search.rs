//! Search across the portal's content (the partner cities, the public news and the cooperation projects) in
//! Russian, English and Chinese, through `twincast_search`. The index lives in memory and follows the database:
//! each refresh of the portal's snapshot compares what it indexed (partners by slug and version, the news documents
//! the public sees now, projects by id and version) with what it read, and re-indexes when they differ, so a change
//! made through any node is searchable within [`SNAPSHOT_TTL_MS`](super::SNAPSHOT_TTL_MS).

use super::{City, Snapshot};
use crate::error::{AppError, AppResult};
use crate::App;
use sha2::{Digest, Sha256};
use twincast_search::{Doc, Hit, Kind};

/// The languages every item is indexed in.
const LANGS: [&str; 3] = ["ru", "en", "zh"];

/// The longest query accepted (characters); longer text is an error, not a silent cut.
pub const MAX_QUERY_CHARS: usize = 200;

/// The index's documents of one city: one per language, titled with the name in that language; the body holds
/// the description in that language and the names in the others (so that a name typed in any script is found).
pub fn city_docs(c: &City) -> Vec<Doc> {
    LANGS
        .iter()
        .map(|lang| {
            let others: Vec<&str> = c
                .partner
                .names
                .iter()
                .filter(|(l, _)| l.as_str() != *lang)
                .map(|(_, n)| n.as_str())
                .collect();
            Doc {
                kind: Kind::City,
                key: c.partner.slug.clone(),
                lang: lang.to_string(),
                title: c.name(lang).to_string(),
                body: format!("{} {}", c.description(lang), others.join(" ")),
                url: format!("/{lang}/cities/{}", c.partner.slug),
            }
        })
        .collect()
}

/// The index's documents of one cooperation project: one per language, titled with its title in that language;
/// the body holds the summary and description in that language, the district's name and the titles in the others.
/// Each links to the project's page (`/{lang}/projects/{slug}`).
pub fn project_docs(p: &twincast_core::cooperation::Project) -> Vec<Doc> {
    let d = &p.data;
    LANGS
        .iter()
        .map(|lang| {
            let others: Vec<&str> = d
                .title
                .pairs()
                .into_iter()
                .filter(|(l, _)| l != lang)
                .map(|(_, t)| t)
                .collect();
            Doc {
                kind: Kind::Project,
                key: d.slug.clone(),
                lang: lang.to_string(),
                title: d.title.get(lang).to_string(),
                body: format!(
                    "{} {} {} {}",
                    d.summary.get(lang),
                    d.description.get(lang),
                    d.district_name.get(lang),
                    others.join(" ")
                ),
                url: format!("/{lang}/projects/{}", d.slug),
            }
        })
        .collect()
}

/// A fingerprint of what the cities', the news (`news`, the documents themselves) and the projects' documents are
/// made of.
pub(super) fn fingerprint(
    snap: &Snapshot,
    news: &[Doc],
    projects: &[twincast_core::cooperation::Project],
) -> [u8; 32] {
    let mut h = Sha256::new();
    for c in snap.cities.iter() {
        h.update(c.partner.slug.as_bytes());
        h.update(c.partner.version.to_le_bytes());
        h.update([0]);
    }
    h.update([2]);
    for d in news {
        for part in [
            d.key.as_str(),
            d.lang.as_str(),
            d.title.as_str(),
            d.body.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
    }
    h.update([1]);
    for p in projects {
        h.update(p.id.as_bytes());
        h.update(p.version.to_le_bytes());
        h.update([0]);
    }
    h.finalize().into()
}

impl App {
    /// Re-indexes the cities of `snap` when they differ from what the index holds.
    pub(super) async fn keep_index(&self, snap: &Snapshot) -> AppResult<()> {
        // The stories the public sees now (so a scheduled one is found from its time, an expired one no longer).
        let news = self.news_search_docs().await?;
        let projects = self.store.coop_projects().await?;
        let print = fingerprint(snap, &news, &projects);
        if self
            .portal
            .indexed
            .lock()
            .map(|g| *g == Some(print))
            .unwrap_or(false)
        {
            return Ok(());
        }
        let mut docs: Vec<Doc> = snap.cities.iter().flat_map(city_docs).collect();
        docs.extend(news);
        docs.extend(projects.iter().flat_map(project_docs));
        let index = self.search.clone();
        tokio::task::spawn_blocking(move || index.rebuild(docs))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)?;
        if let Ok(mut g) = self.portal.indexed.lock() {
            *g = Some(print);
        }
        Ok(())
    }

    /// What the portal's search finds for `query` typed on a page in `lang`: hits in that language first, at
    /// most `limit` (1..=50), of the given kinds (empty: all). An empty query finds nothing.
    pub async fn portal_search(
        &self,
        query: &str,
        lang: &str,
        kinds: &[Kind],
        limit: usize,
    ) -> AppResult<Vec<Hit>> {
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::invalid(
                "query-too-long",
                format!("a search query has at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        if !(1..=50).contains(&limit) {
            return Err(AppError::invalid(
                "invalid-limit",
                "limit must be a whole number from 1 to 50",
            ));
        }
        // Brings the index up to date with the database first.
        self.portal_snapshot().await?;
        let (index, q, lang, kinds) = (
            self.search.clone(),
            query.to_string(),
            lang.to_string(),
            kinds.to_vec(),
        );
        tokio::task::spawn_blocking(move || index.search(&q, &lang, &kinds, limit))
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }
}
