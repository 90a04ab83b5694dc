//! The demo's cooperation catalogue: projects of Wuxi's districts and county-level cities with partner cities in
//! more than 14 countries and regions (exchanges, training, artificial intelligence, environmental protection…),
//! written for the demo in ru, en and zh. Added when missing (a second start changes nothing).

use anyhow::Result;
use twincast_core::cooperation::{
    Contact, Localized, OrgRole, Organisation, ProjectInput, Status, Theme,
};
use twincast_server::AppState;
use twincast_store::StoreError;

fn l(ru: &str, en: &str, zh: &str) -> Localized {
    Localized {
        ru: ru.into(),
        en: en.into(),
        zh: zh.into(),
    }
}

fn district(slug: &str) -> Localized {
    match slug {
        "liangxi" => l("район Лянси", "Liangxi District", "梁溪区"),
        "xinwu" => l("район Синьу", "Xinwu District", "新吴区"),
        "binhu" => l("район Биньху", "Binhu District", "滨湖区"),
        "huishan" => l("район Хуэйшань", "Huishan District", "惠山区"),
        "xishan" => l("район Сишань", "Xishan District", "锡山区"),
        "jiangyin" => l("Цзянъинь", "Jiangyin", "江阴市"),
        _ => l("Исин", "Yixing", "宜兴市"),
    }
}

struct Demo {
    slug: &'static str,
    district: &'static str,
    title: Localized,
    summary: Localized,
    partners: &'static [&'static str],
    countries: &'static [&'static str],
    fields: &'static [&'static str],
    themes: &'static [Theme],
    status: Status,
    dates: (&'static str, Option<&'static str>),
    org: (&'static str, OrgRole),
}

fn demos() -> Vec<Demo> {
    vec![
        Demo {
            slug: "ceramics-residency",
            district: "yixing",
            title: l("Резиденция мастеров керамики", "Ceramics artists' residency", "陶艺大师驻留计划"),
            summary: l(
                "Гончары из городов-побратимов месяц работают в мастерских Исина рядом с мастерами исинской глины.",
                "Potters from the sister cities spend a month in Yixing's workshops beside its zisha clay masters.",
                "友好城市的陶艺家在宜兴工作室与紫砂大师共同创作一个月。",
            ),
            partners: &["akashi", "szarvas", "puebla"],
            countries: &["JP", "HU", "MX", "PT"],
            fields: &["culture", "exchange"],
            themes: &[Theme::PeopleToPeople, Theme::SharedResources],
            status: Status::Active,
            dates: ("2025-04-01", Some("2027-10-31")),
            org: ("Yixing Ceramics Association", OrgRole::Implementing),
        },
        Demo {
            slug: "ai-vision-lab",
            district: "xinwu",
            title: l("Совместная лаборатория компьютерного зрения", "Joint computer-vision lab", "计算机视觉联合实验室"),
            summary: l(
                "Исследователи из Синьу и партнёров обучают модели для контроля качества на производстве.",
                "Researchers from Xinwu and partner cities train models for quality inspection in factories.",
                "新吴区与友城研究人员共同训练用于工厂质量检测的模型。",
            ),
            partners: &["s-hertogenbosch", "leuven", "ulsan"],
            countries: &["NL", "BE", "KR", "SG"],
            fields: &["artificial-intelligence", "industry"],
            themes: &[Theme::IndustrialCooperation, Theme::PlatformInteraction],
            status: Status::Active,
            dates: ("2024-09-01", Some("2027-08-31")),
            org: ("Wuxi Xinwu Science and Technology Bureau", OrgRole::Accountable),
        },
        Demo {
            slug: "taihu-water-quality",
            district: "binhu",
            title: l("Чистая вода озера Тайху", "Clean water for Lake Tai", "太湖水质保护合作"),
            summary: l(
                "Обмен опытом мониторинга и очистки озёр с финскими, шведскими и датскими коммунами.",
                "Sharing lake monitoring and clean-up practice with Finnish, Swedish and Danish municipalities.",
                "与芬兰、瑞典、丹麦城市交流湖泊监测与治理经验。",
            ),
            partners: &["lahti", "sodertalje", "ballerup"],
            countries: &["FI", "SE", "DK"],
            fields: &["environmental-protection", "exchange"],
            themes: &[Theme::SharedResources],
            status: Status::Completed,
            dates: ("2022-05-01", Some("2025-04-30")),
            org: ("Wuxi Binhu Ecology and Environment Bureau", OrgRole::Accountable),
        },
        Demo {
            slug: "vocational-training-bridge",
            district: "huishan",
            title: l("Мост профессионального обучения", "Vocational training bridge", "职业技能培训桥梁"),
            summary: l(
                "Стажировки для техников на предприятиях Германии и Хуэйшаня по дуальной системе.",
                "Dual-system placements for technicians in German and Huishan companies.",
                "惠山区与德国企业双元制技术人员交流培训。",
            ),
            partners: &["leverkusen", "bocholt", "chattanooga"],
            countries: &["DE", "US", "HK"],
            fields: &["training", "education"],
            themes: &[Theme::PeopleToPeople, Theme::IndustrialCooperation],
            status: Status::Active,
            dates: ("2023-09-01", None),
            org: ("Huishan Vocational Education Group", OrgRole::Implementing),
        },
        Demo {
            slug: "canal-heritage-tourism",
            district: "liangxi",
            title: l("Туризм у Великого канала", "Grand Canal heritage tourism", "大运河文化旅游"),
            summary: l(
                "Совместные маршруты по старому городу Лянси и историческим портам партнёров.",
                "Joint routes through Liangxi's old town and the partners' historic harbours.",
                "梁溪古城与友城历史港口联合旅游线路。",
            ),
            partners: &["cascais", "melaka", "chelmsford"],
            countries: &["PT", "MY", "GB", "MO", "TW"],
            fields: &["tourism", "culture"],
            themes: &[Theme::PeopleToPeople, Theme::PlatformInteraction],
            status: Status::Planned,
            dates: ("2027-03-01", Some("2029-02-28")),
            org: ("Liangxi Culture and Tourism Bureau", OrgRole::Accountable),
        },
        Demo {
            slug: "steel-green-transition",
            district: "jiangyin",
            title: l("Зелёная модернизация металлургии", "Greener steelmaking", "钢铁产业绿色转型"),
            summary: l(
                "Предприятия Цзянъиня и партнёров делятся технологиями снижения выбросов.",
                "Jiangyin's and the partners' companies share low-emission steel technology.",
                "江阴与友城企业分享低排放钢铁技术。",
            ),
            partners: &["zielona-gora", "hamilton", "sorocaba"],
            countries: &["PL", "NZ", "BR", "AU"],
            fields: &["industry", "environmental-protection"],
            themes: &[Theme::IndustrialCooperation],
            status: Status::Active,
            dates: ("2025-01-10", Some("2028-12-31")),
            org: ("Jiangyin Industrial Cooperation Office", OrgRole::Accountable),
        },
        Demo {
            slug: "smart-health-exchange",
            district: "xishan",
            title: l("Обмен в цифровом здравоохранении", "Digital health exchange", "智慧医疗交流"),
            summary: l(
                "Врачи Сишаня и партнёров обмениваются опытом телемедицины и ИИ-диагностики.",
                "Doctors of Xishan and the partners share telemedicine and AI-assisted diagnosis practice.",
                "锡山与友城医生交流远程医疗与人工智能辅助诊断经验。",
            ),
            partners: &["frankston", "oshawa", "cebu-city"],
            countries: &["AU", "CA", "PH", "FR"],
            fields: &["health", "artificial-intelligence", "training"],
            themes: &[Theme::SharedResources, Theme::PeopleToPeople],
            status: Status::Planned,
            dates: ("2027-01-15", None),
            org: ("Xishan People's Hospital", OrgRole::Implementing),
        },
    ]
}

/// Adds the demo projects that are missing; returns how many were added.
pub async fn seed_projects(state: &AppState) -> Result<usize> {
    let admin = twincast_app::App::local_admin();
    let mut added = 0;
    for d in demos() {
        match state.store.coop_project(d.slug).await {
            Ok(_) => continue,
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let input = ProjectInput {
            slug: d.slug.into(),
            description: Localized {
                ru: format!("{}\n\nПроект представлен на Международном форуме городов-побратимов в Исине.", d.summary.ru),
                en: format!("{}\n\nThe project was presented at the International Sister Cities Forum in Yixing.", d.summary.en),
                zh: format!("{}\n\n该项目在宜兴举办的国际友好城市大会上发布。", d.summary.zh),
            },
            title: d.title,
            summary: d.summary,
            district: d.district.into(),
            district_name: district(d.district),
            partners: d.partners.iter().map(|s| s.to_string()).collect(),
            countries: d.countries.iter().map(|s| s.to_string()).collect(),
            fields: d.fields.iter().map(|s| s.to_string()).collect(),
            themes: d.themes.to_vec(),
            status: d.status,
            start_date: Some(d.dates.0.into()),
            end_date: d.dates.1.map(str::to_string),
            organisations: vec![
                Organisation {
                    name: "Wuxi Municipal Foreign Affairs Office".into(),
                    iati_ref: None,
                    org_type: Some(10),
                    role: OrgRole::Funding,
                },
                Organisation {
                    name: d.org.0.into(),
                    iati_ref: None,
                    org_type: Some(15),
                    role: d.org.1,
                },
            ],
            contact: Contact {
                name: "International Cooperation Desk".into(),
                email: format!("{}@cooperation.twincast.test", d.slug),
                phone: "+86 510 8100 0000".into(),
            },
            media: Vec::new(),
            news: Vec::new(),
        };
        state.app.create_project(&admin, &input).await?;
        added += 1;
    }
    Ok(added)
}
