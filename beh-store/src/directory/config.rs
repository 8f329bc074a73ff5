//! The LDAP directory's configuration: where the server is, how to bind, and which attribute
//! and object-class names carry each fact. Defaults follow KIV (VGR's HSA copy); every name can
//! be changed for another region's directory (docs/directory.md).

use super::error::DirectoryError;
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach and read the directory. Read from the server's TOML (`[directory.ldap]`);
/// every key has a default, so only what differs from KIV needs to be written.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub starttls: bool,
    /// Where people are searched (subtree), e.g. `ou=Personal,o=vgr`.
    pub people_base: String,
    /// Where units are searched (subtree), e.g. `ou=Org,o=vgr`.
    pub units_base: String,
    /// The DN to bind as; `None` binds anonymously.
    pub bind_dn: Option<String>,
    /// The bind password (or use `bind_password_file`). Never shown by `Debug`.
    pub bind_password: Option<String>,
    /// A file holding the bind password (trailing newline removed).
    pub bind_password_file: Option<PathBuf>,
    /// Allow a password bind over a connection without TLS to a host other than loopback.
    /// Off by default: the password would cross the network in clear text.
    pub allow_plaintext_bind: bool,
    /// Time allowed for TCP connect, TLS and bind, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Time allowed for one look-up or search, in milliseconds.
    pub timeout_ms: u64,
    /// Page size of the paged-results control (RFC 2696) for searches.
    pub page_size: u32,
    /// At most this many entries are read for one unit search before sorting by name; a
    /// search that matches more returns the first `limit` by name among those read.
    pub max_scan: usize,
    /// How long a unit look-up is remembered, in seconds (0: no cache).
    pub unit_cache_ttl_secs: u64,
    /// People: attribute and object-class names.
    pub person: PersonSchema,
    /// Units: attribute and object-class names.
    pub unit: UnitSchema,
}

/// Attribute names of people.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonSchema {
    /// Object class every person entry has (KIV: `vgrUser`).
    pub object_class: String,
    /// HSA-id (`hsaIdentity`).
    pub hsa_id: String,
    /// Personnummer, 12 digits (`hsaPersonIdentityNumber`; national HSA also has
    /// `personalIdentityNumber`).
    pub personnummer: String,
    /// Passport number (site-specific: `vgrPassportNumber`).
    pub passport: String,
    /// VGR-ID (`vgr-id`; in KIV it equals `cn`).
    pub vgr_id: String,
    /// Förnamn (`givenName`).
    pub given_name: String,
    /// Efternamn (`sn`).
    pub surname: String,
    /// Titel (`title`; HSA also has `hsaTitle`).
    pub title: String,
    /// Ansvarsnummer (`vgrAnsvarsnummer`).
    pub responsibility_number: String,
    /// E-mail (`mail`).
    pub mail: String,
    /// Administrations the person may order for (site-specific: `vgrAdministration`, one slug
    /// per value).
    pub administrations: String,
    /// Administrations where the person may attest (site-specific: `vgrAttestFor`).
    pub attest_for: String,
    /// What marks a student (site-specific: `vgrStudent: TRUE`).
    pub student: Marker,
    /// What marks the service desk identity (site-specific: `vgrBehRole: service_desk`).
    pub service_desk: Marker,
}

/// Attribute names of units.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitSchema {
    /// Object class every unit entry has (`organizationalUnit`; KIV also `vgrOrganizationalUnit`).
    pub object_class: String,
    /// HSA-id (`hsaIdentity`).
    pub hsa_id: String,
    /// Display name (`ou`).
    pub name: String,
    /// What marks a vårdenhet under PDL (`objectClass: hsaHealthCareUnit`).
    pub care_unit: Marker,
}

/// A flag read from an entry: set when `attribute` has one of `values` (compared without
/// regard to case), or any value when `values` is empty. `objectClass` is allowed as the
/// attribute, so that an object class can be the mark.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// The attribute.
    pub attribute: String,
    /// The values that set the flag (empty: any value).
    #[serde(default)]
    pub values: Vec<String>,
}

impl Marker {
    fn new(attribute: &str, value: &str) -> Marker {
        Marker { attribute: attribute.to_owned(), values: vec![value.to_owned()] }
    }

    /// Whether the values an entry has for `attribute` set the flag.
    pub fn matches<'a>(&self, mut present: impl Iterator<Item = &'a str>) -> bool {
        if self.values.is_empty() {
            return present.next().is_some();
        }
        present.any(|v| {
            let v = v.to_lowercase();
            self.values.iter().any(|want| want.to_lowercase() == v)
        })
    }
}

impl Default for LdapConfig {
    fn default() -> Self {
        LdapConfig {
            url: "ldap://127.0.0.1:389".to_owned(),
            starttls: false,
            people_base: "ou=Personal,o=vgr".to_owned(),
            units_base: "ou=Org,o=vgr".to_owned(),
            bind_dn: None,
            bind_password: None,
            bind_password_file: None,
            allow_plaintext_bind: false,
            connect_timeout_ms: 5_000,
            timeout_ms: 5_000,
            page_size: 200,
            max_scan: 2_000,
            unit_cache_ttl_secs: 60,
            person: PersonSchema::default(),
            unit: UnitSchema::default(),
        }
    }
}

impl Default for PersonSchema {
    fn default() -> Self {
        PersonSchema {
            object_class: "vgrUser".to_owned(),
            hsa_id: "hsaIdentity".to_owned(),
            personnummer: "hsaPersonIdentityNumber".to_owned(),
            passport: "vgrPassportNumber".to_owned(),
            vgr_id: "vgr-id".to_owned(),
            given_name: "givenName".to_owned(),
            surname: "sn".to_owned(),
            title: "title".to_owned(),
            responsibility_number: "vgrAnsvarsnummer".to_owned(),
            mail: "mail".to_owned(),
            administrations: "vgrAdministration".to_owned(),
            attest_for: "vgrAttestFor".to_owned(),
            student: Marker::new("vgrStudent", "TRUE"),
            service_desk: Marker::new("vgrBehRole", "service_desk"),
        }
    }
}

impl Default for UnitSchema {
    fn default() -> Self {
        UnitSchema {
            object_class: "organizationalUnit".to_owned(),
            hsa_id: "hsaIdentity".to_owned(),
            name: "ou".to_owned(),
            care_unit: Marker::new("objectClass", "hsaHealthCareUnit"),
        }
    }
}

impl fmt::Debug for LdapConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapConfig")
            .field("url", &self.url)
            .field("starttls", &self.starttls)
            .field("people_base", &self.people_base)
            .field("units_base", &self.units_base)
            .field("bind_dn", &self.bind_dn)
            .field("bind_password", &self.bind_password.as_ref().map(|_| "***"))
            .field("bind_password_file", &self.bind_password_file)
            .field("allow_plaintext_bind", &self.allow_plaintext_bind)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("timeout_ms", &self.timeout_ms)
            .field("page_size", &self.page_size)
            .field("max_scan", &self.max_scan)
            .field("unit_cache_ttl_secs", &self.unit_cache_ttl_secs)
            .field("person", &self.person)
            .field("unit", &self.unit)
            .finish()
    }
}

/// The checked form the adapter runs on.
#[derive(Clone)]
pub(crate) struct Checked {
    pub config: LdapConfig,
    /// `Some((dn, password))` for a simple bind, `None` for anonymous.
    pub bind: Option<(String, String)>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub page_size: i32,
    pub unit_cache_ttl: Duration,
}

impl LdapConfig {
    /// The configuration for a server at `url` with the KIV defaults for everything else.
    pub fn new(url: impl Into<String>) -> LdapConfig {
        LdapConfig { url: url.into(), ..LdapConfig::default() }
    }

    /// The same configuration binding as `dn` with `password`.
    pub fn with_bind(mut self, dn: impl Into<String>, password: impl Into<String>) -> LdapConfig {
        self.bind_dn = Some(dn.into());
        self.bind_password = Some(password.into());
        self
    }

    /// Every attribute name the adapter reads from a person entry.
    pub(crate) fn person_attributes(&self) -> Vec<String> {
        let p = &self.person;
        vec![
            p.hsa_id.clone(),
            p.personnummer.clone(),
            p.passport.clone(),
            p.vgr_id.clone(),
            p.given_name.clone(),
            p.surname.clone(),
            p.title.clone(),
            p.responsibility_number.clone(),
            p.mail.clone(),
            p.administrations.clone(),
            p.attest_for.clone(),
            p.student.attribute.clone(),
            p.service_desk.attribute.clone(),
        ]
    }

    /// Every attribute name the adapter reads from a unit entry.
    pub(crate) fn unit_attributes(&self) -> Vec<String> {
        let u = &self.unit;
        vec![u.hsa_id.clone(), u.name.clone(), u.care_unit.attribute.clone()]
    }

    /// Checks the configuration and reads the password file: a bind DN needs a non-empty
    /// password (RFC 4513 treats an empty one as an unauthenticated bind, which servers answer
    /// with success), names must be attribute descriptions or OIDs, and a password is not
    /// sent in clear text to another host unless allowed.
    pub(crate) fn check(&self) -> Result<Checked, DirectoryError> {
        let bad = |what: &str| Err(DirectoryError::Config(what.to_owned()));
        let lower = self.url.to_ascii_lowercase();
        let tls = if lower.starts_with("ldaps://") {
            if self.starttls {
                return bad("starttls is for ldap:// URLs; ldaps:// is TLS already");
            }
            true
        } else if lower.starts_with("ldap://") {
            self.starttls
        } else {
            return bad("url must start with ldap:// or ldaps://");
        };
        let password = match (&self.bind_password, &self.bind_password_file) {
            (Some(_), Some(_)) => return bad("give bind_password or bind_password_file, not both"),
            (Some(p), None) => Some(p.clone()),
            (None, Some(path)) => match std::fs::read_to_string(path) {
                Ok(text) => Some(text.trim_end_matches(['\r', '\n']).to_owned()),
                Err(e) => {
                    return Err(DirectoryError::Config(format!(
                        "cannot read bind_password_file {}: {e}",
                        path.display()
                    )))
                }
            },
            (None, None) => None,
        };
        let bind = match (&self.bind_dn, password) {
            (None, None) => None,
            (None, Some(_)) => return bad("a bind password needs bind_dn"),
            (Some(_), None) => {
                return bad("bind_dn needs a password (anonymous: leave out bind_dn)")
            }
            (Some(dn), Some(pw)) => {
                if dn.trim().is_empty() {
                    return bad("bind_dn is empty");
                }
                if pw.is_empty() {
                    return bad(
                        "the bind password is empty (an empty password is an unauthenticated bind)",
                    );
                }
                Some((dn.clone(), pw))
            }
        };
        if bind.is_some() && !tls && !self.allow_plaintext_bind && !is_loopback_url(&lower) {
            return bad("a password bind needs ldaps:// or starttls (or allow_plaintext_bind)");
        }
        if self.connect_timeout_ms == 0 || self.timeout_ms == 0 {
            return bad("timeouts must be above 0 ms");
        }
        let page_size = match i32::try_from(self.page_size) {
            Ok(n) if n > 0 => n,
            _ => return bad("page_size must be between 1 and 2147483647"),
        };
        if self.max_scan == 0 {
            return bad("max_scan must be above 0");
        }
        for base in [&self.people_base, &self.units_base] {
            if base.trim().is_empty() {
                return bad("people_base and units_base must be set");
            }
        }
        let names = self
            .person_attributes()
            .into_iter()
            .chain(self.unit_attributes())
            .chain([self.person.object_class.clone(), self.unit.object_class.clone()]);
        for name in names {
            if !is_attribute_name(&name) {
                return Err(DirectoryError::Config(format!(
                    "{name:?} is not an attribute or object-class name"
                )));
            }
        }
        Ok(Checked {
            config: self.clone(),
            bind,
            connect_timeout: Duration::from_millis(self.connect_timeout_ms),
            timeout: Duration::from_millis(self.timeout_ms),
            page_size,
            unit_cache_ttl: Duration::from_secs(self.unit_cache_ttl_secs),
        })
    }
}

/// An attribute description (RFC 4512 `descr`: a letter, then letters, digits and hyphens) or
/// a numeric OID. Checked so that no configured name can change a filter's structure.
pub(crate) fn is_attribute_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() => bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        Some(b) if b.is_ascii_digit() => {
            !name.ends_with('.')
                && !name.contains("..")
                && name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        }
        _ => false,
    }
}

fn is_loopback_url(lower: &str) -> bool {
    let rest = lower.trim_start_matches("ldaps://").trim_start_matches("ldap://");
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        rest.split([':', '/']).next().unwrap_or_default()
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let c = LdapConfig::new("ldaps://kiv.example").with_bind("cn=beh,o=vgr", "hemligt");
        let text = format!("{c:?}");
        assert!(!text.contains("hemligt"), "{text}");
        assert!(text.contains("***"));
    }

    #[test]
    fn empty_or_missing_password_is_refused() {
        let c = LdapConfig::new("ldaps://kiv.example").with_bind("cn=beh,o=vgr", "");
        assert!(matches!(c.check(), Err(DirectoryError::Config(_))));
        let mut c = LdapConfig::new("ldaps://kiv.example");
        c.bind_dn = Some("cn=beh,o=vgr".into());
        assert!(c.check().is_err());
        assert!(LdapConfig::new("ldaps://kiv.example").check().is_ok());
    }

    #[test]
    fn clear_text_password_only_to_loopback_or_when_allowed() {
        let c = LdapConfig::new("ldap://kiv.example").with_bind("cn=beh,o=vgr", "pw");
        assert!(c.check().is_err());
        let mut allowed = c.clone();
        allowed.allow_plaintext_bind = true;
        assert!(allowed.check().is_ok());
        let mut tls = c;
        tls.starttls = true;
        assert!(tls.check().is_ok());
        for url in ["ldap://127.0.0.1:3890", "ldap://localhost", "ldap://[::1]:389/"] {
            assert!(LdapConfig::new(url).with_bind("cn=a", "pw").check().is_ok(), "{url}");
        }
        let mut both = LdapConfig::new("ldaps://kiv.example");
        both.starttls = true;
        assert!(both.check().is_err());
        assert!(LdapConfig::new("http://kiv.example").check().is_err());
    }

    #[test]
    fn names_cannot_carry_filter_syntax() {
        for ok in ["vgr-id", "hsaIdentity", "2.5.4.3"] {
            assert!(is_attribute_name(ok), "{ok}");
        }
        for bad in ["", "a)(b", "cn=*", "1.", "-a", "a b"] {
            assert!(!is_attribute_name(bad), "{bad}");
        }
        let mut c = LdapConfig::default();
        c.person.vgr_id = "cn)(objectClass=*".into();
        assert!(c.check().is_err());
    }

    #[test]
    fn reads_toml_shaped_input_with_defaults() {
        let c: LdapConfig = serde_json::from_value(serde_json::json!({
            "url": "ldaps://kiv.vgregion.se",
            "person": {"personnummer": "personalIdentityNumber"},
            "unit": {"care_unit": {"attribute": "vgrCareType", "values": ["1", "3"]}}
        }))
        .unwrap();
        assert_eq!(c.person.personnummer, "personalIdentityNumber");
        assert_eq!(c.person.hsa_id, "hsaIdentity");
        assert_eq!(c.unit.care_unit.values, vec!["1", "3"]);
        assert!(serde_json::from_value::<LdapConfig>(serde_json::json!({"urll": "x"})).is_err());
    }

    #[test]
    fn markers() {
        let m = Marker::new("objectClass", "hsaHealthCareUnit");
        assert!(m.matches(["top", "HSAHEALTHCAREUNIT"].into_iter()));
        assert!(!m.matches(["top"].into_iter()));
        let any = Marker { attribute: "vgrCareType".into(), values: vec![] };
        assert!(any.matches(["x"].into_iter()));
        assert!(!any.matches(std::iter::empty()));
    }
}
