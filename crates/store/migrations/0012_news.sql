-- The news desk: stories (news_articles) with a version per language (news_versions, linked as translations by
-- their article), tags as rows (so "published short headlines in language L with tags T" is one indexed query),
-- and the wire source's identity (source_name + source_ref is unique: a wire item is stored once).
CREATE TABLE news_articles (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    rubric TEXT NOT NULL,
    dateline_date TEXT NOT NULL DEFAULT '',
    source_kind TEXT NOT NULL,
    source_name TEXT NOT NULL DEFAULT '',
    source_ref TEXT,
    source_url TEXT NOT NULL DEFAULT '',
    media_ids TEXT NOT NULL DEFAULT '[]',
    partners TEXT NOT NULL DEFAULT '[]',
    projects TEXT NOT NULL DEFAULT '[]',
    publish_at BIGINT,
    embargo_until BIGINT,
    expires_at BIGINT,
    author_id TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX news_articles_source ON news_articles(source_name, source_ref);
CREATE INDEX news_articles_public ON news_articles(state, publish_at);
CREATE INDEX news_articles_rubric ON news_articles(rubric, publish_at);

CREATE TABLE news_versions (
    article_id TEXT NOT NULL REFERENCES news_articles(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    headline TEXT NOT NULL,
    short_headline TEXT NOT NULL,
    lead TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    dateline_place TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, lang)
);
CREATE INDEX news_versions_lang ON news_versions(lang);

CREATE TABLE news_tags (
    article_id TEXT NOT NULL REFERENCES news_articles(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (article_id, tag)
);
CREATE INDEX news_tags_tag ON news_tags(tag);
