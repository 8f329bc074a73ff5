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

/// The LDAP directory.
pub async fn ldap_directory(_config: &Config) -> Result<Arc<dyn Directory>, String> {
    Err("directory.kind = \"ldap\": the LDAP adapter is not built yet".to_owned())
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
