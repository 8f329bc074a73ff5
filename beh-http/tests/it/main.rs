//! Black-box tests of the `beh` binary: started as a child process on a free port, driven over
//! HTTP, with a real SMTP receiver and a real ticket receiver on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod api;
mod mtls;
mod support;
