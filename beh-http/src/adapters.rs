//! The storage and directory adapters of beh-store, chosen by configuration.

use crate::config::Config;
use beh_core::ports::{Directory, OrderStore, Outbox};
use std::sync::Arc;

/// The order store and outbox of the configured database.
pub async fn store(config: &Config) -> Result<(Arc<dyn OrderStore>, Arc<dyn Outbox>), String> {
    // Until beh-store's SQL adapters land, only the in-memory store exists; it is refused
    // outside `sqlite::memory:` so that nobody mistakes it for persistence.
    if config.database.url == "sqlite::memory:" {
        let s = Arc::new(beh_core::testing::MemoryStore::new(config.database.first_order_number));
        return Ok((s.clone(), s));
    }
    Err(format!(
        "database {}: the SQL store is not built yet; use --database sqlite::memory:",
        crate::config::redact_url(&config.database.url)
    ))
}

/// The LDAP directory of `[directory.ldap]` (see docs/directory.md). Connection problems at
/// start are logged, not fatal: the directory may come up later, and `/readyz` tells.
pub async fn ldap_directory(config: &Config) -> Result<Arc<dyn Directory>, String> {
    let section = config.directory.ldap.clone().ok_or("directory.ldap is missing")?;
    let ldap: beh_store::directory::LdapConfig =
        section.try_into().map_err(|e: toml::de::Error| format!("directory.ldap: {e}"))?;
    let dir = beh_store::directory::LdapDirectory::new(ldap)
        .map_err(|e| format!("directory.ldap: {e}"))?;
    if let Err(e) = dir.check().await {
        tracing::warn!(error = %e, "the directory does not answer yet");
    }
    Ok(Arc::new(dir))
}

/// `beh migrate`.
pub async fn migrate(config: &Config) -> Result<(), String> {
    Err(format!(
        "migrate {}: the SQL store is not built yet",
        crate::config::redact_url(&config.database.url)
    ))
}

/// `beh audit verify`.
pub async fn audit_verify(config: &Config) -> Result<(), String> {
    Err(format!(
        "audit verify {}: the SQL store is not built yet",
        crate::config::redact_url(&config.database.url)
    ))
}
