//! The beh server: HTTP API, web pages and outbox workers.
//!
//! Not built yet: see the open issues. This crate holds no code until its issue is taken.
