//! The field rules of a story's input, as `invalid` errors that name their field (the `field` member of the
//! problem: a JSON path such as `versions.en.short_headline`), so that the console shows each beside its field.

use crate::error::{AppError, AppResult};
use twincast_core::news::rules::{self, BODY_MAX, HEADLINE_MAX, LEAD_MAX, TAGS_MAX};
use twincast_core::news::SourceKind;
use twincast_core::validate::Invalid;
use twincast_store::NewsArticleInput;

/// An `invalid` error about `field`.
pub fn field_error(field: &str, e: Invalid) -> AppError {
    AppError::invalid(e.code, e.message).with_member("field", field.into())
}

fn at(field: &str, r: Result<(), Invalid>) -> AppResult<()> {
    r.map_err(|e| field_error(field, e))
}

fn bad(field: &str, code: &'static str, message: String) -> AppError {
    field_error(field, Invalid { code, message })
}

/// Checks every field of a story; the first failure is reported (with its field).
pub fn check(a: &NewsArticleInput) -> AppResult<()> {
    if a.versions.is_empty() {
        return Err(bad(
            "versions",
            "missing-version",
            "versions: a story needs a version in at least one language (ru, en or zh)".into(),
        ));
    }
    for (lang, v) in &a.versions {
        let f = |name: &str| format!("versions.{lang}.{name}");
        at(
            &format!("versions.{lang}"),
            rules::lang(&format!("versions.{lang}"), lang),
        )?;
        at(
            &f("headline"),
            rules::text(&f("headline"), &v.headline, HEADLINE_MAX, true, false),
        )?;
        at(
            &f("short_headline"),
            rules::short_headline(&f("short_headline"), &v.short_headline),
        )?;
        at(
            &f("lead"),
            rules::text(&f("lead"), &v.lead, LEAD_MAX, false, true),
        )?;
        at(
            &f("body"),
            rules::text(&f("body"), &v.body, BODY_MAX, false, true),
        )?;
        at(
            &f("dateline_place"),
            rules::text(&f("dateline_place"), &v.dateline_place, 100, false, false),
        )?;
        at(
            &f("contact"),
            rules::text(&f("contact"), &v.contact, 2000, false, true),
        )?;
    }
    at("rubric", rules::rubric("rubric", &a.rubric))?;
    if a.tags.len() > TAGS_MAX {
        return Err(bad(
            "tags",
            "too-many-tags",
            format!("tags: at most {TAGS_MAX} tags"),
        ));
    }
    for (i, t) in a.tags.iter().enumerate() {
        let f = format!("tags[{i}]");
        at(&f, rules::tag(&f, t))?;
    }
    if !a.dateline_date.is_empty() {
        at(
            "dateline_date",
            rules::date("dateline_date", &a.dateline_date),
        )?;
    }
    match SourceKind::parse(&a.source.kind) {
        Some(SourceKind::Own) => {
            if a.source
                .original_id
                .as_deref()
                .is_some_and(|s| !s.is_empty())
            {
                return Err(bad(
                    "source.original_id",
                    "invalid-source",
                    "source.original_id: only a wire source has an original id".into(),
                ));
            }
        }
        Some(SourceKind::Wire) => {
            at(
                "source.name",
                rules::text("source.name", &a.source.name, 100, true, false),
            )?;
            match a.source.original_id.as_deref() {
                Some(id) if !id.trim().is_empty() => at(
                    "source.original_id",
                    rules::text("source.original_id", id, 500, true, false),
                )?,
                _ => {
                    return Err(bad(
                        "source.original_id",
                        "invalid-source",
                        "source.original_id: a wire story needs the id it has at its source".into(),
                    ))
                }
            }
        }
        None => {
            return Err(bad(
                "source.kind",
                "invalid-source",
                format!("source.kind: {:?} is neither own nor wire", a.source.kind),
            ))
        }
    }
    at(
        "source.name",
        rules::text("source.name", &a.source.name, 100, false, false),
    )?;
    if !a.source.url.is_empty() {
        at("source.url", rules::url("source.url", &a.source.url))?;
    }
    for (name, list) in [
        ("media_ids", &a.media_ids),
        ("partners", &a.partners),
        ("projects", &a.projects),
    ] {
        if list.len() > 50 {
            return Err(bad(name, "too-many", format!("{name}: at most 50")));
        }
        for (i, s) in list.iter().enumerate() {
            let f = format!("{name}[{i}]");
            at(&f, rules::text(&f, s, 100, true, false))?;
        }
    }
    if let (Some(e), Some(x)) = (a.embargo_until, a.expires_at) {
        if x <= e {
            return Err(bad(
                "expires_at",
                "invalid-expiry",
                "expires_at: a story must expire after its embargo ends".into(),
            ));
        }
    }
    Ok(())
}

/// `r` as an `invalid` error about `field`.
pub fn field_error_if(field: &str, r: Result<(), Invalid>) -> AppResult<()> {
    at(field, r)
}
