//! The KIV/HSA directory over LDAP: beh-core's [`Directory`] port with `ldap3`.
//!
//! - [`LdapDirectory`] looks people up by personnummer, passport number, HSA-id or VGR-ID,
//!   units by HSA-id, searches units by name or HSA-id, and lists the attestants of an
//!   administration. Every value put into a filter is escaped (RFC 4515); configured names are
//!   checked to be attribute names.
//! - One connection is shared by all requests (LDAP multiplexes operations on it) and made
//!   anew when it breaks; a reused connection that turns out closed is retried once on a fresh
//!   one. Timeouts and connection failures are `unavailable`, never "not found".
//! - Unit look-ups are cached for `unit_cache_ttl_secs` (default 60 s; 0 turns it off): units
//!   change rarely and an order checks up to four of them on every validation.
//! - [`to_ldif`] writes a [`beh_core::directory::DirectoryData`] (the demo directory) as LDIF
//!   for the schema in `beh-store/ldap/hsa.schema` ([`SCHEMA`]).
//! - With the `slapd` feature, [`slapd`] runs a throwaway OpenLDAP server for tests.
//!
//! See docs/directory.md for pointing the server at a real directory.

mod cache;
mod config;
mod conn;
mod entry;
mod error;
mod ldif;
#[cfg(feature = "slapd")]
pub mod slapd;

pub use config::{LdapConfig, Marker, PersonSchema, UnitSchema};
pub use error::DirectoryError;
pub use ldif::{to_ldif, SCHEMA, SCHEMA_PATH};

use async_trait::async_trait;
use beh_core::directory::{Person, PersonKey, Unit};
use beh_core::error::Result;
use beh_core::id::HsaId;
use beh_core::ports::Directory;
use cache::UnitCache;
use conn::Connection;
use ldap3::ldap_escape;
use std::fmt;

/// The directory port on an LDAP server (KIV/HSA).
pub struct LdapDirectory {
    conn: Connection,
    cache: UnitCache,
}

impl fmt::Debug for LdapDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapDirectory").field("config", &self.conn.config().config).finish()
    }
}

/// An equality filter with the value escaped (RFC 4515).
fn eq(attr: &str, value: &str) -> String {
    format!("({attr}={})", ldap_escape(value))
}

impl LdapDirectory {
    /// A directory for `config`. Checks the configuration (an empty bind password is refused
    /// here, before any bind) and reads the password file; connects on first use.
    pub fn new(config: LdapConfig) -> Result<LdapDirectory, DirectoryError> {
        let checked = config.check()?;
        let cache = UnitCache::new(checked.unit_cache_ttl);
        Ok(LdapDirectory { conn: Connection::new(checked), cache })
    }

    /// Connects (binding if configured) and reads the people base: the detailed reason when
    /// it fails. For start-up checks and logs; the port's `ping` gives only `unavailable`.
    pub async fn check(&self) -> Result<(), DirectoryError> {
        let c = &self.conn.config().config;
        self.conn
            .search(&c.people_base, ldap3::Scope::Base, "(objectClass=*)", vec!["1.1".into()], 1)
            .await
            .map(|_| ())
    }

    /// A person by `key`, with the detailed error.
    pub async fn find_person(&self, key: &PersonKey) -> Result<Option<Person>, DirectoryError> {
        let c = &self.conn.config().config;
        let s = &c.person;
        let canonical;
        let (attr, value) = match key {
            PersonKey::Personnummer(n) => {
                canonical = n.canonical();
                (&s.personnummer, canonical.as_str())
            }
            PersonKey::Passport(n) => (&s.passport, n.as_str()),
            PersonKey::HsaId(id) => (&s.hsa_id, id.as_str()),
            PersonKey::VgrId(v) => (&s.vgr_id, v.as_str()),
        };
        let filter = format!("(&{}{})", eq("objectClass", &s.object_class), eq(attr, value));
        let found = self
            .conn
            .search(&c.people_base, ldap3::Scope::Subtree, &filter, c.person_attributes(), 2)
            .await?;
        if found.len() > 1 {
            tracing::warn!(
                attribute = attr.as_str(),
                "more than one directory entry matches a person look-up; using the first"
            );
        }
        match found.into_iter().next() {
            Some(e) => entry::person(&e, c).map(Some),
            None => Ok(None),
        }
    }

    /// A unit by HSA-id, with the detailed error (cached).
    pub async fn find_unit(&self, hsa_id: &HsaId) -> Result<Option<Unit>, DirectoryError> {
        if let Some(hit) = self.cache.get(hsa_id) {
            return Ok(hit);
        }
        let c = &self.conn.config().config;
        let s = &c.unit;
        let filter =
            format!("(&{}{})", eq("objectClass", &s.object_class), eq(&s.hsa_id, hsa_id.as_str()));
        let found = self
            .conn
            .search(&c.units_base, ldap3::Scope::Subtree, &filter, c.unit_attributes(), 2)
            .await?;
        let unit = match found.into_iter().next() {
            Some(e) => Some(entry::unit(&e, c)?),
            None => None,
        };
        self.cache.put(hsa_id, unit.clone());
        Ok(unit)
    }

    /// Units whose name or HSA-id contains `q` (case-insensitive), at most `limit`, by name;
    /// with the detailed error.
    pub async fn find_units(&self, q: &str, limit: usize) -> Result<Vec<Unit>, DirectoryError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let c = &self.conn.config().config;
        let s = &c.unit;
        let class = eq("objectClass", &s.object_class);
        let has_id = format!("({}=*)", s.hsa_id);
        let filter = if q.is_empty() {
            format!("(&{class}{has_id})")
        } else {
            let q = ldap_escape(q);
            format!("(&{class}{has_id}(|({}=*{q}*)({}=*{q}*)))", s.name, s.hsa_id)
        };
        let found = self
            .conn
            .search(&c.units_base, ldap3::Scope::Subtree, &filter, c.unit_attributes(), c.max_scan)
            .await?;
        let mut units: Vec<Unit> =
            found.iter().filter_map(|e| skip_bad(entry::unit(e, c))).collect();
        units.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.hsa_id.cmp(&b.hsa_id)));
        units.dedup_by(|a, b| a.hsa_id == b.hsa_id);
        units.truncate(limit);
        Ok(units)
    }

    /// People who may attest in `administration`, by surname and given name; with the detailed
    /// error.
    pub async fn find_attestants(
        &self,
        administration: &str,
    ) -> Result<Vec<Person>, DirectoryError> {
        let c = &self.conn.config().config;
        let s = &c.person;
        let filter = format!(
            "(&{}{})",
            eq("objectClass", &s.object_class),
            eq(&s.attest_for, administration)
        );
        let found = self
            .conn
            .search(
                &c.people_base,
                ldap3::Scope::Subtree,
                &filter,
                c.person_attributes(),
                usize::MAX,
            )
            .await?;
        // The server compares without regard to case; slugs are compared exactly, as in memory.
        let mut people: Vec<Person> = found
            .iter()
            .filter_map(|e| skip_bad(entry::person(e, c)))
            .filter(|p| p.may_attest(administration))
            .collect();
        people.sort_by(|a, b| (&a.surname, &a.given_name).cmp(&(&b.surname, &b.given_name)));
        Ok(people)
    }
}

/// Keeps a list going past one malformed entry (logged).
fn skip_bad<T>(r: Result<T, DirectoryError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, "skipping a malformed directory entry");
            None
        }
    }
}

/// Logs the detailed reason and gives the port's error.
fn port<T>(r: Result<T, DirectoryError>) -> Result<T> {
    r.map_err(|e| {
        tracing::warn!(error = %e, "directory unavailable");
        e.into()
    })
}

#[async_trait]
impl Directory for LdapDirectory {
    async fn person(&self, key: &PersonKey) -> Result<Option<Person>> {
        port(self.find_person(key).await)
    }

    async fn unit(&self, hsa_id: &HsaId) -> Result<Option<Unit>> {
        port(self.find_unit(hsa_id).await)
    }

    async fn search_units(&self, q: &str, limit: usize) -> Result<Vec<Unit>> {
        port(self.find_units(q, limit).await)
    }

    async fn attestants(&self, administration: &str) -> Result<Vec<Person>> {
        port(self.find_attestants(administration).await)
    }

    async fn ping(&self) -> Result<()> {
        port(self.check().await)
    }
}
