//! Store tests (issue 4): one contract suite run on the in-memory store, SQLite on a
//! temporary file and PostgreSQL at `BEH_TEST_POSTGRES_URL` (never skipped: an unreachable
//! server fails the PostgreSQL tests), plus SQL-only tests (leases, concurrency across tasks
//! and processes, crash, tamper, key rotation, outages).

mod child;
mod contract;
mod fixtures;
mod harness;
mod sql_only;
