//! beh-store: the storage and directory adapters of beh.
//!
//! - [`sql`]: the `OrderStore` and `Outbox` ports of beh-core on SQLite (the embedded default)
//!   and PostgreSQL (several nodes), with sqlx.
//! - [`directory`]: the `Directory` port on KIV/HSA over LDAP, with ldap3.

pub mod directory;
pub mod sql;
