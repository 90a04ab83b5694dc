//! CAP as alerting authorities publish it: 1.2, 1.1 and 1.0 namespaces, declared encodings, several `<info>`
//! blocks in different languages, geocode areas, signatures, Update/Cancel chains, feeds of CAP entries. Every
//! document here is written for this test from the CAP specification.

mod common;
use common::*;
use twincast_core::alert::feed::{self, Fetched};
use twincast_core::alert::{on_air, AlertError, Geocode, MsgType, Severity};
use twincast_core::Alert;

const CAP12: &str = "urn:oasis:names:tc:emergency:cap:1.2";
const CAP11: &str = "urn:oasis:names:tc:emergency:cap:1.1";
const CAP10: &str = "http://www.incident.com/cap/1.0";

fn header(id: &str, sent: &str, msg_type: &str, refs: &str) -> String {
    let refs = if refs.is_empty() {
        String::new()
    } else {
        format!("<references>{refs}</references>")
    };
    format!(
        "<identifier>{id}</identifier><sender>warn@met.example</sender><sent>{sent}</sent>\
         <status>Actual</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}"
    )
}

fn info(lang: &str, headline: &str, severity: &str, extra: &str) -> String {
    format!(
        "<info><language>{lang}</language><category>Met</category><event>Storm</event>\
         <urgency>Immediate</urgency><severity>{severity}</severity><certainty>Likely</certainty>{extra}\
         <headline>{headline}</headline><description>d-{lang}</description><instruction>i-{lang}</instruction>\
         <area><areaDesc>Coast</areaDesc><geocode><valueName>EMMA_ID</valueName><value>XX001</value></geocode></area></info>"
    )
}

fn alert_doc(ns: &str, body: &str) -> String {
    format!(r#"<?xml version="1.0" encoding="UTF-8"?><alert xmlns="{ns}">{body}</alert>"#)
}

#[test]
fn every_info_is_kept_and_a_screen_gets_its_language() {
    let body = format!(
        "{}{}{}{}",
        header("A-1", "2026-12-01T10:00:00+00:00", "Alert", ""),
        info("en-GB", "Storm warning", "Severe", ""),
        info("ru-RU", "Штормовое предупреждение", "Extreme", ""),
        info("zh-CN", "风暴警告", "Severe", "")
    );
    let a = Alert::from_cap_xml(&alert_doc(CAP12, &body)).unwrap();
    assert_eq!(a.version, "1.2");
    assert_eq!(a.infos.len(), 3);
    assert_eq!(a.severity, Severity::Extreme, "the highest of the blocks");
    assert_eq!(a.localized("ru").headline, "Штормовое предупреждение");
    assert_eq!(a.localized("ru").description, "d-ru-RU");
    assert_eq!(a.localized("zh").headline, "风暴警告");
    assert_eq!(a.localized("en").headline, "Storm warning");
    assert_eq!(a.language_for("zh"), "zh");
    // Fallback: a language without a block gets English, then the first block.
    assert_eq!(a.localized("fr").headline, "Storm warning");
    let ru_zh = format!(
        "{}{}{}",
        header("A-2", "2026-12-01T10:00:00+00:00", "Alert", ""),
        info("zh", "风暴警告", "Severe", ""),
        info("ru", "Шторм", "Severe", "")
    );
    let b = Alert::from_cap_xml(&alert_doc(CAP12, &ru_zh)).unwrap();
    assert_eq!(
        b.localized("en").headline,
        "风暴警告",
        "no English: the first block"
    );
    // A block without <language> is en-US (CAP's default).
    let no_lang = format!(
        "{}{}",
        header("A-3", "2026-12-01T10:00:00+00:00", "Alert", ""),
        info("", "x", "Minor", "").replace("<language></language>", "")
    );
    let c = Alert::from_cap_xml(&alert_doc(CAP12, &no_lang)).unwrap();
    assert_eq!(c.infos[0].language, "en-US");
}

#[test]
fn cap_1_1_and_1_0_are_read_into_the_same_model() {
    let body = format!(
        "{}{}",
        header("B-1", "2026-12-01T10:00:00-05:00", "Alert", ""),
        info("en-US", "Flood watch", "Moderate", "")
    );
    let v11 = Alert::from_cap_xml(&alert_doc(CAP11, &body)).unwrap();
    assert_eq!(v11.version, "1.1");
    assert_eq!(v11.headline, "Flood watch");
    let prefixed = format!(
        r#"<cap:alert xmlns:cap="{CAP11}">{}</cap:alert>"#,
        body.replace('<', "<cap:").replace("<cap:/", "</cap:")
    );
    assert_eq!(
        Alert::from_cap_xml(&prefixed).unwrap().infos,
        v11.infos,
        "prefixes are resolved"
    );
    // CAP 1.0: "Very Likely" certainty, references as bare identifiers.
    let v10_body = format!(
        "{}{}",
        header("B-0", "2026-12-01T11:00:00-05:00", "Update", "B-1"),
        info("en-US", "Flood warning", "Severe", "").replace("Likely", "Very Likely")
    );
    let v10 = Alert::from_cap_xml(&alert_doc(CAP10, &v10_body)).unwrap();
    assert_eq!(v10.version, "1.0");
    assert_eq!(v10.references[0].identifier, "B-1");
    assert!(v10.reaches(Severity::Severe, "Immediate", "Likely"));
    // Bare identifiers are not CAP 1.2.
    assert!(matches!(
        Alert::from_cap_xml(&alert_doc(CAP12, &v10_body)),
        Err(AlertError::Bad {
            element: "references",
            ..
        })
    ));
    // A child in another CAP version's namespace is not read as CAP.
    let mixed = format!(
        r#"<alert xmlns="{CAP12}" xmlns:o="{CAP11}"><o:identifier>x</o:identifier>{}</alert>"#,
        &body[body.find("<sender>").unwrap()..]
    );
    assert_eq!(
        Alert::from_cap_xml(&mixed),
        Err(AlertError::Missing("identifier"))
    );
}

#[test]
fn declared_encodings_are_decoded_and_bad_bytes_refused() {
    let body = format!(
        "{}{}",
        header("C-1", "2026-12-01T10:00:00+01:00", "Alert", ""),
        info("de-DE", "Sturmböen über Köln", "Severe", "")
    );
    let text = format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1"?><alert xmlns="{CAP12}">{body}</alert>"#
    );
    let (latin1, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&latin1).is_err(), "really not UTF-8");
    let (a, decoded) = Alert::from_cap_bytes(&latin1, None).unwrap();
    assert_eq!(a.headline, "Sturmböen über Köln");
    assert!(decoded.contains("Köln"));
    // The HTTP charset wins over the declaration.
    let (b, _) = Alert::from_cap_bytes(text.as_bytes(), Some("utf-8")).unwrap();
    assert_eq!(b.headline, "Sturmböen über Köln");
    // Declared UTF-8 but Latin-1 bytes: refused, never replaced.
    let lying = String::from_utf8_lossy(&latin1).replace("ISO-8859-1", "UTF-8");
    let mut lying_bytes = latin1.to_vec();
    let at = lying.find("UTF-8").unwrap();
    lying_bytes.splice(at..at + "ISO-8859-1".len(), b"UTF-8".iter().copied());
    assert!(matches!(
        Alert::from_cap_bytes(&lying_bytes, None),
        Err(AlertError::Encoding(_))
    ));
    // An unknown encoding name.
    let unknown = text.replace("ISO-8859-1", "X-NOPE");
    assert!(matches!(
        Alert::from_cap_bytes(unknown.as_bytes(), None),
        Err(AlertError::Encoding(_))
    ));
    // DTDs stay refused whatever the encoding.
    let dtd = format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE alert [<!ENTITY x "y">]><alert xmlns="{CAP12}">{body}</alert>"#
    );
    let (dtd_bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&dtd);
    assert_eq!(
        Alert::from_cap_bytes(&dtd_bytes, None).map(|r| r.0),
        Err(AlertError::DtdNotAllowed)
    );
}

#[test]
fn geocodes_are_kept_and_geocode_only_alerts_target_nobody_unmapped() {
    let body = format!(
        "{}{}",
        header("D-1", "2026-12-01T10:00:00+00:00", "Alert", ""),
        info("en", "Storm", "Severe", "")
    );
    let mut a = Alert::from_cap_xml(&alert_doc(CAP12, &body)).unwrap();
    assert_eq!(
        a.geocodes,
        vec![Geocode {
            value_name: "EMMA_ID".into(),
            value: "XX001".into()
        }]
    );
    let s = screen("Europe/Berlin");
    assert!(!a.targets(&s), "an unmapped geocode is not 'everywhere'");
    a.locations.push(s.location_id.clone());
    assert!(a.targets(&s), "mapped to the screen's location");
}

#[test]
fn signatures_are_noticed_and_kept_in_the_model() {
    let body = format!(
        "{}{}<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><Reference URI=\"\"/></SignedInfo>\
         <SignatureValue>AAAA</SignatureValue></Signature>",
        header("E-1", "2026-12-01T10:00:00+00:00", "Alert", ""),
        info("en", "Signed", "Minor", "")
    );
    let a = Alert::from_cap_xml(&alert_doc(CAP12, &body)).unwrap();
    assert!(a.signed);
    let unsigned = Alert::from_cap_xml(&alert_doc(
        CAP12,
        &format!(
            "{}{}",
            header("E-2", "2026-12-01T10:00:00+00:00", "Alert", ""),
            info("en", "x", "Minor", "")
        ),
    ))
    .unwrap();
    assert!(!unsigned.signed);
}

#[test]
fn windows_onset_and_update_cancel_chains() {
    let s = {
        let mut s = screen("Europe/Berlin");
        s.lat = 0.5;
        s.lon = 0.5;
        s
    };
    let area = "<area><areaDesc>Box</areaDesc><polygon>0,0 0,1 1,1 1,0 0,0</polygon></area>";
    let blk = |lang: &str, eff: &str, exp: &str| {
        format!(
            "<info><language>{lang}</language><category>Met</category><event>Storm</event><urgency>Expected</urgency>\
             <severity>Severe</severity><certainty>Likely</certainty><effective>{eff}</effective>\
             <onset>2026-12-01T12:00:00Z</onset><expires>{exp}</expires><headline>h-{lang}</headline>{area}</info>"
        )
    };
    let first = Alert::from_cap_xml(&alert_doc(
        CAP12,
        &format!(
            "{}{}{}",
            header("F-1", "2026-12-01T10:00:00Z", "Alert", ""),
            blk("en", "2026-12-01T11:00:00Z", "2026-12-01T14:00:00Z"),
            blk("ru", "2026-12-01T10:30:00Z", "2026-12-01T15:00:00Z")
        ),
    ))
    .unwrap();
    // The window is the blocks' together; onset is kept per block.
    assert_eq!(first.start(), ms("2026-12-01T10:30:00Z"));
    assert_eq!(first.expires, Some(ms("2026-12-01T15:00:00Z")));
    assert_eq!(first.infos[0].onset, Some(ms("2026-12-01T12:00:00Z")));
    let update = Alert::from_cap_xml(&alert_doc(
        CAP11,
        &format!(
            "{}{}",
            header(
                "F-2",
                "2026-12-01T12:00:00Z",
                "Update",
                "warn@met.example,F-1,2026-12-01T10:00:00Z"
            ),
            blk("en", "2026-12-01T12:00:00Z", "2026-12-01T18:00:00Z")
        ),
    ))
    .unwrap();
    assert_eq!(update.references[0].sent, Some(first.sent));
    let cancel = Alert::from_cap_xml(&alert_doc(
        CAP12,
        &header(
            "F-3",
            "2026-12-01T13:00:00Z",
            "Cancel",
            "warn@met.example,F-2,2026-12-01T12:00:00Z",
        ),
    ))
    .unwrap();
    // A reference whose `sent` does not match is not the referenced message.
    let stray = Alert::from_cap_xml(&alert_doc(
        CAP12,
        &header(
            "F-9",
            "2026-12-01T11:00:00Z",
            "Cancel",
            "warn@met.example,F-1,2025-01-01T00:00:00Z",
        ),
    ))
    .unwrap();
    let all = vec![first, update, cancel, stray];
    let air = on_air(
        &all,
        &s,
        ms("2026-12-01T00:00:00Z"),
        ms("2026-12-02T00:00:00Z"),
    );
    assert_eq!(
        air,
        vec![
            (ms("2026-12-01T10:30:00Z"), ms("2026-12-01T12:00:00Z"), 0),
            (ms("2026-12-01T12:00:00Z"), ms("2026-12-01T13:00:00Z"), 1),
        ]
    );
    assert_eq!(all[1].msg_type, MsgType::Update);
}

#[test]
fn feeds_of_cap_entries_embedded_or_linked() {
    let embedded = format!(
        "{}{}",
        header("G-1", "2026-12-01T10:00:00Z", "Alert", ""),
        info("en", "Embedded", "Severe", "")
    )
    .replace('<', "<cap:")
    .replace("<cap:/", "</cap:");
    let atom = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:cap="{CAP12}"><title>t</title><id>urn:f</id>
<entry><id>urn:e1</id><title>x</title><content type="application/cap+xml"><cap:alert>{embedded}</cap:alert></content></entry>
<entry><id>urn:e2</id><title>y</title><link rel="alternate" href="http://h/page.html"/>
 <link rel="related" type="application/cap+xml" href="http://h/e2.xml"/></entry>
<entry><id>urn:e3</id><title>z</title><link href="http://h/e3.cap"/></entry>
</feed>"#
    );
    let Fetched::Feed(entries) = feed::read(atom.as_bytes(), None).unwrap() else {
        panic!("a feed")
    };
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].id, "urn:e1");
    let doc = entries[0].embedded.as_deref().unwrap();
    assert_eq!(Alert::from_cap_xml(doc).unwrap().headline, "Embedded");
    assert_eq!(entries[1].link.as_deref(), Some("http://h/e2.xml"));
    assert_eq!(entries[2].link.as_deref(), Some("http://h/e3.cap"));
    let rss = r#"<rss version="2.0"><channel><title>t</title>
<item><guid>g1</guid><link>http://h/a.xml</link></item>
<item><title>no guid</title><enclosure url="http://h/b.xml" type="application/cap+xml"/></item></channel></rss>"#;
    let Fetched::Feed(items) = feed::read(rss.as_bytes(), None).unwrap() else {
        panic!("a feed")
    };
    assert_eq!(items[0].id, "g1");
    assert_eq!(items[0].link.as_deref(), Some("http://h/a.xml"));
    assert_eq!(items[1].id, "http://h/b.xml");
    // A CAP document answered directly.
    let cap = alert_doc(
        CAP11,
        &header("G-2", "2026-12-01T10:00:00Z", "Cancel", "a,b,c"),
    );
    assert!(matches!(
        feed::read(cap.as_bytes(), None),
        Ok(Fetched::Cap(_))
    ));
    // Hostile or foreign input is refused with a code.
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><feed xmlns="http://www.w3.org/2005/Atom">&b;</feed>"#;
    assert_eq!(
        feed::read(bomb.as_bytes(), None).unwrap_err().code,
        "dtd-refused"
    );
    assert_eq!(
        feed::read(b"<html><body/></html>", None).unwrap_err().code,
        "not-cap"
    );
    assert_eq!(
        feed::read(b"<feed><entry>", None).unwrap_err().code,
        "malformed-feed"
    );
}

#[test]
fn a_feed_with_a_thousand_standing_alerts_is_read_whole_and_a_longer_one_to_the_limit() {
    let feed_of = |n: usize| {
        let mut xml = String::from(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id>"#,
        );
        for i in 0..n {
            xml.push_str(&format!(
                r#"<entry><id>urn:e{i}</id><link type="application/cap+xml" href="http://h/{i}.xml"/></entry>"#
            ));
        }
        xml + "</feed>"
    };
    let Fetched::Feed(entries) = feed::read(feed_of(1_000).as_bytes(), None).unwrap() else {
        panic!("a feed")
    };
    assert_eq!(entries.len(), 1_000);
    assert_eq!(entries[999].link.as_deref(), Some("http://h/999.xml"));
    let Fetched::Feed(entries) =
        feed::read(feed_of(feed::MAX_ENTRIES + 3).as_bytes(), None).unwrap()
    else {
        panic!("a feed")
    };
    assert_eq!(entries.len(), feed::MAX_ENTRIES);
    assert_eq!(
        entries[0].id, "urn:e0",
        "the first entries (the newest) are kept"
    );
}
