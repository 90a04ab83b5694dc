//! Writing: replace, rebuild, errors, the on-disk index, many threads.

use std::sync::Arc;
use std::thread;

use twincast_search::{Doc, Kind, SearchError, SearchIndex};

use crate::fixtures::{all, city, doc, fresh};

fn keys(index: &SearchIndex, query: &str, lang: &str) -> Vec<String> {
    index
        .search(query, lang, &[], 50)
        .unwrap()
        .into_iter()
        .map(|h| format!("{}/{}/{}", h.kind, h.key, h.lang))
        .collect()
}

#[test]
fn kind_names_round_trip() {
    for kind in Kind::ALL {
        assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    assert!("City".parse::<Kind>().is_err());
    assert!("".parse::<Kind>().is_err());
}

#[test]
fn index_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<SearchIndex>();
}

#[test]
fn len_counts_language_versions() {
    let index = SearchIndex::in_memory().unwrap();
    assert_eq!(index.len(), 0);
    assert!(index.is_empty());
    index.rebuild(all()).unwrap();
    assert_eq!(index.len(), all().len() as u64);
}

#[test]
fn replace_removes_old_text_and_adds_new() {
    let index = fresh();
    let before = index.len();
    assert!(!keys(&index, "Kaikyo", "en").is_empty());
    let new = vec![
        doc(
            Kind::City,
            "akashi",
            "en",
            "Akashi",
            "Akashi now has a lighthouse museum.",
        ),
        doc(
            Kind::City,
            "akashi",
            "ru",
            "Акаси",
            "В Акаси открылся музей маяков.",
        ),
    ];
    index.replace(Kind::City, "akashi", &new).unwrap();
    assert!(
        keys(&index, "Kaikyo", "en").is_empty(),
        "old English text is gone"
    );
    assert!(
        keys(&index, "明石海峡", "zh").is_empty(),
        "the Chinese version is gone"
    );
    assert_eq!(keys(&index, "lighthouse", "en"), ["city/akashi/en"]);
    assert_eq!(keys(&index, "маяков", "ru"), ["city/akashi/ru"]);
    assert_eq!(index.len(), before - 1);
    // Other items with the same key prefix and the news about Akashi are untouched.
    assert!(keys(&index, "pupils", "en").contains(&"news/2024-akashi-delegation/en".to_string()));
}

#[test]
fn replace_with_nothing_removes_the_item() {
    let index = fresh();
    let before = index.len();
    index.replace(Kind::City, "tampere", &[]).unwrap();
    assert_eq!(index.len(), before - 3);
    assert!(keys(&index, "Tampere", "en").is_empty());
    assert!(keys(&index, "坦佩雷", "zh").is_empty());
    // Removing what is not there is fine.
    index.replace(Kind::City, "tampere", &[]).unwrap();
    index.replace(Kind::News, "tampere", &[]).unwrap();
    assert_eq!(index.len(), before - 3);
}

#[test]
fn replace_adds_a_new_item() {
    let index = fresh();
    let docs = [doc(
        Kind::Project,
        "ice-sculpture",
        "zh",
        "冰雕交流",
        "哈尔滨和本市的艺术家共同制作冰雕。",
    )];
    index
        .replace(Kind::Project, "ice-sculpture", &docs)
        .unwrap();
    let hits = index.search("冰雕", "zh", &[Kind::Project], 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].key, "ice-sculpture");
}

#[test]
fn invalid_documents_leave_the_index_as_it_was() {
    let index = fresh();
    let before = keys(&index, "Akashi", "en");
    let mut other_key = city("akashi");
    other_key[1].key = "kobe".to_string();
    let mut german = city("akashi");
    german[0].lang = "de".to_string();
    let mut twice = city("akashi");
    twice[2].lang = "en".to_string();
    let mut other_kind = city("akashi");
    other_kind[0].kind = Kind::News;
    for docs in [other_key, german, twice, other_kind] {
        let error = index.replace(Kind::City, "akashi", &docs).unwrap_err();
        assert!(matches!(error, SearchError::InvalidDocument(_)), "{error}");
    }
    assert_eq!(keys(&index, "Akashi", "en"), before);

    let mut duplicated = all();
    duplicated.push(city("kobe").remove(0));
    let error = index.rebuild(duplicated).unwrap_err();
    assert!(matches!(error, SearchError::InvalidDocument(_)), "{error}");
    let mut bad_lang = all();
    bad_lang[5].lang = String::new();
    assert!(index.rebuild(bad_lang).is_err());
    assert_eq!(keys(&index, "Akashi", "en"), before);
    assert_eq!(index.len(), all().len() as u64);
    // The writer still works after a refused rebuild.
    index.replace(Kind::City, "kobe", &[]).unwrap();
    assert_eq!(index.len(), all().len() as u64 - 3);
}

#[test]
fn rebuild_replaces_everything() {
    let index = fresh();
    index.rebuild(city("bergen")).unwrap();
    assert_eq!(index.len(), 3);
    assert!(keys(&index, "Akashi", "en").is_empty());
    assert_eq!(keys(&index, "fjords", "en"), ["city/bergen/en"]);
    index.rebuild(Vec::<Doc>::new()).unwrap();
    assert!(index.is_empty());
}

#[test]
fn on_disk_index_survives_reopening_and_is_locked_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&path).unwrap();
        index.rebuild(all()).unwrap();
        assert!(matches!(
            SearchIndex::open_or_create(&path),
            Err(SearchError::Locked)
        ));
    }
    let index = SearchIndex::open_or_create(&path).unwrap();
    assert_eq!(index.len(), all().len() as u64);
    assert_eq!(keys(&index, "相模原", "zh")[0], "city/sagamihara/zh");
    index.replace(Kind::City, "sagamihara", &[]).unwrap();
    assert!(keys(&index, "相模原", "zh").is_empty());
}

#[test]
fn a_file_is_not_an_index_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"not a directory").unwrap();
    let error = SearchIndex::open_or_create(&file).unwrap_err();
    assert!(matches!(error, SearchError::Directory(_)), "{error}");
    assert!(
        !error.to_string().contains("file"),
        "no paths in messages: {error}"
    );
}

#[test]
fn searches_run_while_items_are_replaced() {
    let index = Arc::new(fresh());
    let writer = {
        let index = index.clone();
        thread::spawn(move || {
            for round in 0..20 {
                let body = format!("Round {round} of the Bergen harbour festival.");
                let docs = [doc(Kind::News, "festival", "en", "Harbour festival", &body)];
                index.replace(Kind::News, "festival", &docs).unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let index = index.clone();
            thread::spawn(move || {
                for _ in 0..50 {
                    let hits = index.search("Akashi", "ru", &[], 10).unwrap();
                    assert_eq!(hits[0].lang, "ru");
                    assert!(hits.iter().any(|h| h.key == "akashi"));
                    let festival = index
                        .search("harbour festival", "en", &[Kind::News], 10)
                        .unwrap();
                    assert!(festival.len() <= 1, "one version at a time");
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for reader in readers {
        reader.join().unwrap();
    }
    let hits = index.search("festival", "en", &[Kind::News], 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert!(hits[0].snippet.contains("Round 19"), "{}", hits[0].snippet);
}
