//! A small portal: ten cities in Russian, English and Chinese, a news item and a project.

use std::sync::{Arc, OnceLock};

use twincast_search::{Doc, Kind, SearchIndex};

/// (key, [ru, en, zh] as (title, body)).
type City = (&'static str, [(&'static str, &'static str); 3]);

const CITIES: &[City] = &[
    (
        "akashi",
        [
            ("Акаси", "Акаси (Akashi) — портовый город на берегу пролива в префектуре Хёго. Партнёрство с нашим городом началось в 1981 году; города-побратимы каждый год обмениваются делегациями школьников."),
            ("Akashi", "Akashi is a port city on a strait in Hyogo Prefecture, Japan, near Kobe. A sister city since 1981, known for the Akashi Kaikyo Bridge and its morning fish market."),
            ("明石", "明石市（Akashi）是日本兵库县的港口城市，位于明石海峡沿岸，自1981年起与本市结为友好城市。"),
        ],
    ),
    (
        "sagamihara",
        [
            ("Сагамихара", "Сагамихара (Sagamihara) — город в префектуре Канагава к западу от Токио. Партнерство в образовании и спорте; побратимы с 2005 года."),
            ("Sagamihara", "Sagamihara is a city in Kanagawa Prefecture west of Tokyo, home to a space research campus. Twinned in 2005 for education and sport."),
            ("相模原", "相模原市（Sagamihara）位于神奈川县北部，两市于2005年缔结姐妹城市关系，在教育和体育方面交流频繁。"),
        ],
    ),
    (
        "aarhus",
        [
            ("Орхус", "Орхус — второй по величине город Дании и морской порт на восточном побережье Ютландии, с большим университетом."),
            ("Aarhus", "Aarhus is the second largest city of Denmark, a seaport on the east coast of Jutland with a large university."),
            ("奥胡斯", "奥胡斯是丹麦第二大城市，位于日德兰半岛东岸的海港，拥有著名的大学。"),
        ],
    ),
    (
        "tampere",
        [
            ("Тампере", "Тампере — промышленный город между двумя озёрами на юге Финляндии, известный музеями и фабриками."),
            ("Tampere", "Tampere is an industrial city between two lakes in southern Finland, known for its museums and old factories."),
            ("坦佩雷", "坦佩雷是芬兰南部位于两湖之间的工业城市，以博物馆和老工厂闻名。"),
        ],
    ),
    (
        "harbin",
        [
            ("Харбин", "Харбин — столица провинции Хэйлунцзян, знаменит ледовым фестивалем и русской архитектурой."),
            ("Harbin", "Harbin is the capital of Heilongjiang province, famous for its ice festival and Russian architecture."),
            ("哈尔滨", "哈尔滨是黑龙江省省会，以冰雪节和俄式建筑闻名。"),
        ],
    ),
    (
        "kobe",
        [
            ("Кобе", "Кобе — крупный морской порт Японии у залива Осака, восстановленный после землетрясения 1995 года."),
            ("Kobe", "Kobe is a major Japanese seaport on Osaka Bay, rebuilt after the 1995 earthquake."),
            ("神户", "神户是日本大阪湾畔的主要海港，1995年地震后重建。"),
        ],
    ),
    (
        "dalian",
        [
            ("Далянь", "Далянь — незамерзающий порт на Ляодунском полуострове, центр судостроения."),
            ("Dalian", "Dalian is an ice-free harbour on the Liaodong Peninsula and a centre of shipbuilding."),
            ("大连", "大连是辽东半岛上的不冻港，也是造船中心。"),
        ],
    ),
    (
        "plovdiv",
        [
            ("Пловдив", "Пловдив — один из древнейших городов Европы, с римским театром и старым городом на холмах."),
            ("Plovdiv", "Plovdiv is one of the oldest cities in Europe, with a Roman theatre and an old town on its hills."),
            ("普罗夫迪夫", "普罗夫迪夫是欧洲最古老的城市之一，拥有罗马剧场和山丘上的老城。"),
        ],
    ),
    (
        "bergen",
        [
            ("Берген", "Берген — город между семью горами и фьордами, ганзейская пристань Брюгген."),
            ("Bergen", "Bergen lies between seven mountains and the fjords, with the Hanseatic wharf of Bryggen."),
            ("卑尔根", "卑尔根位于七座山和峡湾之间，有汉萨同盟的布吕根码头。"),
        ],
    ),
    (
        "ulsan",
        [
            ("Ульсан", "Ульсан — промышленная столица Кореи: верфи, автомобильные заводы и нефтехимия."),
            ("Ulsan", "Ulsan is the industrial capital of Korea: shipyards, car factories and petrochemicals."),
            ("蔚山", "蔚山是韩国的工业之都，拥有造船厂、汽车工厂和石化企业。"),
        ],
    ),
];

const LANGS: [&str; 3] = ["ru", "en", "zh"];

/// The three language versions of one city.
pub fn city(key: &str) -> Vec<Doc> {
    let (key, versions) = CITIES
        .iter()
        .find(|(k, _)| *k == key)
        .expect("fixture city");
    versions
        .iter()
        .zip(LANGS)
        .map(|((title, body), lang)| doc(Kind::City, key, lang, title, body))
        .collect()
}

pub fn doc(kind: Kind, key: &str, lang: &str, title: &str, body: &str) -> Doc {
    Doc {
        kind,
        key: key.to_string(),
        lang: lang.to_string(),
        title: title.to_string(),
        body: body.to_string(),
        url: format!("/{lang}/{}/{key}", kind.as_str()),
    }
}

/// Every fixture document: 30 city versions, a news item in two languages, a project in one.
pub fn all() -> Vec<Doc> {
    let mut docs: Vec<Doc> = CITIES.iter().flat_map(|(key, _)| city(key)).collect();
    docs.push(doc(
        Kind::News,
        "2024-akashi-delegation",
        "ru",
        "Делегация школьников из Акаси",
        "В мае к нам приехали двенадцать школьников из японского города Акаси (Akashi) и побывали в морском музее.",
    ));
    docs.push(doc(
        Kind::News,
        "2024-akashi-delegation",
        "en",
        "Pupils from Akashi visit",
        "In May twelve pupils from Akashi visited our schools and the maritime museum.",
    ));
    docs.push(doc(
        Kind::Project,
        "bridge-exchange",
        "en",
        "Bridge engineering exchange",
        "Engineers from our city and from Akashi compare notes on long suspension bridges and harbour works.",
    ));
    docs
}

/// A fresh in-memory index with every fixture document.
pub fn fresh() -> SearchIndex {
    let index = SearchIndex::in_memory().expect("in-memory index");
    index.rebuild(all()).expect("rebuild");
    index
}

/// One index with the fixtures, shared by read-only tests.
pub fn shared() -> Arc<SearchIndex> {
    static INDEX: OnceLock<Arc<SearchIndex>> = OnceLock::new();
    INDEX.get_or_init(|| Arc::new(fresh())).clone()
}
