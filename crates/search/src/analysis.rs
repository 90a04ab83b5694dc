//! Text analysers: how a title, a body or a query becomes index terms, one analyser per language.
//!
//! Every analyser lower-cases, folds `ё` to `е` and drops tokens without a letter or digit (jieba returns
//! spaces and punctuation as tokens). Russian and English then remove stop words and stem (Snowball); Chinese
//! is segmented by jieba in search mode, which emits a long word and also the dictionary words inside it
//! (`友好城市` gives `友好`, `城市` and `友好城市`), and the same text also yields every pair of neighbouring
//! Han characters (bigrams). Jieba alone is not enough: it segments a name differently alone and inside a
//! sentence (`明石市` alone is `明石`+`市`, in `明石市是…` it is `明石`+`市是`; `相模原` is `相模`+`原` but
//! `相模原市` is `相模`+`原市`), so the words of a query are not always words of the document. The bigrams of a
//! query always occur in a document containing it; queries require those and use jieba's words to rank.

use std::collections::HashSet;
use std::mem;

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// Tokens longer than this many bytes are dropped (they are noise: URLs, base64, run-on garbage).
const MAX_TOKEN_BYTES: usize = 64;

/// A language with its own fields and analyser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    Ru,
    En,
    Zh,
}

impl Lang {
    pub(crate) const ALL: [Lang; 3] = [Lang::Ru, Lang::En, Lang::Zh];

    pub(crate) fn parse(code: &str) -> Option<Lang> {
        match code {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The number stored in the `lang_id` fast field, used to rank the reader's language first.
    pub(crate) fn id(self) -> u64 {
        match self {
            Lang::Ru => 0,
            Lang::En => 1,
            Lang::Zh => 2,
        }
    }

    /// The name the analyser is registered under in the index's tokenizer manager.
    pub(crate) fn analyser_name(self) -> &'static str {
        match self {
            Lang::Ru => "twincast_ru",
            Lang::En => "twincast_en",
            Lang::Zh => "twincast_zh",
        }
    }

    /// Builds this language's analyser.
    pub(crate) fn analyser(self) -> TextAnalyzer {
        match self {
            Lang::Ru => stemmed(Language::Russian),
            Lang::En => stemmed(Language::English),
            Lang::Zh => TextAnalyzer::builder(ZhTokenizer::default())
                .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
                .filter(LowerCaser)
                .filter(Normalise)
                .build(),
        }
    }
}

/// Name of the analyser of the title-prefix field: words split on anything but letters and digits, lower-cased,
/// `ё` folded, not stemmed (a prefix of a stem is not a prefix of the word people type).
pub(crate) const PREFIX_ANALYSER: &str = "twincast_prefix";

/// The analyser of the title-prefix field and of the words of a query matched against it.
pub(crate) fn prefix_analyser() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(Normalise)
        .build()
}

fn stemmed(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(Normalise)
        .dynamic();
    let builder = match StopWordFilter::new(language) {
        Some(stop_words) => builder.filter_dynamic(stop_words),
        None => builder,
    };
    builder.filter_dynamic(Stemmer::new(language)).build()
}

/// Whether `c` is a Han (Chinese) character.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3134F}')
}

/// Jieba's search-mode words and the bigrams of every run of Han characters (a bigram that jieba already
/// returned at the same place is not repeated), sorted by offset. Positions are renumbered in that order; the
/// fields do not index positions.
#[derive(Clone, Default)]
pub(crate) struct ZhTokenizer {
    jieba: JiebaTokenizer,
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens: Vec<Token> = Vec::new();
        let mut spans = HashSet::new();
        let mut words = self.jieba.token_stream(text);
        while words.advance() {
            let token = words.token();
            spans.insert((token.offset_from, token.offset_to));
            tokens.push(token.clone());
        }
        let mut previous: Option<usize> = None;
        for (at, c) in text.char_indices() {
            if !is_han(c) {
                previous = None;
                continue;
            }
            if let Some(from) = previous {
                let to = at + c.len_utf8();
                if spans.insert((from, to)) {
                    tokens.push(Token {
                        offset_from: from,
                        offset_to: to,
                        text: text[from..to].to_string(),
                        ..Token::default()
                    });
                }
            }
            previous = Some(at);
        }
        // In text order: tantivy's snippet generator expects offsets that do not go back.
        tokens.sort_by_key(|t| (t.offset_from, t.offset_to));
        for (position, token) in tokens.iter_mut().enumerate() {
            token.position = position;
            token.position_length = 1;
        }
        VecTokenStream {
            tokens,
            next: 0,
            empty: Token::default(),
        }
    }
}

/// A token stream over tokens computed up front.
pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
    /// What `token()` shows before the first `advance()`.
    empty: Token,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.next.checked_sub(1) {
            Some(at) => &self.tokens[at],
            None => &self.empty,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(at) => &mut self.tokens[at],
            None => &mut self.empty,
        }
    }
}

/// A token as the query builder needs it: its text and the span of characters it covers in the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryToken {
    pub(crate) text: String,
    pub(crate) from: usize,
    pub(crate) to: usize,
}

/// Runs `analyser` over `text` and returns its tokens in order (duplicates kept).
pub(crate) fn tokens(analyser: &mut TextAnalyzer, text: &str) -> Vec<QueryToken> {
    let mut out = Vec::new();
    let mut stream = analyser.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push(QueryToken {
            text: token.text.clone(),
            from: token.offset_from,
            to: token.offset_to,
        });
    }
    out
}

/// Folds `ё` to `е` and removes tokens that hold no letter or digit. Runs after [`LowerCaser`], so only the
/// lower-case `ё` is left to fold.
#[derive(Clone, Copy)]
pub(crate) struct Normalise;

impl TokenFilter for Normalise {
    type Tokenizer<T: Tokenizer> = NormaliseTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> NormaliseTokenizer<T> {
        NormaliseTokenizer { inner: tokenizer }
    }
}

#[derive(Clone)]
pub(crate) struct NormaliseTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for NormaliseTokenizer<T> {
    type TokenStream<'a> = NormaliseStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        NormaliseStream {
            tail: self.inner.token_stream(text),
            buffer: String::new(),
        }
    }
}

pub(crate) struct NormaliseStream<S> {
    tail: S,
    buffer: String,
}

impl<S: TokenStream> TokenStream for NormaliseStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let token = self.tail.token_mut();
            if !token.text.chars().any(char::is_alphanumeric) {
                continue;
            }
            if token.text.contains('ё') {
                self.buffer.clear();
                self.buffer
                    .extend(token.text.chars().map(|c| if c == 'ё' { 'е' } else { c }));
                mem::swap(&mut token.text, &mut self.buffer);
            }
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lang: Lang, text: &str) -> Vec<String> {
        tokens(&mut lang.analyser(), text)
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn russian_folds_yo_and_stems() {
        assert_eq!(
            texts(Lang::Ru, "Партнёрство"),
            texts(Lang::Ru, "партнерство")
        );
        assert_eq!(texts(Lang::Ru, "ЁЛКА"), texts(Lang::Ru, "елка"));
        assert_eq!(texts(Lang::Ru, "побратимов"), texts(Lang::Ru, "побратимы"));
        assert_eq!(texts(Lang::Ru, "городе"), texts(Lang::Ru, "город"));
        assert_eq!(texts(Lang::Ru, "портом"), texts(Lang::Ru, "порт"));
    }

    #[test]
    fn russian_stop_words_go() {
        assert_eq!(texts(Lang::Ru, "и в городе"), texts(Lang::Ru, "город"));
    }

    #[test]
    fn english_stems() {
        assert_eq!(texts(Lang::En, "cities"), texts(Lang::En, "city"));
        assert_eq!(texts(Lang::En, "Ports"), texts(Lang::En, "port"));
        assert_eq!(texts(Lang::En, "the port"), texts(Lang::En, "port"));
    }

    #[test]
    fn chinese_drops_spaces_and_punctuation() {
        let got = texts(Lang::Zh, "明石市，友好城市 Akashi!");
        assert!(
            got.iter().all(|t| t.chars().any(char::is_alphanumeric)),
            "{got:?}"
        );
        assert!(got.contains(&"akashi".to_string()), "{got:?}");
        assert!(got.contains(&"城市".to_string()), "{got:?}");
    }

    #[test]
    fn chinese_adds_bigrams() {
        let got = texts(Lang::Zh, "相模原市位于神奈川县");
        for want in ["相模", "模原", "原市", "神奈川"] {
            assert!(got.contains(&want.to_string()), "{want} not in {got:?}");
        }
        assert_eq!(got.iter().filter(|t| *t == "相模").count(), 1, "{got:?}");
    }

    #[test]
    fn chinese_tokens_are_in_text_order() {
        let text = "明石市是日本兵库县的港口城市，自1981年起与本市结为友好城市。".repeat(5);
        let found = tokens(&mut Lang::Zh.analyser(), &text);
        assert!(found
            .windows(2)
            .all(|w| (w[0].from, w[0].to) <= (w[1].from, w[1].to)));
    }

    #[test]
    fn prefix_analyser_keeps_words_whole() {
        let got: Vec<String> = tokens(&mut prefix_analyser(), "Сагамихара, Ёкосука")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(got, ["сагамихара", "екосука"]);
    }
}
