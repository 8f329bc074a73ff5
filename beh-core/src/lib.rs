//! beh-core: the pure domain of beh, ordering access rights ("behörighetsbeställning") in
//! Swedish healthcare.
//!
//! Identifiers ([`id`]), the catalog ([`catalog`]), directory facts ([`directory`]), orders and
//! the status machine ([`order`]), rules R2–R12 ([`rules`]), the to-be-signed encoding
//! ([`signing`]), the audit chain ([`audit`]), outbox messages ([`outbox`]), the ports
//! ([`ports`]) and the application service ([`service`]). No I/O and no runtime: time is an
//! argument or comes from the [`ports::Clock`] port. In-memory ports live in `testing` behind
//! the `testing` feature.

pub mod audit;
pub mod catalog;
pub mod directory;
pub mod error;
pub mod id;
pub mod order;
pub mod outbox;
pub mod ports;
pub mod rules;
pub mod service;
pub mod signing;
pub mod time;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Code, Error, ErrorClass, Result, Violation};
pub use service::{Actor, OrderService};
