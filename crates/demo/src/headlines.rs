//! Ten headlines for the screens' news ticker, condensed from the seed document: the article on the 10th
//! International Sister Cities Forum in Wuxi (datelined 11 December 2021). The first is the article's own title;
//! the others condense its sentences. The Russian text is the original wording (shortened), the English and the
//! Chinese are translations written for the project (the Chinese names no speaker: the seed gives the speaker's
//! name only in Russian transcription, and a guess at the characters could be wrong).

use crate::Headline;

/// The demo ticker headlines, newest first.
pub fn headlines() -> &'static [Headline] {
    HEADLINES
}

static HEADLINES: &[Headline] = &[
    Headline {
        slug: "forum-concluded",
        date: "2021-12-11",
        ru: "10-й Форум городов-побратимов и Конференция по промышленному сотрудничеству-2021 завершены",
        en: "10th Sister Cities Forum and 2021 Industrial Cooperation Conference concluded",
        zh: "第十届国际友好城市论坛暨2021年产业合作大会闭幕",
    },
    Headline {
        slug: "cloud-sister-cities",
        date: "2021-12-11",
        ru: "Запущен проект «Облачное знакомство с городами-побратимами»",
        en: "\"See Sister Cities in the Cloud\" project launched",
        zh: "“云游友城”项目启动",
    },
    Headline {
        slug: "videos-on-screens",
        date: "2021-12-11",
        ru: "Проморолики 29 городов-побратимов из 24 стран покажут на экранах аэропорта, улицы Наньчан и метро",
        en: "Promo videos of 29 sister cities from 24 countries go on screens at the airport, on Nanchang Street \
             and in the metro",
        zh: "24个国家29座友好城市的宣传片登上机场、南长街和地铁的屏幕",
    },
    Headline {
        slug: "travel-from-home",
        date: "2021-12-11",
        ru: "Жители Уси смогут «путешествовать по миру», не выходя из дома",
        en: "Wuxi residents can \"travel the world\" without leaving home",
        zh: "无锡市民足不出户即可“环游世界”",
    },
    Headline {
        slug: "forum-in-yixing",
        date: "2021-12-08",
        ru: "В Исине, «столице керамики», прошёл 10-й Международный форум городов-побратимов",
        en: "10th International Sister Cities Forum held in Yixing, the \"capital of ceramics\"",
        zh: "第十届国际友好城市论坛在“陶都”宜兴举行",
    },
    Headline {
        slug: "guests-five-continents",
        date: "2021-12-08",
        ru: "Около 100 гостей из почти 30 стран на пяти континентах собрались в Уси",
        en: "About 100 guests from almost 30 countries on five continents gathered in Wuxi",
        zh: "来自五大洲近30个国家的约100位嘉宾齐聚无锡",
    },
    Headline {
        slug: "cooperation-platform",
        date: "2021-12-08",
        ru: "Запущена платформа промышленного сотрудничества «Укрепление сотрудничества и вечная дружба»",
        en: "\"Closer Cooperation, Forever Friendship\" industrial cooperation platform launched",
        zh: "“深化合作、友谊长存”产业合作平台启动",
    },
    Headline {
        slug: "sino-dutch-big-data",
        date: "2021-12-08",
        ru: "Открыта Китайско-нидерландская промышленная платформа обработки больших данных",
        en: "Sino-Dutch Big Data Industrial Platform opened",
        zh: "中荷大数据产业平台揭牌",
    },
    Headline {
        slug: "projects-14-countries",
        date: "2021-12-08",
        ru: "Проекты международного сотрудничества районов Уси охватывают 14 стран и регионов",
        en: "International cooperation projects of Wuxi's districts cover 14 countries and regions",
        zh: "无锡各区的国际合作项目覆盖14个国家和地区",
    },
    Headline {
        slug: "mayor-synchronise",
        date: "2021-12-08",
        ru: "Чжао Цзяньцзюнь: Уси будет содействовать синхронизации политик, отраслей и проектов с побратимами",
        en: "Zhao Jianjun: Wuxi will align policies, industries and projects with its sister cities",
        zh: "无锡市领导：推动与友好城市在政策、产业和项目上同步对接",
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::is_kebab_slug;
    use std::collections::HashSet;

    #[test]
    fn ten_unique_headlines_in_ru_and_en() {
        let hs = headlines();
        assert_eq!(hs.len(), 10);
        let mut slugs = HashSet::new();
        for h in hs {
            assert!(is_kebab_slug(h.slug) && slugs.insert(h.slug), "{}", h.slug);
            assert!(
                h.ru.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
                "{} ru",
                h.slug
            );
            assert!(h.en.is_ascii() && !h.en.is_empty(), "{} en", h.slug);
            assert!(
                h.ru.chars().count() <= 120 && h.en.len() <= 120,
                "{} too long for a ticker",
                h.slug
            );
        }
    }

    #[test]
    fn every_headline_has_chinese_text() {
        for h in headlines() {
            let han =
                h.zh.chars()
                    .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
                    .count();
            assert!(han >= 6, "{} zh {:?}", h.slug, h.zh);
            assert!(
                !h.zh.chars().any(|c| c.is_ascii_alphabetic()),
                "{} zh has Latin",
                h.slug
            );
            assert!(
                h.zh.chars().count() <= 60,
                "{} zh too long for a ticker",
                h.slug
            );
            for lang in crate::Lang::ALL {
                assert!(!h.text(lang).is_empty());
            }
            assert_eq!(h.text(crate::Lang::Zh), h.zh);
        }
    }

    #[test]
    fn dates_are_iso_and_newest_first() {
        let mut prev = "9999-99-99";
        for h in headlines() {
            let b = h.date.as_bytes();
            assert!(b.len() == 10 && b[4] == b'-' && b[7] == b'-', "{}", h.date);
            assert!(h
                .date
                .bytes()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()));
            assert!(h.date <= prev, "{} is not newest-first", h.slug);
            prev = h.date;
        }
    }
}
