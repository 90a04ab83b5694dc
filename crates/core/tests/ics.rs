mod common;
use common::*;
use jiff::civil::date;
use twincast_core::ics::{from_ics, to_ics, IcsError};
use twincast_core::{Campaign, Recurrence};

#[test]
fn export_import_round_trip() {
    let mut c = campaign("kyoto-autumn", "kyoto", 0, 1.0, &[15_000]);
    c.name = "Kyoto; autumn, leaves".into();
    c.recurrence = Some(
        Recurrence::new(
            date(2026, 3, 2).at(2, 30, 0, 0),
            "FREQ=WEEKLY;BYDAY=MO,WE",
            vec![
                date(2026, 3, 4).at(2, 30, 0, 0),
                date(2026, 3, 9).at(2, 30, 0, 0),
            ],
            5_400_000,
        )
        .unwrap(),
    );
    let text = to_ics(&c, Some("Europe/Berlin")).unwrap();
    assert!(
        text.contains("DTSTART;TZID=Europe/Berlin:20260302T023000\r\n"),
        "{text}"
    );
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=MO,WE\r\n"));
    assert!(text.contains("EXDATE;TZID=Europe/Berlin:20260304T023000,20260309T023000\r\n"));
    assert!(text.contains("SUMMARY:Kyoto\\; autumn\\, leaves\r\n"));
    let back = from_ics(&text).unwrap();
    assert_eq!(back.tzid.as_deref(), Some("Europe/Berlin"));
    assert_eq!(back.uid.as_deref(), Some("kyoto-autumn"));
    assert_eq!(back.summary.as_deref(), Some("Kyoto; autumn, leaves"));
    assert_eq!(Some(&back.recurrence), c.recurrence.as_ref());
    // Floating export has no TZID.
    assert!(to_ics(&c, None)
        .unwrap()
        .contains("DTSTART:20260302T023000\r\n"));
    assert_eq!(
        to_ics(&Campaign::new("x", "p"), None),
        Err(IcsError::NoRecurrence)
    );
}

#[test]
fn imports_calendar_app_export() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Example//EN\r\nBEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n\
BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:abc@example.com\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=America/New_York:20260301T083000\r\n\
DTEND;TZID=America/New_York:20260301T093000\r\nRRULE:FREQ=DAILY;INTER\r\n VAL=2\r\nEXDATE:20260305T133000Z\r\n\
SUMMARY:Morning loop\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let s = from_ics(text).unwrap();
    assert_eq!(s.tzid.as_deref(), Some("America/New_York"));
    assert_eq!(s.recurrence.rrule(), "FREQ=DAILY;INTERVAL=2");
    assert_eq!(s.recurrence.duration_ms(), 3_600_000);
    // 13:30Z on March 5 is 08:30 EST wall clock.
    assert_eq!(s.recurrence.exdates(), &[date(2026, 3, 5).at(8, 30, 0, 0)]);
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let mut v = Vec::new();
    s.recurrence.occurrences(
        &tz,
        ms("2026-03-01T00:00:00Z"),
        ms("2026-03-10T00:00:00Z"),
        &mut v,
    );
    // Mar 1, 3, (5 excluded), 7 in EST; Mar 9 in EDT.
    let got: Vec<i64> = v.iter().map(|x| x.0).collect();
    assert_eq!(
        got,
        vec![
            ms("2026-03-01T13:30:00Z"),
            ms("2026-03-03T13:30:00Z"),
            ms("2026-03-07T13:30:00Z"),
            ms("2026-03-09T12:30:00Z")
        ]
    );
}

#[test]
fn import_errors() {
    assert_eq!(
        from_ics("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        Err(IcsError::NoEvent)
    );
    let no_start = "BEGIN:VEVENT\r\nRRULE:FREQ=DAILY\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
    assert_eq!(from_ics(no_start), Err(IcsError::Missing("DTSTART")));
    let bad_dt = "BEGIN:VEVENT\r\nDTSTART:2026-03-01\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
    assert!(matches!(
        from_ics(bad_dt),
        Err(IcsError::Bad {
            property: "DTSTART",
            ..
        })
    ));
    let bad_dur = "BEGIN:VEVENT\r\nDTSTART:20260301T083000\r\nDURATION:1H\r\nEND:VEVENT\r\n";
    assert!(matches!(
        from_ics(bad_dur),
        Err(IcsError::Bad {
            property: "DURATION",
            ..
        })
    ));
    let bad_rule = "BEGIN:VEVENT\r\nDTSTART:20260301T083000\r\nDURATION:PT1H\r\nRRULE:FREQ=FORTNIGHTLY\r\nEND:VEVENT\r\n";
    assert!(matches!(from_ics(bad_rule), Err(IcsError::Recurrence(_))));
    // No RRULE: a single occurrence.
    let single = "BEGIN:VEVENT\r\nDTSTART:20260301T083000\r\nDURATION:P1DT2H\r\nEND:VEVENT\r\n";
    let s = from_ics(single).unwrap();
    assert_eq!(s.recurrence.rrule(), "FREQ=DAILY;COUNT=1");
    assert_eq!(s.recurrence.duration_ms(), 26 * 3_600_000);
    assert_eq!(s.tzid, None);
}

#[test]
fn campaign_json_validates_recurrence() {
    let ok = r#"{"id":"c1","name":"C","partner":"kyoto","items":[{"id":"i","kind":"video","duration_ms":15000,"media":"sha256:ab"}],
        "recurrence":{"dtstart":"2026-03-01T02:30:00","rrule":"FREQ=DAILY","duration_ms":3600000}}"#;
    let c: Campaign = serde_json::from_str(ok).unwrap();
    assert_eq!(c.weight, 1.0);
    assert!(c.validate().is_ok());
    let back: Campaign = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    let bad = ok.replace("FREQ=DAILY", "FREQ=NEVER");
    let e = serde_json::from_str::<Campaign>(&bad).unwrap_err();
    assert!(e.to_string().contains("invalid RRULE"), "{e}");
    let mut c2 = c.clone();
    c2.weight = 0.0;
    assert!(c2.validate().is_err());
    c2.weight = 1.0;
    c2.items[0].duration_ms = 10;
    assert!(c2
        .validate()
        .unwrap_err()
        .to_string()
        .contains("content item 0"));
}
