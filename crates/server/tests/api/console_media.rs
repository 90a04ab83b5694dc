//! The console's media library pages: the list (filters, pages, thumbnails state, roles), an item's page, tags,
//! rename, delete refused while campaigns use the item (the page names them), partner-editor isolation (another
//! partner's item reads as missing, URL guessing included), viewers read only, and the plain upload form.

use crate::common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use twincast_store::Role;

async fn upload(s: &Session, partner: &str, name: &str, w: u32) -> Value {
    let res = s
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart(partner, name, png(w, 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn html(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.get(path).await;
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_library_lists_filters_and_pages() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let a = upload(&op, "pa", "harbour-night.png", 40).await;
    let b = upload(&op, "pb", "Tower.png", 41).await;
    let (status, page) = html(&op, "/console/media").await;
    assert_eq!(status, 200);
    assert!(page.contains("harbour-night.png") && page.contains("Tower.png"));
    assert!(page.contains(&format!("/console/media/{}", a["id"].as_str().unwrap())));
    assert!(
        page.contains("data-upload"),
        "operators get the upload form"
    );
    assert!(!page.contains('⟦'), "a catalogue miss: {page}");
    // Filters: partner, text (case-insensitive), kind, tag.
    let (_, page) = html(&op, "/console/media?partner=pb").await;
    assert!(page.contains("Tower.png") && !page.contains("harbour-night.png"));
    let (_, page) = html(&op, "/console/media?q=HARBOUR").await;
    assert!(!page.contains("Tower.png") && page.contains("harbour-night.png"));
    let (_, page) = html(&op, "/console/media?kind=video").await;
    assert!(!page.contains("Tower.png") && !page.contains("harbour-night.png"));
    let (status, _) = html(&op, "/console/media?kind=sound").await;
    assert_eq!(status, 400);
    let bid = b["id"].as_str().unwrap();
    let res = post_form(
        &op,
        &format!("/console/media/{bid}/tags"),
        &[
            ("csrf", &op.csrf),
            ("version", "1"),
            ("tags", "Night, skyline skyline"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let (_, page) = html(&op, "/console/media?tag=skyline").await;
    assert!(page.contains("Tower.png") && !page.contains("harbour-night.png"));
    let (_, page) = html(&op, &format!("/console/media/{bid}")).await;
    assert!(page.contains("value=\"night, skyline\""), "{page}");
    // Keyset pages: 50 a page, newest first, the next link carries on without repeating.
    for i in 0..51 {
        upload(&op, "pa", &format!("bulk-{i:02}.png"), 100 + i).await;
    }
    let (_, first) = html(&op, "/console/media").await;
    assert!(first.contains("bulk-50.png") && !first.contains("Tower.png"));
    let next = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a next link")
        .replace("&amp;", "&");
    let (_, second) = html(&op, &next).await;
    assert!(second.contains("Tower.png") && second.contains("harbour-night.png"));
    assert!(!second.contains("bulk-50.png") && second.contains("bulk-00.png"));
}

#[tokio::test]
async fn item_page_rename_and_delete_refused_while_in_use() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let m = upload(&admin, "pa", "card.png", 60).await;
    let id = m["id"].as_str().unwrap().to_string();
    let (status, page) = html(&admin, &format!("/console/media/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("/media/{}.png", m["sha256"].as_str().unwrap())));
    assert!(!page.contains('⟦'), "a catalogue miss: {page}");
    let res = admin
        .post_json(
            "/api/v1/campaigns",
            json!({"name": "Harbour week", "partner": "pa", "items": [{"kind": "image", "media_id": id}]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let (_, page) = html(&admin, &format!("/console/media/{id}")).await;
    assert!(page.contains("Harbour week"), "usage names the campaign");
    // Delete: refused, the page says why and names the campaign; nothing is deleted.
    let res = post_form(
        &admin,
        &format!("/console/media/{id}/delete"),
        &[("csrf", &admin.csrf), ("version", "1")],
    )
    .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains("role=\"alert\"") && page.contains("Harbour week"));
    assert_eq!(s.media_count().await, 1);
    // Rename; a bad name re-renders with 400 and changes nothing; a stale version is refused.
    let res = post_form(
        &admin,
        &format!("/console/media/{id}/rename"),
        &[
            ("csrf", &admin.csrf),
            ("version", "1"),
            ("name", "harbour.png"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = post_form(
        &admin,
        &format!("/console/media/{id}/rename"),
        &[
            ("csrf", &admin.csrf),
            ("version", "2"),
            ("name", "../x.png"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = post_form(
        &admin,
        &format!("/console/media/{id}/rename"),
        &[
            ("csrf", &admin.csrf),
            ("version", "1"),
            ("name", "late.png"),
        ],
    )
    .await;
    assert_eq!(res.status(), 412);
    let got: Value = admin
        .get(&format!("/api/v1/media/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["original_name"], "harbour.png");
    // Without the CSRF token nothing happens.
    let res = post_form(
        &admin,
        &format!("/console/media/{id}/rename"),
        &[("csrf", "forged"), ("version", "2"), ("name", "forged.png")],
    )
    .await;
    assert_eq!(res.status(), 403);
    // An unused item is deleted.
    let other = upload(&admin, "pa", "spare.png", 61).await;
    let oid = other["id"].as_str().unwrap();
    let res = post_form(
        &admin,
        &format!("/console/media/{oid}/delete"),
        &[("csrf", &admin.csrf), ("version", "1")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(s.media_count().await, 1);
}

#[tokio::test]
async fn editors_see_only_their_partners_and_viewers_only_read() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    let a = upload(&op, "pa", "mine.png", 30).await;
    let b = upload(&op, "pb", "theirs.png", 31).await;
    let bid = b["id"].as_str().unwrap();
    let (status, page) = html(&ed, "/console/media").await;
    assert_eq!(status, 200);
    assert!(page.contains("mine.png") && !page.contains("theirs.png"));
    let (_, page) = html(&ed, "/console/media?partner=pb").await;
    assert!(!page.contains("theirs.png"));
    // URL guessing: the other partner's item is missing, for reading and for every form.
    let (status, page) = html(&ed, &format!("/console/media/{bid}")).await;
    assert_eq!(status, 404);
    assert!(!page.contains("theirs.png"));
    for (path, extra) in [
        ("tags", ("tags", "x")),
        ("rename", ("name", "y.png")),
        ("delete", ("x", "")),
    ] {
        let res = post_form(
            &ed,
            &format!("/console/media/{bid}/{path}"),
            &[("csrf", &ed.csrf), ("version", "1"), extra],
        )
        .await;
        assert_eq!(res.status(), 404, "{path}");
    }
    assert_eq!(s.media_count().await, 2);
    // The editor may change their own.
    let aid = a["id"].as_str().unwrap();
    let (_, page) = html(&ed, &format!("/console/media/{aid}")).await;
    assert!(page.contains(&format!("/console/media/{aid}/rename")));
    // Viewers read everything and change nothing.
    let (_, page) = html(&viewer, "/console/media").await;
    assert!(page.contains("mine.png") && page.contains("theirs.png"));
    assert!(!page.contains("data-upload"));
    let (status, page) = html(&viewer, &format!("/console/media/{bid}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("/rename") && !page.contains("/delete"));
    let res = post_form(
        &viewer,
        &format!("/console/media/{bid}/rename"),
        &[("csrf", &viewer.csrf), ("version", "1"), ("name", "v.png")],
    )
    .await;
    assert_eq!(res.status(), 403);
    // Anonymous: to the login page.
    let res = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(s.url("/console/media"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_plain_form_uploads_one_file_without_scripts() {
    let s = TestServer::start().await;
    s.partner("pa").await;
    s.partner("pb").await;
    let ed = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let form = |csrf: &str, partner: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf.to_string())
            .text("partner", partner.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(png(80, 40)).file_name("plain.png"),
            )
    };
    let res = ed
        .client
        .post(s.url("/console/media/upload"))
        .multipart(form(&ed.csrf, "pa"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("plain.png"),
        "the item's page after the redirect"
    );
    assert_eq!(s.media_count().await, 1);
    // Another partner's, or without the token: refused, nothing stored.
    let res = ed
        .client
        .post(s.url("/console/media/upload"))
        .multipart(form(&ed.csrf, "pb"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = ed
        .client
        .post(s.url("/console/media/upload"))
        .multipart(form("forged", "pa"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(s.media_count().await, 1);
    assert!(s.spool_files().is_empty());
}
