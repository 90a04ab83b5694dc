//! Any text typed in the search box is a query: no error, no more hits than asked.

use proptest::prelude::*;
use twincast_search::Kind;

use crate::fixtures::shared;

/// Characters that mean something in query languages, plus letters of the three languages.
fn syntaxy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("AND "),
            Just("OR "),
            Just("NOT "),
            Just("\""),
            Just("("),
            Just(")"),
            Just(":"),
            Just("*"),
            Just("?"),
            Just("~"),
            Just("^2"),
            Just("["),
            Just("]"),
            Just("{"),
            Just("}"),
            Just("\\"),
            Just("/"),
            Just("+"),
            Just("-"),
            Just(" "),
            Just("title_ru:"),
            Just("body_zh:"),
            Just("акаси"),
            Just("Akashi"),
            Just("明石"),
            Just("ё"),
            Just("城市"),
            Just("port"),
            Just("\u{0}"),
            Just("\u{200b}"),
            Just("a.*"),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn arbitrary_queries_never_fail(
        query in any::<String>(),
        lang in prop_oneof![Just("ru"), Just("en"), Just("zh"), Just(""), Just("xx")],
        limit in 0usize..30,
    ) {
        let hits = shared().search(&query, lang, &[], limit).unwrap();
        prop_assert!(hits.len() <= limit);
    }

    #[test]
    fn query_syntax_never_fails(query in syntaxy(), news in any::<bool>(), limit in 1usize..30) {
        let kinds: &[Kind] = if news { &[Kind::News] } else { &[] };
        let hits = shared().search(&query, "ru", kinds, limit).unwrap();
        prop_assert!(hits.len() <= limit);
        prop_assert!(hits.iter().all(|h| kinds.is_empty() || h.kind == Kind::News));
    }
}
