//! Properties of the shared field rules (`twincast_core::validate`).

use proptest::prelude::*;
use twincast_core::validate;

/// The slug rule written out independently: hyphen-separated runs of `[a-z0-9]`, 1..=64 bytes.
fn is_slug_by_grammar(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('-').all(|run| {
            !run.is_empty()
                && run
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

proptest! {
    #[test]
    fn generated_slugs_pass(s in "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,4}") {
        prop_assert_eq!(validate::slug("slug", &s), Ok(()));
    }

    #[test]
    fn slug_rule_matches_the_grammar(s in "[a-z0-9_A-Z -]{0,70}") {
        let r = validate::slug("tag", &s);
        prop_assert_eq!(r.is_ok(), is_slug_by_grammar(&s), "{:?} -> {:?}", s, r);
        if let Err(e) = r {
            prop_assert_eq!(e.code, "invalid-slug");
            prop_assert!(e.message.starts_with("tag "));
        }
    }

    #[test]
    fn text_bounds_characters(s in "\\PC{0,40}", max in 0usize..40) {
        let r = validate::text("name", &s, max);
        prop_assert_eq!(r.is_ok(), s.chars().count() <= max, "{:?} max {} -> {:?}", s, max, r);
    }

    #[test]
    fn text_refuses_any_control_but_newline(a in "[a-z]{0,5}", c in any::<char>(), b in "[a-z]{0,5}") {
        let s = format!("{a}{c}{b}");
        let r = validate::text("name", &s, 100);
        prop_assert_eq!(r.is_ok(), !c.is_control() || c == '\n');
    }

    #[test]
    fn coords_accept_exactly_the_ranges(lat in -200.0f64..200.0, lon in -400.0f64..400.0) {
        let r = validate::coords(Some(lat), Some(lon));
        prop_assert_eq!(r.is_ok(), lat.abs() <= 90.0 && lon.abs() <= 180.0);
        prop_assert_eq!(validate::coords(Some(lat), None).is_ok(), lat.abs() <= 90.0);
        prop_assert_eq!(validate::coords(None, Some(lon)).is_ok(), lon.abs() <= 180.0);
    }
}
