//! The cooperation catalogue's console pages: the project editor (field errors next to their fields, nothing
//! written; a stale form keeps what was typed), the field vocabulary (a field in use is not deleted) and the
//! expressions-of-interest inbox (filters, status change with its version). Roles: admins and operators only.
//! The browser walk is e2e/console_projects.test.mjs.

use crate::common::{post_form, Session, TestServer};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use twincast_app::ManualClock;
use twincast_store::Role;

async fn html(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.get(path).await;
    (res.status(), res.text().await.unwrap())
}

fn project_form<'a>(
    csrf: &'a str,
    zh_title: &'a str,
    countries: &'a str,
    end: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("slug", "river"),
        ("status", "active"),
        ("start_date", "2025-01-15"),
        ("end_date", end),
        ("title.ru", "Чистая река"),
        ("title.en", "Clean river"),
        ("title.zh", zh_title),
        ("summary.ru", "Кратко"),
        ("summary.en", "In short"),
        ("summary.zh", "简介"),
        ("description.en", "A *river* project"),
        ("district_name.ru", "Биньху"),
        ("district_name.en", "Binhu"),
        ("district_name.zh", "滨湖区"),
        ("district", "binhu"),
        ("countries", countries),
        ("partners", "pa"),
        ("fields", "training"),
        ("fields", "environmental-protection"),
        ("themes", "shared-resources"),
        ("organisations.0.name", "Wuxi Foreign Affairs Office"),
        ("organisations.0.role", "accountable"),
        ("organisations.0.org_type", "10"),
        ("organisations.1.name", ""),
        ("organisations.1.role", "funding"),
        ("contact.name", "Li Wei"),
        ("contact.email", "li.wei@example.test"),
    ]
}

#[tokio::test]
async fn projects_and_fields_are_edited_from_the_console() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let writer = s.user("wen", Role::Contributor, &[]).await;
    let editor = s.user("pe", Role::PartnerEditor, &["pa"]).await;
    for who in [&writer, &editor] {
        assert_eq!(
            who.get("/console/projects").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            who.get("/console/interests").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            who.get("/console/project-fields").await.status(),
            StatusCode::FORBIDDEN
        );
    }
    let (status, page) = html(&op, "/console/projects/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/console/interests\""), "nav entry");

    // Every refused field at once, next to its field; nothing is written.
    let res = post_form(
        &op,
        "/console/projects",
        &project_form(&op.csrf, "", "DE, XX", "2024-01-01"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    for id in ["title-zh-error", "countries-error", "end_date-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}: {page}");
    }
    assert!(
        page.contains("value=\"Clean river\"") && page.contains("value=\"DE, XX\""),
        "typed values kept"
    );
    assert_eq!(
        op.get("/api/v1/projects/river").await.status(),
        StatusCode::NOT_FOUND
    );
    // A bad organisation type is the form's own error.
    let mut bad = project_form(&op.csrf, "清洁河流", "DE", "2027-12-31");
    bad.retain(|(k, _)| *k != "organisations.0.org_type");
    bad.push(("organisations.0.org_type", "ten"));
    let res = post_form(&op, "/console/projects", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("id=\"organisations-0-org_type-error\""));

    // Saved.
    let res = post_form(
        &op,
        "/console/projects",
        &project_form(&op.csrf, "清洁河流", "de, KR", "2027-12-31"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.url().path(), "/console/projects/river");
    let p: Value = op.get("/api/v1/projects/river").await.json().await.unwrap();
    assert_eq!(p["title"]["zh"], "清洁河流");
    assert_eq!(p["countries"], json!(["DE", "KR"]));
    assert_eq!(
        p["organisations"].as_array().unwrap().len(),
        1,
        "the empty row is left out"
    );
    assert_eq!(p["organisations"][0]["org_type"], 10);
    assert_eq!(p["themes"], json!(["shared-resources"]));
    let v1 = p["version"].as_i64().unwrap().to_string();
    let (_, list) = html(&op, "/console/projects?status=active&field=training").await;
    assert!(list.contains("href=\"/console/projects/river\""));
    let (_, list) = html(&op, "/console/projects?status=planned").await;
    assert!(!list.contains("href=\"/console/projects/river\""));

    // Edit, then a stale form: 412, what was typed stays, the project keeps the first edit.
    let mut edit = project_form(&op.csrf, "清洁的河流", "DE", "2027-12-31");
    edit.push(("version", &v1));
    let res = post_form(&op, "/console/projects/river", &edit).await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut stale = project_form(&op.csrf, "过时的标题", "DE", "2027-12-31");
    stale.push(("version", &v1));
    let res = post_form(&op, "/console/projects/river", &stale).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert!(res.text().await.unwrap().contains("value=\"过时的标题\""));
    let p: Value = op.get("/api/v1/projects/river").await.json().await.unwrap();
    assert_eq!(p["title"]["zh"], "清洁的河流");

    // The field vocabulary: bad codes are field errors; a new field; a field in use is not deleted.
    let (status, page) = html(&op, "/console/project-fields").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("value=\"11330, 11430\""),
        "training's DAC codes: {page}"
    );
    let new = |dac: &'static str| {
        vec![
            ("csrf", op.csrf.clone()),
            ("slug", "water".into()),
            ("names.ru", "Вода".into()),
            ("names.en", "Water".into()),
            ("names.zh", "水务".into()),
            ("dac", dac.into()),
            ("sdg", "6".into()),
        ]
    };
    let pairs = new("140x");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = post_form(&op, "/console/project-fields", &pairs).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"new-dac-error\""));
    let pairs = new("1400");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = post_form(&op, "/console/project-fields", &pairs).await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "four digits are no DAC code"
    );
    assert!(res.text().await.unwrap().contains("id=\"new-dac-error\""));
    let pairs = new("14010");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = post_form(&op, "/console/project-fields", &pairs).await;
    assert_eq!(res.status(), StatusCode::OK);
    let fields: Value = op.get("/api/v1/project-fields").await.json().await.unwrap();
    assert!(fields.to_string().contains("\"water\""));
    let training = fields
        .as_array()
        .or(fields["items"].as_array())
        .unwrap()
        .iter()
        .find(|f| f["slug"] == "training")
        .unwrap()
        .clone();
    let v = training["version"].as_i64().unwrap().to_string();
    let res = post_form(
        &op,
        "/console/project-fields/training/delete",
        &[("csrf", &op.csrf), ("version", &v)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text().await.unwrap().contains("river"),
        "names the project using it"
    );
}

#[tokio::test]
async fn the_interest_inbox_lists_filters_and_changes_status() {
    let clock = ManualClock::new(1_790_000_000_000);
    let s = TestServer::with_clock(|_| {}, Some(Arc::clone(&clock))).await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let res = op
        .post_json(
            "/api/v1/projects",
            crate::cooperation::project_json("river", "binhu", &["DE"], &["training"], "active"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let river: Value = res.json().await.unwrap();
    let anon = Client::new();
    let form: Value = anon
        .get(s.url("/api/v1/projects/river/interest-form"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    clock.advance(5_000);
    let body = json!({"organisation": "Stadtwerke Chemnitz", "country": "DE", "name": "Anna Schmidt",
        "email": "anna@example.test", "message": "We would like to join the river project.", "consent": true,
        "token": form["token"], "website": ""});
    let res = anon
        .post(s.url("/api/v1/projects/river/interests"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, page) = html(&op, "/console").await;
    assert!(page.contains("href=\"/console/interests?status=new\"><span class=\"big\">1</span> new expression of interest"), "{page}");
    let (status, page) = html(&op, "/console/interests?status=new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("href=\"/console/interests/{id}\"")),
        "{page}"
    );
    assert!(page.contains("Project river"));
    let (_, page) = html(&op, "/console/interests?status=closed").await;
    assert!(!page.contains(&format!("/console/interests/{id}")));
    let (_, page) = html(
        &op,
        &format!(
            "/console/interests?project={}",
            river["id"].as_str().unwrap()
        ),
    )
    .await;
    assert!(page.contains(&format!("/console/interests/{id}")));
    let (_, page) = html(&op, "/console/interests?project=someone-else").await;
    assert!(!page.contains(&format!("/console/interests/{id}")));

    let (status, page) = html(&op, &format!("/console/interests/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("We would like to join the river project."));
    let i: Value = op.get("/api/v1/interests").await.json().await.unwrap();
    let v1 = i.to_string();
    let v1 = serde_json::from_str::<Value>(&v1).unwrap();
    let item = v1.as_array().or(v1["items"].as_array()).unwrap()[0].clone();
    let v = item["version"].as_i64().unwrap().to_string();
    let path = format!("/console/interests/{id}/status");
    let res = post_form(
        &op,
        &path,
        &[("csrf", &op.csrf), ("status", "forwarded"), ("version", &v)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, page) = html(&op, "/console/interests?status=forwarded").await;
    assert!(page.contains(&format!("/console/interests/{id}")));
    // From the stale page: refused, nothing changes.
    let res = post_form(
        &op,
        &path,
        &[("csrf", &op.csrf), ("status", "closed"), ("version", &v)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert!(res.text().await.unwrap().contains("id=\"status-error\""));
    let (_, page) = html(&op, "/console/interests?status=closed").await;
    assert!(!page.contains(&format!("/console/interests/{id}")));
    // A forged form is refused.
    let res = post_form(
        &op,
        &path,
        &[("csrf", "forged"), ("status", "closed"), ("version", &v)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
