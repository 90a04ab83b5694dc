//! Faceted browsing of the catalogue: which projects match a selection of field × district × country × status,
//! and for each dimension how many projects each value would give. A dimension's counts apply the selection of
//! the *other* dimensions only, so that a reader sees what choosing another value there would give.

use super::model::{ProjectInput, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A selection: at most one value per dimension (`None`: any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct Selection {
    /// A field slug.
    pub field: Option<String>,
    /// A district slug.
    pub district: Option<String>,
    /// A country code.
    pub country: Option<String>,
    /// A status.
    pub status: Option<Status>,
}

/// The four dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// Field of cooperation.
    Field,
    /// District or county.
    District,
    /// Partner country or region.
    Country,
    /// Status.
    Status,
}

impl Dim {
    /// Every dimension.
    pub const ALL: [Dim; 4] = [Dim::Field, Dim::District, Dim::Country, Dim::Status];
}

/// Counts per value of each dimension (values sorted; zero counts left out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facets {
    /// Field slug → projects.
    pub field: BTreeMap<String, usize>,
    /// District slug → projects.
    pub district: BTreeMap<String, usize>,
    /// Country code → projects.
    pub country: BTreeMap<String, usize>,
    /// Status → projects.
    pub status: BTreeMap<String, usize>,
}

/// The values of dimension `d` a project has.
pub fn values(p: &ProjectInput, d: Dim) -> Vec<String> {
    match d {
        Dim::Field => p.fields.clone(),
        Dim::District => vec![p.district.clone()],
        Dim::Country => p.countries.clone(),
        Dim::Status => vec![p.status.as_str().to_string()],
    }
}

fn chosen(s: &Selection, d: Dim) -> Option<String> {
    match d {
        Dim::Field => s.field.clone(),
        Dim::District => s.district.clone(),
        Dim::Country => s.country.clone(),
        Dim::Status => s.status.map(|x| x.as_str().to_string()),
    }
}

fn matches_except(p: &ProjectInput, s: &Selection, skip: Option<Dim>) -> bool {
    Dim::ALL
        .into_iter()
        .filter(|d| Some(*d) != skip)
        .all(|d| match chosen(s, d) {
            None => true,
            Some(v) => values(p, d).contains(&v),
        })
}

/// Whether a project matches the whole selection.
pub fn matches(p: &ProjectInput, s: &Selection) -> bool {
    matches_except(p, s, None)
}

/// The facet counts of `projects` under selection `s`.
pub fn facets<'a>(
    projects: impl IntoIterator<Item = &'a ProjectInput> + Clone,
    s: &Selection,
) -> Facets {
    let mut out = Facets::default();
    for d in Dim::ALL {
        let map = match d {
            Dim::Field => &mut out.field,
            Dim::District => &mut out.district,
            Dim::Country => &mut out.country,
            Dim::Status => &mut out.status,
        };
        for p in projects.clone() {
            if matches_except(p, s, Some(d)) {
                let mut vs = values(p, d);
                vs.sort();
                vs.dedup();
                for v in vs {
                    *map.entry(v).or_default() += 1;
                }
            }
        }
    }
    out
}
