//! Turning search entries into beh-core's `Person` and `Unit`.
//!
//! Attribute names are matched without regard to case (servers answer with the schema's
//! spelling). An entry without an HSA-id that parses is an error; optional facts that do not
//! parse (a VGR-ID, personnummer or passport number) are left out and logged.

use super::config::{LdapConfig, Marker};
use super::error::DirectoryError;
use beh_core::directory::{Person, Unit};
use beh_core::id::{HsaId, PassportNumber, Personnummer, VgrId};
use chrono::NaiveDate;
use ldap3::SearchEntry;

/// An entry's attributes with lower-cased names.
struct Attrs<'a> {
    entry: &'a SearchEntry,
}

impl<'a> Attrs<'a> {
    fn all(&self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_owned();
        self.entry
            .attrs
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(&name))
            .flat_map(|(_, v)| v.iter().map(String::as_str))
    }

    fn first(&self, name: &str) -> Option<&'a str> {
        self.all(name).find(|v| !v.trim().is_empty())
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.first(name).map(|v| v.trim().to_owned())
    }

    fn marked(&self, marker: &Marker) -> bool {
        marker.matches(self.all(&marker.attribute))
    }

    fn list(&self, name: &str) -> Vec<String> {
        let mut v: Vec<String> =
            self.all(name).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
        v.sort();
        v.dedup();
        v
    }

    fn hsa_id(&self, name: &str) -> Result<HsaId, DirectoryError> {
        let bad = |what: String| DirectoryError::Entry { dn: self.entry.dn.clone(), what };
        let raw = self.first(name).ok_or_else(|| bad(format!("no {name}")))?;
        HsaId::parse(raw.trim()).map_err(|_| bad(format!("{name} is not an HSA-id")))
    }

    /// An optional fact that must parse; a value that does not is logged and left out.
    fn parsed<T, E>(&self, name: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
        let raw = self.first(name)?;
        match parse(raw.trim()) {
            Ok(v) => Some(v),
            Err(_) => {
                // The value itself may be a personnummer: never log it.
                tracing::warn!(dn = %self.entry.dn, attribute = name, "value does not parse; ignored");
                None
            }
        }
    }
}

/// A person from an entry of the people base.
pub(crate) fn person(entry: &SearchEntry, c: &LdapConfig) -> Result<Person, DirectoryError> {
    let a = Attrs { entry };
    let s = &c.person;
    Ok(Person {
        hsa_id: a.hsa_id(&s.hsa_id)?,
        vgr_id: a.parsed(&s.vgr_id, VgrId::parse),
        given_name: a.owned(&s.given_name).unwrap_or_default(),
        surname: a.owned(&s.surname).unwrap_or_default(),
        // Stored numbers have 12 digits and need no reference date but the latest possible.
        personnummer: a.parsed(&s.personnummer, |v| Personnummer::parse(v, NaiveDate::MAX)),
        passport: a.parsed(&s.passport, PassportNumber::parse),
        title: a.owned(&s.title),
        responsibility_number: a.owned(&s.responsibility_number),
        student: a.marked(&s.student),
        mail: a.owned(&s.mail),
        administrations: a.list(&s.administrations),
        attest_for: a.list(&s.attest_for),
        service_desk: a.marked(&s.service_desk),
    })
}

/// A unit from an entry of the units base.
pub(crate) fn unit(entry: &SearchEntry, c: &LdapConfig) -> Result<Unit, DirectoryError> {
    let a = Attrs { entry };
    let s = &c.unit;
    let hsa_id = a.hsa_id(&s.hsa_id)?;
    Ok(Unit {
        name: a.owned(&s.name).unwrap_or_else(|| hsa_id.to_string()),
        hsa_id,
        is_care_unit: a.marked(&s.care_unit),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn entry(attrs: &[(&str, &[&str])]) -> SearchEntry {
        SearchEntry {
            dn: "cn=x,o=vgr".into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
                .collect::<HashMap<_, _>>(),
            bin_attrs: HashMap::new(),
        }
    }

    #[test]
    fn reads_a_person_with_any_attribute_case() {
        let c = LdapConfig::default();
        let e = entry(&[
            ("hsaidentity", &["SE2321000131-p000000230147"]),
            ("vgr-id", &["Steli11"]),
            ("givenName", &["Sten"]),
            ("SN", &["Lindblom"]),
            ("hsaPersonIdentityNumber", &["197311056290"]),
            ("vgrAttestFor", &["su", "wasterlakarna", "su"]),
            ("vgrStudent", &["true"]),
        ]);
        let p = person(&e, &c).unwrap();
        assert_eq!(p.hsa_id.as_str(), "SE2321000131-P000000230147");
        assert_eq!(p.vgr_id.unwrap().as_str(), "steli11");
        assert_eq!(p.surname, "Lindblom");
        assert_eq!(p.personnummer.unwrap().canonical(), "197311056290");
        assert_eq!(p.attest_for, ["su", "wasterlakarna"]);
        assert!(p.student && !p.service_desk);
    }

    #[test]
    fn bad_optional_values_are_left_out_and_a_bad_hsa_id_is_an_error() {
        let c = LdapConfig::default();
        let e = entry(&[
            ("hsaIdentity", &["SE2321000131-P1"]),
            ("vgr-id", &["not a vgr id"]),
            ("hsaPersonIdentityNumber", &["197311056291"]),
        ]);
        let p = person(&e, &c).unwrap();
        assert!(p.vgr_id.is_none() && p.personnummer.is_none());
        let e = entry(&[("hsaIdentity", &["nope"])]);
        assert!(matches!(person(&e, &c), Err(DirectoryError::Entry { .. })));
        assert!(matches!(unit(&entry(&[]), &c), Err(DirectoryError::Entry { .. })));
    }

    #[test]
    fn care_unit_mark() {
        let c = LdapConfig::default();
        let e = entry(&[
            ("hsaIdentity", &["SE2321000131-E1"]),
            ("ou", &["Vårdcentral"]),
            ("objectClass", &["top", "organizationalUnit", "hsaHealthCareUnit"]),
        ]);
        assert!(unit(&e, &c).unwrap().is_care_unit);
        let e = entry(&[("hsaIdentity", &["SE2321000131-E1"]), ("ou", &["Kansli"])]);
        assert!(!unit(&e, &c).unwrap().is_care_unit);
    }
}
