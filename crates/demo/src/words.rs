//! The few words a card prints besides the partner's own data: country names and labels, in ru, en and zh.

use crate::{Lang, Names};

const fn n(ru: &'static str, en: &'static str, zh: &'static str) -> Names {
    Names { ru, en, zh }
}

/// The name of the country with this ISO 3166-1 alpha-2 code (the demo's countries only).
pub(crate) fn country(code: &str) -> Option<Names> {
    Some(match code {
        "AU" => n("Австралия", "Australia", "澳大利亚"),
        "BE" => n("Бельгия", "Belgium", "比利时"),
        "BR" => n("Бразилия", "Brazil", "巴西"),
        "CA" => n("Канада", "Canada", "加拿大"),
        "CN" => n("Китай", "China", "中国"),
        "DE" => n("Германия", "Germany", "德国"),
        "DK" => n("Дания", "Denmark", "丹麦"),
        "FI" => n("Финляндия", "Finland", "芬兰"),
        "FR" => n("Франция", "France", "法国"),
        "GB" => n("Великобритания", "United Kingdom", "英国"),
        "HU" => n("Венгрия", "Hungary", "匈牙利"),
        "ID" => n("Индонезия", "Indonesia", "印度尼西亚"),
        "JP" => n("Япония", "Japan", "日本"),
        "KH" => n("Камбоджа", "Cambodia", "柬埔寨"),
        "KR" => n("Республика Корея", "South Korea", "韩国"),
        "MX" => n("Мексика", "Mexico", "墨西哥"),
        "MY" => n("Малайзия", "Malaysia", "马来西亚"),
        "NL" => n("Нидерланды", "Netherlands", "荷兰"),
        "NZ" => n("Новая Зеландия", "New Zealand", "新西兰"),
        "PH" => n("Филиппины", "Philippines", "菲律宾"),
        "PL" => n("Польша", "Poland", "波兰"),
        "PT" => n("Португалия", "Portugal", "葡萄牙"),
        "SE" => n("Швеция", "Sweden", "瑞典"),
        "SG" => n("Сингапур", "Singapore", "新加坡"),
        "US" => n("США", "United States", "美国"),
        _ => return None,
    })
}

/// The card's kicker next to the country.
pub(crate) const PARTNER_OF_WUXI: Names =
    n("Город-партнёр Уси", "Partner city of Wuxi", "无锡国际友城");

/// Label over the year the relationship began.
pub(crate) const SINCE: Names = n("Партнёры с", "Partners since", "结好年份");

/// Label over the distance.
pub(crate) const DISTANCE: Names = n("До Уси", "Distance to Wuxi", "距无锡");

/// A distance in kilometres, rounded to 10 km, with the language's digit grouping and unit.
pub(crate) fn km(lang: Lang, km: f64) -> String {
    let v = ((km / 10.0).round() * 10.0) as u64;
    let digits = v.to_string();
    let sep = match lang {
        Lang::Ru => "\u{a0}",
        Lang::En | Lang::Zh => ",",
    };
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push_str(sep);
        }
        grouped.push(ch);
    }
    match lang {
        Lang::Ru => format!("{grouped}\u{a0}км"),
        Lang::En => format!("{grouped} km"),
        Lang::Zh => format!("{grouped}公里"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{host_city, partners};

    #[test]
    fn every_country_is_named() {
        for code in partners()
            .iter()
            .map(|p| p.country)
            .chain([host_city().country])
        {
            let c = country(code).unwrap_or_else(|| panic!("{code}"));
            assert!(!c.ru.is_empty() && !c.en.is_empty() && !c.zh.is_empty());
        }
        assert_eq!(country("XX"), None);
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(km(Lang::En, 1357.0), "1,360 km");
        assert_eq!(km(Lang::Ru, 12_344.0), "12\u{a0}340\u{a0}км");
        assert_eq!(km(Lang::Zh, 980.0), "980公里");
    }
}
