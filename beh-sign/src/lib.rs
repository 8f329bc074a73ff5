//! SITHS certificate path validation and signature verification (rule R13), and the SITHS
//! client-certificate check for login.
//!
//! - [`Verifier`] holds trust anchors, CRLs and a [`Policy`]; build it with
//!   [`Verifier::builder`]. It checks a raw signature with its chain ([`Verifier::verify_raw`]),
//!   a CMS SignedData ([`Verifier::verify_cms`]) and a login certificate
//!   ([`Verifier::verify_login`]).
//! - [`verify_request_json`] is the stateless check of C-ABI.md (`beh_signature_verify`,
//!   `beh verify`): request JSON in, result JSON out.
//! - Failures carry every [`Problem`] found, each with its stable R13 [`Code`].
//!
//! No OpenSSL and no ring: x509-parser, RustCrypto's `rsa`, `p256`, `p384`, `sha2` and `cms`.
//! What is checked and why is in docs/signing.md.

mod cache;
pub mod cert;
mod cms;
pub mod crl;
pub mod crypto;
pub mod error;
pub mod json;
mod path;
pub mod pem;
pub mod port;
mod verifier;

pub use cert::{Certificate, HolderNames};
pub use crl::Crl;
pub use error::{Code, Failure, LoadError, Problem};
pub use json::{verify_request_json, VerifyOutcome};
pub use verifier::{Policy, Purpose, Revocation, Verified, Verifier, VerifierBuilder};
