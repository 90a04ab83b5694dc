//! The campaign editor's form as typed: every field kept as text (so a refused form comes back as it was typed),
//! read from the posted pairs, written from a stored campaign, and turned into a `CampaignInput` (the recurrence
//! builder's fields become an RRULE). Field checks here are only about reading the text; the campaign's rules are
//! the app's.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use twincast_core::geofence::{Geofence, LatLon};
use twincast_core::recurrence::RecurrenceSpec;
use twincast_core::Targets;
use twincast_store::{CampaignInput, CampaignItem, CampaignRecord, ItemKind};

/// Days of the week as RRULE names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// One playlist item as typed.
#[derive(Debug, Clone, Default)]
pub struct ItemForm {
    /// Item id (kept; empty = assigned).
    pub id: String,
    /// `video`, `image`, `html`, `web`.
    pub kind: String,
    /// Media id.
    pub media: String,
    /// Portrait media id.
    pub portrait: String,
    /// Template (html).
    pub template: String,
    /// Template data as JSON text (html).
    pub data: String,
    /// Page URL (web).
    pub url: String,
    /// Seconds as typed (blank: the video's length, else 10 s).
    pub duration: String,
}

/// The editor's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct CampaignForm {
    /// Campaign id (empty: a new campaign).
    pub id: String,
    /// Version the form was opened at (`If-Match`).
    pub version: String,
    /// Name.
    pub name: String,
    /// Partner slug (empty: network content).
    pub partner: String,
    /// `main` or `ticker`.
    pub zone: String,
    /// Priority as typed.
    pub priority: String,
    /// Weight as typed.
    pub weight: String,
    /// Validity start, `YYYY-MM-DDTHH:MM` UTC.
    pub valid_from: String,
    /// Validity end, `YYYY-MM-DDTHH:MM` UTC.
    pub valid_until: String,
    /// Recurrence frequency: empty (none), `daily`, `weekly`, `custom`.
    pub freq: String,
    /// Every n days/weeks.
    pub interval: String,
    /// Weekdays (RRULE names).
    pub days: Vec<String>,
    /// First day, `YYYY-MM-DD`.
    pub start_date: String,
    /// Start times, `HH:MM`, separated by commas.
    pub times: String,
    /// Minutes each occurrence lasts.
    pub duration_min: String,
    /// Last day, `YYYY-MM-DD`.
    pub until: String,
    /// Number of occurrences.
    pub count: String,
    /// The RRULE text when `freq` is `custom`.
    pub rrule: String,
    /// Excluded wall-clock starts, kept as stored (comma-separated).
    pub exdates: String,
    /// Targeted location ids.
    pub locations: Vec<String>,
    /// Targeted location kinds.
    pub kinds: Vec<String>,
    /// Targeted group slugs.
    pub groups: Vec<String>,
    /// Tags, comma-separated.
    pub tags: String,
    /// Screen ids, comma-separated.
    pub screens: String,
    /// Geofence circle centre latitude.
    pub geo_lat: String,
    /// Geofence circle centre longitude.
    pub geo_lon: String,
    /// Geofence circle radius, km.
    pub geo_radius: String,
    /// A polygon geofence, kept as JSON.
    pub geo_other: String,
    /// Playlist.
    pub items: Vec<ItemForm>,
    /// The media picker's search text.
    pub media_q: String,
    /// The button pressed (`save`, `whatif`, `preview`, `search`, `up:N`, `down:N`, `remove:N`, `add:kind:id`).
    pub action: String,
}

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn ms_text(ms: Option<i64>) -> String {
    ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|t| {
            t.to_zoned_datetime(TimeZone::UTC)
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn parse_ms(s: &str) -> Result<Option<i64>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let dt: DateTime = s.parse().map_err(|_| ())?;
    dt.to_zoned_datetime(TimeZone::UTC)
        .map(|z| Some(z.timestamp().as_millisecond()))
        .map_err(|_| ())
}

impl CampaignForm {
    /// A blank form for a new campaign (`today` is the first day of its recurrence if one is chosen).
    pub fn blank(partner: &str, today: &str) -> CampaignForm {
        CampaignForm {
            partner: partner.to_string(),
            zone: "main".into(),
            priority: "0".into(),
            weight: "1".into(),
            interval: "1".into(),
            start_date: today.to_string(),
            times: "09:00".into(),
            duration_min: "60".into(),
            ..CampaignForm::default()
        }
    }

    /// The form of a stored campaign.
    pub fn of(c: &CampaignRecord) -> CampaignForm {
        let mut f = CampaignForm {
            id: c.id.clone(),
            version: c.version.to_string(),
            name: c.name.clone(),
            partner: c.partner.clone().unwrap_or_default(),
            zone: c.zone.clone(),
            priority: c.priority.to_string(),
            weight: c.weight.to_string(),
            valid_from: ms_text(c.valid_from),
            valid_until: ms_text(c.valid_until),
            interval: "1".into(),
            duration_min: "60".into(),
            times: "09:00".into(),
            locations: c.targets.locations.clone(),
            kinds: c.targets.location_kinds.clone(),
            groups: c.targets.groups.clone(),
            tags: c.targets.tags.join(", "),
            screens: c.targets.screens.join(", "),
            ..CampaignForm::default()
        };
        match &c.targets.geofence {
            Some(Geofence::Circle { center, radius_km }) => {
                f.geo_lat = center.lat.to_string();
                f.geo_lon = center.lon.to_string();
                f.geo_radius = radius_km.to_string();
            }
            Some(g) => f.geo_other = serde_json::to_string(g).unwrap_or_default(),
            None => {}
        }
        if let Some(r) = &c.recurrence {
            f.set_recurrence(r);
        }
        f.items = c
            .items
            .iter()
            .map(|it| ItemForm {
                id: it.id.clone(),
                kind: serde_json::to_value(it.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                media: it.media_id.clone().unwrap_or_default(),
                portrait: it.portrait_media_id.clone().unwrap_or_default(),
                template: it.template.clone().unwrap_or_default(),
                data: it.data.as_ref().map(|d| d.to_string()).unwrap_or_default(),
                url: it.url.clone().unwrap_or_default(),
                duration: it.duration_ms.map(format_secs).unwrap_or_default(),
            })
            .collect();
        f
    }

    /// Fills the recurrence builder from a stored recurrence: the builder's own shapes become its fields, any
    /// other rule is kept as custom RRULE text.
    fn set_recurrence(&mut self, r: &RecurrenceSpec) {
        self.start_date = r.dtstart.date().to_string();
        self.times = r.dtstart.time().strftime("%H:%M").to_string();
        self.duration_min = (r.duration_ms as f64 / 60_000.0).to_string();
        self.exdates = r
            .exdates
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        self.rrule = r.rrule.clone();
        self.freq = "custom".into();
        let mut freq = "";
        let (mut hours, mut minute) = (Vec::new(), None);
        for part in r.rrule.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                return;
            };
            match k {
                "FREQ" if v == "DAILY" => freq = "daily",
                "FREQ" if v == "WEEKLY" => freq = "weekly",
                "INTERVAL" => self.interval = v.to_string(),
                "BYDAY" if v.split(',').all(|d| WEEKDAYS.contains(&d)) => {
                    self.days = list(v);
                }
                "BYHOUR" => hours = list(v),
                "BYMINUTE" if !v.contains(',') => minute = Some(v.to_string()),
                "COUNT" => self.count = v.to_string(),
                "UNTIL" if v.len() >= 8 => {
                    let d = &v[..8];
                    self.until = format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..8]);
                }
                _ => return,
            }
        }
        if !hours.is_empty() {
            let m: u32 = minute.as_deref().unwrap_or("0").parse().unwrap_or(0);
            self.times = hours
                .iter()
                .map(|h| format!("{:02}:{m:02}", h.parse::<u32>().unwrap_or(0)))
                .collect::<Vec<_>>()
                .join(", ");
        } else if minute.is_some() {
            return;
        }
        if !freq.is_empty() {
            self.freq = freq.into();
            self.rrule.clear();
        }
    }

    /// Reads the posted pairs (repeated names for checkboxes, `itemN_*` for items).
    pub fn from_pairs(pairs: &[(String, String)]) -> CampaignForm {
        let mut f = CampaignForm::default();
        let mut items: std::collections::BTreeMap<usize, ItemForm> = Default::default();
        for (k, v) in pairs {
            let v = v.clone();
            match k.as_str() {
                "id" => f.id = v,
                "version" => f.version = v,
                "name" => f.name = v,
                "partner" => f.partner = v,
                "zone" => f.zone = v,
                "priority" => f.priority = v,
                "weight" => f.weight = v,
                "valid_from" => f.valid_from = v,
                "valid_until" => f.valid_until = v,
                "freq" => f.freq = v,
                "interval" => f.interval = v,
                "day" => f.days.push(v),
                "start_date" => f.start_date = v,
                "times" => f.times = v,
                "duration_min" => f.duration_min = v,
                "until" => f.until = v,
                "count" => f.count = v,
                "rrule" => f.rrule = v,
                "exdates" => f.exdates = v,
                "location" => f.locations.push(v),
                "kind" => f.kinds.push(v),
                "group" => f.groups.push(v),
                "tags" => f.tags = v,
                "screens" => f.screens = v,
                "geo_lat" => f.geo_lat = v,
                "geo_lon" => f.geo_lon = v,
                "geo_radius" => f.geo_radius = v,
                "geo_other" => f.geo_other = v,
                "media_q" => f.media_q = v,
                "action" => f.action = v,
                other => {
                    let Some(rest) = other.strip_prefix("item") else {
                        continue;
                    };
                    let Some((n, field)) = rest.split_once('_') else {
                        continue;
                    };
                    let Ok(n) = n.parse::<usize>() else { continue };
                    if n >= 200 {
                        continue;
                    }
                    let it = items.entry(n).or_default();
                    match field {
                        "id" => it.id = v,
                        "kind" => it.kind = v,
                        "media" => it.media = v,
                        "portrait" => it.portrait = v,
                        "template" => it.template = v,
                        "data" => it.data = v,
                        "url" => it.url = v,
                        "duration" => it.duration = v,
                        _ => {}
                    }
                }
            }
        }
        f.items = items.into_values().collect();
        f
    }

    /// The RRULE the builder's fields make (empty when there is no recurrence).
    pub fn rrule_text(&self) -> Result<String, &'static str> {
        let mut parts = Vec::new();
        match self.freq.as_str() {
            "" => return Ok(String::new()),
            "custom" => {
                let r = self.rrule.trim();
                let r = r.strip_prefix("RRULE:").unwrap_or(r);
                return if r.is_empty() {
                    Err("rrule")
                } else {
                    Ok(r.to_string())
                };
            }
            "daily" => parts.push("FREQ=DAILY".to_string()),
            "weekly" => parts.push("FREQ=WEEKLY".to_string()),
            _ => return Err("freq"),
        }
        let interval = self.interval.trim();
        if !interval.is_empty() && interval != "1" {
            match interval.parse::<u32>() {
                Ok(n) if (1..=365).contains(&n) => parts.push(format!("INTERVAL={n}")),
                _ => return Err("interval"),
            }
        }
        if self.freq == "weekly" && !self.days.is_empty() {
            let days: Vec<&str> = WEEKDAYS
                .iter()
                .copied()
                .filter(|d| self.days.iter().any(|x| x == d))
                .collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        let times = self.parsed_times()?;
        if times.len() > 1 {
            let minute = times[0].minute();
            if times.iter().any(|t| t.minute() != minute) {
                return Err("times");
            }
            let hours: Vec<String> = times.iter().map(|t| t.hour().to_string()).collect();
            parts.push(format!("BYHOUR={}", hours.join(",")));
            parts.push(format!("BYMINUTE={minute}"));
        }
        let until = self.until.trim();
        let count = self.count.trim();
        if !until.is_empty() && !count.is_empty() {
            return Err("count");
        }
        if !until.is_empty() {
            let d: Date = until.parse().map_err(|_| "until")?;
            parts.push(format!("UNTIL={}T235959Z", d.strftime("%Y%m%d")));
        }
        if !count.is_empty() {
            match count.parse::<u32>() {
                Ok(n) if (1..=10_000).contains(&n) => parts.push(format!("COUNT={n}")),
                _ => return Err("count"),
            }
        }
        Ok(parts.join(";"))
    }

    fn parsed_times(&self) -> Result<Vec<Time>, &'static str> {
        let mut times = Vec::new();
        for t in list(&self.times.replace(' ', ",")) {
            let t: Time = t.parse().map_err(|_| "times")?;
            times.push(t);
        }
        if times.is_empty() {
            return Err("times");
        }
        times.sort();
        times.dedup();
        Ok(times)
    }

    fn recurrence(&self) -> Result<Option<RecurrenceSpec>, &'static str> {
        let rrule = self.rrule_text()?;
        if rrule.is_empty() {
            return Ok(None);
        }
        let date: Date = self.start_date.trim().parse().map_err(|_| "start_date")?;
        let time = self.parsed_times()?[0];
        let minutes: f64 = self
            .duration_min
            .trim()
            .replace(',', ".")
            .parse()
            .map_err(|_| "duration_min")?;
        if !(minutes.is_finite() && minutes > 0.0 && minutes <= 366.0 * 1440.0) {
            return Err("duration_min");
        }
        let mut exdates = Vec::new();
        for e in list(&self.exdates) {
            exdates.push(e.parse::<DateTime>().map_err(|_| "exdates")?);
        }
        Ok(Some(RecurrenceSpec {
            dtstart: date.to_datetime(time),
            rrule,
            exdates,
            duration_ms: (minutes * 60_000.0).round() as i64,
        }))
    }

    /// The campaign these fields describe, or the fields that cannot be read (with a catalogue id each).
    pub fn to_input(&self) -> Result<CampaignInput, Vec<(&'static str, &'static str)>> {
        let mut bad: Vec<(&'static str, &'static str)> = Vec::new();
        let priority = self.priority.trim().parse::<i32>().unwrap_or_else(|_| {
            bad.push(("priority", "campaign-bad-number"));
            0
        });
        let weight = self
            .weight
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .unwrap_or_else(|_| {
                bad.push(("weight", "campaign-bad-number"));
                1.0
            });
        let valid_from = parse_ms(&self.valid_from).unwrap_or_else(|_| {
            bad.push(("valid_from", "campaign-bad-datetime"));
            None
        });
        let valid_until = parse_ms(&self.valid_until).unwrap_or_else(|_| {
            bad.push(("valid_until", "campaign-bad-datetime"));
            None
        });
        let recurrence = self.recurrence().unwrap_or_else(|field| {
            bad.push((field, "campaign-bad-recurrence"));
            None
        });
        let mut targets = Targets {
            screens: list(&self.screens),
            groups: self.groups.clone(),
            tags: list(&self.tags),
            locations: self.locations.clone(),
            location_kinds: self.kinds.clone(),
            geofence: None,
        };
        let (la, lo, r) = (
            self.geo_lat.trim(),
            self.geo_lon.trim(),
            self.geo_radius.trim(),
        );
        if !(la.is_empty() && lo.is_empty() && r.is_empty()) {
            match (la.parse::<f64>(), lo.parse::<f64>(), r.parse::<f64>()) {
                (Ok(lat), Ok(lon), Ok(radius_km)) => {
                    targets.geofence = Some(Geofence::Circle {
                        center: LatLon { lat, lon },
                        radius_km,
                    })
                }
                _ => bad.push(("geofence", "campaign-bad-geofence")),
            }
        } else if !self.geo_other.trim().is_empty() {
            match serde_json::from_str(&self.geo_other) {
                Ok(g) => targets.geofence = Some(g),
                Err(_) => bad.push(("geofence", "campaign-bad-geofence")),
            }
        }
        let mut items = Vec::new();
        for it in &self.items {
            let kind = match it.kind.as_str() {
                "video" => ItemKind::Video,
                "image" => ItemKind::Image,
                "html" => ItemKind::Html,
                _ => ItemKind::Web,
            };
            let duration_ms = match it.duration.trim() {
                "" => None,
                d => match d.replace(',', ".").parse::<f64>() {
                    Ok(s) if s.is_finite() && s > 0.0 && s < 86_400.0 => {
                        Some((s * 1000.0).round() as i64)
                    }
                    _ => {
                        bad.push(("items", "campaign-bad-duration"));
                        None
                    }
                },
            };
            let opt = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
            let data = match it.data.trim() {
                "" => None,
                d => match serde_json::from_str(d) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        bad.push(("items", "campaign-bad-item"));
                        None
                    }
                },
            };
            items.push(CampaignItem {
                id: it.id.clone(),
                kind,
                duration_ms,
                media_id: opt(&it.media),
                portrait_media_id: opt(&it.portrait),
                template: opt(&it.template),
                data,
                url: opt(&it.url),
            });
        }
        if !bad.is_empty() {
            return Err(bad);
        }
        Ok(CampaignInput {
            name: self.name.trim().to_string(),
            partner: Some(self.partner.clone()).filter(|p| !p.is_empty()),
            zone: if self.zone.is_empty() {
                "main".into()
            } else {
                self.zone.clone()
            },
            priority,
            weight,
            targets,
            valid_from,
            valid_until,
            recurrence,
            items,
        })
    }

    /// Applies an editing action (`up:N`, `down:N`, `remove:N`, `add:<kind>:<media id>`); others do nothing.
    pub fn apply(&mut self, action: &str) {
        let (verb, arg) = action.split_once(':').unwrap_or((action, ""));
        let n = arg.parse::<usize>().ok();
        match (verb, n) {
            ("up", Some(i)) if i > 0 && i < self.items.len() => self.items.swap(i - 1, i),
            ("down", Some(i)) if i + 1 < self.items.len() => self.items.swap(i, i + 1),
            ("remove", Some(i)) if i < self.items.len() => {
                self.items.remove(i);
            }
            ("add", _) => {
                if let Some((kind, id)) = arg.split_once(':') {
                    if (kind == "video" || kind == "image") && !id.is_empty() {
                        self.items.push(ItemForm {
                            kind: kind.to_string(),
                            media: id.to_string(),
                            ..ItemForm::default()
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether weekday `d` is chosen.
    pub fn has_day(&self, d: &str) -> bool {
        self.days.iter().any(|x| x == d)
    }
}

/// Milliseconds as seconds text (no trailing `.0`).
pub fn format_secs(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_writes_an_rrule_and_reads_it_back() {
        let mut f = CampaignForm::blank("kyoto", "2026-12-01");
        f.freq = "weekly".into();
        f.days = vec!["FR".into(), "MO".into()];
        f.times = "18:30, 09:30".into();
        f.until = "2026-12-31".into();
        assert_eq!(
            f.rrule_text().unwrap(),
            "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,18;BYMINUTE=30;UNTIL=20261231T235959Z"
        );
        let spec = f.recurrence().unwrap().unwrap();
        assert_eq!(spec.dtstart.to_string(), "2026-12-01T09:30:00");
        assert_eq!(spec.duration_ms, 3_600_000);
        let mut back = CampaignForm::default();
        back.set_recurrence(&spec);
        assert_eq!(back.freq, "weekly");
        assert_eq!(back.days, vec!["MO", "FR"]);
        assert_eq!(back.times, "09:30, 18:30");
        assert_eq!(back.until, "2026-12-31");
        f.times = "09:00, 18:30".into();
        assert_eq!(f.rrule_text(), Err("times"));
    }

    #[test]
    fn items_move_and_unknown_rules_stay_custom() {
        let mut f = CampaignForm::default();
        f.apply("add:image:a");
        f.apply("add:video:b");
        f.apply("add:html:c");
        f.apply("up:1");
        assert_eq!(f.items[0].media, "b");
        f.apply("down:0");
        f.apply("remove:0");
        assert_eq!(f.items.len(), 1);
        let spec = RecurrenceSpec {
            dtstart: "2026-01-01T08:00:00".parse().unwrap(),
            rrule: "FREQ=MONTHLY;BYMONTHDAY=1".into(),
            exdates: vec![],
            duration_ms: 90_000,
        };
        f.set_recurrence(&spec);
        assert_eq!(f.freq, "custom");
        assert_eq!(f.rrule, "FREQ=MONTHLY;BYMONTHDAY=1");
        assert_eq!(f.duration_min, "1.5");
    }
}
