//! Search benchmark: builds an in-memory index of 100,000 generated documents (Russian, English and Chinese
//! mixed; bodies of ~300 characters, ~150 in Chinese; deterministic), runs 2,000 queries from a fixed mixed
//! set one after another and prints JSON: the number of documents, the build time and the query latencies.
//!
//! `cargo run --release -p twincast-search --example search_bench [-- DOCS QUERIES]`

use std::time::Instant;

use twincast_search::{Doc, Kind, SearchIndex};

const RU_WORDS: &[&str] = &[
    "город",
    "порт",
    "побратимы",
    "партнёрство",
    "делегация",
    "школьники",
    "музей",
    "фестиваль",
    "мост",
    "пролив",
    "море",
    "залив",
    "горы",
    "озеро",
    "река",
    "университет",
    "театр",
    "выставка",
    "культура",
    "спорт",
    "обмен",
    "молодёжь",
    "история",
    "архитектура",
    "рынок",
    "рыба",
    "корабли",
    "верфь",
    "завод",
    "промышленность",
    "экономика",
    "туризм",
    "парк",
    "сад",
    "весна",
    "осень",
    "зима",
    "лето",
    "праздник",
    "концерт",
    "музыка",
    "художники",
    "библиотека",
    "школа",
    "делегации",
    "городов",
    "портом",
    "морской",
    "древний",
    "новый",
    "большой",
    "старый",
    "прибрежный",
    "северный",
    "южный",
    "встреча",
    "договор",
    "сотрудничество",
    "дружба",
    "программа",
];

const EN_WORDS: &[&str] = &[
    "city",
    "port",
    "sister",
    "partnership",
    "delegation",
    "pupils",
    "museum",
    "festival",
    "bridge",
    "strait",
    "sea",
    "bay",
    "mountains",
    "lake",
    "river",
    "university",
    "theatre",
    "exhibition",
    "culture",
    "sport",
    "exchange",
    "youth",
    "history",
    "architecture",
    "market",
    "fish",
    "ships",
    "shipyard",
    "factory",
    "industry",
    "economy",
    "tourism",
    "park",
    "garden",
    "spring",
    "autumn",
    "winter",
    "summer",
    "holiday",
    "concert",
    "music",
    "artists",
    "library",
    "school",
    "delegations",
    "cities",
    "harbour",
    "maritime",
    "ancient",
    "new",
    "large",
    "old",
    "coastal",
    "northern",
    "southern",
    "meeting",
    "agreement",
    "cooperation",
    "friendship",
    "programme",
];

const ZH_WORDS: &[&str] = &[
    "城市",
    "港口",
    "友好城市",
    "姐妹城市",
    "合作",
    "代表团",
    "学生",
    "博物馆",
    "节日",
    "大桥",
    "海峡",
    "大海",
    "海湾",
    "山脉",
    "湖泊",
    "河流",
    "大学",
    "剧院",
    "展览",
    "文化",
    "体育",
    "交流",
    "青年",
    "历史",
    "建筑",
    "市场",
    "鱼类",
    "船舶",
    "造船厂",
    "工厂",
    "工业",
    "经济",
    "旅游",
    "公园",
    "花园",
    "春天",
    "秋天",
    "冬天",
    "夏天",
    "假日",
    "音乐会",
    "音乐",
    "艺术家",
    "图书馆",
    "学校",
    "古老",
    "新的",
    "沿海",
    "北方",
    "南方",
    "会议",
    "协议",
    "友谊",
    "项目",
    "位于",
    "自从",
    "以及",
    "著名",
    "每年",
    "举办",
];

/// Syllables of generated names, in the three scripts (same index: the same sound).
const RU_SYLLABLES: &[&str] = &[
    "ка", "ри", "мо", "са", "то", "на", "ха", "ки", "ми", "ра", "ло", "бе", "ду", "го", "ле",
];
const EN_SYLLABLES: &[&str] = &[
    "ka", "ri", "mo", "sa", "to", "na", "ha", "ki", "mi", "ra", "lo", "be", "du", "go", "le",
];
const ZH_SYLLABLES: &[&str] = &[
    "卡", "里", "莫", "萨", "托", "纳", "哈", "基", "米", "拉", "洛", "贝", "杜", "戈", "勒",
];

/// The queries, run in turn: (query, reader's language).
const QUERIES: &[(&str, &str)] = &[
    ("побратимов", "ru"),
    ("морского порта", "ru"),
    ("партнерство городов", "ru"),
    ("Карими", "ru"),
    ("фестиваль музыки", "ru"),
    ("делегация школьников музей", "ru"),
    ("cities", "en"),
    ("ports", "en"),
    ("sister city partnership", "en"),
    ("Karimo", "en"),
    ("Sato", "en"),
    ("museum of history", "en"),
    ("友好城市", "zh"),
    ("姐妹城市", "zh"),
    ("港口城市", "zh"),
    ("卡里莫", "zh"),
    ("造船厂工业", "zh"),
    ("博物馆 历史", "zh"),
    ("Akashi", "ru"),
    ("zzyzx nothing", "en"),
];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A name of 2 to 4 syllables, as syllable indexes.
fn name(rng: &mut Rng) -> Vec<usize> {
    let len = 2 + rng.below(3);
    (0..len).map(|_| rng.below(EN_SYLLABLES.len())).collect()
}

fn spell(name: &[usize], syllables: &[&str], capital: bool) -> String {
    let joined: String = name.iter().map(|&i| syllables[i]).collect();
    if !capital {
        return joined;
    }
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => joined,
    }
}

/// A body of about 300 characters (about 150 for Chinese, whose characters carry more).
fn body(rng: &mut Rng, lang: &str, title: &str) -> String {
    let (words, target, sep) = match lang {
        "ru" => (RU_WORDS, 300, " "),
        "en" => (EN_WORDS, 300, " "),
        _ => (ZH_WORDS, 150, ""),
    };
    let mut out = String::from(title);
    out.push_str(if lang == "zh" { "是" } else { " — " });
    let mut sentence = 0;
    while out.chars().count() < target {
        out.push_str(words[rng.below(words.len())]);
        sentence += 1;
        if sentence % 9 == 0 {
            out.push_str(if lang == "zh" { "。" } else { ". " });
        } else {
            out.push_str(sep);
        }
    }
    out
}

fn generate(count: usize) -> Vec<Doc> {
    let mut rng = Rng(20_260_101);
    let mut docs = Vec::with_capacity(count);
    let mut item = 0;
    while docs.len() < count {
        item += 1;
        let kind = [Kind::City, Kind::News, Kind::Project][rng.below(3)];
        let key = format!("item-{item}");
        let name = name(&mut rng);
        // Most items have all three languages, some only one or two.
        let langs: &[&str] = match rng.below(4) {
            0 => &["ru"],
            1 => &["en", "zh"],
            _ => &["ru", "en", "zh"],
        };
        for &lang in langs {
            if docs.len() == count {
                break;
            }
            let title = match lang {
                "ru" => spell(&name, RU_SYLLABLES, true),
                "en" => spell(&name, EN_SYLLABLES, true),
                _ => spell(&name, ZH_SYLLABLES, false),
            };
            let body = body(&mut rng, lang, &title);
            docs.push(Doc {
                kind,
                key: key.clone(),
                lang: lang.to_string(),
                url: format!("/{lang}/{}/{key}", kind.as_str()),
                title,
                body,
            });
        }
    }
    docs
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let doc_count: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let query_count: usize = args.next().map_or(Ok(2_000), |a| a.parse())?;

    let docs = generate(doc_count);
    let body_chars: usize = docs.iter().map(|d| d.body.chars().count()).sum();
    let index = SearchIndex::in_memory()?;
    let started = Instant::now();
    index.rebuild(docs)?;
    let build_seconds = started.elapsed().as_secs_f64();

    let mut latencies = Vec::with_capacity(query_count);
    let mut total_hits = 0usize;
    for i in 0..query_count {
        let (query, lang) = QUERIES[i % QUERIES.len()];
        let started = Instant::now();
        let hits = index.search(query, lang, &[], 10)?;
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        total_hits += hits.len();
    }
    latencies.sort_by(f64::total_cmp);
    let mean = latencies.iter().sum::<f64>() / latencies.len().max(1) as f64;

    let report = serde_json::json!({
        "docs": index.len(),
        "mean_body_chars": body_chars / doc_count.max(1),
        "index_build_seconds": round3(build_seconds),
        "queries": query_count,
        "distinct_queries": QUERIES.len(),
        "limit": 10,
        "mean_hits": round3(total_hits as f64 / query_count.max(1) as f64),
        "query_ms": {
            "mean": round3(mean),
            "p50": round3(percentile(&latencies, 50.0)),
            "p95": round3(percentile(&latencies, 95.0)),
            "p99": round3(percentile(&latencies, 99.0)),
            "max": round3(latencies.last().copied().unwrap_or(0.0)),
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
