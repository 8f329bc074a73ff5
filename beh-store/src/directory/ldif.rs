//! LDIF of a [`DirectoryData`] for the configured attribute names, loadable into an OpenLDAP
//! server that has core, cosine, inetorgperson and `beh-store/ldap/hsa.schema`. The tests load
//! the demo directory this way, so the in-memory demo and slapd hold the same people and units.

use super::config::LdapConfig;
use super::error::DirectoryError;
use base64::Engine as _;
use beh_core::directory::{DirectoryData, Person, Unit};
use ldap3::dn_escape;
use std::fmt::Write as _;

/// The path of the HSA/VGR schema file for OpenLDAP, relative to the workspace root.
pub const SCHEMA_PATH: &str = "beh-store/ldap/hsa.schema";

/// The HSA/VGR schema for OpenLDAP (`slapd.conf` `include`, after core, cosine and
/// inetorgperson). Stand-in OIDs: for test servers only; a real KIV has its own.
pub const SCHEMA: &str = include_str!("../../ldap/hsa.schema");

/// LDIF for every person and unit of `data`, named under the configured base DNs.
///
/// With `suffix` (the server's database suffix, e.g. `o=vgr`), the LDIF starts with the
/// entries from the suffix down to both base DNs (`o=`, `ou=` and `dc=` entries), for an empty
/// server. Persons with a VGR-ID are named `cn=<VGR-ID>` as in KIV, the others and all units by
/// their HSA-id.
pub fn to_ldif(
    data: &DirectoryData,
    config: &LdapConfig,
    suffix: Option<&str>,
) -> Result<String, DirectoryError> {
    let mut out = String::new();
    if let Some(suffix) = suffix {
        let mut made: Vec<String> = Vec::new();
        for base in [&config.people_base, &config.units_base] {
            for dn in chain(suffix, base)? {
                if !made.iter().any(|m| same_dn(m, &dn)) {
                    container(&mut out, &dn)?;
                    made.push(dn);
                }
            }
        }
    }
    for p in &data.persons {
        person(&mut out, p, config);
    }
    for u in &data.units {
        unit(&mut out, u, config);
    }
    Ok(out)
}

fn person(out: &mut String, p: &Person, c: &LdapConfig) {
    let s = &c.person;
    let full = p.full_name();
    let dn = match &p.vgr_id {
        Some(v) => format!("cn={},{}", dn_escape(v.as_str()), c.people_base),
        None => format!("{}={},{}", s.hsa_id, dn_escape(p.hsa_id.as_str()), c.people_base),
    };
    let mut e = Entry::new(&dn);
    let mut classes = vec!["top", "person", "organizationalPerson", "inetOrgPerson"];
    classes.push(&s.object_class);
    let mut extra_values: Vec<(&str, &str)> = Vec::new();
    for (flag, marker) in [(p.student, &s.student), (p.service_desk, &s.service_desk)] {
        if flag {
            let value = marker.values.first().map(String::as_str).unwrap_or("TRUE");
            if marker.attribute.eq_ignore_ascii_case("objectClass") {
                classes.push(value);
            } else {
                extra_values.push((&marker.attribute, value));
            }
        }
    }
    e.classes(&classes);
    e.attr("cn", p.vgr_id.as_ref().map_or(full.as_str(), |v| v.as_str()));
    e.attr(&s.hsa_id, p.hsa_id.as_str());
    if let Some(v) = &p.vgr_id {
        if !s.vgr_id.eq_ignore_ascii_case("cn") {
            e.attr(&s.vgr_id, v.as_str());
        }
    }
    if !p.given_name.is_empty() {
        e.attr(&s.given_name, &p.given_name);
    }
    // `person` must have `sn`.
    e.attr("sn", &p.surname);
    if !s.surname.eq_ignore_ascii_case("sn") {
        e.attr(&s.surname, &p.surname);
    }
    e.attr("displayName", &full);
    let canonical = p.personnummer.as_ref().map(|n| n.canonical());
    let optional = [
        (&s.personnummer, canonical.as_deref()),
        (&s.passport, p.passport.as_ref().map(|n| n.as_str())),
        (&s.title, p.title.as_deref()),
        (&s.responsibility_number, p.responsibility_number.as_deref()),
        (&s.mail, p.mail.as_deref()),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            e.attr(name, v);
        }
    }
    for a in &p.administrations {
        e.attr(&s.administrations, a);
    }
    for a in &p.attest_for {
        e.attr(&s.attest_for, a);
    }
    for (name, value) in extra_values {
        e.attr(name, value);
    }
    e.end(out);
}

fn unit(out: &mut String, u: &Unit, c: &LdapConfig) {
    let s = &c.unit;
    let dn = format!("{}={},{}", s.hsa_id, dn_escape(u.hsa_id.as_str()), c.units_base);
    let mut e = Entry::new(&dn);
    let mut classes = vec!["top", "organizationalUnit", "vgrOrganizationalUnit"];
    classes.push(&s.object_class);
    let mut extra: Option<(&str, &str)> = None;
    if u.is_care_unit {
        let value = s.care_unit.values.first().map(String::as_str).unwrap_or("TRUE");
        if s.care_unit.attribute.eq_ignore_ascii_case("objectClass") {
            classes.push(value);
        } else {
            extra = Some((&s.care_unit.attribute, value));
        }
    }
    e.classes(&classes);
    // `organizationalUnit` must have `ou`.
    e.attr("ou", &u.name);
    if !s.name.eq_ignore_ascii_case("ou") {
        e.attr(&s.name, &u.name);
    }
    e.attr(&s.hsa_id, u.hsa_id.as_str());
    if let Some((name, value)) = extra {
        e.attr(name, value);
    }
    e.end(out);
}

/// One entry being written.
struct Entry {
    text: String,
}

impl Entry {
    fn new(dn: &str) -> Entry {
        let mut e = Entry { text: String::new() };
        e.attr("dn", dn);
        e
    }

    fn classes(&mut self, classes: &[&str]) {
        let mut seen: Vec<String> = Vec::new();
        for c in classes {
            let lower = c.to_ascii_lowercase();
            if !seen.contains(&lower) {
                self.attr("objectClass", c);
                seen.push(lower);
            }
        }
    }

    /// `name: value`, or `name:: base64` when the value is not an RFC 2849 SAFE-STRING.
    fn attr(&mut self, name: &str, value: &str) {
        if is_safe_string(value) {
            let _ = writeln!(self.text, "{name}: {value}");
        } else {
            let b64 = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
            let _ = writeln!(self.text, "{name}:: {b64}");
        }
    }

    fn end(self, out: &mut String) {
        out.push_str(&self.text);
        out.push('\n');
    }
}

fn is_safe_string(v: &str) -> bool {
    let ok_char = |b: u8| b.is_ascii() && b != 0 && b != b'\n' && b != b'\r';
    match v.bytes().next() {
        None => true,
        Some(b' ' | b':' | b'<') => false,
        Some(_) => v.bytes().all(ok_char) && !v.ends_with(' '),
    }
}

/// Splits a DN into its RDNs at commas that are not escaped.
fn rdns(dn: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in dn.chars() {
        if escaped {
            cur.push(ch);
            escaped = false;
        } else if ch == '\\' {
            cur.push(ch);
            escaped = true;
        } else if ch == ',' {
            parts.push(cur.trim().to_owned());
            cur.clear();
        } else {
            cur.push(ch);
        }
    }
    parts.push(cur.trim().to_owned());
    parts
}

fn same_dn(a: &str, b: &str) -> bool {
    let norm = |d: &str| rdns(d).join(",").to_lowercase();
    norm(a) == norm(b)
}

/// The DNs from `suffix` down to `base`, parents first.
fn chain(suffix: &str, base: &str) -> Result<Vec<String>, DirectoryError> {
    let suffix_rdns = rdns(suffix);
    let base_rdns = rdns(base);
    let extra = base_rdns.len().checked_sub(suffix_rdns.len());
    let under = extra.is_some_and(|n| {
        base_rdns
            .iter()
            .skip(n)
            .zip(&suffix_rdns)
            .all(|(a, b)| a.to_lowercase() == b.to_lowercase())
    });
    let Some(extra) = extra.filter(|_| under) else {
        return Err(DirectoryError::Config(format!("{base} is not under the suffix {suffix}")));
    };
    Ok((0..=extra)
        .rev()
        .map(|skip| base_rdns.iter().skip(skip).cloned().collect::<Vec<_>>().join(","))
        .collect())
}

fn container(out: &mut String, dn: &str) -> Result<(), DirectoryError> {
    let first = rdns(dn).into_iter().next().unwrap_or_default();
    let Some((kind, value)) = first.split_once('=') else {
        return Err(DirectoryError::Config(format!("{dn} is not a DN")));
    };
    let value = value.replace('\\', "");
    let mut e = Entry::new(dn);
    match kind.trim().to_ascii_lowercase().as_str() {
        "o" => {
            e.classes(&["top", "organization"]);
            e.attr("o", &value);
        }
        "ou" => {
            e.classes(&["top", "organizationalUnit"]);
            e.attr("ou", &value);
        }
        "dc" => {
            e.classes(&["top", "dcObject", "organization"]);
            e.attr("dc", &value);
            e.attr("o", &value);
        }
        other => {
            return Err(DirectoryError::Config(format!(
                "cannot make a container entry of type {other} ({dn})"
            )))
        }
    }
    e.end(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ldif_has_every_person_and_unit_and_the_containers() {
        let data = DirectoryData::demo();
        let text = to_ldif(&data, &LdapConfig::default(), Some("o=vgr")).unwrap();
        let dns: Vec<&str> = text.lines().filter(|l| l.starts_with("dn")).collect();
        assert_eq!(dns.len(), 3 + data.persons.len() + data.units.len());
        assert_eq!(dns[0], "dn: o=vgr");
        assert_eq!(dns[1], "dn: ou=Personal,o=vgr");
        assert_eq!(dns[2], "dn: ou=Org,o=vgr");
        assert!(text.contains("dn: cn=steli11,ou=Personal,o=vgr\n"));
        assert!(text.contains("hsaPersonIdentityNumber: 197311056290\n"));
        assert!(text.contains("objectClass: hsaHealthCareUnit\n"));
        assert!(text.contains("vgrStudent: TRUE\n"));
        assert!(text.contains("vgrBehRole: service_desk\n"));
        // Non-ASCII values are base64.
        assert!(!text.contains("Wästerläkarna Centrum"));
    }

    #[test]
    fn chain_and_safe_strings() {
        assert_eq!(
            chain("o=vgr", "ou=A,ou=B,o=vgr").unwrap(),
            ["o=vgr", "ou=B,o=vgr", "ou=A,ou=B,o=vgr"]
        );
        assert!(chain("o=vgr", "ou=A,o=other").is_err());
        assert!(is_safe_string("Sten"));
        assert!(!is_safe_string(" lead"));
        assert!(!is_safe_string("Östra"));
        assert!(!is_safe_string("a\nb"));
    }
}
