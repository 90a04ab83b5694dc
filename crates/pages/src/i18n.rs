//! The message catalogue: Fluent files for every language (`web/locales/<lang>/*.ftl`, embedded in the binary),
//! the choice of a language for a request, and number formatting per locale.
//!
//! One catalogue serves the console, the portal and the player's own texts (the player reads its messages as
//! JSON from `/i18n/<lang>.json`). A message missing from a language is a bug: a unit test compares the ids of
//! every language, and a page renders a missing message as `⟦id⟧`, which the browser tests look for.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock};

/// A language the pages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// English.
    En,
    /// Russian.
    Ru,
    /// Chinese (simplified).
    Zh,
}

impl Lang {
    /// Every language, in the order the language switcher shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Zh];

    /// The BCP 47 tag (`en`, `ru`, `zh`), also the `lang` attribute of pages.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Zh => "zh",
        }
    }

    /// The language's own name, for the switcher.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::Zh => "中文",
        }
    }

    /// The language of a tag such as `ru`, `ru-RU`, `zh-Hans-CN` or `EN-gb` (primary subtag only).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "ru" => Some(Lang::Ru),
            "zh" => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The language for a request: the remembered choice (cookie) if any, else the browser's `Accept-Language`
    /// by quality (ties by order), else English.
    pub fn negotiate(remembered: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(l) = remembered.and_then(Lang::parse) {
            return l;
        }
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, part) in accept_language.unwrap_or("").split(',').enumerate() {
            let mut it = part.split(';');
            let Some(lang) = it.next().and_then(Lang::parse) else {
                continue;
            };
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map(|(_, _, l)| l).unwrap_or(Lang::En)
    }

    /// `n` with the locale's grouping of thousands (`12,345`; Russian `12 345` with a narrow no-break space).
    pub fn number(self, n: i64) -> String {
        let sep = match self {
            Lang::En | Lang::Zh => ",",
            Lang::Ru => "\u{202f}",
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        out
    }

    /// A share `0.0..=1.0` as a percentage with one decimal (`12.5%`, Russian `12,5 %`).
    pub fn percent(self, share: f64) -> String {
        let v = format!("{:.1}", share * 100.0);
        match self {
            Lang::Ru => format!("{}\u{a0}%", v.replace('.', ",")),
            Lang::En | Lang::Zh => format!("{v}%"),
        }
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/locales/"]
struct Files;

/// Every language's messages.
pub struct Catalogue {
    bundles: BTreeMap<Lang, FluentBundle<FluentResource>>,
    ids: BTreeMap<Lang, BTreeSet<String>>,
    sources: BTreeMap<Lang, BTreeMap<String, String>>,
    /// Messages without placeables, already formatted (most of a page's texts: no Fluent work per request).
    plain: BTreeMap<Lang, rustc_hash::FxHashMap<Box<str>, Box<str>>>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("ids", &self.ids)
            .finish_non_exhaustive()
    }
}

/// A problem in the catalogue's files (a test fails on any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueProblem {
    /// A file does not parse.
    Syntax {
        /// The file, e.g. `ru/console.ftl`.
        file: String,
        /// The parser's complaint.
        error: String,
    },
    /// A message is defined in English but not in `lang`.
    Missing {
        /// The language lacking it.
        lang: &'static str,
        /// The message id.
        id: String,
    },
    /// A message is defined in `lang` but not in English (a typo or a leftover).
    Extra {
        /// The language having it.
        lang: &'static str,
        /// The message id.
        id: String,
    },
    /// A message id is defined twice for a language.
    Duplicate {
        /// The language.
        lang: &'static str,
        /// The message id.
        id: String,
    },
}

impl Catalogue {
    /// The catalogue embedded in the binary, loaded once.
    pub fn get() -> &'static Arc<Catalogue> {
        static CAT: OnceLock<Arc<Catalogue>> = OnceLock::new();
        CAT.get_or_init(|| Arc::new(Catalogue::load().0))
    }

    /// Loads the embedded files; the problems found come with the (still usable) catalogue.
    pub fn load() -> (Catalogue, Vec<CatalogueProblem>) {
        let mut problems = Vec::new();
        let mut bundles = BTreeMap::new();
        let mut ids: BTreeMap<Lang, BTreeSet<String>> = BTreeMap::new();
        let mut sources: BTreeMap<Lang, BTreeMap<String, String>> = BTreeMap::new();
        let mut plain_ids: BTreeMap<Lang, Vec<String>> = BTreeMap::new();
        for lang in Lang::ALL {
            let langid: unic_langid::LanguageIdentifier =
                lang.tag().parse().expect("language tags are valid");
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            bundle.set_use_isolating(false);
            let mut files: Vec<String> = Files::iter()
                .filter(|f| f.starts_with(&format!("{}/", lang.tag())) && f.ends_with(".ftl"))
                .map(|f| f.to_string())
                .collect();
            files.sort();
            for file in files {
                let Some(data) = Files::get(&file) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&data.data).into_owned();
                let res = match FluentResource::try_new(text) {
                    Ok(r) => r,
                    Err((r, errs)) => {
                        for e in errs {
                            problems.push(CatalogueProblem::Syntax {
                                file: file.clone(),
                                error: format!("{e:?}"),
                            });
                        }
                        r
                    }
                };
                for entry in res.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        let id = m.id.name.to_string();
                        if !ids.entry(lang).or_default().insert(id.clone()) {
                            problems.push(CatalogueProblem::Duplicate {
                                lang: lang.tag(),
                                id: id.clone(),
                            });
                        }
                        if let Some(v) = &m.value {
                            if v.elements.iter().all(|e| {
                                matches!(e, fluent_syntax::ast::PatternElement::TextElement { .. })
                            }) {
                                plain_ids.entry(lang).or_default().push(id.clone());
                            }
                            sources
                                .entry(lang)
                                .or_default()
                                .insert(id, pattern_source(v));
                        }
                    }
                }
                if let Err(errs) = bundle.add_resource(res) {
                    for e in errs {
                        problems.push(CatalogueProblem::Syntax {
                            file: file.clone(),
                            error: format!("{e:?}"),
                        });
                    }
                }
            }
            bundles.insert(lang, bundle);
        }
        let mut plain: BTreeMap<Lang, rustc_hash::FxHashMap<Box<str>, Box<str>>> = BTreeMap::new();
        for (lang, ids) in plain_ids {
            let Some(bundle) = bundles.get(&lang) else {
                continue;
            };
            let texts = plain.entry(lang).or_default();
            for id in ids {
                if let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) {
                    let mut errors = Vec::new();
                    let text = bundle.format_pattern(pattern, None, &mut errors);
                    if errors.is_empty() {
                        texts.insert(id.into(), text.into());
                    }
                }
            }
        }
        let empty = BTreeSet::new();
        let en = ids.get(&Lang::En).unwrap_or(&empty).clone();
        for lang in [Lang::Ru, Lang::Zh] {
            let have = ids.get(&lang).unwrap_or(&empty);
            for id in en.difference(have) {
                problems.push(CatalogueProblem::Missing {
                    lang: lang.tag(),
                    id: id.clone(),
                });
            }
            for id in have.difference(&en) {
                problems.push(CatalogueProblem::Extra {
                    lang: lang.tag(),
                    id: id.clone(),
                });
            }
        }
        (
            Catalogue {
                bundles,
                ids,
                sources,
                plain,
            },
            problems,
        )
    }

    /// The message `id` in `lang` when it is plain text (no placeables): formatted once, when the catalogue loaded.
    pub fn plain_text(&self, lang: Lang, id: &str) -> Option<&str> {
        self.plain.get(&lang)?.get(id).map(|t| &**t)
    }

    /// Whether `lang` defines the message `id`.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.ids.get(&lang).is_some_and(|s| s.contains(id))
    }

    /// The message `id` in `lang` with `args`, or `⟦id⟧` when it is missing (logged).
    pub fn format(&self, lang: Lang, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        if args.is_empty() {
            if let Some(text) = self.plain_text(lang, id) {
                return text.to_string();
            }
        }
        let Some(bundle) = self.bundles.get(&lang) else {
            return format!("⟦{id}⟧");
        };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(lang = lang.tag(), id, "message missing from the catalogue");
            return format!("⟦{id}⟧");
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.clone());
        }
        let mut errors = Vec::new();
        let out = bundle.format_pattern(
            pattern,
            if args.is_empty() { None } else { Some(&fargs) },
            &mut errors,
        );
        if !errors.is_empty() {
            tracing::warn!(
                lang = lang.tag(),
                id,
                ?errors,
                "message formatted with errors"
            );
        }
        out.into_owned()
    }

    /// Messages whose id starts with `prefix`, as `{id: text}` with `{ $name }` placeholders kept: what the player
    /// fetches (its messages have no selectors).
    pub fn export(&self, lang: Lang, prefix: &str) -> BTreeMap<String, String> {
        self.sources
            .get(&lang)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.starts_with(prefix))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A simple pattern's text with its variables as `{ $name }` (selectors are rendered with their default variant).
fn pattern_source(p: &fluent_syntax::ast::Pattern<&str>) -> String {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    let mut out = String::new();
    for el in &p.elements {
        match el {
            PatternElement::TextElement { value } => out.push_str(value),
            PatternElement::Placeable { expression } => match expression {
                Expression::Inline(InlineExpression::VariableReference { id }) => {
                    out.push_str("{ $");
                    out.push_str(id.name);
                    out.push_str(" }");
                }
                Expression::Inline(InlineExpression::StringLiteral { value }) => {
                    out.push_str(value)
                }
                Expression::Select { variants, .. } => {
                    if let Some(v) = variants.iter().find(|v| v.default) {
                        out.push_str(&pattern_source(&v.value));
                    }
                }
                _ => {}
            },
        }
    }
    out
}

/// A whole number a page shows (templates pass them by reference, sometimes twice over).
pub trait Count {
    /// The number as `i64` (saturating).
    fn count(&self) -> i64;
}

macro_rules! count_impl {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_impl!(i64, i32, u32, u64, usize);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// A language bound to the catalogue: what templates call as `t.get("id")`.
#[derive(Clone, Copy)]
pub struct Tr {
    /// The page's language.
    pub lang: Lang,
    cat: &'static Catalogue,
}

impl std::fmt::Debug for Tr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tr").field("lang", &self.lang).finish()
    }
}

impl Tr {
    /// The catalogue in `lang`.
    pub fn new(lang: Lang) -> Tr {
        Tr {
            lang,
            cat: Catalogue::get().as_ref(),
        }
    }

    /// The message `id`.
    pub fn get(&self, id: &str) -> String {
        self.cat.format(self.lang, id, &[])
    }

    /// The message `id`, borrowed from the catalogue when it is plain text (what pages print most).
    pub fn text(&self, id: &str) -> std::borrow::Cow<'static, str> {
        let cat: &'static Catalogue = self.cat;
        match cat.plain_text(self.lang, id) {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(cat.format(self.lang, id, &[])),
        }
    }

    /// The message `prefix` + `key` (e.g. `status-` + `online`), without allocating for short ids.
    pub fn text2(&self, prefix: &str, key: &str) -> std::borrow::Cow<'static, str> {
        let mut buf = [0u8; 96];
        let n = prefix.len() + key.len();
        if n <= buf.len() {
            buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
            buf[prefix.len()..n].copy_from_slice(key.as_bytes());
            if let Ok(id) = std::str::from_utf8(&buf[..n]) {
                return self.text(id);
            }
        }
        self.text(&format!("{prefix}{key}"))
    }

    /// The message `id` with one argument.
    pub fn arg(&self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        let v = value.to_string();
        let fv = match v.parse::<f64>() {
            Ok(n)
                if !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
            {
                FluentValue::from(n)
            }
            _ => FluentValue::from(v),
        };
        self.cat.format(self.lang, id, &[(name, fv)])
    }

    /// The message `id` with two arguments.
    pub fn args2(
        &self,
        id: &str,
        a: (&str, &dyn std::fmt::Display),
        b: (&str, &dyn std::fmt::Display),
    ) -> String {
        self.cat.format(
            self.lang,
            id,
            &[
                (a.0, FluentValue::from(a.1.to_string())),
                (b.0, FluentValue::from(b.1.to_string())),
            ],
        )
    }

    /// `n` grouped per locale.
    pub fn num(&self, n: impl Count) -> String {
        self.lang.number(n.count())
    }

    /// A share as a percentage per locale.
    pub fn pct(&self, share: &f64) -> String {
        self.lang.percent(*share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_cookie_then_quality_then_order() {
        assert_eq!(Lang::negotiate(Some("zh"), Some("ru")), Lang::Zh);
        assert_eq!(
            Lang::negotiate(None, Some("de-DE,ru;q=0.8,en;q=0.9")),
            Lang::En
        );
        assert_eq!(
            Lang::negotiate(None, Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(Lang::negotiate(None, Some("ru-RU, en")), Lang::Ru);
        assert_eq!(Lang::negotiate(None, Some("fr, ru;q=0")), Lang::En);
        assert_eq!(Lang::negotiate(Some("xx"), None), Lang::En);
        assert_eq!(Lang::negotiate(None, Some(";;,q=,")), Lang::En);
    }

    #[test]
    fn numbers_are_grouped_per_locale() {
        assert_eq!(Lang::En.number(10_000), "10,000");
        assert_eq!(Lang::Ru.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Lang::Zh.number(-999), "-999");
        assert_eq!(Lang::En.number(0), "0");
        assert_eq!(Lang::Ru.percent(0.125), "12,5\u{a0}%");
    }

    #[test]
    fn every_language_has_every_message_and_every_file_parses() {
        let (_, problems) = Catalogue::load();
        assert!(problems.is_empty(), "catalogue problems: {problems:#?}");
    }

    #[test]
    fn plain_messages_read_as_fluent_formats_them() {
        let cat = Catalogue::get();
        let mut plain = 0;
        for lang in Lang::ALL {
            let bundle = &cat.bundles[&lang];
            for id in &cat.ids[&lang] {
                let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                    continue;
                };
                let mut errors = Vec::new();
                let slow = bundle.format_pattern(pattern, None, &mut errors);
                if cat.plain[&lang].contains_key(id.as_str()) {
                    plain += 1;
                    assert_eq!(cat.format(lang, id, &[]), slow, "{id}");
                }
            }
        }
        assert!(plain > 500, "most messages are plain text ({plain})");
    }

    #[test]
    fn a_missing_message_is_visible() {
        let t = Tr::new(Lang::Ru);
        assert_eq!(
            t.get("no-such-message-anywhere"),
            "⟦no-such-message-anywhere⟧"
        );
        assert!(!t.get("nav-dashboard").contains('⟦'));
    }
}
