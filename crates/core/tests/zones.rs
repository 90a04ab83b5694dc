//! Properties of the layout zone rules (`twincast_core::zones::check_zones`).

use proptest::prelude::*;
use twincast_core::zones::{check_zones, ZoneSpec};

fn zone(name: &str, x: f64, y: f64, w: f64, h: f64) -> ZoneSpec {
    ZoneSpec {
        name: name.into(),
        x,
        y,
        w,
        h,
        overlay: false,
    }
}

/// A grid of `cols` × `rows` cells tiling the screen, the first named main: always valid.
fn grid(cols: u32, rows: u32) -> Vec<ZoneSpec> {
    let (w, h) = (100.0 / cols as f64, 100.0 / rows as f64);
    let mut out = vec![];
    for r in 0..rows {
        for c in 0..cols {
            let name = if out.is_empty() {
                "main".to_string()
            } else {
                format!("z{}", out.len())
            };
            out.push(zone(&name, c as f64 * w, r as f64 * h, w, h));
        }
    }
    out
}

proptest! {
    #[test]
    fn tilings_are_valid(cols in 1u32..5, rows in 1u32..4) {
        prop_assert_eq!(check_zones(&grid(cols, rows)), Ok(()));
    }

    #[test]
    fn a_zone_outside_the_screen_is_refused(x in -50.0f64..150.0, y in -50.0f64..150.0, w in 0.0f64..120.0, h in 0.0f64..120.0) {
        let z = zone("main", x, y, w, h);
        let inside = x >= 0.0 && y >= 0.0 && w > 0.0 && h > 0.0 && x + w <= 100.0 && y + h <= 100.0;
        let r = check_zones(std::slice::from_ref(&z));
        prop_assert_eq!(r.is_ok(), inside, "{:?} -> {:?}", z, r);
        if let Err(e) = r {
            prop_assert_eq!(e.code, "zone-outside-screen");
        }
    }

    #[test]
    fn overlap_is_refused_unless_marked(ax in 0.0f64..60.0, ay in 0.0f64..60.0, bx in 0.0f64..60.0, by in 0.0f64..60.0) {
        let a = zone("main", ax, ay, 40.0, 40.0);
        let mut b = zone("side", bx, by, 40.0, 40.0);
        let overlap = (ax - bx).abs() < 40.0 && (ay - by).abs() < 40.0;
        let r = check_zones(&[a.clone(), b.clone()]);
        prop_assert_eq!(r.is_ok(), !overlap, "{:?}", r);
        if let Err(e) = r {
            prop_assert_eq!(e.code, "zones-overlap");
        }
        b.overlay = true;
        prop_assert_eq!(check_zones(&[a, b]), Ok(()));
    }

    #[test]
    fn exactly_one_main(n in 0usize..4) {
        let zones: Vec<ZoneSpec> = (0..n).map(|i| ZoneSpec { overlay: i > 0, ..zone("main", 0.0, 0.0, 50.0, 50.0) }).collect();
        let r = check_zones(&zones);
        // Two mains are also a duplicate name; none is the main count.
        match n {
            1 => prop_assert_eq!(r, Ok(())),
            0 => prop_assert_eq!(r.unwrap_err().code, "main-zone-count"),
            _ => prop_assert_eq!(r.unwrap_err().code, "duplicate-zone"),
        }
    }

    #[test]
    fn names_follow_the_rule(name in "[a-zA-Z0-9_ -]{0,40}") {
        let ok = !name.is_empty() && name.len() <= 32
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        let zones = [zone("main", 0.0, 0.0, 50.0, 100.0), zone(&name, 50.0, 0.0, 50.0, 100.0)];
        let r = check_zones(&zones);
        if name == "main" {
            prop_assert_eq!(r.unwrap_err().code, "duplicate-zone");
        } else {
            prop_assert_eq!(r.is_ok(), ok, "{:?} -> {:?}", name, r);
        }
    }
}

#[test]
fn too_many_zones_and_non_finite_values_are_refused() {
    assert_eq!(
        check_zones(&grid(17, 1)).unwrap_err().code,
        "too-many-zones"
    );
    assert_eq!(
        check_zones(&[zone("main", f64::NAN, 0.0, 10.0, 10.0)])
            .unwrap_err()
            .code,
        "zone-outside-screen"
    );
    // Touching edges do not overlap.
    assert_eq!(
        check_zones(&[
            zone("main", 0.0, 0.0, 85.0, 90.0),
            zone("ticker", 0.0, 90.0, 85.0, 10.0),
            zone("side", 85.0, 0.0, 15.0, 100.0),
        ]),
        Ok(())
    );
}

proptest! {
    /// A campaign may name exactly the zones a layout can have that carry content: every valid layout zone name
    /// but `clock`, plus `main` and `ticker`; and a name a layout refuses is never a campaign's zone.
    #[test]
    fn campaign_zones_are_the_content_zones_of_layouts(name in "[a-zA-Z0-9_\\- !]{0,34}") {
        use twincast_core::campaign_rules::{is_content_zone, is_free_zone};
        let as_layout = check_zones(&[zone("main", 0.0, 0.0, 50.0, 100.0), zone(&name, 50.0, 0.0, 50.0, 100.0)]);
        let layout_name_ok = name == "main" || !matches!(&as_layout, Err(e) if e.code == "invalid-zone-name");
        prop_assert_eq!(is_content_zone(&name), layout_name_ok && name != "clock", "{:?} {:?}", name, as_layout);
        prop_assert_eq!(is_free_zone(&name), name != "main" && name != "ticker");
    }
}
