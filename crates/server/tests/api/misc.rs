use crate::common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

#[tokio::test]
async fn operations_endpoints_and_docs() {
    let s = TestServer::start().await;
    let c = Client::new();
    assert_eq!(
        c.get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    let ready: Value = c
        .get(s.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready, json!({"database": "ok", "storage": "ok"}));
    let doc: Value = c
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["paths"]["/api/v1/media"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/partners"]["get"].is_object());
    let docs = c.get(s.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger"), "docs page is Swagger UI");
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from the internet"
    );
    let start = c
        .get(s.url("/dev"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for link in ["/player", "/api/docs", "/readyz"] {
        assert!(
            start.contains(&format!("href=\"{link}\"")),
            "start page links {link}"
        );
    }
    // Metrics count the requests above.
    let m = c
        .get(s.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("twincast_http_requests_total"), "{m}");
    assert_problem(
        c.get(s.url("/api/v1/nope")).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn partner_validation_and_pagination() {
    let s = TestServer::start().await;
    let op = s.user("op", Role::Operator, &[]).await;
    let good = serde_json::to_value(partner_input("akashi")).unwrap();
    let mut cases = vec![];
    let mut v = good.clone();
    v["slug"] = "Bad Slug".into();
    cases.push((v, "invalid-slug"));
    let mut v = good.clone();
    v["names"] = json!({"en": "X", "ru": "Х"});
    cases.push((v, "missing-name"));
    let mut v = good.clone();
    v["country"] = "Germany".into();
    cases.push((v, "invalid-country"));
    let mut v = good.clone();
    v["lat"] = 123.0.into();
    cases.push((v, "invalid-coordinates"));
    let mut v = good.clone();
    v["description"] = "bell\u{7}".into();
    cases.push((v, "invalid-text"));
    let mut v = good.clone();
    v["continent"] = "atlantis".into();
    cases.push((v, "invalid-continent"));
    let mut v = good.clone();
    v["unexpected"] = 1.into();
    cases.push((v, "invalid-body"));
    for (body, code) in cases {
        assert_problem(
            op.post_json("/api/v1/partners", body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    assert_eq!(
        s.state.store.count_partners().await.unwrap(),
        0,
        "no invalid partner was written"
    );
    for i in 0..5 {
        let mut v = good.clone();
        v["slug"] = format!("p{i}").into();
        assert_eq!(
            op.post_json("/api/v1/partners", v).await.status(),
            StatusCode::CREATED
        );
    }
    assert_problem(
        op.post_json("/api/v1/partners", json!({"slug": "p1", "names": {"en": "a", "ru": "b", "zh": "c"}, "country": "DE", "continent": "europe", "lat": null, "lon": null, "since": null, "description": "", "logo_media_id": null})).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let c = Client::new();
    let mut slugs = vec![];
    let mut url = s.url("/api/v1/partners?limit=2");
    loop {
        let page: Value = c.get(&url).send().await.unwrap().json().await.unwrap();
        for p in page["items"].as_array().unwrap() {
            assert!(
                p["names"]["zh"].is_string()
                    && p["country"].is_string()
                    && p["continent"].is_string()
            );
            slugs.push(p["slug"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(cur) => url = s.url(&format!("/api/v1/partners?limit=2&cursor={cur}")),
            None => break,
        }
    }
    assert_eq!(slugs, ["p0", "p1", "p2", "p3", "p4"]);
    assert_problem(
        c.get(s.url("/api/v1/partners?cursor=!!"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid",
    )
    .await;
}

#[tokio::test]
async fn screens_filter_by_location_kind() {
    let s = TestServer::start().await;
    let op = s.user("op", Role::Operator, &[]).await;
    for (slug, kind) in [("airport", "airport"), ("sanyang", "metro")] {
        let res = op
            .post_json("/api/v1/locations", json!({"slug": slug, "name": slug, "kind": kind, "lat": 31.5, "lon": 120.3, "tz": "Asia/Shanghai"}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        for n in 0..2 {
            let res = op.post_json("/api/v1/screens", json!({"name": format!("{slug}-{n}"), "location": slug, "width": 1080, "height": 1920, "tags": ["ticker"]})).await;
            assert_eq!(res.status(), StatusCode::CREATED);
        }
    }
    let list: Value = op
        .get("/api/v1/screens?location_kind=metro")
        .await
        .json()
        .await
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for i in items {
        for f in [
            "id",
            "name",
            "location",
            "location_kind",
            "lat",
            "lon",
            "tz",
            "status",
        ] {
            assert!(!i[f].is_null(), "field {f} in {i}");
        }
        assert_eq!(i["location_kind"], "metro");
        assert_eq!(i["orientation"], "portrait");
        assert_eq!(i["status"], "never_seen");
    }
    assert_problem(
        op.post_json(
            "/api/v1/screens",
            json!({"name": "x", "location": "nowhere", "width": 10, "height": 10}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "unknown-location",
    )
    .await;
    assert_problem(
        op.post_json(
            "/api/v1/locations",
            json!({"slug": "x", "name": "x", "kind": "metro", "tz": "../etc/passwd"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid-time-zone",
    )
    .await;
}
