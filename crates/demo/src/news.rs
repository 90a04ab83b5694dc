//! The demo's news desk: a few stories about the programme in Russian, English and Chinese — a press release
//! from a wire about the forum the project comes from (datelined, with its source and a contact block) and the
//! desk's own news around it. Our own words throughout.

/// One language version of a demo story.
#[derive(Debug, Clone, Copy)]
pub struct StoryText {
    /// Headline.
    pub headline: &'static str,
    /// Short headline (tickers).
    pub short: &'static str,
    /// Lead.
    pub lead: &'static str,
    /// Body, Markdown.
    pub body: &'static str,
    /// Dateline place.
    pub place: &'static str,
    /// Contact block.
    pub contact: &'static str,
}

/// A demo story.
#[derive(Debug, Clone, Copy)]
pub struct Story {
    /// Rubric slug.
    pub rubric: &'static str,
    /// Tags.
    pub tags: &'static [&'static str],
    /// Dateline date.
    pub date: &'static str,
    /// The wire (name, original id, URL) for a press release; `None`: the desk's own.
    pub wire: Option<(&'static str, &'static str, &'static str)>,
    /// Related partner slugs.
    pub partners: &'static [&'static str],
    /// Related cooperation projects: slugs of the projects `twincast demo` seeds (its `demo/projects.rs`).
    pub projects: &'static [&'static str],
    /// Russian, English, Chinese.
    pub ru: StoryText,
    /// English.
    pub en: StoryText,
    /// Chinese.
    pub zh: StoryText,
}

/// The demo's stories, oldest first (published in this order).
pub fn news() -> &'static [Story] {
    &STORIES
}

const STORIES: [Story; 4] = [
    Story {
        rubric: "world",
        tags: &["forum", "cooperation", "sister-cities"],
        date: "2021-12-11",
        wire: Some(("Demo Press Wire", "dpw-2021-12-11-0042", "https://wire.example.org/releases/2021-12-11-0042")),
        partners: &[],
        projects: &["ceramics-residency", "ai-vision-lab", "taihu-water-quality", "vocational-training-bridge", "canal-heritage-tourism", "steel-green-transition", "smart-health-exchange"],
        ru: StoryText {
            headline: "В Исине прошёл X Международный форум городов-побратимов",
            short: "Форум городов-побратимов в Исине",
            lead: "Около ста гостей из почти 30 стран пяти континентов обсудили, как сблизить политику, отрасли и проекты городов-партнёров.",
            body: "Форум и конференция по международному промышленному сотрудничеству прошли 8 декабря в уезде Исин — «столице керамики».\n\nНа форуме:\n\n- запущена платформа международного промышленного сотрудничества;\n- представлены проекты районов и уездов города с **14 странами и регионами**: обмены, обучение, искусственный интеллект, охрана окружающей среды;\n- стартовал проект «Города-побратимы в облаке»: фильмы 29 городов из 24 стран идут на экранах аэропорта, улиц, метро и автовокзалов.",
            place: "Уси (Китай)",
            contact: "Пресс-служба форума\nИван Петров\n+86 510 0000 0000",
        },
        en: StoryText {
            headline: "10th International Sister Cities Forum held in Yixing",
            short: "Sister Cities Forum held in Yixing",
            lead: "About a hundred guests from almost 30 countries on five continents discussed how to bring the partner cities' policies, industries and projects closer.",
            body: "The forum and the international industrial cooperation conference took place on 8 December in Yixing county, the \"capital of ceramics\".\n\nAt the forum:\n\n- an international industrial cooperation platform was launched;\n- the districts and counties presented cooperation projects with **14 countries and regions**: exchanges, training, artificial intelligence, environmental protection;\n- the \"See Sister Cities in the Cloud\" project started: films of 29 cities in 24 countries play on screens at the airport, in the streets, in the metro and at bus terminals.",
            place: "Wuxi (China)",
            contact: "Forum press office\nIvan Petrov\n+86 510 0000 0000",
        },
        zh: StoryText {
            headline: "第十届国际友好城市论坛在宜兴举行",
            short: "国际友城论坛在宜兴举行",
            lead: "来自五大洲近30个国家的约百位嘉宾共商友好城市在政策、产业和项目上的对接。",
            body: "论坛暨国际产业合作大会于12月8日在\"陶都\"宜兴举行。\n\n论坛期间：\n\n- 国际产业合作平台正式上线；\n- 各区县展示了与**14个国家和地区**的合作项目，涵盖交流、培训、人工智能、环境保护等领域；\n- \"云看友城\"项目启动：24个国家29个友好城市的宣传片在机场、街道、地铁和公交枢纽的屏幕上播放。",
            place: "无锡（中国）",
            contact: "论坛新闻办公室\n伊万·彼得罗夫\n+86 510 0000 0000",
        },
    },
    Story {
        rubric: "city",
        tags: &["screens", "sister-cities"],
        date: "",
        wire: None,
        partners: &[],
        projects: &[],
        ru: StoryText {
            headline: "Фильмы городов-партнёров теперь идут на городских экранах",
            short: "Города-партнёры на экранах города",
            lead: "Экраны в аэропорту, на улицах, в метро и на автовокзалах показывают фильмы о городах-партнёрах.",
            body: "Те же фильмы можно посмотреть на портале — на карте мира и в режиме путешествия.",
            place: "Уси",
            contact: "",
        },
        en: StoryText {
            headline: "Partner cities' films now play on the city's screens",
            short: "Partner cities on the city's screens",
            lead: "Screens at the airport, in the streets, in the metro and at bus terminals show films about the partner cities.",
            body: "The same films can be watched on the portal — on the world map and in tour mode.",
            place: "Wuxi",
            contact: "",
        },
        zh: StoryText {
            headline: "友好城市宣传片登上城市屏幕",
            short: "友城宣传片登上城市屏幕",
            lead: "机场、街道、地铁和公交枢纽的屏幕正在播放友好城市的宣传片。",
            body: "同样的影片也可以在门户网站的世界地图和环游模式中观看。",
            place: "无锡",
            contact: "",
        },
    },
    Story {
        rubric: "economy",
        tags: &["cooperation", "industry"],
        date: "",
        wire: None,
        partners: &[],
        projects: &["ai-vision-lab", "steel-green-transition"],
        ru: StoryText {
            headline: "Платформа промышленного сотрудничества открыта для партнёров",
            short: "Открыта платформа сотрудничества",
            lead: "Предприятия городов-партнёров могут находить проекты и заявлять о своём интересе.",
            body: "Каталог проектов показывает районы, страны, направления и статус каждого проекта.",
            place: "Уси",
            contact: "",
        },
        en: StoryText {
            headline: "Industrial cooperation platform opens to partners",
            short: "Cooperation platform opens",
            lead: "Companies of the partner cities can find projects and express their interest.",
            body: "The project catalogue shows each project's districts, countries, fields and status.",
            place: "Wuxi",
            contact: "",
        },
        zh: StoryText {
            headline: "产业合作平台向合作伙伴开放",
            short: "产业合作平台开放",
            lead: "友好城市的企业可以查找项目并表达合作意向。",
            body: "项目目录展示每个项目所在的区县、国家、领域和状态。",
            place: "无锡",
            contact: "",
        },
    },
    Story {
        rubric: "partners",
        tags: &["culture", "sister-cities"],
        date: "",
        wire: None,
        partners: &[],
        projects: &[],
        ru: StoryText {
            headline: "Портал «Путешествуй по миру из дома» заработал на трёх языках",
            short: "Портал заработал на трёх языках",
            lead: "Города-партнёры, их фильмы и новости программы — на русском, английском и китайском.",
            body: "Подписаться на новости можно через RSS, Atom и JSON Feed.",
            place: "Уси",
            contact: "",
        },
        en: StoryText {
            headline: "\"Travel the world from home\" portal opens in three languages",
            short: "Portal opens in three languages",
            lead: "The partner cities, their films and the programme's news — in Russian, English and Chinese.",
            body: "Follow the news by RSS, Atom or JSON Feed.",
            place: "Wuxi",
            contact: "",
        },
        zh: StoryText {
            headline: "\"足不出户游世界\"门户网站以三种语言上线",
            short: "门户网站三语上线",
            lead: "友好城市、城市宣传片和项目新闻，提供俄语、英语和中文版本。",
            body: "可通过 RSS、Atom 或 JSON Feed 订阅新闻。",
            place: "无锡",
            contact: "",
        },
    },
];
