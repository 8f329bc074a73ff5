//! The storage and directory adapters of beh-store, chosen by configuration.

use crate::config::Config;
use beh_core::ports::{Directory, OrderStore, Outbox};
use beh_store::sql::{CredentialKeys, SqlStore, StoreConfig};
use std::sync::Arc;

/// The fixed credential key of demo mode (the demo database holds test credentials only; a
/// fixed key keeps them readable across restarts of `beh serve --demo`).
const DEMO_CREDENTIAL_KEY: [u8; 32] = *b"beh-demo-credential-key-32bytes!";

fn store_config(config: &Config, demo: bool) -> Result<StoreConfig, String> {
    let db = &config.database;
    let mut keys = std::collections::BTreeMap::new();
    for (id, b64) in &db.credential_keys {
        let bytes = crate::util::b64_decode(b64)
            .map_err(|_| format!("database.credential_keys.{id}: not base64"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| format!("database.credential_keys.{id}: must be 32 bytes (AES-256)"))?;
        keys.insert(id.clone(), key);
    }
    let keys = if keys.is_empty() {
        if !demo {
            return Err("database.credential_keys: at least one 32-byte key is needed (credentials are stored encrypted)".to_owned());
        }
        CredentialKeys::single("demo", DEMO_CREDENTIAL_KEY)
    } else {
        let active = match &db.active_credential_key {
            Some(a) => a.clone(),
            None if keys.len() == 1 => keys.keys().next().cloned().unwrap_or_default(),
            None => {
                return Err(
                    "database.active_credential_key: say which key encrypts new credentials"
                        .to_owned(),
                )
            }
        };
        CredentialKeys::new(keys, active.clone())
            .ok_or_else(|| format!("database.active_credential_key: no key named {active}"))?
    };
    let mut sc = StoreConfig::new(db.url.clone(), keys);
    sc.first_order_number = db.first_order_number;
    sc.run_migrations = db.run_migrations;
    Ok(sc)
}

/// The order store and outbox of the configured database (SQLite or PostgreSQL).
pub async fn store(
    config: &Config,
    demo: bool,
) -> Result<(Arc<dyn OrderStore>, Arc<dyn Outbox>), String> {
    let sc = store_config(config, demo)?;
    let store = SqlStore::connect(&sc).await.map_err(|e| {
        format!("database {}: {e}", crate::config::redact_url(&config.database.url))
    })?;
    let store = Arc::new(store);
    Ok((store.clone(), store))
}

/// The LDAP directory of `[directory.ldap]` (see docs/directory.md). Connection problems at
/// start are logged, not fatal: the directory may come up later, and `/readyz` tells.
pub async fn ldap_directory(config: &Config) -> Result<Arc<dyn Directory>, String> {
    let section = config.directory.ldap.clone().ok_or(
        "directory: kind = \"ldap\" needs a [directory.ldap] section (see docs/directory.md)",
    )?;
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
    let mut sc = store_config(config, true)?;
    sc.run_migrations = false;
    let store = SqlStore::connect(&sc).await.map_err(|e| format!("database: {e}"))?;
    store.migrate().await.map_err(|e| format!("migrate: {e}"))?;
    println!("migrated {}", crate::config::redact_url(&config.database.url));
    Ok(())
}

/// `beh audit verify`: every order's chain; names the first broken entry of each.
pub async fn audit_verify(config: &Config) -> Result<(), String> {
    let mut sc = store_config(config, true)?;
    sc.run_migrations = false;
    let store = SqlStore::connect(&sc).await.map_err(|e| format!("database: {e}"))?;
    let v = store.verify_audit().await.map_err(|e| format!("audit: {e}"))?;
    println!("{} orders, {} entries checked", v.orders, v.entries);
    for b in &v.broken {
        println!("BROKEN c{}: entry {} ({})", b.order_number, b.index, b.reason);
    }
    if v.ok() {
        println!("every audit chain verifies");
        Ok(())
    } else {
        Err(format!("{} broken audit chain(s)", v.broken.len()))
    }
}
