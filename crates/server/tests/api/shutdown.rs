//! Graceful shutdown: requests in flight are answered, then every background worker stops by itself.

use crate::common::{partner_input, png};
use std::time::Duration;
use twincast_app::background::WorkerState;
use twincast_server::config::Config;
use twincast_server::AppState;

#[tokio::test]
async fn graceful_shutdown_drains_requests_and_stops_every_worker() {
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: data.path().to_path_buf(),
        media_workers: 2,
        ..Config::default()
    };
    let state = AppState::open(config).await.unwrap();
    state
        .store
        .create_partner(
            &partner_input("akashi"),
            &twincast_store::AuditEntry::by_system("partner.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let hash = twincast_server::auth::hash_password("password123".into())
        .await
        .unwrap();
    let user = state
        .store
        .create_user(
            "root",
            &hash,
            twincast_store::Role::Admin,
            &[],
            &twincast_store::AuditEntry::by_system("user.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let token = state
        .app
        .create_token(
            &twincast_app::Actor::new(user),
            twincast_app::users::NewToken {
                name: "t".into(),
                scopes: None,
                expires_in_days: None,
            },
        )
        .await
        .unwrap()
        .token;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = twincast_server::Server::start(state.clone(), listener, async {
        let _ = stop_rx.await;
    })
    .await
    .unwrap();
    let states = server.workers.clone();
    // Two media job workers, the hub's refresh loop, the health watch, the notifier, the interest sweep and the
    // news tickers' clock, the news wire's poller, the CAP sources' poller, this node's lease and the change
    // fan-out's publisher and listener (both stopped at once on SQLite), and the proof-of-play
    // checkpointer.
    assert_eq!(states.states().len(), 13, "{:?}", states.states());
    for name in [
        "node-lease",
        "change-publisher",
        "change-listener",
        "hub-refresh",
        "health-watch",
        "notifier",
        "interest-sweep",
        "news-ticker-clock",
        "news-wire",
        "cap-sources",
        "proof-checkpoints",
    ] {
        assert!(states.states().contains_key(name), "{name}");
    }

    // An upload whose body arrives in two parts; shutdown is asked between them.
    let png = png(64, 48);
    let (body_tx, body_rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let boundary = "XBOUNDARYX";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"partner\"\r\n\r\nakashi\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let url = format!("http://{}/api/v1/media", server.addr);
    let request = tokio::spawn(
        reqwest::Client::new()
            .post(url)
            .bearer_auth(&token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(reqwest::Body::wrap_stream(tokio_stream_from(body_rx)))
            .send(),
    );
    let half = png.len() / 2;
    let mut first = head.into_bytes();
    first.extend_from_slice(&png[..half]);
    body_tx.send(Ok(first)).await.unwrap();
    // The server has the request once the partner field was read: wait for the spool file (bounded by count).
    let tmp = data.path().join("tmp");
    let mut seen = false;
    for _ in 0..3000 {
        if std::fs::read_dir(&tmp)
            .map(|d| d.count() > 0)
            .unwrap_or(false)
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(seen, "the upload never reached the server");
    stop_tx.send(()).unwrap();
    // Shutdown has begun once the listener is closed: new connections are refused (bounded by count).
    let mut closed = false;
    for _ in 0..3000 {
        if tokio::net::TcpStream::connect(server.addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        closed,
        "the server kept accepting connections after shutdown was asked"
    );
    let mut rest = png[half..].to_vec();
    rest.extend_from_slice(tail.as_bytes());
    body_tx.send(Ok(rest)).await.unwrap();
    drop(body_tx);
    let res = request
        .await
        .unwrap()
        .expect("the in-flight request is answered");
    assert_eq!(res.status(), reqwest::StatusCode::CREATED);
    let report = server.handle.await.unwrap().unwrap();
    assert!(report.aborted.is_empty(), "{report:?}");
    assert_eq!(report.stopped.len(), 13, "{report:?}");
    assert!(
        report.stopped.iter().any(|n| n == "health-watch")
            && report.stopped.iter().any(|n| n == "notifier"),
        "{report:?}"
    );
    assert!(
        states.states().values().all(|s| *s == WorkerState::Stopped),
        "{:?}",
        states.states()
    );
    // Acknowledged means durable: the item is in the database after the stop.
    let store = twincast_store::Store::connect(&format!(
        "sqlite://{}?mode=rwc",
        data.path().join("twincast.db").display()
    ))
    .await
    .unwrap();
    let page = store
        .list_media(
            &twincast_store::MediaFilter::default(),
            &twincast_store::PageRequest {
                limit: 10,
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
