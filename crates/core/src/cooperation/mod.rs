//! The cooperation catalogue: the programme's cooperation projects between the host city's districts and
//! counties and partner cities, the operator's vocabulary of fields (mapped to OECD DAC purpose codes and SDG
//! goals), expressions of interest, faceted browsing and IATI 2.03 exchange. Pure: no IO.
//!
//! - [`model`]: the types ([`ProjectInput`], [`Project`], [`FieldInput`], [`InterestInput`]…).
//! - [`rules`]: every check, as a list of [`FieldError`]s (field path, stable code, message).
//! - [`facets()`]: which projects match a selection and the counts per value of each dimension.
//! - [`iati`]: IATI 2.03 activity XML out and in.

pub mod facets;
pub mod iati;
pub mod model;
pub mod rules;

pub use facets::{facets, matches, Facets, Selection};
pub use model::*;
pub use rules::{check_field, check_interest, check_project, country_codes, FieldError};
