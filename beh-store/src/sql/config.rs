//! Store configuration: where the database is, the first order number and the credential keys.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// The AES-256-GCM keys credentials are encrypted with (R15), by key id. New credentials are
/// encrypted with the active key; the others stay readable, so keys can be rotated by adding a
/// new key, making it active and (optionally) re-encrypting with
/// [`super::SqlStore::reencrypt_credentials`].
#[derive(Clone)]
pub struct CredentialKeys {
    keys: BTreeMap<String, [u8; 32]>,
    active: String,
}

impl CredentialKeys {
    /// One key, active.
    pub fn single(id: impl Into<String>, key: [u8; 32]) -> CredentialKeys {
        let id = id.into();
        CredentialKeys { keys: BTreeMap::from([(id.clone(), key)]), active: id }
    }

    /// Several keys and the id of the active one; `None` when the active id has no key or an
    /// id is empty.
    pub fn new(keys: BTreeMap<String, [u8; 32]>, active: impl Into<String>) -> Option<Self> {
        let active = active.into();
        if !keys.contains_key(&active) || keys.keys().any(String::is_empty) {
            return None;
        }
        Some(CredentialKeys { keys, active })
    }

    /// Adds (or replaces) a key that is readable but not active.
    pub fn with_key(mut self, id: impl Into<String>, key: [u8; 32]) -> CredentialKeys {
        self.keys.insert(id.into(), key);
        self
    }

    /// Parses a key from 64 hex digits (the configuration format).
    pub fn parse_hex_key(hex: &str) -> Option<[u8; 32]> {
        let hex = hex.trim();
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2)?;
            *b = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(key)
    }

    /// The active key id.
    pub fn active_id(&self) -> &str {
        &self.active
    }

    /// The active key.
    pub(crate) fn active(&self) -> (&str, Option<&[u8; 32]>) {
        (&self.active, self.keys.get(&self.active))
    }

    /// A key by id.
    pub(crate) fn get(&self, id: &str) -> Option<&[u8; 32]> {
        self.keys.get(id)
    }

    /// The key ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }
}

impl fmt::Debug for CredentialKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialKeys")
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// How to reach and set up the store.
#[derive(Clone)]
pub struct StoreConfig {
    /// `sqlite:/path/to/beh.db` (created if missing) or `postgres://user@host/db`.
    pub url: String,
    /// The first order number handed out by a new database (36539 gives `c36539`).
    pub first_order_number: u64,
    /// Credential keys (R15).
    pub credential_keys: CredentialKeys,
    /// Whether [`super::SqlStore::connect`] runs the migrations (otherwise `beh migrate`).
    pub run_migrations: bool,
    /// Pool size.
    pub max_connections: u32,
    /// How long a claimed outbox message stays with its worker; a crashed worker's claims
    /// come back after this.
    pub outbox_lease: Duration,
    /// How long to wait for a connection (or, on SQLite, for the write lock) before answering
    /// `unavailable`.
    pub timeout: Duration,
}

impl StoreConfig {
    /// A configuration with defaults: first number 36539, migrations run at start-up, 10
    /// connections, a 5-minute outbox lease, a 5-second timeout.
    pub fn new(url: impl Into<String>, credential_keys: CredentialKeys) -> StoreConfig {
        StoreConfig {
            url: url.into(),
            first_order_number: 36539,
            credential_keys,
            run_migrations: true,
            max_connections: 10,
            outbox_lease: Duration::from_secs(300),
            timeout: Duration::from_secs(5),
        }
    }
}

/// The URL without its password, for logs and `Debug`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((auth, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => format!("{scheme}://{auth}@{host}"),
    }
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &redact_url(&self.url))
            .field("first_order_number", &self.first_order_number)
            .field("credential_keys", &self.credential_keys)
            .field("run_migrations", &self.run_migrations)
            .field("max_connections", &self.max_connections)
            .field("outbox_lease", &self.outbox_lease)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_keys_and_passwords() {
        let keys = CredentialKeys::single("k1", [0xAB; 32]);
        let c = StoreConfig::new("postgres://beh:hemligt@db/beh", keys);
        let d = format!("{c:?}");
        assert!(!d.contains("hemligt"), "{d}");
        assert!(!d.contains("171") && !d.contains("ab, ab") && !d.contains("AB"), "{d}");
        assert!(d.contains("k1") && d.contains("beh:***@db/beh"), "{d}");
    }

    #[test]
    fn hex_keys_parse() {
        let hex = "00".repeat(31) + "ff";
        let k = CredentialKeys::parse_hex_key(&hex).unwrap();
        assert_eq!(k[31], 0xff);
        assert!(CredentialKeys::parse_hex_key("abc").is_none());
        assert!(CredentialKeys::new(BTreeMap::new(), "x").is_none());
    }
}
