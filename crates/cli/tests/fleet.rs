//! `twincast fleet provision` and `twincast fleet-sim` against a real server process: a provisioned fleet holds
//! its sockets, reports heartbeats and proof of play, and every player gets the new manifest after a change;
//! players can also pair through the API; bad input is refused with a specific message.

mod common;

use common::*;
use serde_json::Value;

fn operator_token(data: &str) -> String {
    ok(&twincast(
        &[
            "user",
            "add",
            "op",
            "--role",
            "operator",
            "--password-stdin",
            "--data",
            data,
        ],
        "password123\n",
    ));
    ok(&twincast(
        &["token", "create", "--user", "op", "--data", data],
        "",
    ))
    .trim()
    .to_string()
}

fn get(base: &str, token: &str, path: &str) -> Value {
    reqwest::blocking::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn a_provisioned_fleet_connects_reports_and_follows_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let tokens = dir.path().join("tokens.txt");
    let tokens_s = tokens.to_str().unwrap();

    let out = twincast(
        &[
            "fleet",
            "provision",
            "--screens",
            "0",
            "--tokens-out",
            tokens_s,
            "--data",
            data,
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--screens must be between 1 and 100000"));
    assert!(!tokens.exists(), "nothing written on bad input");

    ok(&twincast(
        &[
            "fleet",
            "provision",
            "--screens",
            "40",
            "--campaigns",
            "12",
            "--partners",
            "4",
            "--locations",
            "5",
            "--tokens-out",
            tokens_s,
            "--data",
            data,
        ],
        "",
    ));
    let lines: Vec<String> = std::fs::read_to_string(&tokens)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 40);
    assert!(lines
        .iter()
        .all(|l| l.starts_with("tcd_") && l.contains('\t')));
    let first_screen = lines[0].split('\t').nth(1).unwrap().to_string();
    let api = operator_token(data);

    let server = serve(dir.path(), &[]);
    // What a simulated player reads: the manifest of a provisioned screen, decoded with the wire types.
    let first_token = lines[0].split('\t').next().unwrap();
    let m: twincast_protocol::Manifest = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/player/manifest", server.base))
        .bearer_auth(first_token)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(m.head.screen.id, first_screen);
    assert!(
        !m.shared.items.is_empty() && !m.shared.plays.plays.is_empty(),
        "campaigns for every screen: {:?}",
        m.shared.items
    );
    let report = dir.path().join("report.json");
    let out = twincast(
        &[
            "fleet-sim",
            "--server",
            &server.base,
            "--screens",
            "40",
            "--tokens",
            tokens_s,
            "--api-token",
            &api,
            "--change",
            "--hold",
            "3",
            "--heartbeat-secs",
            "1",
            "--plays-secs",
            "1",
            "--timeout",
            // Only a bound against a hang: the simulator goes on as soon as every player is there.
            "600",
            "--report",
            report.to_str().unwrap(),
        ],
        "",
    );
    let stdout = ok(&out);
    assert!(stdout.contains("change: 40/40"), "{stdout}");
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["connected"], 40, "{r}");
    assert_eq!(r["connected_at_end"], 40, "{r}");
    assert_eq!(r["errors"], serde_json::json!({}), "{r}");
    assert_eq!(r["change"]["players"], 40, "{r}");
    assert_eq!(r["change"]["updated"], 40, "{r}");
    // Initial manifest plus the new one after the change, for each player.
    assert!(r["manifests_received"].as_u64().unwrap() >= 80, "{r}");
    assert!(r["heartbeat"]["count"].as_u64().unwrap() >= 40, "{r}");
    assert!(r["plays_accepted"].as_u64().unwrap() > 0, "{r}");

    // The server saw what the simulator says it sent.
    let summary = get(
        &server.base,
        &api,
        &format!("/api/v1/plays/summary?screen={first_screen}"),
    );
    assert!(summary["total"].as_u64().unwrap() > 0, "{summary}");
    let status = get(
        &server.base,
        &api,
        &format!("/api/v1/screens/{first_screen}/status"),
    );
    assert_eq!(
        status["heartbeat"]["player_version"], "fleet-sim",
        "{status}"
    );
    // The change campaign was removed again.
    let campaigns = get(&server.base, &api, "/api/v1/campaigns");
    let names: Vec<&str> = campaigns["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with("fleet-sim change")),
        "{names:?}"
    );

    // Bad input: more players than tokens, https, a forged token.
    let out = twincast(
        &[
            "fleet-sim",
            "--server",
            &server.base,
            "--screens",
            "41",
            "--tokens",
            tokens_s,
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds 40 tokens"));
    let out = twincast(
        &[
            "fleet-sim",
            "--server",
            "https://example.org",
            "--screens",
            "1",
            "--tokens",
            tokens_s,
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("plain http://"));
    let forged = dir.path().join("forged.txt");
    std::fs::write(&forged, "tcd_forged\n").unwrap();
    let out = twincast(
        &[
            "fleet-sim",
            "--server",
            &server.base,
            "--screens",
            "1",
            "--tokens",
            forged.to_str().unwrap(),
            "--hold",
            "0",
            "--timeout",
            // The refused player never holds a manifest, so the simulator waits this long for it: long
            // enough for its refusal to arrive on a slow machine.
            "20",
        ],
        "",
    );
    assert!(!out.status.success(), "a refused player is a failure");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("error ws-http-401: 1"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn players_pair_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let api = operator_token(data);
    let server = serve(dir.path(), &[]);
    let report = dir.path().join("report.json");
    ok(&twincast(
        &[
            "fleet-sim",
            "--server",
            &server.base,
            "--screens",
            "3",
            "--api-token",
            &api,
            "--hold",
            "1",
            "--timeout",
            // Only a bound against a hang: the simulator goes on as soon as every player is there.
            "600",
            "--report",
            report.to_str().unwrap(),
        ],
        "",
    ));
    let r: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["connected"], 3, "{r}");
    let screens = get(&server.base, &api, "/api/v1/screens");
    let paired = screens["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap_or("").starts_with("fleet-sim "))
        .count();
    assert_eq!(paired, 3, "{screens}");
}
