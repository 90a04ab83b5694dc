//! Architecture invariants that the build can check (see ARCHITECTURE.md).

/// Normal (non-dev) dependencies of a workspace package, by crate name.
fn deps_of(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn core_does_no_io() {
    let deps = deps_of("twincast-core");
    for forbidden in [
        "tokio",
        "sqlx",
        "axum",
        "hyper",
        "object_store",
        "reqwest",
        "mio",
    ] {
        assert!(
            !deps.iter().any(|d| d == forbidden),
            "twincast-core must not depend on {forbidden}"
        );
    }
}

#[test]
fn only_the_front_doors_know_http() {
    assert!(
        deps_of("twincast-server").iter().any(|d| d == "axum"),
        "the check sees real dependencies"
    );
    for package in ["twincast-store", "twincast-media", "twincast-demo"] {
        let deps = deps_of(package);
        assert!(
            !deps.iter().any(|d| d == "axum"),
            "{package} must not depend on axum"
        );
    }
}

#[test]
fn the_application_layer_knows_no_http() {
    let deps = deps_of("twincast-app");
    assert!(
        deps.iter().any(|d| d == "twincast-store"),
        "the check sees real dependencies"
    );
    // hyper and reqwest arrive through object_store (S3 client); the HTTP *server* stack must not.
    for forbidden in ["axum", "axum-core", "utoipa-axum", "utoipa-swagger-ui"] {
        assert!(
            !deps.iter().any(|d| d == forbidden),
            "twincast-app must not depend on {forbidden}"
        );
    }
}

/// Rust sources under `crates/<name>/src`.
fn sources(krate: &str) -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources found for {krate}");
    out
}

#[test]
fn only_the_store_writes_sql() {
    let patterns = [
        "sqlx::",
        "SELECT ",
        "INSERT INTO",
        "DELETE FROM",
        "CREATE TABLE",
        "UPDATE ",
    ];
    for krate in ["app", "server", "cli", "pages"] {
        for (path, text) in sources(krate) {
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for p in patterns {
                    // `UPDATE ` only as SQL: upper-case keyword followed by a table name inside a string.
                    if line.contains(p) && (p != "UPDATE " || line.contains("\"UPDATE ")) {
                        panic!(
                            "{}:{}: SQL outside crates/store ({p:?}): {line}",
                            path.display(),
                            n + 1
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_audit_log_is_append_only() {
    // No SQL text anywhere (store sources and migrations) updates, deletes or truncates audit rows: the log is
    // only ever inserted into (crates/store/src/audit.rs).
    let mut texts = sources("store");
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations");
    for e in std::fs::read_dir(migrations).unwrap().flatten() {
        texts.push((e.path(), std::fs::read_to_string(e.path()).unwrap()));
    }
    let mut inserts = 0;
    for (path, text) in texts {
        let flat = text
            .to_uppercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for bad in [
            "UPDATE AUDIT_LOG",
            "DELETE FROM AUDIT_LOG",
            "TRUNCATE AUDIT_LOG",
            "DROP TABLE AUDIT_LOG",
        ] {
            assert!(
                !flat.contains(bad),
                "{}: {bad}: the audit log is append-only",
                path.display()
            );
        }
        inserts += flat.matches("INSERT INTO AUDIT_LOG").count();
    }
    assert_eq!(
        inserts, 1,
        "exactly one statement writes the audit log (crates/store/src/audit.rs)"
    );
}

#[test]
fn plays_and_the_log_are_never_edited() {
    // Raw play records and the transparency log's nodes are written once (crates/store/src/proof.rs) and never
    // updated or deleted by any statement of the store (docs/proof-of-play.md); a backup restore, which empties
    // every table before it loads one, and retention's compaction are the only exceptions.
    for (path, text) in sources("store") {
        let flat = text
            .to_uppercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // Retention's compaction (crates/store/src/reports.rs) is the one statement that deletes plays: only
        // logged ones, in the transaction that appends their archive's hash to the log, and exactly as many as
        // the archive holds.
        let compaction = path.ends_with("reports.rs")
            && flat.contains("INSERT INTO PLAY_ARCHIVES")
            && flat.contains("DELETE FROM PLAYS WHERE LOG_INDEX IS NOT NULL")
            && flat.matches("DELETE FROM PLAYS").count() == 1;
        for bad in [
            "UPDATE PLAYS",
            "DELETE FROM PLAYS",
            "UPDATE LOG_NODES",
            "DELETE FROM LOG_NODES",
            "UPDATE LOG_CHECKPOINTS",
            "DELETE FROM LOG_CHECKPOINTS",
            "UPDATE PLAY_BATCHES",
            "DELETE FROM PLAY_BATCHES",
        ] {
            if compaction && bad == "DELETE FROM PLAYS" {
                continue;
            }
            assert!(
                !flat.contains(bad),
                "{}: {bad}: plays and the log are append-only",
                path.display()
            );
        }
    }
}

#[test]
fn source_files_stay_small() {
    for krate in [
        "core", "store", "media", "app", "server", "cli", "demo", "pages", "protocol",
    ] {
        for (path, text) in sources(krate) {
            let lines = text.lines().count();
            assert!(
                lines <= 700,
                "{} has {lines} lines; split it along its rooms (limit 700)",
                path.display()
            );
        }
    }
}

/// `unsafe` is denied in the workspace; its one exception is mapping an immutable local object for delivery
/// (`twincast_media::storage::Mapped::open`, whose comment says why it is sound).
#[test]
fn unsafe_code_has_one_audited_exception() {
    let mut found = Vec::new();
    for krate in [
        "core", "store", "media", "app", "server", "cli", "demo", "pages", "protocol",
    ] {
        for (path, text) in sources(krate) {
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                if code.contains("unsafe {")
                    || code.contains("unsafe fn")
                    || code.contains("allow(unsafe_code)")
                {
                    found.push(format!("{}:{}", path.display(), i + 1));
                }
            }
        }
    }
    assert_eq!(
        found.len(),
        2,
        "unsafe code outside the audited exception: {found:?}"
    );
    assert!(
        found.iter().all(|f| f.contains("media/src/storage.rs")),
        "unsafe code outside the audited exception: {found:?}"
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("unsafe_code = \"deny\""),
        "the workspace denies unsafe code"
    );
}
