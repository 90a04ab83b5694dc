//! twincast-demo: the data and locally generated media of the demo deployment that `twincast demo` seeds.
//!
//! The demo deployment is the one the project was created from (see `/work/shared/seed/README.md`): the city of
//! Wuxi (Jiangsu, China) shows promotional videos of its sister and friendship cities — 29 partners in 24 countries
//! on 5 continents — on public screens at the airport, on Nanchang Street, in the metro and at bus terminals.
//!
//! Everything here is static data or a pure function of it:
//! - [`host_city`], [`partners`], [`locations`] (with their screens) and [`headlines`] return `'static` data and do
//!   no IO;
//! - [`partner_card_png`] draws a postcard PNG for a partner in memory, in one of the three languages, with the
//!   typefaces the caller hands in as bytes ([`Fonts`]; without them, a built-in bitmap font);
//! - [`partner_video_frames`] draws the still frames of a partner's video and [`partner_video_args`] builds the
//!   ffmpeg command line that animates them into a short H.264 video. Writing the frames and running ffmpeg is left
//!   to the caller.
//!
//! Architecture invariant: this crate does no IO and depends on no other Twincast crate, so any crate (CLI, store,
//! server) may use it to seed or to test. Font files are found and read by the caller.

mod card;
mod flag;
mod font;
mod headlines;
mod locations;
mod news;
mod partners;
mod raster;
mod text;
mod video;
mod words;
mod worldmap;

pub use card::{partner_card_png, MAX_CARD_SIDE};
pub use headlines::headlines;
pub use locations::locations;
pub use news::{news, Story, StoryText};
pub use partners::{host_city, partner_by_slug, partners};
pub use text::{Fonts, Weight};
pub use video::{
    partner_video_args, partner_video_frames, VideoFrame, VIDEO_FPS, VIDEO_HEIGHT, VIDEO_SECONDS,
    VIDEO_WIDTH,
};

use serde::Serialize;

/// Errors of the media functions. The data functions cannot fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemoError {
    /// A card was asked with a zero or too large side.
    #[error("card size {width}x{height} is out of range (each side must be 1..={max})")]
    BadCardSize {
        /// Asked width in pixels.
        width: u32,
        /// Asked height in pixels.
        height: u32,
        /// Largest accepted side.
        max: u32,
    },
    /// The output path of a video is not valid UTF-8, so it cannot be passed as a `String` argument.
    #[error("output path is not valid UTF-8: {0}")]
    NonUtf8Path(String),
    /// The output path is empty.
    #[error("output path is empty")]
    EmptyPath,
    /// The PNG encoder failed (should not happen for valid sizes).
    #[error("PNG encoding failed: {0}")]
    Png(String),
    /// Font bytes handed to [`Fonts::add`] could not be read as a font.
    #[error("not a usable font: {0}")]
    Font(String),
}

/// A language of the demo: every name, description and headline exists in these three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Russian.
    Ru,
    /// English.
    En,
    /// Chinese (simplified characters).
    Zh,
}

impl Lang {
    /// The three languages, in the order ru, en, zh.
    pub const ALL: [Lang; 3] = [Lang::Ru, Lang::En, Lang::Zh];

    /// The language tag (`"ru"`, `"en"`, `"zh"`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parse a [`Lang::code`]; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}

/// A name in the three languages every partner carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Names {
    /// Russian exonym.
    pub ru: &'static str,
    /// English name.
    pub en: &'static str,
    /// Chinese exonym (simplified characters).
    pub zh: &'static str,
}

impl Names {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// A continent, in the seven-continent model (only five are used by the demo partners).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Continent {
    /// Africa.
    Africa,
    /// Asia.
    Asia,
    /// Europe.
    Europe,
    /// North America (incl. Central America and the Caribbean).
    NorthAmerica,
    /// Oceania.
    Oceania,
    /// South America.
    SouthAmerica,
}

impl Continent {
    /// Stable snake_case code, as used in the API (`"north_america"`).
    pub fn code(self) -> &'static str {
        match self {
            Continent::Africa => "africa",
            Continent::Asia => "asia",
            Continent::Europe => "europe",
            Continent::NorthAmerica => "north_america",
            Continent::Oceania => "oceania",
            Continent::SouthAmerica => "south_america",
        }
    }

    /// Parse a [`Continent::code`]; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Continent> {
        [
            Continent::Africa,
            Continent::Asia,
            Continent::Europe,
            Continent::NorthAmerica,
            Continent::Oceania,
            Continent::SouthAmerica,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, as used in CSS and JSON.
    pub fn to_hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// `0xRRGGBB`, the colour syntax of ffmpeg filters.
    pub fn to_ffmpeg(self) -> String {
        format!("0x{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

impl Serialize for Rgb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// The city that runs the screen network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HostCity {
    /// ASCII kebab-case identifier.
    pub slug: &'static str,
    /// Names in ru/en/zh.
    pub names: Names,
    /// Province or state.
    pub region: &'static str,
    /// ISO 3166-1 alpha-2 country code.
    pub country: &'static str,
    /// Continent.
    pub continent: Continent,
    /// Latitude in degrees (WGS 84).
    pub lat: f64,
    /// Longitude in degrees (WGS 84).
    pub lon: f64,
    /// IANA time zone.
    pub tz: &'static str,
}

/// A content partner of the demo network: a sister or friendship city of the host city.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Partner {
    /// ASCII kebab-case identifier, unique.
    pub slug: &'static str,
    /// Names in ru/en/zh.
    pub names: Names,
    /// ISO 3166-1 alpha-2 country code (upper case).
    pub country: &'static str,
    /// Continent.
    pub continent: Continent,
    /// Latitude in degrees (WGS 84), city centre, ~0.01° precision.
    pub lat: f64,
    /// Longitude in degrees (WGS 84), city centre, ~0.01° precision.
    pub lon: f64,
    /// Year the relationship (or its first letter of intent) was signed, where known.
    pub since: Option<u16>,
    /// One sentence about the city in ru, en and zh, for cards, videos and the portal (see
    /// [`Partner::description`]).
    pub description: Names,
    /// Main colours of the country's flag, in the order of its bands or most prominent first (at least two).
    pub flag_colors: &'static [Rgb],
    /// `true` when the relationship with the host city was confirmed from a public source while compiling the
    /// data; `false` marks a plausible real city chosen to fill a country whose exact partner was not found.
    pub verified: bool,
}

impl Partner {
    /// The one-sentence description in `lang`.
    pub fn description(&self, lang: Lang) -> &'static str {
        self.description.get(lang)
    }
}

/// The kind of place a group of screens stands at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    /// An airport terminal.
    Airport,
    /// A street or square.
    Street,
    /// A metro station.
    Metro,
    /// A bus terminal or coach station.
    BusTerminal,
}

impl LocationKind {
    /// Stable code used by the API (`GET /api/v1/screens?location_kind=KIND`).
    pub fn code(self) -> &'static str {
        match self {
            LocationKind::Airport => "airport",
            LocationKind::Street => "street",
            LocationKind::Metro => "metro",
            LocationKind::BusTerminal => "bus_terminal",
        }
    }
}

/// How a screen is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Wider than tall.
    Landscape,
    /// Taller than wide.
    Portrait,
}

/// A public screen of the demo network.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Screen {
    /// ASCII kebab-case identifier, unique across all locations.
    pub slug: &'static str,
    /// Human-readable name (English).
    pub name: &'static str,
    /// Latitude in degrees (WGS 84).
    pub lat: f64,
    /// Longitude in degrees (WGS 84).
    pub lon: f64,
    /// IANA time zone (`Asia/Shanghai` for every demo screen).
    pub tz: &'static str,
    /// Panel width in pixels, as mounted.
    pub width: u32,
    /// Panel height in pixels, as mounted.
    pub height: u32,
    /// Mounting orientation (agrees with width/height).
    pub orientation: Orientation,
    /// Free-form tags (`"indoor"`, `"ticker"`, ...). Screens tagged `ticker` show the news ticker.
    pub tags: &'static [&'static str],
}

/// A place with screens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Location {
    /// ASCII kebab-case identifier, unique.
    pub slug: &'static str,
    /// Names in ru/en/zh.
    pub names: Names,
    /// Kind of place.
    pub kind: LocationKind,
    /// Latitude in degrees (WGS 84).
    pub lat: f64,
    /// Longitude in degrees (WGS 84).
    pub lon: f64,
    /// Screens at this place (2 to 4).
    pub screens: &'static [Screen],
    /// The language the screens here show their text (the news ticker) in.
    pub lang: Lang,
}

/// A news headline for the screens' ticker and the news desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// ASCII kebab-case identifier, unique.
    pub slug: &'static str,
    /// Publication date, ISO 8601 (`YYYY-MM-DD`).
    pub date: &'static str,
    /// Russian text, condensed from the seed document.
    pub ru: &'static str,
    /// English translation.
    pub en: &'static str,
    /// Chinese translation (simplified characters).
    pub zh: &'static str,
}

impl Headline {
    /// The headline in `lang`.
    pub fn text(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ru => self.ru,
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

/// Great-circle distance in kilometres between two WGS 84 points (haversine, mean Earth radius).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().min(1.0).asin()
}

/// `true` for a non-empty ASCII kebab-case identifier: `[a-z0-9]+(-[a-z0-9]+)*`.
pub fn is_kebab_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continent_codes_round_trip() {
        for c in [
            Continent::Africa,
            Continent::Asia,
            Continent::Europe,
            Continent::NorthAmerica,
            Continent::Oceania,
            Continent::SouthAmerica,
        ] {
            assert_eq!(Continent::from_code(c.code()), Some(c));
        }
        assert_eq!(Continent::from_code("Europe"), None);
        assert_eq!(Continent::from_code(""), None);
    }

    #[test]
    fn lang_codes_round_trip() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
        }
        assert_eq!(Lang::from_code("de"), None);
        let n = Names {
            ru: "р",
            en: "e",
            zh: "中",
        };
        assert_eq!(
            (n.get(Lang::Ru), n.get(Lang::En), n.get(Lang::Zh)),
            ("р", "e", "中")
        );
    }

    #[test]
    fn rgb_formats() {
        assert_eq!(Rgb(255, 0, 10).to_hex(), "#ff000a");
        assert_eq!(Rgb(255, 0, 10).to_ffmpeg(), "0xFF000A");
        assert_eq!(serde_json::to_string(&Rgb(1, 2, 3)).unwrap(), "\"#010203\"");
    }

    #[test]
    fn kebab_slugs() {
        for ok in ["a", "san-antonio", "x1-2"] {
            assert!(is_kebab_slug(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "San", "a_b", "zielona góra", "a b"] {
            assert!(!is_kebab_slug(bad), "{bad}");
        }
    }

    #[test]
    fn distance_known_pair() {
        // Shanghai Pudong (31.14, 121.81) to Tokyo Haneda (35.55, 139.78): about 1,760 km.
        let d = distance_km(31.14, 121.81, 35.55, 139.78);
        assert!((1700.0..1820.0).contains(&d), "{d}");
        assert!(distance_km(10.0, 20.0, 10.0, 20.0).abs() < 1e-9);
    }
}
