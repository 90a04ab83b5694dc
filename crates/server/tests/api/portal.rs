//! The public portal over HTTP: its pages show only reviewed videos, in the URL's language; view counts honour
//! DNT/GPC and set no cookie; search follows partner changes at once; bad input gets a problem with a stable code.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../media/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

async fn text(s: &TestServer, path: &str) -> (StatusCode, String) {
    let r = reqwest::get(s.url(path)).await.unwrap();
    assert!(
        r.headers().get("set-cookie").is_none(),
        "{path} sets no cookie"
    );
    (r.status(), r.text().await.unwrap())
}

async fn upload(u: &Session, partner: &str, name: &str) -> String {
    // Two different files (a partner's identical uploads are one item).
    let file = if name.starts_with("draft") {
        "vp9.webm"
    } else {
        "h264.mp4"
    };
    let res = u
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart(partner, name, fixture(file)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    m["id"].as_str().unwrap().to_string()
}

fn today() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn portal_pages_show_reviewed_videos_in_the_urls_language() {
    let s = TestServer::with(|c| c.transcode = false).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"}, "country": "JP",
                   "continent": "asia", "lat": 34.64, "lon": 135.0, "since": 1981, "description": "A port city.",
                   "descriptions": {"ru": "Портовый город у пролива.", "zh": "海峡边的港口城市。"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["descriptions"]["ru"], "Портовый город у пролива.");
    let video = upload(&admin, "akashi", "akashi.mp4").await;
    // A partner-editor's upload waits for review: the portal does not show it.
    let editor = s.user("ed", Role::PartnerEditor, &["akashi"]).await;
    let pending = upload(&editor, "akashi", "draft.webm").await;

    let (st, home) = text(&s, "/ru/").await;
    assert_eq!(st, StatusCode::OK);
    assert!(home.contains("<html lang=\"ru\">"));
    assert!(
        home.contains("href=\"/ru/cities/akashi\""),
        "home links the city"
    );
    let (st, city) = text(&s, "/ru/cities/akashi").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        city.contains("Портовый город у пролива."),
        "Russian description"
    );
    assert!(
        city.contains(&format!("data-video=\"{video}\"")),
        "the reviewed film plays"
    );
    assert!(
        !city.contains(&pending),
        "the film awaiting review is not shown"
    );
    assert!(
        city.contains("hreflang=\"zh\" href=\"http://"),
        "hreflang alternates are absolute"
    );
    let (_, zh) = text(&s, "/zh/cities/akashi").await;
    assert!(zh.contains("海峡边的港口城市。"));
    // English has no description of its own: the default text.
    let (_, en) = text(&s, "/en/cities/akashi").await;
    assert!(en.contains("A port city."));
    let (st, missing) = text(&s, "/zh/cities/nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(missing.contains("<html lang=\"zh\">"));
    let (st, _) = text(&s, &format!("/en/cities/akashi?v={pending}")).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "a pending film cannot be asked for"
    );

    // Approved, it appears at once.
    let res = admin
        .req(Method::POST, &format!("/api/v1/media/{pending}/approve"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let (_, city) = text(&s, "/en/cities/akashi").await;
    assert!(city.contains(&pending), "an approved film is shown");
}

#[tokio::test]
async fn views_are_counted_per_day_unless_the_browser_opts_out() {
    let s = TestServer::with(|c| c.transcode = false).await;
    s.partner("akashi").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let video = upload(&admin, "akashi", "akashi.mp4").await;
    let client = reqwest::Client::new();
    let count = |headers: &[(&str, &str)]| {
        let mut r = client.post(s.url(&format!("/api/v1/public/videos/{video}/views")));
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.send()
    };
    let r = count(&[]).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["twincast-counted"], "1");
    assert!(r.headers().get("set-cookie").is_none());
    for opt_out in [[("dnt", "1")], [("sec-gpc", "1")]] {
        let r = count(&opt_out).await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(r.headers()["twincast-counted"], "0", "{opt_out:?}");
    }
    count(&[("dnt", "0")]).await.unwrap();
    let day = today();
    let views: Value = reqwest::get(s.url(&format!("/api/v1/public/views?from={day}&to={day}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(views, json!([{"media_id": video, "day": day, "views": 2}]));
    assert_problem(
        client
            .post(s.url("/api/v1/public/videos/no-such-video/views"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let bad = |q: &'static str| reqwest::get(s.url(&format!("/api/v1/public/views?{q}")));
    assert_problem(
        bad("from=yesterday&to=2026-01-01").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-day",
    )
    .await;
    assert_problem(
        bad("from=2024-01-01&to=2026-01-01").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-range",
    )
    .await;
    assert_problem(
        bad("from=2026-01-02&to=2026-01-01").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-range",
    )
    .await;
}

#[tokio::test]
async fn search_follows_partner_changes_at_once() {
    let s = TestServer::with(|c| c.transcode = false).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "leverkusen", "names": {"en": "Leverkusen", "ru": "Леверкузен", "zh": "勒沃库森"},
                   "country": "DE", "continent": "europe", "description": "A city on the Rhine.",
                   "descriptions": {"ru": "Город на Рейне, известный химической промышленностью."}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let search = |q: &str, lang: &str| {
        let url = s.url(&format!("/api/v1/search?q={}&lang={lang}", percent(q)));
        async move {
            let v: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    format!(
                        "{}:{}",
                        h["key"].as_str().unwrap(),
                        h["lang"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("勒沃库森", "zh").await.first().map(String::as_str),
        Some("leverkusen:zh")
    );
    assert_eq!(
        search("химической", "ru").await.first().map(String::as_str),
        Some("leverkusen:ru"),
        "a Russian inflected form of the description"
    );
    // Renamed: the new name is found, the old one no longer.
    let res = admin
        .req(Method::PATCH, "/api/v1/partners/leverkusen")
        .header("content-type", "application/merge-patch+json")
        .body(json!({"names": {"en": "Opladen", "ru": "Опладен", "zh": "奥普拉登"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(
        search("Opladen", "en").await.first().map(String::as_str),
        Some("leverkusen:en")
    );
    assert!(
        search("勒沃库森", "zh").await.is_empty(),
        "the old name is gone"
    );
    let res = admin
        .req(Method::DELETE, "/api/v1/partners/leverkusen")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(
        search("Opladen", "en").await.is_empty(),
        "a deleted city is not found"
    );
    // Bad input.
    let too_long = "a".repeat(201);
    for (q, code) in [
        (format!("q={too_long}"), "query-too-long"),
        ("q=x&kind=planet".to_string(), "invalid-kind"),
        ("q=x&limit=0".to_string(), "invalid-limit"),
        ("q=x&limit=51".to_string(), "invalid-limit"),
    ] {
        assert_problem(
            reqwest::get(s.url(&format!("/api/v1/search?{q}")))
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            code,
        )
        .await;
    }
    // A partner's description in an unknown language tag is refused on its field.
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "x", "names": {"en": "X", "ru": "Икс", "zh": "艾克斯"}, "country": "DE",
                   "continent": "europe", "description": "", "descriptions": {"not a tag": "…"}}),
        )
        .await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-language").await;
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A change written by another node (straight to the database, so this process hears nothing of it) is on the
/// portal once the snapshot's time is up; while nothing changes, a renewed snapshot keeps its cities and its
/// generation (so rendered pages stay valid) instead of reading every partner again.
#[tokio::test]
async fn another_nodes_change_is_seen_after_the_snapshot_time() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|c| c.transcode = false, Some(clock.clone())).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/partners",
            json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"},
                   "country": "JP", "continent": "asia", "description": "A port city."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let app = &s.state.app;
    let first = app.portal_snapshot().await.unwrap();
    clock.advance(twincast_app::portal::SNAPSHOT_TTL_MS + 1);
    // Stale: answered at once, renewed in the background.
    app.portal_snapshot().await.unwrap();
    let renewed = wait_for_snapshot(app, first.read_at).await;
    assert_eq!(renewed.generation, first.generation, "nothing changed");
    assert!(std::sync::Arc::ptr_eq(&renewed.cities, &first.cities));

    // Another node renames the city.
    let p = s.state.store.partner_by_slug("akashi").await.unwrap();
    let mut input = twincast_store::PartnerInput {
        slug: p.slug.clone(),
        names: p.names.clone(),
        country: p.country.clone(),
        continent: p.continent.clone(),
        lat: p.lat,
        lon: p.lon,
        since: p.since,
        description: p.description.clone(),
        descriptions: p.descriptions.clone(),
        logo_media_id: p.logo_media_id.clone(),
    };
    input
        .names
        .insert("en".into(), "Akashi-on-the-Strait".into());
    s.state
        .store
        .update_partner(
            &p.id,
            &input,
            p.version,
            &twincast_store::AuditEntry::by_system("partner.update", &p.id, p.updated_at + 1),
        )
        .await
        .unwrap();
    clock.advance(twincast_app::portal::SNAPSHOT_TTL_MS + 1);
    app.portal_snapshot().await.unwrap();
    let changed = wait_for_snapshot(app, renewed.read_at).await;
    assert!(
        changed.generation > renewed.generation,
        "a change is a new generation"
    );
    assert_eq!(
        changed.city("akashi").unwrap().name("en"),
        "Akashi-on-the-Strait"
    );
    let (status, page) = text(&s, "/en/cities/akashi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Akashi-on-the-Strait"),
        "the page shows the new name"
    );
    let hits: Value = reqwest::get(s.url("/api/v1/search?q=Strait&lang=en"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits[0]["key"], "akashi", "{hits}");
}

/// The kept snapshot once it is newer than `after` (the background renewal has landed).
async fn wait_for_snapshot(
    app: &twincast_app::App,
    after: i64,
) -> std::sync::Arc<twincast_app::portal::Snapshot> {
    for _ in 0..200 {
        let snap = app.portal_snapshot().await.unwrap();
        if snap.read_at > after {
            return snap;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the snapshot was not renewed within 2 s");
}
