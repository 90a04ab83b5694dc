//! Building audit entries: who (the [`Actor`]), when (the app clock), what (action, resource, id, partner) and the
//! fields that changed. The store writes an entry in the transaction of its change (`twincast_store::audit`).
//!
//! Every operation that changes state builds one entry with [`App::audit`] and hands it to the store write:
//!
//! ```ignore
//! let entry = self.audit(actor, "screen.update", &id).partner(None).diff(&before, &after);
//! self.store.update_screen(&id, &patch, expected_version, &entry).await?;
//! ```

use crate::access::Actor;
use crate::App;
use serde::Serialize;
use serde_json::{Map, Value};
pub use twincast_store::{AuditEntry, AuditFilter};

/// The system's own name in the audit log (background workers).
pub const SYSTEM_ACTOR: &str = "system";

impl App {
    /// An entry for `actor` doing `action` (`resource.verb`) on `resource_id`, at the app clock's now, with no
    /// changes yet (add them with [`Audited::diff`], [`Audited::created`], [`Audited::deleted`]).
    ///
    /// A person is about to change something: the reads the console keeps are dropped ([`crate::reads`]).
    pub fn audit(&self, actor: &Actor, action: &str, resource_id: &str) -> AuditEntry {
        self.reads.changed();
        AuditEntry {
            id: String::new(),
            at: self.now_ms(),
            actor_id: (!actor.user.id.is_empty()).then(|| actor.user.id.clone()),
            actor: actor.user.username.clone(),
            via: actor.via.as_str().to_string(),
            via_id: match &actor.via {
                crate::access::Via::Token(id) => Some(id.clone()),
                _ => None,
            },
            action: action.to_string(),
            resource: action.split('.').next().unwrap_or(action).to_string(),
            resource_id: resource_id.to_string(),
            partner: None,
            changes: Value::Object(Map::new()),
        }
    }

    /// An entry for Twincast itself (a background worker) doing `action` on `resource_id`.
    pub fn audit_system(&self, action: &str, resource_id: &str) -> AuditEntry {
        AuditEntry::by_system(action, resource_id, self.now_ms())
    }
}

/// Builder methods on an [`AuditEntry`].
pub trait Audited: Sized {
    /// The partner (slug) the resource belongs to.
    fn partner(self, slug: Option<&str>) -> Self;
    /// The fields that differ between `before` and `after` (both serialised to JSON objects), as
    /// `{"field": [before, after]}`. Secrets must not be in either (serialise a view without them).
    fn diff<T: Serialize>(self, before: &T, after: &T) -> Self;
    /// Every field of a new resource, as `{"field": [null, value]}`.
    fn created<T: Serialize>(self, after: &T) -> Self;
    /// Every field of a removed resource, as `{"field": [value, null]}`.
    fn deleted<T: Serialize>(self, before: &T) -> Self;
    /// One named change.
    fn field(self, name: &str, before: Value, after: Value) -> Self;
}

fn object<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        Ok(other) => Map::from_iter([("value".to_string(), other)]),
        Err(_) => Map::new(),
    }
}

fn changes_mut(e: &mut AuditEntry) -> &mut Map<String, Value> {
    if !e.changes.is_object() {
        e.changes = Value::Object(Map::new());
    }
    e.changes.as_object_mut().expect("object")
}

impl Audited for AuditEntry {
    fn partner(mut self, slug: Option<&str>) -> Self {
        self.partner = slug.map(str::to_string);
        self
    }

    fn diff<T: Serialize>(mut self, before: &T, after: &T) -> Self {
        let (b, a) = (object(before), object(after));
        let c = changes_mut(&mut self);
        for (k, av) in &a {
            let bv = b.get(k).cloned().unwrap_or(Value::Null);
            if &bv != av {
                c.insert(k.clone(), Value::Array(vec![bv, av.clone()]));
            }
        }
        for (k, bv) in &b {
            if !a.contains_key(k) {
                c.insert(k.clone(), Value::Array(vec![bv.clone(), Value::Null]));
            }
        }
        self
    }

    fn created<T: Serialize>(mut self, after: &T) -> Self {
        let c = changes_mut(&mut self);
        for (k, v) in object(after) {
            c.insert(k, Value::Array(vec![Value::Null, v]));
        }
        self
    }

    fn deleted<T: Serialize>(mut self, before: &T) -> Self {
        let c = changes_mut(&mut self);
        for (k, v) in object(before) {
            c.insert(k, Value::Array(vec![v, Value::Null]));
        }
        self
    }

    fn field(mut self, name: &str, before: Value, after: Value) -> Self {
        changes_mut(&mut self).insert(name.to_string(), Value::Array(vec![before, after]));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn blank() -> AuditEntry {
        AuditEntry {
            id: String::new(),
            at: 0,
            actor_id: None,
            actor: "a".into(),
            via: "cli".into(),
            via_id: None,
            action: "screen.update".into(),
            resource: "screen".into(),
            resource_id: "s1".into(),
            partner: None,
            changes: json!({}),
        }
    }

    #[test]
    fn diff_keeps_only_changed_fields() {
        let e = blank().diff(
            &json!({"name": "A", "tags": ["x"], "gone": 1}),
            &json!({"name": "B", "tags": ["x"], "new": true}),
        );
        assert_eq!(
            e.changes,
            json!({"name": ["A", "B"], "gone": [1, null], "new": [null, true]})
        );
    }

    #[test]
    fn created_and_deleted_list_every_field() {
        assert_eq!(
            blank().created(&json!({"a": 1})).changes,
            json!({"a": [null, 1]})
        );
        assert_eq!(
            blank().deleted(&json!({"a": 1})).changes,
            json!({"a": [1, null]})
        );
    }
}
