//! The console's reads kept for a moment (`twincast_app::reads`, ARCHITECTURE.md "Reads kept for a moment"): a
//! person's change shows on the next page, what players change shows within `read_cache_ms`, and no account ever
//! gets the page kept for another.

use crate::common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use twincast_store::Role;

async fn page(s: &Session, path: &str) -> String {
    let res = s.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_persons_change_shows_at_once_and_a_players_within_the_cache_time() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let id = &ids[0];
    let table = page(&admin, "/console/screens").await;
    assert!(table.contains("Platform 0"), "{table}");
    assert!(table.contains("status never_seen"));

    // A rename through the API: the very next page shows it, though the table was read a moment ago.
    let res = admin
        .req(Method::PATCH, &format!("/api/v1/screens/{id}"))
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "Gate A"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let table = page(&admin, "/console/screens").await;
    assert!(
        table.contains("Gate A") && !table.contains("Platform 0"),
        "{table}"
    );

    // A player's heartbeat is not a person's change: it shows once the kept read is 2 s old.
    let token = pair(&s, &admin, id).await;
    let _ = page(&admin, "/console/screens").await;
    heartbeat(&s, &token).await;
    clock.advance(2_000);
    let table = page(&admin, "/console/screens").await;
    assert!(table.contains("status online"), "{table}");
    let dash = page(&admin, "/console").await;
    assert!(dash.contains("/console/screens?status=online"), "{dash}");

    // A console form is a change too: a new screen group appears in the table's filter at once.
    let _ = page(&admin, "/console/screens").await;
    let res = admin
        .post_json(
            "/api/v1/screen-groups",
            json!({"slug": "lobby", "name": "Lobby walls"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(page(&admin, "/console/screens")
        .await
        .contains("Lobby walls"));
}

#[tokio::test]
async fn each_account_gets_its_own_pages() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let a = s.user("ed-a", Role::PartnerEditor, &["pa"]).await;
    let b = s.user("ed-b", Role::PartnerEditor, &["pb"]).await;
    for (p, name) in [("pa", "alpha.png"), ("pb", "beta.png")] {
        let res = admin
            .req(Method::POST, "/api/v1/media")
            .multipart(multipart(p, name, png(16, 9)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    // The same URL, asked for by three accounts in turn within the cache time.
    let all = page(&admin, "/console/media").await;
    let mine_a = page(&a, "/console/media").await;
    let mine_b = page(&b, "/console/media").await;
    assert!(all.contains("alpha.png") && all.contains("beta.png"));
    assert!(mine_a.contains("alpha.png") && !mine_a.contains("beta.png"));
    assert!(mine_b.contains("beta.png") && !mine_b.contains("alpha.png"));
}

#[tokio::test]
async fn with_the_cache_off_every_page_reads_the_database() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|c| c.read_cache_ms = 0, Some(clock.clone())).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 1).await;
    let token = pair(&s, &admin, &ids[0]).await;
    assert!(page(&admin, "/console/screens")
        .await
        .contains("status never_seen"));
    heartbeat(&s, &token).await;
    // No time passes on the app's clock: only an uncached read can show it.
    assert!(page(&admin, "/console/screens")
        .await
        .contains("status online"));
}

#[tokio::test]
async fn the_dashboards_kept_rows_are_in_each_pages_language() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    screens(&s, &admin, 2).await;
    // The app's clock stands still: every page below reuses one kept read, whose location rows are rendered once
    // per language.
    for (lang, kind, not) in [
        ("en", "<td>metro</td>", "<td>метро</td>"),
        ("ru", "<td>метро</td>", "<td>metro</td>"),
        ("zh", "<td>地铁</td>", "<td>metro</td>"),
        ("en", "<td>metro</td>", "<td>地铁</td>"),
    ] {
        let res = admin
            .get(&format!("/console/lang?to={lang}&next=/console"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
        assert!(
            html.contains(kind) && !html.contains(not),
            "{lang}: the row's kind in the page's language: {html}"
        );
        assert!(html.contains("/console/screens?location=metro-1"), "{html}");
    }
}
