//! What the portal's pages read besides the catalogue itself: a partner city's projects, and the public news
//! related to a project or to a partner city ([`Related`], read once and filtered per page).

use crate::error::AppResult;
use crate::App;
use twincast_core::cooperation::Project;
use twincast_store::NewsArticle;

/// How many of the newest public stories are looked through for related ones.
const NEWS_WINDOW: i64 = 500;

/// The projects and the newest public stories of one language, to find what relates to a city or a project.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// Every project, by slug.
    pub projects: Vec<Project>,
    /// The newest public stories in the language read, newest first.
    pub news: Vec<NewsArticle>,
}

impl Related {
    /// The projects whose partner cities include `partner`.
    pub fn partner_projects(&self, partner: &str) -> Vec<&Project> {
        self.projects
            .iter()
            .filter(|p| p.data.partners.iter().any(|x| x == partner))
            .collect()
    }

    /// The stories whose related partners include `partner`, newest first, at most `limit`.
    pub fn partner_news(&self, partner: &str, limit: usize) -> Vec<NewsArticle> {
        self.news
            .iter()
            .filter(|a| a.partners.iter().any(|x| x == partner))
            .take(limit)
            .cloned()
            .collect()
    }

    /// The stories related to project `p`, newest first, at most `limit`: those the project names (`news`) and
    /// those that name the project (by id or slug).
    pub fn project_news(&self, p: &Project, limit: usize) -> Vec<NewsArticle> {
        self.news
            .iter()
            .filter(|a| {
                p.data.news.contains(&a.id)
                    || a.projects.iter().any(|x| *x == p.id || *x == p.data.slug)
            })
            .take(limit)
            .cloned()
            .collect()
    }
}

impl App {
    /// Every project and the newest public stories in `lang` (public), for [`Related`]'s look-ups.
    pub async fn portal_related(&self, lang: &str) -> AppResult<Related> {
        Ok(Related {
            projects: self.store.coop_projects().await?,
            news: self.public_news(lang, None, &[], None, NEWS_WINDOW).await?,
        })
    }
}
