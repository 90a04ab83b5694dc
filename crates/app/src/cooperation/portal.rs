//! What the portal's catalogue pages read besides the catalogue itself: a partner city's projects, and the public
//! news related to a project or to a partner city.

use crate::error::AppResult;
use crate::App;
use twincast_core::cooperation::Project;
use twincast_store::NewsArticle;

/// How many of the newest public stories are looked through for related ones.
const NEWS_WINDOW: i64 = 500;

impl App {
    /// The projects whose partner cities include `partner` (public), by slug.
    pub async fn partner_projects(&self, partner: &str) -> AppResult<Vec<Project>> {
        Ok(self
            .store
            .coop_projects()
            .await?
            .into_iter()
            .filter(|p| p.data.partners.iter().any(|x| x == partner))
            .collect())
    }

    /// The public stories in `lang` related to project `p`, newest first, at most `limit`: those the project
    /// names (`news`) and those that name the project (by id or slug).
    pub async fn project_news(
        &self,
        lang: &str,
        p: &Project,
        limit: usize,
    ) -> AppResult<Vec<NewsArticle>> {
        Ok(self
            .public_news(lang, None, &[], None, NEWS_WINDOW)
            .await?
            .into_iter()
            .filter(|a| {
                p.data.news.contains(&a.id)
                    || a.projects.iter().any(|x| *x == p.id || *x == p.data.slug)
            })
            .take(limit)
            .collect())
    }

    /// The public stories in `lang` related to partner city `partner`, newest first, at most `limit`.
    pub async fn partner_news(
        &self,
        lang: &str,
        partner: &str,
        limit: usize,
    ) -> AppResult<Vec<NewsArticle>> {
        Ok(self
            .public_news(lang, None, &[], None, NEWS_WINDOW)
            .await?
            .into_iter()
            .filter(|a| a.partners.iter().any(|x| x == partner))
            .take(limit)
            .collect())
    }
}
