use super::*;
use proptest::prelude::*;

fn any_state() -> impl Strategy<Value = State> {
    proptest::sample::select(State::ALL.to_vec())
}
fn any_action() -> impl Strategy<Value = Action> {
    proptest::sample::select(Action::ALL.to_vec())
}
fn any_role() -> impl Strategy<Value = DeskRole> {
    prop_oneof![Just(DeskRole::Contributor), Just(DeskRole::Editor)]
}
fn opt_ms() -> impl Strategy<Value = Option<i64>> {
    proptest::option::of(0i64..10_000)
}
fn any_times() -> impl Strategy<Value = Times> {
    (opt_ms(), opt_ms(), opt_ms()).prop_map(|(p, e, x)| Times {
        publish_at: p,
        embargo_until: e,
        expires_at: x,
    })
}

proptest! {
    #[test]
    fn a_contributor_never_puts_anything_out(actions in proptest::collection::vec(any_action(), 0..30)) {
        let mut s = State::Draft;
        for a in actions {
            if let Ok(next) = transition(s, a, DeskRole::Contributor, true) {
                s = next;
            }
            prop_assert!(matches!(s, State::Draft | State::InReview), "reached {s:?}");
        }
    }

    #[test]
    fn a_contributor_may_only_touch_own_drafts(from in any_state(), a in any_action(), own in any::<bool>()) {
        let r = transition(from, a, DeskRole::Contributor, own);
        if r.is_ok() {
            prop_assert!(own && from == State::Draft);
            prop_assert!(matches!(a, Action::Edit | Action::Submit | Action::Delete));
        }
    }

    #[test]
    fn an_editor_is_refused_only_by_the_life_order(from in any_state(), a in any_action(), own in any::<bool>()) {
        match transition(from, a, DeskRole::Editor, own) {
            Ok(_) => {}
            Err(Refused::State { .. }) => {}
            Err(e) => prop_assert!(false, "editor refused by role: {e}"),
        }
    }

    #[test]
    fn transitions_land_where_the_action_says(from in any_state(), a in any_action(), role in any_role()) {
        if let Ok(to) = transition(from, a, role, true) {
            let expected = match a {
                Action::Edit | Action::Delete => from,
                Action::Submit => State::InReview,
                Action::SendBack | Action::Reopen => State::Draft,
                Action::Schedule => State::Scheduled,
                Action::Publish => State::Published,
                Action::Withdraw => State::Withdrawn,
            };
            prop_assert_eq!(to, expected);
            // A published article is never deleted: it is withdrawn first.
            prop_assert!(!(a == Action::Delete && from == State::Published));
        }
    }

    #[test]
    fn the_same_request_gives_the_same_answer(from in any_state(), a in any_action(), role in any_role(), own in any::<bool>()) {
        prop_assert_eq!(transition(from, a, role, own), transition(from, a, role, own));
    }

    #[test]
    fn visibility_is_the_window_of_the_store_query(state in any_state(), times in any_times(), t in 0i64..10_000) {
        // The store's public query, written the way it is in SQL.
        let sql = matches!(state, State::Published | State::Scheduled)
            && times.publish_at.is_some_and(|p| p <= t)
            && times.embargo_until.is_none_or(|e| e <= t)
            && times.expires_at.is_none_or(|x| x > t);
        // The store always sets publish_at when it publishes or schedules.
        if times.publish_at.is_some() || !matches!(state, State::Published) {
            prop_assert_eq!(visible_at(state, &times, t), sql);
        }
    }

    #[test]
    fn visible_means_effectively_published_past_embargo_and_before_expiry(state in any_state(), times in any_times(), t in 0i64..10_000) {
        if visible_at(state, &times, t) {
            prop_assert_eq!(effective_state(state, &times, t), State::Published);
            prop_assert!(times.embargo_until.is_none_or(|e| e <= t));
            prop_assert!(times.expires_at.is_none_or(|x| t < x));
        }
        if matches!(state, State::Draft | State::InReview | State::Withdrawn) {
            prop_assert!(!visible_at(state, &times, t));
        }
    }

    #[test]
    fn visibility_is_one_interval(state in any_state(), times in any_times(), a in 0i64..10_000, b in 0i64..10_000, c in 0i64..10_000) {
        // Visible at a and at c means visible everywhere between (no flicker).
        let mut v = [a, b, c];
        v.sort();
        if visible_at(state, &times, v[0]) && visible_at(state, &times, v[2]) {
            prop_assert!(visible_at(state, &times, v[1]));
        }
        // And it starts exactly at visible_from.
        if let Some(from) = visible_from(state, &times) {
            if times.expires_at.is_none_or(|x| from < x) {
                prop_assert!(visible_at(state, &times, from));
                prop_assert!(!visible_at(state, &times, from - 1));
            }
        }
    }

    #[test]
    fn a_scheduled_article_comes_out_at_its_time_without_a_change(at in 1i64..10_000, t in 0i64..10_000) {
        let times = Times { publish_at: Some(at), ..Times::default() };
        prop_assert_eq!(visible_at(State::Scheduled, &times, t), t >= at);
        prop_assert_eq!(effective_state(State::Scheduled, &times, t) == State::Published, t >= at);
    }

    #[test]
    fn short_headlines_are_bounded(s in "\\PC{0,120}") {
        let r = rules::short_headline("h", &s);
        if s.chars().count() > SHORT_HEADLINE_MAX || s.trim().is_empty() {
            prop_assert!(r.is_err());
        }
    }
}

#[test]
fn withdrawn_and_expired_articles_disappear() {
    let times = Times {
        publish_at: Some(100),
        embargo_until: Some(200),
        expires_at: Some(300),
    };
    assert!(!visible_at(State::Published, &times, 150), "embargoed");
    assert!(visible_at(State::Published, &times, 200));
    assert!(visible_at(State::Published, &times, 299));
    assert!(!visible_at(State::Published, &times, 300), "expired");
    assert!(!visible_at(State::Withdrawn, &times, 250));
    assert_eq!(visible_from(State::Published, &times), Some(200));
}

#[test]
fn the_life_of_an_article() {
    let c = DeskRole::Contributor;
    let e = DeskRole::Editor;
    assert_eq!(
        transition(State::Draft, Action::Submit, c, true),
        Ok(State::InReview)
    );
    assert!(matches!(
        transition(State::InReview, Action::Publish, c, true),
        Err(Refused::Role { .. })
    ));
    assert_eq!(
        transition(State::InReview, Action::Schedule, e, false),
        Ok(State::Scheduled)
    );
    assert_eq!(
        transition(State::Scheduled, Action::Publish, e, false),
        Ok(State::Published)
    );
    assert!(matches!(
        transition(State::Published, Action::Submit, e, false),
        Err(Refused::State { .. })
    ));
    assert!(matches!(
        transition(State::Published, Action::Delete, e, false),
        Err(Refused::State { .. })
    ));
    assert_eq!(
        transition(State::Published, Action::Withdraw, e, false),
        Ok(State::Withdrawn)
    );
    assert_eq!(
        transition(State::Withdrawn, Action::Reopen, e, false),
        Ok(State::Draft)
    );
    assert!(matches!(
        transition(State::Draft, Action::Edit, c, false),
        Err(Refused::Role { .. })
    ));
}

#[test]
fn scheduled_times_are_read_in_the_site_zone() {
    // Wuxi is in China Standard Time (UTC+8, no daylight saving).
    let t = local_instant("2026-12-01T10:00", "Asia/Shanghai").unwrap();
    assert_eq!(
        t,
        "2026-12-01T02:00:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    );
    // A time a spring-forward gap skips moves forward by the gap: 02:30 in Berlin on 29 March 2026 is 03:30 CEST.
    let t = local_instant("2026-03-29T02:30", "Europe/Berlin").unwrap();
    assert_eq!(
        t,
        "2026-03-29T01:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    );
    // A repeated time is its first occurrence (still CEST).
    let t = local_instant("2026-10-25T02:30", "Europe/Berlin").unwrap();
    assert_eq!(
        t,
        "2026-10-25T00:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    );
    assert_eq!(
        parse_instant("2026-12-01T02:00:00Z", "Asia/Shanghai").unwrap(),
        local_instant("2026-12-01T10:00", "Asia/Shanghai").unwrap()
    );
    assert!(local_instant("tomorrow", "Asia/Shanghai").is_err());
    assert!(local_instant("2026-12-01T10:00", "Mars/Olympus").is_err());
}

#[test]
fn field_rules() {
    assert!(rules::rubric("rubric", "world").is_ok());
    assert!(rules::rubric("rubric", "gossip").is_err());
    assert!(rules::tag("tags[0]", "forum").is_ok());
    assert!(rules::tag("tags[0]", "форум-2026").is_ok());
    assert!(rules::tag("tags[0]", "Forum").is_err());
    assert!(rules::tag("tags[0]", "a b").is_err());
    assert!(rules::date("dateline.date", "2026-02-30").is_err());
    assert!(rules::url("source.url", "https://example.org/a").is_ok());
    assert!(rules::url("source.url", "javascript:alert(1)").is_err());
    let e = rules::short_headline("versions.en.short_headline", &"x".repeat(81)).unwrap_err();
    assert_eq!(e.code, "short-headline-too-long");
    assert!(e.message.starts_with("versions.en.short_headline"));
}
