//! [`SearchIndex::search`]: from a search box's text to ranked hits with snippets.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, RegexQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Score, TantivyDocument, Term};

use crate::analysis::{is_han, prefix_analyser, tokens, Lang, QueryToken};
use crate::schema::LangFields;
use crate::{Hit, Kind, SearchError, SearchIndex};

/// A query is cut to this many characters.
const MAX_QUERY_CHARS: usize = 500;
/// At most this many terms per language (and words for the prefix match) are used.
const MAX_TERMS: usize = 24;
/// At most this many hits are returned, whatever `limit` says.
pub(crate) const MAX_LIMIT: usize = 1000;
/// A term in the title counts this much more than in the body.
const TITLE_BOOST: Score = 3.0;
/// Jieba's longer Chinese words, which only rank, count this much.
const WORD_BOOST: Score = 0.5;
/// A title word that starts with the last word typed.
const PREFIX_BOOST: Score = 1.0;
/// The last word must be at least this many characters to be matched as a prefix.
const MIN_PREFIX_CHARS: usize = 3;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 180;

/// The terms of a query in one language.
#[derive(Debug, Default)]
struct LangTerms {
    /// Terms a document must contain (most of them).
    required: Vec<String>,
    /// Terms that only add to the score.
    optional: Vec<String>,
}

impl LangTerms {
    fn analyse(lang: Lang, query: &str) -> LangTerms {
        let found = tokens(&mut lang.analyser(), query);
        let mut terms = LangTerms::default();
        let mut seen = HashSet::new();
        for token in &found {
            if !seen.insert(token.text.as_str()) {
                continue;
            }
            let required = lang != Lang::Zh || zh_required(query, token);
            let list = if required {
                &mut terms.required
            } else {
                &mut terms.optional
            };
            if list.len() < MAX_TERMS {
                list.push(token.text.clone());
            }
        }
        terms
    }
}

/// Whether a token of a Chinese query must be in a document: bigrams (every two-character Han token is one),
/// a Han character standing alone, any non-Han token. Longer Han words and single characters inside a run
/// of Han characters are covered by the bigrams.
fn zh_required(query: &str, token: &QueryToken) -> bool {
    let han = token.text.chars().filter(|c| is_han(*c)).count();
    match han {
        0 => true,
        2 => token.text.chars().count() == 2,
        1 if token.text.chars().count() == 1 => {
            let before = query[..token.from].chars().next_back();
            let after = query[token.to..].chars().next();
            !before.is_some_and(is_han) && !after.is_some_and(is_han)
        }
        _ => false,
    }
}

/// How many of `n` required terms a document must contain: all of up to three, then all but a quarter.
fn must_match(n: usize) -> usize {
    n - n / 4
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

/// A term in a language's title (boosted) or body.
fn title_or_body(fields: LangFields, text: &str, boost: Score) -> Box<dyn Query> {
    Box::new(BooleanQuery::union(vec![
        Box::new(BoostQuery::new(
            term_query(fields.title, text),
            TITLE_BOOST * boost,
        )),
        if boost == 1.0 {
            term_query(fields.body, text)
        } else {
            Box::new(BoostQuery::new(term_query(fields.body, text), boost))
        },
    ]))
}

/// The query of one language, or `None` when the query has no term in it. `relaxed`: one term is enough.
fn lang_query(fields: LangFields, terms: &LangTerms, relaxed: bool) -> Option<Box<dyn Query>> {
    if terms.required.is_empty() {
        return None;
    }
    let n = terms.required.len();
    let required = BooleanQuery::union_with_minimum_required_clauses(
        terms
            .required
            .iter()
            .map(|t| title_or_body(fields, t, 1.0))
            .collect(),
        if relaxed { 1 } else { must_match(n) },
    );
    if terms.optional.is_empty() {
        return Some(Box::new(required));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(required))];
    clauses.extend(
        terms
            .optional
            .iter()
            .map(|t| (Occur::Should, title_or_body(fields, t, WORD_BOOST))),
    );
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Titles with every word of the query, the last one as a prefix (3 characters or more).
fn prefix_query(field: Field, query: &str) -> Option<Box<dyn Query>> {
    let words = tokens(&mut prefix_analyser(), query);
    let (last, before) = words.split_last()?;
    if last.text.chars().count() < MIN_PREFIX_CHARS || before.len() >= MAX_TERMS {
        return None;
    }
    // The analyser keeps only letters and digits, none of them special in a regular expression; anything
    // else is dropped rather than trusted.
    let stem: String = last.text.chars().filter(|c| c.is_alphanumeric()).collect();
    let regex = RegexQuery::from_pattern(&format!("{stem}.*"), field).ok()?;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = before
        .iter()
        .map(|w| {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(field, &w.text),
                IndexRecordOption::Basic,
            ));
            (Occur::Must, q)
        })
        .collect();
    clauses.push((Occur::Must, Box::new(regex)));
    Some(Box::new(BoostQuery::new(
        Box::new(BooleanQuery::new(clauses)),
        PREFIX_BOOST,
    )))
}

/// A query text cut to [`MAX_QUERY_CHARS`] characters.
fn clip(query: &str) -> &str {
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        Some((at, _)) => &query[..at],
        None => query,
    }
}

impl SearchIndex {
    /// Best hits for a user's query typed in a search box: free text (no syntax; nothing in it is an error),
    /// results in `lang` first, then the other languages (an unknown `lang`: by score alone); at most `limit`
    /// (and at most 1000); `kinds` empty = all kinds. A query without a single word (empty, only punctuation or
    /// stop words) has no hits. Only the first 500 characters of a query are read.
    pub fn search(
        &self,
        query: &str,
        lang: &str,
        kinds: &[Kind],
        limit: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let limit = limit.min(MAX_LIMIT);
        let query = clip(query);
        if limit == 0 || query.trim().is_empty() {
            return Ok(Vec::new());
        }
        let terms: Vec<(Lang, LangTerms)> = Lang::ALL
            .iter()
            .map(|&l| (l, LangTerms::analyse(l, query)))
            .collect();
        let prefix = prefix_query(self.fields.title_prefix, query);
        let wanted = Lang::parse(lang);
        let mut found = self.run(&terms, prefix.as_deref(), kinds, wanted, limit, false)?;
        let several_terms = terms.iter().any(|(_, t)| t.required.len() > 1);
        if found.is_empty() && several_terms {
            found = self.run(&terms, prefix.as_deref(), kinds, wanted, limit, true)?;
        }
        self.hits(&terms, found)
    }

    /// One pass of the search: scores and addresses of the best documents, the wanted language first. A document
    /// of one language is indexed only in that language's fields, so the wanted language is searched on its own
    /// first and the others only when it has fewer than `limit` hits: a word every document holds costs a third of
    /// the index, and each search keeps tantivy's top-k pruning (no per-document re-scoring).
    fn run(
        &self,
        terms: &[(Lang, LangTerms)],
        prefix: Option<&dyn Query>,
        kinds: &[Kind],
        wanted: Option<Lang>,
        limit: usize,
        relaxed: bool,
    ) -> Result<Vec<(Score, DocAddress)>, SearchError> {
        let query_of = |l: Lang| {
            terms
                .iter()
                .find(|(t, _)| *t == l)
                .and_then(|(_, t)| lang_query(self.fields.of(l), t, relaxed))
        };
        let Some(wanted) = wanted else {
            let mut alternatives: Vec<Box<dyn Query>> =
                Lang::ALL.iter().filter_map(|&l| query_of(l)).collect();
            alternatives.extend(prefix.map(|q| q.box_clone()));
            return self.top(alternatives, kinds, limit);
        };
        let in_wanted = || -> Box<dyn Query> {
            let id = Term::from_field_u64(self.fields.lang_id, wanted.id());
            let range = RangeQuery::new(Bound::Included(id.clone()), Bound::Included(id));
            // A filter: it adds nothing to the score.
            Box::new(BoostQuery::new(Box::new(range), 0.0))
        };
        let mut first: Vec<Box<dyn Query>> = query_of(wanted).into_iter().collect();
        first.extend(prefix.map(|q| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, q.box_clone()),
                (Occur::Must, in_wanted()),
            ]))
        }));
        let mut found = self.top(first, kinds, limit)?;
        if found.len() < limit {
            let mut rest: Vec<Box<dyn Query>> = Lang::ALL
                .iter()
                .filter(|&&l| l != wanted)
                .filter_map(|&l| query_of(l))
                .collect();
            rest.extend(prefix.map(|q| -> Box<dyn Query> {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, q.box_clone()),
                    (Occur::MustNot, in_wanted()),
                ]))
            }));
            found.extend(self.top(rest, kinds, limit - found.len())?);
        }
        Ok(found)
    }

    /// The best `limit` documents matching any of `alternatives` (and one of `kinds`, unless empty), best first.
    fn top(
        &self,
        alternatives: Vec<Box<dyn Query>>,
        kinds: &[Kind],
        limit: usize,
    ) -> Result<Vec<(Score, DocAddress)>, SearchError> {
        if alternatives.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let any: Box<dyn Query> = if alternatives.len() == 1 {
            alternatives.into_iter().next().expect("one alternative")
        } else {
            Box::new(BooleanQuery::union(alternatives))
        };
        let query: Box<dyn Query> = if kinds.is_empty() {
            any
        } else {
            let kind_terms = kinds
                .iter()
                .map(|k| term_query(self.fields.kind, k.as_str()))
                .collect();
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, any),
                (Occur::Must, Box::new(BooleanQuery::union(kind_terms))),
            ]))
        };
        self.reader
            .searcher()
            .search(&*query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(SearchError::index)
    }

    /// Loads the stored fields of the found documents and cuts their snippets.
    fn hits(
        &self,
        terms: &[(Lang, LangTerms)],
        found: Vec<(Score, DocAddress)>,
    ) -> Result<Vec<Hit>, SearchError> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let snippets: Vec<(Lang, Arc<SnippetGenerator>)> = terms
            .iter()
            .map(|(l, t)| {
                (
                    *l,
                    Arc::new(snippet_generator(self.fields.of(*l).body, *l, t)),
                )
            })
            .collect();
        let searcher = self.reader.searcher();
        let mut hits = Vec::with_capacity(found.len());
        for (score, address) in found {
            let doc: TantivyDocument = searcher.doc(address).map_err(SearchError::index)?;
            let text = |field: Field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let Ok(kind) = text(self.fields.kind).parse::<Kind>() else {
                continue;
            };
            let lang = text(self.fields.lang);
            let body = text(self.fields.body);
            let generator = snippets
                .iter()
                .find(|(l, _)| l.code() == lang)
                .map(|(_, g)| g.as_ref());
            hits.push(Hit {
                kind,
                key: text(self.fields.key),
                title: text(self.fields.title),
                url: text(self.fields.url),
                snippet: snippet(generator, &body),
                lang,
                score,
            });
        }
        Ok(hits)
    }
}

fn snippet_generator(field: Field, lang: Lang, terms: &LangTerms) -> SnippetGenerator {
    let weights: BTreeMap<String, Score> = terms
        .required
        .iter()
        .map(|t| (t.clone(), 1.0))
        .chain(terms.optional.iter().map(|t| (t.clone(), 0.5)))
        .collect();
    SnippetGenerator::new(weights, lang.analyser(), field, SNIPPET_CHARS)
}

/// The part of `body` around the best match, or its start; `…` marks a cut.
fn snippet(generator: Option<&SnippetGenerator>, body: &str) -> String {
    let found = generator.map(|g| g.snippet(body));
    let range = match &found {
        Some(s) if !s.is_empty() && !s.fragment().trim().is_empty() => s.fragment_range(),
        _ => {
            let end = body
                .char_indices()
                .nth(SNIPPET_CHARS)
                .map_or(body.len(), |(at, _)| at);
            // Cut at the last space if there is one in the second half, not inside a word.
            let cut = body[..end]
                .rfind(char::is_whitespace)
                .filter(|&at| end < body.len() && at > end / 2)
                .unwrap_or(end);
            0..cut
        }
    };
    let mut out = String::new();
    if range.start > 0 {
        out.push('…');
    }
    out.push_str(body[range.clone()].trim());
    if range.end < body.len() && !out.is_empty() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_requires_bigrams_not_words() {
        let terms = LangTerms::analyse(Lang::Zh, "友好城市");
        let mut required = terms.required.clone();
        required.sort();
        assert_eq!(required, ["友好", "城市", "好城"]);
        assert_eq!(terms.optional, ["友好城市"]);
        let terms = LangTerms::analyse(Lang::Zh, "市 明石市");
        assert!(terms.required.contains(&"市".to_string()), "{terms:?}");
    }

    #[test]
    fn must_match_is_most() {
        assert_eq!(
            (1..=8).map(must_match).collect::<Vec<_>>(),
            [1, 2, 3, 3, 4, 5, 6, 6]
        );
    }

    #[test]
    fn snippet_cuts_and_marks() {
        let body = "word ".repeat(100);
        let s = snippet(None, &body);
        assert!(
            s.ends_with('…') && s.chars().count() <= SNIPPET_CHARS + 1,
            "{s}"
        );
        assert_eq!(snippet(None, "short body"), "short body");
        assert_eq!(snippet(None, ""), "");
    }

    #[test]
    fn clip_is_on_char_boundaries() {
        let long = "ж".repeat(MAX_QUERY_CHARS + 10);
        assert_eq!(clip(&long).chars().count(), MAX_QUERY_CHARS);
    }
}
