//! Accounts and API tokens with their audit entries, on SQLite and on PostgreSQL (`TWINCAST_TEST_DATABASE_URL`).

use std::collections::BTreeMap;
use twincast_store::*;

async fn backends() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let mut out = vec![(Store::connect(&url).await.unwrap(), Some(dir))];
    match std::env::var("TWINCAST_TEST_DATABASE_URL") {
        Ok(admin) => {
            let url = Store::create_scratch_database(&admin).await.unwrap();
            out.push((Store::connect(&url).await.unwrap(), None));
        }
        Err(_) if std::env::var("TWINCAST_TEST_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("TWINCAST_TEST_DATABASE_URL is not set but TWINCAST_TEST_REQUIRE_SERVICES=1")
        }
        Err(_) => eprintln!("note: PostgreSQL not run (TWINCAST_TEST_DATABASE_URL unset)"),
    }
    out
}

fn sys(action: &str, id: &str, at: i64) -> AuditEntry {
    AuditEntry::by_system(action, id, at)
}

fn page(limit: u32, cursor: Option<String>) -> PageRequest {
    PageRequest { limit, cursor }
}

fn partner(slug: &str) -> PartnerInput {
    PartnerInput {
        slug: slug.into(),
        names: BTreeMap::from([
            ("en".into(), "City".into()),
            ("ru".into(), "Город".into()),
            ("zh".into(), "城市".into()),
        ]),
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

async fn log_of(s: &Store, id: &str) -> Vec<AuditEntry> {
    let f = AuditFilter {
        resource_id: Some(id.into()),
        ..Default::default()
    };
    s.list_audit(&f, &page(100, None)).await.unwrap().items
}

/// Every page of a user list, as names.
async fn names(s: &Store, f: &UserFilter, limit: u32) -> Vec<String> {
    let mut out = vec![];
    let mut cursor = None;
    loop {
        let p = s.list_users(f, &page(limit, cursor)).await.unwrap();
        out.extend(p.items.into_iter().map(|u| u.username));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

#[tokio::test]
async fn user_lists_filter_sort_and_page() {
    for (s, _d) in backends().await {
        s.create_partner(&partner("pa"), &sys("partner.create", "", 1))
            .await
            .unwrap();
        // Created at increasing times; two share a time (the id breaks the tie). Lower-case names: the order of
        // mixed case is the database collation's.
        let specs = [
            ("carol", Role::Viewer, 30),
            ("alice", Role::Admin, 10),
            ("bob_x", Role::PartnerEditor, 20),
            ("dave", Role::Operator, 20),
            ("erin", Role::Viewer, 40),
        ];
        for (name, role, at) in specs {
            let partners = if role == Role::PartnerEditor {
                vec!["pa".to_string()]
            } else {
                vec![]
            };
            s.create_user(name, "h", role, &partners, &sys("user.create", "", at))
                .await
                .unwrap();
        }
        let all = UserFilter::default();
        assert_eq!(
            names(&s, &all, 2).await,
            ["alice", "bob_x", "carol", "dave", "erin"]
        );
        let desc = UserFilter {
            sort: UserSort::UsernameDesc,
            ..Default::default()
        };
        assert_eq!(
            names(&s, &desc, 2).await,
            ["erin", "dave", "carol", "bob_x", "alice"]
        );
        let by_created = UserFilter {
            sort: UserSort::Created,
            ..Default::default()
        };
        let got = names(&s, &by_created, 1).await;
        assert_eq!(got[0], "alice");
        assert_eq!(got[3..], ["carol", "erin"]);
        let mut mid = got[1..3].to_vec();
        mid.sort();
        assert_eq!(mid, ["bob_x", "dave"]);
        let by_created_desc = UserFilter {
            sort: UserSort::CreatedDesc,
            ..Default::default()
        };
        let mut rev = names(&s, &by_created_desc, 2).await;
        rev.reverse();
        assert_eq!(rev, got, "descending is the exact reverse, across pages");
        let viewers = UserFilter {
            role: Some(Role::Viewer),
            ..Default::default()
        };
        assert_eq!(names(&s, &viewers, 10).await, ["carol", "erin"]);
        // `q` is a case-insensitive substring; `_` is a literal, not a wildcard.
        let q = |t: &str| UserFilter {
            q: Some(t.into()),
            ..Default::default()
        };
        assert_eq!(names(&s, &q("ER"), 10).await, ["erin"]);
        assert_eq!(names(&s, &q("b_"), 10).await, ["bob_x"]);
        assert_eq!(names(&s, &q("a_"), 10).await, Vec::<String>::new());
        let carol = s.user_by_name("carol").await.unwrap();
        let off = UserInput {
            disabled: true,
            ..UserInput::of(&carol)
        };
        s.update_user(&carol.id, &off, 0, &sys("user.disable", &carol.id, 50))
            .await
            .unwrap();
        let disabled = UserFilter {
            disabled: Some(true),
            ..Default::default()
        };
        assert_eq!(names(&s, &disabled, 10).await, ["carol"]);
        let enabled = UserFilter {
            disabled: Some(false),
            ..Default::default()
        };
        assert_eq!(names(&s, &enabled, 10).await.len(), 4);
        assert!(matches!(
            s.list_users(&by_created, &page(1, Some("bm90LWEta2V5".into())))
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
}

#[tokio::test]
async fn account_changes_are_versioned_audited_and_end_sessions() {
    for (s, _d) in backends().await {
        s.create_partner(&partner("pa"), &sys("partner.create", "", 1))
            .await
            .unwrap();
        let u = s
            .create_user("ed", "hash1", Role::Viewer, &[], &sys("user.create", "", 5))
            .await
            .unwrap();
        assert_eq!((u.version, u.created_at, u.last_login_at), (1, 5, None));
        let log = log_of(&s, &u.id).await;
        assert_eq!(log.len(), 1, "the create's entry names the new id");
        let session = |id: &str, at: i64| Session {
            id_hash: id.into(),
            user_id: u.id.clone(),
            csrf_token: "c".into(),
            expires_at: at + 3_600_000,
        };
        let now = now_ms();
        s.create_session(&session("s1", now), now).await.unwrap();
        s.create_session(&session("s2", now), now + 1)
            .await
            .unwrap();
        assert_eq!(
            s.user_by_id(&u.id).await.unwrap().last_login_at,
            Some(now + 1)
        );

        // Role and scope change, at version 1; a second writer still at version 1 is stale and writes nothing.
        let editor = UserInput {
            role: Role::PartnerEditor,
            partners: vec!["pa".into()],
            disabled: false,
        };
        let changed = s
            .update_user(&u.id, &editor, 1, &sys("user.update", &u.id, 6))
            .await
            .unwrap();
        assert_eq!((changed.version, changed.role), (2, Role::PartnerEditor));
        assert_eq!(changed.partners, ["pa"]);
        assert!(matches!(
            s.update_user(&u.id, &editor, 1, &sys("user.update", &u.id, 7))
                .await,
            Err(StoreError::Stale { current: 2 })
        ));
        let bad = UserInput {
            partners: vec!["nope".into()],
            ..editor.clone()
        };
        assert!(matches!(
            s.update_user(&u.id, &bad, 0, &sys("user.update", &u.id, 7))
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(s.user_by_id(&u.id).await.unwrap().partners, ["pa"]);
        assert_eq!(
            log_of(&s, &u.id).await.len(),
            2,
            "refused writes wrote no entry"
        );
        assert_eq!(s.count_sessions(&u.id).await.unwrap(), 2);

        // A password change keeps the named session and ends the others; a reset (must change) ends them all.
        let after = s
            .set_password(
                &u.id,
                "hash2",
                false,
                Some("s1"),
                0,
                &sys("user.change-password", &u.id, 8),
            )
            .await
            .unwrap();
        assert_eq!((after.version, after.password_hash.as_str()), (3, "hash2"));
        assert!(s.session("s1").await.unwrap().is_some());
        assert!(s.session("s2").await.unwrap().is_none());
        let reset = s
            .set_password(
                &u.id,
                "hash3",
                true,
                None,
                3,
                &sys("user.reset-password", &u.id, 9),
            )
            .await
            .unwrap();
        assert!(reset.must_change_password);
        assert_eq!(s.count_sessions(&u.id).await.unwrap(), 0);

        // Disabling ends sessions too.
        s.create_session(&session("s3", now), now).await.unwrap();
        let off = UserInput {
            disabled: true,
            ..editor.clone()
        };
        let d = s
            .update_user(&u.id, &off, 4, &sys("user.disable", &u.id, 10))
            .await
            .unwrap();
        assert!(d.disabled);
        assert_eq!(s.count_sessions(&u.id).await.unwrap(), 0);
        let actions: Vec<String> = log_of(&s, &u.id)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "user.disable",
                "user.reset-password",
                "user.change-password",
                "user.update",
                "user.create"
            ]
        );
        assert_eq!(s.count_enabled_admins().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn accounts_with_history_are_kept_and_tokens_revoke_once() {
    for (s, _d) in backends().await {
        let quiet = s
            .create_user("quiet", "h", Role::Viewer, &[], &sys("user.create", "", 1))
            .await
            .unwrap();
        let busy = s
            .create_user("busy", "h", Role::Operator, &[], &sys("user.create", "", 1))
            .await
            .unwrap();
        let mut by_busy = sys("token.create", "", 2);
        by_busy.actor_id = Some(busy.id.clone());
        by_busy.actor = "busy".into();
        let t = s
            .create_token(&busy.id, "ci", "th", &["read".into()], None, &by_busy)
            .await
            .unwrap();
        assert_eq!((t.version, t.created_at), (1, 2));
        assert!(s.user_has_history(&busy.id).await.unwrap());
        assert!(!s.user_has_history(&quiet.id).await.unwrap());

        // An account that did something recorded is refused, and nothing is written.
        assert!(matches!(
            s.delete_user(&busy.id, 0, &sys("user.delete", &busy.id, 3))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(s.user_by_id(&busy.id).await.is_ok());
        assert!(matches!(
            s.delete_user(&quiet.id, 7, &sys("user.delete", &quiet.id, 3))
                .await,
            Err(StoreError::Stale { current: 1 })
        ));
        s.delete_user(&quiet.id, 1, &sys("user.delete", &quiet.id, 3))
            .await
            .unwrap();
        assert!(matches!(
            s.user_by_id(&quiet.id).await,
            Err(StoreError::NotFound)
        ));
        let actions: Vec<String> = log_of(&s, &quiet.id)
            .await
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            ["user.delete", "user.create"],
            "the log outlives the account"
        );

        // Revocation: stale version refused; the first revocation bumps the version; a second writes nothing.
        assert!(matches!(
            s.revoke_token(&t.id, 5, &sys("token.revoke", &t.id, 4))
                .await,
            Err(StoreError::Stale { current: 1 })
        ));
        let r = s
            .revoke_token(&t.id, 1, &sys("token.revoke", &t.id, 4))
            .await
            .unwrap();
        assert_eq!((r.revoked_at, r.version), (Some(4), 2));
        let again = s
            .revoke_token(&t.id, 0, &sys("token.revoke", &t.id, 9))
            .await
            .unwrap();
        assert_eq!((again.revoked_at, again.version), (Some(4), 2));
        assert_eq!(log_of(&s, &t.id).await.len(), 2);
        assert!(matches!(
            s.revoke_token("nope", 0, &sys("token.revoke", "nope", 4))
                .await,
            Err(StoreError::NotFound)
        ));
        // Lists: unrevoked only unless asked; every account's when no user is named.
        let f = |user: Option<&str>, revoked: bool| TokenFilter {
            user_id: user.map(str::to_string),
            include_revoked: revoked,
        };
        s.create_token(&busy.id, "two", "th2", &[], None, &by_busy)
            .await
            .unwrap();
        let list = |flt: TokenFilter| {
            let s = s.clone();
            async move { s.list_tokens(&flt, &page(1, None)).await.unwrap() }
        };
        let first = list(f(Some(&busy.id), true)).await;
        assert_eq!(first.items[0].id, t.id);
        let second = s
            .list_tokens(&f(Some(&busy.id), true), &page(1, first.next_cursor))
            .await
            .unwrap();
        assert_eq!(second.items[0].name, "two");
        assert!(second.next_cursor.is_none());
        assert_eq!(list(f(None, false)).await.items[0].name, "two");
        assert!(list(f(Some(&quiet.id), true)).await.items.is_empty());
    }
}

/// The last enabled administrator is kept by the store, in the transaction of the change: two administrators
/// disabling each other at the same time cannot both succeed, and a refused change writes nothing.
#[tokio::test]
async fn the_last_admin_is_kept_in_the_transaction_of_the_change() {
    for (s, _d) in backends().await {
        let a = s
            .create_user("ada", "h", Role::Admin, &[], &sys("user.create", "", 1))
            .await
            .unwrap();
        let b = s
            .create_user("bob", "h", Role::Admin, &[], &sys("user.create", "", 1))
            .await
            .unwrap();
        let off = UserInput {
            role: Role::Admin,
            partners: vec![],
            disabled: true,
        };
        // Both at once: exactly one wins.
        let (ea, eb) = (sys("user.disable", &a.id, 2), sys("user.disable", &b.id, 2));
        let (ra, rb) = tokio::join!(
            s.update_user(&a.id, &off, 0, &ea),
            s.update_user(&b.id, &off, 0, &eb),
        );
        let refused = [&ra, &rb]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::Conflict(m)) if m == "last-admin"))
            .count();
        assert_eq!((ra.is_ok() as u8 + rb.is_ok() as u8, refused), (1, 1));
        assert_eq!(s.count_enabled_admins().await.unwrap(), 1);
        let (kept, gone) = if ra.is_ok() { (&b, &a) } else { (&a, &b) };
        assert!(log_of(&s, &kept.id)
            .await
            .iter()
            .all(|e| e.action != "user.disable"));
        // Demoting or deleting the last one is refused the same way; enabling the other one again allows it.
        let demote = UserInput {
            role: Role::Operator,
            partners: vec![],
            disabled: false,
        };
        assert!(matches!(
            s.update_user(&kept.id, &demote, 0, &sys("user.update", &kept.id, 3)).await,
            Err(StoreError::Conflict(m)) if m == "last-admin"
        ));
        assert!(matches!(
            s.delete_user(&kept.id, 0, &sys("user.delete", &kept.id, 3)).await,
            Err(StoreError::Conflict(m)) if m == "last-admin"
        ));
        let on = UserInput {
            disabled: false,
            ..off.clone()
        };
        s.update_user(&gone.id, &on, 0, &sys("user.enable", &gone.id, 4))
            .await
            .unwrap();
        s.update_user(&kept.id, &demote, 0, &sys("user.update", &kept.id, 5))
            .await
            .unwrap();
        assert_eq!(s.count_enabled_admins().await.unwrap(), 1);
    }
}

/// The audit log's partner scope matches partner slugs exactly (a scope of `pa` never shows `pab`'s entries).
#[tokio::test]
async fn audit_partner_scope_is_an_exact_match() {
    for (s, _d) in backends().await {
        for (i, partner) in [Some("pa"), Some("pab"), Some("b"), None, Some("xpa")]
            .into_iter()
            .enumerate()
        {
            let mut e = sys("partner.update", &format!("r{i}"), 10 + i as i64);
            e.partner = partner.map(str::to_string);
            s.append_audit(&e).await.unwrap();
        }
        let scoped = |ps: &[&str]| AuditFilter {
            partners: Some(ps.iter().map(|p| p.to_string()).collect()),
            ..Default::default()
        };
        let partners_of = |items: Vec<AuditEntry>| {
            let mut v: Vec<String> = items.into_iter().filter_map(|e| e.partner).collect();
            v.sort();
            v
        };
        let got = s
            .list_audit(&scoped(&["pa"]), &page(100, None))
            .await
            .unwrap();
        assert_eq!(partners_of(got.items), ["pa"]);
        let got = s
            .list_audit(&scoped(&["pa", "b"]), &page(100, None))
            .await
            .unwrap();
        assert_eq!(partners_of(got.items), ["b", "pa"]);
        let got = s.list_audit(&scoped(&[]), &page(100, None)).await.unwrap();
        assert!(got.items.is_empty());
        let all = s
            .list_audit(&AuditFilter::default(), &page(100, None))
            .await
            .unwrap();
        assert_eq!(all.items.len(), 5);
    }
}
