//! The console's administration pages (places, groups, alerts, users and tokens, audit, layouts, settings):
//! forms, CSRF, roles, and bad input that keeps what was typed and writes nothing. The browser walks are in
//! e2e/console_admin.test.mjs.

use crate::common::{post_form, Session, TestServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use twincast_store::Role;

async fn html(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.get(path).await;
    (res.status(), res.text().await.unwrap())
}

async fn audit_count(admin: &Session) -> usize {
    let v: Value = admin
        .get("/api/v1/audit?limit=200")
        .await
        .json()
        .await
        .unwrap();
    v["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn places_are_created_edited_and_deleted_from_the_console() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let (status, page) = html(&admin, "/console/locations/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<option value=\"Asia/Shanghai\">"),
        "the zone list"
    );
    assert!(page.contains("data-map-pick=\"lat\""), "the map hook");

    // Bad input: the form comes back with the values and its errors; nothing is written.
    let before = audit_count(&admin).await;
    let bad = [
        ("csrf", admin.csrf.as_str()),
        ("slug", "wuxi-airport"),
        ("name", "Sunan Shuofang"),
        ("kind", "airport"),
        ("tz", "Asia/Wuxi"),
        ("lat", "31,49x"),
        ("lon", "120.43"),
    ];
    let res = post_form(&admin, "/console/locations", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"lat-error\""), "{page}");
    assert!(page.contains("value=\"Sunan Shuofang\"") && page.contains("value=\"31,49x\""));
    let mut bad = bad.to_vec();
    bad[5] = ("lat", "31.49");
    let res = post_form(&admin, "/console/locations", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"tz-error\""), "{page}");
    assert!(page.contains("value=\"Asia/Wuxi\""));
    assert_eq!(audit_count(&admin).await, before, "nothing was written");
    let res = admin.get("/api/v1/locations/wuxi-airport").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // A forged form is refused.
    bad[4] = ("tz", "Asia/Shanghai");
    bad[0] = ("csrf", "forged");
    let res = post_form(&admin, "/console/locations", &bad).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The right one.
    let csrf = admin.csrf.clone();
    bad[0] = ("csrf", &csrf);
    let res = post_form(&admin, "/console/locations", &bad).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.url().path(), "/console/locations/wuxi-airport");
    let l: Value = admin
        .get("/api/v1/locations/wuxi-airport")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l["tz"], "Asia/Shanghai");
    assert_eq!(l["lat"], 31.49);
    let v1 = l["version"].as_i64().unwrap().to_string();
    // A taken slug is a field error.
    let res = post_form(&admin, "/console/locations", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"slug-error\""));

    // Edit with the version the form was read at; a second edit from the same (now stale) form keeps its values.
    let mut edit = bad.clone();
    edit[2] = ("name", "Wuxi Airport");
    edit.push(("version", &v1));
    let res = post_form(&admin, "/console/locations/wuxi-airport", &edit).await;
    assert_eq!(res.status(), StatusCode::OK);
    edit[2] = ("name", "Stale Name");
    let res = post_form(&admin, "/console/locations/wuxi-airport", &edit).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("value=\"Stale Name\""),
        "the typed value is kept"
    );
    let l: Value = admin
        .get("/api/v1/locations/wuxi-airport")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l["name"], "Wuxi Airport", "the stale form changed nothing");

    // Delete refused while a screen is there, naming it.
    let res = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 7", "location": "wuxi-airport", "width": 1920, "height": 1080}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let l: Value = admin
        .get("/api/v1/locations/wuxi-airport")
        .await
        .json()
        .await
        .unwrap();
    let v = l["version"].as_i64().unwrap().to_string();
    let del = [("csrf", csrf.as_str()), ("version", v.as_str())];
    let res = post_form(&admin, "/console/locations/wuxi-airport/delete", &del).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("Gate 7"));

    // A viewer reads but gets no form buttons, and its posts are refused.
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    let (status, page) = html(&viewer, "/console/locations").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Wuxi Airport") && !page.contains("/console/locations/new"));
    let (status, page) = html(&viewer, "/console/locations/wuxi-airport").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/delete\""));
    assert_eq!(
        viewer.get("/console/locations/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let mut vform = edit.clone();
    vform[0] = ("csrf", &viewer.csrf);
    let res = post_form(&viewer, "/console/locations/wuxi-airport", &vform).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.get("/console/locations/nope").await.status(),
        StatusCode::NOT_FOUND
    );

    // An empty place is deleted.
    let mut other = bad.clone();
    other[1] = ("slug", "empty-place");
    assert_eq!(
        post_form(&admin, "/console/locations", &other)
            .await
            .status(),
        StatusCode::OK
    );
    let del = [("csrf", csrf.as_str()), ("version", "0")];
    let res = post_form(&admin, "/console/locations/empty-place/delete", &del).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        admin.get("/api/v1/locations/empty-place").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn groups_get_members_from_the_console() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "metro", "name": "Metro", "kind": "metro", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut ids = Vec::new();
    for name in ["Platform A", "Platform B"] {
        let v: Value = admin
            .post_json(
                "/api/v1/screens",
                json!({"name": name, "location": "metro", "width": 1920, "height": 1080}),
            )
            .await
            .json()
            .await
            .unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let csrf = admin.csrf.clone();
    // An unknown member: the form comes back, nothing is created.
    let bad = [
        ("csrf", csrf.as_str()),
        ("slug", "line-1"),
        ("name", "Line 1"),
        ("screens", ids[0].as_str()),
        ("screens", "no-such-screen"),
    ];
    let res = post_form(&admin, "/console/groups", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"screens-error\"") && page.contains("value=\"Line 1\""));
    assert_eq!(
        admin.get("/api/v1/screen-groups/line-1").await.status(),
        StatusCode::NOT_FOUND
    );
    let good = &bad[..4];
    let res = post_form(&admin, "/console/groups", good).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, page) = html(&admin, "/console/groups/line-1").await;
    assert!(page.contains("Platform A"));
    let g: Value = admin
        .get("/api/v1/screen-groups/line-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["screens"], json!([ids[0]]));
    let v = g["version"].as_i64().unwrap().to_string();
    // Both screens now (the kept member plus one added).
    let edit = [
        ("csrf", csrf.as_str()),
        ("name", "Line One"),
        ("version", v.as_str()),
        ("screens", ids[0].as_str()),
        ("screens", ids[1].as_str()),
    ];
    let res = post_form(&admin, "/console/groups/line-1", &edit).await;
    assert_eq!(res.status(), StatusCode::OK);
    let g: Value = admin
        .get("/api/v1/screen-groups/line-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["name"], "Line One");
    assert_eq!(g["screens"].as_array().unwrap().len(), 2);
    // The same form again is stale.
    let res = post_form(&admin, "/console/groups/line-1", &edit).await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);

    let viewer = s.user("vic", Role::Viewer, &[]).await;
    let (status, page) = html(&viewer, "/console/groups").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Line One") && !page.contains("/console/groups/new"));
    let del = [("csrf", viewer.csrf.as_str()), ("version", "0")];
    let res = post_form(&viewer, "/console/groups/line-1/delete", &del).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let del = [("csrf", csrf.as_str()), ("version", "0")];
    let res = post_form(&admin, "/console/groups/line-1/delete", &del).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        admin.get("/api/v1/screen-groups/line-1").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// The alert form as multipart (what the browser sends).
fn alert_form(csrf: &str, fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new().text("csrf", csrf.to_string());
    for (k, v) in fields {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

async fn alert_count(admin: &Session) -> usize {
    let v: Value = admin.get("/api/v1/alerts").await.json().await.unwrap();
    v["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn an_alert_is_previewed_issued_and_cancelled_from_the_console() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    for (slug, kind) in [("airport", "airport"), ("metro", "metro")] {
        let res = admin
            .post_json(
                "/api/v1/locations",
                json!({"slug": slug, "name": slug.to_uppercase(), "kind": kind, "tz": "Asia/Shanghai"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    for (name, loc) in [
        ("Gate 1", "airport"),
        ("Gate 2", "airport"),
        ("Platform", "metro"),
    ] {
        let res = admin
            .post_json(
                "/api/v1/screens",
                json!({"name": name, "location": loc, "width": 1920, "height": 1080}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let post = |s: &Session, path: &str, form: reqwest::multipart::Form| {
        s.client
            .post(format!("{}{}", s.base, path))
            .multipart(form)
            .send()
    };
    // Bad input keeps the values and writes nothing.
    let res = post(
        &admin,
        "/console/alerts/preview",
        alert_form(
            &admin.csrf,
            &[
                ("headline", ""),
                ("severity", "Severe"),
                ("description", "Keep calm"),
                ("minutes", "abc"),
                ("scope", "kinds"),
            ],
        ),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    for id in ["headline-error", "minutes-error", "scope-error"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(page.contains(">Keep calm</textarea>") && page.contains("value=\"abc\""));
    assert_eq!(alert_count(&admin).await, 0);
    // A forged form.
    let res = post(
        &admin,
        "/console/alerts/preview",
        alert_form("forged", &[("headline", "Storm"), ("scope", "everywhere")]),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A broken CAP file is a field error.
    let bad_cap = reqwest::multipart::Form::new()
        .text("csrf", admin.csrf.clone())
        .part(
            "cap",
            reqwest::multipart::Part::bytes(b"<alert>".to_vec()).file_name("storm.xml"),
        );
    let res = post(&admin, "/console/alerts/preview", bad_cap)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"cap-error\""));

    // The preview counts the screens per place, by the kind chosen.
    let res = post(
        &admin,
        "/console/alerts/preview",
        alert_form(
            &admin.csrf,
            &[
                ("headline", "Storm warning"),
                ("severity", "Severe"),
                ("minutes", "30"),
                ("scope", "kinds"),
                ("kinds", "airport"),
            ],
        ),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("data-screens=\"2\""), "{page}");
    assert!(page.contains("AIRPORT") && !page.contains(">METRO</a>"));
    assert_eq!(alert_count(&admin).await, 0, "a preview writes nothing");
    // The confirm form carries the body; sending issues it.
    let body = page
        .split("name=\"body\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .replace("&#39;", "'");
    let res = post_form(
        &admin,
        "/console/alerts",
        &[
            ("csrf", &admin.csrf),
            ("format", "application/json"),
            ("body", &body),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = admin.get("/api/v1/alerts").await.json().await.unwrap();
    let a = &list["items"][0];
    assert_eq!(a["headline"], "Storm warning");
    assert_eq!(a["parsed"]["location_kinds"], json!(["airport"]));
    let id = a["id"].as_str().unwrap().to_string();
    let page = res.text().await.unwrap();
    assert!(
        page.contains("data-on-air=\"true\""),
        "on air in the history"
    );

    // A viewer sees the history, no form, and cannot cancel.
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    let (status, page) = html(&viewer, "/console/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Storm warning") && !page.contains("/console/alerts/preview"));
    let res = post_form(
        &viewer,
        &format!("/console/alerts/{id}/cancel"),
        &[("csrf", &viewer.csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(
        &viewer,
        "/console/alerts/preview",
        alert_form(&viewer.csrf, &[("headline", "x"), ("scope", "everywhere")]),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = post_form(
        &admin,
        &format!("/console/alerts/{id}/cancel"),
        &[("csrf", &admin.csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let a: Value = admin
        .get(&format!("/api/v1/alerts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(a["cancelled_at"].is_i64());
}

#[tokio::test]
async fn users_and_tokens_are_managed_by_administrators_only() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    s.partner("wuxi").await;
    let csrf = admin.csrf.clone();
    let (status, page) = html(&admin, "/console/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("ada"));
    // Bad input: a short password; the name is kept, nothing is created.
    let bad = [
        ("csrf", csrf.as_str()),
        ("username", "eve"),
        ("password", "short"),
        ("role", "partner-editor"),
        ("partners", "wuxi"),
    ];
    let res = post_form(&admin, "/console/users", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"password-error\"") && page.contains("value=\"eve\""));
    assert!(
        !page.contains("value=\"short\""),
        "a password is never echoed"
    );
    let users: Value = admin.get("/api/v1/users?q=eve").await.json().await.unwrap();
    assert_eq!(users["items"].as_array().unwrap().len(), 0);
    // A partner-editor without partners is refused next to the partners.
    let res = post_form(
        &admin,
        "/console/users",
        &[
            ("csrf", &csrf),
            ("username", "eve"),
            ("password", "password123"),
            ("role", "partner-editor"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"partners-error\""));
    let mut good = bad.to_vec();
    good[2] = ("password", "password123");
    let res = post_form(&admin, "/console/users", &good).await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = res
        .url()
        .path()
        .strip_prefix("/console/users/")
        .unwrap()
        .to_string();
    let u: Value = admin
        .get(&format!("/api/v1/users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["role"], "partner-editor");
    assert_eq!(u["partners"], json!(["wuxi"]));
    // Re-role to viewer (partners dropped).
    let v = u["version"].as_i64().unwrap().to_string();
    let res = post_form(
        &admin,
        &format!("/console/users/{id}"),
        &[
            ("csrf", &csrf),
            ("role", "viewer"),
            ("partners", "wuxi"),
            ("version", &v),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let u: Value = admin
        .get(&format!("/api/v1/users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["role"], "viewer");
    assert_eq!(u["partners"], json!([]));
    // Disable, enable.
    let res = post_form(
        &admin,
        &format!("/console/users/{id}/disable"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let u: Value = admin
        .get(&format!("/api/v1/users/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(u["disabled"], true);
    let res = post_form(
        &admin,
        &format!("/console/users/{id}/enable"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // A reset shows a one-time password that logs in (and must be changed).
    let res = post_form(
        &admin,
        &format!("/console/users/{id}/password"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let pw = page
        .split("id=\"one-time-password\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(pw.len() >= 8);
    let eve = s.login("eve", &pw).await;
    assert_eq!(
        eve.get("/api/v1/screens").await.status(),
        StatusCode::FORBIDDEN,
        "password-change-required"
    );
    // Not shown again.
    let (_, page) = html(&admin, &format!("/console/users/{id}")).await;
    assert!(!page.contains(&pw));

    // Tokens: the secret shows once and works.
    let res = post_form(
        &admin,
        "/console/tokens",
        &[("csrf", &csrf), ("name", ""), ("read", "1"), ("days", "x")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"name-error\"") && page.contains("id=\"days-error\""));
    let res = post_form(
        &admin,
        "/console/tokens",
        &[
            ("csrf", &csrf),
            ("name", "ci"),
            ("read", "1"),
            ("days", "30"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let secret = page
        .split("id=\"token-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let with_token = |secret: String| {
        let url = s.url("/api/v1/screens");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(secret)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(with_token(secret.clone()).await, StatusCode::OK);
    let (_, page) = html(&admin, "/console/tokens").await;
    assert!(page.contains(">ci</th>") && !page.contains(&secret));
    let tokens: Value = admin.get("/api/v1/tokens").await.json().await.unwrap();
    let tid = tokens["items"][0]["id"].as_str().unwrap().to_string();
    let res = post_form(
        &admin,
        &format!("/console/tokens/{tid}/revoke"),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(with_token(secret).await, StatusCode::UNAUTHORIZED);

    // Anyone else: the 403 page, and their posts are refused.
    let op = s.user("otto", Role::Operator, &[]).await;
    for path in [
        "/console/users",
        "/console/tokens",
        &format!("/console/users/{id}"),
    ] {
        assert_eq!(op.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = post_form(
        &op,
        &format!("/console/users/{id}/disable"),
        &[("csrf", &op.csrf)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = op.get("/console").await.text().await.unwrap();
    assert!(!page.contains("href=\"/console/users\""), "no nav entry");
}

#[tokio::test]
async fn the_audit_log_filters_pages_and_shows_changes_readably() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    s.partner("wuxi").await;
    s.partner("kazan").await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "airport", "name": "Airport", "kind": "airport", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = admin
        .req(reqwest::Method::PATCH, "/api/v1/locations/airport")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "Sunan Airport"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (status, page) = html(&admin, "/console/audit?resource=location").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("location.update") && page.contains("location.create"));
    assert!(
        page.contains("<del>Airport</del>") && page.contains("<ins>Sunan Airport</ins>"),
        "before → after of the changed field"
    );
    let at = page.find("/api/v1/audit/export").unwrap();
    assert!(
        page[at..at + 80].contains("resource=location"),
        "{}",
        &page[at..at + 80]
    );
    let (_, page) = html(&admin, "/console/audit?action=user.create").await;
    assert!(
        !page.contains("location.update"),
        "the action filter applies"
    );
    // Time range: a day before anything happened shows nothing; a bad day is a message, not an error page.
    let (_, page) = html(&admin, "/console/audit?until=2001-01-01").await;
    assert!(!page.contains("location.create"));
    let (status, page) = html(&admin, "/console/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("class=\"error\""));
    // Keyset pages: more than one page of entries has a next link that works.
    for i in 0..55 {
        let res = admin
            .post_json(
                "/api/v1/locations",
                json!({"slug": format!("l{i}"), "name": format!("L{i}"), "kind": "street", "tz": "UTC"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let (_, page) = html(&admin, "/console/audit?resource=location").await;
    let next = page
        .split("rel=\"next\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    let (status, page2) = html(&admin, &next).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page2.contains("location.create") && page2.contains(">First page<"),
        "{next}: {}",
        &page2[page2.find("<main").unwrap_or(0)..]
    );
    // The partner filter: a partner-editor sees only its partner's entries, and the partner filter is its own.
    let res = admin
        .req(reqwest::Method::PUT, "/api/v1/partners/wuxi/limits")
        .json(&json!({"priority_ceiling": 5}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let res = admin
        .req(reqwest::Method::PUT, "/api/v1/partners/kazan/limits")
        .json(&json!({"priority_ceiling": 3}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let (_, page) = html(&admin, "/console/audit?partner=wuxi").await;
    assert!(page.contains(">wuxi</td>") && !page.contains(">kazan</td>"));
    let editor = s.user("ed", Role::PartnerEditor, &["kazan"]).await;
    let (status, page) = html(&editor, "/console/audit?partner=wuxi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !page.contains(">wuxi</td>"),
        "another partner's entries stay hidden"
    );
    let (_, page) = html(&editor, "/console/audit").await;
    assert!(page.contains(">kazan</td>") && !page.contains("location.create"));
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    assert_eq!(
        viewer.get("/console/audit").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn layouts_are_drawn_edited_and_assigned_from_the_console() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let csrf = admin.csrf.clone();
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "metro", "name": "Metro", "kind": "metro", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let sc: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Hall", "location": "metro", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let sid = sc["id"].as_str().unwrap().to_string();
    let (status, page) = html(&admin, "/console/layouts/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("name=\"z0-name\" value=\"main\"")
            && page.contains("data-preview=\"portrait\"")
    );
    // A zone whose numbers do not read: the rows are kept, nothing is written.
    let bad = [
        ("csrf", csrf.as_str()),
        ("slug", "side-panel"),
        ("name", "Side panel"),
        ("orientation", "landscape"),
        ("z0-name", "main"),
        ("z0-x", "0"),
        ("z0-y", "0"),
        ("z0-w", "75"),
        ("z0-h", "100"),
        ("z1-name", "side"),
        ("z1-x", "75"),
        ("z1-y", "0"),
        ("z1-w", "quarter"),
        ("z1-h", "100"),
    ];
    let res = post_form(&admin, "/console/layouts", &bad).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"zones-error\"") && page.contains("value=\"quarter\""));
    assert_eq!(
        admin.get("/api/v1/layouts/side-panel").await.status(),
        StatusCode::NOT_FOUND
    );
    // A zone outside the screen: the app's rule, shown on the form.
    let mut outside = bad.to_vec();
    outside[12] = ("z1-w", "50");
    let res = post_form(&admin, "/console/layouts", &outside).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"zones-error\""));
    let mut good = bad.to_vec();
    good[12] = ("z1-w", "25");
    let res = post_form(&admin, "/console/layouts", &good).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("left: 75%; top: 0%; width: 25%; height: 100%"),
        "the preview is drawn"
    );
    let l: Value = admin
        .get("/api/v1/layouts/side-panel")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l["zones"].as_array().unwrap().len(), 2);
    // Assign to the screen.
    let target = format!("screen:{sid}");
    let res = post_form(
        &admin,
        "/console/layouts/side-panel/assign",
        &[("csrf", &csrf), ("target", &target)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let choice: Value = admin
        .get(&format!("/api/v1/screens/{sid}/layout"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(choice["source"], "screen", "{choice}");
    // A viewer reads, does not write.
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    let (status, page) = html(&viewer, "/console/layouts/side-panel").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/assign\""));
    let mut v = good.clone();
    v[0] = ("csrf", &viewer.csrf);
    let res = post_form(&viewer, "/console/layouts/side-panel", &v).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn settings_show_the_configuration_masked_and_edit_partner_limits() {
    let s = TestServer::with(|c| {
        c.screen_offline_after_secs = 120;
        c.smtp_url = "smtps://noc:hunter2@127.0.0.1:2525".into();
        c.smtp_from = "noc@example.org".into();
        c.smtp_to = vec!["ops@example.org".into()];
        c.webhook_urls = vec!["https://hooks.example.org/twincast".into()];
        c.webhook_secret = "top-secret-key".into();
    })
    .await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    s.partner("wuxi").await;
    let (status, page) = html(&admin, "/console/settings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"offline-after\">120 s"));
    assert!(page.contains("hooks.example.org") && page.contains("ops@example.org"));
    assert!(
        !page.contains("hunter2") && !page.contains("top-secret-key"),
        "secrets are masked"
    );
    let (_, v) = (
        (),
        admin
            .get("/api/v1/partners/wuxi")
            .await
            .json::<Value>()
            .await
            .unwrap(),
    );
    let version = v["version"].as_i64().unwrap().to_string();
    let csrf = admin.csrf.clone();
    // Bad input keeps what was typed and writes nothing.
    let res = post_form(
        &admin,
        "/console/settings/partners/wuxi",
        &[("csrf", &csrf), ("version", &version), ("ceiling", "high")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"ceiling-error\"") && page.contains("value=\"high\""));
    let lim: Value = admin
        .get("/api/v1/partners/wuxi/limits")
        .await
        .json()
        .await
        .unwrap();
    assert!(lim["priority_ceiling"].is_null());
    let res = post_form(
        &admin,
        "/console/settings/partners/wuxi",
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("ceiling", "4"),
            ("restricted", "1"),
            ("kinds", "airport"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let lim: Value = admin
        .get("/api/v1/partners/wuxi/limits")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lim["priority_ceiling"], 4);
    assert_eq!(lim["allowed_targets"]["location_kinds"], json!(["airport"]));
    // The same (now stale) form again.
    let res = post_form(
        &admin,
        "/console/settings/partners/wuxi",
        &[("csrf", &csrf), ("version", &version), ("ceiling", "9")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let editor = s.user("ed", Role::PartnerEditor, &["wuxi"]).await;
    assert_eq!(
        editor.get("/console/settings").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = post_form(
        &editor,
        "/console/settings/partners/wuxi",
        &[("csrf", &editor.csrf), ("ceiling", "99")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
