//! The cooperation catalogue over HTTP: projects and fields (roles, If-Match, field errors), faceting, the IATI
//! 2.03 export checked against the standard's documented rules, import round trip and hostile imports, and
//! expressions of interest (field errors, stored once, e-mailed to a real SMTP server, rate limit).

use crate::common::*;
use crate::health::{wait_for, Smtp};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use twincast_app::ManualClock;
use twincast_store::Role;

/// A valid project body (partner `pa` must exist).
pub(crate) fn project_json(
    slug: &str,
    district: &str,
    countries: &[&str],
    fields: &[&str],
    status: &str,
) -> Value {
    let end = if status == "completed" {
        json!("2026-06-30")
    } else {
        json!("2027-12-31")
    };
    json!({
        "slug": slug,
        "title": {"ru": format!("Проект {slug}"), "en": format!("Project {slug}"), "zh": format!("项目 {slug}")},
        "summary": {"ru": "Кратко", "en": "In short", "zh": "简介"},
        "description": {"ru": "Описание *проекта*", "en": "A *project* description", "zh": "项目*说明*"},
        "district": district,
        "district_name": {"ru": "Биньху", "en": "Binhu", "zh": "滨湖区"},
        "partners": ["pa"],
        "countries": countries,
        "fields": fields,
        "themes": ["people-to-people"],
        "status": status,
        "start_date": "2025-01-15",
        "end_date": end,
        "organisations": [{"name": "Wuxi Municipal Foreign Affairs Office", "iati_ref": "CN-WX-FAO", "org_type": 10, "role": "accountable"},
                          {"name": "Chemnitz University", "role": "implementing"}],
        "contact": {"name": "Li Wei", "email": "li.wei@example.test", "phone": "+86 510 0000 0000"},
    })
}

#[tokio::test]
async fn projects_crud_roles_stale_versions_and_field_errors() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    let editor = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let body = project_json("river", "binhu", &["DE", "HK"], &["training"], "active");

    for who in [&viewer, &editor] {
        assert_problem(
            who.post_json("/api/v1/projects", body.clone()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let res = Client::new()
        .post(s.url("/api/v1/projects"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let res = op.post_json("/api/v1/projects", body.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"1\"");
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["title"]["zh"], "项目 river");
    assert_problem(
        op.post_json("/api/v1/projects", body.clone()).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    // Anyone reads it.
    let got: Value = Client::new()
        .get(s.url("/api/v1/projects/river"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["id"], created["id"]);

    // Update with If-Match; a second writer with the old version gets 412 and changes nothing.
    let mut changed = body.clone();
    changed["title"]["en"] = json!("River cleaning");
    let res = op
        .req(Method::PUT, "/api/v1/projects/river")
        .header("if-match", "\"1\"")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let mut late = body.clone();
    late["title"]["en"] = json!("Lost update");
    let res = op
        .req(Method::PUT, "/api/v1/projects/river")
        .header("if-match", "\"1\"")
        .json(&late)
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let got: Value = op.get("/api/v1/projects/river").await.json().await.unwrap();
    assert_eq!(got["title"]["en"], "River cleaning");

    // Bad input: every refused field named, nothing written.
    let mut bad = project_json("bad", "binhu", &["XX"], &["astrology"], "completed");
    bad["end_date"] = json!("2024-01-01");
    bad["contact"]["email"] = json!("nobody");
    bad["title"]["zh"] = json!("");
    bad["partners"] = json!(["nowhere"]);
    let p = assert_problem(
        op.post_json("/api/v1/projects", bad).await,
        StatusCode::BAD_REQUEST,
        "required", // the first refused field's code; all are in `errors`
    )
    .await;
    let errors: Vec<(String, String)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("title.zh", "required"),
        ("countries[0]", "invalid-country"),
        ("fields[0]", "unknown-field"),
        ("end_date", "end-before-start"),
        ("contact.email", "invalid-email"),
        ("partners[0]", "unknown-partner"),
    ] {
        assert!(
            errors.contains(&(want.0.into(), want.1.into())),
            "{want:?} not in {errors:?}"
        );
    }
    assert_eq!(
        op.get("/api/v1/projects/bad").await.status(),
        StatusCode::NOT_FOUND
    );
    let audit: Value = op
        .get("/api/v1/audit?action=project.update")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"].as_array().map(Vec::len), Some(1), "{audit}");

    // Fields: the seeded vocabulary maps to DAC and SDG; a field in use cannot go.
    let fields: Vec<Value> = viewer
        .get("/api/v1/project-fields")
        .await
        .json()
        .await
        .unwrap();
    let ai = fields
        .iter()
        .find(|f| f["slug"] == "artificial-intelligence")
        .expect("seeded");
    assert!(ai["dac"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| (10000..=99999).contains(&c.as_u64().unwrap())));
    assert_eq!(fields.len(), 10);
    let p = assert_problem(
        op.req(Method::DELETE, "/api/v1/project-fields/training")
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "field-in-use",
    )
    .await;
    assert_eq!(p["projects"], json!(["river"]));
    let p = assert_problem(
        op.post_json("/api/v1/project-fields", json!({"slug": "space", "names": {"ru": "Космос", "en": "Space", "zh": "航天"}, "dac": [123], "sdg": [18]})).await,
        StatusCode::BAD_REQUEST,
        "invalid-dac",
    )
    .await;
    assert_eq!(p["errors"][1]["field"], "sdg[0]");
    let res = op.post_json("/api/v1/project-fields", json!({"slug": "space", "names": {"ru": "Космос", "en": "Space", "zh": "航天"}, "dac": [23210], "sdg": [7]})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_problem(
        viewer
            .req(Method::DELETE, "/api/v1/project-fields/space")
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        op.req(Method::DELETE, "/api/v1/project-fields/space")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );

    // Delete with a stale version is refused; with the current one it goes.
    let res = op
        .req(Method::DELETE, "/api/v1/projects/river")
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = op
        .req(Method::DELETE, "/api/v1/projects/river")
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        op.get("/api/v1/projects/river").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn catalogue_facets_count_what_each_choice_gives() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    for (slug, district, countries, fields, status) in [
        (
            "a",
            "binhu",
            &["DE", "HK"][..],
            &["training", "education"][..],
            "active",
        ),
        (
            "b",
            "binhu",
            &["FR"][..],
            &["artificial-intelligence"][..],
            "planned",
        ),
        ("c", "jiangyin", &["DE"][..], &["training"][..], "completed"),
        ("d", "yixing", &["TW", "MO"][..], &["culture"][..], "active"),
    ] {
        let res = op
            .post_json(
                "/api/v1/projects",
                project_json(slug, district, countries, fields, status),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }
    let anon = Client::new();
    let cat: Value = anon
        .get(s.url("/api/v1/projects"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cat["total"], 4);
    assert_eq!(cat["facets"]["country"]["DE"], 2);
    assert_eq!(cat["facets"]["district"]["binhu"], 2);
    let cat: Value = anon
        .get(s.url("/api/v1/projects?field=training"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let slugs: Vec<&str> = cat["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["a", "c"]);
    // The field facet ignores the field choice; the others apply it.
    assert_eq!(cat["facets"]["field"]["culture"], 1);
    assert_eq!(
        cat["facets"]["status"],
        json!({"active": 1, "completed": 1})
    );
    assert_eq!(
        cat["facets"]["district"],
        json!({"binhu": 1, "jiangyin": 1})
    );
    let cat: Value = anon
        .get(s.url("/api/v1/projects?field=training&district=binhu&country=DE&status=active"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cat["items"].as_array().unwrap().len(), 1);
    assert_problem(
        anon.get(s.url("/api/v1/projects?status=lost"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-query",
    )
    .await;
}

/// A small element tree of an XML document (an independent reading of the export).
#[derive(Debug, Default)]
struct X {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    kids: Vec<X>,
}

impl X {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.0 == k).map(|a| a.1.as_str())
    }
    fn all<'a>(&'a self, n: &'a str) -> impl Iterator<Item = &'a X> {
        self.kids.iter().filter(move |k| k.name == n)
    }
}

fn parse(xml: &str) -> X {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack = vec![X::default()];
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if false => drop(e),
            Event::Start(e) => {
                let mut x = X {
                    name: e.name().0.to_string(),
                    ..X::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    x.attrs.push((
                        a.key.0.to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    ));
                }
                stack.push(x);
            }
            Event::Empty(e) => {
                let mut x = X {
                    name: e.name().0.to_string(),
                    ..X::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    x.attrs.push((
                        a.key.0.to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    ));
                }
                stack.last_mut().unwrap().kids.push(x);
            }
            Event::End(_) => {
                let x = stack.pop().unwrap();
                stack.last_mut().unwrap().kids.push(x);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) => {
                let c = match g.to_string().as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("entity {other}"),
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().kids.pop().unwrap()
}

/// The children of `iati-activity` in the order of the IATI 2.03 activity schema (iati-activities-schema.xsd).
const ACTIVITY_ORDER: &[&str] = &[
    "iati-identifier",
    "reporting-org",
    "title",
    "description",
    "participating-org",
    "other-identifier",
    "activity-status",
    "activity-date",
    "contact-info",
    "activity-scope",
    "recipient-country",
    "recipient-region",
    "location",
    "sector",
    "tag",
    "country-budget-items",
    "humanitarian-scope",
    "policy-marker",
    "collaboration-type",
    "default-flow-type",
    "default-finance-type",
    "default-aid-type",
    "default-tied-status",
    "budget",
    "planned-disbursement",
    "capital-spend",
    "transaction",
    "document-link",
    "related-activity",
    "legacy-data",
    "conditions",
    "result",
    "crs-add",
    "fss",
];

/// contact-info's children in schema order.
const CONTACT_ORDER: &[&str] = &[
    "organisation",
    "department",
    "person-name",
    "job-title",
    "telephone",
    "email",
    "website",
    "mailing-address",
];

fn in_order(x: &X, order: &[&str]) {
    let pos: Vec<usize> = x
        .kids
        .iter()
        .map(|k| {
            order
                .iter()
                .position(|o| *o == k.name)
                .unwrap_or_else(|| panic!("{} is not a child of {}", k.name, x.name))
        })
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] <= w[1]),
        "children of {} out of schema order: {:?}",
        x.name,
        x.kids.iter().map(|k| &k.name).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn iati_export_follows_the_standard_and_imports_back() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    for (slug, status, countries) in [
        ("p1", "planned", &["DE"][..]),
        ("p2", "active", &["HK", "FR", "JP"][..]),
        ("p3", "completed", &[][..]),
    ] {
        let res = op
            .post_json(
                "/api/v1/projects",
                project_json(
                    slug,
                    "binhu",
                    countries,
                    &["training", "artificial-intelligence"],
                    status,
                ),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
    }
    let res = Client::new()
        .get(s.url("/api/v1/iati/activities"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let xml = res.text().await.unwrap();
    let root = parse(&xml);
    assert_eq!(root.name, "iati-activities");
    assert_eq!(root.attr("version"), Some("2.03"));
    assert!(root
        .attr("generated-datetime")
        .is_some_and(|d| d.ends_with('Z')));
    let acts: Vec<&X> = root.all("iati-activity").collect();
    assert_eq!(acts.len(), 3);
    for a in &acts {
        in_order(a, ACTIVITY_ORDER);
        // Required: exactly one identifier that starts with the reporting org's ref; reporting-org with ref, type
        // and a narrative; a title; at least one participating-org with a role from OrganisationRole (1-4); one
        // activity-status from ActivityStatus; at least one activity-date (a start).
        let id = &a.all("iati-identifier").next().unwrap().text;
        let rep = a.all("reporting-org").next().unwrap();
        assert!(
            id.starts_with(&format!("{}-", rep.attr("ref").unwrap())),
            "{id}"
        );
        assert!(rep.attr("type").is_some());
        assert_eq!(a.all("iati-identifier").count(), 1);
        assert_eq!(a.all("title").count(), 1);
        assert!(a.attr("last-updated-datetime").is_some());
        // Every narrative of title and descriptions carries xml:lang, in ru, en and zh.
        for holder in a
            .all("title")
            .chain(a.all("description"))
            .chain(std::iter::once(rep))
        {
            let langs: Vec<&str> = holder
                .all("narrative")
                .map(|n| n.attr("xml:lang").expect("xml:lang"))
                .collect();
            assert_eq!(langs, ["ru", "en", "zh"], "{}", holder.name);
        }
        let roles: Vec<&str> = a
            .all("participating-org")
            .map(|p| p.attr("role").unwrap())
            .collect();
        assert!(!roles.is_empty() && roles.iter().all(|r| ["1", "2", "3", "4"].contains(r)));
        assert_eq!(roles, ["2", "4"]);
        assert_eq!(a.all("activity-status").count(), 1);
        let types: Vec<&str> = a
            .all("activity-date")
            .map(|d| d.attr("type").unwrap())
            .collect();
        assert!(
            types.iter().any(|t| *t == "1" || *t == "2"),
            "a start date: {types:?}"
        );
        for d in a.all("activity-date") {
            assert_eq!(d.attr("iso-date").unwrap().len(), 10);
        }
        // DAC 5-digit sectors (vocabulary 1) summing to 100 %, SDG goals as tag vocabulary 2.
        let sectors: Vec<&X> = a.all("sector").collect();
        assert!(!sectors.is_empty());
        assert!(sectors
            .iter()
            .all(|x| x.attr("vocabulary") == Some("1") && x.attr("code").unwrap().len() == 5));
        assert_eq!(
            sectors
                .iter()
                .map(|x| x.attr("percentage").unwrap().parse::<u32>().unwrap())
                .sum::<u32>(),
            100
        );
        let sdg: Vec<&str> = a
            .all("tag")
            .filter(|t| t.attr("vocabulary") == Some("2"))
            .map(|t| t.attr("code").unwrap())
            .collect();
        assert_eq!(sdg, ["4", "9"]);
        let countries: Vec<u32> = a
            .all("recipient-country")
            .map(|c| c.attr("percentage").unwrap().parse().unwrap())
            .collect();
        assert!(countries.is_empty() || countries.iter().sum::<u32>() == 100);
        let contact = a.all("contact-info").next().unwrap();
        in_order(contact, CONTACT_ORDER);
        assert_eq!(
            contact.all("email").next().unwrap().text,
            "li.wei@example.test"
        );
    }
    let status = |i: usize| {
        acts[i]
            .all("activity-status")
            .next()
            .unwrap()
            .attr("code")
            .unwrap()
    };
    assert_eq!([status(0), status(1), status(2)], ["1", "2", "4"]);
    let date_types = |i: usize| {
        acts[i]
            .all("activity-date")
            .map(|d| d.attr("type").unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(date_types(0), ["1", "3"]); // planned start, planned end
    assert_eq!(date_types(1), ["2", "3"]); // actual start, planned end
    assert_eq!(date_types(2), ["2", "4"]); // actual start, actual end
    assert_eq!(
        acts[1]
            .all("recipient-country")
            .map(|c| c.attr("code").unwrap())
            .collect::<Vec<_>>(),
        ["HK", "FR", "JP"]
    );

    // Round trip: delete the catalogue, import the export, get the same projects back.
    let before: Value = op.get("/api/v1/projects").await.json().await.unwrap();
    for slug in ["p1", "p2", "p3"] {
        assert_eq!(
            op.req(Method::DELETE, &format!("/api/v1/projects/{slug}"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NO_CONTENT
        );
    }
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    let res = viewer
        .req(Method::POST, "/api/v1/iati/activities")
        .header("content-type", "application/xml")
        .body(xml.clone())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = op
        .req(Method::POST, "/api/v1/iati/activities")
        .header("content-type", "application/xml")
        .body(xml.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: Value = res.json().await.unwrap();
    assert_eq!(report, json!({"created": 3, "updated": 0}));
    let after: Value = op.get("/api/v1/projects").await.json().await.unwrap();
    let strip = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let mut p = p.clone();
                for k in ["id", "created_at", "updated_at", "version"] {
                    p.as_object_mut().unwrap().remove(k);
                }
                p
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&after), strip(&before));
    // Importing again replaces by slug.
    let res = op
        .req(Method::POST, "/api/v1/iati/activities")
        .body(xml.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"created": 0, "updated": 3})
    );
}

#[tokio::test]
async fn hostile_or_bad_iati_imports_are_refused_and_import_nothing() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let res = op
        .post_json(
            "/api/v1/projects",
            project_json("keep", "binhu", &["DE"], &["training"], "active"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let good: String = Client::new()
        .get(s.url("/api/v1/iati/activities"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let send = |body: Vec<u8>| {
        op.req(Method::POST, "/api/v1/iati/activities")
            .header("content-type", "application/xml")
            .body(body)
            .send()
    };
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><iati-activities version="2.03"><iati-activity><iati-identifier>&lol2;</iati-identifier></iati-activity></iati-activities>"#;
    assert_problem(
        send(bomb.into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-dtd",
    )
    .await;
    let external = r#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><iati-activities version="2.03"/>"#;
    assert_problem(
        send(external.into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-dtd",
    )
    .await;
    let undefined = good.replacen("<title>", "<title>&ghost;", 1);
    assert_problem(
        send(undefined.into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-entity",
    )
    .await;
    let huge = format!(
        "<iati-activities version=\"2.03\">{}</iati-activities>",
        " ".repeat(5 * 1024 * 1024)
    );
    assert_problem(
        send(huge.into()).await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "iati-too-large",
    )
    .await;
    assert_problem(
        send(b"<iati-activities version=\"2.03\"><iati-activity>".to_vec())
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-not-well-formed",
    )
    .await;
    assert_problem(
        send(b"<iati-activities version=\"1.05\"/>".to_vec())
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-not-activities",
    )
    .await;
    // One good new activity and one bad one: nothing is imported.
    let two = good
        .replace(
            "<other-identifier ref=\"keep\"",
            "<other-identifier ref=\"fresh\"",
        )
        .replace(
            "</iati-activities>",
            &format!(
                "{}</iati-activities>",
                good.split("<iati-activity ")
                    .nth(1)
                    .map(|a| format!(
                        "<iati-activity {}",
                        a.replace("</iati-activities>", "")
                            .replace("li.wei@example.test", "not-an-address")
                            .replace("ref=\"fresh\"", "ref=\"other\"")
                    ))
                    .unwrap()
            ),
        );
    let p = assert_problem(
        send(two.into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "iati-activity",
    )
    .await;
    assert_eq!(p["activity"], 1, "{p}");
    assert_eq!(p["errors"][0]["field"], "contact.email");
    let cat: Value = op.get("/api/v1/projects").await.json().await.unwrap();
    let slugs: Vec<&str> = cat["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["keep"]);
}

fn interest(token: &str) -> Value {
    json!({"organisation": "Stadtwerke Chemnitz", "country": "DE", "name": "Anna Schmidt", "email": "anna@example.test",
           "message": "We would like to join the river project.", "consent": true, "token": token, "website": ""})
}

#[tokio::test]
async fn expressions_of_interest_are_checked_stored_once_and_emailed() {
    let smtp = Smtp::start().await;
    let clock = ManualClock::new(1_790_000_000_000);
    let s = TestServer::with_clock(
        |c| {
            c.smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
            c.smtp_from = "Twincast <noc@twincast.test>".into();
            c.smtp_to = vec!["ops@twincast.test".into()];
            c.interests_per_minute = 6;
        },
        Some(Arc::clone(&clock)),
    )
    .await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let res = op
        .post_json(
            "/api/v1/projects",
            project_json("river", "binhu", &["DE"], &["training"], "active"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let anon = Client::new();
    let form: Value = anon
        .get(s.url("/api/v1/projects/river/interest-form"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = form["token"].as_str().unwrap().to_string();
    assert_eq!(
        form["retain_until"],
        1_790_000_000_000i64 + 180 * 86_400_000
    );
    let url = s.url("/api/v1/projects/river/interests");

    // Sent at once: a robot.
    assert_problem(
        anon.post(&url)
            .json(&interest(&token))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "form-too-fast",
    )
    .await;
    clock.advance(5_000);
    // Bad input: the field's error.
    let mut bad = interest(&token);
    bad["email"] = json!("anna at example");
    bad["consent"] = json!(false);
    let p = assert_problem(
        anon.post(&url).json(&bad).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-email",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "email");
    assert_eq!(p["errors"][1]["field"], "consent");
    // The honeypot filled: refused.
    let mut spam = interest(&token);
    spam["website"] = json!("http://spam.example");
    assert_problem(
        anon.post(&url).json(&spam).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "rejected-as-spam",
    )
    .await;
    // A forged token.
    // (The last hex digit changed to another one: a token ending in 0 would otherwise stay itself.)
    let last = if token.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &token[..token.len() - 1]);
    assert!(op
        .get("/api/v1/interests")
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .is_empty());

    assert_problem(
        anon.post(&url)
            .json(&interest(&forged))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-form-token",
    )
    .await;
    // A good one, sent twice, is stored once.
    let first = anon
        .post(&url)
        .json(&interest(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = anon
        .post(&url)
        .json(&interest(&token))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"]);
    // The seventh request within the minute from one address: the limit (6) answers 429 problem+json.
    assert_problem(
        anon.post(&url)
            .json(&interest(&token))
            .send()
            .await
            .unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-interests",
    )
    .await;
    let inbox: Vec<Value> = op.get("/api/v1/interests").await.json().await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["status"], "new");
    assert_eq!(inbox[0]["organisation"], "Stadtwerke Chemnitz");
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    assert_problem(
        viewer.get("/api/v1/interests").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // E-mailed to the project's contact, once.
    let mail = wait_for("the expression of interest's e-mail", || {
        let m = smtp.messages();
        async move { (!m.is_empty()).then_some(m) }
    })
    .await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("li.wei@example.test"), "{}", mail[0]);
    assert!(mail[0].contains("Stadtwerke Chemnitz"));

    // Status changes with If-Match.
    let id = inbox[0]["id"].as_str().unwrap();
    let res = op
        .req(Method::PUT, &format!("/api/v1/interests/{id}/status"))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "forwarded"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = op
        .req(Method::PUT, &format!("/api/v1/interests/{id}/status"))
        .header("if-match", "\"1\"")
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let forwarded: Vec<Value> = op
        .get("/api/v1/interests?status=forwarded")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(forwarded.len(), 1);

    // Past its retention date it is deleted by the sweep (run directly here; sessions expired meanwhile), with
    // its e-mail delivery row (which carries the same data).
    clock.advance(179 * 86_400_000);
    assert_eq!(s.state.app.sweep_interests().await.unwrap(), 0);
    clock.advance(2 * 86_400_000);
    assert_eq!(s.state.app.sweep_interests().await.unwrap(), 1);
    assert!(s.state.store.interests(None).await.unwrap().is_empty());
    let kept = s
        .state
        .store
        .list_notifications(None, &twincast_store::PageRequest::default())
        .await
        .unwrap();
    assert!(kept.items.iter().all(|n| n.event != "cooperation.interest"));
}
