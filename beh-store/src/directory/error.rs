//! What can go wrong talking to the directory. The `Directory` port turns all of it into
//! beh-core's `unavailable` (or `internal` for a malformed entry); `LdapDirectory::check`
//! returns it as is, for start-up diagnostics and tests.

use beh_core::error::{Code, Error};

/// A failure of the LDAP directory adapter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The configuration cannot work (checked before any connection is made).
    #[error("invalid LDAP configuration: {0}")]
    Config(String),
    /// The server did not answer in time.
    #[error("the LDAP server did not answer within {ms} ms")]
    Timeout {
        /// The time allowed.
        ms: u64,
    },
    /// The connection could not be made or was lost.
    #[error("LDAP connection failed: {0}")]
    Connection(String),
    /// The server refused the bind (e.g. 49, invalid credentials).
    #[error("LDAP bind as {dn} refused: result code {rc} {text}")]
    Bind {
        /// The bind DN.
        dn: String,
        /// The LDAP result code.
        rc: u32,
        /// The server's diagnostic text.
        text: String,
    },
    /// An operation ended with an LDAP result code other than success (e.g. 32, the base DN
    /// does not exist).
    #[error("LDAP {op} failed: result code {rc} {text}")]
    Result {
        /// The operation.
        op: &'static str,
        /// The LDAP result code.
        rc: u32,
        /// The server's diagnostic text.
        text: String,
    },
    /// An entry lacks a fact the adapter cannot do without (an HSA-id that parses).
    #[error("directory entry {dn} is malformed: {what}")]
    Entry {
        /// The entry.
        dn: String,
        /// What is wrong.
        what: String,
    },
}

impl DirectoryError {
    /// Whether the connection it happened on should be dropped and made anew.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(self, DirectoryError::Timeout { .. } | DirectoryError::Connection(_))
    }

    /// Whether one more try on a fresh connection may succeed (a reused connection that the
    /// server closed while idle). Timeouts are not retried: the caller has waited enough.
    pub(crate) fn retry_on_fresh_connection(&self) -> bool {
        matches!(self, DirectoryError::Connection(_))
    }
}

impl From<DirectoryError> for Error {
    fn from(e: DirectoryError) -> Error {
        match e {
            DirectoryError::Entry { .. } => Error::code(Code::Internal),
            _ => Error::unavailable(),
        }
    }
}

impl From<ldap3::LdapError> for DirectoryError {
    fn from(e: ldap3::LdapError) -> DirectoryError {
        match e {
            ldap3::LdapError::LdapResult { result } => {
                DirectoryError::Result { op: "operation", rc: result.rc, text: result.text }
            }
            ldap3::LdapError::Timeout { .. } => DirectoryError::Timeout { ms: 0 },
            other => DirectoryError::Connection(other.to_string()),
        }
    }
}
