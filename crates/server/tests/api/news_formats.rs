//! Every format the news desk sends out, read back by a reader that is not ours: RSS 2.0 and Atom by Python's
//! feedparser, JSON Feed 1.1 by Python's jsonfeed-util (feedparser 6 reads no JSON Feed) plus the 1.1 rules it
//! does not check itself (the version URL, `content_html` or `content_text` in every item, RFC 3339 dates) — both
//! from PyPI, pinned in scripts/test.sh; `TWINCAST_TEST_FEEDPARSER_PYTHON` names the Python that has them, else
//! `python3` —, every field compared with the story; ninjs 3.3 against the rules of its schema; the Google News
//! sitemap by its documented elements.

use crate::common::*;
use crate::news::story;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::Write;
use twincast_store::Role;

/// Parses `text` with feedparser (or, for `json`, jsonfeed-util) and returns what it read, as JSON (times as epoch
/// seconds).
fn feedparser(text: &str) -> Value {
    read_back(text, "xml")
}

fn read_back(text: &str, kind: &str) -> Value {
    let python =
        std::env::var("TWINCAST_TEST_FEEDPARSER_PYTHON").unwrap_or_else(|_| "python3".into());
    let check = std::process::Command::new(&python)
        .args(["-c", "import feedparser, jsonfeed"])
        .status();
    assert!(
        matches!(check, Ok(s) if s.success()),
        "feedparser and jsonfeed-util are needed for this test: `{python} -c 'import feedparser, jsonfeed'` \
         failed. Install them with `{python} -m pip install feedparser==6.0.11 jsonfeed-util==1.2.0` (scripts/test.sh \
         does), or set TWINCAST_TEST_FEEDPARSER_PYTHON."
    );
    const SCRIPT: &str = r#"
import sys, json, calendar, datetime, feedparser
def t(s):
    return calendar.timegm(s) if s else None
def rfc3339(s):
    # JSON Feed 1.1: dates are RFC 3339.
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()) if s else None
raw = sys.stdin.buffer.read()
if sys.argv[1] == "json":
    import jsonfeed
    doc = json.loads(raw)
    assert doc["version"] == "https://jsonfeed.org/version/1.1", doc["version"]
    f = jsonfeed.Feed.parse(doc)
    for i in f.items:
        assert i.content_html or i.content_text, "an item needs content_html or content_text"
    print(json.dumps({
      "bozo": False, "bozo_exception": "", "version": "json11",
      "feed": {"title": f.title, "link": f.home_page_url, "language": f.language, "subtitle": f.description,
               "id": f.feed_url, "updated": None},
      "entries": [{
         "title": i.title, "link": i.url, "id": i.id, "summary": i.summary,
         "content": [{"value": i.content_html, "type": "text/html", "language": None},
                     {"value": i.content_text, "type": "text/plain", "language": None}],
         "published": rfc3339(i.date_published), "updated": rfc3339(i.date_modified),
         "tags": [{"term": g, "label": None} for g in i.tags],
         "author": None, "source": {"title": None, "href": i.external_url},
      } for i in f.items]}))
    sys.exit(0)
d = feedparser.parse(raw)
out = {
  "bozo": bool(d.bozo), "bozo_exception": str(d.get("bozo_exception", "")), "version": d.version,
  "feed": {"title": d.feed.get("title"), "link": d.feed.get("link"), "language": d.feed.get("language"),
           "subtitle": d.feed.get("subtitle"), "id": d.feed.get("id"), "updated": t(d.feed.get("updated_parsed"))},
  "entries": [{
     "title": e.get("title"), "link": e.get("link"), "id": e.get("id"), "summary": e.get("summary"),
     "content": [{"value": c.get("value"), "type": c.get("type"), "language": c.get("language")} for c in e.get("content", [])],
     "published": t(e.get("published_parsed")), "updated": t(e.get("updated_parsed")),
     "tags": [{"term": g.get("term"), "label": g.get("label")} for g in e.get("tags", [])],
     "author": e.get("author"),
     "source": {"title": e.get("source", {}).get("title"), "href": e.get("source", {}).get("href")},
  } for e in d.entries],
}
print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(&python)
        .args(["-c", SCRIPT, kind])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "feedparser failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn fetch(s: &TestServer, path: &str, content_type: &str) -> String {
    let res = reqwest::get(s.url(path)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()["content-type"], content_type, "{path}");
    res.text().await.unwrap()
}

fn secs(ms: i64) -> i64 {
    ms / 1000
}

/// Two published stories: `a` (wire, all three languages) and `b` (own, English only), in that order of
/// publication.
async fn setup() -> (TestServer, Value, Value) {
    let s = TestServer::with(|c| c.public_base_url = "https://twincast.example".into()).await;
    let editor = s.user("desk", Role::NewsEditor, &[]).await;
    let a: Value = editor
        .post_json("/api/v1/news/articles", story("Forum & platform <opens>"))
        .await
        .json()
        .await
        .unwrap();
    let id = a["id"].as_str().unwrap();
    let a: Value = editor
        .post_json(&format!("/api/v1/news/articles/{id}/publish"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    let mut b = json!({"rubric": "culture", "versions": {"en": {"headline": "Film week", "short_headline": "Films", "body": "Plain."}}});
    b["tags"] = json!(["film"]);
    let b: Value = editor
        .post_json("/api/v1/news/articles", b)
        .await
        .json()
        .await
        .unwrap();
    let bid = b["id"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let b: Value = editor
        .post_json(&format!("/api/v1/news/articles/{bid}/publish"), json!({}))
        .await
        .json()
        .await
        .unwrap();
    (s, a, b)
}

fn html_of(a: &Value, lang: &str) -> String {
    // What the content must say: the lead as a paragraph, the body rendered, the script gone.
    let v = &a["versions"][lang];
    format!("<p>{}</p>", v["lead"].as_str().unwrap())
}

#[tokio::test]
async fn news_feeds_read_back_by_feedparser() {
    let (s, a, b) = setup().await;
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let base = "https://twincast.example";
    for (ext, ty, version) in [
        ("rss", "application/rss+xml; charset=utf-8", "rss20"),
        ("atom", "application/atom+xml; charset=utf-8", "atom10"),
        ("json", "application/feed+json; charset=utf-8", "json11"),
    ] {
        let text = fetch(&s, &format!("/en/news/feed.{ext}"), ty).await;
        let d = read_back(&text, if ext == "json" { "json" } else { "xml" });
        assert_eq!(
            d["bozo"], false,
            "{ext}: {} in\n{text}",
            d["bozo_exception"]
        );
        assert_eq!(d["version"], version, "{ext}");
        assert_eq!(d["feed"]["title"], "Twincast — News", "{ext}");
        assert_eq!(d["feed"]["link"], format!("{base}/en/news"), "{ext}");
        if ext != "json" {
            assert_eq!(d["feed"]["language"], "en", "{ext}");
        }
        assert_eq!(
            d["feed"]["subtitle"], "News of our city and its partner cities.",
            "{ext}"
        );
        let e = d["entries"].as_array().unwrap();
        assert_eq!(e.len(), 2, "{ext}");
        // Newest first.
        assert_eq!(e[0]["id"], format!("urn:uuid:{bid}"), "{ext}");
        let x = &e[1];
        assert_eq!(x["id"], format!("urn:uuid:{aid}"), "{ext}");
        assert_eq!(x["title"], "Forum & platform <opens>", "{ext}");
        assert_eq!(x["link"], format!("{base}/en/news/{aid}"), "{ext}");
        assert_eq!(x["summary"], "The forum opened in Wuxi.", "{ext}");
        assert_eq!(
            x["published"],
            secs(a["publish_at"].as_i64().unwrap()),
            "{ext}"
        );
        let content = x["content"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == "text/html")
            .unwrap_or_else(|| panic!("{ext}: no HTML content in {x}"));
        let html = content["value"].as_str().unwrap();
        assert!(html.starts_with(&html_of(&a, "en")), "{ext}: {html}");
        assert!(
            html.contains("<strong>14 countries</strong>"),
            "{ext}: {html}"
        );
        assert!(html.contains("<li>exchanges</li>"), "{ext}: {html}");
        assert!(!html.contains("script"), "{ext}: {html}");
        let tags: Vec<&str> = x["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["term"].as_str().unwrap())
            .collect();
        match ext {
            "atom" => {
                assert_eq!(tags, ["world", "cooperation", "forum"], "{ext}");
                assert_eq!(x["tags"][0]["label"], "World");
                assert_eq!(x["author"], "Wuxi Daily");
                assert_eq!(x["updated"], secs(a["updated_at"].as_i64().unwrap()));
                assert_eq!(d["feed"]["id"], format!("{base}/en/news/feed.atom"));
            }
            _ => assert_eq!(tags, ["World", "cooperation", "forum"], "{ext}"),
        }
        if ext == "json" {
            assert_eq!(x["source"]["href"], "https://news.example.org/item/1");
            assert_eq!(x["updated"], secs(a["updated_at"].as_i64().unwrap()));
            let text = x["content"][1]["value"].as_str().unwrap();
            assert_eq!(
                text,
                "Delegations from 14 countries met. exchanges training"
            );
        }
        if ext == "rss" {
            assert_eq!(x["source"]["title"], "Wuxi Daily");
            assert_eq!(x["source"]["href"], "https://news.example.org/item/1");
        }
        assert_eq!(e[0]["title"], "Film week", "{ext}");
    }
    // The other languages have only the story written in them.
    for (lang, title) in [("ru", "Форум открылся в Уси"), ("zh", "论坛在无锡开幕")]
    {
        let d = feedparser(
            &fetch(
                &s,
                &format!("/{lang}/news/feed.atom"),
                "application/atom+xml; charset=utf-8",
            )
            .await,
        );
        let e = d["entries"].as_array().unwrap();
        assert_eq!(e.len(), 1, "{lang}");
        assert_eq!(e[0]["title"], title);
        assert_eq!(e[0]["link"], format!("{base}/{lang}/news/{aid}"));
        assert_eq!(
            e[0]["tags"][0]["label"],
            if lang == "ru" {
                "В мире"
            } else {
                "国际"
            }
        );
    }
}

#[tokio::test]
async fn news_ninjs_follows_the_3_3_schema() {
    let (s, a, _) = setup().await;
    let aid = a["id"].as_str().unwrap();
    let res = reqwest::get(s.url(&format!("/api/v1/public/news/{aid}/ninjs?lang=ru")))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/ninjs+json");
    let n: Value = res.json().await.unwrap();
    // `uri` is the one required property, a URI.
    let uri = n["uri"].as_str().unwrap();
    assert!(uri.starts_with("https://twincast.example/"), "{uri}");
    // The standard it conforms to.
    assert_eq!(
        n["standard"],
        json!({"name": "ninjs", "version": "3.3", "schema": "http://www.iptc.org/std/ninjs/ninjs-schema_3.3.json#"})
    );
    // Every property is one the 3.3 schema's root defines (it allows no others in nested objects).
    let allowed = [
        "uri",
        "type",
        "representationType",
        "profile",
        "version",
        "firstCreated",
        "versionCreated",
        "contentCreated",
        "contentDigitised",
        "embargoedUntil",
        "pubStatus",
        "urgency",
        "copyrightHolder",
        "copyrightNotice",
        "usageTerms",
        "edNote",
        "language",
        "descriptions",
        "bodies",
        "headlines",
        "people",
        "organisations",
        "places",
        "subjects",
        "events",
        "eventDetails",
        "plannedCoverage",
        "objects",
        "infoSources",
        "title",
        "by",
        "slugline",
        "located",
        "renditions",
        "associations",
        "altIds",
        "trustIndicators",
        "standard",
        "genres",
        "expires",
        "rightsInfo",
        "digitalSourceType",
    ];
    for k in n.as_object().unwrap().keys() {
        assert!(
            allowed.contains(&k.as_str()),
            "{k} is not a ninjs 3.3 property"
        );
    }
    // Enumerations.
    assert!([
        "text",
        "audio",
        "video",
        "picture",
        "graphic",
        "composite",
        "component",
        "event",
        "planning"
    ]
    .contains(&n["type"].as_str().unwrap()));
    assert_eq!(n["type"], "text");
    assert!(["full", "partial"].contains(&n["representationType"].as_str().unwrap()));
    assert!(["usable", "withheld", "canceled"].contains(&n["pubStatus"].as_str().unwrap()));
    assert_eq!(n["pubStatus"], "usable");
    // `version` is a string; the times are RFC 3339 date-times.
    assert_eq!(n["version"], a["version"].as_i64().unwrap().to_string());
    for k in ["firstCreated", "versionCreated", "contentCreated"] {
        let v = n[k].as_str().unwrap_or_else(|| panic!("{k} missing"));
        assert!(
            v.parse::<jiff::Timestamp>().is_ok(),
            "{k} = {v} is not an RFC 3339 date-time"
        );
    }
    assert_eq!(
        n["versionCreated"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second(),
        a["updated_at"].as_i64().unwrap() / 1000
    );
    // BCP 47 language.
    assert_eq!(n["language"], "ru");
    // headlines, descriptions, bodies: arrays of objects each with `value` (required) and only role,
    // contentType (and for bodies charCount, wordCount).
    for (k, extra) in [
        ("headlines", &[][..]),
        ("descriptions", &[][..]),
        ("bodies", &["charCount", "wordCount"][..]),
    ] {
        let arr = n[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k} is not an array"));
        assert!(!arr.is_empty(), "{k}");
        for item in arr {
            let o = item.as_object().unwrap();
            assert!(o["value"].is_string(), "{k}: value is required");
            for key in o.keys() {
                assert!(
                    ["value", "role", "contentType"].contains(&key.as_str())
                        || extra.contains(&key.as_str()),
                    "{k}.{key}"
                );
            }
        }
    }
    assert_eq!(
        n["headlines"][0],
        json!({"role": "main", "value": "Форум открылся в Уси", "contentType": "text/plain"})
    );
    assert_eq!(n["headlines"][1]["value"], "Открылся форум");
    assert_eq!(n["descriptions"][0]["value"], "Форум открылся в Уси.");
    let html = n["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["contentType"] == "text/html")
        .unwrap();
    assert!(html["value"]
        .as_str()
        .unwrap()
        .contains("<strong>14 стран</strong>"));
    let text = n["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["contentType"] == "text/plain")
        .unwrap();
    assert_eq!(text["value"], "Делегации из 14 стран.");
    assert_eq!(text["charCount"], 22);
    assert_eq!(text["wordCount"], 4);
    assert_eq!(n["located"], "Уси");
    // A wire story names its source and its id there.
    assert_eq!(n["infoSources"][0]["name"], "Wuxi Daily");
    assert_eq!(
        n["infoSources"][0]["uri"],
        "https://news.example.org/item/1"
    );
    assert_eq!(n["altIds"][0]["value"], "wd-Forum & platform <opens>");
    // Subjects carry only the schema's properties.
    for sub in n["subjects"].as_array().unwrap() {
        for key in sub.as_object().unwrap().keys() {
            assert!(
                [
                    "name",
                    "rel",
                    "uri",
                    "literal",
                    "creator",
                    "relevance",
                    "confidence"
                ]
                .contains(&key.as_str()),
                "subjects.{key}"
            );
        }
    }
    // The translations are associations, each with the required `name`.
    let assoc = n["associations"].as_array().unwrap();
    assert_eq!(assoc.len(), 2);
    for x in assoc {
        assert!(x["name"].is_string());
        assert_eq!(x["rel"], "translation");
        assert!(x["uri"].as_str().unwrap().starts_with("https://"));
    }
    // A language the story lacks is a 404; an unknown one a 400.
    let res = reqwest::get(s.url(&format!("/api/v1/public/news/{aid}/ninjs?lang=de")))
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-language").await;
}

#[tokio::test]
async fn news_sitemap_lists_recent_stories_in_every_language() {
    let (s, a, b) = setup().await;
    let text = fetch(&s, "/news-sitemap.xml", "application/xml; charset=utf-8").await;
    let doc: Value = {
        // Read it with an XML parser, not by string search.
        let mut reader = quick_xml::Reader::from_str(&text);
        let mut locs = Vec::new();
        let mut langs = Vec::new();
        let mut titles = Vec::new();
        let mut cur = String::new();
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) => cur = e.name().as_ref().to_string(),
                quick_xml::events::Event::Text(t) => {
                    let v = t.xml10_content().to_string();
                    match cur.as_str() {
                        "loc" => locs.push(v),
                        "news:language" => langs.push(v),
                        "news:title" => titles.push(v),
                        _ => {}
                    }
                }
                quick_xml::events::Event::End(_) => cur.clear(),
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        json!({"locs": locs, "langs": langs, "titles": titles})
    };
    assert!(text.contains(r#"xmlns:news="http://www.google.com/schemas/sitemap-news/0.9""#));
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let locs: Vec<&str> = doc["locs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for want in [
        format!("https://twincast.example/en/news/{aid}"),
        format!("https://twincast.example/ru/news/{aid}"),
        format!("https://twincast.example/zh/news/{aid}"),
        format!("https://twincast.example/en/news/{bid}"),
    ] {
        assert!(locs.contains(&want.as_str()), "{want} not in {locs:?}");
    }
    assert_eq!(locs.len(), 4);
    assert_eq!(doc["langs"].as_array().unwrap().len(), 4);
    assert!(
        text.contains("<news:title>Forum &amp; platform &lt;opens&gt;</news:title>"),
        "{text}"
    );
    assert!(doc["titles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "论坛在无锡开幕"));
}

#[tokio::test]
async fn news_portal_pages_show_the_public_stories_only() {
    let (s, a, b) = setup().await;
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    for (lang, title, rubric) in [
        ("en", "Latest news", "World"),
        ("ru", "Последние новости", "В мире"),
        ("zh", "最新新闻", "国际"),
    ] {
        let res = reqwest::get(s.url(&format!("/{lang}/news"))).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers().get("set-cookie").is_none(),
            "the portal sets no cookie"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{lang}");
        assert!(
            html.contains(&format!("href=\"/{lang}/news/{aid}\"")),
            "{lang}"
        );
        assert!(html.contains(rubric), "{lang}");
        assert!(
            html.contains(r#"type="application/rss+xml" title="#),
            "{lang}: feed discovery"
        );
        assert!(
            html.contains(&format!(r#"href="/{lang}/news/feed.atom""#)),
            "{lang}"
        );
        assert!(!html.contains('⟦'), "{lang}: a message is missing");
        // The English-only story is listed only in English.
        assert_eq!(html.contains(bid), lang == "en", "{lang}");
        // The home page shows the latest headlines too, with a way to all of them.
        let home = reqwest::get(s.url(&format!("/{lang}/")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains(&format!("href=\"/{lang}/news/{aid}\"")),
            "{lang}: the home page lists the story"
        );
        assert!(home.contains(&format!("href=\"/{lang}/news\"")), "{lang}");
        assert_eq!(home.contains(bid), lang == "en", "{lang}: home");
        assert!(!home.contains('⟦'), "{lang}: a message is missing on home");
    }
    let html = reqwest::get(s.url(&format!("/ru/news/{aid}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Форум открылся в Уси</h1>"));
    assert!(html.contains("Пресс-служба"), "contact block");
    assert!(html.contains("<strong>14 стран</strong>"));
    assert!(!html.contains("<script>alert"));
    let ld = html
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Форум открылся в Уси");
    assert_eq!(ld["inLanguage"], "ru");
    assert_eq!(
        ld["datePublished"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_second(),
        a["publish_at"].as_i64().unwrap() / 1000
    );
    let rubric = reqwest::get(s.url("/en/news/rubrics/culture"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(rubric.contains(bid) && !rubric.contains(aid));
    assert_eq!(
        reqwest::get(s.url("/en/news/rubrics/gossip"))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reqwest::get(s.url(&format!("/zh/news/{bid}")))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND,
        "no Chinese version"
    );
    // The portal's search finds the story in its language (news documents follow what the public sees).
    let hits: Value =
        reqwest::get(s.url("/api/v1/search?q=%D1%84%D0%BE%D1%80%D1%83%D0%BC&lang=ru"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert!(
        hits.as_array().unwrap().iter().any(|h| h["kind"] == "news"
            && h["key"] == aid
            && h["url"] == format!("/ru/news/{aid}")),
        "{hits}"
    );
    // Withdrawn, the story's page is gone.
    let editor = s.login("desk", "password123").await;
    let res = editor
        .post_json(&format!("/api/v1/news/articles/{aid}/withdraw"), json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        reqwest::get(s.url(&format!("/ru/news/{aid}")))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}
