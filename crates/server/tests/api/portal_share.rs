//! Sharing and embedding the portal's films: link previews (OpenGraph, Twitter player card), oEmbed discovery and
//! endpoint, JSON-LD, the embed page and its PeerTube-style parameters, sitemap.xml and robots.txt.

use crate::common::{assert_problem, multipart, partner_input, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use twincast_store::Role;

/// A server with one city ("akashi", a description to escape) and one approved film with a poster, an MP4, HLS
/// and Russian captions (recorded as renditions: the pages only link them). Returns the film's id.
async fn city_with_film() -> (TestServer, String) {
    let s = TestServer::with(|c| c.transcode = false).await;
    let mut p = partner_input("akashi");
    p.description = r#"Bridges & "straits" <b>bold</b>"#.into();
    s.state
        .store
        .create_partner(
            &p,
            &twincast_store::AuditEntry::by_system("partner.create", "", twincast_store::now_ms()),
        )
        .await
        .unwrap();
    let op = s.user("op", Role::Operator, &[]).await;
    let bytes = std::fs::read(format!(
        "{}/../media/tests/fixtures/h264.mp4",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let res = op
        .req(Method::POST, "/api/v1/media")
        .multipart(multipart("akashi", "Harbour at dawn.mp4", bytes))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["moderation"]["state"], "approved", "{m}");
    assert!(m["duration_ms"].as_i64().unwrap() > 0, "{m}");
    let id = m["id"].as_str().unwrap().to_string();
    let sha = m["sha256"].as_str().unwrap();
    for (kind, file, mime) in [
        ("thumbnail", "thumb.jpg", "image/jpeg"),
        ("mp4", "normalized.mp4", "video/mp4"),
        ("hls", "hls/master.m3u8", "application/vnd.apple.mpegurl"),
        ("captions", "captions.ru.vtt", "text/vtt"),
    ] {
        s.state
            .store
            .add_rendition(&id, kind, &format!("renditions/{sha}/{file}"), mime, 10)
            .await
            .unwrap();
    }
    (s, id)
}

async fn text(s: &TestServer, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = reqwest::get(s.url(path)).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.text().await.unwrap())
}

/// `&amp;` and friends back to text.
fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `content` of `<meta property|name="key" content="…">`.
fn meta(html: &str, key: &str) -> Option<String> {
    let at = html
        .find(&format!(r#"property="{key}" content=""#))
        .or_else(|| html.find(&format!(r#"name="{key}" content=""#)))?;
    let rest = &html[at..];
    let rest = &rest[rest.find("content=\"")? + 9..];
    Some(unescape(&rest[..rest.find('"')?]))
}

/// The value of `attr="…"` in the first tag that contains `marker`.
fn attr_in(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let start = html[..at + 1].rfind('<')?;
    let tag = &html[start..start + html[start..].find('>')?];
    let rest = &tag[tag.find(&format!(" {attr}=\""))? + attr.len() + 3..];
    Some(unescape(&rest[..rest.find('"')?]))
}

/// The oEmbed endpoint's URL with these parameters.
fn oembed(s: &TestServer, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", twincast_pages::portal::share::percent_all(v)))
        .collect();
    s.url(&format!("/oembed?{}", q.join("&")))
}

fn is_iso_duration(d: &str) -> bool {
    let Some(rest) = d.strip_prefix("PT") else {
        return false;
    };
    let mut digits = 0;
    let mut units = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            digits += 1;
        } else if "HMS".contains(c) && digits > 0 {
            units.push(c);
            digits = 0;
        } else {
            return false;
        }
    }
    digits == 0
        && !units.is_empty()
        && ["H", "M", "S", "HM", "HS", "MS", "HMS"].contains(&units.as_str())
}

#[tokio::test]
async fn portal_share_city_page_previews_oembed_and_embed() {
    let (s, id) = city_with_film().await;
    let base = &s.base;
    let (status, _, page) = text(&s, "/en/cities/akashi").await;
    assert_eq!(status, StatusCode::OK);
    let embed = format!("{base}/en/embed/{id}");
    // OpenGraph and the Twitter player card, with absolute URLs.
    assert_eq!(meta(&page, "og:type").as_deref(), Some("video.other"));
    assert_eq!(
        meta(&page, "og:url"),
        Some(format!("{base}/en/cities/akashi"))
    );
    assert_eq!(meta(&page, "og:site_name").as_deref(), Some("Twin Cities"));
    assert!(meta(&page, "og:title").unwrap().contains("Harbour at dawn"));
    assert_eq!(
        meta(&page, "og:description").as_deref(),
        Some(r#"Bridges & "straits" <b>bold</b>"#)
    );
    assert!(!page.contains("<b>bold"), "the description is escaped");
    let image = meta(&page, "og:image").unwrap();
    assert!(
        image.starts_with(base) && image.ends_with("/thumb.jpg"),
        "{image}"
    );
    assert_eq!(meta(&page, "og:locale").as_deref(), Some("en_US"));
    assert!(page.contains(r#"property="og:locale:alternate" content="ru_RU""#));
    assert!(page.contains(r#"property="og:locale:alternate" content="zh_CN""#));
    assert_eq!(meta(&page, "og:video"), Some(embed.clone()));
    assert_eq!(meta(&page, "og:video:type").as_deref(), Some("text/html"));
    assert_eq!(meta(&page, "og:video:width").as_deref(), Some("960"));
    assert_eq!(meta(&page, "og:video:height").as_deref(), Some("540"));
    assert_eq!(meta(&page, "twitter:card").as_deref(), Some("player"));
    assert_eq!(meta(&page, "twitter:player"), Some(embed.clone()));
    assert_eq!(meta(&page, "twitter:player:width").as_deref(), Some("960"));
    assert_eq!(meta(&page, "twitter:image"), Some(image.clone()));
    assert!(meta(&page, "twitter:title").is_some() && meta(&page, "twitter:description").is_some());

    // JSON-LD: a VideoObject with an ISO 8601 duration and absolute URLs.
    let ld_at = page.find(r#"<script type="application/ld+json">"#).unwrap() + 35;
    let ld_text = &page[ld_at..ld_at + page[ld_at..].find("</script>").unwrap()];
    assert!(!ld_text.contains('<'), "{ld_text}");
    let ld: Value = serde_json::from_str(ld_text).unwrap();
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "VideoObject");
    assert_eq!(ld["description"], r#"Bridges & "straits" <b>bold</b>"#);
    assert!(is_iso_duration(ld["duration"].as_str().unwrap()), "{ld}");
    assert_eq!(ld["embedUrl"], embed);
    assert_eq!(ld["thumbnailUrl"], image);
    assert_eq!(ld["inLanguage"], "en");
    assert!(ld["contentUrl"].as_str().unwrap().starts_with(base));
    assert!(ld["contentUrl"]
        .as_str()
        .unwrap()
        .ends_with("/normalized.mp4"));
    assert!(ld["uploadDate"].as_str().unwrap().ends_with('Z'), "{ld}");

    // oEmbed discovery, then the endpoint it names.
    let marker = r#"type="application/json+oembed""#;
    let href = attr_in(&page, marker, "href").unwrap();
    assert!(href.starts_with(&format!("{base}/oembed?url=")), "{href}");
    assert!(href.ends_with("&format=json"), "{href}");
    assert!(
        href.contains(&format!("%2Fen%2Fcities%2Fakashi%3Fv%3D{id}&")),
        "{href}"
    );
    let res = reqwest::get(format!("{href}&maxwidth=480&maxheight=400"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["type"], "video", "{o}");
    assert_eq!(o["version"], "1.0");
    assert_eq!(o["title"], "Harbour at dawn");
    assert_eq!(o["author_name"], "City");
    assert_eq!(o["author_url"], format!("{base}/en/cities/akashi"));
    assert_eq!(o["provider_name"], "Twin Cities");
    assert_eq!(o["provider_url"], format!("{base}/en/"));
    let (w, h) = (o["width"].as_u64().unwrap(), o["height"].as_u64().unwrap());
    assert!(w <= 480 && h <= 400 && w > 0 && h > 0, "{o}");
    assert_eq!(w * 9, h * 16, "16:9");
    assert_eq!(o["thumbnail_url"], image);
    assert!(o["thumbnail_width"].as_u64().unwrap() > 0);
    assert!(o["thumbnail_height"].as_u64().unwrap() > 0);
    let html = o["html"].as_str().unwrap();
    assert!(
        html.starts_with("<iframe ") && html.ends_with("</iframe>"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"width="{w}" height="{h}""#)),
        "{html}"
    );
    let src = attr_in(html, "<iframe", "src").unwrap();
    assert_eq!(src, embed);

    // The iframe's page: the film, its poster and sources, the title linking to the city's page.
    let res = reqwest::get(&src).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("x-frame-options").is_none(), "frameable");
    let e = res.text().await.unwrap();
    assert!(e.contains(&format!(r#"data-video="{id}""#)), "{e}");
    assert!(e.contains("<video") && e.contains(" controls "), "{e}");
    assert!(e.contains("/normalized.mp4\" type=\"video/mp4\""), "{e}");
    assert!(e.contains("/hls/master.m3u8"), "{e}");
    assert!(e.contains("/thumb.jpg"), "{e}");
    assert!(e.contains(r#"<meta name="robots" content="noindex">"#));
    assert_eq!(
        attr_in(&e, "target=\"_blank\"", "href"),
        Some(format!("{base}/en/cities/akashi?v={id}"))
    );
    assert!(e.contains("/assets/js/embed.js"));
    let js = reqwest::get(s.url("/assets/js/embed.js")).await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);

    // The Russian page with a chosen film: Russian locale, and the oEmbed URL names the film.
    let (_, _, ru) = text(&s, &format!("/ru/cities/akashi?v={id}")).await;
    assert_eq!(meta(&ru, "og:locale").as_deref(), Some("ru_RU"));
    assert_eq!(meta(&ru, "og:video"), Some(format!("{base}/ru/embed/{id}")));
    let href = attr_in(&ru, marker, "href").unwrap();
    assert!(href.contains(&format!("%3Fv%3D{id}")), "{href}");
    let o: Value = reqwest::get(&href).await.unwrap().json().await.unwrap();
    assert_eq!(o["author_name"], "Город");
    assert_eq!(o["width"], 960);
    assert!(o["html"]
        .as_str()
        .unwrap()
        .contains(&format!("/ru/embed/{id}")));

    // An embed URL in Chinese is a valid oEmbed url too.
    let zh = format!("{base}/zh/embed/{id}");
    let res = reqwest::get(oembed(&s, &[("url", zh.as_str())]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["author_name"], "城市");
    assert_eq!(o["author_url"], format!("{base}/zh/cities/akashi"));
    // A city's page without `?v=`: its newest film.
    let plain = format!("{base}/en/cities/akashi");
    let res = reqwest::get(oembed(&s, &[("url", plain.as_str())]))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let o: Value = res.json().await.unwrap();
    assert!(o["html"].as_str().unwrap().contains(&embed), "{o}");

    // Pages without a film carry the simpler preview.
    for path in ["/en/", "/ru/cities", "/zh/tour"] {
        let (status, _, p) = text(&s, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(meta(&p, "og:type").as_deref(), Some("website"), "{path}");
        assert_eq!(meta(&p, "og:url"), Some(format!("{base}{path}")), "{path}");
        assert_eq!(
            meta(&p, "twitter:card").as_deref(),
            Some("summary"),
            "{path}"
        );
        assert!(meta(&p, "og:site_name").is_some() && meta(&p, "og:description").is_some());
    }
}

#[tokio::test]
async fn portal_share_oembed_errors_are_problems() {
    let (s, id) = city_with_film().await;
    let ask = |q: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let url = oembed(&s, &pairs);
        async move { reqwest::get(url).await.unwrap() }
    };
    let page = format!("{}/en/cities/akashi", s.base);
    let res = ask(vec![(
        "url",
        "http://elsewhere.example/en/cities/akashi".into(),
    )])
    .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    let res = ask(vec![("url", page.clone()), ("format", "xml".into())]).await;
    assert_problem(res, StatusCode::NOT_IMPLEMENTED, "format-unsupported").await;
    let res = ask(vec![("format", "json".into())]).await;
    assert_problem(res, StatusCode::BAD_REQUEST, "url-required").await;
    let res = ask(vec![("url", page.clone()), ("maxwidth", "wide".into())]).await;
    assert_problem(res, StatusCode::BAD_REQUEST, "invalid-parameter").await;
    for unknown in [
        format!("{}/en/cities/atlantis", s.base),
        format!("{}/en/cities/akashi?v=nope", s.base),
        format!("{}/en/embed/nope", s.base),
        format!("{}/en/tour", s.base),
        format!("{}/xx/cities/akashi", s.base),
        "not a url".to_string(),
    ] {
        let res = ask(vec![("url", unknown.clone())]).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not-found").await;
    }
    // Unknown film on the embed page: the portal's 404 page.
    let (status, _, body) = text(&s, "/en/embed/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("<html"), "{body}");
    let (status, _, _) = text(&s, &format!("/en/embed/{id}")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn portal_share_embed_takes_peertube_parameters() {
    let (s, id) = city_with_film().await;
    let (status, _, e) = text(
        &s,
        &format!("/en/embed/{id}?start=1m30s&stop=120&loop=1&autoplay=true&muted=1&subtitle=ru&title=0&controls=0"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (attr, value) in [
        ("data-start", "90"),
        ("data-stop", "120"),
        ("data-loop", "1"),
        ("data-autoplay", "1"),
        ("data-muted", "1"),
        ("data-controls", "0"),
        ("data-subtitle", "ru"),
    ] {
        assert_eq!(
            attr_in(&e, "data-video=", attr).as_deref(),
            Some(value),
            "{attr}: {e}"
        );
    }
    let video = &e[e.find("<video").unwrap()..];
    let video = &video[..video.find('>').unwrap()];
    for a in [" autoplay ", " muted ", " loop "] {
        assert!(video.contains(a), "{a} in {video}");
    }
    assert!(!video.contains(" controls "), "{video}");
    assert!(e.contains("/normalized.mp4#t=90,120"), "{e}");
    assert!(e.contains(r#"srclang="ru" default>"#), "{e}");
    assert!(!e.contains("embed-title"), "title=0 hides the title");
    // Defaults, and seconds as a plain number; values that do not parse are ignored.
    let (_, _, e) = text(&s, &format!("/en/embed/{id}?start=30&loop=perhaps&muted=0")).await;
    for (attr, value) in [
        ("data-start", "30"),
        ("data-stop", ""),
        ("data-loop", "0"),
        ("data-autoplay", "0"),
        ("data-muted", "0"),
        ("data-controls", "1"),
    ] {
        assert_eq!(
            attr_in(&e, "data-video=", attr).as_deref(),
            Some(value),
            "{attr}"
        );
    }
    assert!(e.contains("embed-title") && !e.contains(" default>"), "{e}");
}

#[tokio::test]
async fn portal_share_sitemap_and_robots() {
    let (s, _id) = city_with_film().await;
    let base = &s.base;
    let (status, headers, xml) = text(&s, "/sitemap.xml").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    // Well-formed: every event parses and every end tag matches.
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut urls: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let (mut in_loc, mut videos, mut depth) = (false, 0, 0i32);
    loop {
        match reader.read_event().unwrap_or_else(|e| panic!("{e}: {xml}")) {
            quick_xml::events::Event::Start(t) => {
                depth += 1;
                match t.name().as_ref() {
                    "url" => urls.push((String::new(), Vec::new())),
                    "loc" => in_loc = true,
                    "video:video" => videos += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Empty(t) if t.name().as_ref() == "xhtml:link" => {
                let get = |k: &str| {
                    t.try_get_attribute(k)
                        .unwrap()
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .to_string()
                        })
                        .unwrap()
                };
                assert_eq!(get("rel"), "alternate");
                urls.last_mut()
                    .unwrap()
                    .1
                    .push((get("hreflang"), get("href")));
            }
            quick_xml::events::Event::Text(t) if in_loc => {
                urls.last_mut().unwrap().0 = t.xml10_content().to_string();
            }
            quick_xml::events::Event::End(t) => {
                depth -= 1;
                if t.name().as_ref() == "loc" {
                    in_loc = false;
                }
            }
            quick_xml::events::Event::GeneralRef(r) => {
                let name = r.xml10_content();
                assert!(
                    ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_ref()),
                    "undefined entity {name}"
                );
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    let locs: Vec<&str> = urls.iter().map(|(l, _)| l.as_str()).collect();
    for lang in ["en", "ru", "zh"] {
        for path in ["/", "/cities", "/tour", "/projects", "/cities/akashi"] {
            let loc = format!("{base}/{lang}{path}");
            assert!(locs.contains(&loc.as_str()), "{loc} in {locs:?}");
        }
    }
    assert_eq!(urls.len(), 15, "{locs:?}");
    for (loc, alternates) in &urls {
        let mut langs: Vec<&str> = alternates.iter().map(|(l, _)| l.as_str()).collect();
        langs.sort_unstable();
        assert_eq!(langs, ["en", "ru", "x-default", "zh"], "{loc}");
        let path = &loc[base.len() + 3..];
        for (l, href) in alternates {
            let l = if l == "x-default" { "en" } else { l };
            assert_eq!(href, &format!("{base}/{l}{path}"));
        }
    }
    assert_eq!(videos, 3, "one film on each language's city page");
    assert!(xml.contains(&format!("<video:player_loc>{base}/ru/embed/")));
    assert!(xml.contains("<video:thumbnail_loc>"));

    let (status, headers, robots) = text(&s, "/robots.txt").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let lines: Vec<&str> = robots.lines().collect();
    assert!(lines.contains(&"User-agent: *"));
    assert!(lines.contains(&"Allow: /"));
    for p in ["/console", "/api/", "/player", "/dev"] {
        assert!(
            lines.contains(&format!("Disallow: {p}").as_str()),
            "{robots}"
        );
    }
    assert!(
        lines.contains(&format!("Sitemap: {base}/sitemap.xml").as_str()),
        "{robots}"
    );
}
