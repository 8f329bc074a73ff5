//! Directory tests (issue 5): one contract suite run on the in-memory demo directory and on
//! `LdapDirectory` against a real slapd loaded with the same demo data as LDIF, plus what only
//! LDAP can do wrong (credentials, outages, timeouts).

mod contract;
mod ldap;

use beh_core::directory::DirectoryData;
use beh_core::testing::MemoryDirectory;
use beh_store::directory::slapd::Slapd;
use beh_store::directory::{LdapConfig, LdapDirectory};

/// A slapd with the demo directory loaded. Panics (fails the test) when slapd is missing.
pub fn demo_slapd() -> Slapd {
    let server = Slapd::start().expect("start slapd (scripts/test installs slapd and ldap-utils)");
    server.load_demo().expect("load the demo LDIF");
    server
}

pub fn ldap(config: LdapConfig) -> LdapDirectory {
    LdapDirectory::new(config).expect("valid configuration")
}

#[tokio::test]
async fn contract_in_memory() {
    contract::run(&MemoryDirectory::demo(), &DirectoryData::demo()).await;
}

#[tokio::test]
async fn contract_ldap() {
    let server = demo_slapd();
    let directory = ldap(server.config());
    contract::run(&directory, &DirectoryData::demo()).await;
}

#[tokio::test]
async fn contract_ldap_with_the_unit_cache() {
    let server = demo_slapd();
    let mut config = server.config();
    config.unit_cache_ttl_secs = 60;
    let directory = ldap(config);
    contract::run(&directory, &DirectoryData::demo()).await;
    // Twice: the second run answers unit look-ups from the cache.
    contract::run(&directory, &DirectoryData::demo()).await;
}

/// Every configurable name works: other attribute names and another care-unit mark, with the
/// LDIF written for that configuration.
#[tokio::test]
async fn contract_ldap_with_other_attribute_names() {
    let server = Slapd::start().expect("start slapd");
    let mut config = server.config();
    config.person.personnummer = "personalIdentityNumber".into();
    config.person.title = "hsaTitle".into();
    config.person.vgr_id = "cn".into();
    config.person.student = beh_store::directory::Marker {
        attribute: "vgrBehRole".into(),
        values: vec!["student".into()],
    };
    config.unit.object_class = "vgrOrganizationalUnit".into();
    config.unit.care_unit =
        beh_store::directory::Marker { attribute: "vgrCareType".into(), values: vec!["1".into()] };
    server.load(&DirectoryData::demo(), &config).expect("load LDIF for the configuration");
    contract::run(&ldap(config), &DirectoryData::demo()).await;
}
