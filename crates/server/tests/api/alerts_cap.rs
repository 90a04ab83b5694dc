//! CAP subscriptions over HTTP against a local feed server started in the test (axum on a loopback port), which
//! serves Atom feeds of CAP alerts (embedded and linked, CAP 1.2 and an ISO-8859-1 CAP 1.1 document) and takes the
//! notifier's webhook: an auto-publish source's alert reaches each screen in the screen's language without any
//! operator action (the worker polls it), mapped by its geocode; a hold source's alert waits, the on-call webhook
//! is called, and approval puts it on air; an Update replaces, a Cancel and an expiry remove; a hostile feed is
//! recorded on its own source while the other sources' alerts still arrive; conditional requests answer 304.

use crate::common::*;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode as AxStatus};
use axum::response::{IntoResponse, Response};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use twincast_protocol::Manifest;
use twincast_store::Role;

#[derive(Default)]
struct Feeds {
    /// Entries of `/a.atom`, newest last.
    a: Vec<String>,
    /// Bodies the webhook received.
    hooks: Vec<Value>,
    /// `If-None-Match` values `/a.atom` received.
    inm: Vec<Option<String>>,
}
type Shared = Arc<Mutex<Feeds>>;

const CAP12: &str = "urn:oasis:names:tc:emergency:cap:1.2";

fn rfc(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).unwrap().to_string()
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A CAP 1.2 alert (prefix `cap:`, declared on the feed) with one block per `(language, headline)`.
fn cap(
    id: &str,
    sent: i64,
    kind: &str,
    refs: &str,
    blocks: &[(&str, &str)],
    expires: i64,
) -> String {
    let refs = if refs.is_empty() {
        String::new()
    } else {
        format!("<cap:references>{refs}</cap:references>")
    };
    let infos: String = blocks
        .iter()
        .map(|(lang, h)| {
            format!(
                "<cap:info><cap:language>{lang}</cap:language><cap:category>Met</cap:category><cap:event>Storm</cap:event>\
                 <cap:urgency>Immediate</cap:urgency><cap:severity>Severe</cap:severity><cap:certainty>Observed</cap:certainty>\
                 <cap:expires>{}</cap:expires><cap:headline>{h}</cap:headline><cap:area><cap:areaDesc>Metro</cap:areaDesc>\
                 <cap:geocode><cap:valueName>EMMA_ID</cap:valueName><cap:value>XX001</cap:value></cap:geocode></cap:area></cap:info>",
                rfc(expires)
            )
        })
        .collect();
    format!(
        "<cap:alert><cap:identifier>{id}</cap:identifier><cap:sender>met@example.org</cap:sender><cap:sent>{}</cap:sent>\
         <cap:status>Actual</cap:status><cap:msgType>{kind}</cap:msgType><cap:scope>Public</cap:scope>{refs}{infos}</cap:alert>",
        rfc(sent)
    )
}

fn atom(entries: &[String]) -> String {
    let body: String = entries
        .iter()
        .enumerate()
        .map(|(i, e)| format!("<entry><id>urn:a:{i}</id><title>e</title><content type=\"application/cap+xml\">{e}</content></entry>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="{CAP12}"><title>A</title><id>urn:a</id>{body}</feed>"#
    )
}

async fn serve(State(st): State<Shared>, Path(name): Path<String>, h: HeaderMap) -> Response {
    match name.as_str() {
        "a.atom" => {
            let body = atom(&st.lock().unwrap().a);
            let etag = format!("\"{}\"", body.len());
            let inm = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
            st.lock().unwrap().inm.push(inm.clone());
            if inm.as_deref() == Some(etag.as_str()) {
                return AxStatus::NOT_MODIFIED.into_response();
            }
            ([(header::CONTENT_TYPE, "application/atom+xml".to_string()), (header::ETAG, etag)], body).into_response()
        }
        "b.atom" => (
            [(header::CONTENT_TYPE, "application/atom+xml")],
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>B</title><id>urn:b</id>
<entry><id>urn:b:1</id><title>b</title><link rel="alternate" type="application/cap+xml" href="/b1.xml"/></entry></feed>"#,
        )
            .into_response(),
        "b1.xml" => {
            // CAP 1.1, declared ISO-8859-1, a polygon around the metro screens, expiring soon.
            let doc = format!(
                r#"<?xml version="1.0" encoding="ISO-8859-1"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">
<identifier>B-1</identifier><sender>zivilschutz@example.de</sender><sent>{}</sent><status>Actual</status>
<msgType>Alert</msgType><scope>Public</scope><info><language>de-DE</language><category>Safety</category><event>Gefahr</event>
<urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty><expires>{}</expires>
<headline>Gefahr für Köln-Süd</headline><area><areaDesc>Zone</areaDesc><polygon>52,13 52,14 53,14 53,13 52,13</polygon></area></info></alert>"#,
                rfc(now() - 60_000),
                rfc(*EXPIRES_B.lock().unwrap())
            );
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&doc);
            ([(header::CONTENT_TYPE, "application/cap+xml")], bytes.into_owned()).into_response()
        }
        "held.atom" => (
            [(header::CONTENT_TYPE, "application/atom+xml")],
            atom(&[cap("H-1", now() - 60_000, "Alert", "", &[("en", "Flood warning")], now() + 3_600_000)]),
        )
            .into_response(),
        "signed.atom" => {
            // One unsigned alert, one with an enveloped XML signature (kept, never verified here).
            let signature = r#"<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>AAAA</SignatureValue></Signature>"#;
            let signed = cap("S-2", now() - 60_000, "Alert", "", &[("en", "Signed")], now() + 3_600_000)
                .replace("</cap:alert>", &format!("{signature}</cap:alert>"));
            let unsigned = cap("S-1", now() - 60_000, "Alert", "", &[("en", "Unsigned")], now() + 3_600_000);
            ([(header::CONTENT_TYPE, "application/atom+xml")], atom(&[unsigned, signed])).into_response()
        }
        "bomb.atom" => (
            [(header::CONTENT_TYPE, "application/atom+xml")],
            r#"<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom">&b;</feed>"#,
        )
            .into_response(),
        _ => AxStatus::NOT_FOUND.into_response(),
    }
}

static EXPIRES_B: Mutex<i64> = Mutex::new(0);

async fn hook(State(st): State<Shared>, body: axum::body::Bytes) -> AxStatus {
    if let Ok(v) = serde_json::from_slice(&body) {
        st.lock().unwrap().hooks.push(v);
    }
    AxStatus::OK
}

async fn feed_server() -> (String, Shared) {
    let st: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .route("/{name}", axum::routing::get(serve))
        .with_state(st.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), st)
}

/// `(headline, language)` of the alert playing now in `token`'s manifest (none or one).
async fn on_screen(s: &TestServer, token: &str) -> Vec<(String, String)> {
    let m: Manifest = get(s, "/api/v1/player/manifest", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = now() - m.head.horizon.from;
    m.shared
        .plays
        .plays
        .iter()
        .filter(|p| p.offset_ms <= at && at < p.offset_ms + p.duration_ms)
        .filter_map(|p| match p.what {
            twincast_protocol::manifest::PlayRef::Alert(i) => Some(&m.shared.alerts[i]),
            _ => None,
        })
        .map(|a| (a.headline.clone(), a.language.clone()))
        .collect()
}

/// Waits (bounded: 30 s against a hang) until `token`'s alerts are `want`.
async fn becomes(s: &TestServer, token: &str, want: &[(&str, &str)]) {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(h, l)| (h.to_string(), l.to_string()))
        .collect();
    let mut last = Vec::new();
    for _ in 0..300 {
        last = on_screen(s, token).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("alerts on screen: {last:?}, wanted {want:?}");
}

async fn ok_json(res: reqwest::Response, want: StatusCode) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, want, "{v}");
    v
}

fn source(name: &str, url: String, moderation: &str, enabled: bool) -> Value {
    json!({"name": name, "url": url, "min_severity": "Moderate", "moderation": moderation,
           "interval_secs": 3600, "enabled": enabled, "area": {"geocodes": [], "everywhere": false}})
}

#[tokio::test]
async fn subscriptions_reach_screens_in_their_language_hold_update_cancel_expire_and_hostile_is_recorded(
) {
    let (feeds, st) = feed_server().await;
    let hook_url = format!("{feeds}/hook");
    let s = TestServer::with(|c| {
        c.webhook_urls = vec![hook_url];
        c.webhook_secret = "cap-test-secret".into();
    })
    .await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let ids = screens(&s, &admin, 2).await;
    let res = admin
        .req(
            reqwest::Method::PATCH,
            &format!("/api/v1/screens/{}", ids[0]),
        )
        .header("content-type", "application/merge-patch+json")
        .body(json!({"language": "ru"}).to_string())
        .send()
        .await
        .unwrap();
    ok_json(res, StatusCode::OK).await;
    let (ru, en) = (
        pair(&s, &admin, &ids[0]).await,
        pair(&s, &admin, &ids[1]).await,
    );
    let locations = ok_json(admin.get("/api/v1/locations").await, StatusCode::OK).await;
    let metro = locations["items"][0]["id"].as_str().unwrap().to_string();

    // The geocode mapping: EMMA_ID XX001 is the metro location. Bad input is named.
    let bad = admin
        .post_json(
            "/api/v1/alerts/geocodes",
            json!({"value_name": "EMMA_ID", "value": "XX001", "location_id": "nope"}),
        )
        .await;
    assert_eq!(
        assert_problem(bad, StatusCode::BAD_REQUEST, "unknown-location").await["field"],
        "location_id"
    );
    ok_json(
        admin
            .post_json(
                "/api/v1/alerts/geocodes",
                json!({"value_name": "EMMA_ID", "value": "XX001", "location_id": metro}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let viewer = s.user("viewer", Role::Viewer, &[]).await;
    assert_problem(
        viewer
            .post_json(
                "/api/v1/alerts/sources",
                source("X", format!("{feeds}/a.atom"), "hold", false),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let mut bad_src = source("X", format!("{feeds}/a.atom"), "sometimes", false);
    bad_src["interval_secs"] = json!(60);
    let bad = admin.post_json("/api/v1/alerts/sources", bad_src).await;
    assert_eq!(
        assert_problem(bad, StatusCode::BAD_REQUEST, "invalid-cap-source").await["field"],
        "moderation"
    );

    // A hostile source first: refused and recorded on itself.
    let bomb = ok_json(
        admin
            .post_json(
                "/api/v1/alerts/sources",
                source("Bomb", format!("{feeds}/bomb.atom"), "auto-publish", false),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let polled = ok_json(
        admin
            .post_json(
                &format!(
                    "/api/v1/alerts/sources/{}/poll",
                    bomb["id"].as_str().unwrap()
                ),
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(polled["last_outcome"], "failed", "{polled}");
    assert_eq!(polled["last_error"]["code"], "dtd-refused", "{polled}");

    // An auto-publish source, polled by the worker (enabled): no operator action. A Minor alert is filtered.
    let t0 = now();
    {
        let mut f = st.lock().unwrap();
        let mut minor = cap(
            "A-0",
            t0 - 120_000,
            "Alert",
            "",
            &[("en", "Minor thing")],
            t0 + 3_600_000,
        );
        minor = minor.replace(
            "<cap:severity>Severe</cap:severity>",
            "<cap:severity>Minor</cap:severity>",
        );
        f.a.push(minor);
        f.a.push(cap(
            "A-1",
            t0 - 60_000,
            "Alert",
            "",
            &[
                ("en-GB", "Storm warning"),
                ("ru-RU", "Штормовое предупреждение"),
                ("zh-CN", "风暴警告"),
            ],
            t0 + 3_600_000,
        ));
    }
    let a = ok_json(
        admin
            .post_json(
                "/api/v1/alerts/sources",
                source("Met A", format!("{feeds}/a.atom"), "auto-publish", true),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let a_id = a["id"].as_str().unwrap().to_string();
    becomes(&s, &ru, &[("Штормовое предупреждение", "ru")]).await;
    becomes(&s, &en, &[("Storm warning", "en")]).await;
    let entries = ok_json(
        admin
            .get(&format!("/api/v1/alerts/sources/{a_id}/entries"))
            .await,
        StatusCode::OK,
    )
    .await;
    let outcomes: Vec<(&str, &str)> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["outcome"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(
        outcomes.contains(&("filtered", "below-minimum")),
        "{entries}"
    );
    assert!(outcomes.contains(&("published", "")), "{entries}");
    // Nothing changed at the source: a conditional request, answered 304.
    let again = ok_json(
        admin
            .post_json(&format!("/api/v1/alerts/sources/{a_id}/poll"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["last_outcome"], "not-modified", "{again}");
    assert!(st.lock().unwrap().inm.last().unwrap().is_some());

    // A hold source: a CAP 1.1 document in ISO-8859-1, linked from its feed; held, the webhook called, approved.
    *EXPIRES_B.lock().unwrap() = now() + 6_000;
    let b = ok_json(
        admin
            .post_json(
                "/api/v1/alerts/sources",
                source("Zivilschutz", format!("{feeds}/b.atom"), "hold", false),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let polled = ok_json(
        admin
            .post_json(
                &format!("/api/v1/alerts/sources/{}/poll", b["id"].as_str().unwrap()),
                json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(polled["counts"]["held"], 1, "{polled}");
    let list = ok_json(admin.get("/api/v1/alerts").await, StatusCode::OK).await;
    let held = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["identifier"] == "B-1")
        .unwrap()
        .clone();
    assert_eq!(held["held"], true);
    assert_eq!(held["parsed"]["version"], "1.1");
    assert_eq!(held["parsed"]["headline"], "Gefahr für Köln-Süd");
    assert_eq!(
        on_screen(&s, &en).await,
        vec![("Storm warning".to_string(), "en".to_string())]
    );
    for _ in 0..300 {
        if st
            .lock()
            .unwrap()
            .hooks
            .iter()
            .any(|h| h["event"] == "alert.held")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hook = st
        .lock()
        .unwrap()
        .hooks
        .iter()
        .find(|h| h["event"] == "alert.held")
        .cloned()
        .expect("the on-call webhook");
    assert_eq!(hook["alert"]["identifier"], "B-1");
    let approve = hook["review"]["approve"].as_str().unwrap().to_string();
    assert_problem(
        viewer.post_json(&approve, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    ok_json(admin.post_json(&approve, json!({})).await, StatusCode::OK).await;
    assert_problem(
        admin.post_json(&approve, json!({})).await,
        StatusCode::CONFLICT,
        "alert-not-held",
    )
    .await;
    // Extreme wins over Severe on the screen: the approved alert (German block: the only one) is shown.
    becomes(&s, &en, &[("Gefahr für Köln-Süd", "de")]).await;

    // Its own expiry takes it off again (no cancellation, no operator).
    becomes(&s, &en, &[("Storm warning", "en")]).await;

    // An Update replaces A-1, a Cancel then removes it.
    let t1 = now();
    st.lock().unwrap().a.push(cap(
        "A-2",
        t1 - 1_000,
        "Update",
        &format!("met@example.org,A-1,{}", rfc(t0 - 60_000)),
        &[
            ("en", "Storm moving east"),
            ("ru", "Шторм уходит на восток"),
        ],
        t1 + 3_600_000,
    ));
    ok_json(
        admin
            .post_json(&format!("/api/v1/alerts/sources/{a_id}/poll"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    becomes(&s, &ru, &[("Шторм уходит на восток", "ru")]).await;
    becomes(&s, &en, &[("Storm moving east", "en")]).await;
    st.lock().unwrap().a.push(cap(
        "A-3",
        now(),
        "Cancel",
        &format!("met@example.org,A-2,{}", rfc(t1 - 1_000)),
        &[],
        0,
    ));
    ok_json(
        admin
            .post_json(&format!("/api/v1/alerts/sources/{a_id}/poll"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    becomes(&s, &ru, &[]).await;
    becomes(&s, &en, &[]).await;

    // The hostile source is still marked, the good one fine.
    let all = ok_json(admin.get("/api/v1/alerts/sources").await, StatusCode::OK).await;
    let by_name = |n: &str| {
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("Bomb")["last_error"]["code"], "dtd-refused");
    assert_eq!(by_name("Met A")["last_error"], Value::Null);
}

/// A hold source tells the on-call operator by e-mail through the real local SMTP server (aiosmtpd), with the
/// approve and cancel paths; a source that requires a verified XML signature refuses an unsigned document
/// (`signature-missing`) and a signed one (`signature-unverifiable`: this server cannot verify XML-DSig), records
/// both on the source and its entries, and puts nothing on air.
#[tokio::test]
async fn a_held_alert_is_mailed_to_the_on_call_operator_and_required_signatures_are_refused_honestly(
) {
    let (feeds, _st) = feed_server().await;
    let smtp = crate::health::Smtp::start().await;
    let s = TestServer::with(|c| {
        c.smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
        c.smtp_from = "Twincast <noc@twincast.test>".into();
        c.smtp_to = vec!["on-call@twincast.test".into()];
    })
    .await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let poll = |id: String| {
        let admin = &admin;
        async move {
            ok_json(
                admin
                    .post_json(&format!("/api/v1/alerts/sources/{id}/poll"), json!({}))
                    .await,
                StatusCode::OK,
            )
            .await
        }
    };
    let everywhere = |name: &str, file: &str, moderation: &str| {
        let mut v = source(name, format!("{feeds}/{file}"), moderation, false);
        v["area"]["everywhere"] = json!(true);
        v
    };
    let held = ok_json(
        admin
            .post_json(
                "/api/v1/alerts/sources",
                everywhere("Held", "held.atom", "hold"),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let polled = poll(held["id"].as_str().unwrap().to_string()).await;
    assert_eq!(polled["counts"]["held"], 1, "{polled}");
    let smtp = &smtp;
    let mail = crate::health::wait_for("the alert.held e-mail in the Maildir", || async move {
        smtp.messages().into_iter().next()
    })
    .await;
    assert_eq!(
        crate::health::header_of(&mail, "To"),
        Some("on-call@twincast.test")
    );
    assert_eq!(
        crate::health::header_of(&mail, "Subject"),
        Some("[Twincast] Alert waiting for approval: Flood warning (Severe)")
    );
    assert!(mail.contains("H-1") && mail.contains("/approve"), "{mail}");

    let mut signed = everywhere("Signed", "signed.atom", "auto-publish");
    signed["require_signature"] = json!(true);
    let signed = ok_json(
        admin.post_json("/api/v1/alerts/sources", signed).await,
        StatusCode::CREATED,
    )
    .await;
    let id = signed["id"].as_str().unwrap().to_string();
    let polled = poll(id.clone()).await;
    assert_eq!(polled["last_outcome"], "partial", "{polled}");
    assert_eq!(polled["counts"]["imported"], 0, "{polled}");
    assert_eq!(
        polled["last_error"]["code"], "signature-missing",
        "{polled}"
    );
    assert!(
        polled["last_error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("2 of 2 entries refused"),
        "{polled}"
    );
    let entries = ok_json(
        admin
            .get(&format!("/api/v1/alerts/sources/{id}/entries"))
            .await,
        StatusCode::OK,
    )
    .await;
    let mut codes: Vec<&str> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["outcome"], "refused", "{entries}");
            e["code"].as_str().unwrap()
        })
        .collect();
    codes.sort();
    assert_eq!(codes, ["signature-missing", "signature-unverifiable"]);
    let list = ok_json(admin.get("/api/v1/alerts").await, StatusCode::OK).await;
    assert!(
        !list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["identifier"] == "S-1" || r["identifier"] == "S-2"),
        "{list}"
    );
}
