//! Directory facts: the plain data the directory port (KIV/HSA) returns.

use crate::id::{HsaId, PassportNumber, Personnummer, Slug, VgrId};
use serde::{Deserialize, Serialize};

/// A person as KIV knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// HSA-id.
    pub hsa_id: HsaId,
    /// VGR-ID (KIV user name), if one has been set up.
    #[serde(default)]
    pub vgr_id: Option<VgrId>,
    /// Förnamn.
    pub given_name: String,
    /// Efternamn.
    pub surname: String,
    /// Personnummer or samordningsnummer.
    #[serde(default)]
    pub personnummer: Option<Personnummer>,
    /// Passport number, for people without a Swedish number.
    #[serde(default)]
    pub passport: Option<PassportNumber>,
    /// Titel.
    #[serde(default)]
    pub title: Option<String>,
    /// Ansvarsnummer.
    #[serde(default)]
    pub responsibility_number: Option<String>,
    /// Whether the person is a student (R2 exception).
    #[serde(default)]
    pub student: bool,
    /// E-mail address for notifications.
    #[serde(default)]
    pub mail: Option<String>,
    /// Administrations the person belongs to and may order for.
    #[serde(default)]
    pub administrations: Vec<Slug>,
    /// Administrations where the person may attest.
    #[serde(default)]
    pub attest_for: Vec<Slug>,
    /// Whether this identity is the service desk (role `service_desk`).
    #[serde(default)]
    pub service_desk: bool,
}

impl Person {
    /// "Förnamn Efternamn".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.surname)
    }

    /// "Förnamn Efternamn (vgr-id)" as the guide shows people.
    pub fn display(&self) -> String {
        match &self.vgr_id {
            Some(v) => format!("{} ({})", self.full_name(), v),
            None => self.full_name(),
        }
    }

    /// Whether the person may attest in `administration`.
    pub fn may_attest(&self, administration: &str) -> bool {
        self.attest_for.iter().any(|a| a == administration)
    }

    /// Whether the person may order for `administration`.
    pub fn may_order_for(&self, administration: &str) -> bool {
        self.administrations.iter().any(|a| a == administration)
    }
}

/// A KIV organisational unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// HSA-id of the unit.
    pub hsa_id: HsaId,
    /// Display name.
    pub name: String,
    /// Whether KIV marks it as vårdenhet under PDL.
    pub is_care_unit: bool,
}

/// How to find a person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKey {
    /// By personnummer.
    Personnummer(Personnummer),
    /// By passport number.
    Passport(PassportNumber),
    /// By HSA-id.
    HsaId(HsaId),
    /// By VGR-ID.
    VgrId(VgrId),
}

/// A whole directory as data: the demo directory file has this shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryData {
    /// Every person.
    pub persons: Vec<Person>,
    /// Every unit.
    pub units: Vec<Unit>,
}

impl DirectoryData {
    /// The demo people and units of PRODUCT.md, from `demo/directory.json`: the one source for
    /// the in-memory demo directory and the LDIF loaded into slapd by the tests.
    pub fn demo() -> DirectoryData {
        serde_json::from_str(DEMO_DIRECTORY_JSON)
            .unwrap_or(DirectoryData { persons: Vec::new(), units: Vec::new() })
    }
}

/// The demo directory file's text.
pub const DEMO_DIRECTORY_JSON: &str = include_str!("../demo/directory.json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_directory_parses_with_every_demo_person() {
        let d: DirectoryData = serde_json::from_str(DEMO_DIRECTORY_JSON).unwrap();
        assert_eq!(d.persons.len(), 12);
        assert_eq!(d, DirectoryData::demo());
        assert!(d.units.iter().any(|u| u.is_care_unit) && d.units.iter().any(|u| !u.is_care_unit));
        assert!(d.persons.iter().any(|p| p.service_desk));
    }
}
