//! The cooperation catalogue: projects, the field vocabulary, the public catalogue with its facets, IATI 2.03
//! export and import (`iati`), and expressions of interest (`interest`). Admins and operators manage projects
//! and fields; the catalogue is public (the portal shows it). The rules are `twincast_core::cooperation`'s.

mod interest;
mod portal;
pub use portal::{Picture, Related};

pub(crate) use interest::interest_email_text;
pub use interest::{
    FormToken, InterestForm, InterestStatusChange, InterestSweep, Submitted, INTEREST_EVENT,
};

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, App};
use serde::Serialize;
use std::collections::BTreeMap;
use twincast_core::cooperation::iati::{self, Reporter};
use twincast_core::cooperation::{
    check_field, check_project, facets, matches, Facets, Field, FieldError, FieldInput, Localized,
    Project, ProjectInput, Selection,
};
use twincast_store::{Role, StoreError};

/// Roles that manage the catalogue.
pub const MANAGERS: [Role; 2] = [Role::Admin, Role::Operator];

/// The catalogue's settings.
#[derive(Clone)]
pub struct CooperationSettings {
    /// The organisation named as `reporting-org` in IATI exports.
    pub reporter: Reporter,
    /// Days an expression of interest is kept (the retention date shown on the form).
    pub retention_days: i64,
    /// Shortest time between showing the form and submitting it, ms (faster is a robot).
    pub min_fill_ms: i64,
    /// Longest, ms (the form's token expires).
    pub max_fill_ms: i64,
    /// Key of the form tokens' HMAC (random per process unless set).
    pub form_key: Vec<u8>,
}

impl std::fmt::Debug for CooperationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CooperationSettings")
            .field("reporter", &self.reporter.iati_ref)
            .field("retention_days", &self.retention_days)
            .finish_non_exhaustive()
    }
}

impl Default for CooperationSettings {
    fn default() -> Self {
        use rand::RngCore;
        let mut key = vec![0u8; 32];
        rand::rng().fill_bytes(&mut key);
        CooperationSettings {
            reporter: Reporter {
                iati_ref: "XI-TWINCAST".into(),
                org_type: 10,
                name: Localized {
                    ru: "Программа городов-побратимов".into(),
                    en: "Sister-city programme".into(),
                    zh: "友好城市合作项目办公室".into(),
                },
            },
            retention_days: 180,
            min_fill_ms: 3_000,
            max_fill_ms: 24 * 3600 * 1000,
            form_key: key,
        }
    }
}

/// The public catalogue under a selection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Catalogue {
    /// The matching projects, by slug.
    pub items: Vec<Project>,
    /// Counts per value of each dimension (each applying the other dimensions' selection).
    pub facets: Facets,
    /// Projects in the catalogue.
    pub total: usize,
}

/// What an IATI import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// Projects added.
    pub created: usize,
    /// Projects replaced (same slug).
    pub updated: usize,
}

/// A refusal with each field's error (problem member `errors`: `[{field, code, message}]`).
pub fn field_errors(errors: Vec<FieldError>) -> AppError {
    let first = errors.first().cloned();
    let members = serde_json::to_value(&errors).unwrap_or_default();
    let (code, message) = match first {
        Some(e) => (e.code, e.message),
        None => ("invalid", "invalid input".to_string()),
    };
    AppError::invalid(code, message).with_member("errors", members)
}

fn today(ms: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| jiff::tz::TimeZone::UTC.to_datetime(t).date())
        .unwrap_or_default()
}

impl App {
    // ---- field vocabulary ----

    /// The field vocabulary (public).
    pub async fn coop_fields(&self) -> AppResult<Vec<Field>> {
        Ok(self.store.coop_fields().await?)
    }

    /// Adds a field (admins, operators).
    pub async fn create_coop_field(&self, actor: &Actor, input: &FieldInput) -> AppResult<Field> {
        actor.require(&MANAGERS)?;
        check_field(input).map_err(field_errors)?;
        let entry = self.audit(actor, "project_field.create", "").created(input);
        Ok(self.store.create_coop_field(input, &entry).await?)
    }

    /// Replaces a field's names and codes (admins, operators); its slug cannot change (projects name it).
    pub async fn update_coop_field(
        &self,
        actor: &Actor,
        slug: &str,
        input: &FieldInput,
        if_match: Option<i64>,
    ) -> AppResult<Field> {
        actor.require(&MANAGERS)?;
        check_field(input).map_err(field_errors)?;
        let current = self.store.coop_field(slug).await?;
        if input.slug != slug {
            return Err(AppError::invalid(
                "slug-immutable",
                "a field's slug cannot change (projects name fields by slug); add a new field instead",
            ));
        }
        let entry = self
            .audit(actor, "project_field.update", &current.id)
            .diff(&current.data, input);
        Ok(self
            .store
            .update_coop_field(&current.id, input, revision::expected(if_match), &entry)
            .await?)
    }

    /// Deletes a field no project uses (admins, operators).
    pub async fn delete_coop_field(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&MANAGERS)?;
        let current = self.store.coop_field(slug).await?;
        let users: Vec<String> = self
            .store
            .coop_projects()
            .await?
            .into_iter()
            .filter(|p| p.data.fields.iter().any(|f| f == slug))
            .map(|p| p.data.slug)
            .collect();
        if !users.is_empty() {
            return Err(AppError::conflict(
                "field-in-use",
                format!("projects use the field {slug:?}"),
            )
            .with_member("projects", serde_json::json!(users)));
        }
        let entry = self
            .audit(actor, "project_field.delete", &current.id)
            .deleted(&current.data);
        self.store
            .delete_coop_field(&current.id, revision::expected(if_match), &entry)
            .await?;
        Ok(())
    }

    // ---- projects ----

    /// The catalogue under `selection`, with its facets (public).
    pub async fn catalogue(&self, selection: &Selection) -> AppResult<Catalogue> {
        let all = self.store.coop_projects().await?;
        let facets = facets(all.iter().map(|p| &p.data), selection);
        let total = all.len();
        let items = all
            .into_iter()
            .filter(|p| matches(&p.data, selection))
            .collect();
        Ok(Catalogue {
            items,
            facets,
            total,
        })
    }

    /// One project by slug (public).
    pub async fn project(&self, slug: &str) -> AppResult<Project> {
        Ok(self.store.coop_project(slug).await?)
    }

    /// Checks a project against the rules and the catalogue: fields in the vocabulary, partners that exist.
    async fn check_project_input(&self, p: &ProjectInput) -> AppResult<()> {
        let vocab = self.store.coop_fields().await?;
        let slugs: Vec<&str> = vocab.iter().map(|f| f.data.slug.as_str()).collect();
        let mut errors = match check_project(p, &slugs, today(self.now_ms())) {
            Ok(()) => Vec::new(),
            Err(e) => e,
        };
        for (i, slug) in p.partners.iter().enumerate() {
            match self.store.partner_by_slug(slug).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => errors.push(FieldError {
                    field: format!("partners[{i}]"),
                    code: "unknown-partner",
                    message: format!("partners[{i}]: no partner {slug:?}"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(field_errors(errors))
        }
    }

    /// Adds a project (admins, operators).
    pub async fn create_project(&self, actor: &Actor, input: &ProjectInput) -> AppResult<Project> {
        actor.require(&MANAGERS)?;
        self.check_project_input(input).await?;
        let entry = self.audit(actor, "project.create", "").created(input);
        let p = self.store.create_coop_project(input, &entry).await?;
        self.portal_changed();
        Ok(p)
    }

    /// Replaces a project's fields (admins, operators), if still at version `if_match` (when given).
    pub async fn update_project(
        &self,
        actor: &Actor,
        slug: &str,
        input: &ProjectInput,
        if_match: Option<i64>,
    ) -> AppResult<Project> {
        actor.require(&MANAGERS)?;
        self.check_project_input(input).await?;
        let current = self.store.coop_project(slug).await?;
        let entry = self
            .audit(actor, "project.update", &current.id)
            .diff(&current.data, input);
        let p = self
            .store
            .update_coop_project(&current.id, input, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        Ok(p)
    }

    /// Deletes a project and its expressions of interest (admins, operators).
    pub async fn delete_project(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&MANAGERS)?;
        let current = self.store.coop_project(slug).await?;
        let entry = self
            .audit(actor, "project.delete", &current.id)
            .deleted(&current.data);
        self.store
            .delete_coop_project(&current.id, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        Ok(())
    }

    // ---- IATI ----

    /// The catalogue as an IATI 2.03 activity file (public).
    pub async fn iati_export(&self) -> AppResult<String> {
        let projects = self.store.coop_projects().await?;
        let fields: Vec<FieldInput> = self
            .store
            .coop_fields()
            .await?
            .into_iter()
            .map(|f| f.data)
            .collect();
        let partners: BTreeMap<String, Localized> = self
            .store
            .all_partners()
            .await?
            .into_iter()
            .map(|p| {
                let name = |l: &str| p.names.get(l).cloned().unwrap_or_default();
                let loc = Localized {
                    ru: name("ru"),
                    en: name("en"),
                    zh: name("zh"),
                };
                (p.slug, loc)
            })
            .collect();
        Ok(iati::export(
            &projects,
            &fields,
            &partners,
            &self.settings.cooperation.reporter,
            self.now_ms(),
        ))
    }

    /// Imports an IATI 2.0x activity file (admins, operators): every activity is checked like a create; one bad
    /// activity refuses the whole file (nothing is written), otherwise all are written in one transaction (an
    /// existing slug is replaced).
    pub async fn iati_import(&self, actor: &Actor, xml: &[u8]) -> AppResult<ImportReport> {
        actor.require(&MANAGERS)?;
        let projects = iati::import(xml).map_err(|e| {
            let code = match e {
                iati::IatiError::TooLarge(_) => "iati-too-large",
                iati::IatiError::Dtd => "iati-dtd",
                iati::IatiError::UndefinedEntity(_) => "iati-entity",
                iati::IatiError::Xml(_) => "iati-not-well-formed",
                iati::IatiError::NotIati(_) => "iati-not-activities",
                iati::IatiError::Activity { .. } => "iati-activity",
            };
            AppError::invalid(code, e.to_string())
        })?;
        for (i, p) in projects.iter().enumerate() {
            if let Err(e) = self.check_project_input(p).await {
                let (inner, members) = e.split_members();
                let err = AppError::invalid(
                    "iati-activity",
                    format!("activity {i} ({}): {}", p.slug, inner.public_message()),
                )
                .with_member("activity", serde_json::json!(i));
                return Err(match members.get("errors") {
                    Some(v) => err.with_member("errors", v.clone()),
                    None => err,
                });
            }
        }
        for (i, p) in projects.iter().enumerate() {
            if projects[..i].iter().any(|q| q.slug == p.slug) {
                return Err(AppError::invalid(
                    "iati-activity",
                    format!(
                        "activity {i}: the slug {:?} appears twice in the file",
                        p.slug
                    ),
                ));
            }
        }
        let (created, updated) = self
            .store
            .import_coop_projects(&projects, |i, id| {
                let action = if id.is_some() {
                    "project.import_update"
                } else {
                    "project.import"
                };
                self.audit(actor, action, id.unwrap_or(""))
                    .created(&projects[i])
            })
            .await?;
        self.portal_changed();
        Ok(ImportReport { created, updated })
    }
}
