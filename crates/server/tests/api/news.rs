//! The news desk over HTTP: a story's life by role, stale versions, bad input with its field, embargo, expiry and
//! scheduled publication on a manual clock, the public reads, and every format out read back by an independent
//! reader (RSS, Atom and JSON Feed by Python's feedparser; ninjs against the rules of the 3.3 schema).

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_app::{Clock, ManualClock};
use twincast_store::Role;

const HOUR: i64 = 3600 * 1000;

pub fn story(headline_en: &str) -> Value {
    json!({
        "rubric": "world",
        "tags": ["forum", "cooperation"],
        "dateline_date": "2026-11-28",
        "source": {"kind": "wire", "name": "Wuxi Daily", "original_id": format!("wd-{headline_en}"), "url": "https://news.example.org/item/1"},
        "versions": {
            "en": {"headline": headline_en, "short_headline": "Forum opens", "lead": "The forum opened in Wuxi.",
                   "body": "Delegations from **14 countries** met.\n\n<script>alert(1)</script>\n\n- exchanges\n- training",
                   "dateline_place": "Wuxi", "contact": "Press office\n+86 510 0000 0000"},
            "ru": {"headline": "Форум открылся в Уси", "short_headline": "Открылся форум", "lead": "Форум открылся в Уси.",
                   "body": "Делегации из **14 стран**.", "dateline_place": "Уси", "contact": "Пресс-служба"},
            "zh": {"headline": "论坛在无锡开幕", "short_headline": "论坛开幕", "lead": "论坛在无锡开幕。",
                   "body": "来自**14个国家**的代表团。", "dateline_place": "无锡", "contact": "新闻办公室"}
        }
    })
}

/// RFC 7396 merge of `patch` into `doc`.
fn merge(doc: &mut Value, patch: &Value) {
    match (doc, patch) {
        (Value::Object(d), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    d.remove(k);
                } else {
                    merge(d.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (d, p) => *d = p.clone(),
    }
}

async fn send(
    s: &Session,
    m: Method,
    path: &str,
    body: Option<Value>,
    if_match: Option<i64>,
) -> reqwest::Response {
    let mut r = s.req(m, path);
    if let Some(v) = if_match {
        r = r.header("if-match", format!("\"{v}\""));
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

async fn ok_json(res: reqwest::Response, status: StatusCode) -> Value {
    let code = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(code, status, "{body}");
    body
}

async fn create(s: &Session, headline: &str) -> Value {
    ok_json(
        s.post_json("/api/v1/news/articles", story(headline)).await,
        StatusCode::CREATED,
    )
    .await
}

async fn action(s: &Session, id: &str, what: &str, body: Option<Value>) -> reqwest::Response {
    send(
        s,
        Method::POST,
        &format!("/api/v1/news/articles/{id}/{what}"),
        body,
        None,
    )
    .await
}

async fn public_ids(s: &TestServer, lang: &str) -> Vec<String> {
    let res = reqwest::get(s.url(&format!("/api/v1/public/news?lang={lang}")))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn news_story_goes_from_draft_to_the_public_and_back_by_role() {
    let s = TestServer::start().await;
    let writer = s.user("writer", Role::Contributor, &[]).await;
    let other = s.user("other-writer", Role::Contributor, &[]).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;

    let a = create(&writer, "Forum opens in Wuxi").await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["state"], "draft");
    assert_eq!(a["visible"], false);
    assert!(public_ids(&s, "en").await.is_empty());

    // Another contributor neither sees nor touches it; a contributor cannot publish.
    assert_problem(
        other.get(&format!("/api/v1/news/articles/{id}")).await,
        StatusCode::NOT_FOUND,
        "news-not-found",
    )
    .await;
    let list = ok_json(other.get("/api/v1/news/articles").await, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_problem(
        action(&writer, &id, "publish", None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let a = ok_json(action(&writer, &id, "submit", None).await, StatusCode::OK).await;
    assert_eq!(a["state"], "in_review");
    // Submitted, it is no longer the writer's to edit.
    let res = send(
        &writer,
        Method::PATCH,
        &format!("/api/v1/news/articles/{id}"),
        Some(json!({"rubric": "city"})),
        None,
    )
    .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // Publishing twice is not a step of its life.
    let a = ok_json(action(&editor, &id, "publish", None).await, StatusCode::OK).await;
    assert_eq!(a["state"], "published");
    assert_eq!(a["visible"], true);
    assert_problem(
        action(&editor, &id, "publish", None).await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    for lang in ["en", "ru", "zh"] {
        assert_eq!(public_ids(&s, lang).await, vec![id.clone()], "{lang}");
    }
    // The public copy carries no desk fields and the headlines query finds its short headline by tag.
    let h: Value = reqwest::get(s.url("/api/v1/public/news/headlines?lang=ru&tags=forum"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h[0]["short_headline"], "Открылся форум");
    let h: Value = reqwest::get(s.url("/api/v1/public/news/headlines?lang=ru&tags=forum,sport"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h, json!([]));

    // A published story is withdrawn before it can be deleted; withdrawn, the public no longer sees it.
    assert_problem(
        send(
            &editor,
            Method::DELETE,
            &format!("/api/v1/news/articles/{id}"),
            None,
            None,
        )
        .await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;
    let a = ok_json(action(&editor, &id, "withdraw", None).await, StatusCode::OK).await;
    assert_eq!(a["state"], "withdrawn");
    assert!(public_ids(&s, "en").await.is_empty());
    let res = reqwest::get(s.url(&format!("/api/v1/public/news/{id}/ninjs")))
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "news-not-found").await;
    let a = ok_json(action(&editor, &id, "reopen", None).await, StatusCode::OK).await;
    assert_eq!(a["state"], "draft");
    let res = send(
        &editor,
        Method::DELETE,
        &format!("/api/v1/news/articles/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Every step is in the audit log.
    let admin = s.user("admin", Role::Admin, &[]).await;
    let log = ok_json(
        admin
            .get(&format!("/api/v1/audit?resource_id={id}&limit=50"))
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "news.create",
        "news.submit",
        "news.publish",
        "news.withdraw",
        "news.reopen",
        "news.delete",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
}

#[tokio::test]
async fn news_bad_input_names_its_field_and_changes_nothing() {
    let s = TestServer::start().await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let cases = [
        (json!({"rubric": "gossip"}), "invalid-rubric", "rubric"),
        (json!({"tags": ["Not A Tag"]}), "invalid-tag", "tags[0]"),
        (
            json!({"dateline_date": "2026-02-30"}),
            "invalid-date",
            "dateline_date",
        ),
        (
            json!({"source": {"kind": "wire", "name": "X", "original_id": null}}),
            "invalid-source",
            "source.original_id",
        ),
        (
            json!({"source": {"kind": "own", "name": "", "original_id": null, "url": "javascript:alert(1)"}}),
            "invalid-url",
            "source.url",
        ),
        (
            json!({"versions": {"en": {"headline": "H", "short_headline": "x".repeat(81)}}}),
            "short-headline-too-long",
            "versions.en.short_headline",
        ),
        (
            json!({"versions": {"en": {"headline": " ", "short_headline": "s"}}}),
            "invalid-text",
            "versions.en.headline",
        ),
        (
            json!({"versions": {"de": {"headline": "H", "short_headline": "s"}}}),
            "invalid-language",
            "versions.de",
        ),
        (
            json!({"versions": {"en": null, "ru": null, "zh": null}}),
            "missing-version",
            "versions",
        ),
        (
            json!({"partners": ["atlantis"]}),
            "unknown-partner",
            "partners[0]",
        ),
        (
            json!({"media_ids": ["nope"]}),
            "unknown-media",
            "media_ids[0]",
        ),
        (
            json!({"embargo_until": 2000, "expires_at": 1000}),
            "invalid-expiry",
            "expires_at",
        ),
    ];
    for (patch, code, field) in cases {
        let mut body = story("Bad");
        merge(&mut body, &patch);
        let p = assert_problem(
            editor.post_json("/api/v1/news/articles", body).await,
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
        assert_eq!(p["field"], field, "{p}");
    }
    // Unknown fields are refused too.
    let mut body = story("Bad");
    body["colour"] = json!("red");
    let res = editor.post_json("/api/v1/news/articles", body).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // None of it was stored.
    let list = ok_json(editor.get("/api/v1/news/articles").await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));

    // A wire item is stored once.
    let a = create(&editor, "Once").await;
    let p = assert_problem(
        editor
            .post_json("/api/v1/news/articles", story("Once"))
            .await,
        StatusCode::CONFLICT,
        "duplicate-wire-item",
    )
    .await;
    assert_eq!(p["field"], "source.original_id");

    // Stale If-Match: 412 and nothing changes; the current version works.
    let id = a["id"].as_str().unwrap();
    let v = a["version"].as_i64().unwrap();
    let path = format!("/api/v1/news/articles/{id}");
    let ok = ok_json(
        send(
            &editor,
            Method::PATCH,
            &path,
            Some(json!({"rubric": "city"})),
            Some(v),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ok["version"], v + 1);
    let res = send(
        &editor,
        Method::PATCH,
        &path,
        Some(json!({"rubric": "economy", "versions": {"en": null}})),
        Some(v),
    )
    .await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let res = action_if(&editor, id, "publish", v).await;
    assert_problem(res, StatusCode::PRECONDITION_FAILED, "stale-version").await;
    let now = ok_json(editor.get(&path).await, StatusCode::OK).await;
    assert_eq!(now["rubric"], "city");
    assert_eq!(now["state"], "draft");
    assert_eq!(
        now["versions"].as_object().unwrap().len(),
        3,
        "the failed patch removed nothing"
    );
    // A bad full update leaves every field and version as it was.
    let mut bad = story("Once");
    bad["versions"]["zh"]["short_headline"] = json!("");
    bad["rubric"] = json!("culture");
    assert_problem(
        send(&editor, Method::PUT, &path, Some(bad), None).await,
        StatusCode::BAD_REQUEST,
        "invalid-text",
    )
    .await;
    let after = ok_json(editor.get(&path).await, StatusCode::OK).await;
    assert_eq!(after, now);
}

async fn action_if(s: &Session, id: &str, what: &str, v: i64) -> reqwest::Response {
    send(
        s,
        Method::POST,
        &format!("/api/v1/news/articles/{id}/{what}"),
        None,
        Some(v),
    )
    .await
}

#[tokio::test]
async fn news_schedule_embargo_and_expiry_follow_the_clock() {
    let clock = ManualClock::starting_now();
    let s = TestServer::with_clock(
        |c| c.site_time_zone = "Asia/Shanghai".into(),
        Some(clock.clone()),
    )
    .await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let t0 = clock.now_ms();

    // Scheduled in the site's zone: a local time without offset is read in Asia/Shanghai (UTC+8).
    let a = create(&editor, "Scheduled").await;
    let id = a["id"].as_str().unwrap().to_string();
    let at = jiff::Timestamp::from_millisecond(t0 + 2 * HOUR).unwrap();
    let local = at
        .to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .datetime();
    let local = local.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    let p = assert_problem(
        action(&editor, &id, "schedule", Some(json!({}))).await,
        StatusCode::BAD_REQUEST,
        "missing-time",
    )
    .await;
    assert_eq!(p["field"], "at");
    let past = jiff::Timestamp::from_millisecond(t0 - HOUR)
        .unwrap()
        .to_string();
    assert_problem(
        action(&editor, &id, "schedule", Some(json!({"at": past}))).await,
        StatusCode::BAD_REQUEST,
        "time-in-past",
    )
    .await;
    assert_problem(
        action(&editor, &id, "schedule", Some(json!({"at": "soon"}))).await,
        StatusCode::BAD_REQUEST,
        "invalid-time",
    )
    .await;
    let a = ok_json(
        action(&editor, &id, "schedule", Some(json!({"at": local}))).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["state"], "scheduled");
    let publish_at = a["publish_at"].as_i64().unwrap();
    assert_eq!(publish_at, at.as_millisecond() / 1000 * 1000);
    assert!(public_ids(&s, "en").await.is_empty());
    clock.set(publish_at - 1);
    assert!(
        public_ids(&s, "en").await.is_empty(),
        "one millisecond early"
    );
    clock.set(publish_at);
    assert_eq!(
        public_ids(&s, "en").await,
        vec![id.clone()],
        "out at its time, with no job"
    );
    let a = ok_json(
        editor.get(&format!("/api/v1/news/articles/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["state"], "scheduled");
    assert_eq!(a["effective_state"], "published");
    // It is published now: scheduling again is not a step of its life, withdrawing is.
    assert_problem(
        action(
            &editor,
            &id,
            "schedule",
            Some(json!({"at": "2099-01-01T00:00:00Z"})),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid-transition",
    )
    .await;

    // Embargo and expiry: published now, visible from the embargo's end until it expires.
    let now = clock.now_ms();
    let mut body = story("Embargoed");
    body["embargo_until"] = json!(now + HOUR);
    body["expires_at"] = json!(now + 3 * HOUR);
    let b = ok_json(
        editor.post_json("/api/v1/news/articles", body).await,
        StatusCode::CREATED,
    )
    .await;
    let bid = b["id"].as_str().unwrap().to_string();
    let b = ok_json(action(&editor, &bid, "publish", None).await, StatusCode::OK).await;
    assert_eq!(b["visible"], false);
    assert_eq!(b["visible_from"], now + HOUR);
    assert!(!public_ids(&s, "en").await.contains(&bid));
    let ninjs = reqwest::get(s.url(&format!("/api/v1/public/news/{bid}/ninjs")))
        .await
        .unwrap();
    assert_problem(ninjs, StatusCode::NOT_FOUND, "news-not-found").await;
    clock.set(now + HOUR);
    assert!(public_ids(&s, "en").await.contains(&bid), "embargo over");
    let rss = reqwest::get(s.url("/en/news/feed.rss"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rss.contains(&bid));
    clock.set(now + 3 * HOUR);
    assert!(!public_ids(&s, "en").await.contains(&bid), "expired");
    let rss = reqwest::get(s.url("/en/news/feed.rss"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!rss.contains(&bid), "an expired story leaves the feed");
}

/// Every desk operation × every role: (method, path, body, expected statuses for anonymous, viewer,
/// partner-editor, contributor (not the writer), news-editor, operator, admin).
#[tokio::test]
async fn news_matrix_of_operations_and_roles() {
    let s = TestServer::with(|c| c.login_attempts_per_minute = 1000).await;
    s.partner("pa").await;
    let callers = [
        None,
        Some(s.user("viewer", Role::Viewer, &[]).await),
        Some(s.user("editor-a", Role::PartnerEditor, &["pa"]).await),
        Some(s.user("contributor", Role::Contributor, &[]).await),
        Some(s.user("news-editor", Role::NewsEditor, &[]).await),
        Some(s.user("operator", Role::Operator, &[]).await),
        Some(s.user("admin", Role::Admin, &[]).await),
    ];
    let admin = callers[6].as_ref().unwrap();
    let anon = reqwest::Client::new();
    let mut n = 0;
    // Each row gets fresh stories so that one caller's success does not change the next caller's answer.
    type Row = (&'static str, Method, &'static str, Option<Value>, [u16; 7]);
    let rows: Vec<Row> = vec![
        (
            "list",
            Method::GET,
            "/api/v1/news/articles",
            None,
            [401, 403, 403, 200, 200, 200, 200],
        ),
        (
            "create",
            Method::POST,
            "/api/v1/news/articles",
            Some(story("M")),
            [401, 403, 403, 201, 201, 201, 201],
        ),
        (
            "get",
            Method::GET,
            "/api/v1/news/articles/{id}",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "put",
            Method::PUT,
            "/api/v1/news/articles/{id}",
            Some(story("M")),
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "patch",
            Method::PATCH,
            "/api/v1/news/articles/{id}",
            Some(json!({"rubric": "city"})),
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "submit",
            Method::POST,
            "/api/v1/news/articles/{id}/submit",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "send-back",
            Method::POST,
            "/api/v1/news/articles/{review}/send-back",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "schedule",
            Method::POST,
            "/api/v1/news/articles/{id}/schedule",
            Some(json!({"at": "2099-01-01T00:00:00Z"})),
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "publish",
            Method::POST,
            "/api/v1/news/articles/{id}/publish",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "withdraw",
            Method::POST,
            "/api/v1/news/articles/{published}/withdraw",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "reopen",
            Method::POST,
            "/api/v1/news/articles/{withdrawn}/reopen",
            None,
            [401, 403, 403, 404, 200, 200, 200],
        ),
        (
            "delete",
            Method::DELETE,
            "/api/v1/news/articles/{id}",
            None,
            [401, 403, 403, 404, 204, 204, 204],
        ),
        (
            "rubrics",
            Method::GET,
            "/api/v1/news/rubrics",
            None,
            [200; 7],
        ),
        (
            "public list",
            Method::GET,
            "/api/v1/public/news?lang=en",
            None,
            [200; 7],
        ),
        (
            "headlines",
            Method::GET,
            "/api/v1/public/news/headlines?lang=en",
            None,
            [200; 7],
        ),
        (
            "ninjs",
            Method::GET,
            "/api/v1/public/news/{published}/ninjs",
            None,
            [200; 7],
        ),
    ];
    for (name, m, path, body, expect) in rows {
        for (i, caller) in callers.iter().enumerate() {
            n += 1;
            // Fresh stories by the admin, in the states the row needs.
            let mk = |h: String| {
                let mut b = story(&h);
                b["source"] = json!({"kind": "own"});
                b
            };
            let fresh = ok_json(
                admin
                    .post_json("/api/v1/news/articles", mk(format!("{name}-{n}")))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            let id = fresh["id"].as_str().unwrap().to_string();
            let review = ok_json(
                admin
                    .post_json("/api/v1/news/articles", mk(format!("{name}-{n}-r")))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            let review = review["id"].as_str().unwrap().to_string();
            ok_json(action(admin, &review, "submit", None).await, StatusCode::OK).await;
            let published = ok_json(
                admin
                    .post_json("/api/v1/news/articles", mk(format!("{name}-{n}-p")))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            let published = published["id"].as_str().unwrap().to_string();
            ok_json(
                action(admin, &published, "publish", None).await,
                StatusCode::OK,
            )
            .await;
            let withdrawn = ok_json(
                admin
                    .post_json("/api/v1/news/articles", mk(format!("{name}-{n}-w")))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            let withdrawn = withdrawn["id"].as_str().unwrap().to_string();
            ok_json(
                action(admin, &withdrawn, "publish", None).await,
                StatusCode::OK,
            )
            .await;
            ok_json(
                action(admin, &withdrawn, "withdraw", None).await,
                StatusCode::OK,
            )
            .await;
            let p = path
                .replace("{id}", &id)
                .replace("{review}", &review)
                .replace("{published}", &published)
                .replace("{withdrawn}", &withdrawn);
            let mut b = match caller {
                Some(sess) => sess.req(m.clone(), &p),
                None => anon.request(m.clone(), s.url(&p)),
            };
            if let Some(body) = &body {
                let mut body = body.clone();
                if name == "create" || name == "put" {
                    body["source"] = json!({"kind": "own"});
                }
                b = b.json(&body);
            }
            let res = b.send().await.unwrap();
            assert_eq!(
                res.status().as_u16(),
                expect[i],
                "{name} {p} as caller #{i}: {}",
                res.text().await.unwrap_or_default()
            );
        }
    }
    // A contributor does what the matrix cannot show with someone else's stories: their own draft.
    let c = callers[3].as_ref().unwrap();
    let mine = create(c, "Mine").await;
    let id = mine["id"].as_str().unwrap();
    ok_json(
        send(
            c,
            Method::PATCH,
            &format!("/api/v1/news/articles/{id}"),
            Some(json!({"rubric": "city"})),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for what in ["publish", "send-back", "withdraw", "reopen"] {
        let res = action(c, id, what, Some(json!({}))).await;
        assert!(
            matches!(res.status().as_u16(), 403 | 409),
            "{what}: {}",
            res.status()
        );
    }
    assert_problem(
        action(
            c,
            id,
            "schedule",
            Some(json!({"at": "2099-01-01T00:00:00Z"})),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    ok_json(action(c, id, "submit", None).await, StatusCode::OK).await;
    assert_problem(
        send(
            c,
            Method::DELETE,
            &format!("/api/v1/news/articles/{id}"),
            None,
            None,
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
