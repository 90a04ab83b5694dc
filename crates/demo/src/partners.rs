//! The host city and its 29 partners (24 countries, 5 continents).
//!
//! Compiled in November 2026 from public pages (city governments, China Daily, Wuxi government English site). The
//! source of each confirmed relationship is named in a comment; `verified: false` marks a real city chosen where
//! a country's exact partner could not be confirmed (a Wuxi vice mayor named sister-city ties in Malaysia, the
//! Philippines and Indonesia, among others, without naming the cities). A few partners (Toyokawa, Oshawa, Paris
//! 13th arrondissement) are partners of a Wuxi district rather than of the municipality; they are marked so. Coordinates are city centres to ~0.01°.
//! `since` is the year of the agreement or of the first letter of intent; `None` where not found.

use crate::{Continent, HostCity, Names, Partner, Rgb};

use Continent::{Asia, Europe, NorthAmerica, Oceania, SouthAmerica};

/// The host city of the demo deployment: Wuxi, Jiangsu, China.
///
/// Coordinates are those of Sanyang Square in the city centre.
pub fn host_city() -> &'static HostCity {
    &HOST
}

/// The 29 partner cities, ordered by continent then country.
pub fn partners() -> &'static [Partner] {
    PARTNERS
}

/// The partner with this slug, if any.
pub fn partner_by_slug(slug: &str) -> Option<&'static Partner> {
    PARTNERS.iter().find(|p| p.slug == slug)
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
    continent: Asia,
    lat: 31.5747,
    lon: 120.2987,
    tz: "Asia/Shanghai",
};

// Flag colours (approximate official sRGB values).
const JP: &[Rgb] = &[Rgb(255, 255, 255), Rgb(188, 0, 45)];
const KR: &[Rgb] = &[
    Rgb(255, 255, 255),
    Rgb(205, 46, 58),
    Rgb(0, 71, 160),
    Rgb(0, 0, 0),
];
const SG: &[Rgb] = &[Rgb(239, 51, 64), Rgb(255, 255, 255)];
const KH: &[Rgb] = &[Rgb(3, 46, 161), Rgb(224, 0, 37), Rgb(255, 255, 255)];
const MY: &[Rgb] = &[
    Rgb(204, 0, 1),
    Rgb(255, 255, 255),
    Rgb(1, 0, 102),
    Rgb(255, 204, 0),
];
const PH: &[Rgb] = &[
    Rgb(0, 56, 168),
    Rgb(206, 17, 38),
    Rgb(255, 255, 255),
    Rgb(252, 209, 22),
];
const ID: &[Rgb] = &[Rgb(206, 17, 38), Rgb(255, 255, 255)];
const US: &[Rgb] = &[Rgb(178, 34, 52), Rgb(255, 255, 255), Rgb(60, 59, 110)];
const CA: &[Rgb] = &[Rgb(213, 43, 30), Rgb(255, 255, 255)];
const MX: &[Rgb] = &[Rgb(0, 104, 71), Rgb(255, 255, 255), Rgb(206, 17, 38)];
const BR: &[Rgb] = &[Rgb(0, 156, 59), Rgb(255, 223, 0), Rgb(0, 39, 118)];
const NZ: &[Rgb] = &[Rgb(1, 33, 105), Rgb(200, 16, 46), Rgb(255, 255, 255)];
const AU: &[Rgb] = &[Rgb(1, 33, 105), Rgb(228, 0, 43), Rgb(255, 255, 255)];
const PT: &[Rgb] = &[Rgb(4, 106, 56), Rgb(218, 41, 28), Rgb(255, 225, 0)];
const DE: &[Rgb] = &[Rgb(0, 0, 0), Rgb(221, 0, 0), Rgb(255, 206, 0)];
const FI: &[Rgb] = &[Rgb(255, 255, 255), Rgb(0, 47, 108)];
const DK: &[Rgb] = &[Rgb(200, 16, 46), Rgb(255, 255, 255)];
const SE: &[Rgb] = &[Rgb(0, 106, 167), Rgb(254, 204, 2)];
const GB: &[Rgb] = &[Rgb(1, 33, 105), Rgb(255, 255, 255), Rgb(200, 16, 46)];
const PL: &[Rgb] = &[Rgb(255, 255, 255), Rgb(220, 20, 60)];
const HU: &[Rgb] = &[Rgb(206, 41, 57), Rgb(255, 255, 255), Rgb(67, 111, 77)];
const BE: &[Rgb] = &[Rgb(0, 0, 0), Rgb(253, 218, 36), Rgb(239, 51, 64)];
const FR: &[Rgb] = &[Rgb(0, 85, 164), Rgb(255, 255, 255), Rgb(239, 65, 53)];
const NL: &[Rgb] = &[Rgb(174, 28, 40), Rgb(255, 255, 255), Rgb(33, 70, 139)];

const fn n(ru: &'static str, en: &'static str, zh: &'static str) -> Names {
    Names { ru, en, zh }
}

static PARTNERS: &[Partner] = &[
    // ---- Asia --------------------------------------------------------------------------------------------
    // Source: Wuxi archives (daj.wuxi.gov.cn, 2016): Akashi was Wuxi's first international sister city, 1981.
    Partner {
        slug: "akashi",
        names: n("Акаси", "Akashi", "明石"),
        country: "JP",
        continent: Asia,
        lat: 34.64,
        lon: 135.00,
        since: Some(1981),
        description: "A port city on the Akashi Strait in Hyogo Prefecture, home of Japan's standard time meridian. \
                      Wuxi's first international sister city.",
        flag_colors: JP,
        verified: true,
    },
    // Source: City of Sagamihara: friendship city agreement signed 6 October 1985.
    Partner {
        slug: "sagamihara",
        names: n("Сагамихара", "Sagamihara", "相模原"),
        country: "JP",
        continent: Asia,
        lat: 35.57,
        lon: 139.37,
        since: Some(1985),
        description: "A designated city in Kanagawa Prefecture west of Tokyo, known for its science parks and the \
                      JAXA space campus. More than 4,900 citizens have visited between the two cities.",
        flag_colors: JP,
        verified: true,
    },
    // Source: Wuxi Daily via kantsuu.com (2006): Yurihonjo is a friendship exchange city of Wuxi.
    Partner {
        slug: "yurihonjo",
        names: n("Юрихондзё", "Yurihonjo", "由利本庄"),
        country: "JP",
        continent: Asia,
        lat: 39.39,
        lon: 140.05,
        since: None,
        description: "A city in Akita Prefecture between the Sea of Japan and Mount Chokai, known for rice, \
                      sake and snow festivals.",
        flag_colors: JP,
        verified: true,
    },
    // Source: City of Toyokawa: friendship city of Wuxi's Xinwu (New) District since 15 April 2009.
    Partner {
        slug: "toyokawa",
        names: n("Тоёкава", "Toyokawa", "丰川"),
        country: "JP",
        continent: Asia,
        lat: 34.83,
        lon: 137.38,
        since: Some(2009),
        description: "An industrial city in Aichi Prefecture famous for the Toyokawa Inari temple. Its partner is \
                      Wuxi's high-tech Xinwu District.",
        flag_colors: JP,
        verified: true,
    },
    // Source: jschina.com.cn (2023): Wuxi and Ulsan celebrate the 10th anniversary of ties formed in 2013.
    Partner {
        slug: "ulsan",
        names: n("Ульсан", "Ulsan", "蔚山"),
        country: "KR",
        continent: Asia,
        lat: 35.54,
        lon: 129.31,
        since: Some(2013),
        description: "South Korea's industrial capital, with shipyards, car plants and refineries on the Taehwa \
                      River. The cities cooperate on auto parts, new energy and river restoration.",
        flag_colors: KR,
        verified: true,
    },
    // Source: PRNewswire/Xinhua (2023) reports a conference "between sister cities of China's Wuxi and Singapore"
    // and 30 years of exchanges; the exact founding year was not found.
    Partner {
        slug: "singapore",
        names: n("Сингапур", "Singapore", "新加坡"),
        country: "SG",
        continent: Asia,
        lat: 1.29,
        lon: 103.85,
        since: None,
        description: "A city-state and global trade and finance hub at the tip of the Malay Peninsula. The \
                      Wuxi-Singapore Industrial Park has linked the two since the 1990s.",
        flag_colors: SG,
        verified: true,
    },
    // Source: Jiangsu international communication centre (2019): Wuxi and Sihanoukville began exchanges in May
    // 2006 and became sister cities in July 2009.
    Partner {
        slug: "sihanoukville",
        names: n("Сиануквиль", "Sihanoukville", "西哈努克市"),
        country: "KH",
        continent: Asia,
        lat: 10.63,
        lon: 103.52,
        since: Some(2009),
        description: "Cambodia's deep-water port on the Gulf of Thailand, home of the Sihanoukville Special Economic \
                      Zone led by the Wuxi-based Hongdou Group.",
        flag_colors: KH,
        verified: true,
    },
    // verified: false — ties in Malaysia are documented (ASEAN-China Centre, 2016); the city is a guess.
    Partner {
        slug: "melaka",
        names: n("Малакка", "Melaka", "马六甲"),
        country: "MY",
        continent: Asia,
        lat: 2.20,
        lon: 102.25,
        since: None,
        description: "A historic trading port on the Strait of Malacca whose old town is a UNESCO World Heritage \
                      Site, long linked to China by Admiral Zheng He's voyages.",
        flag_colors: MY,
        verified: false,
    },
    // verified: false — ties in the Philippines are documented (ASEAN-China Centre, 2016); the city is a guess.
    Partner {
        slug: "cebu-city",
        names: n("Себу", "Cebu City", "宿务"),
        country: "PH",
        continent: Asia,
        lat: 10.32,
        lon: 123.89,
        since: None,
        description: "The oldest city of the Philippines and the commercial centre of the Visayas, with a busy port \
                      and a growing electronics industry.",
        flag_colors: PH,
        verified: false,
    },
    // verified: false — ties in Indonesia are documented (ASEAN-China Centre, 2016); the city is a guess.
    Partner {
        slug: "surabaya",
        names: n("Сурабая", "Surabaya", "泗水"),
        country: "ID",
        continent: Asia,
        lat: -7.26,
        lon: 112.75,
        since: None,
        description: "Indonesia's second-largest city and a major port of East Java, known as the City of Heroes.",
        flag_colors: ID,
        verified: false,
    },
    // ---- North America -----------------------------------------------------------------------------------
    // Source: Chattanooga Sister Cities: agreement signed 12 October 1982.
    Partner {
        slug: "chattanooga",
        names: n("Чаттануга", "Chattanooga", "查塔努加"),
        country: "US",
        continent: NorthAmerica,
        lat: 35.05,
        lon: -85.31,
        since: Some(1982),
        description: "A river city in Tennessee on the Tennessee River, reborn from an industrial past as an outdoor \
                      and technology hub with city-wide gigabit internet.",
        flag_colors: US,
        verified: true,
    },
    // Source: Wuxi government (en.wuxi.gov.cn): sister cities since 2012; "sister canals" signed in 2018.
    Partner {
        slug: "san-antonio",
        names: n("Сан-Антонио", "San Antonio", "圣安东尼奥"),
        country: "US",
        continent: NorthAmerica,
        lat: 29.42,
        lon: -98.49,
        since: Some(2012),
        description: "A Texas city famous for the Alamo and its River Walk. Its river and Wuxi's ancient canal were \
                      declared sister canals in 2018.",
        flag_colors: US,
        verified: true,
    },
    // Source: Oshawa Express: friendship agreement between Oshawa and Wuxi New District (year not stated).
    Partner {
        slug: "oshawa",
        names: n("Ошава", "Oshawa", "奥沙瓦"),
        country: "CA",
        continent: NorthAmerica,
        lat: 43.90,
        lon: -78.87,
        since: None,
        description: "An Ontario city on Lake Ontario east of Toronto, long Canada's automotive capital, with a \
                      friendship agreement with Wuxi's New District.",
        flag_colors: CA,
        verified: true,
    },
    // Source: China Daily (2014): Puebla and Wuxi signed a letter of intent in May 2013.
    Partner {
        slug: "puebla",
        names: n("Пуэбла", "Puebla", "普埃布拉"),
        country: "MX",
        continent: NorthAmerica,
        lat: 19.04,
        lon: -98.21,
        since: Some(2013),
        description: "A colonial city in central Mexico below the Popocatepetl volcano, known for Talavera \
                      ceramics — a natural match for Yixing, Wuxi's capital of pottery.",
        flag_colors: MX,
        verified: true,
    },
    // ---- South America -----------------------------------------------------------------------------------
    // Source: Wuxi government (en.wuxi.gov.cn, 2019): sister city since 18 October 2010.
    Partner {
        slug: "sorocaba",
        names: n("Сорокаба", "Sorocaba", "索罗卡巴"),
        country: "BR",
        continent: SouthAmerica,
        lat: -23.50,
        lon: -47.46,
        since: Some(2010),
        description: "An industrial city in São Paulo state with auto-parts, machinery and wind-power plants, and a \
                      historic textile industry like Wuxi's.",
        flag_colors: BR,
        verified: true,
    },
    // ---- Oceania -----------------------------------------------------------------------------------------
    // Source: Hamilton City Council: Wuxi's mayor planted the Friendship Tree in Hamilton Gardens in 1986.
    Partner {
        slug: "hamilton",
        names: n("Гамильтон", "Hamilton", "汉密尔顿"),
        country: "NZ",
        continent: Oceania,
        lat: -37.79,
        lon: 175.28,
        since: Some(1986),
        description: "New Zealand's largest inland city on the Waikato River. Wuxi helped build the Chinese Scholars' \
                      Garden in Hamilton Gardens, with a rock from Lake Tai.",
        flag_colors: NZ,
        verified: true,
    },
    // Source: Frankston City Council: agreement signed October 2011; "Wuxi Way" named in 2013.
    Partner {
        slug: "frankston",
        names: n("Франкстон", "Frankston", "弗兰克斯顿"),
        country: "AU",
        continent: Oceania,
        lat: -38.14,
        lon: 145.13,
        since: Some(2011),
        description: "A seaside city on Port Phillip Bay south of Melbourne, whose waterfront promenade near the pier \
                      is named Wuxi Way.",
        flag_colors: AU,
        verified: true,
    },
    // ---- Europe ------------------------------------------------------------------------------------------
    // Source: Lusa via SAPO (2012): Cascais was the first European city twinned with Wuxi, in 1993.
    Partner {
        slug: "cascais",
        names: n("Кашкайш", "Cascais", "卡斯凯什"),
        country: "PT",
        continent: Europe,
        lat: 38.70,
        lon: -9.42,
        since: Some(1993),
        description: "A resort town on the Atlantic coast west of Lisbon and the first European city twinned with \
                      Wuxi. The two exchange young people and hotel-trade trainees.",
        flag_colors: PT,
        verified: true,
    },
    // Source: City of Leverkusen: economic partnership 2006, town twinning signed June 2014.
    Partner {
        slug: "leverkusen",
        names: n("Леверкузен", "Leverkusen", "勒沃库森"),
        country: "DE",
        continent: Europe,
        lat: 51.03,
        lon: 6.98,
        since: Some(2014),
        description: "A chemical-industry city on the Rhine, home of Bayer and Lanxess. Wuxi gave it a dragon \
                      pavilion in the Neuland Park.",
        flag_colors: DE,
        verified: true,
    },
    // Source: City of Bocholt: declaration of intent on friendly exchange signed October 2003.
    Partner {
        slug: "bocholt",
        names: n("Бохольт", "Bocholt", "博霍尔特"),
        country: "DE",
        continent: Europe,
        lat: 51.84,
        lon: 6.62,
        since: Some(2003),
        description: "A textile town in Westphalia near the Dutch border, whose German-Chinese Society has fostered \
                      ties with Wuxi since the 1980s.",
        flag_colors: DE,
        verified: true,
    },
    // Source: China Daily (2015): twin-city relation since 2010; Wuxi Innovation Center in Lahti.
    Partner {
        slug: "lahti",
        names: n("Лахти", "Lahti", "拉赫蒂"),
        country: "FI",
        continent: Europe,
        lat: 60.98,
        lon: 25.66,
        since: Some(2010),
        description: "A Finnish lake city and winter-sports centre, a leader in clean technology. It hosts the Wuxi \
                      Innovation Center.",
        flag_colors: FI,
        verified: true,
    },
    // Source: Chinese embassy in Denmark (2017): sister cities with Bycirklen (Ballerup, Egedal, Frederikssund)
    // since 2007. Ballerup stands for the group.
    Partner {
        slug: "ballerup",
        names: n("Баллеруп", "Ballerup", "巴勒鲁普"),
        country: "DK",
        continent: Europe,
        lat: 55.73,
        lon: 12.36,
        since: Some(2007),
        description: "A municipality west of Copenhagen and a member of Bycirklen, the group of Danish towns twinned \
                      with Wuxi in 2007.",
        flag_colors: DK,
        verified: true,
    },
    // Source: Södertälje municipality (2018): four-year Sister City Agreement signed in Wuxi in May 2018;
    // contacts since 2004.
    Partner {
        slug: "sodertalje",
        names: n("Сёдертелье", "Södertälje", "南泰利耶"),
        country: "SE",
        continent: Europe,
        lat: 59.20,
        lon: 17.63,
        since: Some(2018),
        description: "An industrial town south of Stockholm, home of Scania trucks and AstraZeneca plants. \
                      Exchanges cover vocational schools and the environment.",
        flag_colors: SE,
        verified: true,
    },
    // Source: China Daily Wuxi "Sister Cities": Chelmsford became a sister city on 19 November 2009.
    Partner {
        slug: "chelmsford",
        names: n("Челмсфорд", "Chelmsford", "切姆斯福德"),
        country: "GB",
        continent: Europe,
        lat: 51.74,
        lon: 0.47,
        since: Some(2009),
        description: "The county town of Essex and the birthplace of radio broadcasting, with strengths in \
                      electronics and financial services.",
        flag_colors: GB,
        verified: true,
    },
    // Source: Wuxi government (2018): a delegation visited the sister city "Green Mountain" (Zielona Góra).
    Partner {
        slug: "zielona-gora",
        names: n("Зелёна-Гура", "Zielona Góra", "绿山城"),
        country: "PL",
        continent: Europe,
        lat: 51.94,
        lon: 15.51,
        since: None,
        description: "A university city in western Poland, the capital of Lubusz, known for its wine festival and \
                      hillside vineyards.",
        flag_colors: PL,
        verified: true,
    },
    // Source: newjsag.hu (2018): Wuxi is Szarvas's Chinese sister city (testvérváros).
    Partner {
        slug: "szarvas",
        names: n("Сарваш", "Szarvas", "萨尔瓦什"),
        country: "HU",
        continent: Europe,
        lat: 46.87,
        lon: 20.56,
        since: None,
        description: "A town on the Körös river in south-eastern Hungary, known for its arboretum and its \
                      agricultural and fisheries research.",
        flag_colors: HU,
        verified: true,
    },
    // Source: Het Laatste Nieuws (2018): Leuven signed a declaration of intent with Wuxi (year of signing not
    // stated; before 2018).
    Partner {
        slug: "leuven",
        names: n("Лёвен", "Leuven", "鲁汶"),
        country: "BE",
        continent: Europe,
        lat: 50.88,
        lon: 4.70,
        since: None,
        description: "A Flemish university city east of Brussels, home of KU Leuven and the imec research centre; \
                      the partners share ambitions in education, ecology and smart cities.",
        flag_colors: BE,
        verified: true,
    },
    // Source: French Chinese-community press (Nov 2024): Wuxi High-tech (Xinwu) District and Paris's 13th
    // arrondissement signed a friendship-city memorandum early in 2024.
    Partner {
        slug: "paris-13",
        names: n("13-й округ Парижа", "Paris 13th arrondissement", "巴黎十三区"),
        country: "FR",
        continent: Europe,
        lat: 48.83,
        lon: 2.36,
        since: Some(2024),
        description: "A district of south-eastern Paris, home to the city's largest Chinatown and the Station F \
                      start-up campus. Its partner is Wuxi's high-tech Xinwu District.",
        flag_colors: FR,
        verified: true,
    },
    // Source: Wuxi Daily via 163.com (2024): 's-Hertogenbosch (Den Bosch), capital of North Brabant, is a friendship
    // city of Wuxi (year not stated).
    Partner {
        slug: "s-hertogenbosch",
        names: n("Хертогенбос", "'s-Hertogenbosch", "斯海尔托亨博斯"),
        country: "NL",
        continent: Europe,
        lat: 51.69,
        lon: 5.30,
        since: None,
        description: "The capital of North Brabant, a fortress city better known as Den Bosch and the birthplace of \
                      Hieronymus Bosch. Its province leads Europe in patents per head.",
        flag_colors: NL,
        verified: true,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{distance_km, is_kebab_slug};
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
    fn descriptions_and_flags_are_usable() {
        for p in partners() {
            let sentences = p.description.matches(". ").count() + 1;
            assert!(p.description.ends_with('.'), "{}", p.slug);
            assert!(
                (1..=2).contains(&sentences),
                "{}: {} sentences",
                p.slug,
                sentences
            );
            assert!((40..=260).contains(&p.description.len()), "{}", p.slug);
            assert!(
                !p.description.contains("  "),
                "{} has a double space",
                p.slug
            );
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
        assert!(v["lat"].is_f64() && v["lon"].is_f64());
    }
}
