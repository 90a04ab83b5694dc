#![allow(dead_code)]
use twincast_core::{Campaign, ContentKind, Millis, Screen, Zone};

pub fn ms(s: &str) -> Millis {
    s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

pub fn screen(tz: &str) -> Screen {
    let mut s = Screen::new("scr-1", "loc-airport", "airport", Zone::new(tz).unwrap());
    s.lat = 52.52;
    s.lon = 13.405;
    s.tags = vec!["arrivals".into()];
    s.groups = vec!["terminal-1".into()];
    s
}

pub fn campaign(id: &str, partner: &str, prio: i32, weight: f64, items: &[i64]) -> Campaign {
    let mut c = Campaign::new(id, partner);
    c.priority = prio;
    c.weight = weight;
    for (k, d) in items.iter().enumerate() {
        c = c.with_item(&format!("{id}-{k}"), ContentKind::Video, *d);
    }
    c
}
