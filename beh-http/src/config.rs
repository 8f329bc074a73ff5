//! Configuration: a TOML file with environment overrides, checked at start with clear errors.
//!
//! Any key can be overridden by an environment variable `BEH__SECTION__KEY` (double
//! underscores separate levels; the value is read as TOML when it parses as a TOML value, else
//! as a string), e.g. `BEH__DATABASE__URL=postgres://…` or `BEH__MAIL__PASSWORD=…`.

use serde::Deserialize;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// The whole configuration of `beh serve`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The public base URL used in mail links, e.g. `https://beh.vgregion.se`.
    #[serde(default = "default_base_url")]
    pub public_base_url: String,
    /// Storage.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The directory.
    #[serde(default)]
    pub directory: DirectoryConfig,
    /// Signature checking.
    #[serde(default)]
    pub signing: SigningConfig,
    /// Login and sessions.
    #[serde(default)]
    pub auth: AuthConfig,
    /// TLS on the server itself (mTLS login).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Outgoing mail.
    #[serde(default)]
    pub mail: MailConfig,
    /// The service desk's ticket endpoint.
    #[serde(default)]
    pub ticket: TicketConfig,
    /// Outbox delivery.
    #[serde(default)]
    pub outbox: OutboxConfig,
    /// Request limits.
    #[serde(default)]
    pub limits: LimitsConfig,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_base_url() -> String {
    "http://127.0.0.1:8080".to_owned()
}

/// Storage settings.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://beh.db` (embedded default) or `postgres://…`.
    #[serde(default = "default_db")]
    pub url: String,
    /// The first order number a new database hands out.
    #[serde(default = "default_first")]
    pub first_order_number: u64,
    /// Run migrations at start-up.
    #[serde(default = "yes")]
    pub run_migrations: bool,
    /// Credential encryption keys: key id → base64 of 32 bytes.
    #[serde(default)]
    pub credential_keys: std::collections::BTreeMap<String, String>,
    /// The key id new credentials are encrypted with.
    #[serde(default)]
    pub active_credential_key: Option<String>,
}

fn default_db() -> String {
    "sqlite://beh.db".to_owned()
}
fn default_first() -> u64 {
    36539
}
fn yes() -> bool {
    true
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: default_db(),
            first_order_number: default_first(),
            run_migrations: true,
            credential_keys: Default::default(),
            active_credential_key: None,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("first_order_number", &self.first_order_number)
            .field("run_migrations", &self.run_migrations)
            .field("credential_keys", &self.credential_keys.keys().collect::<Vec<_>>())
            .field("active_credential_key", &self.active_credential_key)
            .finish()
    }
}

/// Hides a password in a URL (`scheme://user:secret@host` → `scheme://user:***@host`).
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = url.get(s + 3..at).unwrap_or_default();
            match creds.split_once(':') {
                Some((user, _)) => format!(
                    "{}{}:***{}",
                    url.get(..s + 3).unwrap_or_default(),
                    user,
                    url.get(at..).unwrap_or_default()
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Which directory to use.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DirectoryConfig {
    /// `demo` (the in-memory demo directory) or `ldap`.
    #[serde(default)]
    pub kind: DirectoryKind,
    /// LDAP settings (see docs/directory.md), when `kind = "ldap"`.
    #[serde(default)]
    pub ldap: Option<toml::Value>,
}

/// The directory adapter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    /// KIV/HSA over LDAP.
    #[default]
    Ldap,
    /// The demo directory in memory (demo mode only).
    Demo,
}

/// Signature checking (R13) and client-certificate login.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningConfig {
    /// PEM files of trusted SITHS roots.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// PEM or DER files of CRLs.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
    /// Accept signatures when no current CRL of the issuer is at hand (default: refuse).
    #[serde(default)]
    pub allow_missing_crl: bool,
}

/// Login and sessions.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Secret for session cookies, base64 of at least 64 bytes (several nodes share it). A
    /// random one is made at start when absent (sessions then end with the process).
    #[serde(default)]
    pub session_secret: Option<String>,
    /// Session lifetime in hours.
    #[serde(default = "default_session_hours")]
    pub session_hours: i64,
    /// Reverse proxies trusted to forward the client certificate.
    #[serde(default)]
    pub trusted_proxies: Vec<IpAddr>,
    /// The header the proxy puts the URL-encoded PEM client certificate in.
    #[serde(default = "default_proxy_header")]
    pub proxy_certificate_header: String,
    /// Service-desk API tokens: SHA-256 (hex) of the bearer token → the service desk HSA-id.
    #[serde(default)]
    pub service_desk_tokens: Vec<ServiceDeskToken>,
}

fn default_session_hours() -> i64 {
    8
}
fn default_proxy_header() -> String {
    "X-SSL-Client-Cert".to_owned()
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            session_secret: None,
            session_hours: default_session_hours(),
            trusted_proxies: Vec::new(),
            proxy_certificate_header: default_proxy_header(),
            service_desk_tokens: Vec::new(),
        }
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("session_secret", &self.session_secret.as_ref().map(|_| "***"))
            .field("session_hours", &self.session_hours)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("proxy_certificate_header", &self.proxy_certificate_header)
            .field("service_desk_tokens", &self.service_desk_tokens.len())
            .finish()
    }
}

/// A service-desk bearer token (only its hash is configured).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDeskToken {
    /// SHA-256 of the token, hex.
    pub token_sha256: String,
    /// The service desk identity the token stands for.
    pub hsa_id: String,
}

/// TLS on the server itself, with client certificates (mTLS login).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Server certificate chain (PEM).
    pub certificate: PathBuf,
    /// Server private key (PEM).
    pub private_key: PathBuf,
}

/// Outgoing mail.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    /// SMTP host; absent means mail is written to the log (demo mode).
    #[serde(default)]
    pub smtp_host: Option<String>,
    /// SMTP port.
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    /// `starttls`, `tls` or `none` (`none` only for loopback test servers).
    #[serde(default)]
    pub security: MailSecurity,
    /// SMTP user.
    #[serde(default)]
    pub username: Option<String>,
    /// SMTP password.
    #[serde(default)]
    pub password: Option<String>,
    /// Sender address.
    #[serde(default = "default_from")]
    pub from: String,
}

fn default_smtp_port() -> u16 {
    587
}
fn default_from() -> String {
    "VGR IT <noreply@vgregion.se>".to_owned()
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_host: None,
            smtp_port: default_smtp_port(),
            security: MailSecurity::default(),
            username: None,
            password: None,
            from: default_from(),
        }
    }
}

impl fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// SMTP transport security.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the start (SMTPS).
    Tls,
    /// Plain text (loopback test servers only).
    None,
}

/// The service desk's ticket endpoint.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketConfig {
    /// URL the ticket JSON is POSTed to; absent means tickets are written to the log (demo).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Bearer token for the endpoint.
    #[serde(default)]
    pub bearer_token: Option<String>,
}

impl fmt::Debug for TicketConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketConfig")
            .field("endpoint", &self.endpoint)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Outbox delivery.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxConfig {
    /// Attempts before a message is dead-lettered.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// First retry delay, seconds.
    #[serde(default = "default_base_delay")]
    pub base_delay_secs: u64,
    /// Longest retry delay, seconds.
    #[serde(default = "default_max_delay")]
    pub max_delay_secs: u64,
    /// How often workers look for due messages, milliseconds.
    #[serde(default = "default_poll")]
    pub poll_interval_ms: u64,
}

fn default_attempts() -> u32 {
    10
}
fn default_base_delay() -> u64 {
    5
}
fn default_max_delay() -> u64 {
    3600
}
fn default_poll() -> u64 {
    500
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            max_attempts: default_attempts(),
            base_delay_secs: default_base_delay(),
            max_delay_secs: default_max_delay(),
            poll_interval_ms: default_poll(),
        }
    }
}

/// Request limits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest request body, bytes.
    #[serde(default = "default_body")]
    pub max_body_bytes: usize,
    /// Longest request, seconds.
    #[serde(default = "default_timeout")]
    pub request_timeout_secs: u64,
}

fn default_body() -> usize {
    1024 * 1024
}
fn default_timeout() -> u64 {
    30
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig { max_body_bytes: default_body(), request_timeout_secs: default_timeout() }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("public_base_url", &self.public_base_url)
            .field("database", &self.database)
            .field("directory", &self.directory.kind)
            .field("signing", &self.signing)
            .field("auth", &self.auth)
            .field("tls", &self.tls)
            .field("mail", &self.mail)
            .field("ticket", &self.ticket)
            .field("outbox", &self.outbox)
            .field("limits", &self.limits)
            .finish()
    }
}

/// A configuration that cannot be used, with a message for the operator.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Reads `path` (if any), applies `BEH__…` environment overrides from `env`, and checks.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut root = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", p.display())))?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError(format!("{}: {e}", p.display())))?
            }
            None => toml::Table::new(),
        };
        for (key, value) in env {
            let Some(rest) = key.strip_prefix("BEH__") else { continue };
            let path: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
            set_path(&mut root, &path, parse_env_value(&value))
                .map_err(|e| ConfigError(format!("{key}: {e}")))?;
        }
        let config: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError(e.to_string()))?;
        config.check()?;
        Ok(config)
    }

    /// Checks values that parse but cannot work.
    pub fn check(&self) -> Result<(), ConfigError> {
        let url = &self.database.url;
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError(format!(
                "database.url must start with sqlite: or postgres:// (got {})",
                redact_url(url)
            )));
        }
        if url.starts_with("sqlite::memory:") || url.contains("mode=memory") {
            return Err(ConfigError(
                "database.url: an in-memory SQLite database is not supported (each pooled connection would see its own empty database); use a file such as sqlite://beh.db".to_owned(),
            ));
        }
        if !(self.public_base_url.starts_with("http://")
            || self.public_base_url.starts_with("https://"))
        {
            return Err(ConfigError("public_base_url must be an http(s) URL".to_owned()));
        }
        if self.auth.session_hours < 1 || self.auth.session_hours > 24 {
            return Err(ConfigError("auth.session_hours must be 1–24".to_owned()));
        }
        if let Some(secret) = &self.auth.session_secret {
            let bytes = crate::util::b64_decode(secret)
                .map_err(|_| ConfigError("auth.session_secret must be base64".to_owned()))?;
            if bytes.len() < 64 {
                return Err(ConfigError(
                    "auth.session_secret must be at least 64 bytes".to_owned(),
                ));
            }
        }
        if self.limits.max_body_bytes < 1024 {
            return Err(ConfigError("limits.max_body_bytes must be at least 1024".to_owned()));
        }
        if self.outbox.max_attempts == 0 {
            return Err(ConfigError("outbox.max_attempts must be at least 1".to_owned()));
        }
        for t in &self.auth.service_desk_tokens {
            if t.token_sha256.len() != 64 || !t.token_sha256.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(ConfigError(
                    "auth.service_desk_tokens: token_sha256 must be 64 hex digits".to_owned(),
                ));
            }
            beh_core::id::HsaId::parse(&t.hsa_id).map_err(|_| {
                ConfigError(format!("auth.service_desk_tokens: invalid HSA-id {}", t.hsa_id))
            })?;
        }
        Ok(())
    }
}

fn parse_env_value(value: &str) -> toml::Value {
    format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_owned()))
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    match path {
        [] => Err("empty key".to_owned()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => set_path(t, rest, value),
                _ => Err(format!("{first} is not a table")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn env_overrides_and_checks() {
        let c = Config::load(
            None,
            env(&[
                ("BEH__DIRECTORY__KIND", "demo"),
                ("BEH__DATABASE__URL", "postgres://u:pw-xyz@h/db"),
                ("BEH__OUTBOX__MAX_ATTEMPTS", "3"),
                ("OTHER", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(c.database.url, "postgres://u:pw-xyz@h/db");
        assert_eq!(c.outbox.max_attempts, 3);
        assert!(!format!("{c:?}").contains("pw-xyz"));
        let err = Config::load(
            None,
            env(&[("BEH__DIRECTORY__KIND", "demo"), ("BEH__DATABASE__URL", "mysql://x")]),
        )
        .unwrap_err();
        assert!(err.0.contains("database.url"));
        let err = Config::load(None, env(&[("BEH__DIRECTORY__KIND", "demo"), ("BEH__NOPE", "1")]))
            .unwrap_err();
        assert!(err.0.contains("nope"), "{err}");
        assert_eq!(Config::load(None, env(&[])).unwrap().directory.kind, DirectoryKind::Ldap);
    }
}
