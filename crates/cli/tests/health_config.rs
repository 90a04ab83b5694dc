//! The health and notification settings of `twincast serve` are layered like every other: the file, then
//! `TWINCAST_*` variables, then flags; settings that cannot work stop the start with the setting's name.

mod common;

use common::*;
use std::process::{Command, Output};

fn serve(
    data: &std::path::Path,
    cfg: &std::path::Path,
    env: &[(&str, &str)],
    flags: &[&str],
) -> Output {
    let mut c = Command::new(BIN);
    c.args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--config")
        .arg(cfg)
        .args(flags)
        .env("TWINCAST_LOG", "warn");
    for v in [
        "TWINCAST_SCREEN_OFFLINE_AFTER_SECS",
        "TWINCAST_WEBHOOK_URLS",
        "TWINCAST_WEBHOOK_SECRET",
        "TWINCAST_SMTP_URL",
        "TWINCAST_SMTP_FROM",
        "TWINCAST_SMTP_TO",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn refused(out: &Output) -> String {
    assert!(!out.status.success(), "the server started");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn health_settings_layer_file_env_flags() {
    let example = ok(&twincast(&["config", "example"], ""));
    for key in [
        "screen_offline_after_secs = 90",
        "webhook_urls",
        "webhook_secret",
        "smtp_url",
        "smtp_from",
        "smtp_to",
    ] {
        assert!(example.contains(key), "{key} missing from\n{example}");
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "screen_offline_after_secs = 30\nwebhook_urls = [\"https://hooks.example.org/t\"]\n",
    )
    .unwrap();
    // From the file alone: a webhook without a secret is refused.
    let err = refused(&serve(dir.path(), &cfg, &[], &[]));
    assert!(err.contains("webhook_secret"), "{err}");
    // The environment adds the secret; a flag then brings an SMTP URL that is not one, and that is what fails.
    let err = refused(&serve(
        dir.path(),
        &cfg,
        &[("TWINCAST_WEBHOOK_SECRET", "k")],
        &["--smtp-url", "mailto:ops@example.org"],
    ));
    assert!(
        err.contains("smtp_url") && !err.contains("webhook_secret"),
        "{err}"
    );
    // Lists in the environment are comma-separated and replace the file's.
    let err = refused(&serve(
        dir.path(),
        &cfg,
        &[
            (
                "TWINCAST_WEBHOOK_URLS",
                "https://a.example.org/h,ftp://b.example.org/h",
            ),
            ("TWINCAST_WEBHOOK_SECRET", "k"),
        ],
        &[],
    ));
    assert!(err.contains("ftp://b.example.org/h"), "{err}");
}
