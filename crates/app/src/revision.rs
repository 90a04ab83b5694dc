//! Changing a resource that someone else may be changing too: versions (`If-Match`) and partial updates.
//!
//! Every update and delete takes `if_match: Option<i64>`, the version the caller read: `None` (no `If-Match`)
//! changes whatever is current; a version that is no longer current fails with [`AppError::Stale`] (412) and
//! changes nothing. A partial update is a JSON Merge Patch (RFC 7396) applied to the resource's input form, which
//! is then validated like a full replacement, so both paths share every rule.

use crate::error::{AppError, AppResult};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The version a store write must find (0 = any), from an optional `If-Match`.
pub fn expected(if_match: Option<i64>) -> i64 {
    if_match.unwrap_or(0)
}

/// Applies the RFC 7396 merge patch `patch` to `current` and reads the result back as `T`. Unknown fields and
/// wrong types are `invalid-patch` (400).
pub fn merge_patch<T: Serialize + DeserializeOwned>(
    current: &T,
    patch: &serde_json::Value,
) -> AppResult<T> {
    if !patch.is_object() {
        return Err(AppError::invalid(
            "invalid-patch",
            "a merge patch must be a JSON object",
        ));
    }
    let mut doc = serde_json::to_value(current).map_err(AppError::internal)?;
    json_patch::merge(&mut doc, patch);
    serde_json::from_value(doc).map_err(|e| AppError::invalid("invalid-patch", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct T {
        name: String,
        lat: Option<f64>,
        tags: Vec<String>,
    }

    #[test]
    fn merge_patch_changes_named_fields_and_clears_nulls() {
        let cur = T {
            name: "a".into(),
            lat: Some(1.0),
            tags: vec!["x".into()],
        };
        let t: T = merge_patch(&cur, &json!({"name": "b", "lat": null})).unwrap();
        assert_eq!(
            t,
            T {
                name: "b".into(),
                lat: None,
                tags: vec!["x".into()]
            }
        );
        let e = merge_patch(&cur, &json!({"nope": 1})).unwrap_err();
        assert_eq!(e.code(), "invalid-patch");
        let e = merge_patch(&cur, &json!({"name": 5})).unwrap_err();
        assert_eq!(e.code(), "invalid-patch");
        assert_eq!(
            merge_patch(&cur, &json!([1])).unwrap_err().code(),
            "invalid-patch"
        );
    }
}
