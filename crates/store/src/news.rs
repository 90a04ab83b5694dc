//! The news desk's stories: one `news_articles` row per story, one `news_versions` row per language, one
//! `news_tags` row per tag. Every write is one transaction with its audit entry; a story's versions and tags are
//! replaced whole with it, so a reader never sees half of an update.

use crate::{audit, new_id, version, AuditEntry, Page, PageRequest, Result, Store, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The words of a story in one language.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsVersion {
    /// Headline (at most 200 characters).
    pub headline: String,
    /// Short headline for tickers (at most 80 characters).
    pub short_headline: String,
    /// Lead paragraph, plain text (at most 1000 characters).
    #[serde(default)]
    pub lead: String,
    /// Body, Markdown (rendered and sanitised when shown).
    #[serde(default)]
    pub body: String,
    /// The dateline's place in this language, e.g. `Wuxi`.
    #[serde(default)]
    pub dateline_place: String,
    /// Contact block (press office, phone, e-mail), plain text with line breaks.
    #[serde(default)]
    pub contact: String,
}

/// Where a story comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsSource {
    /// `own` (written by the desk) or `wire` (from a news agency or another feed).
    pub kind: String,
    /// The wire's name (required for `wire`), e.g. `Xinhua`.
    #[serde(default)]
    pub name: String,
    /// The item's id at its source (`wire`): a story is stored once per (name, original id).
    #[serde(default)]
    pub original_id: Option<String>,
    /// The item's URL at its source.
    #[serde(default)]
    pub url: String,
}

impl Default for NewsSource {
    fn default() -> Self {
        NewsSource {
            kind: "own".into(),
            name: String::new(),
            original_id: None,
            url: String::new(),
        }
    }
}

/// What a writer sends: a story's fields (full replacement on update).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewsArticleInput {
    /// Rubric slug (`world`, `city`, …; see `GET /api/v1/news/rubrics`).
    pub rubric: String,
    /// Tags: lowercase words or hyphenated words.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The dateline's date, `YYYY-MM-DD` (empty: the publication date).
    #[serde(default)]
    pub dateline_date: String,
    /// Where the story comes from (default: own).
    #[serde(default)]
    pub source: NewsSource,
    /// Images and videos from the media library (ids).
    #[serde(default)]
    pub media_ids: Vec<String>,
    /// Related partner cities (slugs).
    #[serde(default)]
    pub partners: Vec<String>,
    /// Related cooperation projects (ids, opaque here).
    #[serde(default)]
    pub projects: Vec<String>,
    /// Not visible before this instant (epoch ms), whatever the state.
    #[serde(default)]
    pub embargo_until: Option<i64>,
    /// Not visible from this instant on (epoch ms).
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// The versions by language (`ru`, `en`, `zh`): translations of one story.
    pub versions: BTreeMap<String, NewsVersion>,
}

/// A stored story.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct NewsArticle {
    /// Stable identifier (UUIDv7).
    pub id: String,
    /// Stored state: `draft`, `in_review`, `scheduled`, `published`, `withdrawn` (a `scheduled` story whose
    /// time has come is published; the API shows that in `effective_state`).
    pub state: String,
    /// See [`NewsArticleInput::rubric`].
    pub rubric: String,
    /// See [`NewsArticleInput::tags`] (sorted).
    pub tags: Vec<String>,
    /// See [`NewsArticleInput::dateline_date`].
    pub dateline_date: String,
    /// See [`NewsArticleInput::source`].
    pub source: NewsSource,
    /// See [`NewsArticleInput::media_ids`].
    pub media_ids: Vec<String>,
    /// See [`NewsArticleInput::partners`].
    pub partners: Vec<String>,
    /// See [`NewsArticleInput::projects`].
    pub projects: Vec<String>,
    /// When it is (to be) published, epoch ms.
    pub publish_at: Option<i64>,
    /// See [`NewsArticleInput::embargo_until`].
    pub embargo_until: Option<i64>,
    /// See [`NewsArticleInput::expires_at`].
    pub expires_at: Option<i64>,
    /// The account that created it.
    pub author_id: String,
    /// Epoch ms.
    pub created_at: i64,
    /// Epoch ms.
    pub updated_at: i64,
    /// Row version (`ETag` / `If-Match`).
    pub version: i64,
    /// See [`NewsArticleInput::versions`].
    pub versions: BTreeMap<String, NewsVersion>,
}

impl NewsArticle {
    /// The input that would keep the story as it is.
    pub fn input(&self) -> NewsArticleInput {
        NewsArticleInput {
            rubric: self.rubric.clone(),
            tags: self.tags.clone(),
            dateline_date: self.dateline_date.clone(),
            source: self.source.clone(),
            media_ids: self.media_ids.clone(),
            partners: self.partners.clone(),
            projects: self.projects.clone(),
            embargo_until: self.embargo_until,
            expires_at: self.expires_at,
            versions: self.versions.clone(),
        }
    }
}

/// The desk's list filter (every field optional).
#[derive(Debug, Clone, Default)]
pub struct NewsFilter {
    /// Only in this stored state.
    pub state: Option<String>,
    /// Only of this rubric.
    pub rubric: Option<String>,
    /// Only with a version in this language.
    pub lang: Option<String>,
    /// Only with this tag.
    pub tag: Option<String>,
    /// Only by this author (account id).
    pub author_id: Option<String>,
    /// Only with a headline containing this text in some language: as typed, or lowercased (SQLite lowercases
    /// only ASCII letters, PostgreSQL every letter).
    pub q: Option<String>,
}

/// What the public may see at an instant, per language: the query's parameters.
#[derive(Debug, Clone, Default)]
pub struct PublicNewsQuery {
    /// The language of the version shown.
    pub lang: String,
    /// Only of this rubric.
    pub rubric: Option<String>,
    /// Only carrying every one of these tags.
    pub tags: Vec<String>,
    /// Visible at this instant (epoch ms).
    pub at: i64,
    /// Only published strictly before this instant (the next page of a list), epoch ms.
    pub before: Option<i64>,
    /// At most this many (1..=500).
    pub limit: i64,
}

/// A published short headline (what a ticker shows).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NewsHeadline {
    /// The story.
    pub article_id: String,
    /// Its short headline in the asked language.
    pub short_headline: String,
    /// When it was published, epoch ms.
    pub publish_at: i64,
}

pub(crate) const COLS: &str = "id, state, rubric, dateline_date, source_kind, source_name, source_ref, source_url, media_ids, partners, projects, publish_at, embargo_until, expires_at, author_id, created_at, updated_at, version";

/// The SQL condition "visible at `$N`" (the same as `twincast_core::news::visible_at`; a test holds them
/// together). `a` is the alias of `news_articles`.
pub(crate) fn visible(n: usize) -> String {
    format!(
        "a.state IN ('published', 'scheduled') AND a.publish_at IS NOT NULL AND a.publish_at <= ${n} \
         AND (a.embargo_until IS NULL OR a.embargo_until <= ${n}) AND (a.expires_at IS NULL OR a.expires_at > ${n})"
    )
}

fn strings(row: &AnyRow, col: &str) -> Result<Vec<String>> {
    Ok(serde_json::from_str(&row.try_get::<String, _>(col)?)?)
}

pub(crate) fn article(row: &AnyRow) -> Result<NewsArticle> {
    Ok(NewsArticle {
        id: row.try_get("id")?,
        state: row.try_get("state")?,
        rubric: row.try_get("rubric")?,
        tags: vec![],
        dateline_date: row.try_get("dateline_date")?,
        source: NewsSource {
            kind: row.try_get("source_kind")?,
            name: row.try_get("source_name")?,
            original_id: row.try_get("source_ref")?,
            url: row.try_get("source_url")?,
        },
        media_ids: strings(row, "media_ids")?,
        partners: strings(row, "partners")?,
        projects: strings(row, "projects")?,
        publish_at: row.try_get("publish_at")?,
        embargo_until: row.try_get("embargo_until")?,
        expires_at: row.try_get("expires_at")?,
        author_id: row.try_get("author_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        versions: BTreeMap::new(),
    })
}

pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

pub(crate) async fn write_parts(tx: &mut Tx, id: &str, a: &NewsArticleInput) -> Result<()> {
    sqlx::query("DELETE FROM news_versions WHERE article_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM news_tags WHERE article_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for (lang, v) in &a.versions {
        sqlx::query(
            "INSERT INTO news_versions (article_id, lang, headline, short_headline, lead, body, dateline_place, contact) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(lang)
        .bind(&v.headline)
        .bind(&v.short_headline)
        .bind(&v.lead)
        .bind(&v.body)
        .bind(&v.dateline_place)
        .bind(&v.contact)
        .execute(&mut **tx)
        .await?;
    }
    let mut tags = a.tags.clone();
    tags.sort();
    tags.dedup();
    for t in tags {
        sqlx::query("INSERT INTO news_tags (article_id, tag) VALUES ($1, $2)")
            .bind(id)
            .bind(t)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Bumps the schedule version when story `id` is published or scheduled (before the change, so that a story
/// leaving the public also leaves the screens' tickers) or when `now_public` (it becomes so): tickers show the
/// desk's headlines, and a new schedule version is what makes every node push again.
pub(crate) async fn bump_if_public(tx: &mut Tx, id: &str, now_public: bool) -> Result<()> {
    let was: Option<String> = sqlx::query("SELECT state FROM news_articles WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("state"))
        .transpose()?;
    let public = |s: &str| s == "published" || s == "scheduled";
    if now_public || was.as_deref().is_some_and(public) {
        crate::schedule::bump(tx).await?;
    }
    Ok(())
}

/// Inserts a story row (version 1) with its versions and tags, inside `tx` (the wire import uses it too).
pub(crate) async fn insert_article(
    tx: &mut Tx,
    id: &str,
    a: &NewsArticleInput,
    state: &str,
    publish_at: Option<i64>,
    author_id: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
            "INSERT INTO news_articles (id, state, rubric, dateline_date, source_kind, source_name, source_ref, source_url, \
             media_ids, partners, projects, publish_at, embargo_until, expires_at, author_id, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, 1)",
        )
        .bind(id)
        .bind(state)
        .bind(&a.rubric)
        .bind(&a.dateline_date)
        .bind(&a.source.kind)
        .bind(&a.source.name)
        .bind(source_ref(a))
        .bind(&a.source.url)
        .bind(serde_json::to_string(&a.media_ids)?)
        .bind(serde_json::to_string(&a.partners)?)
        .bind(serde_json::to_string(&a.projects)?)
        .bind(publish_at)
        .bind(a.embargo_until)
        .bind(a.expires_at)
        .bind(author_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    write_parts(tx, id, a).await
}

/// Replaces a story row's fields (not its versions and tags) if still at version `expected` (0: any), bumping the
/// version, inside `tx`; the number of rows it touched.
pub(crate) async fn update_fields(
    tx: &mut Tx,
    id: &str,
    a: &NewsArticleInput,
    expected: i64,
    at: i64,
) -> Result<u64> {
    let done = sqlx::query(
            "UPDATE news_articles SET rubric = $1, dateline_date = $2, source_kind = $3, source_name = $4, source_ref = $5, \
             source_url = $6, media_ids = $7, partners = $8, projects = $9, embargo_until = $10, expires_at = $11, \
             updated_at = $12, version = version + 1 WHERE id = $13 AND ($14 = 0 OR version = $14)",
        )
        .bind(&a.rubric)
        .bind(&a.dateline_date)
        .bind(&a.source.kind)
        .bind(&a.source.name)
        .bind(source_ref(a))
        .bind(&a.source.url)
        .bind(serde_json::to_string(&a.media_ids)?)
        .bind(serde_json::to_string(&a.partners)?)
        .bind(serde_json::to_string(&a.projects)?)
        .bind(a.embargo_until)
        .bind(a.expires_at)
        .bind(at)
        .bind(id)
        .bind(expected)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

fn source_ref(a: &NewsArticleInput) -> Option<&str> {
    a.source.original_id.as_deref().filter(|s| !s.is_empty())
}

impl Store {
    /// Adds a story in `state` (with `publish_at` when it is published or scheduled) written by `author_id`,
    /// its versions and tags, and the audit entry (whose `resource_id` is set here), in one transaction. A wire
    /// item already stored (same source name and original id) is a conflict.
    pub async fn create_news_article(
        &self,
        a: &NewsArticleInput,
        state: &str,
        publish_at: Option<i64>,
        author_id: &str,
        audit: &AuditEntry,
    ) -> Result<NewsArticle> {
        let id = new_id();
        let mut tx = self.begin_write().await?;
        insert_article(&mut tx, &id, a, state, publish_at, author_id, audit.at).await?;
        bump_if_public(&mut tx, &id, false).await?;
        let mut entry = audit.clone();
        entry.resource_id = id.clone();
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        self.news_article(&id).await
    }

    /// Replaces a story's fields, versions and tags if it is still at version `expected` (0: any), with its
    /// audit entry, in one transaction (the state and times of publication are left as they are).
    pub async fn update_news_article(
        &self,
        id: &str,
        a: &NewsArticleInput,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<NewsArticle> {
        let mut tx = self.begin_write().await?;
        bump_if_public(&mut tx, id, false).await?;
        let done = update_fields(&mut tx, id, a, expected, audit.at).await?;
        version::outcome(&mut tx, "news_articles", id, done).await?;
        write_parts(&mut tx, id, a).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.news_article(id).await
    }

    /// Moves a story to `state` with `publish_at`, if still at version `expected` (0: any), with its audit entry.
    pub async fn set_news_state(
        &self,
        id: &str,
        state: &str,
        publish_at: Option<i64>,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<NewsArticle> {
        let mut tx = self.begin_write().await?;
        bump_if_public(&mut tx, id, state == "published" || state == "scheduled").await?;
        let done = sqlx::query(
            "UPDATE news_articles SET state = $1, publish_at = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND ($5 = 0 OR version = $5)",
        )
        .bind(state)
        .bind(publish_at)
        .bind(audit.at)
        .bind(id)
        .bind(expected)
        .execute(&mut *tx)
        .await?;
        version::outcome(&mut tx, "news_articles", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        self.news_article(id).await
    }

    /// Deletes a story (its versions and tags with it) if still at version `expected` (0: any), with its audit
    /// entry.
    pub async fn delete_news_article(
        &self,
        id: &str,
        expected: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        bump_if_public(&mut tx, id, false).await?;
        for sql in [
            "DELETE FROM news_versions WHERE article_id = $1 AND EXISTS (SELECT 1 FROM news_articles WHERE id = $1 AND ($2 = 0 OR version = $2))",
            "DELETE FROM news_tags WHERE article_id = $1 AND EXISTS (SELECT 1 FROM news_articles WHERE id = $1 AND ($2 = 0 OR version = $2))",
        ] {
            sqlx::query(sql).bind(id).bind(expected).execute(&mut *tx).await?;
        }
        let done =
            sqlx::query("DELETE FROM news_articles WHERE id = $1 AND ($2 = 0 OR version = $2)")
                .bind(id)
                .bind(expected)
                .execute(&mut *tx)
                .await?;
        version::outcome(&mut tx, "news_articles", id, done.rows_affected()).await?;
        audit::insert(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One story with its versions and tags.
    pub async fn news_article(&self, id: &str) -> Result<NewsArticle> {
        let row = self
            .one_row(
                &format!("SELECT {COLS} FROM news_articles WHERE id = $1"),
                id,
            )
            .await?;
        let mut out = self.complete(vec![article(&row)?]).await?;
        out.pop().ok_or(StoreError::NotFound)
    }

    /// The story stored for a wire item (source name + original id), if any: the wire import's dedup key.
    pub async fn news_by_source(
        &self,
        name: &str,
        original_id: &str,
    ) -> Result<Option<NewsArticle>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM news_articles WHERE source_name = $1 AND source_ref = $2"
        )))
        .bind(name)
        .bind(original_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(self.complete(vec![article(&r)?]).await?.pop()),
            None => Ok(None),
        }
    }

    /// The desk's list, newest first (keyset pages on the id, which is time-ordered).
    pub async fn list_news(&self, f: &NewsFilter, page: &PageRequest) -> Result<Page<NewsArticle>> {
        let q = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM news_articles a WHERE ($1 = '' OR a.id < $1) AND ($2 = '' OR a.state = $2) \
             AND ($3 = '' OR a.rubric = $3) AND ($4 = '' OR EXISTS (SELECT 1 FROM news_versions v WHERE v.article_id = a.id AND v.lang = $4)) \
             AND ($5 = '' OR EXISTS (SELECT 1 FROM news_tags t WHERE t.article_id = a.id AND t.tag = $5)) \
             AND ($6 = '' OR a.author_id = $6) \
             AND ($8 = '' OR EXISTS (SELECT 1 FROM news_versions v WHERE v.article_id = a.id \
                  AND (v.headline LIKE $8 ESCAPE '\\' OR LOWER(v.headline) LIKE $9 ESCAPE '\\'))) \
             ORDER BY a.id DESC LIMIT $7"
        )))
        .bind(page.after()?)
        .bind(f.state.as_deref().unwrap_or(""))
        .bind(f.rubric.as_deref().unwrap_or(""))
        .bind(f.lang.as_deref().unwrap_or(""))
        .bind(f.tag.as_deref().unwrap_or(""))
        .bind(f.author_id.as_deref().unwrap_or(""))
        .bind(page.limit() + 1)
        .bind(q.as_ref().map(|t| crate::places::like_pattern(t, false)).unwrap_or_default())
        .bind(q.as_ref().map(|t| crate::places::like_pattern(t, true)).unwrap_or_default())
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(article).collect::<Result<Vec<_>>>()?;
        let items = self.complete(items).await?;
        Ok(page.finish(items, |a| &a.id))
    }

    /// The stories the public sees at `q.at` that have a version in `q.lang`, newest publication first.
    pub async fn public_news(&self, q: &PublicNewsQuery) -> Result<Vec<NewsArticle>> {
        let mut sql = format!(
            "SELECT {COLS} FROM news_articles a WHERE {} AND EXISTS (SELECT 1 FROM news_versions v WHERE v.article_id = a.id AND v.lang = $2) \
             AND ($3 = '' OR a.rubric = $3) AND ($4 = 0 OR a.publish_at < $5)",
            visible(1)
        );
        for i in 0..q.tags.len() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM news_tags t WHERE t.article_id = a.id AND t.tag = ${})",
                7 + i
            ));
        }
        sql.push_str(" ORDER BY a.publish_at DESC, a.id DESC LIMIT $6");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(q.at)
            .bind(&q.lang)
            .bind(q.rubric.as_deref().unwrap_or(""))
            .bind(q.before.is_some() as i64)
            .bind(q.before.unwrap_or(0))
            .bind(q.limit.clamp(1, 500));
        for t in &q.tags {
            query = query.bind(t);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let items = rows.iter().map(article).collect::<Result<Vec<_>>>()?;
        self.complete(items).await
    }

    /// Published short headlines in `lang` carrying every tag of `tags`, visible at `at`, newest first: what a
    /// ticker shows (one query).
    pub async fn news_headlines(
        &self,
        lang: &str,
        tags: &[String],
        at: i64,
        limit: i64,
    ) -> Result<Vec<NewsHeadline>> {
        let mut sql = format!(
            "SELECT a.id AS id, v.short_headline AS short_headline, a.publish_at AS publish_at FROM news_articles a \
             JOIN news_versions v ON v.article_id = a.id AND v.lang = $2 WHERE {}",
            visible(1)
        );
        for i in 0..tags.len() {
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM news_tags t WHERE t.article_id = a.id AND t.tag = ${})",
                4 + i
            ));
        }
        sql.push_str(" ORDER BY a.publish_at DESC, a.id DESC LIMIT $3");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(at)
            .bind(lang)
            .bind(limit.clamp(1, 500));
        for t in tags {
            query = query.bind(t);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(NewsHeadline {
                    article_id: r.try_get("id")?,
                    short_headline: r.try_get("short_headline")?,
                    publish_at: r.try_get("publish_at")?,
                })
            })
            .collect()
    }

    /// Fills in the versions and tags of `items` (two queries however many there are).
    pub(crate) async fn complete(&self, mut items: Vec<NewsArticle>) -> Result<Vec<NewsArticle>> {
        if items.is_empty() {
            return Ok(items);
        }
        let marks: Vec<String> = (1..=items.len()).map(|i| format!("${i}")).collect();
        let marks = marks.join(", ");
        let mut vq = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT article_id, lang, headline, short_headline, lead, body, dateline_place, contact FROM news_versions WHERE article_id IN ({marks})"
        )));
        let mut tq = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT article_id, tag FROM news_tags WHERE article_id IN ({marks}) ORDER BY tag"
        )));
        for a in &items {
            vq = vq.bind(a.id.clone());
            tq = tq.bind(a.id.clone());
        }
        let vrows = vq.fetch_all(&self.pool).await?;
        let trows = tq.fetch_all(&self.pool).await?;
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        for (i, a) in items.iter().enumerate() {
            by_id.insert(a.id.clone(), i);
        }
        for r in &vrows {
            let aid: String = r.try_get("article_id")?;
            if let Some(&i) = by_id.get(&aid) {
                items[i].versions.insert(
                    r.try_get("lang")?,
                    NewsVersion {
                        headline: r.try_get("headline")?,
                        short_headline: r.try_get("short_headline")?,
                        lead: r.try_get("lead")?,
                        body: r.try_get("body")?,
                        dateline_place: r.try_get("dateline_place")?,
                        contact: r.try_get("contact")?,
                    },
                );
            }
        }
        for r in &trows {
            let aid: String = r.try_get("article_id")?;
            if let Some(&i) = by_id.get(&aid) {
                items[i].tags.push(r.try_get("tag")?);
            }
        }
        Ok(items)
    }
}
