//! The partners in Oceania (sources of each relationship in the comments).

use super::{n, AU, NZ};
use crate::{Continent::Oceania, Partner};

/// The partners in Oceania, by country.
pub(super) static OCEANIA: &[Partner] = &[    // Source: Hamilton City Council: Wuxi's mayor planted the Friendship Tree in Hamilton Gardens in 1986.
    Partner {
        slug: "hamilton",
        names: n("Гамильтон", "Hamilton", "汉密尔顿"),
        country: "NZ",
        continent: Oceania,
        lat: -37.79,
        lon: 175.28,
        since: Some(1986),
        description: n(
            "Крупнейший город внутренних районов Новой Зеландии на реке Уаикато; Уси помог создать Китайский сад учёных в Гамильтонских садах.",
            "New Zealand's largest inland city on the Waikato River, where Wuxi helped build the Chinese Scholars' Garden in Hamilton Gardens.",
            "新西兰最大的内陆城市，位于怀卡托河畔，无锡曾协助在汉密尔顿花园建造中国文人园。",
        ),
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
        description: n(
            "Приморский город на заливе Порт-Филлип к югу от Мельбурна, где прогулочная набережная у пирса носит название Wuxi Way.",
            "A seaside city on Port Phillip Bay south of Melbourne, whose waterfront promenade near the pier is named Wuxi Way.",
            "墨尔本以南菲利普港湾畔的海滨城市，码头旁的滨海步道被命名为“无锡路”。",
        ),
        flag_colors: AU,
        verified: true,
    },
];
