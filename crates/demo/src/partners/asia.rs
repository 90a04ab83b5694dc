//! The partners in Asia (sources of each relationship in the comments).

use super::{n, ID, JP, KH, KR, MY, PH, SG};
use crate::{Continent::Asia, Partner};

/// The partners in Asia, by country.
pub(super) static ASIA: &[Partner] = &[    // Source: Wuxi archives (daj.wuxi.gov.cn, 2016): Akashi was Wuxi's first international sister city, 1981.
    Partner {
        slug: "akashi",
        names: n("Акаси", "Akashi", "明石"),
        country: "JP",
        continent: Asia,
        lat: 34.64,
        lon: 135.00,
        since: Some(1981),
        description: n(
            "Портовый город на проливе Акаси в префектуре Хёго, через который проходит меридиан японского стандартного времени; первый зарубежный город-побратим Уси.",
            "A port city on the Akashi Strait in Hyogo Prefecture, on the meridian of Japan's standard time, and Wuxi's first international sister city.",
            "兵库县明石海峡畔的港口城市，日本标准时子午线从这里经过，是无锡的第一个国际友好城市。",
        ),
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
        description: n(
            "Город в префектуре Канагава к западу от Токио, известный научными парками и кампусом японского космического агентства JAXA.",
            "A city in Kanagawa Prefecture west of Tokyo, known for its science parks and the JAXA space campus.",
            "位于东京以西的神奈川县城市，以科技园区和日本宇宙航空研究开发机构的园区而闻名。",
        ),
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
        description: n(
            "Город в префектуре Акита между Японским морем и горой Тёкай, известный рисом, саке и снежными праздниками.",
            "A city in Akita Prefecture between the Sea of Japan and Mount Chokai, known for rice, sake and snow festivals.",
            "秋田县的城市，坐落在日本海与鸟海山之间，以稻米、清酒和雪祭闻名。",
        ),
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
        description: n(
            "Промышленный город в префектуре Айти, известный храмом Тоёкава Инари; его партнёр — высокотехнологичный район Синьу в Уси.",
            "An industrial city in Aichi Prefecture, known for the Toyokawa Inari temple, whose partner is Wuxi's high-tech Xinwu District.",
            "爱知县的工业城市，以丰川稻荷闻名，与无锡高新区新吴区结为友好城市。",
        ),
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
        description: n(
            "Промышленная столица Южной Кореи на реке Тхэхваган с верфями, автозаводами и нефтеперерабатывающими заводами.",
            "South Korea's industrial capital on the Taehwa River, with shipyards, car plants and refineries.",
            "韩国的工业重镇，坐落在太和江畔，拥有造船厂、汽车厂和炼油厂。",
        ),
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
        description: n(
            "Город-государство и центр торговли и финансов на оконечности Малаккского полуострова, с 1990-х годов связанный с Уси индустриальным парком Уси–Сингапур.",
            "A city-state and hub of trade and finance at the tip of the Malay Peninsula, linked to Wuxi by the Wuxi-Singapore Industrial Park since the 1990s.",
            "位于马来半岛南端的城市国家和贸易金融中心，自20世纪90年代起通过无锡新加坡工业园与无锡紧密相连。",
        ),
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
        description: n(
            "Глубоководный порт Камбоджи на Сиамском заливе; здесь находится особая экономическая зона Сиануквиля, которую развивает группа «Хундоу» из Уси.",
            "Cambodia's deep-water port on the Gulf of Thailand and home of the Sihanoukville Special Economic Zone, led by the Wuxi-based Hongdou Group.",
            "柬埔寨濒临泰国湾的深水港城市，由无锡红豆集团牵头建设的西哈努克港经济特区坐落于此。",
        ),
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
        description: n(
            "Старинный торговый порт на Малаккском проливе, чей старый город внесён в список Всемирного наследия ЮНЕСКО; связан с Китаем со времён плаваний Чжэн Хэ.",
            "A historic trading port on the Strait of Malacca with an old town on the UNESCO World Heritage List, linked to China since Admiral Zheng He's voyages.",
            "马六甲海峡畔的历史贸易港，古城已列入联合国教科文组织世界遗产名录，自郑和下西洋起便与中国结缘。",
        ),
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
        description: n(
            "Старейший город Филиппин и торговый центр островов Висайя с оживлённым портом и растущей электронной промышленностью.",
            "The oldest city of the Philippines and the commercial centre of the Visayas, with a busy port and a growing electronics industry.",
            "菲律宾最古老的城市，米沙鄢群岛的商业中心，港口繁忙，电子产业不断发展。",
        ),
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
        description: n(
            "Второй по величине город Индонезии и крупный порт Восточной Явы, известный как «Город героев».",
            "Indonesia's second-largest city and a major port of East Java, known as the City of Heroes.",
            "印度尼西亚第二大城市、东爪哇的重要港口，素有“英雄之城”之称。",
        ),
        flag_colors: ID,
        verified: false,
    },
];
