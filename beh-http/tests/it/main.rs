//! The integration tests of beh-http: one binary (every extra test binary costs a link step),
//! one module per area. `api` and `mtls` drive the real `beh` binary over HTTP with a real SMTP
//! receiver and ticket receiver; `pages` drives real headless Chromium against it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod api;
mod mtls;
mod pages;
mod support;
