//! The demo's news desk: `twincast_demo::news()` written and published through the desk's own operations (as the
//! local admin), once — a database that has any story already is left as it is.

use anyhow::Result;
use std::collections::BTreeMap;
use twincast_server::AppState;
use twincast_store::{NewsArticleInput, NewsFilter, NewsSource, NewsVersion, PageRequest};

fn version(t: &twincast_demo::StoryText) -> NewsVersion {
    NewsVersion {
        headline: t.headline.into(),
        short_headline: t.short.into(),
        lead: t.lead.into(),
        body: t.body.into(),
        dateline_place: t.place.into(),
        contact: t.contact.into(),
    }
}

/// Writes and publishes the demo stories unless the desk has stories; returns how many were added.
pub async fn seed(state: &AppState) -> Result<usize> {
    let admin = twincast_app::App::local_admin();
    let any = state
        .app
        .list_news(
            &admin,
            &NewsFilter::default(),
            &PageRequest {
                limit: 1,
                cursor: None,
            },
        )
        .await?;
    if !any.items.is_empty() {
        return Ok(0);
    }
    let mut added = 0;
    for s in twincast_demo::news() {
        let input = NewsArticleInput {
            rubric: s.rubric.into(),
            tags: s.tags.iter().map(|t| t.to_string()).collect(),
            dateline_date: s.date.into(),
            source: match s.wire {
                Some((name, id, url)) => NewsSource {
                    kind: "wire".into(),
                    name: name.into(),
                    original_id: Some(id.into()),
                    url: url.into(),
                },
                None => NewsSource::default(),
            },
            partners: s.partners.iter().map(|p| p.to_string()).collect(),
            projects: s.projects.iter().map(|p| p.to_string()).collect(),
            versions: BTreeMap::from([
                ("ru".to_string(), version(&s.ru)),
                ("en".to_string(), version(&s.en)),
                ("zh".to_string(), version(&s.zh)),
            ]),
            ..NewsArticleInput::default()
        };
        let a = state.app.create_news(&admin, &input).await?;
        state
            .app
            .news_action(
                &admin,
                &a.article.id,
                twincast_app::news::Action::Publish,
                None,
                None,
            )
            .await?;
        added += 1;
    }
    Ok(added)
}
