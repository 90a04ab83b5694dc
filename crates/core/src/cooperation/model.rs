//! The cooperation catalogue's types: projects, the field vocabulary and expressions of interest.

use serde::{Deserialize, Serialize};

/// A text in the portal's three languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
    /// Chinese (simplified).
    pub zh: String,
}

impl Localized {
    /// The text in `lang` (`ru`, `en`, `zh`); English for any other tag.
    pub fn get(&self, lang: &str) -> &str {
        match lang {
            "ru" => &self.ru,
            "zh" => &self.zh,
            _ => &self.en,
        }
    }

    /// `(language, text)` for ru, en, zh in that order.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [("ru", &self.ru), ("en", &self.en), ("zh", &self.zh)]
    }

    /// Sets the text of `lang`; other tags are ignored (returns false).
    pub fn set(&mut self, lang: &str, text: String) -> bool {
        match lang {
            "ru" => self.ru = text,
            "en" => self.en = text,
            "zh" => self.zh = text,
            _ => return false,
        }
        true
    }
}

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Agreed or being prepared; not started.
    Planned,
    /// Under way.
    Active,
    /// Finished.
    Completed,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 3] = [Status::Planned, Status::Active, Status::Completed];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Planned => "planned",
            Status::Active => "active",
            Status::Completed => "completed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The programme's themes (the forum's four kinds of cooperation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    /// People-to-people ties.
    PeopleToPeople,
    /// Industrial cooperation.
    IndustrialCooperation,
    /// Platform interaction.
    PlatformInteraction,
    /// Shared resources.
    SharedResources,
}

impl Theme {
    /// Every theme.
    pub const ALL: [Theme; 4] = [
        Theme::PeopleToPeople,
        Theme::IndustrialCooperation,
        Theme::PlatformInteraction,
        Theme::SharedResources,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::PeopleToPeople => "people-to-people",
            Theme::IndustrialCooperation => "industrial-cooperation",
            Theme::PlatformInteraction => "platform-interaction",
            Theme::SharedResources => "shared-resources",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A participating organisation's role, the IATI 2.03 OrganisationRole code list (1–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// 1: provides the funds.
    Funding,
    /// 2: accountable for the activity.
    Accountable,
    /// 3: manages the budget and direction on behalf of the funder.
    Extending,
    /// 4: carries the activity out.
    Implementing,
}

impl OrgRole {
    /// The IATI code.
    pub fn code(self) -> u8 {
        match self {
            OrgRole::Funding => 1,
            OrgRole::Accountable => 2,
            OrgRole::Extending => 3,
            OrgRole::Implementing => 4,
        }
    }

    /// From the IATI code.
    pub fn from_code(code: &str) -> Option<OrgRole> {
        match code.trim() {
            "1" => Some(OrgRole::Funding),
            "2" => Some(OrgRole::Accountable),
            "3" => Some(OrgRole::Extending),
            "4" => Some(OrgRole::Implementing),
            _ => None,
        }
    }
}

/// An organisation taking part in a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// Its name (one text; organisations keep their own name).
    pub name: String,
    /// Its IATI organisation identifier, if it has one (e.g. `GB-COH-123456`).
    #[serde(default)]
    pub iati_ref: Option<String>,
    /// IATI OrganisationType code (10 government, 15 other public sector, 21/22/23 NGOs, 30 PPP, 40 multilateral,
    /// 60 foundation, 70 private sector, 80 academic…), if known.
    #[serde(default)]
    pub org_type: Option<u16>,
    /// What it does in the project.
    pub role: OrgRole,
}

/// Who answers questions about a project (and receives expressions of interest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// A person's or office's name.
    pub name: String,
    /// E-mail address (expressions of interest are sent here).
    pub email: String,
    /// Telephone, free form (`+86 510 …`); may be empty.
    #[serde(default)]
    pub phone: String,
}

/// The fields of a new or changed project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    /// URL-safe short name, unique (the portal's `/{lang}/projects/{slug}`).
    pub slug: String,
    /// Title in ru/en/zh (all required).
    pub title: Localized,
    /// One-paragraph summary in ru/en/zh (all required).
    pub summary: Localized,
    /// Description in Markdown, ru/en/zh (may be empty).
    #[serde(default)]
    pub description: Localized,
    /// The host city's district or county (slug, e.g. `binhu`, `jiangyin`).
    pub district: String,
    /// The district's name in ru/en/zh (shown on facets).
    pub district_name: Localized,
    /// Partner cities (partner slugs).
    #[serde(default)]
    pub partners: Vec<String>,
    /// Partner countries and regions (ISO 3166-1 alpha-2: `DE`, `HK`, `MO`, `TW`…).
    #[serde(default)]
    pub countries: Vec<String>,
    /// Fields (slugs of the operator's field vocabulary).
    #[serde(default)]
    pub fields: Vec<String>,
    /// Themes.
    #[serde(default)]
    pub themes: Vec<Theme>,
    /// Where it stands.
    pub status: Status,
    /// Start date (`YYYY-MM-DD`): planned while planned, actual once active.
    #[serde(default)]
    pub start_date: Option<String>,
    /// End date (`YYYY-MM-DD`): planned until completed, then actual (required when completed).
    #[serde(default)]
    pub end_date: Option<String>,
    /// Organisations taking part, with their roles.
    #[serde(default)]
    pub organisations: Vec<Organisation>,
    /// Contact.
    pub contact: Contact,
    /// Media library ids (pictures, videos).
    #[serde(default)]
    pub media: Vec<String>,
    /// Related news items (opaque ids of the news desk).
    #[serde(default)]
    pub news: Vec<String>,
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Project {
    /// Stable identifier.
    pub id: String,
    /// Its fields.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::open_schema::<ProjectInput>))]
    pub data: ProjectInput,
    /// Creation time, epoch ms.
    pub created_at: i64,
    /// Last change, epoch ms.
    pub updated_at: i64,
    /// Row version: bumped by every change; send it back in `If-Match` to update.
    pub version: i64,
}

/// The fields of a new or changed field of cooperation (the operator's vocabulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FieldInput {
    /// URL-safe short name, unique (e.g. `artificial-intelligence`).
    pub slug: String,
    /// Name in ru/en/zh.
    pub names: Localized,
    /// OECD DAC CRS purpose codes (5 digits, e.g. `11330` vocational training).
    #[serde(default)]
    pub dac: Vec<u32>,
    /// UN Sustainable Development Goals (1–17).
    #[serde(default)]
    pub sdg: Vec<u8>,
}

/// A stored field of cooperation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Field {
    /// Stable identifier.
    pub id: String,
    /// Its fields.
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::open_schema::<FieldInput>))]
    pub data: FieldInput,
    /// Row version.
    pub version: i64,
}

/// What someone sends through a project's expression-of-interest form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterestInput {
    /// The interested organisation.
    pub organisation: String,
    /// Its country or region (ISO 3166-1 alpha-2).
    pub country: String,
    /// Contact person.
    pub name: String,
    /// Contact e-mail.
    pub email: String,
    /// The message.
    pub message: String,
    /// Consent to keep and forward these data until the retention date shown.
    pub consent: bool,
}

/// Where an expression of interest stands in the operators' inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InterestStatus {
    /// Not yet handled.
    New,
    /// Passed on to the project's people.
    Forwarded,
    /// Done.
    Closed,
}

impl InterestStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            InterestStatus::New => "new",
            InterestStatus::Forwarded => "forwarded",
            InterestStatus::Closed => "closed",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<InterestStatus> {
        [
            InterestStatus::New,
            InterestStatus::Forwarded,
            InterestStatus::Closed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}
