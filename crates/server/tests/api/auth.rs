use crate::common::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use twincast_store::Role;

#[tokio::test]
async fn login_me_logout_and_cookie_flags() {
    let s = TestServer::start().await;
    s.user("alice", Role::Operator, &[]).await;
    let c = Client::builder().cookie_store(true).build().unwrap();
    let res = c
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "alice", "password": "password123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http deployment: no Secure flag"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["user"]["username"], "alice");
    assert!(body["user"].get("password_hash").is_none());
    let csrf = body["csrf_token"].as_str().unwrap().to_string();
    let me: serde_json::Value = c
        .get(s.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"]["role"], "operator");
    assert_eq!(me["csrf_token"], csrf.as_str());
    // Logout is state-changing: without the CSRF header it is refused.
    let res = c.post(s.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "csrf-failed").await;
    let res = c
        .post(s.url("/api/v1/auth/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_problem(
        c.get(s.url("/api/v1/auth/me")).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn secure_cookie_behind_https() {
    let s = TestServer::with(|c| c.public_base_url = "https://screens.example".into()).await;
    s.user("alice", Role::Viewer, &[]).await;
    let res = Client::new()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "alice", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn bad_credentials_bad_json_and_rate_limit() {
    let s = TestServer::with(|c| c.login_attempts_per_minute = 3).await;
    s.user("bob", Role::Viewer, &[]).await;
    let c = Client::new();
    let login = |body: String| {
        c.post(s.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_problem(
        login("{\"username\":".into()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-json",
    )
    .await;
    assert_problem(
        login(json!({"username": "bob", "password": "x", "extra": 1}).to_string())
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid-body",
    )
    .await;
    // Successful logins do not count: more of them than the limit all pass (an office behind one address).
    for _ in 0..5 {
        let res = login(json!({"username": "bob", "password": "password123"}).to_string())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    // Failed ones do: three spend the quota.
    assert_problem(
        login(json!({"username": "bob", "password": "wrong"}).to_string())
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_problem(
        login(json!({"username": "bob", "password": "wrong"}).to_string())
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    assert_problem(
        login(json!({"username": "nobody", "password": "wrong"}).to_string())
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    // Quota spent: even the right password is refused for now.
    assert_problem(
        login(json!({"username": "bob", "password": "password123"}).to_string())
            .await
            .unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-logins",
    )
    .await;
}

#[tokio::test]
async fn expired_session_is_refused() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|c| c.session_ttl_secs = 60, Some(clock.clone())).await;
    s.user("carol", Role::Admin, &[]).await;
    // Keep the cookie by hand: a browser would drop it at Max-Age, a replaying attacker would not.
    let res = Client::new()
        .post(s.url("/api/v1/auth/login"))
        .json(&json!({"username": "carol", "password": "password123"}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let get = || {
        Client::new()
            .get(s.url("/api/v1/users"))
            .header("cookie", cookie.clone())
            .send()
    };
    // The app's clock moves, not the test: no waiting, whatever the machine's speed.
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    clock.advance(59_000);
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    clock.advance(1_000);
    assert_problem(
        get().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "session-expired",
    )
    .await;
}

#[tokio::test]
async fn expired_api_token_is_refused() {
    let clock = twincast_app::ManualClock::starting_now();
    let s = TestServer::with_clock(|_| {}, Some(clock.clone())).await;
    let u = s.user("erin", Role::Admin, &[]).await;
    let res = u
        .client
        .post(s.url("/api/v1/tokens"))
        .header("x-csrf-token", &u.csrf)
        .json(&json!({"name": "one day", "expires_in_days": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let get = || {
        Client::new()
            .get(s.url("/api/v1/users"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    clock.advance(86_400_000 - 1);
    assert_eq!(get().await.unwrap().status(), StatusCode::OK);
    clock.advance(1);
    assert_problem(
        get().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn csrf_header_required_for_cookie_writes() {
    let s = TestServer::start().await;
    let u = s.user("dave", Role::Admin, &[]).await;
    let res = u
        .client
        .post(s.url("/api/v1/partners"))
        .json(&serde_json::to_value(partner_input("x")).unwrap())
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "csrf-failed").await;
    let res = u
        .post_json(
            "/api/v1/partners",
            serde_json::to_value(partner_input("x")).unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn api_tokens_scoped_and_revocable() {
    let s = TestServer::start().await;
    let u = s.user("erin", Role::Operator, &[]).await;
    let res = u
        .post_json("/api/v1/tokens", json!({"name": "ro", "scopes": ["read"]}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: serde_json::Value = res.json().await.unwrap();
    let ro = t["token"].as_str().unwrap().to_string();
    let rw: serde_json::Value = u
        .post_json("/api/v1/tokens", json!({"name": "rw"}))
        .await
        .json()
        .await
        .unwrap();
    let rw_secret = rw["token"].as_str().unwrap().to_string();
    let c = Client::new();
    let bearer =
        |tok: &str, m: Method, p: &str| c.request(m, s.url(p)).bearer_auth(tok.to_string());
    assert_eq!(
        bearer(&ro, Method::GET, "/api/v1/screens")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let body = serde_json::to_value(partner_input("p1")).unwrap();
    assert_problem(
        bearer(&ro, Method::POST, "/api/v1/partners")
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Bearer requests need no CSRF header.
    assert_eq!(
        bearer(&rw_secret, Method::POST, "/api/v1/partners")
            .json(&body)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_problem(
        bearer("tc_forged", Method::GET, "/api/v1/screens")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let id = t["id"].as_str().unwrap();
    assert_eq!(
        u.req(Method::DELETE, &format!("/api/v1/tokens/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        bearer(&ro, Method::GET, "/api/v1/screens")
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let list: serde_json::Value = u.get("/api/v1/tokens").await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t.get("token").is_none() && t.get("token_hash").is_none()));
    assert_problem(
        u.post_json("/api/v1/tokens", json!({"name": "x", "scopes": ["root"]}))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid-scope",
    )
    .await;
}
