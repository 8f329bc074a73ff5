//! The catalog: administrations with their areas, operations and projects, and the permissions
//! that can be ordered with the schema of their details.

use crate::id::Slug;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A named choice of an administration (area, operation or project).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The slug.
    pub id: Slug,
    /// The Swedish display name.
    pub name: String,
}

/// An administration (förvaltning / vårdgivare) and what may be chosen in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administration {
    /// The slug, e.g. `wasterlakarna`.
    pub id: Slug,
    /// The display name, e.g. "Wästerläkarna".
    pub name: String,
    /// Områden (mandatory choice).
    pub areas: Vec<Choice>,
    /// Verksamheter (mandatory choice).
    pub operations: Vec<Choice>,
    /// Projekt (optional choice).
    pub projects: Vec<Choice>,
    /// The permissions that can be ordered here; empty means every permission of the catalog.
    #[serde(default)]
    pub permissions: Vec<Slug>,
}

impl Administration {
    /// Whether `permission` may be ordered in this administration.
    pub fn offers(&self, permission: &str) -> bool {
        self.permissions.is_empty() || self.permissions.iter().any(|p| p == permission)
    }
}

/// Whether a permission is a regional system or a national care service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionScope {
    /// A regional system (Flexlab, SURF, …).
    Regional,
    /// A national care service (NPÖ), ordered per care unit.
    National,
}

/// The type of one detail field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DetailKind {
    /// Free text of at most `max_len` characters.
    Text {
        /// Longest accepted text, in characters.
        max_len: usize,
    },
    /// One of the allowed values.
    Choice {
        /// The allowed values.
        allowed: Vec<String>,
    },
    /// A list of `min ..= max` distinct texts (e.g. Avdelning(ar)).
    List {
        /// Fewest entries.
        min: usize,
        /// Most entries.
        max: usize,
        /// Longest entry, in characters.
        max_len: usize,
    },
}

/// One field of a permission's details (Uppgifter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetailField {
    /// The key in the draft's `details` object, e.g. `role`.
    pub key: String,
    /// The Swedish label, e.g. "Behörighetsroll".
    pub label: String,
    /// Whether the field must be given.
    pub required: bool,
    /// What values are valid.
    #[serde(flatten)]
    pub kind: DetailKind,
}

/// How many care units a national service needs (R6: one to four).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareUnitRule {
    /// Fewest care units.
    pub min: usize,
    /// Most care units.
    pub max: usize,
}

/// A permission of the catalog (Behörighet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    /// The slug, e.g. `npo`.
    pub id: Slug,
    /// The display name, e.g. "NPÖ – Nationell patientöversikt".
    pub name: String,
    /// Regional system or national care service.
    pub scope: PermissionScope,
    /// The detail schema.
    #[serde(default)]
    pub details: Vec<DetailField>,
    /// Care units needed (national care services only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub care_units: Option<CareUnitRule>,
}

/// A detail value as the draft carries it: one text or a list of texts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DetailValue {
    /// One text.
    One(String),
    /// Several texts.
    Many(Vec<String>),
}

/// A permission's details: field key → value, in key order (which keeps encodings canonical).
pub type Details = BTreeMap<String, DetailValue>;

/// The whole catalog.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Every administration.
    pub administrations: Vec<Administration>,
    /// Every permission.
    pub permissions: Vec<Permission>,
}

impl Catalog {
    /// The administration with this slug.
    pub fn administration(&self, id: &str) -> Option<&Administration> {
        self.administrations.iter().find(|a| a.id == id)
    }

    /// The permission with this slug.
    pub fn permission(&self, id: &str) -> Option<&Permission> {
        self.permissions.iter().find(|p| p.id == id)
    }

    /// The permissions offered in an administration.
    pub fn permissions_of<'a>(
        &'a self,
        admin: &'a Administration,
    ) -> impl Iterator<Item = &'a Permission> + 'a {
        self.permissions.iter().filter(move |p| admin.offers(&p.id))
    }

    /// The demo catalog of PRODUCT.md (Wästerläkarna, SU, VGR IT; Flexlab, SURF, Ivarätt,
    /// Obstetrix, Postop, NPÖ), from `demo/catalog.json`.
    pub fn demo() -> Catalog {
        // The file is part of the crate and checked by a test, so a parse failure here is a
        // build defect; an empty catalog is the safe fallback for the type system.
        serde_json::from_str(include_str!("../demo/catalog.json"))
            .unwrap_or(Catalog { administrations: Vec::new(), permissions: Vec::new() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_parses_and_is_whole() {
        let c: Catalog = serde_json::from_str(include_str!("../demo/catalog.json")).unwrap();
        for a in ["wasterlakarna", "su", "vgrit"] {
            let adm = c.administration(a).unwrap();
            assert!(
                !adm.areas.is_empty() && !adm.operations.is_empty() && !adm.projects.is_empty()
            );
        }
        for p in ["flexlab", "surf", "ivaratt", "obstetrix", "postop", "npo"] {
            assert!(c.permission(p).is_some(), "{p}");
        }
        let npo = c.permission("npo").unwrap();
        assert_eq!(npo.care_units, Some(CareUnitRule { min: 1, max: 4 }));
        assert_eq!(c, Catalog::demo());
    }

    #[test]
    fn detail_values_are_untagged() {
        let d: Details =
            serde_json::from_str(r#"{"role":"Koordinator","departments":["AnOpIVA","SS"]}"#)
                .unwrap();
        assert_eq!(d["role"], DetailValue::One("Koordinator".into()));
        assert_eq!(d["departments"], DetailValue::Many(vec!["AnOpIVA".into(), "SS".into()]));
        assert!(serde_json::from_str::<Details>(r#"{"role": 3}"#).is_err());
    }
}
