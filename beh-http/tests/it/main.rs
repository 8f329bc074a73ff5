//! The integration tests of beh-http: one binary (every extra test binary costs a link step),
//! one module per area. `pages` drives real headless Chromium against the real `beh` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(missing_docs)]

mod pages;
