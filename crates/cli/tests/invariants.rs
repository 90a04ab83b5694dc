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
fn only_the_server_and_cli_know_http() {
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
