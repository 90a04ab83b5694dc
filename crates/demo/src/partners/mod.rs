//! The host city and its 29 partners (24 countries, 5 continents).
//!
//! Compiled in November 2026 from public pages (city governments, China Daily, Wuxi government English site). The
//! source of each confirmed relationship is named in a comment; `verified: false` marks a real city chosen where
//! a country's exact partner could not be confirmed (a Wuxi vice mayor named sister-city ties in Malaysia, the
//! Philippines and Indonesia, among others, without naming the cities). A few partners (Toyokawa, Oshawa, Paris
//! 13th arrondissement) are partners of a Wuxi district rather than of the municipality; they are marked so. Coordinates are city centres to ~0.01°.
//! `since` is the year of the agreement or of the first letter of intent; `None` where not found.

use std::sync::OnceLock;

use crate::{Continent, HostCity, Names, Partner, Rgb};

mod americas;
mod asia;
mod europe;
mod oceania;

/// The host city of the demo deployment: Wuxi, Jiangsu, China.
///
/// Coordinates are those of Sanyang Square in the city centre.
pub fn host_city() -> &'static HostCity {
    &HOST
}

/// The 29 partner cities, ordered by continent then country.
pub fn partners() -> &'static [Partner] {
    static ALL: OnceLock<Vec<Partner>> = OnceLock::new();
    ALL.get_or_init(|| {
        [
            asia::ASIA,
            americas::NORTH_AMERICA,
            americas::SOUTH_AMERICA,
            oceania::OCEANIA,
            europe::EUROPE,
        ]
        .concat()
    })
}

/// The partner with this slug, if any.
pub fn partner_by_slug(slug: &str) -> Option<&'static Partner> {
    partners().iter().find(|p| p.slug == slug)
}

static HOST: HostCity = HostCity {
    slug: "wuxi",
    names: Names {
        ru: "Уси",
        en: "Wuxi",
        zh: "无锡",
    },
    region: "Jiangsu",
    country: "CN",
    continent: Continent::Asia,
    lat: 31.5747,
    lon: 120.2987,
    tz: "Asia/Shanghai",
};

// Flag colours (approximate official sRGB values).
pub(super) const JP: &[Rgb] = &[Rgb(255, 255, 255), Rgb(188, 0, 45)];
pub(super) const KR: &[Rgb] = &[
    Rgb(255, 255, 255),
    Rgb(205, 46, 58),
    Rgb(0, 71, 160),
    Rgb(0, 0, 0),
];
pub(super) const SG: &[Rgb] = &[Rgb(239, 51, 64), Rgb(255, 255, 255)];
pub(super) const KH: &[Rgb] = &[Rgb(3, 46, 161), Rgb(224, 0, 37), Rgb(255, 255, 255)];
pub(super) const MY: &[Rgb] = &[
    Rgb(204, 0, 1),
    Rgb(255, 255, 255),
    Rgb(1, 0, 102),
    Rgb(255, 204, 0),
];
pub(super) const PH: &[Rgb] = &[
    Rgb(0, 56, 168),
    Rgb(206, 17, 38),
    Rgb(255, 255, 255),
    Rgb(252, 209, 22),
];
pub(super) const ID: &[Rgb] = &[Rgb(206, 17, 38), Rgb(255, 255, 255)];
pub(super) const US: &[Rgb] = &[Rgb(178, 34, 52), Rgb(255, 255, 255), Rgb(60, 59, 110)];
pub(super) const CA: &[Rgb] = &[Rgb(213, 43, 30), Rgb(255, 255, 255)];
pub(super) const MX: &[Rgb] = &[Rgb(0, 104, 71), Rgb(255, 255, 255), Rgb(206, 17, 38)];
pub(super) const BR: &[Rgb] = &[Rgb(0, 156, 59), Rgb(255, 223, 0), Rgb(0, 39, 118)];
pub(super) const NZ: &[Rgb] = &[Rgb(1, 33, 105), Rgb(200, 16, 46), Rgb(255, 255, 255)];
pub(super) const AU: &[Rgb] = &[Rgb(1, 33, 105), Rgb(228, 0, 43), Rgb(255, 255, 255)];
pub(super) const PT: &[Rgb] = &[Rgb(4, 106, 56), Rgb(218, 41, 28), Rgb(255, 225, 0)];
pub(super) const DE: &[Rgb] = &[Rgb(0, 0, 0), Rgb(221, 0, 0), Rgb(255, 206, 0)];
pub(super) const FI: &[Rgb] = &[Rgb(255, 255, 255), Rgb(0, 47, 108)];
pub(super) const DK: &[Rgb] = &[Rgb(200, 16, 46), Rgb(255, 255, 255)];
pub(super) const SE: &[Rgb] = &[Rgb(0, 106, 167), Rgb(254, 204, 2)];
pub(super) const GB: &[Rgb] = &[Rgb(1, 33, 105), Rgb(255, 255, 255), Rgb(200, 16, 46)];
pub(super) const PL: &[Rgb] = &[Rgb(255, 255, 255), Rgb(220, 20, 60)];
pub(super) const HU: &[Rgb] = &[Rgb(206, 41, 57), Rgb(255, 255, 255), Rgb(67, 111, 77)];
pub(super) const BE: &[Rgb] = &[Rgb(0, 0, 0), Rgb(253, 218, 36), Rgb(239, 51, 64)];
pub(super) const FR: &[Rgb] = &[Rgb(0, 85, 164), Rgb(255, 255, 255), Rgb(239, 65, 53)];
pub(super) const NL: &[Rgb] = &[Rgb(174, 28, 40), Rgb(255, 255, 255), Rgb(33, 70, 139)];

pub(super) const fn n(ru: &'static str, en: &'static str, zh: &'static str) -> Names {
    Names { ru, en, zh }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{distance_km, is_kebab_slug, Lang};
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    #[test]
    fn counts_match_the_seed() {
        let ps = partners();
        assert_eq!(ps.len(), 29, "29 partners");
        let countries: BTreeSet<_> = ps.iter().map(|p| p.country).collect();
        assert_eq!(countries.len(), 24, "24 countries: {countries:?}");
        let continents: BTreeSet<_> = ps.iter().map(|p| p.continent).collect();
        assert_eq!(continents.len(), 5, "5 continents: {continents:?}");
    }

    #[test]
    fn each_country_has_one_continent() {
        let mut seen: BTreeMap<&str, Continent> = BTreeMap::new();
        for p in partners() {
            let c = *seen.entry(p.country).or_insert(p.continent);
            assert_eq!(c, p.continent, "{} has two continents", p.country);
        }
    }

    #[test]
    fn slugs_are_unique_kebab_ascii() {
        let mut seen = HashSet::new();
        for p in partners() {
            assert!(is_kebab_slug(p.slug), "bad slug {:?}", p.slug);
            assert!(seen.insert(p.slug), "duplicate slug {}", p.slug);
            assert_eq!(partner_by_slug(p.slug), Some(p));
        }
        assert_eq!(partner_by_slug("wuxi"), None);
        assert_eq!(partner_by_slug(""), None);
    }

    #[test]
    fn coordinates_are_valid_and_away_from_the_host() {
        let h = host_city();
        let mut points = HashSet::new();
        for p in partners() {
            assert!(
                p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat),
                "{} lat",
                p.slug
            );
            assert!(
                p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon),
                "{} lon",
                p.slug
            );
            assert!(
                distance_km(h.lat, h.lon, p.lat, p.lon) > 500.0,
                "{} too close to Wuxi",
                p.slug
            );
            assert!(
                points.insert(((p.lat * 100.0) as i64, (p.lon * 100.0) as i64)),
                "{} duplicate point",
                p.slug
            );
        }
    }

    #[test]
    fn hemispheres_agree_with_continents() {
        for p in partners() {
            match p.continent {
                Continent::NorthAmerica => assert!(p.lon < -30.0 && p.lat > 7.0, "{}", p.slug),
                Continent::SouthAmerica => assert!(p.lon < -30.0 && p.lat < 13.0, "{}", p.slug),
                Continent::Oceania => assert!(p.lon > 110.0 && p.lat < 0.0, "{}", p.slug),
                Continent::Europe => {
                    assert!((-25.0..45.0).contains(&p.lon) && p.lat > 34.0, "{}", p.slug)
                }
                Continent::Asia => assert!(p.lon > 60.0, "{}", p.slug),
                Continent::Africa => {
                    assert!((-20.0..52.0).contains(&p.lon) && p.lat < 38.0, "{}", p.slug)
                }
            }
        }
    }

    #[test]
    fn countries_are_iso_alpha2() {
        // The ISO 3166-1 alpha-2 codes used, checked against the standard by hand.
        let known = [
            "AU", "BE", "BR", "CA", "CN", "DE", "DK", "FI", "FR", "GB", "HU", "ID", "JP", "KH",
            "KR", "MX", "MY", "NL", "NZ", "PH", "PL", "PT", "SE", "SG", "US",
        ];
        for p in partners() {
            assert!(
                known.contains(&p.country),
                "{} country {}",
                p.slug,
                p.country
            );
        }
        assert!(known.contains(&host_city().country));
    }

    #[test]
    fn names_are_in_their_scripts() {
        let cyrillic = |s: &str| s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c));
        let cjk = |s: &str| s.chars().all(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
        for p in partners()
            .iter()
            .map(|p| (p.slug, p.names))
            .chain([("wuxi", host_city().names)])
        {
            let (slug, names) = p;
            assert!(cyrillic(names.ru), "{slug} ru {:?}", names.ru);
            assert!(!names.en.trim().is_empty(), "{slug} en");
            assert!(
                !names.zh.is_empty() && cjk(names.zh),
                "{slug} zh {:?}",
                names.zh
            );
        }
    }

    #[test]
    fn descriptions_are_one_sentence_in_each_language() {
        let cyrillic = |c: char| ('\u{0400}'..='\u{04FF}').contains(&c);
        let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
        for p in partners() {
            for lang in Lang::ALL {
                let d = p.description(lang);
                assert!(!d.trim().is_empty(), "{} {lang:?} is empty", p.slug);
                assert_eq!(d, d.trim(), "{} {lang:?} has outer spaces", p.slug);
                assert!(!d.contains("  "), "{} {lang:?} has a double space", p.slug);
                assert!(
                    d.chars().count() <= 160,
                    "{} {lang:?} is too long for a card",
                    p.slug
                );
            }
            let (ru, en, zh) = (
                p.description(Lang::Ru),
                p.description(Lang::En),
                p.description(Lang::Zh),
            );
            // One sentence each, in the language's own script and punctuation.
            assert!(
                ru.ends_with('.') && !ru.trim_end_matches('.').contains(". "),
                "{}: {ru}",
                p.slug
            );
            assert!(
                en.ends_with('.') && !en.trim_end_matches('.').contains(". "),
                "{}: {en}",
                p.slug
            );
            assert!(
                zh.ends_with('。') && zh.matches('。').count() == 1,
                "{}: {zh}",
                p.slug
            );
            let ru_letters = ru.chars().filter(|c| c.is_alphabetic()).count();
            let ru_cyrillic = ru.chars().filter(|&c| cyrillic(c)).count();
            assert!(
                ru_cyrillic * 10 >= ru_letters * 8,
                "{} ru is mostly not Cyrillic: {ru}",
                p.slug
            );
            assert!(
                !en.chars().any(|c| cyrillic(c) || han(c)),
                "{} en: {en}",
                p.slug
            );
            let zh_han = zh.chars().filter(|&c| han(c)).count();
            let zh_latin = zh.chars().filter(|c| c.is_ascii_alphabetic()).count();
            assert!(
                zh_han >= 15 && zh_latin == 0,
                "{} zh must be Chinese, not Latin: {zh}",
                p.slug
            );
            // The three say the same thing: a year the English names is named in all (decades are written
            // differently: "1990s", "1990-х", "20世纪90年代").
            for year in (1900..=2030).map(|y| y.to_string()) {
                if en.contains(&year) && !en.contains(&format!("{year}s")) {
                    assert!(
                        ru.contains(&year) && zh.contains(&year),
                        "{} year {year}",
                        p.slug
                    );
                }
            }
        }
    }

    #[test]
    fn flags_and_years_are_usable() {
        for p in partners() {
            assert!(p.flag_colors.len() >= 2, "{}", p.slug);
            if let Some(y) = p.since {
                assert!((1973..=2026).contains(&y), "{} since {y}", p.slug);
            }
        }
    }

    #[test]
    fn most_partners_are_verified() {
        let unverified: Vec<_> = partners()
            .iter()
            .filter(|p| !p.verified)
            .map(|p| p.slug)
            .collect();
        assert_eq!(unverified, ["melaka", "cebu-city", "surabaya"]);
    }

    #[test]
    fn serializes_as_the_api_expects() {
        let v = serde_json::to_value(partner_by_slug("san-antonio").unwrap()).unwrap();
        assert_eq!(v["slug"], "san-antonio");
        assert_eq!(v["names"]["ru"], "Сан-Антонио");
        assert_eq!(v["names"]["zh"], "圣安东尼奥");
        assert_eq!(v["country"], "US");
        assert_eq!(v["continent"], "north_america");
        assert_eq!(v["since"], 2012);
        assert_eq!(v["flag_colors"][0], "#b22234");
        assert!(v["description"]["zh"].as_str().unwrap().contains("无锡"));
        assert!(v["lat"].is_f64() && v["lon"].is_f64());
    }
}
