mod common;
use common::*;
use twincast_core::alert::{on_air, AlertError, MsgType, Severity, Status};
use twincast_core::{Alert, AlertForm};

fn doc(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">{body}</alert>"#
    )
}

const HEADER: &str = "<identifier>KAT-2026-1</identifier><sender>kat@berlin.de</sender>\
<sent>2026-06-01T10:00:00+02:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>";

fn info(area: &str) -> String {
    format!(
        "<info><language>de-DE</language><category>Met</category><event>Unwetter</event><urgency>Immediate</urgency>\
<severity>Severe</severity><certainty>Observed</certainty><effective>2026-06-01T10:05:00+02:00</effective>\
<expires>2026-06-01T12:00:00+02:00</expires><headline>Storm &amp; hail</headline>\
<description>Stay indoors &#x2014; now</description><area><areaDesc>Berlin</areaDesc>{area}</area></info>"
    )
}

#[test]
fn valid_cap_with_polygon() {
    let a = Alert::from_cap_xml(&doc(&format!(
        "{HEADER}{}",
        info("<polygon>52.4,13.2 52.4,13.6 52.6,13.6 52.6,13.2 52.4,13.2</polygon>")
    )))
    .unwrap();
    assert_eq!(a.id, "KAT-2026-1");
    assert_eq!(a.msg_type, MsgType::Alert);
    assert_eq!(a.status, Status::Actual);
    assert_eq!(a.severity, Severity::Severe);
    assert_eq!(a.headline, "Storm & hail");
    assert_eq!(a.description, "Stay indoors \u{2014} now");
    assert_eq!(a.sent, ms("2026-06-01T08:00:00Z"));
    assert_eq!(a.effective, Some(ms("2026-06-01T08:05:00Z")));
    assert_eq!(a.expires, Some(ms("2026-06-01T10:00:00Z")));
    let berlin = screen("Europe/Berlin"); // 52.52, 13.405
    assert!(a.targets(&berlin));
    let mut hamburg = screen("Europe/Berlin");
    hamburg.lat = 53.55;
    hamburg.lon = 9.99;
    assert!(!a.targets(&hamburg));
    let air = on_air(
        std::slice::from_ref(&a),
        &berlin,
        ms("2026-06-01T00:00:00Z"),
        ms("2026-06-02T00:00:00Z"),
    );
    assert_eq!(
        air,
        vec![(ms("2026-06-01T08:05:00Z"), ms("2026-06-01T10:00:00Z"), 0)]
    );
}

#[test]
fn circle_prefix_and_geocode_targeting() {
    let xml = format!(
        r#"<cap:alert xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2">{}</cap:alert>"#,
        format!("{HEADER}{}", info("<circle>52.52,13.40 3</circle>"))
            .replace('<', "<cap:")
            .replace("<cap:/", "</cap:")
    );
    let a = Alert::from_cap_xml(&xml).unwrap();
    assert!(a.targets(&screen("Europe/Berlin")));
    let b = Alert::from_cap_xml(&doc(&format!(
        "{HEADER}{}",
        info(
            "<geocode><valueName>twincast:location</valueName><value>loc-airport</value></geocode>"
        )
    )))
    .unwrap();
    assert_eq!(b.locations, vec!["loc-airport".to_string()]);
    assert!(b.targets(&screen("UTC")));
    let mut other = screen("UTC");
    other.location_id = "loc-metro".into();
    assert!(!b.targets(&other));
}

#[test]
fn missing_and_bad_elements_are_named() {
    let cases = [
        (
            HEADER.replace("<identifier>KAT-2026-1</identifier>", ""),
            AlertError::Missing("identifier"),
        ),
        (
            HEADER.replace("<sender>kat@berlin.de</sender>", ""),
            AlertError::Missing("sender"),
        ),
        (
            HEADER.replace("<scope>Public</scope>", ""),
            AlertError::Missing("scope"),
        ),
    ];
    for (h, err) in cases {
        assert_eq!(
            Alert::from_cap_xml(&doc(&format!("{h}{}", info("")))),
            Err(err)
        );
    }
    assert_eq!(
        Alert::from_cap_xml(&doc(HEADER)),
        Err(AlertError::Missing("info"))
    );
    let no_event = info("").replace("<event>Unwetter</event>", "");
    assert_eq!(
        Alert::from_cap_xml(&doc(&format!("{HEADER}{no_event}"))),
        Err(AlertError::Missing("event"))
    );
    let bad_sent = HEADER.replace("2026-06-01T10:00:00+02:00", "yesterday");
    assert!(matches!(
        Alert::from_cap_xml(&doc(&format!("{bad_sent}{}", info("")))),
        Err(AlertError::Bad {
            element: "sent",
            ..
        })
    ));
    let bad_type = HEADER.replace("<msgType>Alert</msgType>", "<msgType>Panic</msgType>");
    assert!(matches!(
        Alert::from_cap_xml(&doc(&format!("{bad_type}{}", info("")))),
        Err(AlertError::Bad {
            element: "msgType",
            ..
        })
    ));
    let open_poly = info("<polygon>52.4,13.2 52.4,13.6 52.6,13.6</polygon>");
    assert!(matches!(
        Alert::from_cap_xml(&doc(&format!("{HEADER}{open_poly}"))),
        Err(AlertError::Bad {
            element: "polygon",
            ..
        })
    ));
    let bad_circle = info("<circle>952.52,13.40 3</circle>");
    assert!(matches!(
        Alert::from_cap_xml(&doc(&format!("{HEADER}{bad_circle}"))),
        Err(AlertError::Bad {
            element: "circle",
            ..
        })
    ));
    assert!(matches!(
        Alert::from_cap_xml("<alert"),
        Err(AlertError::Xml(_))
    ));
    assert!(matches!(
        Alert::from_cap_xml("not xml at all"),
        Err(AlertError::WrongRoot(_))
    ));
    // Error text names the element.
    let e = Alert::from_cap_xml(&doc(&format!("{HEADER}{no_event}"))).unwrap_err();
    assert!(e.to_string().contains("<event>"), "{e}");
}

#[test]
fn dtd_and_entity_attacks_rejected() {
    let xxe = format!(
        r#"<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">{HEADER}<note>&xxe;</note>{}</alert>"#,
        info("")
    );
    assert_eq!(Alert::from_cap_xml(&xxe), Err(AlertError::DtdNotAllowed));
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>"#;
    assert_eq!(Alert::from_cap_xml(laughs), Err(AlertError::DtdNotAllowed));
    let undefined = doc(&format!("{HEADER}<note>&xxe;</note>{}", info("")));
    assert_eq!(
        Alert::from_cap_xml(&undefined),
        Err(AlertError::UndefinedEntity("xxe".into()))
    );
    let deep = doc(&"<a>".repeat(100));
    assert!(Alert::from_cap_xml(&deep).is_err());
    let huge = doc(&"x".repeat(twincast_core::alert::MAX_CAP_BYTES + 1));
    assert_eq!(Alert::from_cap_xml(&huge), Err(AlertError::TooLarge));
}

#[test]
fn wrong_namespace_rejected() {
    let v13 = format!(
        r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.3">{HEADER}{}</alert>"#,
        info("")
    );
    let e = Alert::from_cap_xml(&v13).unwrap_err();
    assert!(
        matches!(&e, AlertError::WrongRoot(s) if s.contains("cap:1.3")),
        "{e}"
    );
    let none = format!("<alert>{HEADER}{}</alert>", info(""));
    assert!(matches!(
        Alert::from_cap_xml(&none),
        Err(AlertError::WrongRoot(_))
    ));
    let wrong_root = r#"<feed xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"#;
    assert!(matches!(
        Alert::from_cap_xml(wrong_root),
        Err(AlertError::WrongRoot(_))
    ));
}

#[test]
fn update_and_cancel_semantics() {
    let first = Alert::from_cap_xml(&doc(&format!("{HEADER}{}", info("")))).unwrap();
    let upd_header = HEADER
        .replace("KAT-2026-1", "KAT-2026-2")
        .replace("<msgType>Alert</msgType>", "<msgType>Update</msgType>")
        .replace("2026-06-01T10:00:00+02:00", "2026-06-01T10:30:00+02:00");
    // Update without references is invalid.
    assert_eq!(
        Alert::from_cap_xml(&doc(&format!("{upd_header}{}", info("")))),
        Err(AlertError::Missing("references"))
    );
    let upd = Alert::from_cap_xml(&doc(&format!(
        "{upd_header}<references>kat@berlin.de,KAT-2026-1,2026-06-01T10:00:00+02:00</references>{}",
        info("").replace("Storm &amp; hail", "Storm moving east")
    )))
    .unwrap();
    assert_eq!(upd.msg_type, MsgType::Update);
    assert_eq!(upd.references[0].identifier, "KAT-2026-1");
    let cancel_header = HEADER
        .replace("KAT-2026-1", "KAT-2026-3")
        .replace("<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")
        .replace("2026-06-01T10:00:00+02:00", "2026-06-01T11:00:00+02:00");
    // A Cancel needs no info.
    let cancel = Alert::from_cap_xml(&doc(&format!(
        "{cancel_header}<references>kat@berlin.de,KAT-2026-2,2026-06-01T10:30:00+02:00</references>"
    )))
    .unwrap();
    let s = screen("Europe/Berlin");
    let all = vec![first, upd, cancel];
    let air = on_air(
        &all,
        &s,
        ms("2026-06-01T00:00:00Z"),
        ms("2026-06-02T00:00:00Z"),
    );
    assert_eq!(
        air,
        vec![
            (ms("2026-06-01T08:05:00Z"), ms("2026-06-01T08:30:00Z"), 0),
            (ms("2026-06-01T08:05:00Z"), ms("2026-06-01T09:00:00Z"), 1),
        ]
    );
    // The update (later sent) wins while both would be on air: the engine shows KAT-2026-2 from 08:30 only
    // because KAT-2026-1 ends there; before that the precedence picks the later-sent message.
    let plays = twincast_core::plan(
        &s,
        &[],
        &all,
        ms("2026-06-01T08:00:00Z"),
        ms("2026-06-01T10:00:00Z"),
    );
    assert_eq!(plays.len(), 1);
    assert_eq!(plays[0].alert.as_deref(), Some("KAT-2026-2"));
    assert_eq!(
        (plays[0].start, plays[0].end),
        (ms("2026-06-01T08:05:00Z"), ms("2026-06-01T09:00:00Z"))
    );
}

#[test]
fn json_form() {
    let form: AlertForm = serde_json::from_str(
        r#"{"id":"op-1","sent":"2026-06-01T08:00:00Z","headline":"Evacuate hall B","severity":"Extreme",
            "expires":"2026-06-01T09:00:00Z","areas":[{"circle":{"lat":52.52,"lon":13.40,"radius_km":1}}],
            "tags":["arrivals"]}"#,
    )
    .unwrap();
    let a = Alert::from_form(form).unwrap();
    assert_eq!(a.severity, Severity::Extreme);
    assert!(a.targets(&screen("UTC")));
    let missing: AlertForm =
        serde_json::from_str(r#"{"id":"op-2","sent":"2026-06-01T08:00:00Z"}"#).unwrap();
    assert_eq!(
        Alert::from_form(missing),
        Err(AlertError::Missing("headline"))
    );
    let cancel: AlertForm = serde_json::from_str(
        r#"{"id":"op-3","sent":"2026-06-01T08:30:00Z","msg_type":"Cancel","references":["op-1"]}"#,
    )
    .unwrap();
    let c = Alert::from_form(cancel).unwrap();
    assert_eq!(c.msg_type, MsgType::Cancel);
    // Round trip of the resolved alert as JSON.
    let back: Alert = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

#[test]
fn utc_minus_zero_offset_and_test_status() {
    let h = HEADER
        .replace("2026-06-01T10:00:00+02:00", "2026-06-01T08:00:00-00:00")
        .replace("<status>Actual</status>", "<status>Test</status>");
    let a = Alert::from_cap_xml(&doc(&format!("{h}{}", info("")))).unwrap();
    assert_eq!(a.sent, ms("2026-06-01T08:00:00Z"));
    assert_eq!(a.status, Status::Test);
    assert!(!a.is_displayable());
}
