//! Partners: the content owners (sister cities in the demo).

use crate::access::Actor;
use crate::audit::Audited;
use crate::error::{AppError, AppResult};
use crate::{revision, validate, App};
use twincast_store::{Page, PageRequest, Partner, PartnerInput, Role, StoreError};

/// Languages every partner must be named in.
pub const LANGS_REQUIRED: [&str; 3] = ["ru", "en", "zh"];

/// Continents a partner may be on.
pub const CONTINENTS: [&str; 7] = [
    "africa",
    "antarctica",
    "asia",
    "europe",
    "north_america",
    "oceania",
    "south_america",
];

/// Checks a partner's fields.
pub fn check(p: &PartnerInput) -> AppResult<()> {
    validate::slug("slug", &p.slug)?;
    for lang in LANGS_REQUIRED {
        match p.names.get(lang) {
            Some(n) if !n.trim().is_empty() => validate::text(&format!("names.{lang}"), n, 200)?,
            _ => {
                return Err(AppError::invalid(
                    "missing-name",
                    format!("names.{lang} is required (names in ru, en and zh)"),
                ))
            }
        }
    }
    for (lang, n) in &p.names {
        language_tag(lang)?;
        validate::text(&format!("names.{lang}"), n, 200)?;
    }
    if p.country.len() != 2 || !p.country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AppError::invalid(
            "invalid-country",
            format!(
                "country {:?} must be an ISO 3166-1 alpha-2 code such as DE",
                p.country
            ),
        ));
    }
    if !CONTINENTS.contains(&p.continent.as_str()) {
        return Err(AppError::invalid(
            "invalid-continent",
            format!(
                "continent {:?} must be one of {}",
                p.continent,
                CONTINENTS.join(", ")
            ),
        ));
    }
    validate::coords(p.lat, p.lon)?;
    if p.since.is_some_and(|y| !(1000..=9999).contains(&y)) {
        return Err(AppError::invalid(
            "invalid-year",
            "since must be a four-digit year",
        ));
    }
    validate::text("description", &p.description, 4000)?;
    for (lang, d) in &p.descriptions {
        language_tag(lang)?;
        validate::text(&format!("descriptions.{lang}"), d, 4000)?;
    }
    Ok(())
}

fn language_tag(lang: &str) -> AppResult<()> {
    if lang.is_empty()
        || lang.len() > 16
        || !lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(AppError::invalid(
            "invalid-language",
            format!("{lang:?} is not a language tag"),
        ));
    }
    Ok(())
}

impl App {
    /// Partners, by slug (public).
    pub async fn list_partners(
        &self,
        continent: Option<&str>,
        country: Option<&str>,
        page: &PageRequest,
    ) -> AppResult<Page<Partner>> {
        Ok(self.store.list_partners(continent, country, page).await?)
    }

    /// One partner by slug (public).
    pub async fn partner(&self, slug: &str) -> AppResult<Partner> {
        Ok(self.store.partner_by_slug(slug).await?)
    }

    /// A partner named in a request body: an unknown slug is `unknown-partner` (400), the same everywhere.
    pub async fn referenced_partner(&self, slug: &str) -> AppResult<Partner> {
        match self.store.partner_by_slug(slug).await {
            Ok(p) => Ok(p),
            Err(StoreError::NotFound) => Err(AppError::invalid(
                "unknown-partner",
                format!("no partner {slug:?}"),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Adds a partner (admins, operators).
    pub async fn create_partner(&self, actor: &Actor, input: &PartnerInput) -> AppResult<Partner> {
        actor.require(&[Role::Admin, Role::Operator])?;
        check(input)?;
        let entry = self
            .audit(actor, "partner.create", "")
            .partner(Some(&input.slug))
            .created(input);
        let p = self.store.create_partner(input, &entry).await?;
        self.portal_changed();
        Ok(p)
    }

    /// Replaces a partner's fields (admins, operators, or an editor of that partner, who cannot rename it), if it
    /// is still at version `if_match` (when given).
    pub async fn update_partner(
        &self,
        actor: &Actor,
        slug: &str,
        input: &PartnerInput,
        if_match: Option<i64>,
    ) -> AppResult<Partner> {
        actor.require_partner(slug)?;
        if actor.user.role == Role::PartnerEditor && input.slug != slug {
            return Err(AppError::forbidden(
                "only admins and operators can rename a partner",
            ));
        }
        check(input)?;
        let current = self.store.partner_by_slug(slug).await?;
        let entry = self
            .audit(actor, "partner.update", &current.id)
            .partner(Some(slug))
            .diff(&input_of(&current), input);
        let p = self
            .store
            .update_partner(&current.id, input, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        Ok(p)
    }

    /// Changes the fields a JSON merge patch names (same rules as [`App::update_partner`]).
    pub async fn patch_partner(
        &self,
        actor: &Actor,
        slug: &str,
        patch: &serde_json::Value,
        if_match: Option<i64>,
    ) -> AppResult<Partner> {
        actor.require_partner(slug)?;
        let current = self.store.partner_by_slug(slug).await?;
        let input = revision::merge_patch(&input_of(&current), patch)?;
        self.update_partner(actor, slug, &input, if_match).await
    }

    /// Deletes a partner that owns no media or campaigns (admins, operators), if still at version `if_match`.
    pub async fn delete_partner(
        &self,
        actor: &Actor,
        slug: &str,
        if_match: Option<i64>,
    ) -> AppResult<()> {
        actor.require(&[Role::Admin, Role::Operator])?;
        let current = self.store.partner_by_slug(slug).await?;
        let entry = self
            .audit(actor, "partner.delete", &current.id)
            .partner(Some(slug))
            .deleted(&input_of(&current));
        self.store
            .delete_partner(&current.id, revision::expected(if_match), &entry)
            .await?;
        self.portal_changed();
        Ok(())
    }
}

/// The input form of a stored partner (what a full update would send to keep it as it is).
pub fn input_of(p: &Partner) -> PartnerInput {
    PartnerInput {
        slug: p.slug.clone(),
        names: p.names.clone(),
        country: p.country.clone(),
        continent: p.continent.clone(),
        lat: p.lat,
        lon: p.lon,
        since: p.since,
        description: p.description.clone(),
        descriptions: p.descriptions.clone(),
        logo_media_id: p.logo_media_id.clone(),
    }
}
