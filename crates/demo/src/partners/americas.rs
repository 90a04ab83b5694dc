//! The partners in North America and South America (sources of each relationship in the comments).

use super::{n, BR, CA, MX, US};
use crate::{
    Continent::{NorthAmerica, SouthAmerica},
    Partner,
};

/// The partners in North America, by country.
pub(super) static NORTH_AMERICA: &[Partner] = &[    // Source: Chattanooga Sister Cities: agreement signed 12 October 1982.
    Partner {
        slug: "chattanooga",
        names: n("Чаттануга", "Chattanooga", "查塔努加"),
        country: "US",
        continent: NorthAmerica,
        lat: 35.05,
        lon: -85.31,
        since: Some(1982),
        description: n(
            "Город на реке Теннесси, сменивший промышленное прошлое на активный отдых и технологии, с гигабитным интернетом по всему городу.",
            "A city on the Tennessee River that turned from its industrial past to outdoor sports and technology, with city-wide gigabit internet.",
            "田纳西河畔的城市，从工业城市转型为户外运动和科技中心，全城覆盖千兆网络。",
        ),
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
        description: n(
            "Техасский город, известный Аламо и набережной Ривер-Уок; в 2018 году его река и древний канал Уси были объявлены каналами-побратимами.",
            "A Texas city known for the Alamo and its River Walk, whose river and Wuxi's ancient canal were declared sister canals in 2018.",
            "得克萨斯州城市，以阿拉莫和河滨步道闻名，2018年其河道与无锡古运河结为姐妹运河。",
        ),
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
        description: n(
            "Город на озере Онтарио к востоку от Торонто, долгое время автомобильная столица Канады, связанный соглашением о дружбе с Новым районом Уси.",
            "A city on Lake Ontario east of Toronto, long Canada's automotive capital, with a friendship agreement with Wuxi's New District.",
            "多伦多以东、安大略湖畔的城市，长期是加拿大的汽车工业之都，与无锡新区签有友好协议。",
        ),
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
        description: n(
            "Колониальный город в центре Мексики у подножия вулкана Попокатепетль, известный керамикой талавера — близкой родственницей гончарного Исина.",
            "A colonial city in central Mexico below the Popocatépetl volcano, known for Talavera ceramics, a natural match for Yixing, Wuxi's pottery capital.",
            "墨西哥中部波波卡特佩特火山脚下的殖民时期古城，以塔拉韦拉陶器闻名，与无锡的“陶都”宜兴相得益彰。",
        ),
        flag_colors: MX,
        verified: true,
    },
];

/// The partners in South America, by country.
pub(super) static SOUTH_AMERICA: &[Partner] = &[    // Source: Wuxi government (en.wuxi.gov.cn, 2019): sister city since 18 October 2010.
    Partner {
        slug: "sorocaba",
        names: n("Сорокаба", "Sorocaba", "索罗卡巴"),
        country: "BR",
        continent: SouthAmerica,
        lat: -23.50,
        lon: -47.46,
        since: Some(2010),
        description: n(
            "Промышленный город в штате Сан-Паулу с производством автокомпонентов, машин и ветроэнергетического оборудования и, как Уси, с текстильным прошлым.",
            "An industrial city in São Paulo state making auto parts, machinery and wind-power equipment, with a textile history like Wuxi's.",
            "巴西圣保罗州的工业城市，生产汽车零部件、机械和风电设备，与无锡一样有着纺织业的历史。",
        ),
        flag_colors: BR,
        verified: true,
    },
];
