//! Identifiers (R1): parse, don't validate later. Every type here is valid by construction.

mod hsa_id;
mod other;
mod personnummer;

pub use hsa_id::HsaId;
pub use other::{OrderNumber, PassportNumber, VgrId};
pub use personnummer::{luhn_check_digit, Personnummer, Sex};

/// A short lowercase slug that names a catalog thing (administration, area, permission, …).
pub type Slug = String;
