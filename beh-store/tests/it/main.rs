//! Integration tests of beh-store against real servers: PostgreSQL, SQLite files and slapd.
//! One test binary; each adapter has its module.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod directory;
mod store;
