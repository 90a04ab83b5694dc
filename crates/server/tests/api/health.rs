//! Offline alerts end to end: a real SMTP server (Python's aiosmtpd, writing a Maildir) and a webhook receiver on
//! loopback. A paired screen heartbeats, then falls silent: a signed webhook and an e-mail report it offline; the
//! webhook receiver is down at first, so the delivery is retried and arrives once it is up; a heartbeat again
//! brings "online" notifications. Every wait is a bounded poll on an observable state.

use crate::common::*;
use axum::body::Bytes;
use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use twincast_store::Role;

const SECRET: &str = "test-webhook-secret";
/// Bound of every wait (a guard against a hang, not a speed requirement).
const WAIT: Duration = Duration::from_secs(120);

/// Polls `check` every 100 ms until it answers `Some`, failing with `what` after [`WAIT`].
pub(crate) async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < until,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port on loopback where nothing listens yet.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd (PyPI) on loopback, delivering into a Maildir. The Python interpreter that has it is
/// `TWINCAST_TEST_AIOSMTPD_PYTHON` (set by scripts/test.sh), else `python3`.
pub(crate) struct Smtp {
    pub(crate) port: u16,
    maildir: tempfile::TempDir,
    _child: tokio::process::Child,
}

impl Smtp {
    pub(crate) async fn start() -> Smtp {
        let python =
            std::env::var("TWINCAST_TEST_AIOSMTPD_PYTHON").unwrap_or_else(|_| "python3".into());
        let probe = std::process::Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output();
        match probe {
            Ok(o) if o.status.success() => {}
            other => panic!(
                "aiosmtpd is needed for this test: `{python} -c 'import aiosmtpd'` failed ({other:?}). Install it \
                 with `{python} -m pip install aiosmtpd==1.4.6` (scripts/test.sh does), or set \
                 TWINCAST_TEST_AIOSMTPD_PYTHON to a Python that has it."
            ),
        }
        let maildir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = tokio::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A path that does not exist yet: Python's `mailbox.Maildir` creates `tmp/`, `new/` and `cur/` only then.
            .arg(maildir.path().join("Maildir"))
            .kill_on_drop(true)
            .spawn()
            .expect("starting aiosmtpd");
        let child_ref = &mut child;
        wait_for("aiosmtpd to accept connections", move || {
            let exited = child_ref.try_wait().unwrap();
            async move {
                assert!(exited.is_none(), "aiosmtpd exited: {exited:?}");
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()
                    .map(|_| ())
            }
        })
        .await;
        Smtp {
            port,
            maildir,
            _child: child,
        }
    }

    /// The messages delivered so far, oldest first.
    pub(crate) fn messages(&self) -> Vec<String> {
        let dir: PathBuf = self.maildir.path().join("Maildir").join("new");
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|(_, p)| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

/// What the webhook receiver got: (signature header, body).
type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

/// A loopback port held by a bound socket that does not listen: connections to it are refused (the receiver is
/// "down"), and no other test's server can take the port meanwhile.
fn reserved_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = socket.local_addr().unwrap().port();
    (socket, port)
}

/// Starts the webhook receiver on the reserved socket.
async fn start_receiver(socket: tokio::net::TcpSocket) -> Received {
    let got: Received = Arc::default();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let got = got.clone();
            move |headers: HeaderMap, body: Bytes| async move {
                let sig = headers
                    .get("twincast-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                got.lock().unwrap().push((sig, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = socket.listen(64).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    got
}

/// Verifies a `Twincast-Signature` header the way a receiver would (independently of the server's code).
fn signature_is_valid(header: &str, body: &[u8]) -> bool {
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let Ok(expected) = hex::decode(v1) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

/// The outbox rows of `event`, as the API shows them.
async fn rows(op: &Session, event: &str) -> Vec<Value> {
    let res = op.get("/api/v1/notifications?limit=500").await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == event)
        .cloned()
        .collect()
}

fn row<'a>(rows: &'a [Value], channel: &str) -> &'a Value {
    rows.iter()
        .find(|n| n["channel"] == channel)
        .unwrap_or_else(|| panic!("no {channel} row in {rows:?}"))
}

pub(crate) fn header_of<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .take_while(|l| !l.is_empty() && *l != "\r")
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim_end)
}

#[tokio::test]
async fn offline_and_online_alerts_by_signed_webhook_and_email() {
    let smtp = Smtp::start().await;
    let (hook_socket, hook_port) = reserved_port(); // Nothing listens there yet: the receiver is down.
    let s = TestServer::with(|c| {
        c.screen_offline_after_secs = 2;
        c.webhook_urls = vec![format!("http://127.0.0.1:{hook_port}/hook")];
        c.webhook_secret = SECRET.into();
        c.smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
        c.smtp_from = "Twincast <noc@twincast.test>".into();
        c.smtp_to = vec!["ops@twincast.test".into()];
    })
    .await;
    let admin = s.user("admin", Role::Admin, &[]).await;
    let op = s.user("op", Role::Operator, &[]).await;
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "health-t2", "name": "Terminal 2", "kind": "airport", "lat": 31.5, "lon": 120.4, "tz": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let screen: Value = admin
        .post_json(
            "/api/v1/screens",
            json!({"name": "Gate 7", "location": "health-t2", "width": 1920, "height": 1080}),
        )
        .await
        .json()
        .await
        .unwrap();
    let screen_id = screen["id"].as_str().unwrap().to_string();
    let token = pair(&s, &op, &screen_id).await;
    let (s, op, smtp) = (&s, &op, &smtp);

    // The player heartbeats until the health watch has seen it online (its first observation: no alert).
    wait_for("the screen to be recorded online", || {
        let (token, id) = (&token, &screen_id);
        async move {
            heartbeat(s, token).await;
            let h = s.state.store.screen_health(id).await.unwrap();
            (h.map(|h| h.0).as_deref() == Some("online")).then_some(())
        }
    })
    .await;
    assert!(
        rows(op, "screen.online").await.is_empty(),
        "first contact alerts nobody"
    );

    // The player stops. After the silence: one offline event, an e-mail and a webhook.
    let mail = wait_for("the offline e-mail in the Maildir", || async move {
        smtp.messages().into_iter().next()
    })
    .await;
    assert_eq!(header_of(&mail, "To"), Some("ops@twincast.test"));
    assert_eq!(
        header_of(&mail, "Subject"),
        Some("Screen offline: Gate 7 (Terminal 2)")
    );
    assert!(
        mail.contains("\"Gate 7\" at Terminal 2 is offline"),
        "{mail}"
    );
    assert!(mail.contains(&screen_id), "{mail}");
    // The webhook receiver is down: the delivery failed, is queued for a retry, and no request was blocked.
    // (The Maildir holds the message as soon as the SMTP server accepted it; the outbox row is marked delivered
    // just after, so wait for both.)
    let offline = wait_for(
        "a failed webhook attempt queued again, and the e-mail row delivered",
        || async move {
            let r = rows(op, "screen.offline").await;
            let w = r.iter().find(|n| n["channel"] == "webhook")?;
            let e = r.iter().find(|n| n["channel"] == "email")?;
            (w["attempts"].as_i64() >= Some(1)
                && w["status"] == "queued"
                && e["status"] == "delivered")
                .then(|| r.clone())
        },
    )
    .await;
    assert_eq!(offline.len(), 2, "{offline:?}");
    let hook = row(&offline, "webhook");
    assert!(
        hook["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("webhook request failed"),
        "{hook}"
    );
    let res = op.get("/api/v1/notifications?status=queued").await;
    let queued: Value = res.json().await.unwrap();
    assert!(queued["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["status"] == "queued"));
    assert_eq!(row(&offline, "email")["status"], "delivered");

    // The receiver comes up: the retry delivers the event, once, signed.
    let got = start_receiver(hook_socket).await;
    wait_for("the webhook delivered after the retry", || async move {
        (row(&rows(op, "screen.offline").await, "webhook")["status"] == "delivered").then_some(())
    })
    .await;
    let first = {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1, "delivered exactly once");
        got[0].clone()
    };
    assert!(
        signature_is_valid(&first.0, &first.1),
        "bad signature {:?}",
        first.0
    );
    assert!(!signature_is_valid(&first.0, b"{\"tampered\":true}"));
    let body: Value = serde_json::from_slice(&first.1).unwrap();
    assert_eq!(body["event"], "screen.offline");
    assert_eq!(body["screen"]["id"], screen_id.as_str());
    assert_eq!(body["screen"]["name"], "Gate 7");
    assert_eq!(body["screen"]["location"], "Terminal 2");
    assert!(body["at"].as_str().unwrap().ends_with('Z'));
    assert!(body["last_seen_at"].as_str().is_some());
    assert_eq!(body["id"], hook["event_id"]);

    // Back again: "online" by webhook and e-mail.
    heartbeat(s, &token).await;
    wait_for("the online notifications delivered", || async move {
        let r = rows(op, "screen.online").await;
        (r.len() == 2 && r.iter().all(|n| n["status"] == "delivered")).then_some(())
    })
    .await;
    let (sig, raw) = got.lock().unwrap().last().cloned().unwrap();
    assert!(signature_is_valid(&sig, &raw));
    let body: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(body["event"], "screen.online");
    assert_eq!(got.lock().unwrap().len(), 2);
    let mails = wait_for("the online e-mail", || async move {
        let m = smtp.messages();
        (m.len() == 2).then_some(m)
    })
    .await;
    assert!(
        mails
            .iter()
            .any(|m| header_of(m, "Subject") == Some("Screen online: Gate 7 (Terminal 2)")),
        "{mails:?}"
    );

    // Nothing lost, nothing failed; the gauges count the screen by location.
    let all: Value = op.get("/api/v1/notifications").await.json().await.unwrap();
    let all = all["items"].as_array().unwrap();
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(all.iter().all(|n| n["status"] == "delivered"));
    let failed: Value = op
        .get("/api/v1/notifications?status=failed")
        .await
        .json()
        .await
        .unwrap();
    assert!(failed["items"].as_array().unwrap().is_empty());
    let res = op.get("/api/v1/notifications?status=sent").await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-status").await;
    let metrics = wait_for("the online gauge", || async move {
        let text = Client::new()
            .get(s.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.contains("twincast_screens{location=\"health-t2\",status=\"online\"} 1")
            .then_some(text)
    })
    .await;
    assert!(
        metrics.contains("twincast_screens{location=\"health-t2\",status=\"offline\"} 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn notification_settings_are_checked_at_start() {
    let data = tempfile::tempdir().unwrap();
    let config = twincast_server::config::Config {
        data_dir: data.path().to_path_buf(),
        webhook_urls: vec!["https://hooks.example.org/x".into()],
        ..Default::default()
    };
    let err = twincast_server::AppState::open(config)
        .await
        .err()
        .expect("a webhook without a secret is refused")
        .to_string();
    assert!(err.contains("webhook_secret"), "{err}");
}

/// A partner-editor's writes are pending review: each one queues a `moderation.pending` event, in the transaction
/// of the write, delivered by signed webhook and by e-mail naming the partner, the item, its submitter and where to
/// review it. Operators publish directly and raise none.
#[tokio::test]
async fn pending_items_are_announced_by_signed_webhook_and_email() {
    let smtp = Smtp::start().await;
    let (hook_socket, hook_port) = reserved_port();
    let got = start_receiver(hook_socket).await;
    let s = TestServer::with(|c| {
        c.webhook_urls = vec![format!("http://127.0.0.1:{hook_port}/hook")];
        c.webhook_secret = SECRET.into();
        c.smtp_url = format!("smtp://127.0.0.1:{}", smtp.port);
        c.smtp_from = "Twincast <noc@twincast.test>".into();
        c.smtp_to = vec!["review@twincast.test".into()];
    })
    .await;
    s.partner("pa").await;
    let op = s.user("op", Role::Operator, &[]).await;
    let editor = s.user("ed", Role::PartnerEditor, &["pa"]).await;
    let (op, smtp, got) = (&op, &smtp, &got);
    let card = |name: &str| {
        json!({"name": name, "partner": "pa",
            "items": [{"kind": "html", "template": "partner_card", "data": {"title": name}}]})
    };

    // An operator's campaign is published at once: no event.
    let res = op
        .post_json("/api/v1/campaigns", card("Operator news"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // The editor's is pending: one event, by webhook and e-mail.
    let res = editor
        .post_json("/api/v1/campaigns", card("Spring fair"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["moderation"]["state"], "pending");
    let id = c["id"].as_str().unwrap().to_string();

    let delivered = wait_for("the pending notifications delivered", || async move {
        let r = rows(op, "moderation.pending").await;
        (r.len() == 2 && r.iter().all(|n| n["status"] == "delivered")).then_some(r)
    })
    .await;
    assert_eq!(delivered[0]["event_id"], delivered[1]["event_id"]);
    assert!(delivered.iter().all(|n| n["screen_id"].is_null()));
    let (sig, raw) = {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1, "one webhook delivery");
        got[0].clone()
    };
    assert!(signature_is_valid(&sig, &raw), "bad signature {sig:?}");
    let body: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(body["event"], "moderation.pending");
    assert_eq!(body["id"], delivered[0]["event_id"]);
    assert_eq!(
        body["item"],
        json!({"kind": "campaign", "id": id, "title": "Spring fair"})
    );
    assert_eq!(body["change"], "create");
    assert_eq!(body["partner"], json!({"slug": "pa", "name": "City"}));
    assert_eq!(body["submitted_by"]["username"], "ed");
    assert_eq!(body["review"]["path"], format!("/api/v1/campaigns/{id}"));
    assert_eq!(
        body["review"]["approve"],
        format!("/api/v1/campaigns/{id}/approve")
    );
    let mail = wait_for("the pending e-mail in the Maildir", || async move {
        smtp.messages().into_iter().next()
    })
    .await;
    assert_eq!(header_of(&mail, "To"), Some("review@twincast.test"));
    assert_eq!(
        header_of(&mail, "Subject"),
        Some("Pending review: campaign \"Spring fair\" for City")
    );
    // The text is quoted-printable: join its soft line breaks.
    let text = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(text.contains("submitted by ed for City (pa)"), "{text}");
    assert!(
        text.contains(&format!("POST /api/v1/campaigns/{id}/approve")),
        "{text}"
    );

    // The editor's change of the campaign and its upload are announced too, each as its own event.
    let res = editor
        .req(reqwest::Method::PATCH, &format!("/api/v1/campaigns/{id}"))
        .header("content-type", "application/merge-patch+json")
        .body(r#"{"name": "Spring fair 2"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = editor
        .req(reqwest::Method::POST, "/api/v1/media")
        .multipart(multipart("pa", "card.png", png(40, 30)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    let mid = m["id"].as_str().unwrap().to_string();
    wait_for("three pending events delivered", || async move {
        let r = rows(op, "moderation.pending").await;
        (r.len() == 6 && r.iter().all(|n| n["status"] == "delivered")).then_some(())
    })
    .await;
    let bodies: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().any(|b| b["change"] == "update"
        && b["item"]["title"] == "Spring fair 2"
        && b["item"]["id"] == id.as_str()));
    assert!(bodies.iter().any(|b| b["item"]["kind"] == "media"
        && b["item"]["id"] == mid.as_str()
        && b["item"]["title"] == "card.png"
        && b["review"]["approve"] == format!("/api/v1/media/{mid}/approve")));
    let mails = wait_for("three e-mails", || async move {
        let m = smtp.messages();
        (m.len() == 3).then_some(m)
    })
    .await;
    assert!(mails
        .iter()
        .any(|m| header_of(m, "Subject") == Some("Pending review: media \"card.png\" for City")));
}
