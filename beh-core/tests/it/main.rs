//! Integration tests of beh-core: the rules through the service over in-memory ports, and the
//! property tests. One test binary (each extra binary costs a link step).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod props;
mod rules;
mod support;
