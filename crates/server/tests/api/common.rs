//! Starting a real server for a test, a small client, and the player's side: screens, pairing, device-token
//! requests and the push socket.

use futures::StreamExt;
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use twincast_protocol::{PairingCreated, PairingRequest, PairingStatus, Push};
use twincast_server::config::Config;
use twincast_server::AppState;
use twincast_store::{PartnerInput, Role};

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub _data: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Which database the test suite runs on: `TWINCAST_TEST_BACKEND=postgres` uses a fresh database on
/// `TWINCAST_TEST_DATABASE_URL`; anything else SQLite in the temp dir.
async fn database_url() -> String {
    if std::env::var("TWINCAST_TEST_BACKEND").as_deref() == Ok("postgres") {
        let admin = std::env::var("TWINCAST_TEST_DATABASE_URL")
            .expect("TWINCAST_TEST_BACKEND=postgres needs TWINCAST_TEST_DATABASE_URL");
        return twincast_store::Store::create_scratch_database(&admin)
            .await
            .expect("scratch database");
    }
    String::new()
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        Self::with_clock(tweak, None).await
    }

    /// A server whose application reads time from `clock` (tests of expiry move it instead of sleeping).
    pub async fn with_clock(
        tweak: impl FnOnce(&mut Config),
        clock: Option<std::sync::Arc<twincast_app::ManualClock>>,
    ) -> TestServer {
        let data = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: data.path().to_path_buf(),
            database_url: database_url().await,
            // The tests' feed servers listen on loopback (the guard itself: news_wire.rs).
            fetch_allow_networks: vec!["127.0.0.0/8".into()],
            ..Config::default()
        };
        tweak(&mut config);
        let mut state = AppState::open(config).await.unwrap();
        if let Some(clock) = clock {
            state.app = state.app.with_clock(clock);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = twincast_server::Server::start(state.clone(), listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
        TestServer {
            base: format!("http://{}", server.addr),
            state,
            _data: data,
            stop: Some(tx),
        }
    }

    /// Tells the server to stop, as SIGTERM does (drain first, then stop listening).
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Creates an account directly in the store and returns a logged-in client for it.
    pub async fn user(&self, name: &str, role: Role, partners: &[&str]) -> Session {
        let hash = twincast_server::auth::hash_password("password123".into())
            .await
            .unwrap();
        let partners: Vec<String> = partners.iter().map(|s| s.to_string()).collect();
        self.state
            .store
            .create_user(
                name,
                &hash,
                role,
                &partners,
                &twincast_store::AuditEntry::by_system("user.create", "", twincast_store::now_ms()),
            )
            .await
            .unwrap();
        self.login(name, "password123").await
    }

    pub async fn login(&self, name: &str, password: &str) -> Session {
        let client = Client::builder().cookie_store(true).build().unwrap();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"username": name, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "login of {name}");
        let body: Value = res.json().await.unwrap();
        Session {
            client,
            csrf: body["csrf_token"].as_str().unwrap().to_string(),
            base: self.base.clone(),
        }
    }

    pub async fn partner(&self, slug: &str) {
        self.state
            .store
            .create_partner(
                &partner_input(slug),
                &twincast_store::AuditEntry::by_system(
                    "partner.create",
                    "",
                    twincast_store::now_ms(),
                ),
            )
            .await
            .unwrap();
    }

    /// Files under the data directory's spool (must be empty between requests).
    pub fn spool_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.state.config.tmp_dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    pub async fn media_count(&self) -> usize {
        let page = twincast_store::PageRequest {
            limit: 500,
            cursor: None,
        };
        self.state
            .store
            .list_media(&Default::default(), &page)
            .await
            .unwrap()
            .items
            .len()
    }

    pub async fn object_count(&self) -> usize {
        self.state.storage.list("media/").await.unwrap().len()
    }
}

pub fn partner_input(slug: &str) -> PartnerInput {
    PartnerInput {
        slug: slug.into(),
        names: [("en", "City"), ("ru", "Город"), ("zh", "城市")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        country: "DE".into(),
        continent: "europe".into(),
        lat: Some(51.0),
        lon: Some(7.0),
        since: Some(1990),
        description: String::new(),
        descriptions: Default::default(),
        logo_media_id: None,
    }
}

/// A logged-in browser-like client (cookie + CSRF header).
pub struct Session {
    pub client: Client,
    pub csrf: String,
    pub base: String,
}

impl Session {
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
            .header("x-csrf-token", &self.csrf)
    }
    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.unwrap()
    }
    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.req(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

/// A valid PNG of the given size.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let p = &twincast_demo::partners()[0];
    twincast_demo::partner_card_png(p, twincast_demo::Lang::En, None, w, h).unwrap()
}

pub fn multipart(partner: &str, name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("partner", partner.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        )
}

/// Asserts a problem+json answer with this status and code.
pub async fn assert_problem(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "expected {status} {code}");
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert_eq!(body["status"], status.as_u16());
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A location and `n` screens; returns the screen ids.
pub async fn screens(s: &TestServer, admin: &Session, n: usize) -> Vec<String> {
    let res = admin
        .post_json(
            "/api/v1/locations",
            json!({"slug": "metro-1", "name": "Metro 1", "kind": "metro", "lat": 52.5, "lon": 13.4, "tz": "Europe/Berlin"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let mut out = vec![];
    for i in 0..n {
        let v: Value = admin
            .post_json(
                "/api/v1/screens",
                json!({"name": format!("Platform {i}"), "location": "metro-1", "width": 1920, "height": 1080}),
            )
            .await
            .json()
            .await
            .unwrap();
        out.push(v["id"].as_str().unwrap().to_string());
    }
    let _ = s;
    out
}

/// Pairs a new player with `screen_id` through the HTTP flow and returns its device token.
pub async fn pair(s: &TestServer, operator: &Session, screen_id: &str) -> String {
    let req = PairingRequest {
        player_version: Some("test-1".into()),
        ..PairingRequest::default()
    };
    pair_as(s, operator, screen_id, req).await.token.unwrap()
}

/// Pairs a player that asks with `req` (e.g. with its public key) through the HTTP flow; returns the paired status.
pub async fn pair_as(
    s: &TestServer,
    operator: &Session,
    screen_id: &str,
    req: PairingRequest,
) -> PairingStatus {
    let c = Client::new();
    let p: PairingCreated = c
        .post(s.url("/api/v1/player/pairings"))
        .json(&req)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claim = operator
        .post_json(
            &format!("/api/v1/pairings/{}/claim", p.code),
            json!({"screen_id": screen_id}),
        )
        .await;
    assert_eq!(claim.status(), StatusCode::OK);
    let got: PairingStatus = c
        .get(s.url(&format!(
            "/api/v1/player/pairings/{}?secret={}",
            p.pairing_id, p.poll_secret
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got.status, "paired", "{got:?}");
    got
}

/// One default heartbeat from the player holding `token`, answered 200.
pub async fn heartbeat(s: &TestServer, token: &str) {
    let res = Client::new()
        .post(s.url("/api/v1/player/heartbeat"))
        .bearer_auth(token)
        .json(&twincast_protocol::Heartbeat::default())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

pub fn get(s: &TestServer, path: &str, token: &str) -> reqwest::RequestBuilder {
    Client::new().get(s.url(path)).bearer_auth(token)
}

pub fn post(s: &TestServer, path: &str, token: &str) -> reqwest::RequestBuilder {
    Client::new().post(s.url(path)).bearer_auth(token)
}

pub async fn ws_connect(s: &TestServer, token: &str) -> Ws {
    let url = format!(
        "{}/api/v1/player/ws?token={token}",
        s.base.replace("http://", "ws://")
    );
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next message of a type (`hello`, `manifest_changed`, …; skipping others), decoded as the wire type;
/// `None` when the socket closes first. Fails after 120 s so a broken push cannot hang the suite (a bound against
/// a hang, not a speed requirement).
pub async fn next_of(ws: &mut Ws, kind: &str) -> Option<Push> {
    let wait = async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == kind {
                        return Some(serde_json::from_value::<Push>(v).unwrap());
                    }
                }
                Some(Ok(Message::Close(_))) => return None,
                Some(Ok(_)) => {}
                other => panic!("socket ended waiting for {kind}: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .unwrap_or_else(|_| panic!("no {kind} message"))
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Posts a form as a browser does (the session's client follows redirects).
pub async fn post_form(s: &Session, path: &str, pairs: &[(&str, &str)]) -> Response {
    s.client
        .post(format!("{}{}", s.base, path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .unwrap()
}
