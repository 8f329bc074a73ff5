//! The C ABI of beh.
//!
//! Not built yet: see the open issues. This crate holds no code until its issue is taken.
