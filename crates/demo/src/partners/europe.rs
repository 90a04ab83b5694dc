//! The partners in Europe (sources of each relationship in the comments).

use super::{n, BE, DE, DK, FI, FR, GB, HU, NL, PL, PT, SE};
use crate::{Continent::Europe, Partner};

/// The partners in Europe, by country.
pub(super) static EUROPE: &[Partner] = &[    // Source: Lusa via SAPO (2012): Cascais was the first European city twinned with Wuxi, in 1993.
    Partner {
        slug: "cascais",
        names: n("Кашкайш", "Cascais", "卡斯凯什"),
        country: "PT",
        continent: Europe,
        lat: 38.70,
        lon: -9.42,
        since: Some(1993),
        description: n(
            "Курортный город на атлантическом побережье к западу от Лиссабона, первый европейский город-побратим Уси.",
            "A resort town on the Atlantic coast west of Lisbon and the first European city twinned with Wuxi.",
            "里斯本以西大西洋沿岸的度假小城，是无锡在欧洲的第一个友好城市。",
        ),
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
        description: n(
            "Центр химической промышленности на Рейне, родина Bayer и Lanxess; в парке Нойланд стоит павильон с драконом — подарок Уси.",
            "A chemical-industry city on the Rhine, home of Bayer and Lanxess, where a dragon pavilion given by Wuxi stands in Neuland Park.",
            "莱茵河畔的化工城市，拜耳和朗盛的总部所在地，诺伊兰公园里有一座无锡赠送的龙亭。",
        ),
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
        description: n(
            "Текстильный город в Вестфалии у границы с Нидерландами, чьё Германо-китайское общество развивает связи с Уси с 1980-х годов.",
            "A textile town in Westphalia near the Dutch border, whose German-Chinese Society has fostered ties with Wuxi since the 1980s.",
            "威斯特法伦靠近荷兰边境的纺织小城，当地的德中协会自20世纪80年代起推动与无锡的交往。",
        ),
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
        description: n(
            "Финский город у озёр и центр зимних видов спорта, один из лидеров в чистых технологиях; здесь работает Инновационный центр Уси.",
            "A Finnish lake city and winter-sports centre, a leader in clean technology, which hosts the Wuxi Innovation Center.",
            "芬兰的湖畔城市和冬季运动中心，在清洁技术领域居于前列，无锡创新中心设在这里。",
        ),
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
        description: n(
            "Коммуна к западу от Копенгагена, член Bycirklen — объединения датских городов, ставших побратимами Уси в 2007 году.",
            "A municipality west of Copenhagen and a member of Bycirklen, the group of Danish towns twinned with Wuxi in 2007.",
            "哥本哈根以西的市镇，属于2007年与无锡结为友好城市的丹麦城市联盟。",
        ),
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
        description: n(
            "Промышленный город к югу от Стокгольма, где делают грузовики Scania и работают заводы AstraZeneca; обмены касаются профессиональных школ и экологии.",
            "An industrial town south of Stockholm, home of Scania trucks and AstraZeneca plants, with exchanges in vocational schools and the environment.",
            "斯德哥尔摩以南的工业城市，斯堪尼亚卡车和阿斯利康工厂所在地，双方在职业教育和环境领域开展交流。",
        ),
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
        description: n(
            "Главный город графства Эссекс и родина радиовещания, сильный в электронике и финансовых услугах.",
            "The county town of Essex and the birthplace of radio broadcasting, with strengths in electronics and financial services.",
            "埃塞克斯郡的郡府，无线电广播的诞生地，电子和金融服务业发达。",
        ),
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
        description: n(
            "Университетский город на западе Польши, столица Любушского воеводства, известный праздником вина и виноградниками на склонах холмов.",
            "A university city in western Poland and the capital of Lubusz, known for its wine festival and hillside vineyards.",
            "波兰西部的大学城、卢布斯卡省首府，以葡萄酒节和山坡上的葡萄园闻名。",
        ),
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
        description: n(
            "Город на реке Кёрёш на юго-востоке Венгрии, известный дендрарием и сельскохозяйственными и рыбохозяйственными исследованиями.",
            "A town on the Körös river in south-eastern Hungary, known for its arboretum and its agricultural and fisheries research.",
            "匈牙利东南部克勒什河畔的小城，以植物园以及农业和渔业研究闻名。",
        ),
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
        description: n(
            "Фламандский университетский город к востоку от Брюсселя, где находятся университет KU Leuven и исследовательский центр imec.",
            "A Flemish university city east of Brussels, home of KU Leuven and the imec research centre.",
            "布鲁塞尔以东的弗拉芒大学城，鲁汶大学和微电子研究中心所在地。",
        ),
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
        description: n(
            "Округ на юго-востоке Парижа с крупнейшим в городе китайским кварталом и кампусом стартапов Station F; его партнёр — район Синьу в Уси.",
            "A district of south-eastern Paris with the city's largest Chinatown and the Station F start-up campus, whose partner is Wuxi's Xinwu District.",
            "巴黎东南部的城区，拥有全市最大的华人街区和初创企业园区，与无锡新吴区结为友好城区。",
        ),
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
        description: n(
            "Столица Северного Брабанта, город-крепость, который чаще называют Ден-Бос, родина Иеронима Босха.",
            "The capital of North Brabant, a fortress city better known as Den Bosch and the birthplace of Hieronymus Bosch.",
            "北布拉班特省首府，又称登博斯，是一座要塞古城，也是画家耶罗尼米斯·博斯的故乡。",
        ),
        flag_colors: NL,
        verified: true,
    },
];
