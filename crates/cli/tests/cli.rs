//! The binary's commands, end to end.

mod common;

use common::*;

#[test]
fn users_tokens_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    // Bad input gets a specific message and writes nothing.
    let out = twincast(
        &[
            "user",
            "add",
            "ed",
            "--role",
            "partner-editor",
            "--password-stdin",
            "--data",
            data,
        ],
        "password123\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs at least one partner"));
    let out = twincast(
        &[
            "user",
            "add",
            "x",
            "--role",
            "king",
            "--password-stdin",
            "--data",
            data,
        ],
        "password123\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
    let out = twincast(
        &[
            "user",
            "add",
            "short",
            "--role",
            "viewer",
            "--password-stdin",
            "--data",
            data,
        ],
        "pw\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 8"));
    ok(&twincast(
        &[
            "user",
            "add",
            "ann",
            "--role",
            "operator",
            "--password-stdin",
            "--data",
            data,
        ],
        "password123\n",
    ));
    let out = twincast(
        &[
            "user",
            "add",
            "ann",
            "--role",
            "operator",
            "--password-stdin",
            "--data",
            data,
        ],
        "password123\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let list = ok(&twincast(&["user", "list", "--data", data], ""));
    assert!(list.contains("ann\toperator"), "{list}");
    ok(&twincast(
        &["user", "passwd", "ann", "--password-stdin", "--data", data],
        "another-password\n",
    ));
    let out = twincast(
        &[
            "user",
            "passwd",
            "nobody",
            "--password-stdin",
            "--data",
            data,
        ],
        "another-password\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user"));
    let token = ok(&twincast(
        &["token", "create", "--user", "ann", "--data", data],
        "",
    ));
    assert_eq!(token.lines().count(), 1);
    assert!(token.starts_with("tc_"));

    // Backup, then restore into a fresh data directory; a second restore is refused.
    let backup = dir.path().join("backup.jsonl");
    ok(&twincast(
        &["db", "backup", backup.to_str().unwrap(), "--data", data],
        "",
    ));
    let other = tempfile::tempdir().unwrap();
    let other_data = other.path().to_str().unwrap();
    ok(&twincast(
        &[
            "db",
            "restore",
            backup.to_str().unwrap(),
            "--data",
            other_data,
        ],
        "",
    ));
    let list = ok(&twincast(&["user", "list", "--data", other_data], ""));
    assert!(list.contains("ann\toperator"), "{list}");
    let out = twincast(
        &[
            "db",
            "restore",
            backup.to_str().unwrap(),
            "--data",
            other_data,
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    // A backup from a newer schema is refused.
    let text = std::fs::read_to_string(&backup).unwrap();
    let newer = dir.path().join("newer.jsonl");
    let version = twincast_store::SCHEMA_VERSION;
    std::fs::write(
        &newer,
        text.replacen(
            &format!("\"schema_version\":{version}"),
            &format!("\"schema_version\":{}", version + 1),
            1,
        ),
    )
    .unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let out = twincast(
        &[
            "db",
            "restore",
            newer.to_str().unwrap(),
            "--data",
            fresh.path().to_str().unwrap(),
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ok(&twincast(&["db", "migrate", "--data", data], ""));
    assert!(out.contains(&format!("schema version {version}")));
}

#[test]
fn config_file_and_env_settings() {
    let example = ok(&twincast(&["config", "example"], ""));
    assert!(example.contains("listen") && example.contains("max_upload_bytes"));
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "nonsense_key = 1\n").unwrap();
    let out = twincast(&["user", "list", "--config", cfg.to_str().unwrap()], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonsense_key"));
    // TWINCAST_DATA_DIR is honoured.
    let out = std::process::Command::new(BIN)
        .args(["user", "list"])
        .env("TWINCAST_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("twincast.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_seeds_once_and_import_skips_known_content() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let port = free_port();
    let child = std::process::Command::new(BIN)
        .args(["demo", "--port", &port.to_string(), "--data", data])
        .env("TWINCAST_LOG", "warn")
        .env("PATH", "/nonexistent") // no ffmpeg: the demo must work without it
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut p = Proc {
        child,
        base: base.clone(),
    };
    wait_ready(&base, &mut p.child);
    let out = stop_with_output(p);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains(&format!("{base}/")), "prints the URL: {text}");
    assert!(
        text.contains("username: admin   password: "),
        "prints the admin credentials: {text}"
    );
    let port2 = free_port();
    let child = std::process::Command::new(BIN)
        .args(["demo", "--port", &port2.to_string(), "--data", data])
        .env("TWINCAST_LOG", "warn")
        .env("PATH", "/nonexistent")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base2 = format!("http://127.0.0.1:{port2}");
    let mut second = Proc {
        child,
        base: base2.clone(),
    };
    wait_ready(&base2, &mut second.child);
    let c = reqwest::Client::new();
    let partners: serde_json::Value = c
        .get(format!("{base2}/api/v1/partners?limit=500"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = partners["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        29,
        "a second start does not duplicate the seed"
    );
    let countries: std::collections::HashSet<_> = items
        .iter()
        .map(|p| p["country"].as_str().unwrap())
        .collect();
    assert_eq!(countries.len(), 24);
    let continents: std::collections::HashSet<_> = items
        .iter()
        .map(|p| p["continent"].as_str().unwrap())
        .collect();
    assert_eq!(continents.len(), 5);
    for p in items {
        for f in ["slug", "country", "continent", "lat", "lon"] {
            assert!(!p[f].is_null(), "{f} of {p}");
        }
        for l in ["ru", "en", "zh"] {
            assert!(p["names"][l].is_string());
        }
    }
    let out = stop_with_output(second);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("password: "),
        "the admin password is printed only once: {text}"
    );

    // Screens by location kind, via a token.
    let token = ok(&twincast(
        &["token", "create", "--user", "admin", "--data", data],
        "",
    ))
    .trim()
    .to_string();
    let server = serve(dir.path(), &[]);
    for kind in ["airport", "street", "metro", "bus_terminal"] {
        let list: serde_json::Value = c
            .get(format!(
                "{}/api/v1/screens?location_kind={kind}",
                server.base
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let screens = list["items"].as_array().unwrap();
        assert!(!screens.is_empty(), "screens at {kind}");
        assert!(screens
            .iter()
            .all(|s| s["tz"] == "Asia/Shanghai" && s["lat"].is_number()));
    }
    drop(server);

    // Import: a file already present (a demo card) is skipped; a new one is imported; junk fails clearly.
    let media: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path().join("objects/media"))
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
        .map(|e| e.path())
        .collect();
    let known = media
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .unwrap();
    let akashi = "akashi";
    let out = ok(&twincast(
        &[
            "media",
            "import",
            known.to_str().unwrap(),
            "--partner",
            akashi,
            "--data",
            data,
        ],
        "",
    ));
    assert!(out.contains("skipped") || out.contains("imported"), "{out}");
    let again = ok(&twincast(
        &[
            "media",
            "import",
            known.to_str().unwrap(),
            "--partner",
            akashi,
            "--data",
            data,
        ],
        "",
    ));
    assert!(again.contains("skipped"), "{again}");
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, b"definitely not a video").unwrap();
    let out = twincast(
        &[
            "media",
            "import",
            junk.to_str().unwrap(),
            "--partner",
            akashi,
            "--data",
            data,
        ],
        "",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.mp4"));
    let out = twincast(
        &[
            "media",
            "import",
            known.to_str().unwrap(),
            "--partner",
            "atlantis",
            "--data",
            data,
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("atlantis"));
}

/// `twincast demo --films N` (or `TWINCAST_DEMO_FILMS`) renders the films of the first N partner cities only, and
/// still seeds all 29 cities. ffmpeg is a stand-in that records what it was asked to render and fails (so no
/// film is made and the test needs no real ffmpeg); the worker then goes on to the next city.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_films_knob_limits_the_films_rendered() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let bin = tempfile::tempdir().unwrap();
    let calls = bin.path().join("calls.log");
    for tool in ["ffmpeg", "ffprobe"] {
        let path = bin.path().join(tool);
        let script = "#!/bin/sh\n[ \"$1\" = -version ] && exit 0\necho \"$*\" >> \"$FAKE_FFMPEG_LOG\"\nexit 1\n";
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let partners = twincast_demo::partners();
    // (flag, environment, films asked for)
    for (flag, env, films) in [(Some("2"), None, 2), (None, Some("0"), 0)] {
        let _ = std::fs::remove_file(&calls);
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(["demo", "--port", &port.to_string()])
            .args(["--data", dir.path().to_str().unwrap()])
            .env("TWINCAST_LOG", "warn,twincast=info")
            .env("PATH", bin.path())
            .env("FAKE_FFMPEG_LOG", &calls)
            .env_remove("TWINCAST_DEMO_FILMS")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(f) = flag {
            cmd.args(["--films", f]);
        }
        if let Some(e) = env {
            cmd.env("TWINCAST_DEMO_FILMS", e);
        }
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut p = Proc {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        // The worker says when it is done with its films.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(240);
        let mut log = Vec::new();
        while !log
            .iter()
            .any(|l: &String| l.contains("demo videos ready") || l.contains("no demo films"))
        {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => log.push(line),
                Err(_) => panic!("the demo's film worker did not finish: {log:#?}"),
            }
        }
        wait_ready(&p.base, &mut p.child);
        let asked = std::fs::read_to_string(&calls).unwrap_or_default();
        // (The media jobs may call the stand-ins too, for the cards; the films are the `<slug>.part.mp4` outputs.)
        let rendered: Vec<&str> = asked.lines().filter(|l| l.contains(".part.mp4")).collect();
        assert_eq!(rendered.len(), films, "films rendered: {asked}");
        for (line, partner) in rendered.iter().zip(partners) {
            assert!(
                line.contains(&format!("{}.part.mp4", partner.slug)),
                "the first cities' films, in the demo's order: {line}"
            );
        }
        // Every city is seeded, with a film or not.
        let list: serde_json::Value = reqwest::get(format!("{}/api/v1/partners?limit=500", p.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), partners.len());
        let _ = p.child.kill();
    }
    // More films than cities is refused, naming the limit.
    let out = twincast(&["demo", "--films", "30", "--seed-only"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from 0 to 29"), "{err}");
}
