//! The operator console's server side (pages under `/console`): sessions, languages, CSRF on forms, roles, and
//! pairing a player from the console. The browser walks (axe-core, the flows) are in e2e/console.test.mjs.

use crate::common::{form, post_form, Session, TestServer};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use twincast_protocol::{PairingCreated, PairingRequest};
use twincast_store::Role;

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

async fn location_and_screen(admin: &Session) -> String {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "airport", "name": "Airport", "kind": "airport", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 1", "location": "airport", "width": 1920, "height": 1080, "tags": ["gate"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn console_pages_need_a_session_and_speak_the_readers_language() {
    let s = TestServer::start().await;
    let anon = no_redirects();
    let res = anon
        .get(s.url("/console/screens?status=online"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/console/login?next=/console/screens%3Fstatus%3Donline"
    );
    // The login page itself, in the browser's language.
    let res = anon
        .get(s.url("/console/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh\">"), "{html}");
    assert!(html.contains("登录 Twincast"));
    assert!(!html.contains('⟦'), "no catalogue miss");

    let admin = s.user("ada", Role::Admin, &[]).await;
    let id = location_and_screen(&admin).await;
    for (lang, word) in [("en", "Dashboard"), ("ru", "Сводка"), ("zh", "概览")] {
        // The switcher's route sets the language cookie and comes back to the dashboard.
        let res = admin
            .get(&format!("/console/lang?to={lang}&next=/console"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.url().path(), "/console");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        assert!(html.contains(word), "{lang}: {word}");
        assert!(!html.contains('⟦'), "{lang}: no catalogue miss");
    }
    let html = admin.get("/console/screens").await.text().await.unwrap();
    assert!(html.contains("Gate 1") && html.contains(&format!("/console/screens/{id}")));
    let html = admin
        .get("/console/screens?kind=metro")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("Gate 1"), "the kind filter applies");
    let res = admin.get(&format!("/console/screens/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Gate 1") && html.contains("Asia/Shanghai"));
    // Unknown screen: a 404 page, in the reader's language (zh was chosen last).
    let res = admin.get("/console/screens/nope").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("<html lang=\"zh\">"));
    // The language switch remembers a choice and only goes back to local paths.
    let res = anon
        .get(s.url("/console/lang?to=ru&next=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/console");
    assert!(res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("twincast_lang=ru;"));
}

#[tokio::test]
async fn console_forms_check_the_csrf_token_and_the_role() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let id = location_and_screen(&admin).await;
    let path = format!("/console/screens/{id}/commands");
    let res = post_form(&admin, &path, &[("csrf", "forged"), ("command", "reload")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let cmds: Value = admin
        .get(&format!("/api/v1/screens/{id}/commands"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cmds["items"].as_array().unwrap().len(), 0, "nothing queued");
    let res = post_form(
        &admin,
        &path,
        &[("csrf", &admin.csrf), ("command", "reload")],
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "followed the redirect to the screen page"
    );
    let cmds: Value = admin
        .get(&format!("/api/v1/screens/{id}/commands"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cmds["items"][0]["command"], "reload");

    let viewer = s.user("vic", Role::Viewer, &[]).await;
    assert_eq!(viewer.get("/console").await.status(), StatusCode::OK);
    assert_eq!(
        viewer.get("/console/pair").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = post_form(
        &viewer,
        &path,
        &[("csrf", &viewer.csrf), ("command", "reload")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = viewer
        .get(&format!("/console/screens/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("/retire\""),
        "a viewer is offered no retire form"
    );
}

#[tokio::test]
async fn a_player_is_paired_from_the_console_and_a_wrong_code_creates_nothing() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let _ = location_and_screen(&admin).await;
    let p: PairingCreated = Client::new()
        .post(s.url("/api/v1/player/pairings"))
        .json(&PairingRequest::default())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count = |v: Value| v["items"].as_array().unwrap().len();
    let before = count(admin.get("/api/v1/screens").await.json().await.unwrap());
    let fields = |code: &'static str| -> Vec<(&str, &str)> {
        vec![
            ("mode", "new"),
            ("name", "Hall 2"),
            ("location", "airport"),
            ("width", "1080"),
            ("height", "1920"),
            ("code", code),
        ]
    };
    let mut wrong = fields("ZZZZZZ");
    wrong.push(("csrf", &admin.csrf));
    let res = post_form(&admin, "/console/pair", &wrong).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"code-error\""),
        "the code field shows its error"
    );
    assert!(html.contains("value=\"Hall 2\""), "what was typed is kept");
    let after = count(admin.get("/api/v1/screens").await.json().await.unwrap());
    assert_eq!(before, after, "a wrong code creates no screen");

    // A client that does not follow redirects, logged in like a browser.
    let browser = no_redirects();
    let me: Value = browser
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "ada", "password": "password123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let mut right = fields("");
    right.retain(|(k, _)| *k != "code");
    right.push(("code", &p.code));
    right.push(("csrf", &csrf));
    let res = browser
        .post(s.url("/console/pair"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&right))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let id = to
        .strip_prefix("/console/screens/")
        .and_then(|r| r.split('?').next())
        .unwrap()
        .to_string();
    let screen: Value = admin
        .get(&format!("/api/v1/screens/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(screen["name"], "Hall 2");
    assert_eq!(screen["orientation"], "portrait");
    let status: Value = admin
        .get(&format!("/api/v1/screens/{id}/status"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["screen_id"], id.as_str(), "{status}");
    assert!(
        status["device"]["id"].is_string(),
        "the screen has its player: {status}"
    );
}

/// A location with coordinates and `n` screens named `{prefix} 1..n`; their ids.
async fn placed_screens(admin: &Session, slug: &str, prefix: &str, n: usize) -> Vec<String> {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": slug, "name": slug, "kind": "street", "tz": "Asia/Shanghai", "lat": 31.49, "lon": 120.31}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut ids = vec![];
    for i in 1..=n {
        let res = admin
            .post_json(
                "/api/v1/screens",
                json!({"name": format!("{prefix} {i}"), "location": slug, "width": 1920, "height": 1080}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value = res.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test]
async fn maps_draw_the_bundled_land_or_the_operators_tiles_and_the_fleet_filters_by_group() {
    // Without a tile server: the land shapes, nothing fetched from elsewhere.
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let ids = placed_screens(&admin, "wuxi-street", "Kiosk", 2).await;
    let page = admin.get("/console/map").await.text().await.unwrap();
    assert!(
        page.contains("class=\"land\"") && !page.contains("<image "),
        "land shapes"
    );
    assert!(
        page.contains("/console/screens?location=wuxi-street"),
        "the location's dot links to its screens"
    );
    let res = admin
        .get("/console/map/view.svg?bbox=120,31,121,32&width=400")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("image/svg+xml"));
    let svg = res.text().await.unwrap();
    assert!(svg.contains("data-geo=\"120,32,"), "{}", &svg[..300]);
    // An unreadable view draws the world rather than failing.
    let svg = admin
        .get("/console/map/view.svg?bbox=9,8,7")
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.contains("data-geo=\"-180,85,"), "{}", &svg[..300]);
    let res = admin
        .get("/console/map/view.svg?bbox=120,31,121,32&width=wide")
        .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "an unreadable width draws the default one"
    );
    // The picker's map is for logged-in operators only.
    let anon = no_redirects()
        .get(format!("{}/console/map/view.svg", s.base))
        .send()
        .await
        .unwrap();
    assert_ne!(anon.status(), StatusCode::OK);

    // The fleet table filtered by a screen group lists its members only.
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "front", "name": "Front row", "screens": [ids[0]]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let page = admin
        .get("/console/screens?group=front")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Kiosk 1") && !page.contains("Kiosk 2"),
        "members only"
    );
    assert!(page.contains("<option value=\"front\" selected>Front row</option>"));
    let page = admin.get("/console/screens").await.text().await.unwrap();
    assert!(page.contains("Kiosk 1") && page.contains("Kiosk 2"));

    // With a tile server: Web Mercator on its tiles, with the credit its licence asks for.
    let s = TestServer::with(|c| {
        c.map_tile_url = "https://tiles.example.org/{z}/{x}/{y}.png".into();
        c.map_tile_attribution = "© Example contributors".into();
    })
    .await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    placed_screens(&admin, "wuxi-street", "Kiosk", 1).await;
    let page = admin.get("/console/map").await.text().await.unwrap();
    assert!(page.contains("data-proj=\"mercator\""), "mercator");
    assert!(
        page.contains("<image href=\"https://tiles.example.org/"),
        "tiles"
    );
    assert!(page.contains("© Example contributors") && !page.contains("class=\"land\""));
    let svg = admin
        .get("/console/map/view.svg?bbox=120,31,121,32")
        .await
        .text()
        .await
        .unwrap();
    assert!(svg.contains("data-proj=\"mercator\"") && svg.contains("https://tiles.example.org/"));
}

/// The edit form of the screen with `version`, `width` and `name` as given.
fn screen_form(csrf: &str, version: &str, width: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.into()),
        ("version", version.into()),
        ("name", name.into()),
        ("location", "metro".into()),
        ("tz", "Asia/Shanghai".into()),
        ("width", width.into()),
        ("height", "1920".into()),
        ("tags", "gate, arrivals".into()),
        ("lat", "31.5".into()),
        ("lon", "120.3".into()),
    ]
}

async fn post_owned(
    s: &Session,
    path: &str,
    pairs: &[(&'static str, String)],
) -> reqwest::Response {
    let p: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(s, path, &p).await
}

async fn screen_json(s: &Session, id: &str) -> Value {
    s.get(&format!("/api/v1/screens/{id}"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_screen_is_edited_with_its_version_and_its_player_unpaired_from_the_console() {
    let s = TestServer::start().await;
    let admin = s.user("ada", Role::Admin, &[]).await;
    let id = location_and_screen(&admin).await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "metro", "name": "Metro", "kind": "metro", "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let before = screen_json(&admin, &id).await;
    let version = before["version"].as_i64().unwrap().to_string();
    let page = admin
        .get(&format!("/console/screens/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/console/screens/{id}/edit\"")),
        "the screen page links to its editor"
    );
    let page = admin
        .get(&format!("/console/screens/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("value=\"Gate 1\""),
        "the form holds the screen's fields"
    );
    let path = format!("/console/screens/{id}/edit");

    // A size that is not a number: the field says so, what was typed stays, nothing changes.
    let res = post_owned(
        &admin,
        &path,
        &screen_form(&admin.csrf, &version, "wide", "Gate 1A"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"width-error\"") && html.contains("value=\"Gate 1A\""));
    assert_eq!(
        screen_json(&admin, &id).await,
        before,
        "a refused form changes nothing"
    );
    // An unknown time zone is the app's refusal, shown on its field.
    let mut bad_tz = screen_form(&admin.csrf, &version, "1080", "Gate 1A");
    bad_tz.retain(|(k, _)| *k != "tz");
    bad_tz.push(("tz", "Mars/Olympus".into()));
    let res = post_owned(&admin, &path, &bad_tz).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("id=\"tz-error\""));
    assert_eq!(screen_json(&admin, &id).await, before);

    let res = post_owned(
        &admin,
        &path,
        &screen_form(&admin.csrf, &version, "1080", "Gate 1A"),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "saved, then the screen's page"
    );
    let after = screen_json(&admin, &id).await;
    assert_eq!(after["name"], "Gate 1A");
    assert_eq!(after["location_slug"], "metro");
    assert_eq!(after["orientation"], "portrait");
    assert_eq!(after["tags"], json!(["gate", "arrivals"]));
    assert_eq!(after["lat"], json!(31.5));

    // The form opened at the old version: someone changed the screen since. 412, the text kept, nothing written.
    let res = post_owned(
        &admin,
        &path,
        &screen_form(&admin.csrf, &version, "720", "Stale edit"),
    )
    .await;
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    assert!(res.text().await.unwrap().contains("value=\"Stale edit\""));
    assert_eq!(screen_json(&admin, &id).await, after);
    // Viewers read the screen but get no editor.
    let viewer = s.user("vic", Role::Viewer, &[]).await;
    let res = viewer.get(&format!("/console/screens/{id}/edit")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Unpair: the player's token stops at once; the screen stays.
    let token = crate::common::pair(&s, &admin, &id).await;
    let manifest = |token: String| {
        let req = crate::common::get(&s, "/api/v1/player/manifest", &token);
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(manifest(token.clone()).await, StatusCode::OK);
    let unpair = format!("/console/screens/{id}/unpair");
    let res = post_form(&admin, &unpair, &[("csrf", &admin.csrf)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(manifest(token.clone()).await, StatusCode::UNAUTHORIZED);
    assert!(
        screen_json(&admin, &id).await["retired_at"].is_null(),
        "the screen is not retired"
    );
    // Nothing left to unpair: said on a page.
    let res = post_form(&admin, &unpair, &[("csrf", &admin.csrf)]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
