//! What the portal's pages read besides the catalogue itself: a partner city's projects, the public news related
//! to a project or to a partner city ([`Related`], read once and filtered per page), and a project's pictures.

use crate::error::AppResult;
use crate::App;
use twincast_core::cooperation::Project;
use twincast_store::{ModerationState, NewsArticle, StoreError};

/// A picture of a project (an approved image of the media library) as the public may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// Media id.
    pub id: String,
    /// Where the file is served (`/media/…`).
    pub url: String,
    /// Its title (the file's name without its extension).
    pub title: String,
    /// Pixel size, when known.
    pub width: Option<i64>,
    /// Pixel height, when known.
    pub height: Option<i64>,
}

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
    /// The pictures among project `p`'s media (public): approved images only, in the project's order; media that
    /// are missing, pending, rejected or not images are left out.
    pub async fn project_pictures(&self, p: &Project) -> AppResult<Vec<Picture>> {
        let mut out = Vec::new();
        for id in &p.data.media {
            let m = match self.store.media(id).await {
                Ok(m) => m,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e.into()),
            };
            if m.kind != "image" || m.moderation.state != ModerationState::Approved {
                continue;
            }
            let title = match m.original_name.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                _ => m.original_name.clone(),
            };
            out.push(Picture {
                url: format!("/{}", m.object_key),
                id: m.id,
                title,
                width: m.width,
                height: m.height,
            });
        }
        Ok(out)
    }

    /// Every project and the newest public stories in `lang` (public), for [`Related`]'s look-ups.
    pub async fn portal_related(&self, lang: &str) -> AppResult<Related> {
        Ok(Related {
            projects: self.store.coop_projects().await?,
            news: self.public_news(lang, None, &[], None, NEWS_WINDOW).await?,
        })
    }
}
