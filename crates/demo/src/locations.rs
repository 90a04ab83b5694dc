//! Screen locations in Wuxi and their screens.
//!
//! Coordinates (WGS 84) are those of the place to ~100 m, from public maps as remembered while compiling the data;
//! the Wuxi East bus hub is the least certain (placed at the high-speed railway station it serves). Screens stand
//! within a few hundred metres of their location. Street and metro screens carry the `ticker` tag: they show the
//! news ticker (issue 3).
//!
//! Each location has the language its screens show text in (the ticker headlines): a choice made for the demo so
//! that all three languages are on show, not a fact about Wuxi. Chinese on Nanchang Street, at Sanyang Square and
//! at the bus terminals; English at the airport and at the railway station, where travellers arrive; Russian at
//! Nanchan Temple, for the demo's Russian-speaking visitors.

use crate::{Lang, Location, LocationKind, Names, Orientation, Screen};

use Lang::{En, Ru, Zh};

use LocationKind::{Airport, BusTerminal, Metro, Street};
use Orientation::{Landscape, Portrait};

/// The time zone of every demo screen.
pub const TZ: &str = "Asia/Shanghai";

/// The demo screen locations: the airport, Nanchang Street, three metro stations and two bus terminals.
pub fn locations() -> &'static [Location] {
    LOCATIONS
}

const fn n(ru: &'static str, en: &'static str, zh: &'static str) -> Names {
    Names { ru, en, zh }
}

#[allow(clippy::too_many_arguments)]
const fn screen(
    slug: &'static str,
    name: &'static str,
    lat: f64,
    lon: f64,
    width: u32,
    height: u32,
    tags: &'static [&'static str],
) -> Screen {
    Screen {
        slug,
        name,
        lat,
        lon,
        tz: TZ,
        width,
        height,
        orientation: if height > width { Portrait } else { Landscape },
        tags,
    }
}

static LOCATIONS: &[Location] = &[
    Location {
        slug: "sunan-shuofang-airport",
        names: n(
            "Международный аэропорт Сунань-Шофан",
            "Sunan Shuofang International Airport",
            "苏南硕放国际机场",
        ),
        kind: Airport,
        lat: 31.4944,
        lon: 120.4292,
        screens: &[
            screen(
                "airport-arrivals-wall",
                "Arrivals hall LED wall",
                31.4951,
                120.4297,
                3840,
                2160,
                &["indoor", "led-wall", "arrivals"],
            ),
            screen(
                "airport-departures-1",
                "Departures hall, check-in row A",
                31.4947,
                120.4288,
                1920,
                1080,
                &["indoor", "departures"],
            ),
            screen(
                "airport-gate-totem-1",
                "Gate area totem, gates 1-6",
                31.4939,
                120.4283,
                1080,
                1920,
                &["indoor", "totem", "airside"],
            ),
            screen(
                "airport-baggage-claim",
                "Baggage claim carousel 2",
                31.4953,
                120.4302,
                1920,
                1080,
                &["indoor", "arrivals"],
            ),
        ],
        lang: En,
    },
    Location {
        slug: "nanchang-street",
        names: n("Улица Наньчан", "Nanchang Street", "南长街"),
        kind: Street,
        lat: 31.5595,
        lon: 120.3050,
        screens: &[
            screen(
                "nanchang-qingming-bridge",
                "Qingming Bridge square",
                31.5560,
                120.3068,
                3840,
                2160,
                &["outdoor", "led-wall", "ticker"],
            ),
            screen(
                "nanchang-canal-walk",
                "Canal walk kiosk",
                31.5595,
                120.3052,
                1080,
                1920,
                &["outdoor", "totem", "ticker"],
            ),
            screen(
                "nanchang-nanchan-gate",
                "Nanchan Temple gate",
                31.5638,
                120.3037,
                1920,
                1080,
                &["outdoor", "ticker"],
            ),
        ],
        lang: Zh,
    },
    Location {
        slug: "metro-sanyang-square",
        names: n(
            "Станция метро «Площадь Саньян»",
            "Sanyang Square Station",
            "三阳广场站",
        ),
        kind: Metro,
        lat: 31.5745,
        lon: 120.2990,
        screens: &[
            screen(
                "sanyang-concourse",
                "Line 1/2 transfer concourse",
                31.5746,
                120.2991,
                1920,
                1080,
                &["indoor", "ticker"],
            ),
            screen(
                "sanyang-platform-1",
                "Line 1 platform",
                31.5743,
                120.2988,
                1920,
                1080,
                &["indoor", "platform", "ticker"],
            ),
            screen(
                "sanyang-exit-totem",
                "Exit 3 totem",
                31.5749,
                120.2995,
                1080,
                1920,
                &["indoor", "totem", "ticker"],
            ),
        ],
        lang: Zh,
    },
    Location {
        slug: "metro-wuxi-railway-station",
        names: n(
            "Станция метро «Железнодорожный вокзал Уси»",
            "Wuxi Railway Station (Metro)",
            "无锡火车站站",
        ),
        kind: Metro,
        lat: 31.5885,
        lon: 120.3030,
        screens: &[
            screen(
                "railway-metro-hall",
                "Ticket hall",
                31.5886,
                120.3031,
                1920,
                1080,
                &["indoor", "ticker"],
            ),
            screen(
                "railway-metro-totem",
                "North passage totem",
                31.5889,
                120.3027,
                1080,
                1920,
                &["indoor", "totem", "ticker"],
            ),
        ],
        lang: En,
    },
    Location {
        slug: "metro-nanchan-temple",
        names: n(
            "Станция метро «Храм Наньчань»",
            "Nanchan Temple Station",
            "南禅寺站",
        ),
        kind: Metro,
        lat: 31.5655,
        lon: 120.3035,
        screens: &[
            screen(
                "nanchan-metro-hall",
                "Station hall",
                31.5656,
                120.3036,
                1920,
                1080,
                &["indoor", "ticker"],
            ),
            screen(
                "nanchan-metro-platform",
                "Line 1 platform",
                31.5653,
                120.3033,
                1920,
                1080,
                &["indoor", "platform", "ticker"],
            ),
        ],
        lang: Ru,
    },
    Location {
        slug: "wuxi-coach-station",
        names: n("Автовокзал Уси", "Wuxi Coach Station", "无锡汽车客运站"),
        kind: BusTerminal,
        lat: 31.5905,
        lon: 120.3005,
        screens: &[
            screen(
                "coach-waiting-hall",
                "Waiting hall",
                31.5906,
                120.3006,
                1920,
                1080,
                &["indoor"],
            ),
            screen(
                "coach-forecourt",
                "Forecourt LED",
                31.5901,
                120.3010,
                2560,
                1440,
                &["outdoor", "led-wall"],
            ),
        ],
        lang: Zh,
    },
    Location {
        slug: "wuxi-east-bus-hub",
        names: n(
            "Автобусный терминал вокзала Уси-Восточный",
            "Wuxi East Station Bus Hub",
            "无锡东站公交枢纽",
        ),
        kind: BusTerminal,
        lat: 31.5880,
        lon: 120.4465,
        screens: &[
            screen(
                "east-hub-bays",
                "Bus bays canopy",
                31.5877,
                120.4468,
                1920,
                1080,
                &["outdoor"],
            ),
            screen(
                "east-hub-totem",
                "Transfer corridor totem",
                31.5883,
                120.4461,
                1080,
                1920,
                &["indoor", "totem"],
            ),
        ],
        lang: Zh,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{distance_km, host_city, is_kebab_slug};
    use std::collections::HashSet;

    #[test]
    fn every_kind_is_present_as_asked() {
        let count = |k| locations().iter().filter(|l| l.kind == k).count();
        assert_eq!(count(Airport), 1);
        assert_eq!(count(Street), 1);
        assert!((2..=3).contains(&count(Metro)));
        assert_eq!(count(BusTerminal), 2);
        let kinds: HashSet<_> = locations().iter().map(|l| l.kind.code()).collect();
        assert_eq!(
            kinds,
            HashSet::from(["airport", "street", "metro", "bus_terminal"])
        );
    }

    #[test]
    fn slugs_are_unique_across_locations_and_screens() {
        let mut seen = HashSet::new();
        for l in locations() {
            assert!(is_kebab_slug(l.slug) && seen.insert(l.slug), "{}", l.slug);
            for s in l.screens {
                assert!(is_kebab_slug(s.slug) && seen.insert(s.slug), "{}", s.slug);
            }
        }
    }

    #[test]
    fn screens_are_in_wuxi_near_their_place() {
        let h = host_city();
        for l in locations() {
            assert!(
                (2..=4).contains(&l.screens.len()),
                "{}: {} screens",
                l.slug,
                l.screens.len()
            );
            assert!(
                distance_km(h.lat, h.lon, l.lat, l.lon) < 30.0,
                "{} is not in Wuxi",
                l.slug
            );
            for s in l.screens {
                let d = distance_km(l.lat, l.lon, s.lat, s.lon);
                assert!(d < 0.5, "{} is {d:.2} km from {}", s.slug, l.slug);
                assert_eq!(s.tz, "Asia/Shanghai");
                assert!(!s.name.is_empty() && !s.tags.is_empty());
            }
        }
    }

    #[test]
    fn orientation_agrees_with_resolution() {
        let mut portrait = 0;
        for s in locations().iter().flat_map(|l| l.screens) {
            assert!(
                s.width >= 720 && s.height >= 720 && s.width <= 7680 && s.height <= 7680,
                "{}",
                s.slug
            );
            match s.orientation {
                Orientation::Portrait => {
                    portrait += 1;
                    assert!(s.height > s.width, "{}", s.slug)
                }
                Orientation::Landscape => assert!(s.width >= s.height, "{}", s.slug),
            }
        }
        assert!(portrait >= 3, "some screens are portrait");
    }

    #[test]
    fn ticker_on_street_and_metro_screens() {
        for l in locations() {
            let wants = matches!(l.kind, Street | Metro);
            for s in l.screens {
                assert_eq!(s.tags.contains(&"ticker"), wants, "{}", s.slug);
            }
        }
    }

    #[test]
    fn every_language_has_ticker_screens() {
        for lang in Lang::ALL {
            let n = locations()
                .iter()
                .filter(|l| l.lang == lang)
                .flat_map(|l| l.screens)
                .filter(|s| s.tags.contains(&"ticker"))
                .count();
            assert!(n >= 2, "{lang:?}: {n} ticker screens");
        }
    }

    #[test]
    fn serializes_kinds_as_codes() {
        let v = serde_json::to_value(locations()[0]).unwrap();
        assert_eq!(v["kind"], "airport");
        assert_eq!(v["screens"][2]["orientation"], "portrait");
        assert_eq!(v["screens"][0]["tz"], "Asia/Shanghai");
        let bus = locations().iter().find(|l| l.kind == BusTerminal).unwrap();
        assert_eq!(serde_json::to_value(bus).unwrap()["kind"], "bus_terminal");
    }
}
