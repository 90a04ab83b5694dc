//! The cooperation catalogue's portal pages over HTTP: facets with their counts and shareable GET URLs, pages,
//! the map; a project's page with its facts, the language fallback note, sanitised Markdown, JSON-LD and related
//! news; the expression-of-interest form without script (each field's error beside it in the reader's language,
//! values kept, stored once when sent twice, e-mailed to the project's contact through a real SMTP server); the
//! projects in the portal search, the sitemap and on a city's page.

use crate::common::*;
use crate::cooperation::project_json;
use crate::health::{wait_for, Smtp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;
use twincast_app::ManualClock;
use twincast_store::Role;

async fn page(url: &str) -> (StatusCode, String) {
    let res = reqwest::get(url).await.unwrap();
    let status = res.status();
    (status, res.text().await.unwrap())
}

async fn ok_page(s: &TestServer, path: &str) -> String {
    let (status, body) = page(&s.url(path)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(!body.contains('⟦'), "{path}: an untranslated message");
    body
}

/// The `<option>` of `value` in the `<select>` named `name`, as written.
fn option<'a>(html: &'a str, name: &str, value: &str) -> Option<&'a str> {
    let start = html.find(&format!("<select id=\"f-{name}\""))?;
    let end = start + html[start..].find("</select>")?;
    let sel = &html[start..end];
    let at = sel.find(&format!("<option value=\"{value}\""))?;
    let rest = &sel[at..];
    Some(&rest[..rest.find("</option>")?])
}

async fn create(op: &Session, body: Value) {
    let res = op.post_json("/api/v1/projects", body).await;
    let status = res.status();
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn the_catalogue_browses_by_facets_with_counts_pages_and_a_map() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    // 14 projects: 10 active in Binhu (DE, training), 3 completed in Jiangyin (FR, culture), 1 planned in
    // Binhu (DE and FR, training and culture).
    for i in 0..10 {
        create(
            &op,
            project_json(
                &format!("a{i:02}"),
                "binhu",
                &["DE"],
                &["training"],
                "active",
            ),
        )
        .await;
    }
    for i in 0..3 {
        let mut b = project_json(
            &format!("c{i}"),
            "jiangyin",
            &["FR"],
            &["culture"],
            "completed",
        );
        b["district_name"] = json!({"ru": "Цзянъинь", "en": "Jiangyin", "zh": "江阴市"});
        create(&op, b).await;
    }
    let mut p = project_json(
        "p0",
        "binhu",
        &["DE", "FR"],
        &["training", "culture"],
        "planned",
    );
    p["start_date"] = json!("2030-01-01");
    p["end_date"] = json!("2031-01-01");
    create(&op, p).await;

    let all = ok_page(&s, "/en/projects").await;
    assert!(all.contains("Projects: 14 of 14"), "{all}");
    assert!(all.contains(r#"<a href="/en/projects" aria-current="page">Projects</a>"#));
    // Pages of 12: the first page lists 12 projects and links the second.
    assert_eq!(all.matches("<h3><a href=\"/en/projects/").count(), 12);
    assert!(all.contains(r#"<a rel="next" href="/en/projects?page=2">"#));
    assert_eq!(
        option(&all, "status", "active").unwrap(),
        "<option value=\"active\">Active (10)"
    );
    assert_eq!(
        option(&all, "field", "culture").unwrap(),
        "<option value=\"culture\">Culture (4)"
    );
    assert_eq!(
        option(&all, "country", "FR").unwrap(),
        "<option value=\"FR\">France (4)"
    );
    assert!(option(&all, "district", "jiangyin")
        .unwrap()
        .ends_with(">Jiangyin (3)"));
    // The map: a link per project at its partner city.
    let map = &all[all.find("<svg class=\"map\"").expect("a map")..];
    assert_eq!(map.matches("<a href=\"/en/projects/").count(), 14);
    let second = ok_page(&s, "/en/projects?page=2").await;
    assert_eq!(second.matches("<h3><a href=\"/en/projects/").count(), 2);

    // A selection is a URL: the matches, the other dimensions' counts under it, "any" giving what dropping it gives.
    let culture = ok_page(&s, "/en/projects?field=culture&district=&country=&status=").await;
    assert!(culture.contains("Projects: 4 of 14"), "{culture}");
    assert_eq!(
        option(&culture, "field", "culture").unwrap(),
        "<option value=\"culture\" selected>Culture (4)"
    );
    assert_eq!(
        option(&culture, "status", "completed").unwrap(),
        "<option value=\"completed\">Completed (3)"
    );
    assert_eq!(
        option(&culture, "status", "planned").unwrap(),
        "<option value=\"planned\">Planned (1)"
    );
    assert!(
        option(&culture, "status", "active").is_none(),
        "no culture project is active"
    );
    assert!(culture.contains("<option value=\"\">Any (14)</option>"));
    assert!(
        culture.contains(r#"<link rel="canonical" href=""#)
            && culture.contains("/en/projects?field=culture\">")
    );
    // The chosen filter can be dropped by a link; the language switch keeps the selection.
    assert!(
        culture.contains(r#"<a href="/en/projects">Field: Culture"#),
        "{culture}"
    );
    assert!(culture.contains(r#"href="/ru/projects?field=culture">Русский</a>"#));
    let two = ok_page(&s, "/ru/projects?field=culture&status=completed").await;
    assert!(two.contains("Проектов: 3 из 14"), "{two}");
    assert_eq!(two.matches("<h3><a href=\"/ru/projects/c").count(), 3);
    assert!(two.contains("Завершён"));
    let none = ok_page(&s, "/zh/projects?field=culture&status=active").await;
    assert!(none.contains("项目：0 / 14"), "{none}");
    assert!(none.contains("没有符合这些条件的项目"));
    // Unknown values select nothing but break nothing; a page past the end shows the last.
    ok_page(&s, "/en/projects?status=cancelled&page=x").await;
    let last = ok_page(&s, "/en/projects?page=99").await;
    assert_eq!(last.matches("<h3><a href=\"/en/projects/").count(), 2);
}

#[tokio::test]
async fn a_project_page_shows_its_facts_in_the_readers_language_with_a_fallback_note() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    // Pictures: one approved (an operator's upload), one awaiting review (a partner-editor's), one unknown id.
    let editor = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let mut ids = Vec::new();
    for (who, name, w) in [
        (&op, "lake-shore.png", 40),
        (&editor, "pending-draft.png", 41),
    ] {
        let res = who
            .req(reqwest::Method::POST, "/api/v1/media")
            .multipart(multipart("pa", name, png(w, 30)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let m: Value = res.json().await.unwrap();
        ids.push(m["id"].as_str().unwrap().to_string());
    }
    ids.push("no-such-media".into());
    let mut b = project_json("lake", "binhu", &["DE", "HK"], &["training"], "active");
    b["media"] = json!(ids);
    b["title"] = json!({"ru": "Чистое озеро Тайху", "en": "Clean Lake Tai", "zh": "清洁太湖"});
    b["description"] =
        json!({"ru": "Очистка *озера*.\n\n<script>alert(1)</script>", "en": "", "zh": ""});
    create(&op, b).await;
    // A published story that names the project, and one that names only the partner city.
    let desk = s.user("desk", Role::NewsEditor, &[]).await;
    let mut story = crate::news::story("Lake Tai cleaned");
    story["projects"] = json!(["lake"]);
    story["partners"] = json!(["pa"]);
    let a: Value = desk
        .post_json("/api/v1/news/articles", story)
        .await
        .json()
        .await
        .unwrap();
    let id = a["id"].as_str().unwrap();
    let res = desk
        .post_json(&format!("/api/v1/news/articles/{id}/publish"), json!({}))
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );

    let en = ok_page(&s, "/en/projects/lake").await;
    assert!(en.contains("<h1>Clean Lake Tai</h1>"));
    // The description exists only in Russian: shown with its language and a note saying so.
    assert!(
        en.contains("Not available in this language yet: shown in Русский."),
        "{en}"
    );
    assert!(
        en.contains(r#"<div class="body" lang="ru"><p>Очистка <em>озера</em>.</p>"#),
        "{en}"
    );
    assert!(!en.contains("<script>alert"));
    // Facts: status, dates, district, partner city, countries, field with its DAC and SDG codes, organisations.
    assert!(en.contains("Active"));
    assert!(en.contains("<time datetime=\"2025-01-15\">2025-01-15</time>"));
    assert!(en.contains(r#"<a href="/en/projects?district=binhu">Binhu</a>"#));
    assert!(en.contains(r#"<a href="/en/cities/pa">City</a>"#));
    assert!(en.contains(r#"<a href="/en/projects?country=DE">Germany</a>"#));
    assert!(en.contains("(DAC 11330, 11430 · SDG 4)"), "{en}");
    assert!(en.contains("People-to-people ties"));
    assert!(en.contains("Chemnitz University — implementing"));
    assert!(en.contains("CN-WX-FAO"));
    assert!(en.contains(r#"<a href="mailto:li.wei@example.test">"#));
    assert!(en.contains("/api/v1/iati/activities"));
    // Only the approved picture is shown.
    assert!(en.contains(r#"alt="lake-shore""#), "{en}");
    assert!(!en.contains("pending-draft"));
    // Related news in the page's language.
    assert!(
        en.contains(&format!(r#"<a href="/en/news/{id}">Lake Tai cleaned</a>"#)),
        "{en}"
    );
    // JSON-LD: a schema.org Project.
    let start = en.find(r#"<script type="application/ld+json">"#).unwrap() + 35;
    let end = start + en[start..].find("</script>").unwrap();
    let ld: Value = serde_json::from_str(&en[start..end]).unwrap();
    assert_eq!(ld["@type"], "Project");
    assert_eq!(ld["name"], "Clean Lake Tai");
    assert_eq!(ld["contactPoint"]["email"], "li.wei@example.test");
    assert!(ld["url"].as_str().unwrap().ends_with("/en/projects/lake"));
    // The page in Russian has no note; in Chinese the Russian text again with its note.
    let ru = ok_page(&s, "/ru/projects/lake").await;
    assert!(ru.contains("<h1>Чистое озеро Тайху</h1>"));
    assert!(!ru.contains("class=\"fallback\""));
    assert!(ru.contains(r#"<div class="body"><p>Очистка <em>озера</em>.</p>"#));
    assert!(ru.contains("финансирует") || ru.contains("исполнитель"));
    let zh = ok_page(&s, "/zh/projects/lake").await;
    assert!(zh.contains("此内容暂无本语言版本"));
    assert!(zh.contains("<h1>清洁太湖</h1>"));
    // An unknown project: the portal's 404.
    let (status, _) = page(&s.url("/en/projects/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A city's page links its projects and the news about it.
    let city = ok_page(&s, "/en/cities/pa").await;
    assert!(
        city.contains(r#"<a href="/en/projects/lake">Clean Lake Tai</a>"#),
        "{city}"
    );
    assert!(city.contains(&format!(r#"<a href="/en/news/{id}">Lake Tai cleaned</a>"#)));
    // The sitemap names the catalogue and the project in every language.
    let (_, map) = page(&s.url("/sitemap.xml")).await;
    for l in ["en", "ru", "zh"] {
        assert!(map.contains(&format!("/{l}/projects/lake</loc>")), "{map}");
        assert!(map.contains(&format!("/{l}/projects</loc>")));
    }
    // The portal search finds the project in the three languages and links its page in the page's language.
    for (q, lang) in [("Lake Tai", "en"), ("озеро", "ru"), ("太湖", "zh")] {
        let hits: Vec<Value> = Client::new()
            .get(
                reqwest::Url::parse_with_params(
                    &s.url("/api/v1/search"),
                    &[("q", q), ("lang", lang), ("kind", "project")],
                )
                .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            hits.iter()
                .any(|h| h["url"] == format!("/{lang}/projects/lake")),
            "{q}: {hits:?}"
        );
    }
    let found = ok_page(&s, "/ru/search?q=Lake%20Tai").await;
    assert!(
        found.contains(r#"<a href="/ru/projects/lake" lang="ru">Чистое озеро Тайху</a>"#),
        "{found}"
    );
}

/// The form's token on a project page.
fn token(html: &str) -> String {
    let at = html.find(r#"name="token" value=""#).expect("a form token") + 20;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

fn fields<'a>(token: &'a str, email: &'a str, consent: bool) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("token", token),
        ("website", ""),
        ("organisation", "Stadtwerke Chemnitz & Co"),
        ("country", "DE"),
        ("name", "Anna Schmidt"),
        ("email", email),
        ("message", "We would like to join.\nTwo lines."),
    ];
    if consent {
        v.push(("consent", "yes"));
    }
    v
}

async fn post(client: &Client, url: &str, pairs: &[(&str, &str)]) -> (StatusCode, String, String) {
    let res = client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

#[tokio::test]
async fn the_interest_form_shows_field_errors_stores_once_and_emails_the_contact() {
    let smtp = Smtp::start().await;
    let clock = ManualClock::new(1_790_000_000_000);
    let s = TestServer::with_clock(
        |c| {
            c.smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
            c.smtp_from = "Twincast <noc@twincast.test>".into();
            c.smtp_to = vec!["ops@twincast.test".into()];
            c.interests_per_minute = 7;
        },
        Some(Arc::clone(&clock)),
    )
    .await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    create(
        &op,
        project_json("river", "binhu", &["DE"], &["training"], "active"),
    )
    .await;
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(s.url("/ru/projects/river"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let t = token(&html);
    assert!(html.contains(r#"<form method="post" action="/ru/projects/river/interest""#));
    // The retention date beside the consent box (180 days on).
    assert!(html.contains("до 2027-03-20"), "{html}");
    let url = s.url("/ru/projects/river/interest");

    // At once: too fast for a person; the values stay.
    let (status, _, body) = post(&client, &url, &fields(&t, "anna@example.test", true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("Форма отправлена через несколько секунд"),
        "{body}"
    );
    assert!(
        body.contains(
            r#"id="i-organisation" name="organisation" value="Stadtwerke Chemnitz &#38; Co""#
        ),
        "{body}"
    );
    assert_eq!(token(&body), t, "the same form stays valid");
    clock.advance(5_000);

    // Bad input: each field's error beside it, in Russian, with aria-invalid and aria-describedby; values kept.
    let (status, _, body) = post(&client, &url, &fields(&t, "anna at example", false)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains(r#"aria-invalid="true" aria-describedby="e-email""#),
        "{body}"
    );
    assert!(body.contains(r#"<p class="field-error" id="e-email">Укажите адрес электронной почты"#));
    assert!(body.contains(r#"aria-invalid="true" aria-describedby="e-consent""#));
    assert!(body.contains(r#"<p class="field-error" id="e-consent">Дайте согласие"#));
    assert!(
        !body.contains(r#"id="e-organisation""#),
        "a good field has no error"
    );
    assert!(body.contains(r#"value="anna at example""#));
    assert!(body.contains("We would like to join.\nTwo lines.</textarea>"));
    assert!(body.contains(r#"<option value="DE" selected>"#));
    // An empty organisation: required, in English on the English form.
    let mut empty = fields(&t, "anna@example.test", true);
    empty[2].1 = "  ";
    let (status, _, body) = post(&client, &s.url("/en/projects/river/interest"), &empty).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains(
            r#"<p class="field-error" id="e-organisation">Please fill in this field.</p>"#
        ),
        "{body}"
    );
    // The honeypot filled: refused as a whole.
    let mut spam = fields(&t, "anna@example.test", true);
    spam[1].1 = "http://spam.example";
    let (status, _, body) = post(&client, &url, &spam).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Форму не удалось отправить"));
    // A forged token: refused as a whole; the form comes back with a new, valid token.
    let last = if t.ends_with('0') { "1" } else { "0" };
    let forged = format!("{}{last}", &t[..t.len() - 1]);
    let (status, _, body) = post(&client, &url, &fields(&forged, "anna@example.test", true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Форма больше не действительна"), "{body}");
    let renewed = token(&body);
    assert!(renewed != forged && renewed != t);
    assert!(s.state.store.interests(None).await.unwrap().is_empty());
    // The form's address opened directly leads to the form.
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/ru/projects/river#interest");

    // A good one, sent twice (a double click): stored once, both sent to the thank-you page.
    let good = fields(&t, "anna@example.test", true);
    let (status, location, _) = post(&client, &url, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location,
        "/ru/projects/river/interest-sent?until=2027-03-20"
    );
    let (status, again, _) = post(&client, &url, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(again, location);
    let stored = s.state.store.interests(None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].data.organisation, "Stadtwerke Chemnitz & Co");
    let thanks = ok_page(&s, &location).await;
    assert!(thanks.contains("Ваша заявка о заинтересованности в проекте «Проект river» получена"));
    assert!(thanks.contains("2027-03-20"));
    // Past the address's limit (7 a minute): refused with the page, values kept, nothing stored.
    let (status, _, body) = post(&client, &url, &good).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("С вашего адреса отправлено слишком много форм"));
    assert_eq!(s.state.store.interests(None).await.unwrap().len(), 1);

    // E-mailed to the project's contact, once.
    let mail = wait_for("the expression of interest's e-mail", || {
        let m = smtp.messages();
        async move { (!m.is_empty()).then_some(m) }
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mail_now = smtp.messages();
    assert_eq!(mail_now.len(), 1, "{mail:?}");
    assert!(mail_now[0].contains("li.wei@example.test"));
    assert!(mail_now[0].contains("Stadtwerke Chemnitz & Co"));
}
