//! Full-text search over the public portal's content (cities, news, projects) in Russian, English and Chinese,
//! on [tantivy](https://docs.rs/tantivy).
//!
//! # Documents
//! A [`Doc`] is one language version of one item: the index holds one document per (kind, key, lang).
//! [`SearchIndex::replace`] swaps every language version of one item at once; [`SearchIndex::rebuild`]
//! swaps the whole content (start-up, from the database). Both commit and reload the reader before they return,
//! so the next [`SearchIndex::search`] sees the change.
//!
//! # Fields and analysis
//! Each language has its own pair of indexed fields, `title_<lang>` and `body_<lang>`, filled only for
//! documents in that language and analysed for it (module `analysis`):
//! - Russian: lower-case, `ё`→`е`, stop words, Snowball Russian stemmer (`побратимов` and `побратимы` meet);
//! - English: lower-case, stop words, Snowball English stemmer (`cities` and `city` meet);
//! - Chinese: jieba (search mode) words plus bigrams of Han characters, lower-case for Latin words inside.
//!
//! `ё` is folded by our own filter even though the Snowball Russian stemmer folds it too: the stop-word list
//! and the unstemmed prefix field see the word before the stemmer does.
//!
//! Title, body, URL, kind, key and language are stored for hits. A `title_prefix` field holds every title's
//! words unstemmed, for matching a name as it is typed.
//!
//! # Queries
//! A query is free text, never syntax: it is only ever cut into terms by the analysers, so quotes, colons,
//! brackets or `AND` are words or nothing, and no query is an error. It is analysed once per language and each
//! language's terms are matched against that language's fields (a Russian reader may type an English name and
//! find the English page). Within a language a document must contain most of the terms (all of up to three,
//! then all but a quarter); each term counts in the title with weight 3 and in the body with weight 1, scored
//! by BM25. For Chinese the required terms are the query's Han bigrams and its non-Han words; jieba's longer
//! words only add to the score. If the last word of the query is 3 characters or longer, titles with a word
//! starting with it match too (the other words must be title words), so `Сагам` finds Сагамихара. If no
//! document matches, the query runs again needing only one term.
//!
//! # Ranking
//! Documents in the reader's language come first, then the others, each group by score: the collector sorts
//! by the pair (document language = requested language, score), one pass, read from a fast field. The
//! [`Hit::score`] reported is the BM25 score alone.
//!
//! # Concurrency
//! [`SearchIndex`] is `Send + Sync`: searches take a cheap snapshot of the reader and run in parallel; writes
//! hold one writer behind a mutex.

mod analysis;
mod index;
mod query;
mod schema;

use std::fmt;
use std::str::FromStr;

pub use index::SearchIndex;

/// What an indexed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A city page.
    City,
    /// A news item.
    News,
    /// A project page.
    Project,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::City, Kind::News, Kind::Project];

    /// The kind's name: `city`, `news` or `project`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::City => "city",
            Kind::News => "news",
            Kind::Project => "project",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not the name of a [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind of search document")]
pub struct ParseKindError;

impl FromStr for Kind {
    type Err = ParseKindError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "city" => Ok(Kind::City),
            "news" => Ok(Kind::News),
            "project" => Ok(Kind::Project),
            _ => Err(ParseKindError),
        }
    }
}

/// One language version of one item, as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// What the item is.
    pub kind: Kind,
    /// The item's identity within its kind (a slug or an id).
    pub key: String,
    /// The language of `title` and `body`: `ru`, `en` or `zh`.
    pub lang: String,
    /// The title, plain text.
    pub title: String,
    /// The body, plain text.
    pub body: String,
    /// Where the portal shows the item in this language.
    pub url: String,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// What the item is.
    pub kind: Kind,
    /// The item's key.
    pub key: String,
    /// The language of this version of the item.
    pub lang: String,
    /// Its title.
    pub title: String,
    /// Its URL.
    pub url: String,
    /// Plain text from the body around the best match (`…` where it was cut), the start of the body if the
    /// body holds no query term, empty for an empty body.
    pub snippet: String,
    /// The relevance score (BM25; higher is better). Only comparable within one search.
    pub score: f32,
}

/// Why an index operation failed. The messages say what failed, not how; the source chain has the detail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// A document given to [`SearchIndex::replace`] or [`SearchIndex::rebuild`] is not acceptable.
    #[error("invalid search document: {0}")]
    InvalidDocument(&'static str),
    /// The on-disk index directory cannot be created or opened.
    #[error("the search index directory cannot be opened")]
    Directory(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Another process (or another `SearchIndex`) holds the index directory.
    #[error("the search index directory is in use")]
    Locked,
    /// The directory holds an index of another format; remove it and rebuild.
    #[error("the search index directory holds an index of another format")]
    Incompatible,
    /// Reading or writing the index failed.
    #[error("the search index failed")]
    Index(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl SearchError {
    pub(crate) fn index(error: tantivy::TantivyError) -> SearchError {
        SearchError::Index(Box::new(error))
    }
}
