//! The golden query set: what a reader types and what must come back.

use twincast_search::{Hit, Kind};

use crate::fixtures::shared;

/// What a case expects of the hits.
enum Expect {
    /// This (kind, key, lang) is the first hit.
    First(Kind, &'static str, &'static str),
    /// This (kind, key, lang) is among the hits.
    Has(Kind, &'static str, &'static str),
    /// This (kind, key, lang) is not among the hits.
    Lacks(Kind, &'static str, &'static str),
    /// The first hit is in this language.
    FirstIn(&'static str),
    /// No hits.
    Nothing,
}

use Expect::*;

fn show(hits: &[Hit]) -> String {
    hits.iter()
        .map(|h| format!("{}/{}/{} {:.2}", h.kind, h.key, h.lang, h.score))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is(hit: &Hit, kind: Kind, key: &str, lang: &str) -> bool {
    hit.kind == kind && hit.key == key && hit.lang == lang
}

/// Runs `query` as a reader of `lang` would, over `kinds`, and checks every expectation.
fn check(query: &str, lang: &str, kinds: &[Kind], expects: &[Expect]) {
    let hits = shared()
        .search(query, lang, kinds, 20)
        .unwrap_or_else(|e| panic!("{query:?}: {e}"));
    for expect in expects {
        let ok = match *expect {
            First(kind, key, l) => hits.first().is_some_and(|h| is(h, kind, key, l)),
            Has(kind, key, l) => hits.iter().any(|h| is(h, kind, key, l)),
            Lacks(kind, key, l) => !hits.iter().any(|h| is(h, kind, key, l)),
            FirstIn(l) => hits.first().is_some_and(|h| h.lang == l),
            Nothing => hits.is_empty(),
        };
        let what = match *expect {
            First(kind, key, l) => format!("first {kind}/{key}/{l}"),
            Has(kind, key, l) => format!("has {kind}/{key}/{l}"),
            Lacks(kind, key, l) => format!("lacks {kind}/{key}/{l}"),
            FirstIn(l) => format!("first in {l}"),
            Nothing => "nothing".to_string(),
        };
        assert!(
            ok,
            "query {query:?} (lang {lang}) should give {what}; got [{}]",
            show(&hits)
        );
    }
}

const C: Kind = Kind::City;

#[test]
fn russian_inflected_forms() {
    check(
        "побратимов",
        "ru",
        &[],
        &[Has(C, "akashi", "ru"), Has(C, "sagamihara", "ru")],
    );
    check(
        "городе",
        "ru",
        &[],
        &[Has(C, "sagamihara", "ru"), Has(C, "akashi", "ru")],
    );
    check(
        "портом",
        "ru",
        &[],
        &[
            Has(C, "aarhus", "ru"),
            Has(C, "kobe", "ru"),
            Has(C, "dalian", "ru"),
        ],
    );
    check(
        "морского порта",
        "ru",
        &[],
        &[Has(C, "aarhus", "ru"), Has(C, "kobe", "ru")],
    );
    check("Фабрикам", "ru", &[], &[First(C, "tampere", "ru")]);
}

#[test]
fn yo_and_ye_meet_both_ways() {
    // Akashi's Russian body has «Партнёрство», Sagamihara's «Партнерство».
    for query in ["партнерство", "партнёрство", "ПАРТНЁРСТВА"] {
        check(
            query,
            "ru",
            &[],
            &[Has(C, "akashi", "ru"), Has(C, "sagamihara", "ru")],
        );
    }
    check("Хего", "ru", &[], &[First(C, "akashi", "ru")]);
    check("озерами", "ru", &[], &[First(C, "tampere", "ru")]);
}

#[test]
fn chinese_without_spaces() {
    check("友好城市", "zh", &[], &[First(C, "akashi", "zh")]);
    check("姐妹城市", "zh", &[], &[First(C, "sagamihara", "zh")]);
    check("相模原", "zh", &[], &[First(C, "sagamihara", "zh")]);
    check("相模原市", "zh", &[], &[First(C, "sagamihara", "zh")]);
    check("明石", "zh", &[], &[First(C, "akashi", "zh")]);
    check("明石市", "zh", &[], &[First(C, "akashi", "zh")]);
    check("明石海峡", "zh", &[], &[First(C, "akashi", "zh")]);
    check("哈尔滨冰雪节", "zh", &[], &[First(C, "harbin", "zh")]);
    check("港口城市", "zh", &[], &[First(C, "akashi", "zh")]);
    check(
        "造船",
        "zh",
        &[],
        &[Has(C, "dalian", "zh"), Has(C, "ulsan", "zh")],
    );
    // Words that are all in the text but not next to each other are not a phrase match, yet they match.
    check("丹麦 大学", "zh", &[], &[First(C, "aarhus", "zh")]);
    // A Chinese query does not match everything that shares one character.
    check(
        "明石市",
        "zh",
        &[],
        &[Lacks(C, "harbin", "zh"), Lacks(C, "sagamihara", "zh")],
    );
}

#[test]
fn english_stems() {
    check(
        "cities",
        "en",
        &[],
        &[Has(C, "akashi", "en"), Has(C, "sagamihara", "en")],
    );
    check("ports", "en", &[], &[Has(C, "akashi", "en")]);
    check(
        "factory",
        "en",
        &[],
        &[Has(C, "tampere", "en"), Has(C, "ulsan", "en")],
    );
    check(
        "the port city of Japan",
        "en",
        &[],
        &[Has(C, "akashi", "en")],
    );
}

#[test]
fn the_readers_language_comes_first() {
    // Sagamihara is written in Latin letters in all three versions; the English one scores best.
    check(
        "Sagamihara",
        "ru",
        &[],
        &[
            First(C, "sagamihara", "ru"),
            Has(C, "sagamihara", "en"),
            Has(C, "sagamihara", "zh"),
        ],
    );
    check("Sagamihara", "zh", &[], &[First(C, "sagamihara", "zh")]);
    check("Sagamihara", "en", &[], &[First(C, "sagamihara", "en")]);
    // Both Russian pages about Akashi name it in Latin letters in their bodies; either may be first.
    check(
        "Akashi",
        "ru",
        &[],
        &[
            FirstIn("ru"),
            Has(C, "akashi", "ru"),
            Has(C, "akashi", "en"),
            Has(C, "akashi", "zh"),
        ],
    );
    check(
        "Akashi",
        "zh",
        &[],
        &[First(C, "akashi", "zh"), Has(C, "akashi", "ru")],
    );
    check("Akashi", "en", &[], &[First(C, "akashi", "en")]);
    let hits = shared().search("Akashi", "ru", &[], 20).unwrap();
    let first_other = hits.iter().position(|h| h.lang != "ru").unwrap();
    assert!(
        hits[first_other..].iter().all(|h| h.lang != "ru"),
        "ru hits first, then the others: [{}]",
        show(&hits)
    );
    // An unknown reader language only ranks by score.
    check("Akashi", "de", &[], &[First(C, "akashi", "en")]);
}

#[test]
fn a_name_typed_in_another_language_is_found() {
    check("Tampere", "ru", &[], &[First(C, "tampere", "en")]);
    check("Орхус", "en", &[], &[First(C, "aarhus", "ru")]);
    check("哈尔滨", "ru", &[], &[First(C, "harbin", "zh")]);
}

#[test]
fn title_outranks_body() {
    // Kobe is the title of one page and a word in Akashi's body.
    check(
        "Kobe",
        "en",
        &[],
        &[First(C, "kobe", "en"), Has(C, "akashi", "en")],
    );
}

#[test]
fn kind_filter() {
    check(
        "Akashi",
        "en",
        &[Kind::News],
        &[
            First(Kind::News, "2024-akashi-delegation", "en"),
            Lacks(C, "akashi", "en"),
        ],
    );
    check(
        "Akashi",
        "en",
        &[Kind::City],
        &[
            First(C, "akashi", "en"),
            Lacks(Kind::News, "2024-akashi-delegation", "en"),
        ],
    );
    check(
        "Akashi",
        "en",
        &[Kind::Project, Kind::News],
        &[
            Has(Kind::Project, "bridge-exchange", "en"),
            Lacks(C, "akashi", "en"),
        ],
    );
    let hits = shared().search("Akashi", "en", &[Kind::News], 20).unwrap();
    assert!(
        hits.iter().all(|h| h.kind == Kind::News),
        "[{}]",
        show(&hits)
    );
}

#[test]
fn a_name_is_found_as_it_is_typed() {
    check("Сагам", "ru", &[], &[First(C, "sagamihara", "ru")]);
    check("sagami", "en", &[], &[First(C, "sagamihara", "en")]);
    check("Plov", "en", &[], &[First(C, "plovdiv", "en")]);
    check("Пловди", "ru", &[], &[First(C, "plovdiv", "ru")]);
    check(
        "Pupils from Aka",
        "en",
        &[],
        &[First(Kind::News, "2024-akashi-delegation", "en")],
    );
}

#[test]
fn most_words_must_match_then_any() {
    // Every word in Akashi's English page: only pages with all of them.
    check(
        "Akashi bridge market",
        "en",
        &[],
        &[First(C, "akashi", "en"), Lacks(C, "kobe", "en")],
    );
    // No page has all words: any word will do.
    check("Akashi zzyzx", "en", &[], &[Has(C, "akashi", "en")]);
}

#[test]
fn query_syntax_is_just_text() {
    for query in [
        "\"AND ((",
        "title_ru:x",
        "*",
        "AND OR NOT",
        "+-&&||!(){}[]^\"~*?:\\/",
        "akashi~2",
        "body_en:port AND title_en:akashi",
        "[a TO z]",
        "\\",
        "\u{0}\u{1f}",
    ] {
        shared()
            .search(query, "ru", &[], 10)
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
    }
    check("title_en:Akashi", "en", &[], &[Has(C, "akashi", "en")]);
    check("", "ru", &[], &[Nothing]);
    check("   ", "ru", &[], &[Nothing]);
    check("!!! ???", "ru", &[], &[Nothing]);
    check("the and of", "en", &[], &[Nothing]);
}

#[test]
fn hits_carry_stored_fields_and_a_plain_snippet() {
    let hits = shared().search("Kaikyo", "en", &[], 5).unwrap();
    let hit = &hits[0];
    assert_eq!(
        (hit.kind, hit.key.as_str(), hit.lang.as_str()),
        (C, "akashi", "en")
    );
    assert_eq!(hit.title, "Akashi");
    assert_eq!(hit.url, "/en/city/akashi");
    assert!(hit.snippet.contains("Kaikyo"), "{}", hit.snippet);
    assert!(!hit.snippet.contains('<'), "{}", hit.snippet);
    assert!(hit.snippet.chars().count() <= 190, "{}", hit.snippet);
    assert!(hit.score > 0.0);
    // A title-only match shows the start of the body.
    let hits = shared().search("делегация", "ru", &[], 5).unwrap();
    assert_eq!(hits[0].key, "2024-akashi-delegation");
    assert!(
        hits[0].snippet.starts_with("В мае к нам"),
        "{}",
        hits[0].snippet
    );
}

#[test]
fn long_chinese_bodies_get_a_snippet() {
    let index = twincast_search::SearchIndex::in_memory().unwrap();
    let body = "明石市是日本兵库县的港口城市，位于明石海峡沿岸。".repeat(12)
        + "两市于1981年结为友好城市。";
    let docs = [crate::fixtures::doc(C, "akashi", "zh", "明石", &body)];
    index.replace(C, "akashi", &docs).unwrap();
    let hits = index.search("友好城市", "zh", &[], 5).unwrap();
    assert!(hits[0].snippet.contains("友好城市"), "{}", hits[0].snippet);
    assert!(hits[0].snippet.starts_with('…'), "{}", hits[0].snippet);
}

#[test]
fn limit_is_respected() {
    assert!(shared().search("city", "en", &[], 0).unwrap().is_empty());
    assert_eq!(shared().search("Akashi", "en", &[], 1).unwrap().len(), 1);
    assert!(
        shared()
            .search("Akashi", "en", &[], usize::MAX)
            .unwrap()
            .len()
            > 3
    );
}
