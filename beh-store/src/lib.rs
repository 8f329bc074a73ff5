//! Storage and directory adapters of beh (SQLite, PostgreSQL, LDAP).
//!
//! Not built yet: see the open issues. This crate holds no code until its issue is taken.
