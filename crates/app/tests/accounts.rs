//! Account administration, tokens and the audit log's reading rules on a real SQLite store with a manual clock:
//! roles, refused operations writing nothing, password markers, the last admin, export streams.

use futures::StreamExt;
use std::sync::Arc;
use twincast_app::audit_query::{AuditQuery, ExportFormat, CSV_HEADER};
use twincast_app::users::{
    NewToken, NewUser, PasswordChange, PasswordReset, TokenQuery, UserQuery,
};
use twincast_app::{Actor, App, AppError, ManualClock, Settings};
use twincast_store::{AuditEntry, PageRequest, PartnerInput, Role, Store};

struct Fixture {
    app: App,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    let storage = twincast_media::Storage::open("", dir.path()).await.unwrap();
    let clock = ManualClock::new(1_800_000_000_000);
    let app = App::new(store, storage, Settings::default()).with_clock(clock.clone());
    Fixture {
        app,
        clock,
        _dir: dir,
    }
}

fn page() -> PageRequest {
    PageRequest {
        limit: 500,
        cursor: None,
    }
}

async fn entries(app: &App) -> Vec<AuditEntry> {
    app.list_audit(&App::local_admin(), &AuditQuery::default(), &page())
        .await
        .unwrap()
        .items
}

async fn account(app: &App, name: &str, role: Role, partners: &[&str]) -> Actor {
    let u = app
        .create_user(
            &App::local_admin(),
            NewUser {
                username: name.into(),
                password: "password123".into(),
                role,
                partners: partners.iter().map(|p| p.to_string()).collect(),
            },
        )
        .await
        .unwrap();
    Actor::new(u)
}

fn partner(slug: &str) -> PartnerInput {
    PartnerInput {
        slug: slug.into(),
        names: [("en", "City"), ("ru", "Город"), ("zh", "城市")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        country: "DE".into(),
        continent: "europe".into(),
        lat: None,
        lon: None,
        since: None,
        description: String::new(),
        descriptions: Default::default(),
        logo_media_id: None,
    }
}

#[tokio::test]
async fn only_admins_administer_accounts_and_refusals_write_nothing() {
    let f = fixture().await;
    let admin = account(&f.app, "root", Role::Admin, &[]).await;
    let op = account(&f.app, "olga", Role::Operator, &[]).await;
    let target = account(&f.app, "tim", Role::Viewer, &[]).await;
    let id = target.user.id.clone();
    let before = entries(&f.app).await.len();
    let reset = || PasswordReset {
        password: "one-time-pass".into(),
    };
    for who in [&op, &target] {
        let e = f
            .app
            .list_users(who, &UserQuery::default(), &page())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let e = f
            .app
            .set_user_disabled(who, &id, true, None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let e = f
            .app
            .reset_password(who, &id, reset(), None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "forbidden");
        let e = f.app.delete_user(who, &id, None).await.unwrap_err();
        assert_eq!(e.code(), "forbidden");
    }
    // Reading one's own account is allowed; another's is not.
    assert_eq!(f.app.user(&target, &id).await.unwrap().username, "tim");
    assert!(matches!(
        f.app.user(&target, &admin.user.id).await,
        Err(AppError::Forbidden { .. })
    ));
    // Bad input is refused before anything is written.
    let e = f
        .app
        .reset_password(
            &admin,
            &id,
            PasswordReset {
                password: "short".into(),
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "weak-password", "{e}");
    let e = f
        .app
        .patch_user(&admin, &id, &serde_json::json!({"role": "god"}), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid-patch");
    assert_eq!(entries(&f.app).await.len(), before);

    // No admin disables, re-roles or resets its own account (it would lock itself out); the last enabled admin
    // cannot be demoted, disabled or deleted, even by the local command; with a second admin it can.
    let before = entries(&f.app).await.len();
    for patch in [
        serde_json::json!({"role": "viewer"}),
        serde_json::json!({"disabled": true}),
    ] {
        let e = f
            .app
            .patch_user(&admin, &admin.user.id, &patch, None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "own-account", "{patch}");
    }
    let e = f
        .app
        .set_user_disabled(&admin, &admin.user.id, true, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "own-account");
    assert_eq!(
        entries(&f.app).await.len(),
        before,
        "refusals write nothing"
    );
    let e = f
        .app
        .patch_user(
            &App::local_admin(),
            &admin.user.id,
            &serde_json::json!({"role": "viewer"}),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), "last-admin");
    f.app
        .patch_user(&admin, &id, &serde_json::json!({"role": "admin"}), None)
        .await
        .unwrap();
    let second = Actor::new(f.app.user(&App::local_admin(), &id).await.unwrap());
    let demoted = f
        .app
        .patch_user(
            &second,
            &admin.user.id,
            &serde_json::json!({"role": "operator"}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(demoted.role, Role::Operator);
    // A role change away from partner-editor drops the scope it no longer fits.
    f.app.create_partner(&admin, &partner("pa")).await.unwrap();
    let ed = account(&f.app, "eddy", Role::PartnerEditor, &["pa"]).await;
    let now_viewer = f
        .app
        .patch_user(
            &Actor::new(f.app.user(&App::local_admin(), &id).await.unwrap()),
            &ed.user.id,
            &serde_json::json!({"role": "viewer"}),
            None,
        )
        .await
        .unwrap();
    assert!(now_viewer.partners.is_empty());
}

#[tokio::test]
async fn passwords_are_markers_in_the_log_and_changes_need_the_current_one() {
    let f = fixture().await;
    let admin = account(&f.app, "root", Role::Admin, &[]).await;
    let pat = account(&f.app, "pat", Role::Operator, &[]).await;
    let created = entries(&f.app).await;
    let mine = created
        .iter()
        .find(|e| e.resource_id == pat.user.id)
        .unwrap();
    assert_eq!(mine.action, "user.create");
    assert_eq!(mine.via, "cli");
    assert_eq!(mine.changes["password"], serde_json::json!([null, "(set)"]));
    assert_eq!(mine.changes["role"], serde_json::json!([null, "operator"]));

    f.clock.advance(1_000);
    let e = f
        .app
        .reset_password(
            &admin,
            &admin.user.id,
            PasswordReset {
                password: "one-time-pass".into(),
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        "own-account",
        "an admin resets others, not itself"
    );
    let u = f
        .app
        .reset_password(
            &admin,
            &pat.user.id,
            PasswordReset {
                password: "one-time-pass".into(),
            },
            None,
        )
        .await
        .unwrap();
    assert!(u.must_change_password);
    let started = f.app.login("pat", "one-time-pass".into()).await.unwrap();
    assert_eq!(started.user.last_login_at, Some(f.app.now_ms()));
    let session = f.app.authenticate_session(&started.secret).await.unwrap();
    assert!(session.password_change_required);
    let before = entries(&f.app).await.len();
    let wrong = PasswordChange {
        current: "not-it-at-all".into(),
        new: "brand-new-pass".into(),
    };
    assert_eq!(
        f.app
            .change_own_password(&session.actor, wrong, Some(&started.secret))
            .await
            .unwrap_err()
            .code(),
        "wrong-password"
    );
    assert_eq!(entries(&f.app).await.len(), before);
    let ok = PasswordChange {
        current: "one-time-pass".into(),
        new: "brand-new-pass".into(),
    };
    f.app
        .change_own_password(&session.actor, ok, Some(&started.secret))
        .await
        .unwrap();
    let again = f.app.authenticate_session(&started.secret).await.unwrap();
    assert!(!again.password_change_required);
    let log = entries(&f.app).await;
    for e in &log {
        let text = e.changes.to_string();
        assert!(
            !text.contains("argon2")
                && !text.contains("one-time-pass")
                && !text.contains("brand-new"),
            "{text}"
        );
    }
    assert_eq!(log[0].action, "user.change-password");
    assert_eq!(log[0].actor_id.as_deref(), Some(pat.user.id.as_str()));
}

#[tokio::test]
async fn tokens_are_their_owners_and_revocation_is_audited() {
    let f = fixture().await;
    let admin = account(&f.app, "root", Role::Admin, &[]).await;
    let a = account(&f.app, "ann", Role::Operator, &[]).await;
    let b = account(&f.app, "ben", Role::Viewer, &[]).await;
    let new = |n: &str| NewToken {
        name: n.into(),
        scopes: None,
        expires_in_days: None,
    };
    let ta = f.app.create_token(&a, new("a")).await.unwrap();
    f.app.create_token(&b, new("b")).await.unwrap();
    // Another account's token is "not found"; naming another account's list is forbidden; admins see all.
    assert_eq!(
        f.app.token(&b, &ta.info.id).await.unwrap_err().code(),
        "not-found"
    );
    assert_eq!(
        f.app
            .revoke_token(&b, &ta.info.id, None)
            .await
            .unwrap_err()
            .code(),
        "not-found"
    );
    let q = |user: Option<&str>| TokenQuery {
        user: user.map(str::to_string),
        include_revoked: true,
    };
    assert_eq!(
        f.app
            .list_tokens(&b, &q(Some(&a.user.id)), &page())
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        f.app
            .list_tokens(&b, &q(None), &page())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        f.app
            .list_tokens(&admin, &q(Some("all")), &page())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    // A stale revoke is refused; the owner's current one is audited with the token's id.
    assert!(matches!(
        f.app.revoke_token(&a, &ta.info.id, Some(9)).await,
        Err(AppError::Stale { current: 1 })
    ));
    let r = f.app.revoke_token(&a, &ta.info.id, Some(1)).await.unwrap();
    assert_eq!(r.revoked_at, Some(f.app.now_ms()));
    let log = entries(&f.app).await;
    assert_eq!(log[0].action, "token.revoke");
    assert_eq!(log[0].resource_id, ta.info.id);
    assert_eq!(log[0].actor, "ann");
    let created = log
        .iter()
        .find(|e| e.action == "token.create" && e.actor == "ann")
        .unwrap();
    assert_eq!(created.resource_id, ta.info.id);
    assert!(
        !created.changes.to_string().contains(&ta.token),
        "no secret in the log"
    );
}

#[tokio::test]
async fn audit_reading_is_scoped_and_exports_stream_every_entry() {
    let f = fixture().await;
    let admin = App::local_admin();
    for slug in ["pa", "pb"] {
        f.app.create_partner(&admin, &partner(slug)).await.unwrap();
    }
    let ed = account(&f.app, "eda", Role::PartnerEditor, &["pa"]).await;
    let viewer = account(&f.app, "vic", Role::Viewer, &[]).await;
    let q = AuditQuery::default();
    assert_eq!(
        f.app
            .list_audit(&viewer, &q, &page())
            .await
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert!(f.app.export_audit(&viewer, &q, ExportFormat::Csv).is_err());
    let seen = f.app.list_audit(&ed, &q, &page()).await.unwrap().items;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].partner.as_deref(), Some("pa"));
    let bad = AuditQuery {
        from: Some(10),
        until: Some(5),
        ..Default::default()
    };
    assert_eq!(
        f.app
            .list_audit(&admin, &bad, &page())
            .await
            .unwrap_err()
            .code(),
        "invalid-range"
    );
    // More entries than one export page: the stream has them all, newest first, the header once.
    for i in 0..620 {
        f.app
            .store
            .append_audit(&AuditEntry::by_system("job.run", &format!("j{i}"), i))
            .await
            .unwrap();
    }
    let all = {
        let mut out = vec![];
        let mut cursor = None;
        loop {
            let p = f
                .app
                .list_audit(&admin, &q, &PageRequest { limit: 500, cursor })
                .await
                .unwrap();
            out.extend(p.items);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break out,
            }
        }
    };
    let mut csv = vec![];
    let mut s = f.app.export_audit(&admin, &q, ExportFormat::Csv).unwrap();
    while let Some(chunk) = s.next().await {
        csv.extend(chunk.unwrap());
    }
    let mut r = csv::Reader::from_reader(&csv[..]);
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CSV_HEADER);
    let ids: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
    assert_eq!(ids, all.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
    let mut jsonl = vec![];
    let mut s = f.app.export_audit(&ed, &q, ExportFormat::Jsonl).unwrap();
    while let Some(chunk) = s.next().await {
        jsonl.extend(chunk.unwrap());
    }
    let lines: Vec<AuditEntry> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines, seen,
        "an editor's export is its partners' entries only"
    );
}
