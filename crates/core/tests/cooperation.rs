//! The cooperation catalogue's rules, facets and IATI round trip.

use proptest::prelude::*;
use std::collections::BTreeMap;
use twincast_core::cooperation::iati::{self, IatiError, Reporter};
use twincast_core::cooperation::*;

fn loc(s: &str) -> Localized {
    Localized {
        ru: format!("{s} (ru)"),
        en: s.to_string(),
        zh: format!("{s}（中）"),
    }
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 1)
}

fn project(slug: &str) -> ProjectInput {
    ProjectInput {
        slug: slug.into(),
        title: loc("Title"),
        summary: loc("Summary"),
        description: loc("Some *Markdown*"),
        district: "binhu".into(),
        district_name: loc("Binhu"),
        partners: vec!["chemnitz".into()],
        countries: vec!["DE".into(), "HK".into()],
        fields: vec!["training".into()],
        themes: vec![Theme::PeopleToPeople],
        status: Status::Active,
        start_date: Some("2025-03-01".into()),
        end_date: Some("2027-02-28".into()),
        organisations: vec![Organisation {
            name: "Wuxi Foreign Affairs Office".into(),
            iati_ref: Some("CN-WX-1".into()),
            org_type: Some(10),
            role: OrgRole::Accountable,
        }],
        contact: Contact {
            name: "Li Wei".into(),
            email: "li.wei@example.cn".into(),
            phone: "+86 510 0000".into(),
        },
        media: vec![],
        news: vec![],
    }
}

fn codes(r: Result<(), Vec<FieldError>>) -> Vec<(String, &'static str)> {
    r.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn a_good_project_passes() {
    assert_eq!(check_project(&project("a"), &["training"], today()), Ok(()));
}

#[test]
fn dates_are_checked() {
    let mut p = project("a");
    p.end_date = Some("2024-01-01".into());
    assert!(codes(check_project(&p, &["training"], today()))
        .contains(&("end_date".into(), "end-before-start")));
    p.status = Status::Completed;
    p.end_date = None;
    assert!(
        codes(check_project(&p, &["training"], today())).contains(&("end_date".into(), "required"))
    );
    p.end_date = Some("2030-01-01".into());
    assert!(codes(check_project(&p, &["training"], today()))
        .contains(&("end_date".into(), "end-in-future")));
    p.start_date = Some("2025-02-30".into());
    assert!(codes(check_project(&p, &["training"], today()))
        .contains(&("start_date".into(), "invalid-date")));
    p.status = Status::Active;
    p.start_date = Some("2027-01-01".into());
    p.end_date = None;
    assert!(codes(check_project(&p, &["training"], today()))
        .contains(&("start_date".into(), "start-in-future")));
    p.status = Status::Planned;
    assert_eq!(check_project(&p, &["training"], today()), Ok(()));
}

#[test]
fn every_bad_field_is_named() {
    let mut p = project("Bad Slug");
    p.title.zh = " ".into();
    p.countries = vec!["XX".into(), "de".into()];
    p.fields = vec!["astrology".into()];
    p.contact.email = "nobody".into();
    p.organisations.clear();
    let got = codes(check_project(&p, &["training"], today()));
    for want in [
        ("slug", "invalid-slug"),
        ("title.zh", "required"),
        ("countries[0]", "invalid-country"),
        ("countries[1]", "invalid-country"),
        ("fields[0]", "unknown-field"),
        ("contact.email", "invalid-email"),
        ("organisations", "required"),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1)),
            "{want:?} not in {got:?}"
        );
    }
}

#[test]
fn regions_are_countries_and_regions() {
    for c in ["HK", "MO", "TW", "CN", "DE", "RU", "BY"] {
        assert!(rules::is_country(c), "{c}");
    }
    for c in ["XX", "hk", "UK", "EU", "H", "HKG"] {
        assert!(!rules::is_country(c), "{c}");
    }
}

#[test]
fn fields_and_interests_are_checked() {
    let f = FieldInput {
        slug: "ai".into(),
        names: loc("AI"),
        dac: vec![2204, 22040],
        sdg: vec![9, 18],
    };
    let got = codes(check_field(&f));
    assert_eq!(
        got,
        vec![
            ("dac[0]".into(), "invalid-dac"),
            ("sdg[1]".into(), "invalid-sdg")
        ]
    );
    let i = InterestInput {
        organisation: "".into(),
        country: "ZZ".into(),
        name: "A".into(),
        email: "a@b".into(),
        message: "hi".into(),
        consent: false,
    };
    let got = codes(check_interest(&i));
    for f in ["organisation", "country", "email", "consent"] {
        assert!(got.iter().any(|(x, _)| x == f), "{f} in {got:?}");
    }
}

#[test]
fn percentages_sum_to_100() {
    for n in 1..40 {
        let p = iati::split_percentages(n);
        assert_eq!(p.len(), n);
        assert_eq!(p.iter().sum::<u32>(), 100, "{n}");
    }
}

fn reporter() -> Reporter {
    Reporter {
        iati_ref: "XM-TWINCAST".into(),
        org_type: 10,
        name: loc("Programme office"),
    }
}

fn field() -> FieldInput {
    FieldInput {
        slug: "training".into(),
        names: loc("Training"),
        dac: vec![11330, 11430],
        sdg: vec![4],
    }
}

#[test]
fn iati_round_trip_keeps_every_exported_field() {
    let mut a = project("alpha");
    a.description.ru = "Строка с <угловыми> & \"кавычками\"".into();
    let mut b = project("beta");
    b.status = Status::Completed;
    b.end_date = Some("2026-06-30".into());
    b.themes = vec![Theme::SharedResources, Theme::IndustrialCooperation];
    b.contact.phone = String::new();
    let stored: Vec<Project> = [a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(i, data)| Project {
            id: format!("id{i}"),
            data,
            created_at: 0,
            updated_at: 1_700_000_000_000,
            version: 1,
        })
        .collect();
    let xml = iati::export(
        &stored,
        &[field()],
        &BTreeMap::new(),
        &reporter(),
        1_700_000_000_000,
    );
    assert!(xml.contains("<iati-activities version=\"2.03\""), "{xml}");
    let back = iati::import(xml.as_bytes()).expect("own export imports");
    assert_eq!(back, vec![a, b]);
}

#[test]
fn hostile_documents_are_refused() {
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><iati-activities version="2.03"><iati-activity><iati-identifier>&lol2;</iati-identifier></iati-activity></iati-activities>"#;
    assert_eq!(iati::import(bomb.as_bytes()), Err(IatiError::Dtd));
    let undefined = r#"<iati-activities version="2.03"><iati-activity><iati-identifier>&x;</iati-identifier></iati-activity></iati-activities>"#;
    assert!(matches!(
        iati::import(undefined.as_bytes()),
        Err(IatiError::UndefinedEntity(_))
    ));
    let huge = vec![b' '; iati::MAX_IMPORT_BYTES + 1];
    assert!(matches!(iati::import(&huge), Err(IatiError::TooLarge(_))));
    let deep = format!(
        "<iati-activities version=\"2.03\">{}{}</iati-activities>",
        "<a>".repeat(40),
        "</a>".repeat(40)
    );
    assert!(matches!(
        iati::import(deep.as_bytes()),
        Err(IatiError::TooLarge(_))
    ));
    assert!(matches!(
        iati::import(b"<iati-activities version=\"1.05\"/>"),
        Err(IatiError::NotIati(_))
    ));
    assert!(matches!(
        iati::import(b"<rss/>"),
        Err(IatiError::NotIati(_))
    ));
    assert!(matches!(
        iati::import(b"<iati-activities version=\"2.03\">"),
        Err(IatiError::Xml(_))
    ));
}

fn arb_project() -> impl Strategy<Value = ProjectInput> {
    (
        prop::sample::select(vec!["liangxi", "binhu", "jiangyin"]),
        prop::collection::vec(prop::sample::select(vec!["DE", "FR", "HK", "JP"]), 0..3),
        prop::collection::vec(
            prop::sample::select(vec!["ai", "training", "culture"]),
            0..3,
        ),
        prop::sample::select(Status::ALL.to_vec()),
    )
        .prop_map(|(d, mut c, mut f, s)| {
            c.dedup();
            f.dedup();
            let mut p = project("x");
            p.district = d.into();
            p.countries = c.into_iter().map(String::from).collect();
            p.fields = f.into_iter().map(String::from).collect();
            p.status = s;
            p
        })
}

fn arb_selection() -> impl Strategy<Value = Selection> {
    (
        prop::option::of(prop::sample::select(vec![
            "ai", "training", "culture", "none",
        ])),
        prop::option::of(prop::sample::select(vec!["liangxi", "binhu", "jiangyin"])),
        prop::option::of(prop::sample::select(vec!["DE", "FR", "HK", "JP"])),
        prop::option::of(prop::sample::select(Status::ALL.to_vec())),
    )
        .prop_map(|(f, d, c, s)| Selection {
            field: f.map(String::from),
            district: d.map(String::from),
            country: c.map(String::from),
            status: s,
        })
}

proptest! {
    /// Choosing a value of a dimension gives exactly as many projects as that value's facet count said.
    #[test]
    fn facet_counts_predict_the_result(ps in prop::collection::vec(arb_project(), 0..30), sel in arb_selection()) {
        let f = facets(ps.iter(), &sel);
        for (field, n) in &f.field {
            let s = Selection { field: Some(field.clone()), ..sel.clone() };
            prop_assert_eq!(ps.iter().filter(|p| matches(p, &s)).count(), *n);
        }
        for (d, n) in &f.district {
            let s = Selection { district: Some(d.clone()), ..sel.clone() };
            prop_assert_eq!(ps.iter().filter(|p| matches(p, &s)).count(), *n);
        }
        for (c, n) in &f.country {
            let s = Selection { country: Some(c.clone()), ..sel.clone() };
            prop_assert_eq!(ps.iter().filter(|p| matches(p, &s)).count(), *n);
        }
        for (st, n) in &f.status {
            let s = Selection { status: Status::parse(st), ..sel.clone() };
            prop_assert_eq!(ps.iter().filter(|p| matches(p, &s)).count(), *n);
        }
        // Every status is a single value: the status counts add up to the matches ignoring status.
        let any_status = Selection { status: None, ..sel.clone() };
        prop_assert_eq!(f.status.values().sum::<usize>(), ps.iter().filter(|p| matches(p, &any_status)).count());
        prop_assert!(f.field.values().all(|n| *n > 0));
    }

    /// Export then import gives back the projects, whatever their status, countries and fields.
    #[test]
    fn iati_round_trips(ps in prop::collection::vec(arb_project(), 1..5)) {
        let ps: Vec<ProjectInput> = ps.into_iter().enumerate().map(|(i, mut p)| {
            p.slug = format!("p{i}");
            if p.status == Status::Completed { p.end_date = Some("2026-01-01".into()); }
            p
        }).collect();
        let stored: Vec<Project> = ps.iter().cloned().map(|data| Project { id: data.slug.clone(), data, created_at: 0, updated_at: 0, version: 1 }).collect();
        let vocab: Vec<FieldInput> = ["ai", "training", "culture"].iter().map(|s| FieldInput { slug: s.to_string(), names: loc(s), dac: vec![11330], sdg: vec![4, 9] }).collect();
        let xml = iati::export(&stored, &vocab, &BTreeMap::new(), &reporter(), 0);
        prop_assert_eq!(iati::import(xml.as_bytes()).unwrap(), ps);
    }
}
