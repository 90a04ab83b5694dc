//! The documented load balancer (`docs/deploy/haproxy.cfg`, run as written but for its `bind` and `server` lines)
//! in front of three `twincast serve` nodes on one PostgreSQL database and one S3 bucket (docs/scale-out.md):
//! - screens connect through it and land on different nodes;
//! - a node told to stop (SIGTERM, `--drain-secs`) drains: HAProxy's `/readyz` checks take it out, its screens'
//!   sockets are closed with 1001 and reconnect through the balancer to the other nodes;
//! - no request sent through the balancer meanwhile fails, and no acknowledged proof-of-play event is lost;
//! - a change made afterwards reaches every screen within a second.
//!
//! Needs `TWINCAST_TEST_DATABASE_URL`, `TWINCAST_TEST_S3_URL` and `haproxy` (scripts/test.sh installs it);
//! without them it fails under `TWINCAST_TEST_REQUIRE_SERVICES=1` and says it did not run otherwise.

mod common;

use common::*;
use futures::StreamExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn requirements() -> Option<(String, String, PathBuf)> {
    let db = std::env::var("TWINCAST_TEST_DATABASE_URL").ok();
    let s3 = std::env::var("TWINCAST_TEST_S3_URL").ok();
    let haproxy = [
        "/usr/sbin/haproxy",
        "/usr/bin/haproxy",
        "/usr/local/sbin/haproxy",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    match (db, s3, haproxy) {
        (Some(db), Some(s3), Some(h)) => Some((db, s3, h)),
        _ => {
            assert_ne!(
                std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref(),
                Ok("1"),
                "TWINCAST_TEST_DATABASE_URL, TWINCAST_TEST_S3_URL and haproxy are required when TWINCAST_TEST_REQUIRE_SERVICES=1"
            );
            eprintln!("DID NOT RUN: balancer (a database, S3 or haproxy is missing)");
            None
        }
    }
}

/// The recipe with its `bind` and `server` lines pointed at this test's ports; fails if the recipe no longer has
/// the lines it rewrites (then it would not be the recipe that is tested).
fn recipe(lb_port: u16, nodes: &[&str]) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/deploy/haproxy.cfg");
    let text = std::fs::read_to_string(path).unwrap();
    let mut servers = 0;
    let mut binds = 0;
    let out: Vec<String> = text
        .lines()
        .map(|l| {
            let t = l.trim_start();
            if t.starts_with("bind ") {
                binds += 1;
                format!("    bind 127.0.0.1:{lb_port}")
            } else if t.starts_with("server node") {
                servers += 1;
                let addr = nodes[servers - 1].trim_start_matches("http://");
                format!("    server node{servers} {addr}")
            } else {
                l.to_string()
            }
        })
        .collect();
    assert_eq!(
        (binds, servers),
        (1, 3),
        "the recipe's bind and server lines"
    );
    out.join("\n") + "\n"
}

struct Balancer(Child);

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn connect(base: &str, token: &str) -> Result<Ws, String> {
    let url = format!(
        "{}/api/v1/player/ws?token={token}",
        base.replace("http://", "ws://")
    );
    let mut ws = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?
        .0;
    match next(&mut ws, "hello", Duration::from_secs(10)).await {
        Next::Got(_) => Ok(ws),
        other => Err(format!("no hello: {other:?}")),
    }
}

#[derive(Debug)]
enum Next {
    Got(serde_json::Value),
    Closed(Option<u16>),
    Timeout,
}

/// The next message of type `kind` within `limit` (skipping others), or how the socket ended.
async fn next(ws: &mut Ws, kind: &str, limit: Duration) -> Next {
    let wait = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return Next::Got(v);
                    }
                }
                Some(Ok(Message::Close(f))) => return Next::Closed(f.map(|f| u16::from(f.code))),
                None | Some(Err(_)) => return Next::Closed(None),
                Some(Ok(_)) => {}
            }
        }
    };
    tokio::time::timeout(limit, wait)
        .await
        .unwrap_or(Next::Timeout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_drains_behind_the_documented_balancer() {
    let Some((admin_db, s3, haproxy)) = requirements() else {
        return;
    };
    let db = twincast_store::Store::create_scratch_database(&admin_db)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let setup = dir.path().join("setup");
    let with_db = |extra: &[&str], data: &PathBuf| -> Vec<String> {
        extra
            .iter()
            .map(|s| s.to_string())
            .chain(
                ["--database-url", &db, "--storage", &s3, "--data"]
                    .map(str::to_string)
                    .into_iter()
                    .chain([data.to_str().unwrap().to_string()]),
            )
            .collect()
    };
    let run = |extra: &[&str], stdin: &str| {
        let a = with_db(extra, &setup);
        ok(&twincast(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            stdin,
        ))
    };
    run(
        &[
            "user",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "password123\n",
    );
    let token = run(&["token", "create", "--user", "admin"], "")
        .trim()
        .to_string();
    let tokens = dir.path().join("tokens.tsv");
    run(
        &[
            "fleet",
            "provision",
            "--unsigned",
            "--screens",
            "6",
            "--locations",
            "1",
            "--tokens-out",
            tokens.to_str().unwrap(),
        ],
        "",
    );
    let devices: Vec<String> = std::fs::read_to_string(&tokens)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let screen0 = std::fs::read_to_string(&tokens)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split('\t')
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(devices.len(), 6);

    // Three nodes, as the recipe asks them to run.
    let node = |name: &str| {
        let data = dir.path().join(name);
        std::fs::create_dir_all(&data).unwrap();
        let a = [
            "--database-url",
            &db,
            "--storage",
            &s3,
            "--drain-secs",
            "2",
            "--trusted-proxy",
            "127.0.0.1/32",
        ];
        serve(&data, &a)
    };
    let (n1, n2, n3) = (node("n1"), node("n2"), node("n3"));
    let lb_port = free_port();
    let cfg = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg, recipe(lb_port, &[&n1.base, &n2.base, &n3.base])).unwrap();
    let check = Command::new(&haproxy)
        .args(["-c", "-f", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "haproxy -c: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _lb = Balancer(
        Command::new(&haproxy)
            .args(["-db", "-f", cfg.to_str().unwrap()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lb = format!("http://127.0.0.1:{lb_port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = client
            .get(format!("{lb}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "the balancer did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let res = client
        .post(format!("{lb}/api/v1/partners"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"slug": "akashi", "names": {"en": "Akashi", "ru": "Акаси", "zh": "明石"},
            "country": "JP", "continent": "asia", "lat": 34.6, "lon": 135.0, "since": 1981, "description": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // Six screens through the balancer.
    let mut sockets = Vec::new();
    for t in &devices {
        sockets.push(connect(&lb, t).await.unwrap());
    }

    // Proof of play keeps arriving through the balancer, every 20 ms, while node 1 stops.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sender = {
        let (client, lb, device, stop) =
            (client.clone(), lb.clone(), devices[0].clone(), stop.clone());
        tokio::spawn(async move {
            let (mut acked, mut failed) = (0u64, Vec::new());
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                i += 1;
                let t = 1_800_000_000_000 + i as i64 * 10_000;
                let events: Vec<serde_json::Value> = (0..5)
                    .map(|k| {
                        serde_json::json!({"id": format!("lb-{i}-{k}"), "campaign": "lb",
                        "started_at": t + k, "ended_at": t + k + 5_000})
                    })
                    .collect();
                match client
                    .post(format!("{lb}/api/v1/player/plays"))
                    .bearer_auth(&device)
                    .json(&serde_json::json!({"events": events}))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => acked += 5,
                    Ok(r) => failed.push(format!("batch {i}: HTTP {}", r.status())),
                    Err(e) => failed.push(format!("batch {i}: {e}")),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (acked, failed)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopping = Instant::now();
    let pid = n1.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    // While it drains, the balancer stops sending it anything; then its screens are told to go (1001).
    let mut moved = 0;
    for (i, ws) in sockets.iter_mut().enumerate() {
        match next(ws, "never", Duration::from_millis(10)).await {
            Next::Timeout => {}
            other => panic!("socket {i} ended before the drain was over: {other:?}"),
        }
    }
    let mut n1 = n1;
    let deadline = Instant::now() + Duration::from_secs(20);
    let exited = loop {
        if let Some(s) = n1.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "node 1 did not stop within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exited.success(), "node 1 exited with {exited}");
    assert!(
        stopping.elapsed() >= Duration::from_secs(2),
        "node 1 stopped before its 2 s drain"
    );
    for (i, ws) in sockets.iter_mut().enumerate() {
        match next(ws, "never", Duration::from_millis(200)).await {
            Next::Timeout => {}
            Next::Closed(code) => {
                assert_eq!(code, Some(1001), "socket {i} closed without 1001");
                // The player reconnects through the balancer: another node answers.
                *ws = connect(&lb, &devices[i])
                    .await
                    .unwrap_or_else(|e| panic!("socket {i} could not reconnect: {e}"));
                moved += 1;
            }
            Next::Got(v) => panic!("{v}"),
        }
    }
    assert!(
        moved >= 1,
        "no screen was on node 1 (leastconn spreads six over three)"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (acked, failed) = sender.await.unwrap();
    assert!(
        failed.is_empty(),
        "requests failed through the balancer: {failed:?}"
    );
    assert!(acked >= 50, "only {acked} plays sent");

    // A change made now reaches all six screens, wherever they are, within a second.
    let res = client
        .post(format!("{lb}/api/v1/campaigns"))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"name": "After the drain", "partner": "akashi",
            "items": [{"kind": "html", "template": "partner_card", "data": {"city": "Akashi"}}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    for (i, ws) in sockets.iter_mut().enumerate() {
        match next(ws, "manifest_changed", Duration::from_secs(1)).await {
            Next::Got(_) => {}
            other => panic!("screen {i} did not hear of the change: {other:?}"),
        }
    }
    // Every acknowledged event is in the database once.
    let store = twincast_store::Store::connect(&db).await.unwrap();
    assert_eq!(store.play_count(&screen0).await.unwrap(), acked as i64);
    eprintln!(
        "balancer: {moved} screens moved, {acked} plays acknowledged while node 1 drained; nodes {} {} left",
        n2.base, n3.base
    );
}
